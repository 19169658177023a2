import {z} from "zod";
import {EstimateSchema} from "../quality/schema.js";
import {BenchRunSchema, ProvenanceSchema, SampleStatsSchema} from "../results/schema.js";

/**
 * What `llmproof ladder` records: every quantization of one model measured side by side (size,
 * bits per weight, speed, memory and, where real weights are present, quality against the best
 * baseline present), the Pareto front, and the quant it would pick for this machine.
 * `--json` prints this document; `llmproof report` reads it back with this schema.
 */
export const LADDER_SCHEMA_VERSION = 1;

/** Where a rung's file came from: found in the cache or given, pulled now, or a shape-twin (random weights). */
export const RungSourceSchema = z.enum(["file", "pulled", "twin"]);
export type RungSource = z.infer<typeof RungSourceSchema>;

/** What "better quality" means for the front and the pick: measured KL divergence, or bits per weight as a stand-in. */
export const QualityMetricSchema = z.enum(["kl-divergence", "bits-per-weight"]);
export type QualityMetric = z.infer<typeof QualityMetricSchema>;

export const RungQualitySchema = z.object({
    /** True for the rung the others are compared with (its KL divergence is 0 by definition). */
    isBaseline: z.boolean(),
    perplexity: EstimateSchema,
    /** Mean KL divergence from the baseline, nats; null for the baseline itself. */
    klDivergence: EstimateSchema.nullable(),
    /** Fraction of positions where the top token matches the baseline's; null for the baseline itself. */
    sameTop: EstimateSchema.nullable()
});
export type RungQuality = z.infer<typeof RungQualitySchema>;

export const LadderRungSchema = z.object({
    /** The quantization as llama.cpp names it (Q4_K_M, Q8_0, F16 …). */
    quant: z.string(),
    source: RungSourceSchema,
    path: z.string(),
    fileName: z.string(),
    fileBytes: z.number().int().nonnegative(),
    parameterCount: z.number().int().nonnegative().nullable(),
    /** fileBytes × 8 / parameters. */
    bitsPerWeight: z.number().nullable(),
    /** 1 − tensor bytes / the same tensors at 16-bit (F16 and BF16 alike); negative means larger. */
    reductionVs16Bit: z.number().nullable(),
    /** 1 − tensor bytes / the same tensors at F32. */
    reductionVsF32: z.number().nullable(),
    status: z.enum(["ok", "failed"]),
    /** Why the rung has no measurement (a failed run), else null. */
    failure: z.string().nullable(),
    pp: SampleStatsSchema.nullable(),
    tg: SampleStatsSchema.nullable(),
    ttftMs: SampleStatsSchema.nullable(),
    /** Largest peak resident memory of the rung's measuring processes. */
    peakRssBytes: z.number().nonnegative().nullable(),
    /** Real weights only; null for twins and when quality was not measured. */
    quality: RungQualitySchema.nullable(),
    /** On the Pareto front: no other rung is at least as small, as fast and as good, and better in one. */
    front: z.boolean(),
    /** The quants that dominate this one (empty on the front). */
    dominatedBy: z.array(z.string())
});
export type LadderRung = z.infer<typeof LadderRungSchema>;

export const RecommendationRuleSchema = z.enum([
    /** Among the rungs that fit and lose no more than the tolerance: the fastest (ties: the better one). */
    "fastest-within-tolerance",
    /** No rung that fits is within the tolerance: the best quality that fits. */
    "best-quality-that-fits",
    /** Nothing fits in the memory budget. */
    "none-fits",
    /** Every measurement failed. */
    "nothing-measured"
]);
export type RecommendationRule = z.infer<typeof RecommendationRuleSchema>;

export const RecommendationSchema = z.object({
    /** The quant to run, or null (none fits, nothing measured). */
    pick: z.string().nullable(),
    rule: RecommendationRuleSchema,
    qualityMetric: QualityMetricSchema,
    /** The quality tolerance applied: KL divergence at most `limit` nats, or bits per weight at least `limit`. */
    tolerance: z.object({metric: QualityMetricSchema, limit: z.number()}),
    /** Memory available to new processes when the ladder ran. */
    freeMemoryBytes: z.number().nonnegative(),
    /** The part of it a model may take (the rest is left for a longer context and the system). */
    budgetBytes: z.number().nonnegative(),
    /** What the pick needs (peak RSS measured here), or the smallest need when nothing fits. */
    neededBytes: z.number().nonnegative().nullable(),
    /** Quants that fit the budget / that do not, among those measured. */
    fits: z.array(z.string()),
    tooBig: z.array(z.string()),
    /** Rungs within the tolerance that are as fast as the pick within noise (overlapping 95% CIs). */
    asFast: z.array(z.string()),
    /** A better-quality rung that did not fit, if any. */
    betterButTooBig: z.string().nullable(),
    /** The recommendation in one plain sentence, rendered from the facts above. */
    sentence: z.string()
});
export type Recommendation = z.infer<typeof RecommendationSchema>;

export const LadderDocumentSchema = z.object({
    kind: z.literal("llmproof-ladder"),
    schemaVersion: z.literal(LADDER_SCHEMA_VERSION),
    createdAt: z.string(),
    model: z.object({
        /** Catalog id, or null for `--files`. */
        id: z.string().nullable(),
        name: z.string(),
        architecture: z.string().nullable(),
        parameterCount: z.number().int().nonnegative().nullable()
    }),
    settings: z.object({
        nPrompt: z.number().int().nonnegative(),
        nGen: z.number().int().nonnegative(),
        /** null: the bench default (physical cores). */
        threads: z.number().int().positive().nullable(),
        repetitions: z.number().int().positive(),
        warmup: z.number().int().nonnegative(),
        /** Perplexity / KL divergence settings (tokens per chunk, chunks). */
        qualityContext: z.number().int().positive(),
        qualityChunks: z.number().int().positive()
    }),
    provenance: ProvenanceSchema.nullable(),
    qualityMetric: QualityMetricSchema,
    /** The rung quality is measured against, when two or more real-weight files are present. */
    baseline: z.string().nullable(),
    /** Largest file first. */
    rungs: z.array(LadderRungSchema),
    /** Quants the ladder could not include, and why. */
    skipped: z.array(z.object({quant: z.string(), reason: z.string()})),
    recommendation: RecommendationSchema,
    warnings: z.array(z.string()),
    /** Every bench run behind the table (provenance, raw samples). */
    runs: z.array(BenchRunSchema)
});
export type LadderDocument = z.infer<typeof LadderDocumentSchema>;
