import Table from "cli-table3";
import type {SampleStatsRecord} from "../results/schema.js";
import {MB, formatDecimalBytes, formatPercent} from "../util/units.js";
import type {LadderDocument, LadderRung} from "./schema.js";

/** The ladder's outputs: a terminal table, Markdown, CSV and JSON, each from the same typed document. */
export const LADDER_FORMATS = ["table", "md", "csv", "json"] as const;
export type LadderFormat = (typeof LADDER_FORMATS)[number];

interface Column {
    title: string;
    numeric: boolean;
    cell: (rung: LadderRung) => string;
}

function meanCi(stats: SampleStatsRecord | null, digits: number): string {
    if (stats === null) return "";
    if (stats.ci95 === null) return stats.mean.toFixed(digits);
    return `${stats.mean.toFixed(digits)} ± ${((stats.ci95[1] - stats.ci95[0]) / 2).toFixed(digits)}`;
}

/** Decimal units as hubs publish sizes ("639 MB", "1.19 GB"), two decimals below 100 MB ("1.19 MB"). */
function sizeText(bytes: number): string {
    return bytes >= 100 * MB ? formatDecimalBytes(bytes) : `${(bytes / MB).toFixed(2)} MB`;
}

/** A reduction as a size change: 0.69 → "-69.0%", -0.001 → "+0.1%". */
function sizeChange(reduction: number | null): string {
    if (reduction === null) return "";
    return `${reduction >= 0 ? "-" : "+"}${formatPercent(Math.abs(reduction))}`;
}

function estimate(value: {value: number; uncertainty: number} | null | undefined, digits: number): string {
    return value == null ? "" : `${value.value.toFixed(digits)} ± ${value.uncertainty.toFixed(digits)}`;
}

function columns(document: LadderDocument): Column[] {
    const hasQuality = document.rungs.some((rung) => rung.quality !== null);
    const list: Column[] = [
        {title: "quant", numeric: false, cell: (rung) => rung.quant},
        {title: "source", numeric: false, cell: (rung) => rung.source},
        {title: "size", numeric: true, cell: (rung) => sizeText(rung.fileBytes)},
        {title: "bpw", numeric: true, cell: (rung) => rung.bitsPerWeight?.toFixed(2) ?? ""},
        {
            title: "vs 16-bit",
            numeric: true,
            cell: (rung) => sizeChange(rung.reductionVs16Bit)
        },
        {
            title: "vs FP32",
            numeric: true,
            cell: (rung) => sizeChange(rung.reductionVsF32)
        },
        {title: `pp${document.settings.nPrompt} t/s`, numeric: true, cell: (rung) => meanCi(rung.pp, 1)},
        {title: `tg${document.settings.nGen} t/s`, numeric: true, cell: (rung) => meanCi(rung.tg, 1)},
        {title: "TTFT ms", numeric: true, cell: (rung) => meanCi(rung.ttftMs, 0)},
        {
            title: "peak RSS",
            numeric: true,
            cell: (rung) => (rung.peakRssBytes === null ? "" : sizeText(rung.peakRssBytes))
        }
    ];
    if (hasQuality)
        list.push(
            {title: "PPL", numeric: true, cell: (rung) => estimate(rung.quality?.perplexity, 3)},
            {
                title: `KLD vs ${document.baseline ?? "baseline"}`,
                numeric: true,
                cell: (rung) => (rung.quality?.isBaseline ? "baseline" : estimate(rung.quality?.klDivergence, 5))
            }
        );
    list.push({
        title: "front",
        numeric: false,
        cell: (rung) =>
            rung.status === "failed"
                ? `failed: ${rung.failure ?? ""}`
                : rung.front
                  ? `★${rung.quant === document.recommendation.pick ? " pick" : ""}`
                  : `dominated by ${rung.dominatedBy.join(", ")}`
    });
    return list;
}

