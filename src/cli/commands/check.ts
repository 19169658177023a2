import type {Command} from "commander";
import {z} from "zod";
import {printData, validateOptions} from "../shared.js";

const CheckOptionsSchema = z.object({
    claims: z.string().optional(),
    offline: z.boolean().default(false),
    measure: z.boolean().default(false),
    json: z.boolean().default(false),
    md: z.string().optional(),
    verifiedNumbers: z.boolean().default(false),
    twins: z.boolean().default(true),
    twinMaxGb: z.number().positive({error: "expected a size in GB above 0"}).default(0.25),
    catalog: z.string().optional(),
    strict: z.boolean().default(false)
});

/** `llmproof check <issue...>`: fact-check newsletter issues against the catalog and measurements. */
export function registerCheckCommand(program: Command): void {
    program
        .command("check")
        .description(
            "Find the checkable claims in newsletter issues (text or Markdown) and give each a verdict with its evidence"
        )
        .argument("<issue...>", "issue files (.md, .txt) or folders of them")
        .option(
            "--claims <file>",
            "extra claims stated in a YAML/JSON sidecar (issue.claims.yaml next to an issue is read too)"
        )
        .option("--offline", "use catalog facts and shape-twins only: no header reads, no downloads")
        .option("--measure", "pull and benchmark the real weights of catalog models that fit this machine")
        .option("--json", "print the claims and verdicts as JSON")
        .option("--md <file>", "write a Markdown fact-check report to this file")
        .option(
            "--verified-numbers",
            "print only the verified-numbers blocks for the issues' metric boxes (Markdown, or JSON with --json)"
        )
        .option("--no-twins", "never write or run shape-twins")
        .option("--twin-max-gb <gb>", "largest shape-twin to write and run, in GB (default 0.25)", Number)
        .option("--catalog <path>", "read this catalog instead of the shipped models.yaml (or LLMPROOF_CATALOG)")
        .option("--strict", "exit with status 2 when any claim is refuted")
        .action(async (issues: string[], rawOptions: unknown) => {
            const options = validateOptions(CheckOptionsSchema, rawOptions);
            const {loadCatalog} = await import("../../catalog/load.js");
            const {checkIssueFiles} = await import("../../claims/check.js");
            const {renderCheckJson, renderCheckMarkdown, renderCheckTable, renderVerifiedNumbersForIssues} =
                await import("../../claims/report.js");
            const {writeFileAtomic} = await import("../../util/atomic-write.js");
            const {llmproofVersion} = await import("../../util/version.js");
            const {logInfo} = await import("../../util/log.js");

            const catalog = await loadCatalog(options.catalog);
            const reports = await checkIssueFiles(issues, {
                catalog,
                sidecarPath: options.claims,
                offline: options.offline,
                measure: options.measure,
                twins: options.twins,
                twinMaxBytes: options.twinMaxGb * 1e9
            });

            if (options.md) {
                await writeFileAtomic(options.md, renderCheckMarkdown(reports));
                logInfo(`wrote the fact-check report to ${options.md}`);
            }
            if (options.verifiedNumbers && options.json)
                printData(
                    JSON.stringify(
                        reports.map((report) => ({issue: report.issue, verifiedNumbers: report.verifiedNumbers})),
                        null,
                        2
                    )
                );
            else if (options.verifiedNumbers)
                printData(renderVerifiedNumbersForIssues(reports) || "(no metric boxes found)");
            else if (options.json) printData(JSON.stringify(renderCheckJson(reports, llmproofVersion()), null, 2));
            else printData(reports.map(renderCheckTable).join("\n"));

            if (options.strict && reports.some((report) => report.counts.refuted > 0)) process.exitCode = 2;
        });
}
