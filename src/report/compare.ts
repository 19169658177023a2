import Table from "cli-table3";
import type {CompareReport, CompareRow, SideStats} from "../compare/schema.js";
import {formatBytes} from "../util/units.js";
import {csvCell} from "./csv.js";

/**
 * The outputs of `llmproof compare`: a terminal table and a Markdown table in benchstat's spirit
 * (each side's mean ± its 95% CI, the speed-up with its CI, the p-value, and `~` when the
 * difference is not significant), the JSON report (CompareReportSchema) and a flat CSV.
 */

export const COMPARE_FORMATS = ["table", "json", "csv", "md"] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

export function exportCompare(report: CompareReport, format: CompareFormat): string {
    switch (format) {
        case "table":
            return compareTable(report);
        case "md":
            return compareMarkdown(report);
        case "json":
            return `${JSON.stringify(report, null, 2)}\n`;
        case "csv":
            return compareCsv(report);
    }
}

function formatValue(value: number, unit: CompareRow["unit"]): string {
    if (unit === "bytes") return formatBytes(value);
    return value.toFixed(unit === "t/s" ? 2 : 1);
}

/** "123.45 ± 2%" (the 95% CI half-width as a share of the mean), as benchstat prints it; "noisy" and "failed" marked. */
function sideCell(stats: SideStats, unit: CompareRow["unit"]): string {
    const value = formatValue(stats.mean, unit);
    const spread =
        stats.ci95 === null || stats.mean === 0
            ? ""
            : ` ± ${Math.round(((stats.ci95[1] - stats.ci95[0]) / 2 / Math.abs(stats.mean)) * 100)}%`;
    const n = stats.n === null ? "n=?" : `n=${stats.n}`;
    return `${value}${spread} (${n})${stats.status === "noisy" ? " noisy" : ""}`;
}

function signed(fraction: number): string {
    return `${fraction >= 0 ? "+" : ""}${(fraction * 100).toFixed(1)}%`;
}

function changeCell(row: CompareRow): string {
    if (row.change === null) return "";
    const ci = row.changeCi95 === null ? "" : ` [${signed(row.changeCi95[0])}, ${signed(row.changeCi95[1])}]`;
    return `${signed(row.change)}${ci}`;
}

function speedupCell(row: CompareRow): string {
    if (row.speedup === null) return "";
    const ci = row.speedupCi95 === null ? "" : ` [${row.speedupCi95[0].toFixed(2)}, ${row.speedupCi95[1].toFixed(2)}]`;
    return `${row.speedup.toFixed(3)}×${ci}`;
}

/** "p=0.008", "~ (p=0.690)", or "?" when no test could be made. */
function pCell(row: CompareRow): string {
    const p = row.significance.pValue;
    if (row.verdict === "untested" || p === null) return "?";
    const text = `p=${p < 0.001 ? "<0.001" : p.toFixed(3)}`;
    return row.verdict === "same" ? `~ (${text})` : text;
}

function verdictCell(row: CompareRow): string {
    return row.verdict === "same" ? "~" : row.verdict === "untested" ? "?" : row.verdict;
}

const HEAD = [
    "model",
    "test",
    "t",
    "metric",
    "baseline",
    "candidate",
    "change [95% CI]",
    "speed-up [95% CI]",
    "p",
    "verdict"
];
const NUMERIC = [false, false, true, false, true, true, true, true, false, false];
/** Where the mmap column goes when it is shown: after the threads. */
const MMAP_AT = 3;

/** The columns of a report: "mmap" only when a row read its weights into memory (mmap=0), as the bench table does. */
function layout(report: CompareReport): {head: string[]; numeric: boolean[]; cells: (row: CompareRow) => string[]} {
    if (!report.rows.some((row) => row.mmap === "0")) return {head: HEAD, numeric: NUMERIC, cells: rowCells};
    const insert = <T>(values: readonly T[], value: T) => [
        ...values.slice(0, MMAP_AT),
        value,
        ...values.slice(MMAP_AT)
    ];
    return {
        head: insert(HEAD, "mmap"),
        numeric: insert(NUMERIC, true),
        cells: (row) => insert(rowCells(row), row.mmap)
    };
}

function rowCells(row: CompareRow): string[] {
    return [
        row.model,
        row.test,
        String(row.threads),
        `${row.metric} ${row.unit}`,
        sideCell(row.baseline, row.unit),
        sideCell(row.candidate, row.unit),
        changeCell(row),
        speedupCell(row),
        pCell(row),
        verdictCell(row)
    ];
}

