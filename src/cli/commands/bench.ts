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
import {logInfo, logWarning} from "../../util/log.js";
import {ExitCode, exitCodeHelp, mostSevereExitCode} from "../../util/exit-codes.js";

const tokenList = intListInRange(0, OPTION_BOUNDS.tokens);
const positiveTokenList = intListInRange(1, OPTION_BOUNDS.tokens);

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
        mmap: z
            .array(
                z.enum(["0", "1"], {
                    message: "mmap takes 0 (read the weights into memory), 1 (map the file) or both as 0,1"
                })
            )
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
        timeout: z.number().positive().optional(),
        suite: z.string().min(1).optional(),
        exportJson: z.string().min(1).optional(),
        exportJsonl: z.string().min(1).optional(),
        exportCsv: z.string().min(1).optional(),
        exportMarkdown: z.string().min(1).optional(),
        baseline: z.array(z.string().min(1)).default([]),
        failIf: z.array(z.string()).default([]),
        alpha: z.number().gt(0).lt(1).default(0.05)
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

function collect(value: string, previous: string[] = []): string[] {
    return [...previous, value];
}

/** A comma list as typed ("0,1"); the schema judges the items, so that a bad one is a one-sentence usage error. */
function commaItems(value: string): string[] {
    return value.split(",").map((item) => item.trim());
}

