import {z} from "zod";

/**
 * `llmproof compare`: the shapes of a comparison. Inputs of every kind (llmproof results,
 * llama-bench JSON/JSONL/CSV/SQL/SQLite) become `Measurement`s; two sides of measurements become
 * one `CompareReport` with a row per matched (model, test configuration, metric).
 */

export const METRICS = ["pp", "tg", "ttft", "load", "rss"] as const;
export const MetricSchema = z.enum(METRICS);
export type Metric = z.infer<typeof MetricSchema>;

export interface MetricInfo {
    unit: "t/s" | "ms" | "bytes";
    higherIsBetter: boolean;
    /** What it is, for help texts. */
    title: string;
}

export const METRIC_INFO: Readonly<Record<Metric, MetricInfo>> = {
    pp: {unit: "t/s", higherIsBetter: true, title: "prompt processing tokens/sec"},
    tg: {unit: "t/s", higherIsBetter: true, title: "generation tokens/sec"},
    ttft: {unit: "ms", higherIsBetter: false, title: "time to first token, ms"},
    load: {unit: "ms", higherIsBetter: false, title: "model load time, ms"},
    rss: {unit: "bytes", higherIsBetter: false, title: "peak resident memory, bytes"}
};

/** Fields a row is matched on besides the model and the test name; `--ignore` drops some. */
export const MATCH_FIELDS = ["model", "threads", "batch", "ubatch", "ngl", "fa", "mmap"] as const;
export const MatchFieldSchema = z.enum(MATCH_FIELDS);
export type MatchField = z.infer<typeof MatchFieldSchema>;

/** The values of one metric on one side: raw samples, or only a summary (llama-bench CSV/SQL). */
export const MetricValuesSchema = z.object({
    samples: z.array(z.number()),
    /** Set when the raw samples are unknown: mean and standard deviation of `n` repetitions (n null when not recorded). */
    summary: z
        .object({mean: z.number(), stddev: z.number().nullable(), n: z.number().int().positive().nullable()})
        .nullable()
});
export type MetricValues = z.infer<typeof MetricValuesSchema>;

export const MeasurementSchema = z.object({
    tool: z.enum(["llmproof", "llama-bench"]),
    /** File it came from. */
    source: z.string(),
    /** How outputs name the model (a twin as twin:<id>:<QUANT>). */
    model: z.string(),
    /** The model file's base name, lower case: what rows are matched on. */
    modelKey: z.string(),
    /** llama-bench's test label: pp512, tg128, pp512 @ d1024. */
    test: z.string(),
    threads: z.number().int(),
    batch: z.number().int(),
    ubatch: z.number().int(),
    /** GPU layers; "cpu" when the run was CPU-only (the number then means nothing). */
    ngl: z.string(),
    fa: z.enum(["0", "1", "auto"]),
    /** Weights loaded through mmap ("1", llama-bench's use_mmap) or read into memory ("0"). */
    mmap: z.enum(["0", "1"]),
    status: z.enum(["ok", "noisy", "failed"]),
    failure: z.string().nullable(),
    /** llama.cpp build (llama-bench's build_commit, llmproof's llama.cpp release). */
    build: z.string().nullable(),
    metrics: z.partialRecord(MetricSchema, MetricValuesSchema)
});
export type Measurement = z.infer<typeof MeasurementSchema>;

export const SideStatsSchema = z.object({
    n: z.number().int().nonnegative().nullable(),
    mean: z.number(),
    stddev: z.number().nullable(),
    ci95: z.tuple([z.number(), z.number()]).nullable(),
    /** "ok", "noisy" (95% CI over ±20% of the mean) or "failed". */
    status: z.enum(["ok", "noisy", "failed"]),
    /** Raw samples are known (else only a summary). */
    rawSamples: z.boolean()
});
export type SideStats = z.infer<typeof SideStatsSchema>;

export const SignificanceSchema = z.object({
    /**
     * "permutation": simple-statistics' permutationTest on the raw samples (difference of means, two-sided);
     * "welch": Welch's t-test on means and standard deviations.
     */
    method: z.enum(["permutation", "welch"]).nullable(),
    pValue: z.number().min(0).max(1).nullable(),
    alpha: z.number(),
    significant: z.boolean(),
    /** Why there is no test, when there is none. */
    note: z.string().nullable()
});

export const CompareRowSchema = z.object({
    model: z.string(),
    test: z.string(),
    threads: z.number().int(),
    batch: z.number().int(),
    ubatch: z.number().int(),
    ngl: z.string(),
    fa: z.string(),
    mmap: z.enum(["0", "1"]),
    metric: MetricSchema,
    unit: z.enum(["t/s", "ms", "bytes"]),
    baseline: SideStatsSchema,
    candidate: SideStatsSchema,
    /** candidate mean / baseline mean. */
    ratio: z.number().nullable(),
    /** ratio − 1: +0.05 = the metric is 5% higher in the candidate. */
    change: z.number().nullable(),
    /** 95% CI of `change` (from the log ratio, Welch–Satterthwaite degrees of freedom). */
    changeCi95: z.tuple([z.number(), z.number()]).nullable(),
    /** Speed-up: ratio for t/s, 1/ratio for times and memory (> 1 = the candidate is better). */
    speedup: z.number().nullable(),
    speedupCi95: z.tuple([z.number(), z.number()]).nullable(),
    significance: SignificanceSchema,
    /** "better", "worse", "same" (no significant difference: benchstat's ~), "untested" (no test possible). */
    verdict: z.enum(["better", "worse", "same", "untested"])
});
export type CompareRow = z.infer<typeof CompareRowSchema>;

export const GateRuleSchema = z.object({
    text: z.string(),
    metric: MetricSchema,
    op: z.enum(["<", ">"]),
    /** A relative threshold is a fraction of the baseline (−0.05 for −5%); an absolute one is in the metric's unit. */
    kind: z.enum(["relative", "absolute"]),
    value: z.number()
});
export type GateRule = z.infer<typeof GateRuleSchema>;

export const GateViolationSchema = z.object({
    rule: z.string(),
    kind: z.enum(["regression", "model-failed"]),
    model: z.string(),
    test: z.string(),
    threads: z.number().int().nullable(),
    message: z.string()
});
export type GateViolation = z.infer<typeof GateViolationSchema>;

export const GateResultSchema = z.object({
    rules: z.array(GateRuleSchema),
    passed: z.boolean(),
    violations: z.array(GateViolationSchema)
});
export type GateResult = z.infer<typeof GateResultSchema>;

export const COMPARE_SCHEMA_VERSION = 1;

export const UnmatchedSchema = z.object({
    model: z.string(),
    test: z.string(),
    threads: z.number().int(),
    status: z.string()
});

export const CompareReportSchema = z.object({
    schemaVersion: z.literal(COMPARE_SCHEMA_VERSION),
    baseline: z.object({sources: z.array(z.string()), measurements: z.number().int()}),
    candidate: z.object({sources: z.array(z.string()), measurements: z.number().int()}),
    alpha: z.number(),
    matchedOn: z.array(z.string()),
    rows: z.array(CompareRowSchema),
    /** Candidate rows that failed (crash, load error): the gate fails on them. */
    failed: z.array(UnmatchedSchema.extend({side: z.enum(["baseline", "candidate"]), reason: z.string()})),
    unmatched: z.object({baseline: z.array(UnmatchedSchema), candidate: z.array(UnmatchedSchema)}),
    gate: GateResultSchema.nullable()
});
export type CompareReport = z.infer<typeof CompareReportSchema>;
