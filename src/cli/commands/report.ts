import type {Command} from "commander";
import {z} from "zod";
import {validateOptions} from "../shared.js";
import {logInfo} from "../../util/log.js";

const ReportCommandOptionsSchema = z.object({
    output: z.string().min(1),
    title: z.string().min(1).optional()
});

export function registerReportCommand(program: Command): void {
    program
        .command("report")
        .description(
            "One self-contained HTML report (opens offline) from bench results, ladder JSON and check JSON: charts, statistics, provenance and verdicts."
        )
        .argument("<inputs...>", "result files or folders: bench JSON/JSONL, `ladder --json`, `check --json`")
        .requiredOption("-o, --output <file>", "the HTML file to write")
        .option("--title <text>", "the report's title")
        .action(async (inputs: string[], rawOptions: Record<string, unknown>) => {
            const options = validateOptions(ReportCommandOptionsSchema, rawOptions);
            const {loadReportInputs, renderHtmlReport} = await import("../../report/html/index.js");
            const loaded = await loadReportInputs(inputs);
            const html = renderHtmlReport(loaded, {title: options.title});
            const {writeFileAtomic} = await import("../../util/atomic-write.js");
            await writeFileAtomic(options.output, html);
            logInfo(
                `wrote ${options.output}: ${plural(loaded.runs.length, "bench run")}, ${plural(loaded.ladders.length, "ladder")}, ` +
                    `${plural(loaded.checks.length, "check report")}`
            );
        });
}

function plural(count: number, noun: string): string {
    return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