/** Lines under the table: failed and unmatched rows, notes on untested rows, the gate. */
export function compareFootnotes(report: CompareReport): string[] {
    const lines: string[] = [];
    for (const item of report.failed)
        lines.push(`FAILED in the ${item.side}: ${item.model} ${item.test} t=${item.threads}: ${item.reason}`);
    const notes = new Set(report.rows.map((row) => row.significance.note).filter((note) => note !== null));
    for (const note of notes) lines.push(`note: ${note}`);
    if (report.unmatched.baseline.length > 0)
        lines.push(`${report.unmatched.baseline.length} baseline row(s) have no match in the candidate.`);
    if (report.unmatched.candidate.length > 0)
        lines.push(`${report.unmatched.candidate.length} candidate row(s) have no match in the baseline.`);
    lines.push(
        `matched on ${report.matchedOn.join(", ")}; significance at alpha=${report.alpha}; ~ = no significant difference; ? = no test possible.`
    );
    if (report.gate !== null) {
        lines.push(
            report.gate.passed
                ? `gate passed: ${report.gate.rules.map((rule) => rule.text).join(", ") || "no failed models"}`
                : `gate FAILED: ${report.gate.violations.length} violation(s)`
        );
        for (const violation of report.gate.violations) lines.push(`  ${violation.kind}: ${violation.message}`);
    }
    return lines;
}

export function compareTable(report: CompareReport): string {
    const {head, numeric, cells} = layout(report);
    const table = new Table({
        head,
        style: {head: [], border: []},
        chars: {mid: "", "left-mid": "", "mid-mid": "", "right-mid": ""},
        colAligns: numeric.map((isNumeric) => (isNumeric ? "right" : "left"))
    });
    table.push(...report.rows.map(cells));
    const body =
        report.rows.length === 0 ? "No rows in common between the baseline and the candidate." : table.toString();
    return `${[body, ...compareFootnotes(report)].join("\n")}\n`;
}

export function compareMarkdown(report: CompareReport): string {
    const {head, numeric, cells} = layout(report);
    const escapeCell = (text: string) => text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|");
    const line = (values: string[]) => `| ${values.map(escapeCell).join(" | ")} |`;
    const rule = `| ${numeric.map((isNumeric) => (isNumeric ? "---:" : "---")).join(" | ")} |`;
    const notes = compareFootnotes(report).map((note) => `- ${note.trim()}`);
    return `${[line(head), rule, ...report.rows.map((row) => line(cells(row))), "", ...notes].join("\n")}\n`;
}

const CSV_HEADER = [
    "model",
    "test",
    "threads",
    "n_batch",
    "n_ubatch",
    "ngl",
    "fa",
    "mmap",
    "metric",
    "unit",
    "baseline_mean",
    "baseline_stddev",
    "baseline_n",
    "baseline_ci95_lo",
    "baseline_ci95_hi",
    "baseline_status",
    "candidate_mean",
    "candidate_stddev",
    "candidate_n",
    "candidate_ci95_lo",
    "candidate_ci95_hi",
    "candidate_status",
    "ratio",
    "change",
    "change_ci95_lo",
    "change_ci95_hi",
    "speedup",
    "speedup_ci95_lo",
    "speedup_ci95_hi",
    "test_method",
    "p_value",
    "significant",
    "verdict",
    "note"
];

export function compareCsv(report: CompareReport): string {
    const rows = report.rows.map((row) => [
        row.model,
        row.test,
        row.threads,
        row.batch,
        row.ubatch,
        row.ngl,
        row.fa,
        row.mmap,
        row.metric,
        row.unit,
        row.baseline.mean,
        row.baseline.stddev,
        row.baseline.n,
        row.baseline.ci95?.[0] ?? null,
        row.baseline.ci95?.[1] ?? null,
        row.baseline.status,
        row.candidate.mean,
        row.candidate.stddev,
        row.candidate.n,
        row.candidate.ci95?.[0] ?? null,
        row.candidate.ci95?.[1] ?? null,
        row.candidate.status,
        row.ratio,
        row.change,
        row.changeCi95?.[0] ?? null,
        row.changeCi95?.[1] ?? null,
        row.speedup,
        row.speedupCi95?.[0] ?? null,
        row.speedupCi95?.[1] ?? null,
        row.significance.method,
        row.significance.pValue,
        row.significance.significant,
        row.verdict === "same" ? "~" : row.verdict,
        row.significance.note
    ]);
    return `${[CSV_HEADER, ...rows].map((cells) => cells.map(csvCell).join(",")).join("\r\n")}\r\n`;
}
