import type {Command} from "commander";
import {z} from "zod";
import {UserError} from "../../util/errors.js";
import {logInfo} from "../../util/log.js";
import {parsePositiveInt, printData, validateOptions} from "../shared.js";

const EstimateCommandOptionsSchema = z.object({
    hardware: z.string().min(1).optional(),
    context: z.number().int().positive().optional(),
    depth: z.number().int().nonnegative().optional(),
    nGen: z.number().int().positive().optional(),
    json: z.boolean().default(false),
    md: z.boolean().default(false),
    remote: z.boolean().default(false),
    calibrate: z.boolean().default(false),
    threads: z.number().int().positive().optional(),
    listHardware: z.boolean().default(false)
});

function parseNonNegativeInt(value: string): number {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0) throw new UserError(`expected a whole number, got "${value}"`);
    return number;
}

export function registerEstimateCommand(program: Command): void {
    program
        .command("estimate")
        .description(
            "Upper bound and typical pp/tg tokens/sec of a model, and whether it fits, on a hardware profile " +
                "(hardware.yaml) or on this machine once calibrated: a roofline from the model's bytes per token."
        )
        .argument(
            "[model]",
            "a local .gguf, an http(s) URL or hf: URI (header only), or a catalog id[:QUANT] (offline)"
        )
        .option(
            "--hardware <profile>",
            'a device or class: "RTX 4090", "a 24 GB GPU", "M2 Max 64GB", "gaming GPU", "Raspberry Pi" (default: this machine)'
        )
        .option(
            "--context <n>",
            "context size (tokens) for the fit (default: 4096, or the model's if smaller)",
            parsePositiveInt
        )
        .option(
            "-d, --depth <n>",
            "tokens already in the context when generation starts (default: 0)",
            parseNonNegativeInt
        )
        .option("-n, --n-gen <n>", "generated tokens the tg figure is for (default: 128)", parsePositiveInt)
        .option("--json", "print the estimate as JSON")
        .option("--md", "print a Markdown table")
        .option("--remote", "for a catalog id: read its GGUF header from the hub instead of estimating offline")
        .option(
            "--calibrate",
            "(re)measure this machine: read bandwidth and llama.cpp tg/pp on three twins (a few minutes)"
        )
        .option("-t, --threads <n>", "threads for --calibrate (default: physical cores)", parsePositiveInt)
        .option("--list-hardware", "list the hardware profiles and classes")
        .action(async (model: string | undefined, rawOptions: unknown) => {
            const options = validateOptions(EstimateCommandOptionsSchema, rawOptions);
            if (options.json && options.md) throw new UserError("Give --json or --md, not both.");
            const {loadHardware, requireHardware} = await import("../../catalog/hardware.js");
            const hardware = await loadHardware();
            if (options.listHardware) {
                const {renderHardwareList} = await import("../../estimate/render.js");
                printData(options.json ? JSON.stringify(hardware, null, 2) : renderHardwareList(hardware));
                return;
            }
            const calibrationModule = await import("../../estimate/calibration.js");
            let calibration = null;
            if (options.calibrate) {
                const {physicalCoreCount} = await import("../../system/provenance.js");
                const outcome = await calibrationModule.calibrate({
                    threads: options.threads ?? (await physicalCoreCount())
                });
                calibration = outcome.calibration;
                const {renderCalibration} = await import("../../estimate/render.js");
                logInfo(`calibration saved to ${outcome.path}`);
                if (model == null) {
                    printData(options.json ? JSON.stringify(calibration, null, 2) : renderCalibration(calibration));
                    return;
                }
            }
            if (model == null)
                throw new UserError("Name a model to estimate (or give --calibrate or --list-hardware).");
            const estimate = await import("../../estimate/index.js");
            const render = await import("../../estimate/render.js");
            const facts = await estimate.resolveEstimateModel(model, {remote: options.remote});
            const estimateOptions = {context: options.context, depth: options.depth, nGen: options.nGen};
            let result: import("../../estimate/index.js").EstimateResult;
            if (options.hardware != null) {
                result = estimate.estimateOnTarget(
                    facts,
                    requireHardware(hardware, options.hardware),
                    hardware,
                    estimateOptions
                );
            } else {
                calibration ??= await calibrationModule.loadCalibration();
                if (calibration == null)
                    throw new UserError(
                        "This machine is not calibrated yet: run `llmproof estimate --calibrate` (a few minutes), or name a profile with --hardware."
                    );
                const {collectProvenance} = await import("../../system/provenance.js");
                const mismatch = calibrationModule.calibrationMismatch(calibration, await collectProvenance());
                result = estimate.estimateOnThisMachine(facts, calibration, hardware, {...estimateOptions, mismatch});
            }
            printData(
                options.json
                    ? render.renderEstimateJson(result)
                    : options.md
                      ? render.renderEstimateMarkdown(result)
                      : render.renderEstimateTable(result)
            );
        });
}
