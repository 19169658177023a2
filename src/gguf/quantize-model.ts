import {open, stat} from "node:fs/promises";
import type {FileHandle} from "node:fs/promises";
import {resolve} from "node:path";
import {z} from "zod";
import {encodeExact, fp16BitsToFp32} from "./quantize.js";
import {ggmlTypeById, ggmlTypeByName, tensorBytes} from "./ggml-types.js";
import {meta, writeGguf} from "./writer.js";
import type {GgufMetadataEntry, GgufTensorSpec} from "./writer.js";
import {UserError, errorMessage} from "../util/errors.js";
import {readGgufMetadataEntries} from "./reader.js";

/**
 * Quantize a real model file the way `llama-quantize --pure <in> <out> Q8_0|Q4_0` does: every
 * weight matrix llama.cpp allows to be quantized gets the target type (output and token embeddings
 * included), with the reference rounding of ggml-quants.c (src/gguf/quantize.ts), so the tensor
 * bytes equal llama-quantize's; a matrix whose rows are not whole blocks falls back to F16, as
 * llama.cpp's `tensor_type_fallback`; everything else (norms, 1-D tensors) is copied unchanged.
 * The metadata and tokenizer are kept; general.file_type and general.quantization_version are set
 * as llama-quantize sets them.
 *
 * Without --pure llama-quantize also picks other types for some tensors (output.weight becomes
 * Q6_K, or Q8_0 when its rows are not multiples of 256); those mixes are not reproduced here.
 */

export const QUANTIZE_TARGETS = ["Q8_0", "Q4_0", "F16", "BF16"] as const;
export type QuantizeTarget = (typeof QUANTIZE_TARGETS)[number];

/** llama_ftype numbers (llama.h) written as general.file_type. */
const FILE_TYPE_OF_TARGET: Record<QuantizeTarget, number> = {Q8_0: 7, Q4_0: 2, F16: 1, BF16: 32};
/** GGML_QNT_VERSION, which llama-quantize writes as general.quantization_version. */
const GGML_QUANTIZATION_VERSION = 2;
const SOURCE_TYPES = ["F32", "F16", "BF16"] as const;

export const QuantizedTensorSchema = z.object({
    name: z.string(),
    dimensions: z.array(z.number().int().positive()),
    sourceType: z.string(),
    type: z.string(),
    /** Why the tensor did not get the target type (not quantizable, F16 fallback), or null */
    note: z.string().nullable()
});

export const QuantizeReportSchema = z.object({
    inputPath: z.string(),
    outputPath: z.string(),
    target: z.enum(QUANTIZE_TARGETS),
    fileType: z.number().int(),
    inputBytes: z.number().int().nonnegative(),
    outputBytes: z.number().int().nonnegative(),
    tensors: z.array(QuantizedTensorSchema),
    seconds: z.number().nonnegative()
});

export type QuantizedTensor = z.infer<typeof QuantizedTensorSchema>;
export type QuantizeReport = z.infer<typeof QuantizeReportSchema>;

/**
 * Whether llama-quantize would quantize this tensor: `tensor_allows_quantization()` in
 * src/llama-quant.cpp (2-D or 3-D, a name ending in "weight", and not one of its exceptions).
 */
export function llamaCppQuantizes(name: string, dimensionCount: number): boolean {
    if (dimensionCount < 2) return false;
    if (!name.endsWith("weight")) return false;
    const never = [
        "_norm.weight",
        "ffn_gate_inp.weight",
        "ffn_gate_tid2eid.weight",
        "altup",
        "laurel",
        "per_layer_model_proj",
        "ssm_conv1d",
        "shortconv.conv.weight",
        "indexer.k_proj.weight",
        "indexer.q_proj.weight",
        "time_mix_first.weight",
        "time_mix_w0.weight",
        "time_mix_w1.weight",
        "time_mix_w2.weight",
        "time_mix_v0.weight",
        "time_mix_v1.weight",
        "time_mix_v2.weight",
        "time_mix_a0.weight",
        "time_mix_a1.weight",
        "time_mix_a2.weight",
        "time_mix_g1.weight",
        "time_mix_g2.weight",
        "time_mix_decay_w1.weight",
        "time_mix_decay_w2.weight",
        "time_mix_lerp_fused.weight",
        "attn_rel_b.weight",
        ".position_embd",
        "sam.pos_embd",
        "sam.neck.",
        "sam.net_",
        ".rel_pos",
        ".patch_embd",
        ".patch_merger",
        "a.rvq.codebook",
        "mm.a.code_embd"
    ];
    if (never.some((part) => name.includes(part))) return false;
    return name !== "position_embd.weight" && name !== "token_types.weight";
}

