import {z} from "zod";
import type {GgufHeader} from "./inspect.js";
import {EXPERT_TENSOR_PATTERN} from "./inspect.js";
import {ggmlTypeById, ggmlTypeByName, type GgmlTypeInfo} from "./ggml-types.js";
import type {ModelShapeInput} from "./shape.js";
import {findQuantRecipe, planTensorTypes, resolveShape, twinTensors} from "./twin-layout.js";
import {UserError} from "../util/errors.js";

/**
 * The bytes a generated token reads, from a model's tensors alone: the figure token generation's
 * memory-bandwidth bound divides by. llama.cpp reads, for each generated token,
 * - every weight of a dense model, except the token-embedding lookup table, of which it reads one
 *   row (ggml_get_rows); a model with tied embeddings reads the whole table anyway, as its output
 *   projection;
 * - of an MoE model, the shared weights (attention, norms, router, shared experts) and
 *   expert_used_count / expert_count of the routed-expert tensors;
 * - the KV cache of every token already in the context (kvBytesPerToken per token).
 */

/** Tables llama.cpp reads one row of per token (ggml_get_rows), not whole. */
const LOOKUP_TABLES = new Set([
    "token_embd.weight",
    "per_layer_token_embd.weight",
    "position_embd.weight",
    "token_types.weight"
]);

export const BytesPerTokenMethodSchema = z.enum([
    /** From the tensor list of a GGUF header (local or remote). */
    "header",
    /** From a catalog shape and llama.cpp's quantization layout (what a twin would hold). */
    "twin-layout",
    /** From catalog facts only: active parameters x the file's bits per weight. */
    "catalog"
]);

export const KvCacheFactsSchema = z.object({
    /** Layers that keep a KV cache (hybrid models keep one only in their full-attention layers). */
    layers: z.number().int().nonnegative(),
    /** K and V heads summed over those layers x head size: elements stored per token of context. */
    elementsPerToken: z.number().int().nonnegative(),
    /** ggml type of the cache (llama.cpp's default: F16). */
    cacheType: z.string(),
    note: z.string().nullable()
});

export const BytesPerTokenSchema = z.object({
    method: BytesPerTokenMethodSchema,
    /** All tensor bytes (what the file holds beside its header). */
    weightBytes: z.number().nonnegative(),
    /** Weight bytes one generated token reads. */
    readBytesPerToken: z.number().nonnegative(),
    parameters: z.number().nonnegative(),
    /** Parameters one generated token uses (MoE: shared + the active experts' share; lookup rows only). */
    activeParameters: z.number().nonnegative(),
    breakdown: z.object({
        /** Tensors read whole: everything but lookup tables and routed experts. */
        sharedBytes: z.number().nonnegative(),
        /** Lookup tables (token embeddings) whole, and the one row per table a token reads. */
        lookupTableBytes: z.number().nonnegative(),
        lookupRowBytes: z.number().nonnegative(),
        /** Routed-expert tensors, all experts, and the share one token reads. */
        expertBytes: z.number().nonnegative(),
        expertBytesRead: z.number().nonnegative()
    }),
    moe: z.object({expertCount: z.number().int().positive(), expertsUsed: z.number().int().positive()}).nullable(),
    /** KV-cache bytes per token of context; null when the header or catalog does not say. */
    kvBytesPerToken: z.number().nonnegative().nullable(),
    kv: KvCacheFactsSchema.nullable(),
    notes: z.array(z.string())
});

export type BytesPerTokenMethod = z.infer<typeof BytesPerTokenMethodSchema>;
export type KvCacheFacts = z.infer<typeof KvCacheFactsSchema>;
export type BytesPerToken = z.infer<typeof BytesPerTokenSchema>;

export interface WeightTensor {
    name: string;
    /** ggml order: dimensions[0] is the row length. */
    dimensions: readonly number[];
    type: GgmlTypeInfo;
}

