import type {Command} from "commander";
import {extname} from "node:path";
import {z} from "zod";
import {parseIntList, parsePositiveInt, printData, validateOptions} from "../shared.js";
import {ExitCode} from "../../util/exit-codes.js";
import {logInfo} from "../../util/log.js";

const LadderCommandOptionsSchema = z
    .object({
        files: z.array(z.string().min(1)).nonempty().optional(),
        quants: z.string().min(1).optional(),
        pull: z.boolean().default(false),
        repetitions: z.number().int().positive(),
        warmup: z.number().int().nonnegative(),
        nPrompt: z.number().int().nonnegative(),
        nGen: z.number().int().nonnegative(),
        threads: z.number().int().positive().optional(),
        quality: z.boolean(),
        ctx: z.number().int().min(4, "the context needs at least 4 tokens"),
        chunks: z.number().int().positive(),
        freeMemory: z.number().positive().optional(),
        json: z.boolean().default(false),
        md: z.boolean().default(false),
        csv: z.boolean().default(false),
        output: z.string().min(1).optional()
    })
    .refine((options) => [options.json, options.md, options.csv].filter(Boolean).length <= 1, {
        message: "choose one output format of --json, --md and --csv",
        path: ["json"]
    });

const FORMAT_BY_EXTENSION: Record<string, "json" | "md" | "csv"> = {".json": "json", ".md": "md", ".csv": "csv"};

function parseSingleInt(value: string): number {
    const [first, ...rest] = parseIntList(value);
    if (rest.length > 0) throw new Error("give one number");
    return first!;
}

export function registerLadderCommand(program: Command): void {
    program
        .command("ladder")
        .description(
            "Which quant? Every quantization of one model side by side: size, bits per weight, reduction, pp/tg t/s, " +
                "TTFT, peak RSS and (real weights) perplexity and KL divergence; marks the Pareto front and picks one for this machine's free memory."
        )
        .argument("[model]", "a catalog model (its files in the cache, pulled with --pull, or shape-twins)")
        .option("--files <paths...>", "GGUF files of one model, or folders of them, instead of a catalog model")
        .option(
            "-q, --quants <list>",
            "catalog mode: quants to include, comma list (default: the catalog's plus F16,Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q4_0)"
        )
        .option("--pull", "catalog mode: download the catalog's files that are not in the cache (else twins stand in)")
        .option("-r, --repetitions <n>", "counted runs per test", parsePositiveInt, 3)
        .option("--warmup <n>", "uncounted warmup runs per test", Number, 1)
        .option("-p, --n-prompt <n>", "prompt tokens of the pp test; 0 skips it", parseSingleInt, 128)
        .option("-n, --n-gen <n>", "generated tokens of the tg test; 0 skips it", parseSingleInt, 32)
        .option("-t, --threads <n>", "CPU threads (default: physical cores)", parsePositiveInt)
        .option("--no-quality", "skip perplexity / KL divergence on the real-weight files")
        .option("-c, --ctx <n>", "quality: tokens per chunk", parsePositiveInt, 256)
        .option("--chunks <n>", "quality: chunks to score", parsePositiveInt, 8)
        .option("--free-memory <GB>", "plan for this much free memory instead of what the system reports", Number)
        .option("--json", "print the ladder document as JSON")
        .option("--md", "print a Markdown table")
        .option("--csv", "print CSV")
        .option("-o, --output <file>", "also write the ladder to a file (.json, .md or .csv; JSON otherwise)")
        .action(async (model: string | undefined, rawOptions: Record<string, unknown>) => {
            const options = validateOptions(LadderCommandOptionsSchema, rawOptions);
            const {runLadder, renderLadder} = await import("../../ladder/index.js");
            const document = await runLadder({
                model,
                files: options.files,
                quants: options.quants
                    ?.split(",")
                    .map((quant) => quant.trim())
                    .filter(Boolean),
                pull: options.pull,
                nPrompt: options.nPrompt,
                nGen: options.nGen,
                threads: options.threads,
                repetitions: options.repetitions,
                warmup: options.warmup,
                quality: options.quality,
                qualityContext: options.ctx,
                qualityChunks: options.chunks,
                freeMemoryBytes: options.freeMemory === undefined ? undefined : options.freeMemory * 1e9
            });
            if (options.output !== undefined) {
                const {writeFileAtomic} = await import("../../util/atomic-write.js");
                const format = FORMAT_BY_EXTENSION[extname(options.output).toLowerCase()] ?? "json";
                await writeFileAtomic(options.output, renderLadder(document, format));
                logInfo(`wrote the ladder to ${options.output}`);
            }
            printData(
                renderLadder(document, options.json ? "json" : options.md ? "md" : options.csv ? "csv" : "table")
            );
            if (document.rungs.some((rung) => rung.status === "failed")) process.exitCode = ExitCode.error;
        });
}