export function registerBenchCommand(program: Command): void {
    program
        .command("bench")
        .description(
            "Measure prompt processing (pp) and generation (tg) tokens/sec, TTFT, load time and memory, like llama-bench; " +
                "every list option is swept over all combinations. " +
                "A model is a .gguf file, a catalog id with a quantization (qwen3-0.6b:Q8_0, pulled into the cache when missing), an hf: URI, " +
                "or twin:<catalog id>:<QUANT> (a shape-twin written once into the cache)."
        )
        .argument("[model...]", "GGUF files, catalog-id:QUANT, hf: URIs, or twin:<catalog-id>:<QUANT>")
        .option(
            "--suite <name>",
            "also benchmark a catalog suite (smoke, standard, …): cached files, else twins, so it runs offline"
        )
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
            "--mmap <list>",
            "load the weights through mmap 1, or read them into memory 0, comma list, like llama-bench -mmp (default: 1)",
            commaItems
        )
        .option(
            "-r, --repetitions <n>",
            "counted runs per test (the minimum with --adaptive)",
            intInRange(1, OPTION_BOUNDS.repetitions),
            5
        )
        .option("--warmup <n>", "uncounted warmup runs per test", intInRange(0, OPTION_BOUNDS.repetitions), 1)
        .option(
            "--adaptive",
            "repeat until the 95% CI is within --ci-target of the mean, or --max-time is spent; a row still noisy is measured again"
        )
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
        .option(
            "--json",
            'print {"schemaVersion", "runs": [...]} as JSON (always the whole document, failed rows included)'
        )
        .option("--jsonl", "print one JSON run per line")
        .option("--csv", "print CSV")
        .option("--md", "print a Markdown table")
        .option("--output <file>", "also write the output to a file (format from the extension, else as printed)")
        .option("--export-json <file>", "also write the JSON report to a file")
        .option("--export-jsonl <file>", "also write JSON lines to a file")
        .option("--export-csv <file>", "also write CSV to a file")
        .option("--export-markdown <file>", "also write a Markdown table to a file")
        .option(
            "--results-dir <dir>",
            "where each run is saved as JSON (default: $LLMPROOF_RESULTS_DIR, else $XDG_DATA_HOME/llmproof/results)"
        )
        .option("--no-save", "do not save result files")
        .option(
            "--baseline <file>",
            "compare with this result file or folder (or llama-bench output) when done",
            collect
        )
        .option(
            "--fail-if <rule>",
            'gate on the comparison with --baseline: "tg<-5%", "ttft>+10%"; or an absolute floor without one: "tg<50" (repeatable)',
            collect
        )
        .option("--alpha <p>", "significance level of the gate", Number, 0.05)
        .option("--cross-check", "also run llama-bench (LLAMA_BENCH or PATH) on the same configurations and show both")
        .option("--gpu <backend>", "auto, cpu, cuda, vulkan or metal", "auto")
        .option(
            "--timeout <seconds>",
            "kill a measuring child after this long and record a timeout",
            secondsInRange(OPTION_BOUNDS.timeoutSeconds)
        )
        .addHelpText("after", `\n${exitCodeHelp()}`)
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
                      : "table";

            // Everything the user can get wrong is checked before the first measurement.
            const {parseGateRule, relativeRulesOf, loadSide} = await import("../../compare/index.js");
            const rules = options.failIf.map(parseGateRule);
            if (relativeRulesOf(rules).length > 0 && options.baseline.length === 0) {
                const {UserError} = await import("../../util/errors.js");
                throw new UserError(
                    `The gate ${relativeRulesOf(rules)[0]!.text} is relative to a baseline: ` +
                        "give one with --baseline <file> (an earlier --json output or results folder).",
                    {exitCode: ExitCode.usage}
                );
            }
            const baseline = options.baseline.length > 0 ? await loadSide(options.baseline, "baseline") : null;
            const exports: {path: string; format: "table" | "json" | "jsonl" | "csv" | "md"}[] = [];
            if (options.output !== undefined)
                exports.push({
                    path: options.output,
                    format: FORMAT_BY_EXTENSION[extname(options.output).toLowerCase()] ?? format
                });
            if (options.exportJson !== undefined) exports.push({path: options.exportJson, format: "json"});
            if (options.exportJsonl !== undefined) exports.push({path: options.exportJsonl, format: "jsonl"});
            if (options.exportCsv !== undefined) exports.push({path: options.exportCsv, format: "csv"});
            if (options.exportMarkdown !== undefined) exports.push({path: options.exportMarkdown, format: "md"});
            const {checkOutputFile, checkResultsDirectory, resolveResultsDirectory, writeOutputFile} = await import(
                "../../results/store.js"
            );
            for (const file of exports) await checkOutputFile(file.path);

            // Ctrl-C (or SIGTERM) stops the suite: the run in flight is dropped, the finished ones are
            // printed and saved, and the exit code is 130. A second Ctrl-C quits at once.
            const interruption = new AbortController();
            const onInterrupt = () => {
                if (interruption.signal.aborted) process.exit(ExitCode.interrupted);
                logWarning("interrupted: stopping after saving what was measured (Ctrl-C again to quit at once)");
                interruption.abort(new Error("interrupted"));
            };
            process.on("SIGINT", onInterrupt);
            process.on("SIGTERM", onInterrupt);
            try {
                const {planInputs, acquireInputs} = await import("../../bench/inputs.js");
                const plans = await planInputs(models, {suite: options.suite});
                // Before any pull or twin write, not only before measuring (and after the inputs, which leave no trace).
                if (options.save) await checkResultsDirectory(resolveResultsDirectory(options.resultsDir));
                const resolved = await acquireInputs(plans, {signal: interruption.signal});

                const {runBench, everyRunFailedMessage} = await import("../../bench/index.js");
                const {exportRuns} = await import("../../report/index.js");
                const outcome = await runBench({
                    models: resolved,
                    sweep: {
                        threads: options.threads,
                        nPrompt: options.nPrompt,
                        nGen: options.nGen,
                        depth: options.depth,
                        batchSize: options.batchSize,
                        ubatchSize: options.ubatch,
                        gpuLayers: options.ngl,
                        flashAttention: options.fa?.map((value) => value === 1),
                        useMmap: options.mmap?.map((value) => value === "1")
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
                    timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000,
                    signal: interruption.signal
                });

                const runs = outcome.report.runs;
                printData(exportRuns(runs, format));
                const codes: number[] = [];
                for (const file of exports) {
                    try {
                        await writeOutputFile(file.path, exportRuns(runs, file.format));
                        logInfo(`wrote ${runs.length} run${runs.length === 1 ? "" : "s"} to ${file.path}`);
                    } catch (error) {
                        const {errorMessage} = await import("../../util/errors.js");
                        logWarning(errorMessage(error));
                        codes.push(ExitCode.notSaved);
                    }
                }
                if (outcome.unsavedRuns > 0) {
                    logWarning(`${outcome.unsavedRuns} result file(s) could not be saved in ${outcome.resultsDir}.`);
                    codes.push(ExitCode.notSaved);
                }
                if (outcome.noisyRuns > 0)
                    logWarning(
                        `${outcome.noisyRuns} of ${runs.length} runs are noisy (95% CI over ±20% of the mean): ` +
                            "compare them with care, or re-run with --adaptive."
                    );
                // Every run failed: the suite ends with one sentence (below) naming the models and why, not a warning.
                const everyRunFailed = outcome.interrupted ? null : everyRunFailedMessage(runs);
                if (outcome.failedRuns > 0) {
                    if (everyRunFailed === null) logWarning(`${outcome.failedRuns} of ${runs.length} runs failed.`);
                    codes.push(ExitCode.measurementFailed);
                }
                if (rules.length > 0 || baseline !== null) {
                    const {compareRunsWithBaseline, gateExitCode} = await import("../../compare/index.js");
                    const {compareTable} = await import("../../report/compare.js");
                    const report = compareRunsWithBaseline(baseline, runs, {alpha: options.alpha, gate: rules});
                    // The comparison goes to stderr: stdout carries the bench output alone.
                    if (baseline !== null) process.stderr.write(compareTable({...report, gate: null}));
                    if (report.gate !== null) {
                        if (report.gate.passed) logInfo(`gate passed: ${rules.map((rule) => rule.text).join(", ")}`);
                        for (const violation of report.gate.violations)
                            logWarning(`gate: ${violation.kind}: ${violation.message}`);
                        codes.push(gateExitCode(report.gate));
                    }
                }
                if (outcome.interrupted) {
                    logWarning(
                        `interrupted after ${runs.length} run${runs.length === 1 ? "" : "s"}; they are printed above and saved.`
                    );
                    codes.push(ExitCode.interrupted);
                }
                if (everyRunFailed !== null) {
                    const {UserError} = await import("../../util/errors.js");
                    // The failed rows are printed and saved above; the sentence and the exit code end the command.
                    throw new UserError(everyRunFailed, {exitCode: mostSevereExitCode(codes)});
                }
                process.exitCode = mostSevereExitCode(codes);
            } finally {
                process.off("SIGINT", onInterrupt);
                process.off("SIGTERM", onInterrupt);
            }
        });
}