/** Source values per slab read from disk, so memory stays bounded for any tensor size. */
const SLAB_VALUES = 1 << 20;

export async function quantizeGguf(
    inputPath: string,
    outputPath: string,
    target: QuantizeTarget
): Promise<QuantizeReport> {
    const started = performance.now();
    if (!(QUANTIZE_TARGETS as readonly string[]).includes(target))
        throw new UserError(`Cannot quantize to ${target}; choose one of ${QUANTIZE_TARGETS.join(", ")}.`);
    const input = resolve(inputPath);
    const output = resolve(outputPath);
    if (input === output) throw new UserError("The quantized file must not overwrite its input.");
    const inputInfo = await stat(input).catch(() => null);
    if (!inputInfo?.isFile()) throw new UserError(`Model file not found: ${inputPath}.`);

    const {readGgufFileInfo} = await import("node-llama-cpp");
    let fileInfo: Awaited<ReturnType<typeof readGgufFileInfo>>;
    try {
        fileInfo = await readGgufFileInfo(input, {readTensorInfo: true, spliceSplitFiles: false});
    } catch (error) {
        throw new UserError(`Could not read the GGUF header of ${inputPath}: ${errorMessage(error)}`, {cause: error});
    }
    const tensorInfos = fileInfo.fullTensorInfo ?? fileInfo.tensorInfo ?? [];
    if (tensorInfos.some((tensor) => tensor.filePart !== 1) || (fileInfo.splicedParts ?? 1) > 1)
        throw new UserError("Split GGUF files cannot be quantized here; merge them first (llama-gguf-split --merge).");

    const plans = tensorInfos.map((tensor) => {
        const sourceType = ggmlTypeById(tensor.ggmlType);
        if (!sourceType) throw new UserError(`Tensor ${tensor.name} has an unknown ggml type ${tensor.ggmlType}.`);
        const dimensions = tensor.dimensions.map(Number);
        const elements = dimensions.reduce((product, dimension) => product * dimension, 1);
        let type = sourceType.name;
        let note: string | null = null;
        if (!llamaCppQuantizes(tensor.name, dimensions.length)) {
            note = "kept: llama.cpp does not quantize this tensor";
        } else {
            if (!(SOURCE_TYPES as readonly string[]).includes(sourceType.name))
                throw new UserError(
                    `Tensor ${tensor.name} is already ${sourceType.name}; quantize from an F32, F16 or BF16 model.`
                );
            type = target;
            const blockSize = ggmlTypeByName(target)!.blockSize;
            if (dimensions[0]! % blockSize !== 0) {
                type = "F16";
                note = `F16 fallback: rows of ${dimensions[0]} are not whole ${target} blocks of ${blockSize} (as llama.cpp)`;
            }
        }
        return {
            name: tensor.name,
            dimensions,
            elements,
            sourceType: sourceType.name,
            sourceBytes: tensorBytes(sourceType, elements),
            fileOffset: Number(tensor.fileOffset),
            type,
            note
        };
    });

    const metadata = quantizedMetadata(await readGgufMetadataEntries(input), FILE_TYPE_OF_TARGET[target]);
    const alignmentEntry = metadata.find((entry) => entry.key === "general.alignment");
    const alignment =
        alignmentEntry && alignmentEntry.value.kind !== "array" ? Number(alignmentEntry.value.value) : undefined;

    const handle = await open(input, "r");
    try {
        const specs: GgufTensorSpec[] = plans.map((plan) => ({
            name: plan.name,
            dimensions: plan.dimensions,
            type: plan.type,
            data: () =>
                plan.type === plan.sourceType
                    ? copyBytes(handle, plan.fileOffset, plan.sourceBytes)
                    : convertRows(handle, plan)
        }));
        const written = await writeGguf(output, {
            metadata,
            tensors: specs,
            ...(alignment !== undefined ? {alignment} : {})
        });
        return QuantizeReportSchema.parse({
            inputPath: input,
            outputPath: output,
            target,
            fileType: FILE_TYPE_OF_TARGET[target],
            inputBytes: inputInfo.size,
            outputBytes: written.fileBytes,
            tensors: plans.map((plan) => ({
                name: plan.name,
                dimensions: plan.dimensions,
                sourceType: plan.sourceType,
                type: plan.type,
                note: plan.note
            })),
            seconds: (performance.now() - started) / 1000
        });
    } finally {
        await handle.close();
    }
}

