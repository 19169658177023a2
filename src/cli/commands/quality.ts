import type {Command} from "commander";
import {z} from "zod";
import {OPTION_BOUNDS, intInRange, printData, validateOptions} from "../shared.js";
import {logWarning} from "../../util/log.js";

const QualityCommandOptionsSchema = z.object({
    ctx: z.number().int().min(4, "the context needs at least 4 tokens"),
    chunks: z.number().int().positive().optional(),
    text: z.string().min(1).optional(),
    threads: z.number().int().positive().optional(),
    gpu: z.enum(["auto", "cpu", "cuda", "vulkan", "metal"]),
    json: z.boolean().default(false),
    output: z.string().min(1).optional()
});

export function registerQualityCommand(program: Command): void {
    program
        .command("quality")
        .description(
            "Quality loss of quantized models versus a baseline: perplexity, KL divergence, top-token agreement and Δp on one text, computed " +
                "as llama-perplexity --kl-divergence does."
        )
        .argument("<baseline>", "the reference GGUF (e.g. the F16/F32 model)")
        .argument("<candidate...>", "GGUF files to compare with it (e.g. its quantizations)")
        .option(
            "-c, --ctx <n>",
            "tokens per chunk; the second half of each chunk is scored",
            intInRange(4, OPTION_BOUNDS.tokens),
            512
        )
        .option("--chunks <n>", "score at most this many chunks", intInRange(1, OPTION_BOUNDS.chunks))
        .option("-f, --text <file>", "UTF-8 text to score (default: built-in children's stories)")
        .option(
            "-t, --threads <n>",
            "CPU threads (default: node-llama-cpp's choice)",
            intInRange(1, OPTION_BOUNDS.threads)
        )
        .option("--gpu <backend>", "auto, cpu, cuda, vulkan or metal", "auto")
        .option("--json", "print the report as JSON")
        .option(
            "--output <file>",
            "also write the JSON report to this file, updated after every candidate (- for stdout)"
        )
        .action(async (baseline: string, candidates: string[], rawOptions: Record<string, unknown>) => {
            const options = validateOptions(QualityCommandOptionsSchema, rawOptions);
            const {runQuality, renderQualityTable} = await import("../../quality/index.js");
            // Each candidate runs in its own child; the report (--output) is saved after every one.
            const {report, unsaved} = await runQuality({
                baselinePath: baseline,
                candidatePaths: candidates,
                contextSize: options.ctx,
                chunks: options.chunks,
                textPath: options.text,
                threads: options.threads,
                gpu: options.gpu,
                outputPath: options.output
            });
            for (const warning of report.warnings) logWarning(warning);
            const json = JSON.stringify(report, null, 2);
            printData(options.output === "-" || options.json ? json : renderQualityTable(report));
            const {UserError} = await import("../../util/errors.js");
            const failed =
                report.failed.length === 0
                    ? null
                    : `${report.failed.length} of ${candidates.length} candidates could not be measured: ` +
                      report.failed
                          .map((failure) => `${failure.fileName} (${failure.reason.replace(/\.$/, "")})`)
                          .join("; ");
            // The report could not be saved (the disk filled up during the run): it is printed above, not lost.
            if (unsaved !== null) {
                const {ExitCode} = await import("../../util/exit-codes.js");
                throw new UserError(
                    `${unsaved.replace(/\.$/, "")}; the report is printed on standard output instead` +
                        (failed === null ? "." : `, and ${failed}.`),
                    {exitCode: ExitCode.notSaved}
                );
            }
            if (failed !== null)
                throw new UserError(
                    failed +
                        (options.output !== undefined && options.output !== "-"
                            ? `; the others are saved in ${options.output}`
                            : "")
                );
        });
}