export interface AttentionShape {
    /** Per layer: KV heads (0 for a layer without a KV cache, like a recurrent layer). */
    kvHeadsPerLayer: readonly number[];
    keyLength: number;
    valueLength: number;
    note?: string | null;
}

export interface BytesPerTokenInput {
    method: BytesPerTokenMethod;
    tensors: readonly WeightTensor[];
    moe: {expertCount: number; expertsUsed: number} | null;
    attention: AttentionShape | null;
    /** KV cache type; F16 (llama.cpp's default) unless the user runs with --cache-type-k/-v. */
    cacheType?: string;
    notes?: string[];
}

function tensorBytes(tensor: WeightTensor): {elements: number; bytes: number; rowBytes: number; rowElements: number} {
    const elements = tensor.dimensions.reduce((product, dimension) => product * dimension, 1);
    const rowElements = tensor.dimensions[0] ?? 1;
    const rowBytes = (rowElements / tensor.type.blockSize) * tensor.type.typeSize;
    return {elements, bytes: (elements / tensor.type.blockSize) * tensor.type.typeSize, rowBytes, rowElements};
}

/** The pure rule: the bytes and parameters a token touches, from the tensor list. */
export function bytesPerTokenFromTensors(input: BytesPerTokenInput): BytesPerToken {
    const hasOutput = input.tensors.some((tensor) => tensor.name === "output.weight");
    let sharedBytes = 0;
    let lookupTableBytes = 0;
    let lookupRowBytes = 0;
    let expertBytes = 0;
    let parameters = 0;
    let activeParameters = 0;
    let expertParameters = 0;
    const notes = [...(input.notes ?? [])];
    for (const tensor of input.tensors) {
        const size = tensorBytes(tensor);
        parameters += size.elements;
        // With tied embeddings the token table is also the output projection: every row is read.
        const isLookup = LOOKUP_TABLES.has(tensor.name) && (tensor.name !== "token_embd.weight" || hasOutput);
        if (isLookup) {
            lookupTableBytes += size.bytes;
            lookupRowBytes += size.rowBytes;
            activeParameters += size.rowElements;
        } else if (input.moe != null && EXPERT_TENSOR_PATTERN.test(tensor.name)) {
            expertBytes += size.bytes;
            expertParameters += size.elements;
        } else {
            sharedBytes += size.bytes;
            activeParameters += size.elements;
        }
    }
    const expertShare = input.moe == null ? 0 : input.moe.expertsUsed / input.moe.expertCount;
    const expertBytesRead = expertBytes * expertShare;
    activeParameters += expertParameters * expertShare;
    if (!hasOutput && input.tensors.some((tensor) => tensor.name === "token_embd.weight"))
        notes.push("tied embeddings: the token table doubles as the output projection, so a token reads all of it");

    const cacheType = input.cacheType ?? "F16";
    const cacheInfo = ggmlTypeByName(cacheType);
    if (cacheInfo == null) throw new UserError(`Unknown KV cache type ${cacheType}.`);
    let kv: KvCacheFacts | null = null;
    let kvBytesPerToken: number | null = null;
    if (input.attention != null) {
        const {kvHeadsPerLayer, keyLength, valueLength} = input.attention;
        const elementsPerToken = kvHeadsPerLayer.reduce((sum, heads) => sum + heads * (keyLength + valueLength), 0);
        kv = {
            layers: kvHeadsPerLayer.filter((heads) => heads > 0).length,
            elementsPerToken,
            cacheType: cacheInfo.name,
            note: input.attention.note ?? null
        };
        kvBytesPerToken = (elementsPerToken / cacheInfo.blockSize) * cacheInfo.typeSize;
    }

    return BytesPerTokenSchema.parse({
        method: input.method,
        weightBytes: sharedBytes + lookupTableBytes + expertBytes,
        readBytesPerToken: sharedBytes + lookupRowBytes + expertBytesRead,
        parameters,
        activeParameters: Math.round(activeParameters),
        breakdown: {sharedBytes, lookupTableBytes, lookupRowBytes, expertBytes, expertBytesRead},
        moe: input.moe,
        kvBytesPerToken,
        kv,
        notes
    });
}

