import type {Command} from "commander";
import {z} from "zod";
import {printData, validateOptions} from "../shared.js";

const CheckOptionsSchema = z.object({
    claims: z.string().optional(),
    offline: z.boolean().default(false),
    measure: z.boolean().default(false),
    json: z.boolean().default(false),
    md: z.union([z.string(), z.boolean()]).optional(),
    verifiedNumbers: z.boolean().default(false),
    twins: z.boolean().default(true),
    twinMaxGb: z.number().positive({error: "expected a size in GB above 0"}).default(0.25),
    catalog: z.string().optional(),
    strict: z.boolean().default(false)
});

/** Free space asked of the folder of `--md <file>` before checking (a report is a few KB per issue). */
const MIN_REPORT_BYTES = 16 * 1024;

/** `llmproof check <issue...>`: fact-check newsletter issues against the catalog and measurements. */
export function registerCheckCommand(program: Command): void {
    program
        .command("check")
        .description(
            "Find the checkable claims in newsletter issues (text or Markdown) and give each a verdict with its evidence"
        )
        .argument("<issue...>", "issue files (.md, .txt), folders of them, or - for standard input")
        .option(
            "--claims <file>",
            "extra claims stated in a YAML/JSON sidecar (issue.claims.yaml next to an issue is read too)"
        )
        .option("--offline", "use catalog facts and shape-twins only: no header reads, no downloads")
        .option("--measure", "pull and benchmark the real weights of catalog models that fit this machine")
        .option("--json", "print the claims and verdicts as JSON")
        .option("--md [file]", "write a Markdown fact-check report to this file (to standard output without one)")
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
            const {assertWritableTarget, writeFileAtomic} = await import("../../util/atomic-write.js");
            const {llmproofVersion} = await import("../../util/version.js");
            const {logInfo} = await import("../../util/log.js");

            const {ExitCode} = await import("../../util/exit-codes.js");
            const {UserError} = await import("../../util/errors.js");
            // Before any checking: a report file that cannot be written (say, on a full disk) is refused now.
            if (typeof options.md === "string")
                await assertWritableTarget(options.md, {bytes: MIN_REPORT_BYTES, exitCode: ExitCode.notSaved});
            const catalog = await loadCatalog(options.catalog);
            const reports = await checkIssueFiles(issues, {
                stdinText: issues.includes("-") ? await readStdin() : undefined,
                catalog,
                sidecarPath: options.claims,
                offline: options.offline,
                measure: options.measure,
                twins: options.twins,
                twinMaxBytes: options.twinMaxGb * 1e9
            });

            // A report that cannot be written after all (the disk filled up meanwhile): the verdicts are
            // still printed below, and the command ends with one sentence saying so.
            let unsaved: string | null = null;
            if (typeof options.md === "string") {
                try {
                    await writeFileAtomic(options.md, renderCheckMarkdown(reports));
                    logInfo(`wrote the fact-check report to ${options.md}`);
                } catch (error) {
                    if (!(error instanceof UserError)) throw error;
                    unsaved = error.message;
                }
            } else if (options.md === true) {
                printData(renderCheckMarkdown(reports));
                if (!options.json && !options.verifiedNumbers) return;
            }
            if (options.verifiedNumbers && options.json)
                printData(
                    JSON.stringify(
                        {
                            tool: "llmproof",
                            version: llmproofVersion(),
                            issues: reports.map((report) => ({
                                issue: report.issue,
                                verifiedNumbers: report.verifiedNumbers
                            }))
                        },
                        null,
                        2
                    )
                );
            else if (options.verifiedNumbers)
                printData(renderVerifiedNumbersForIssues(reports) || "(no metric boxes found)");
            else if (options.json) printData(JSON.stringify(renderCheckJson(reports, llmproofVersion()), null, 2));
            else printData(reports.map(renderCheckTable).join("\n"));

            if (unsaved !== null) {
                throw new UserError(
                    `${unsaved.replace(/\.$/, "")}; the verdicts are printed on standard output instead.`,
                    {
                        exitCode: ExitCode.notSaved
                    }
                );
            }
            const refuted = options.strict && reports.some((report) => report.counts.refuted > 0);
            const failed = reports.filter((report) => report.error);
            // Issues that could not be read or checked: the others' verdicts are printed above, and one sentence names them.
            if (failed.length > 0) {
                const shown = failed
                    .slice(0, 3)
                    .map((report) => `${report.issue} (${report.error!.replace(/\.$/, "").slice(0, 160)})`);
                const more = failed.length > 3 ? `; and ${failed.length - 3} more` : "";
                throw new UserError(
                    `${failed.length} of ${reports.length} issues could not be checked: ${shown.join("; ")}${more}.`,
                    {exitCode: refuted ? ExitCode.refuted : ExitCode.error}
                );
            }
            if (refuted) process.exitCode = ExitCode.refuted;
        });
}

/** Standard input as text (for `check -`), refused above the issue size limit. */
async function readStdin(): Promise<string> {
    const {MAX_ISSUE_BYTES} = await import("../../claims/check.js");
    const {UserError} = await import("../../util/errors.js");
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
        size += (chunk as Buffer).length;
        if (size > MAX_ISSUE_BYTES)
            throw new UserError(
                `The issue on standard input is over ${MAX_ISSUE_BYTES / 1024 / 1024} MB; check reads issues up to that size.`
            );
        chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
}