/** llama-quantize's metadata: every key copied, then quantization_version and file_type set, split keys removed. */
function quantizedMetadata(entries: readonly GgufMetadataEntry[], fileType: number): GgufMetadataEntry[] {
    const dropped = new Set(["split.no", "split.count", "split.tensors.count"]);
    const replacements = new Map<string, GgufMetadataEntry>([
        ["general.quantization_version", meta.u32("general.quantization_version", GGML_QUANTIZATION_VERSION)],
        ["general.file_type", meta.u32("general.file_type", fileType)]
    ]);
    const result = entries
        .filter((entry) => !dropped.has(entry.key))
        .map((entry) => replacements.get(entry.key) ?? entry);
    for (const [key, entry] of replacements) if (!result.some((existing) => existing.key === key)) result.push(entry);
    return result;
}

async function* copyBytes(handle: FileHandle, offset: number, length: number): AsyncGenerator<Uint8Array> {
    for (let done = 0; done < length; ) {
        const size = Math.min(length - done, SLAB_VALUES * 4);
        yield await readExactly(handle, offset + done, size);
        done += size;
    }
}

async function* convertRows(
    handle: FileHandle,
    plan: {
        name: string;
        dimensions: number[];
        elements: number;
        sourceType: string;
        fileOffset: number;
        type: string;
    }
): AsyncGenerator<Uint8Array> {
    const rowLength = plan.dimensions[0]!;
    const bytesPerValue = plan.sourceType === "F32" ? 4 : 2;
    const rowsPerSlab = Math.max(1, Math.floor(SLAB_VALUES / rowLength));
    for (let first = 0; first < plan.elements; first += rowsPerSlab * rowLength) {
        const count = Math.min(plan.elements - first, rowsPerSlab * rowLength);
        const raw = await readExactly(handle, plan.fileOffset + first * bytesPerValue, count * bytesPerValue);
        yield encodeExact(plan.type as Parameters<typeof encodeExact>[0], toFloat32(raw, plan.sourceType));
    }
}

function toFloat32(raw: Buffer, sourceType: string): Float32Array {
    const values = new Float32Array(raw.length / (sourceType === "F32" ? 4 : 2));
    for (let i = 0; i < values.length; i++) {
        if (sourceType === "F32") values[i] = raw.readFloatLE(i * 4);
        else if (sourceType === "F16") values[i] = fp16BitsToFp32(raw.readUInt16LE(i * 2));
        else values[i] = bf16BitsToFp32(raw.readUInt16LE(i * 2));
    }
    return values;
}

const bf16Scratch = new Uint32Array(1);
const bf16ScratchFloat = new Float32Array(bf16Scratch.buffer);

function bf16BitsToFp32(bits: number): number {
    bf16Scratch[0] = bits << 16;
    return bf16ScratchFloat[0]!;
}

async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
        const {bytesRead} = await handle.read(buffer, done, length - done, position + done);
        if (bytesRead === 0) throw new UserError("The GGUF file ends before its tensor data does; it is truncated.");
        done += bytesRead;
    }
    return buffer;
}
