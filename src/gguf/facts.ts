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

export const MemoryEstimateSchema = z.object({
    contextSize: z.number().int().positive(),
    gpuLayers: z.number().int().nonnegative(),
    ramBytes: z.number().nonnegative(),
    vramBytes: z.number().nonnegative(),
    /** "node-llama-cpp GgufInsights" */
    method: z.string()
});

export const GgufFactsSchema = z.object({
    source: z.string(),
    fileName: z.string(),
    remote: z.boolean(),
    /** Bytes of all parts together. */
    fileBytes: z.number().int().nonnegative(),
    splitParts: z.number().int().positive(),
    /** Bytes before the tensor data (header, metadata, tensor infos, alignment) of the first part. */
    headerBytes: z.number().int().nonnegative().nullable(),
    architecture: z.string(),
    modelName: z.string().nullable(),
    description: z.string().nullable(),
    fileType: z.string().nullable(),
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
    moe: z.object({
        expertCount: z.number().int().positive(),
        expertsUsed: z.number().int().positive(),
        /** Parameters touched per token: all non-expert tensors plus expertsUsed/expertCount of expert tensors. */
        activeParameters: z.number().int().nonnegative()
    }).nullable(),
    sizeAt: z.object({
        f32Bytes: z.number().int().nonnegative(),
        f16Bytes: z.number().int().nonnegative()
    }),
    /** Fraction smaller than the same tensors at F32 / at 16-bit (F16 and BF16 are both 2 bytes/param). */
    reduction: z.object({
        vsF32: z.number(),
        vsF16: z.number()
    }),
    memoryEstimate: MemoryEstimateSchema.nullable()
});

export type TensorTypeShare = z.infer<typeof TensorTypeShareSchema>;
export type MemoryEstimate = z.infer<typeof MemoryEstimateSchema>;
export type GgufFacts = z.infer<typeof GgufFactsSchema>;
