import type {Command} from "commander";
import {extname} from "node:path";
import {z} from "zod";
import {
    OPTION_BOUNDS,
    intInRange,
    intListInRange,
    numberInRange,
    parseIntList,
    printData,
    secondsInRange,
    validateOptions
} from "../shared.js";

const tokenList = intListInRange(0, OPTION_BOUNDS.tokens);
const positiveTokenList = intListInRange(1, OPTION_BOUNDS.tokens);
import {logInfo, logWarning} from "../../util/log.js";

const IntListSchema = z.array(z.number().int().nonnegative()).nonempty();
const PositiveIntListSchema = z.array(z.number().int().positive()).nonempty();

const BenchCommandOptionsSchema = z
    .object({
        threads: PositiveIntListSchema.optional(),
        nPrompt: IntListSchema.optional(),
        nGen: IntListSchema.optional(),
        depth: IntListSchema.optional(),
        batchSize: PositiveIntListSchema.optional(),
        ubatch: PositiveIntListSchema.optional(),
        ngl: IntListSchema.optional(),
        fa: z
            .array(z.union([z.literal(0), z.literal(1)], {message: "flash attention takes 0 or 1"}))
            .nonempty()
            .optional(),
        repetitions: z.number().int().positive(),
        warmup: z.number().int().nonnegative(),
        adaptive: z.boolean().default(false),
        maxTime: z.number().positive(),
        maxRepetitions: z.number().int().positive(),
        ciTarget: z.number().positive().max(100),
        ttft: z.boolean(),
        json: z.boolean().default(false),
        jsonl: z.boolean().default(false),
        csv: z.boolean().default(false),
        md: z.boolean().default(false),
        output: z.string().min(1).optional(),
        resultsDir: z.string().min(1).optional(),
        save: z.boolean(),
        crossCheck: z.boolean().default(false),
        gpu: z.enum(["auto", "cpu", "cuda", "vulkan", "metal"]),
        timeout: z.number().positive().optional()
    })
    .refine((options) => [options.json, options.jsonl, options.csv, options.md].filter(Boolean).length <= 1, {
        message: "choose one output format of --json, --jsonl, --csv and --md",
        path: ["json"]
    });

const FORMAT_BY_EXTENSION: Record<string, "json" | "jsonl" | "csv" | "md"> = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".csv": "csv",
    ".md": "md"
};