// ---------------------------------------------------------------------------------------------
// From a GGUF header
// ---------------------------------------------------------------------------------------------

function positiveInt(value: unknown): number | null {
    const number = typeof value === "bigint" ? Number(value) : value;
    return typeof number === "number" && Number.isInteger(number) && number > 0 ? number : null;
}

function nonNegativeIntList(value: unknown): number[] | null {
    if (!Array.isArray(value) && !ArrayBuffer.isView(value)) return null;
    const list = Array.from(value as ArrayLike<unknown>, (item) => (typeof item === "bigint" ? Number(item) : item));
    return list.every((item) => typeof item === "number" && Number.isInteger(item) && item >= 0)
        ? (list as number[])
        : null;
}

/** The KV-cache layout the header declares (llama.cpp's hparams: n_head_kv per layer, n_embd_head_k/v). */
export function attentionFromMetadata(architectureMetadata: Record<string, unknown>): AttentionShape | null {
    const layers = positiveInt(architectureMetadata.block_count);
    const embedding = positiveInt(architectureMetadata.embedding_length);
    const attention = (architectureMetadata.attention ?? {}) as Record<string, unknown>;
    const heads = positiveInt(attention.head_count) ?? nonNegativeIntList(attention.head_count)?.find((n) => n > 0);
    if (layers == null) return null;
    const notes: string[] = [];

    let kvHeadsPerLayer: number[];
    const kvList = nonNegativeIntList(attention.head_count_kv);
    if (kvList != null && kvList.length === layers) kvHeadsPerLayer = kvList;
    else {
        const kvHeads = positiveInt(attention.head_count_kv) ?? heads;
        if (kvHeads == null) return null;
        kvHeadsPerLayer = Array.from({length: layers}, () => kvHeads);
    }
    // Hybrid models (qwen3next): only every full_attention_interval-th layer keeps a KV cache.
    const interval = positiveInt(architectureMetadata.full_attention_interval);
    if (interval != null && interval > 1) {
        kvHeadsPerLayer = kvHeadsPerLayer.map((kvHeads, layer) => ((layer + 1) % interval === 0 ? kvHeads : 0));
        notes.push(
            `only every ${interval}th layer has full attention and a KV cache; the others keep a fixed-size state`
        );
    }
    const headSize = embedding != null && heads != null ? embedding / heads : null;
    const kvLoraRank = positiveInt(attention.kv_lora_rank);
    if (kvLoraRank != null) {
        // MLA (DeepSeek-V2/V3 style): the cache holds the compressed latent plus the RoPE part of K.
        const rope =
            positiveInt((architectureMetadata.rope as Record<string, unknown> | undefined)?.dimension_count) ?? 0;
        return {
            kvHeadsPerLayer: kvHeadsPerLayer.map((kvHeads) => (kvHeads > 0 ? 1 : 0)),
            keyLength: kvLoraRank + rope,
            valueLength: 0,
            note: "multi-head latent attention: the cache holds the compressed latent and the RoPE key part per layer"
        };
    }
    const keyLength = positiveInt(attention.key_length) ?? headSize;
    const valueLength = positiveInt(attention.value_length) ?? headSize;
    if (keyLength == null || valueLength == null || !Number.isInteger(keyLength) || !Number.isInteger(valueLength))
        return null;
    if (positiveInt(attention.sliding_window) != null)
        notes.push("sliding-window layers are counted as full attention, so the KV figure is an upper bound");
    return {kvHeadsPerLayer, keyLength, valueLength, note: notes.length > 0 ? notes.join("; ") : null};
}

