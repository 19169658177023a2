import Table from "cli-table3";
import type {CheckedClaim, IssueReport, JsonCheckOutput, JsonClaim, VerdictKind} from "./schema.js";
import {renderVerifiedNumbersMarkdown} from "./verified-numbers.js";

/** Exporters for `llmproof check`: a terminal table, JSON, and a Markdown fact-check report. */

const MARK: Record<VerdictKind, string> = {
    supported: "✔ supported",
    refuted: "✘ refuted",
    inconclusive: "? inconclusive",
    unverifiable: "– unverifiable"
};

function modelName(item: CheckedClaim): string | null {
    const first = item.link.models[0];
    if (!first)
        return item.claim.subject.type === "quant" && item.link.quant
            ? `${item.link.quant} (in general)`
            : (item.link.unknownMention ?? null);
    if (first.via === "quant-type") return `${item.link.quant ?? "quant"} (catalog models)`;
    return first.name;
}

function shorten(text: string, length: number): string {
    return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** One table per issue, then the notes of the claims that were not simply confirmed. */
/** Above this many claims the terminal table is plain lines: cli-table3 lays out every row at once. */
const TABLE_ROW_LIMIT = 2000;

export function renderCheckTable(report: IssueReport): string {
    if (report.error) return `${report.issue}\n  not checked: ${report.error}\n`;
    if (report.claims.length > TABLE_ROW_LIMIT) {
        const lines = [
            `${report.issue}: ${report.claims.length} claims: ${report.counts.supported} supported, ${report.counts.refuted} refuted, ` +
                `${report.counts.inconclusive} inconclusive, ${report.counts.unverifiable} unverifiable`
        ];
        for (const item of report.claims)
            lines.push(
                `${item.claim.id}\t${item.claim.kind}\t${item.verdict.verdict}\t${shorten(item.claim.claimed.text, 60)}\t${item.verdict.actual ?? ""}`
            );
        return `${lines.join("\n")}\n`;
    }
    const header =
        `${report.issue}${report.title ? ` — ${report.title}` : ""}\n` +
        `${report.claims.length} claims: ${report.counts.supported} supported, ${report.counts.refuted} refuted, ${report.counts.inconclusive} ` +
        `inconclusive, ${report.counts.unverifiable} unverifiable` +
        `${report.mode.offline ? " (offline: catalog facts and twins only)" : ""}\n`;
    const table = new Table({
        head: ["id", "kind", "claimed", "model", "verdict", "actual", "evidence"],
        style: {head: [], border: []},
        chars: {mid: "", "left-mid": "", "mid-mid": "", "right-mid": ""},
        colWidths: [5, 18, 30, 26, 16, 26, 10],
        wordWrap: true
    });
    for (const item of report.claims) {
        table.push([
            item.claim.id,
            item.claim.kind,
            shorten(
                item.claim.source === "metric-box"
                    ? `${item.claim.box!.label}: ${item.claim.claimed.text}`
                    : item.claim.claimed.text,
                60
            ),
            modelName(item) ?? "",
            MARK[item.verdict.verdict],
            item.verdict.actual ?? "",
            item.verdict.evidenceLevel ?? ""
        ]);
    }
    const notes = report.claims
        .filter((item) => item.verdict.verdict === "refuted" || item.verdict.verdict === "inconclusive")
        .map(
            (item) =>
                `  ${item.claim.id} ${item.verdict.verdict}: ` +
                `${item.verdict.note}${item.verdict.command ? `\n      to get the evidence: ${item.verdict.command}` : ""}`
        );
    return `${header + table.toString()}\n${notes.length > 0 ? `notes:\n${notes.join("\n")}\n` : ""}`;
}

export function toJsonClaim(item: CheckedClaim): JsonClaim {
    return {
        id: item.claim.id,
        quote: item.claim.quote,
        kind: item.claim.kind,
        source: item.claim.source,
        box: item.claim.box ? {title: item.claim.box.title, label: item.claim.box.label} : null,
        line: item.claim.line,
        span: item.claim.span,
        summary: item.verdict.summary,
        readings: item.verdict.readings,
        model: modelName(item),
        quant: item.link.quant,
        claimed: item.claim.claimed.text,
        actual: item.verdict.actual,
        correctedValue: item.verdict.correctedValue,
        verdict: item.verdict.verdict,
        evidence: item.verdict.evidenceLevel,
        evidenceDetail: item.evidence,
        tolerance: item.verdict.tolerance,
        command: item.verdict.command,
        note: item.verdict.note
    };
}

export function renderCheckJson(reports: readonly IssueReport[], version: string): JsonCheckOutput {
    const output: JsonCheckOutput = {
        tool: "llmproof",
        version,
        issues: reports.map((report) => ({
            issue: report.issue,
            title: report.title,
            mode: report.mode,
            counts: report.counts,
            claims: report.claims.map(toJsonClaim),
            verifiedNumbers: report.verifiedNumbers,
            warnings: report.warnings,
            error: report.error
        }))
    };
    return output;
}

function cell(text: string | null | undefined): string {
    return (text ?? "").replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/** A fact-check report an editor can read and keep: per issue, every claim with its verdict and why. */
export function renderCheckMarkdown(reports: readonly IssueReport[]): string {
    const parts: string[] = ["# Fact-check report (llmproof)", ""];
    for (const report of reports) {
        parts.push(
            `## ${report.title ?? report.issue}`,
            "",
            `File: \`${report.issue}\` · evidence used: ${evidenceUsed(report)}`,
            ""
        );
        parts.push(
            `**${report.claims.length} claims:** ${report.counts.supported} supported, ${report.counts.refuted} refuted, ${report.counts.inconclusive} ` +
                `inconclusive, ${report.counts.unverifiable} unverifiable.`,
            ""
        );
        parts.push(
            "| # | Claim | Kind | Model | Verdict | Actual | Evidence | Why |",
            "|---|---|---|---|---|---|---|---|"
        );
        for (const item of report.claims) {
            const why = item.verdict.command
                ? `${item.verdict.note} To get the evidence: \`${item.verdict.command}\``
                : item.verdict.note;
            const quoted =
                item.claim.source === "metric-box"
                    ? `${item.claim.box!.label} ${item.claim.claimed.text}`
                    : item.claim.quote;
            parts.push(
                `| ${item.claim.id} | “${cell(quoted)}” ` +
                    `| ${item.claim.kind} | ${cell(modelName(item))} | ${MARK[item.verdict.verdict]} | ${cell(item.verdict.actual)} | ` +
                    `${item.verdict.evidenceLevel ?? ""} | ${cell(why)} |`
            );
        }
        parts.push("");
        const verified = renderVerifiedNumbersMarkdown(report);
        if (verified) parts.push("### Verified numbers", "", verified);
        if (report.warnings.length > 0)
            parts.push("### Warnings", "", ...report.warnings.map((warning) => `- ${warning}`), "");
    }
    return parts.join("\n");
}

/** Just the verified-numbers blocks, per issue. */
export function renderVerifiedNumbersForIssues(reports: readonly IssueReport[]): string {
    return reports
        .filter((report) => report.verifiedNumbers.length > 0)
        .map((report) => `<!-- ${report.issue} -->\n${renderVerifiedNumbersMarkdown(report)}`)
        .join("\n");
}

const LEVEL_WORDS: Record<string, string> = {
    catalog: "catalog facts (models.yaml)",
    header: "GGUF headers",
    estimate: "estimates",
    twin: "shape-twins run here",
    measured: "real weights run here"
};

/** What the verdicts actually stood on, not what the mode allowed. */
export function evidenceUsed(report: IssueReport): string {
    const levels = new Set(report.claims.map((item) => item.verdict.evidenceLevel).filter((level) => level !== null));
    const used = (["catalog", "header", "estimate", "twin", "measured"] as const)
        .filter((level) => levels.has(level))
        .map((level) => LEVEL_WORDS[level]);
    const mode = report.mode.offline ? "offline" : "online";
    return used.length > 0 ? `${used.join(", ")} (${mode})` : `none (${mode})`;
}
