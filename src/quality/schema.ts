import {z} from "zod";
import {ProvenanceSchema} from "../results/schema.js";

/**
 * What `llmproof quality` reports: perplexity of each model on one text, and how far each
 * candidate's next-token distributions are from the baseline's (KL divergence, top-token
 * agreement, Δp), with the figures and definitions of llama.cpp's `llama-perplexity --kl-divergence`.
 */

export const QUALITY_SCHEMA_VERSION = 1;

/** A mean with its standard error (llama.cpp's "value ± uncertainty"). */
export const EstimateSchema = z.object({
    value: z.number(),
    uncertainty: z.number().nonnegative()
});

export const PerplexityStatsSchema = z.object({
    /** exp(mean negative log-likelihood of the scored tokens) */
    perplexity: EstimateSchema,
    /** mean negative log-likelihood in nats (ln PPL) */
    meanNll: EstimateSchema,
    scoredTokens: z.number().int().nonnegative()
});

export const KlDivergenceStatsSchema = z.object({
    /** nats; KL(baseline || candidate) averaged over scored tokens */
    mean: EstimateSchema,
    median: z.number(),
    p90: z.number(),
    p95: z.number(),
    p99: z.number(),
    p999: z.number(),
    max: z.number(),
    min: z.number()
});

/** Δp = p_candidate(actual next token) - p_baseline(actual next token), as fractions (0..1). */
export const DeltaPStatsSchema = z.object({
    mean: EstimateSchema,
    rms: EstimateSchema,
    median: z.number(),
    p1: z.number(),
    p5: z.number(),
    p95: z.number(),
    p99: z.number(),
    min: z.number(),
    max: z.number()
});

export const BaselineComparisonSchema = z.object({
    /** PPL(candidate) / PPL(baseline), uncertainty from the correlated per-token log-likelihoods */
    perplexityRatio: EstimateSchema,
    /** ln(PPL(candidate) / PPL(baseline)) */
    logPerplexityRatio: EstimateSchema,
    /** PPL(candidate) - PPL(baseline) */
    perplexityDifference: EstimateSchema,
    /** Correlation of ln PPL estimates of candidate and baseline; null when undefined (identical or too few tokens) */
    logPerplexityCorrelation: z.number().nullable(),
    klDivergence: KlDivergenceStatsSchema,
    /** Fraction of scored positions where both models rank the same token first ("same top p") */
    sameTop: EstimateSchema,
    deltaP: DeltaPStatsSchema
});

export const ModelQualitySchema = z.object({
    path: z.string(),
    fileName: z.string(),
    fileBytes: z.number().int().nonnegative(),
    /** general.file_type as llama.cpp names it (Q4_0, Q8_0, …) or, when the header states none, the dominant tensor type */
    type: z.string(),
    parameterCount: z.number().int().nonnegative().nullable(),
    perplexity: PerplexityStatsSchema,
    /** null for the baseline itself */
    versusBaseline: BaselineComparisonSchema.nullable(),
    evaluateSeconds: z.number().nonnegative()
});

export const QualityMethodSchema = z.object({
    /** Tokens per chunk (llama-perplexity's -c) */
    contextSize: z.number().int().positive(),
    chunks: z.number().int().positive(),
    /** First scored position within a chunk (contextSize / 2) */
    firstScoredPosition: z.number().int().nonnegative(),
    scoredTokensPerChunk: z.number().int().positive(),
    scoredTokens: z.number().int().positive(),
    /** Tokens of the whole text, BOS included when the vocabulary adds it */
    textTokens: z.number().int().positive(),
    vocabularySize: z.number().int().positive(),
    bosToken: z.number().int().nullable(),
    text: z
        .object({
            /** "built-in" or the path given with --text */
            source: z.string(),
            characters: z.number().int().nonnegative(),
            sha256: z.string().regex(/^[0-9a-f]{64}$/)
        })
        .nullable(),
    /** Every model is scored on the baseline's tokens (llama-perplexity --kl-divergence reads them from the baseline's logits file too) */
    tokenizer: z.literal("baseline"),
    /** How KL divergence is summed: llmproof keeps float32 log-probabilities over the whole vocabulary */
    klDivergenceMethod: z.literal("exact-float32-full-vocabulary")
});

export const QualityReportSchema = z.object({
    schemaVersion: z.literal(QUALITY_SCHEMA_VERSION),
    createdAt: z.string(),
    /** Software versions, machine and backend that produced the numbers */
    provenance: ProvenanceSchema,
    /** Threads per evaluation; null when node-llama-cpp chose */
    threads: z.number().int().positive().nullable(),
    method: QualityMethodSchema,
    baseline: ModelQualitySchema,
    candidates: z.array(ModelQualitySchema),
    /** Candidates that could not be measured (a file llama.cpp rejects, a crash), each with the reason. */
    failed: z.array(z.object({path: z.string(), fileName: z.string(), reason: z.string()})).default([]),
    warnings: z.array(z.string())
});

export type Estimate = z.infer<typeof EstimateSchema>;
export type PerplexityStats = z.infer<typeof PerplexityStatsSchema>;
export type KlDivergenceStats = z.infer<typeof KlDivergenceStatsSchema>;
export type DeltaPStats = z.infer<typeof DeltaPStatsSchema>;
export type BaselineComparison = z.infer<typeof BaselineComparisonSchema>;
export type ModelQuality = z.infer<typeof ModelQualitySchema>;
export type QualityMethod = z.infer<typeof QualityMethodSchema>;
export type QualityReport = z.infer<typeof QualityReportSchema>;
