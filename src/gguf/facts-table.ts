import Table from "cli-table3";
import {bitsPerWeightOf, ggmlTypeByName} from "./ggml-types.js";
import type {GgufFacts} from "./facts.js";
import {formatInteger, formatPercent, GB, GiB} from "../util/units.js";

/**
 * `llmproof inspect` as text tables: identity, size and bits per weight, size reduction,
 * tensor-type mix, memory estimate. Sizes carry bytes, GB and GiB because claims mix the units.
 */
export function renderGgufFactsTable(facts: GgufFacts): string {
    const main = keyValueTable();
    section(main, "Identity");
    row(main, "Source", facts.remote ? `${facts.source} (remote: header only)` : facts.source);
    row(main, "Architecture", facts.architecture);
    row(main, "Model name", facts.modelName ?? "(not stated)");
    if (facts.description != null) row(main, "Description", facts.description);
    row(
        main,
        "File type",
        facts.fileType == null
            ? "(general.file_type not stated)"
            : `${facts.fileType}${facts.fileTypeLabel != null && facts.fileTypeLabel !== facts.fileType ? ` (${facts.fileTypeLabel})` : ""}`
    );
    row(main, "Parameters", formatCountWithUnit(facts.parameterCount));
    row(main, "Tensors", formatInteger(facts.tensorCount));
    row(main, "Context length", optionalInteger(facts.contextLength));
    row(main, "Vocabulary size", optionalInteger(facts.vocabularySize));
    row(main, "Layers", optionalInteger(facts.layerCount));
    row(main, "Embedding length", optionalInteger(facts.embeddingLength));
    if (facts.moe != null) {
        row(
            main,
            "Experts",
            `${formatInteger(facts.moe.expertCount)} (${formatInteger(facts.moe.expertsUsed)} used per token)`
        );
        row(
            main,
            "Active parameters",
            `${formatCountWithUnit(facts.moe.activeParameters)} per token (${formatPercent(facts.moe.activeParameters / facts.parameterCount)} of all)`
        );
    }

    section(main, "Size and bits per weight");
    row(main, "File size", formatSize(facts.fileBytes) + (facts.splitParts > 1 ? ` in ${facts.splitParts} parts` : ""));
    if (facts.headerBytes != null) row(main, "Header (metadata, tensor index)", formatSize(facts.headerBytes));
    row(main, "Tensor data", formatSize(facts.tensorDataBytes));
    row(main, "Bits per weight (file)", facts.bitsPerWeight.file.toFixed(3));
    row(main, "Bits per weight (tensor data)", facts.bitsPerWeight.tensorData.toFixed(3));

    section(main, "Size reduction of the tensor data");
    row(main, "F32 size (4 bytes/param)", formatSize(facts.sizeAt.f32Bytes));
    row(main, "Reduction vs F32", reduction(facts.reduction.vsF32));
    row(main, "16-bit size (F16/BF16, 2 bytes/param)", formatSize(facts.sizeAt.f16Bytes));
    row(main, "Reduction vs 16-bit", reduction(facts.reduction.vsF16));

    const types = new Table({
        head: ["Tensor type", "Tensors", "Parameters", "Param share", "Bytes", "Byte share", "Bits/weight"],
        colAligns: ["left", "right", "right", "right", "right", "right", "right"],
        style: {head: [], border: [], compact: true}
    });
    for (const share of facts.tensorTypes) {
        const type = ggmlTypeByName(share.type);
        types.push([
            share.type,
            formatInteger(share.tensors),
            formatInteger(share.parameters),
            formatPercent(share.parameterShare),
            formatInteger(share.bytes),
            formatPercent(share.byteShare),
            type == null ? "?" : bitsPerWeightOf(type).toFixed(2)
        ]);
    }

    const blocks = [renderKeyValue(main), types.toString()];
    if (facts.memoryEstimate != null) {
        const estimate = facts.memoryEstimate;
        const memory = keyValueTable();
        section(memory, "Memory estimate");
        row(memory, "Method", estimate.method);
        row(memory, "Context size", `${formatInteger(estimate.contextSize)} tokens`);
        row(memory, "GPU layers", estimate.gpuLayers === 0 ? "0 (CPU only)" : formatInteger(estimate.gpuLayers));
        row(memory, "RAM", formatSize(estimate.ramBytes));
        if (estimate.model != null && estimate.context != null) {
            row(memory, "  weights", formatSize(estimate.model.ramBytes));
            row(memory, "  context (KV cache, buffers)", formatSize(estimate.context.ramBytes));
        }
        row(memory, "VRAM", formatSize(estimate.vramBytes));
        blocks.push(renderKeyValue(memory));
    }
    return `${blocks.join("\n")}\n`;
}

/** Rows of a two-column table, kept until rendering so that the value column can be sized to fit. */
type KeyValueRows = ([string, string] | {section: string})[];

function keyValueTable(): KeyValueRows {
    return [];
}

function section(rows: KeyValueRows, title: string): void {
    rows.push({section: title});
}

function row(rows: KeyValueRows, key: string, value: string): void {
    rows.push([key, value]);
}

/** Long values (a model description) wrap instead of stretching the table across the terminal. */
const MAX_VALUE_WIDTH = 80;

function renderKeyValue(rows: KeyValueRows): string {
    const pairs = rows.filter((entry): entry is [string, string] => Array.isArray(entry));
    const keyWidth = Math.max(...pairs.map(([key]) => key.length)) + 2;
    const valueWidth = Math.min(MAX_VALUE_WIDTH, Math.max(...pairs.map(([, value]) => value.length))) + 2;
    const table = new Table({
        style: {head: [], border: [], compact: true},
        colWidths: [keyWidth, valueWidth],
        wordWrap: true
    });
    rows.forEach((entry, index) => {
        if (Array.isArray(entry)) {
            table.push(entry);
            return;
        }
        // Compact tables draw no rules between rows, so a blank row sets sections apart.
        if (index > 0) table.push([{colSpan: 2, content: ""}]);
        table.push([{colSpan: 2, content: entry.section.toUpperCase()}]);
    });
    return table.toString();
}

function optionalInteger(value: number | null): string {
    return value == null ? "(not stated)" : formatInteger(value);
}

function formatCountWithUnit(count: number): string {
    const units: [number, string][] = [
        [1e12, "T"],
        [1e9, "B"],
        [1e6, "M"],
        [1e3, "K"]
    ];
    const unit = units.find(([size]) => count >= size);
    return unit == null ? formatInteger(count) : `${formatInteger(count)} (${(count / unit[0]).toFixed(2)}${unit[1]})`;
}

/** "1,185,376 bytes = 0.00119 GB = 0.00110 GiB" (3 significant digits below 0.1). */
export function formatSize(bytes: number): string {
    return `${formatInteger(bytes)} bytes = ${scaled(bytes / GB)} GB = ${scaled(bytes / GiB)} GiB`;
}

function scaled(value: number): string {
    if (value === 0) return "0";
    if (value >= 0.1) return value.toFixed(2);
    const text = value.toPrecision(3);
    return text.includes("e") ? value.toFixed(9) : text;
}

function reduction(fraction: number): string {
    if (Math.abs(fraction) < 0.0005) return "0.0% (the same size)";
    return fraction > 0 ? `${formatPercent(fraction)} smaller` : `${formatPercent(-fraction)} larger`;
}