export function registerBenchCommand(program: Command): void {
    program
        .command("bench")
        .description(
            "Measure prompt processing (pp) and generation (tg) tokens/sec, TTFT, load time and memory, like llama-bench; every list option is swept over all combinations."
        )
        .argument("<model...>", "GGUF model files")
        .option(
            "-t, --threads <list>",
            "CPU threads, comma list (default: physical cores)",
            intListInRange(1, OPTION_BOUNDS.threads)
        )
        .option(
            "-p, --n-prompt <list>",
            "prompt tokens of the pp tests, comma list; 0 skips pp (default: 512)",
            tokenList
        )
        .option(
            "-n, --n-gen <list>",
            "generated tokens of the tg tests, comma list; 0 skips tg (default: 128)",
            tokenList
        )
        .option(
            "-d, --depth <list>",
            "tokens already in the KV cache before each test, comma list (default: 0)",
            tokenList
        )
        .option("-b, --batch-size <list>", "logical batch size, comma list (default: 2048)", positiveTokenList)
        .option("--ubatch <list>", "physical (micro) batch size, comma list (default: 512)", positiveTokenList)
        .option(
            "--ngl <list>",
            "layers offloaded to the GPU, comma list (default: 99 with a GPU, 0 on CPU)",
            parseIntList
        )
        .option("--fa <list>", "flash attention 0/1, comma list (default: 0)", parseIntList)
        .option(
            "-r, --repetitions <n>",
            "counted runs per test (the minimum with --adaptive)",
            intInRange(1, OPTION_BOUNDS.repetitions),
            5
        )
        .option("--warmup <n>", "uncounted warmup runs per test", intInRange(0, OPTION_BOUNDS.repetitions), 1)
        .option("--adaptive", "repeat until the 95% CI is within --ci-target of the mean, or --max-time is spent")
        .option(
            "--max-time <seconds>",
            "adaptive mode: time budget per test",
            secondsInRange(OPTION_BOUNDS.maxTimeSeconds),
            120
        )
        .option(
            "--max-repetitions <n>",
            "adaptive mode: most counted runs per test",
            intInRange(1, OPTION_BOUNDS.repetitions),
            100
        )
        .option(
            "--ci-target <percent>",
            "adaptive mode: target CI half-width, percent of the mean",
            numberInRange(0, 100),
            5
        )
        .option("--no-ttft", "skip the time-to-first-token measurement")
        .option("--json", 'print {"schemaVersion", "runs": [...]} as JSON')
        .option("--jsonl", "print one JSON run per line")
        .option("--csv", "print CSV")
        .option("--md", "print a Markdown table")
        .option(
            "--output <file>",
            "write the output to a file instead of stdout (format from the flag or the extension)"
        )
        .option("--results-dir <dir>", "where each run is saved as JSON (default: $LLMPROOF_RESULTS_DIR or ./results)")
        .option("--no-save", "do not save result files")
        .option("--cross-check", "also run llama-bench (LLAMA_BENCH or PATH) on the same configurations and show both")
        .option("--gpu <backend>", "auto, cpu, cuda, vulkan or metal", "auto")
        .option(
            "--timeout <seconds>",
            "kill a measuring child after this long and record a timeout",
            secondsInRange(OPTION_BOUNDS.timeoutSeconds)
        )
        .action(async (models: string[], rawOptions: Record<string, unknown>) => {
            const options = validateOptions(BenchCommandOptionsSchema, rawOptions);
            const format = options.json
                ? "json"
                : options.jsonl
                  ? "jsonl"
                  : options.csv
                    ? "csv"
                    : options.md
                      ? "md"
                      : ((options.output !== undefined
                            ? FORMAT_BY_EXTENSION[extname(options.output).toLowerCase()]
                            : undefined) ?? "table");

            const {runBench} = await import("../../bench/index.js");
            const {exportRuns} = await import("../../report/index.js");
            const outcome = await runBench({
                models,
                sweep: {
                    threads: options.threads,
                    nPrompt: options.nPrompt,
                    nGen: options.nGen,
                    depth: options.depth,
                    batchSize: options.batchSize,
                    ubatchSize: options.ubatch,
                    gpuLayers: options.ngl,
                    flashAttention: options.fa?.map((value) => value === 1)
                },
                policy: {
                    warmup: options.warmup,
                    repetitions: options.repetitions,
                    adaptive: options.adaptive
                        ? {
                              maxRepetitions: Math.max(options.maxRepetitions, options.repetitions),
                              targetRelativeCi: options.ciTarget / 100,
                              maxSeconds: options.maxTime
                          }
                        : null
                },
                measureTtft: options.ttft,
                gpu: options.gpu,
                crossCheck: options.crossCheck,
                save: options.save,
                resultsDir: options.resultsDir,
                timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000
            });

            const text = exportRuns(outcome.report.runs, format);
            if (options.output !== undefined) {
                const {writeFileAtomic} = await import("../../util/atomic-write.js");
                await writeFileAtomic(options.output, text);
                logInfo(
                    `wrote ${outcome.report.runs.length} run${outcome.report.runs.length === 1 ? "" : "s"} to ${options.output}`
                );
            } else {
                printData(text);
            }
            if (outcome.failedRuns > 0) {
                logWarning(`${outcome.failedRuns} of ${outcome.report.runs.length} runs failed.`);
                process.exitCode = 1;
            }
        });
}