/** Bytes per token from a GGUF header as inspect reads it (local file or remote header). */
export function bytesPerTokenFromHeader(header: GgufHeader, options: {cacheType?: string} = {}): BytesPerToken {
    const tensors: WeightTensor[] = (header.fileInfo.fullTensorInfo ?? []).map((tensor) => {
        const type = ggmlTypeById(tensor.ggmlType);
        if (type == null)
            throw new UserError(
                `${header.source} uses ggml tensor type ${tensor.ggmlType} (tensor ${tensor.name}), which llmproof does not know.`
            );
        return {name: tensor.name, dimensions: tensor.dimensions.map(Number), type};
    });
    if (tensors.length === 0) throw new UserError(`${header.source} holds no weights, so no token reads any.`);
    const metadata = header.fileInfo.architectureMetadata as Record<string, unknown>;
    const expertCount = positiveInt(metadata.expert_count);
    const expertsUsed = positiveInt(metadata.expert_used_count);
    return bytesPerTokenFromTensors({
        method: "header",
        tensors,
        moe: expertCount != null && expertsUsed != null ? {expertCount, expertsUsed} : null,
        attention: attentionFromMetadata(metadata),
        cacheType: options.cacheType
    });
}

// ---------------------------------------------------------------------------------------------
// From a shape (catalog entries, twins) without any file
// ---------------------------------------------------------------------------------------------

/** Bytes per token of a llama/qwen2/qwen3 shape quantized with one of the twin recipes (Q4_K_M, Q8_0, F16, ...). */
export function bytesPerTokenFromShape(
    shapeInput: ModelShapeInput,
    quant: string,
    options: {cacheType?: string} = {}
): BytesPerToken {
    const shape = resolveShape(shapeInput);
    const recipe = findQuantRecipe(quant);
    const layout = twinTensors(shape);
    const plan = planTensorTypes(shape, layout, recipe);
    const tensors = layout.map((tensor) => ({
        name: tensor.name,
        dimensions: tensor.dimensions,
        type: ggmlTypeByName(plan.types.get(tensor.name)!)!
    }));
    return bytesPerTokenFromTensors({
        method: "twin-layout",
        tensors,
        moe: null,
        attention: {
            kvHeadsPerLayer: Array.from({length: shape.layers}, () => shape.kvHeads),
            keyLength: shape.headDim,
            valueLength: shape.headDim
        },
        cacheType: options.cacheType
    });
}

export interface CatalogBytesInput {
    /** Published file size, bytes (exact or rounded). */
    fileBytes: number;
    /** Total parameters. */
    parameters: number;
    /** Parameters active per token (MoE: as the name states them, "A3B" = 3e9); null for a dense model. */
    activeParameters: number | null;
    moe: {expertCount: number; expertsUsed: number} | null;
}

/**
 * The roughest estimate, for catalog models without a shape: active parameters at the file's
 * average bits per weight. It ignores that embeddings and shared weights often sit at other
 * precisions than the experts, and it has no KV figure; the notes say so.
 */
export function bytesPerTokenFromCatalogFacts(input: CatalogBytesInput): BytesPerToken {
    const bytesPerParameter = input.fileBytes / input.parameters;
    const active = input.activeParameters ?? input.parameters;
    const read = active * bytesPerParameter;
    return BytesPerTokenSchema.parse({
        method: "catalog",
        weightBytes: input.fileBytes,
        readBytesPerToken: read,
        parameters: input.parameters,
        activeParameters: Math.round(active),
        // Catalog facts give no tensor list: the whole read is reported as one part.
        breakdown: {sharedBytes: read, lookupTableBytes: 0, lookupRowBytes: 0, expertBytes: 0, expertBytesRead: 0},
        moe: input.moe,
        kvBytesPerToken: null,
        kv: null,
        notes: [
            `from catalog facts: ${(active / 1e9).toFixed(2)}B active parameters at the file's average ` +
                `${(bytesPerParameter * 8).toFixed(2)} bits per weight`,
            "no shape in the catalog, so the KV cache per token is unknown"
        ]
    });
}
