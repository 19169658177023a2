import {InvalidArgumentError, Option} from "commander";
import type {Command} from "commander";
import {z} from "zod";
import {OPTION_BOUNDS, intInRange, printData, validateOptions} from "../shared.js";

/** Shape bounds: beyond them no real model exists and the twin would only fill the disk or the heap. */
const dimension = intInRange(1, 1024 * 1024);
const layerCount = intInRange(1, 10_000);
const headCount = intInRange(1, 65_536);
const vocabularySize = intInRange(1, 4 * 1024 * 1024);

const SynthCommandOptionsSchema = z.object({
    preset: z.string().optional(),
    shape: z.string().optional(),
    arch: z.enum(["llama", "qwen2", "qwen3"]).optional(),
    hidden: z.number().int().positive().optional(),
    layers: z.number().int().positive().optional(),
    heads: z.number().int().positive().optional(),
    kvHeads: z.number().int().positive().optional(),
    headDim: z.number().int().positive().optional(),
    ffn: z.number().int().positive().optional(),
    vocab: z.number().int().positive().optional(),
    ctx: z.number().int().positive().optional(),
    tied: z.boolean().optional(),
    qkvBias: z.boolean().optional(),
    ropeTheta: z.number().positive().optional(),
    quant: z.string().default("Q8_0"),
    output: z.string().optional(),
    seed: z.number().int().nonnegative().default(42),
    name: z.string().optional(),
    json: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    listPresets: z.boolean().default(false)
});

function parsePositiveNumber(value: string): number {
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0)
        throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
    return number;
}

function parseNonNegativeInt(value: string): number {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0 || number > 0xffffffff)
        throw new InvalidArgumentError(`expected an integer from 0 to 4294967295, got "${value}"`);
    return number;
}

export function registerSynthCommand(program: Command): void {
    program
        .command("synth")
        .description(
            "Write a shape-twin: a GGUF with a real model's tensor shapes and llama.cpp quantization layout but random weights (for speed and " +
                "memory tests without the weights)."
        )
        .option("--preset <name>", "a named shape (see --list-presets), e.g. qwen2.5-0.5b")
        .option(
            "--shape <file>",
            "a JSON or YAML file with the shape (ModelShape fields: architecture, hiddenSize, layers, ...)"
        )
        .addOption(new Option("--arch <architecture>", "architecture").choices(["llama", "qwen2", "qwen3"]))
        .option("--hidden <n>", "hidden size (embedding length)", dimension)
        .option("--layers <n>", "number of blocks", layerCount)
        .option("--heads <n>", "attention heads", headCount)
        .option("--kv-heads <n>", "KV heads (default: --heads)", headCount)
        .option("--head-dim <n>", "per-head dimension (default: hidden / heads)", dimension)
        .option("--ffn <n>", "feed-forward size", dimension)
        .option("--vocab <n>", "vocabulary size (at least 260)", vocabularySize)
        .option("--ctx <n>", "training context length", intInRange(1, OPTION_BOUNDS.tokens))
        .option("--tied", "output shares the token embedding tensor")
        .option("--no-tied", "separate output.weight tensor")
        .option("--qkv-bias", "Q/K/V projections have biases (Qwen2)")
        .option("--no-qkv-bias", "no Q/K/V biases")
        .option("--rope-theta <x>", "RoPE base frequency", parsePositiveNumber)
        .option(
            "-q, --quant <type>",
            "F32, F16, BF16, Q8_0 (= Q8_0-F32-norms), Q6_K, Q5_K_M, Q5_K_S, Q5_0, Q4_K_M, Q4_K_S, Q4_K (pure), Q4_0",
            "Q8_0"
        )
        .option("-o, --output <file>", "output path (default: <shape>-<quant>.twin.gguf in the current folder)")
        .option("--seed <n>", "seed of the random weights", parseNonNegativeInt, 42)
        .option("--name <name>", "general.name written into the file")
        .option("--json", "print the report as JSON")
        .option("--dry-run", "report the file size, type mix and fallbacks without writing the file")
        .option("--list-presets", "list the named shapes and quantizations, then exit")
        .action(async (rawOptions: unknown) => {
            const options = validateOptions(SynthCommandOptionsSchema, rawOptions);
            const synth = await import("../../gguf/synth.js");
            if (options.listPresets) {
                const {listShapePresets} = await import("../../gguf/shape-presets.js");
                const {listQuantRecipes} = await import("../../gguf/twin-layout.js");
                const presets = listShapePresets();
                const recipes = listQuantRecipes();
                if (options.json) {
                    printData(JSON.stringify({presets, quants: recipes}, null, 2));
                    return;
                }
                printData(
                    [
                        "presets:",
                        ...presets.map((preset) => `  ${preset.name.padEnd(16)} ${preset.source}`),
                        "quantizations:",
                        ...recipes.map((recipe) => `  ${recipe.name.padEnd(8)} ${recipe.description}`)
                    ].join("\n")
                );
                return;
            }
            const {resolveSynthShape} = await import("../../gguf/shape-file.js");
            const {shape, label} = await resolveSynthShape({
                preset: options.preset,
                shapeFile: options.shape,
                overrides: {
                    architecture: options.arch,
                    hiddenSize: options.hidden,
                    layers: options.layers,
                    heads: options.heads,
                    kvHeads: options.kvHeads,
                    headDim: options.headDim,
                    ffnSize: options.ffn,
                    vocabSize: options.vocab,
                    contextLength: options.ctx,
                    tiedEmbeddings: options.tied,
                    qkvBias: options.qkvBias,
                    ropeTheta: options.ropeTheta
                }
            });
            const {findQuantRecipe} = await import("../../gguf/twin-layout.js");
            const quant = findQuantRecipe(options.quant).name;
            const outputPath = options.output ?? `${label}-${quant}.twin.gguf`;
            const twinOptions = {shape, quant, seed: options.seed, name: options.name ?? label};
            const {logInfo} = await import("../../util/log.js");
            // Ctrl-C or SIGTERM mid-write removes the temp file and exits 130 / 143 (util/temp-files.ts).
            if (!options.dryRun) logInfo(`writing ${quant} twin of ${label} to ${outputPath} ...`);
            const report = options.dryRun
                ? synth.estimateTwinGguf(twinOptions)
                : await synth.writeTwinGguf({...twinOptions, outputPath});
            const {renderTwinReport} = await import("../../gguf/twin-report.js");
            printData(options.json ? JSON.stringify(report, null, 2) : renderTwinReport(report));
        });
}
