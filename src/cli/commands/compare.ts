import type {Command} from "commander";
import {z} from "zod";
import {exitCodeHelp} from "../../util/exit-codes.js";
import {extname} from "node:path";
import {logInfo, logWarning} from "../../util/log.js";
import {parseIntList, printData, validateOptions} from "../shared.js";

const CompareCommandOptionsSchema = z
    .object({
        json: z.boolean().default(false),
        csv: z.boolean().default(false),
        md: z.boolean().default(false),
        output: z.string().min(1).optional(),
        failIf: z.array(z.string()).default([]),
        alpha: z.number().gt(0).lt(1).default(0.05),
        ignore: z.array(z.enum(["model", "threads", "batch", "ubatch", "ngl", "fa", "mmap"])).default([]),
        baselineBuild: z.string().min(1).optional(),
        candidateBuild: z.string().min(1).optional(),
        assumeN: z.number().int().min(2).optional()
    })
    .refine((options) => [options.json, options.csv, options.md].filter(Boolean).length <= 1, {
        message: "choose one output format of --json, --csv and --md",
        path: ["json"]
    });

const FORMAT_BY_EXTENSION: Record<string, "json" | "csv" | "md"> = {".json": "json", ".csv": "csv", ".md": "md"};

function collect(value: string, previous: string[] = []): string[] {
    return [...previous, value];
}

function commaList(value: string, previous: string[] = []): string[] {
    return [
        ...previous,
        ...value
            .split(",")
            .map((item) => item.trim())
            .filter(Boolean)
    ];
}

export function registerCompareCommand(program: Command): void {
    program
        .command("compare")
        .description(
            "Compare two benchmark runs row by row (matched by model and test configuration): both means, the speed-up with its 95% CI, " +
                "a significance test on the raw samples, and ~ for no significant difference, as benchstat prints it. " +
                "Each side is an llmproof result file or folder, or a llama-bench output (-o json, jsonl, csv, sql, or its SQLite database)."
        )
        .argument("<baseline>", "baseline: result file or folder, or a llama-bench output")
        .argument("<candidate>", "candidate: result file or folder, or a llama-bench output")
        .option(
            "--fail-if <rule>",
            'gate: exit 5 when a significant change crosses it, e.g. "tg<-5%", "ttft>+10%", "tg<50" (repeatable; metrics pp, tg, ttft, load, rss)',
            collect
        )
        .option("--alpha <p>", "significance level", Number, 0.05)
        .option(
            "--ignore <fields>",
            "match rows without these fields: model, threads, batch, ubatch, ngl, fa, mmap (comma list)",
            commaList
        )
        .option(
            "--baseline-build <commit>",
            "llama-bench inputs: keep rows of this build_commit (prefix) on the baseline side"
        )
        .option(
            "--candidate-build <commit>",
            "llama-bench inputs: keep rows of this build_commit (prefix) on the candidate side"
        )
        .option(
            "--assume-n <n>",
            "llama-bench CSV/SQL keep no samples: treat each row as the mean of n repetitions (llama-bench -r) for a Welch t-test",
            (value) => parseIntList(value)[0]
        )
        .option("--json", "print the comparison as JSON")
        .option("--csv", "print CSV")
        .option("--md", "print a Markdown table")
        .option("--output <file>", "also write the output to a file (format from the flag or the extension)")
        .addHelpText("after", `\n${exitCodeHelp()}`)
        .action(async (baseline: string, candidate: string, rawOptions: Record<string, unknown>) => {
            const options = validateOptions(CompareCommandOptionsSchema, rawOptions);
            const {parseGateRule, runCompare, gateExitCode} = await import("../../compare/index.js");
            const rules = options.failIf.map(parseGateRule);
            const report = await runCompare([baseline], [candidate], {
                alpha: options.alpha,
                ignore: options.ignore,
                gate: rules,
                baselineBuild: options.baselineBuild,
                candidateBuild: options.candidateBuild,
                assumeN: options.assumeN
            });
            const {exportCompare} = await import("../../report/compare.js");
            const format = options.json ? "json" : options.csv ? "csv" : options.md ? "md" : "table";
            printData(exportCompare(report, format));
            if (options.output !== undefined) {
                const {writeOutputFile} = await import("../../results/store.js");
                const fileFormat = FORMAT_BY_EXTENSION[extname(options.output).toLowerCase()] ?? format;
                await writeOutputFile(options.output, exportCompare(report, fileFormat));
                logInfo(`wrote the comparison to ${options.output}`);
            }
            if (report.gate !== null && !report.gate.passed) {
                // The table and Markdown list the violations; JSON and CSV readers get them on stderr too.
                if (format === "json" || format === "csv")
                    for (const violation of report.gate.violations) logWarning(`gate: ${violation.message}`);
                process.exitCode = gateExitCode(report.gate);
            }
        });
}