/** Lines under the table: the pick, how quality was judged, what was left out. */
function notes(document: LadderDocument): string[] {
    const lines = [document.recommendation.sentence];
    lines.push(
        document.qualityMetric === "kl-divergence"
            ? `Front: ★ = no other quant is at least as small, as fast (tg, 95% CIs) and as close to ${document.baseline} (KL divergence), and better in one.`
            : "Front: ★ = no other quant is at least as small, as fast (tg, 95% CIs) and as many bits per weight, and better in one " +
                  "(bits per weight stand in for quality: no two real-weight files were measured)."
    );
    if (document.rungs.some((rung) => rung.source === "twin"))
        lines.push(
            "twin = a shape-twin: the real tensor shapes and types with random weights, for speed and size only."
        );
    for (const warning of document.warnings) lines.push(`note: ${warning}`);
    return lines;
}

export function renderLadder(document: LadderDocument, format: LadderFormat): string {
    switch (format) {
        case "json":
            return `${JSON.stringify(document, null, 2)}\n`;
        case "csv":
            return renderCsv(document);
        case "md":
            return renderMarkdown(document);
        case "table":
            return renderTable(document);
    }
}

function title(document: LadderDocument): string {
    const threads = document.settings.threads === null ? "" : `, ${document.settings.threads} threads`;
    return `${document.model.name}: ${document.rungs.length} quants, ${document.settings.repetitions} runs each${threads}`;
}

function renderTable(document: LadderDocument): string {
    const list = columns(document);
    const table = new Table({
        head: list.map((column) => column.title),
        style: {head: [], border: []},
        chars: {mid: "", "left-mid": "", "mid-mid": "", "right-mid": ""},
        colAligns: list.map((column) => (column.numeric ? "right" : "left"))
    });
    table.push(...document.rungs.map((rung) => list.map((column) => column.cell(rung))));
    return `${title(document)}\n${table.toString()}\n${notes(document).join("\n")}\n`;
}

function markdownCell(text: string): string {
    return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function renderMarkdown(document: LadderDocument): string {
    const list = columns(document);
    const line = (cells: string[]) => `| ${cells.map(markdownCell).join(" | ")} |`;
    const rule = `| ${list.map((column) => (column.numeric ? "---:" : "---")).join(" | ")} |`;
    const rows = document.rungs.map((rung) => line(list.map((column) => column.cell(rung))));
    const tableText = [line(list.map((column) => column.title)), rule, ...rows].join("\n");
    return `**${markdownCell(title(document))}**\n\n${tableText}\n\n${notes(document).map(markdownCell).join("\n\n")}\n`;
}

const CSV_HEADER = [
    "quant",
    "source",
    "file",
    "file_bytes",
    "bits_per_weight",
    "reduction_vs_16bit",
    "reduction_vs_f32",
    "pp_mean",
    "pp_ci95_lo",
    "pp_ci95_hi",
    "tg_mean",
    "tg_ci95_lo",
    "tg_ci95_hi",
    "ttft_ms_mean",
    "peak_rss_bytes",
    "perplexity",
    "kl_divergence",
    "same_top",
    "front",
    "dominated_by",
    "pick",
    "status",
    "failure"
];

function csvCell(value: string | number | boolean | null | undefined): string {
    if (value === null || value === undefined) return "";
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function renderCsv(document: LadderDocument): string {
    const rows = document.rungs.map((rung) =>
        [
            rung.quant,
            rung.source,
            rung.fileName,
            rung.fileBytes,
            rung.bitsPerWeight,
            rung.reductionVs16Bit,
            rung.reductionVsF32,
            rung.pp?.mean,
            rung.pp?.ci95?.[0],
            rung.pp?.ci95?.[1],
            rung.tg?.mean,
            rung.tg?.ci95?.[0],
            rung.tg?.ci95?.[1],
            rung.ttftMs?.mean,
            rung.peakRssBytes,
            rung.quality?.perplexity.value,
            rung.quality?.isBaseline ? 0 : rung.quality?.klDivergence?.value,
            rung.quality?.sameTop?.value,
            rung.front,
            rung.dominatedBy.join(";"),
            rung.quant === document.recommendation.pick,
            rung.status,
            rung.failure
        ]
            .map(csvCell)
            .join(",")
    );
    return `${[CSV_HEADER.join(","), ...rows].join("\n")}\n`;
}
