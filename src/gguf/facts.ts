import {z} from "zod";

/** What `llmproof inspect` reports about one GGUF model (all split parts counted as one). */
export const TensorTypeShareSchema = z.object({
    type: z.string(),
    tensors: z.number().int().nonnegative(),
    parameters: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    /** parameters / all parameters, 0..1 */
    parameterShare: z.number(),
    /** bytes / all tensor bytes, 0..1 */
    byteShare: z.number()
});

const ResourceBytesSchema = z.object({
    ramBytes: z.number().nonnegative(),
    vramBytes: z.number().nonnegative()
});

export const MemoryEstimateSchema = z.object({
    contextSize: z.number().int().positive(),
    gpuLayers: z.number().int().nonnegative(),
    /** Model weights plus one context of `contextSize` tokens. */
    ramBytes: z.number().nonnegative(),
    vramBytes: z.number().nonnegative(),
    /** "node-llama-cpp GgufInsights" */
    method: z.string(),
    /** The two parts of the total: the loaded weights, and the context (KV cache and compute buffers). */
    model: ResourceBytesSchema.optional(),
    context: ResourceBytesSchema.optional()
});

export const GgufPartSchema = z.object({
    source: z.string(),
    bytes: z.number().int().nonnegative()
});

export const GgufFactsSchema = z.object({
    source: z.string(),
    fileName: z.string(),
    remote: z.boolean(),
    /** Bytes of all parts together. */
    fileBytes: z.number().int().nonnegative(),
    splitParts: z.number().int().positive(),
    /** Each part's path or URL and size, in order (one entry for an unsplit file). */
    parts: z.array(GgufPartSchema).optional(),
    ggufVersion: z.number().int().positive().optional(),
    /** Bytes before the tensor data (header, metadata, tensor infos, alignment) of the first part. */
    headerBytes: z.number().int().nonnegative().nullable(),
    architecture: z.string(),
    modelName: z.string().nullable(),
    description: z.string().nullable(),
    /** llama.cpp's name for `general.file_type` (llama_ftype), e.g. "MOSTLY_Q4_K_M". */
    fileType: z.string().nullable(),
    /** The same without the MOSTLY_/ALL_ prefix, as quantizations are usually written: "Q4_K_M", "F32". */
    fileTypeLabel: z.string().nullable().optional(),
    parameterCount: z.number().int().nonnegative(),
    tensorCount: z.number().int().nonnegative(),
    tensorDataBytes: z.number().int().nonnegative(),
    tensorTypes: z.array(TensorTypeShareSchema),
    bitsPerWeight: z.object({
        /** fileBytes * 8 / parameterCount */
        file: z.number(),
        /** tensorDataBytes * 8 / parameterCount */
        tensorData: z.number()
    }),
    contextLength: z.number().int().nullable(),
    vocabularySize: z.number().int().nullable(),
    layerCount: z.number().int().nullable(),
    embeddingLength: z.number().int().nullable(),
    moe: z
        .object({
            expertCount: z.number().int().positive(),
            expertsUsed: z.number().int().positive(),
            /** Parameters in the routed-expert tensors (all experts); shared experts are not counted here. */
            expertParameters: z.number().int().nonnegative().optional(),
            /** Parameters touched per token: all non-expert tensors plus expertsUsed/expertCount of expert tensors. */
            activeParameters: z.number().int().nonnegative()
        })
        .nullable(),
    sizeAt: z.object({
        f32Bytes: z.number().int().nonnegative(),
        f16Bytes: z.number().int().nonnegative()
    }),
    /**
     * Fraction by which the tensor data is smaller than the same tensors at F32 (4 bytes/param) and at
     * 16-bit (F16 and BF16 are both 2 bytes/param): 1 - tensorDataBytes / sizeAt.*; negative means larger.
     */
    reduction: z.object({
        vsF32: z.number(),
        vsF16: z.number()
    }),
    memoryEstimate: MemoryEstimateSchema.nullable()
});

export type TensorTypeShare = z.infer<typeof TensorTypeShareSchema>;
export type GgufPart = z.infer<typeof GgufPartSchema>;
export type MemoryEstimate = z.infer<typeof MemoryEstimateSchema>;
export type GgufFacts = z.infer<typeof GgufFactsSchema>;
