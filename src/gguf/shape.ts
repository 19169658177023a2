import {z} from "zod";

/**
 * The shape of a transformer: everything that decides tensor shapes (and therefore speed and
 * size on llama.cpp), nothing about weight values. Used by `synth`, the catalog and twins.
 */
export const ModelShapeSchema = z
    .object({
        architecture: z.enum(["llama", "qwen2", "qwen3"]),
        hiddenSize: z.number().int().positive(),
        layers: z.number().int().positive(),
        heads: z.number().int().positive(),
        kvHeads: z.number().int().positive(),
        /** Per-head dimension; defaults to hiddenSize / heads (Qwen3 sets it explicitly). */
        headDim: z.number().int().positive().optional(),
        ffnSize: z.number().int().positive(),
        vocabSize: z.number().int().positive(),
        contextLength: z.number().int().positive(),
        tiedEmbeddings: z.boolean().default(false),
        qkvBias: z.boolean().default(false),
        ropeTheta: z.number().positive().optional(),
        rmsNormEps: z.number().positive().optional()
    })
    .strict();

export type ModelShape = z.infer<typeof ModelShapeSchema>;
export type ModelShapeInput = z.input<typeof ModelShapeSchema>;
