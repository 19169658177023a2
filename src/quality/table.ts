import Table from "cli-table3";
import {formatBytes} from "../util/units.js";
import type {ModelQuality, QualityReport} from "./schema.js";

/**
 * `llmproof quality` as a terminal table: one row per model, the baseline first, then a line on
 * how the numbers were made (context, chunks, scored tokens, text).
 */
export function renderQualityTable(report: QualityReport): string {
    const table = new Table({
        head: ["Model", "Type", "Size", "PPL", "ΔPPL", "Mean KLD", "p99 KLD", "Same top", "RMS Δp"],
        colAligns: ["left", "left", "right", "right", "right", "right", "right", "right", "right"],
        style: {head: [], border: []},
        chars: {mid: "", "left-mid": "", "mid-mid": "", "right-mid": ""}
    });
    table.push(row(report.baseline, true));
    for (const candidate of report.candidates) table.push(row(candidate, false));

    const method = report.method;
    const text = method.text ? `${method.text.source} text (${method.text.characters} characters)` : "given tokens";
    const notes = [
        `Scored ${method.scoredTokens} tokens: ${method.chunks} chunks of ${method.contextSize}, second half of each (llama-perplexity's method), ${text}, ` +
            `${method.textTokens} tokens by the baseline's tokenizer, vocabulary ${method.vocabularySize}.`,
        "± is one standard error. ΔPPL = PPL(model) / PPL(baseline) - 1. KLD = KL(baseline || model) in nats per token; " +
            "Same top = positions where both rank the same token first; Δp = p(model) - p(baseline) of the actual next token."
    ];
    return `${table.toString()}\n${notes.join("\n")}\n`;
}

function row(model: ModelQuality, isBaseline: boolean): string[] {
    const ppl = model.perplexity.perplexity;
    const versus = model.versusBaseline;
    const name = isBaseline ? `${model.fileName} (baseline)` : model.fileName;
    if (!versus)
        return [
            name,
            model.type,
            formatBytes(model.fileBytes),
            estimate(ppl.value, ppl.uncertainty, 4),
            "—",
            "—",
            "—",
            "—",
            "—"
        ];
    const ratio = versus.perplexityRatio;
    const kld = versus.klDivergence;
    return [
        name,
        model.type,
        formatBytes(model.fileBytes),
        estimate(ppl.value, ppl.uncertainty, 4),
        `${signed((ratio.value - 1) * 100, 2)} ± ${(ratio.uncertainty * 100).toFixed(2)}%`,
        estimate(kld.mean.value, kld.mean.uncertainty, 6),
        kld.p99.toFixed(6),
        `${(versus.sameTop.value * 100).toFixed(2)} ± ${(versus.sameTop.uncertainty * 100).toFixed(2)}%`,
        `${(versus.deltaP.rms.value * 100).toFixed(3)}%`
    ];
}

function estimate(value: number, uncertainty: number, digits: number): string {
    return `${value.toFixed(digits)} ± ${uncertainty.toFixed(digits)}`;
}

function signed(value: number, digits: number): string {
    const text = value.toFixed(digits);
    return value >= 0 && !text.startsWith("-") ? `+${text}` : text;
}
