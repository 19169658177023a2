import {z} from "zod";
import {backendOf, loadLlama} from "../system/llama.js";
import {BaselineStore} from "./baseline-store.js";
import {measureBaseline, measureCandidate, type QualityProgress} from "./measure.js";
import {ModelQualitySchema} from "./schema.js";

/**
 * The two jobs of a quality run as native-child jobs (src/system/native-protocol.ts): the baseline
 * (tokens, chunk plan, log-probabilities written to a file the parent owns) and one job per
 * candidate (reads that file). A llama.cpp abort on one model ends only that model's child.
 */

const GpuSchema = z.enum(["auto", "cpu", "cuda", "vulkan", "metal"]);

const ChunkPlanSchema = z.object({
    contextSize: z.number().int().positive(),
    firstScoredPosition: z.number().int().nonnegative(),
    scoredPerChunk: z.number().int().positive(),
    chunkCount: z.number().int().positive(),
    availableChunks: z.number().int().nonnegative(),
    tokenCount: z.number().int().nonnegative()
});

export const BaselineJobSchema = z.object({
    baselinePath: z.string().min(1),
    text: z.string().optional(),
    textSource: z.string().optional(),
    contextSize: z.number().int().positive(),
    chunks: z.number().int().positive().optional(),
    threads: z.number().int().positive().optional(),
    gpu: GpuSchema,
    storePath: z.string().min(1),
    modelCount: z.number().int().positive()
});
export type BaselineJob = z.infer<typeof BaselineJobSchema>;

export const BaselineJobResultSchema = z.object({
    quality: ModelQualitySchema,
    tokens: z.array(z.number().int()),
    plan: ChunkPlanSchema,
    bosToken: z.number().int().nullable(),
    text: z.string().nullable(),
    textSource: z.string(),
    contextSize: z.number().int().positive(),
    warnings: z.array(z.string()),
    vocabularySize: z.number().int().positive(),
    nll: z.array(z.number()),
    top: z.array(z.number().int()),
    backend: z.enum(["cpu", "cuda", "vulkan", "metal"])
});
export type BaselineJobResult = z.infer<typeof BaselineJobResultSchema>;

export const CandidateJobSchema = z.object({
    path: z.string().min(1),
    modelNumber: z.number().int().positive(),
    modelCount: z.number().int().positive(),
    threads: z.number().int().positive().optional(),
    gpu: GpuSchema,
    storePath: z.string().min(1),
    baseline: BaselineJobResultSchema.omit({quality: true, warnings: true, backend: true})
});
export type CandidateJob = z.infer<typeof CandidateJobSchema>;

export const CandidateJobResultSchema = z.object({quality: ModelQualitySchema, warnings: z.array(z.string())});
export type CandidateJobResult = z.infer<typeof CandidateJobResultSchema>;

/** Progress crosses the process boundary as one JSON line per update. */
export const ProgressLineSchema = z.object({
    role: z.enum(["baseline", "candidate"]),
    modelPath: z.string(),
    modelNumber: z.number(),
    modelCount: z.number(),
    chunk: z.number(),
    chunks: z.number()
});

/** Run one job in this (child) process; the request is validated here, the result by the parent. */
export async function runQualityJob(
    role: "baseline" | "candidate",
    request: unknown,
    onProgress: (message: string) => void
): Promise<unknown> {
    const progress = (update: QualityProgress) => onProgress(JSON.stringify(update));
    if (role === "baseline") {
        const job = BaselineJobSchema.parse(request);
        const llama = await loadLlama({gpu: job.gpu});
        try {
            const baseline = await measureBaseline(llama, {...job, storePath: job.storePath, onProgress: progress});
            try {
                return {
                    quality: baseline.quality,
                    tokens: baseline.tokens,
                    plan: baseline.plan,
                    bosToken: baseline.bosToken,
                    text: baseline.text,
                    textSource: baseline.textSource,
                    contextSize: baseline.contextSize,
                    warnings: baseline.warnings,
                    vocabularySize: baseline.store.vocabularySize,
                    nll: Array.from(baseline.store.nll),
                    top: Array.from(baseline.store.top),
                    backend: backendOf(llama)
                } satisfies BaselineJobResult;
            } finally {
                await baseline.store.close();
            }
        } finally {
            await llama.dispose();
        }
    }
    const job = CandidateJobSchema.parse(request);
    const store = await BaselineStore.openFile({
        filePath: job.storePath,
        vocabularySize: job.baseline.vocabularySize,
        positionsPerChunk: job.baseline.plan.scoredPerChunk,
        chunkCount: job.baseline.plan.chunkCount,
        nll: job.baseline.nll,
        top: job.baseline.top
    });
    const llama = await loadLlama({gpu: job.gpu});
    try {
        const warnings: string[] = [];
        const quality = await measureCandidate(llama, {...job.baseline, store, warnings}, job.path, {
            threads: job.threads,
            modelNumber: job.modelNumber,
            modelCount: job.modelCount,
            onProgress: progress
        });
        return {quality, warnings} satisfies CandidateJobResult;
    } finally {
        await store.close();
        await llama.dispose();
    }
}
