import {z} from "zod";
import {tensorElements} from "./twin-layout.js";
import type {ResolvedShape, TwinTensor} from "./twin-layout.js";
import {ggmlTypeByName, tensorBytes} from "./ggml-types.js";
import {formatBytes, formatCount, formatPercent} from "../util/units.js";

/**
 * What `llmproof synth` reports about a twin it wrote (or would write), and its rendering.
 */

/** What `llmproof synth` reports about the file it wrote. */
export const TwinTypeMixSchema = z.object({
    type: z.string(),
    tensors: z.number().int().nonnegative(),
    parameters: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative()
});

export const TypeFallbackSchema = z.object({
    tensor: z.string(),
    rowLength: z.number().int().positive(),
    wanted: z.string(),
    used: z.string(),
    reason: z.string()
});

export const TwinReportSchema = z.object({
    path: z.string(),
    name: z.string(),
    architecture: z.string(),
    quant: z.string(),
    /** llama_ftype written as general.file_type */
    fileType: z.number().int().nonnegative(),
    /** null when the weights were given rather than random */
    seed: z.number().int().nullable(),
    fileBytes: z.number().int().nonnegative(),
    headerBytes: z.number().int().nonnegative(),
    tensorDataBytes: z.number().int().nonnegative(),
    parameterCount: z.number().int().nonnegative(),
    tensorCount: z.number().int().nonnegative(),
    typeMix: z.array(TwinTypeMixSchema),
    fallbacks: z.array(TypeFallbackSchema),
    shape: z.object({
        architecture: z.string(),
        hiddenSize: z.number().int(),
        layers: z.number().int(),
        heads: z.number().int(),
        kvHeads: z.number().int(),
        headDim: z.number().int(),
        ffnSize: z.number().int(),
        vocabSize: z.number().int(),
        contextLength: z.number().int(),
        tiedEmbeddings: z.boolean(),
        qkvBias: z.boolean(),
        ropeTheta: z.number(),
        rmsNormEps: z.number()
    }),
    writeSeconds: z.number().nonnegative()
});

export type TwinReport = z.infer<typeof TwinReportSchema>;
export type TwinTypeMix = z.infer<typeof TwinTypeMixSchema>;

export function typeMixOf(tensors: readonly TwinTensor[], types: ReadonlyMap<string, string>): TwinTypeMix[] {
    const mix = new Map<string, TwinTypeMix>();
    for (const tensor of tensors) {
        const type = types.get(tensor.name)!;
        const info = ggmlTypeByName(type)!;
        const elements = tensorElements(tensor);
        const entry = mix.get(type) ?? {type, tensors: 0, parameters: 0, bytes: 0};
        entry.tensors++;
        entry.parameters += elements;
        entry.bytes += tensorBytes(info, elements);
        mix.set(type, entry);
    }
    return [...mix.values()].sort((a, b) => b.bytes - a.bytes);
}

export function shapeReport(shape: ResolvedShape): TwinReport["shape"] {
    return {
        architecture: shape.architecture,
        hiddenSize: shape.hiddenSize,
        layers: shape.layers,
        heads: shape.heads,
        kvHeads: shape.kvHeads,
        headDim: shape.headDim,
        ffnSize: shape.ffnSize,
        vocabSize: shape.vocabSize,
        contextLength: shape.contextLength,
        tiedEmbeddings: shape.tiedEmbeddings,
        qkvBias: shape.qkvBias,
        ropeTheta: shape.ropeTheta,
        rmsNormEps: shape.rmsNormEps
    };
}

/** File-system failures (no such folder, no permission, disk full) are the user's to fix. */
/** A human-readable summary of a synth report (the CLI prints it; `--json` prints the report itself). */
export function renderTwinReport(report: TwinReport): string {
    const lines: string[] = [];
    const s = report.shape;
    lines.push(`file        ${report.path === "" ? "(dry run: nothing written)" : report.path}`);
    lines.push(
        `size        ${report.fileBytes.toLocaleString("en-US")} bytes (${(report.fileBytes / 1e6).toFixed(1)} MB, ${formatBytes(report.fileBytes)}); ` +
            `header ${report.headerBytes.toLocaleString("en-US")} bytes`
    );
    lines.push(
        `parameters  ${report.parameterCount.toLocaleString("en-US")} (${formatCount(report.parameterCount)}) in ${report.tensorCount} tensors`
    );
    lines.push(
        `quant       ${report.quant} (general.file_type ${report.fileType})${report.seed === null ? "" : `, random weights, seed ${report.seed}`}`
    );
    lines.push(
        `shape       ${s.architecture}: hidden ${s.hiddenSize}, ${s.layers} layers, ${s.heads} heads / ${s.kvHeads} KV heads (head dim ${s.headDim}), ` +
            `FFN ${s.ffnSize}, vocab ${s.vocabSize}, context ${s.contextLength}${s.tiedEmbeddings ? ", tied embeddings" : ""}${s.qkvBias ? ", QKV bias" : ""}`
    );
    lines.push("type mix");
    for (const entry of report.typeMix)
        lines.push(
            `  ${entry.type.padEnd(6)} ${String(entry.tensors).padStart(4)} tensors  ${formatCount(entry.parameters).padStart(8)} params  ` +
                `${formatPercent(entry.parameters / report.parameterCount).padStart(6)} of params  ${formatBytes(entry.bytes).padStart(10)}`
        );
    if (report.fallbacks.length === 0) {
        lines.push("fallbacks   none");
    } else {
        const groups = new Map<string, string[]>();
        for (const fallback of report.fallbacks) {
            const key = `${fallback.wanted} -> ${fallback.used}: ${fallback.reason}`;
            groups.set(key, [...(groups.get(key) ?? []), fallback.tensor]);
        }
        lines.push(`fallbacks   ${report.fallbacks.length} tensors (as llama.cpp's quantizer does)`);
        for (const [key, tensors] of groups)
            lines.push(
                `  ${String(tensors.length).padStart(4)} x ${key}${tensors.length <= 3 ? ` (${tensors.join(", ")})` : ""}`
            );
    }
    if (report.path !== "") lines.push(`written in  ${report.writeSeconds.toFixed(2)} s`);
    return lines.join("\n");
}
