import type {BenchRun} from "../results/schema.js";
import {exportCsv} from "./csv.js";
import {exportJson} from "./json.js";
import {exportJsonLines} from "./jsonl.js";
import {exportMarkdown} from "./markdown.js";
import {exportTable} from "./table.js";

export const REPORT_FORMATS = ["table", "json", "jsonl", "csv", "md"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Render runs in one output format; the text ends with a newline. */
export function exportRuns(runs: readonly BenchRun[], format: ReportFormat): string {
    switch (format) {
        case "table":
            return exportTable(runs);
        case "json":
            return exportJson(runs);
        case "jsonl":
            return exportJsonLines(runs);
        case "csv":
            return exportCsv(runs);
        case "md":
            return exportMarkdown(runs);
    }
}
