import {z} from "zod";
import {BenchConfigSchema, EngineInfoSchema, RepetitionPolicySchema} from "./config.js";

/**
 * What `llmproof bench` records. One BenchRun = one model × one configuration of the sweep
 * (one llama-bench row). A report is `{schemaVersion, runs}`. Saved files, `--json` and `--jsonl`
 * all use these shapes, and readers validate them with these schemas.
 */
export const BENCH_SCHEMA_VERSION = 1;

/** Summary of repeated samples. stddev and ci95 need two samples, so they are null for one. */
export const SampleStatsSchema = z.object({
    n: z.number().int().positive(),
    mean: z.number(),
    median: z.number(),
    /** Sample standard deviation (n − 1), like llama-bench's stddev_ts. */
    stddev: z.number().nonnegative().nullable(),
    min: z.number(),
    max: z.number(),
    /** 95% confidence interval of the mean, Student's t with n − 1 degrees of freedom. */
    ci95: z.tuple([z.number(), z.number()]).nullable(),
    /** CI half-width / mean (0.05 = ±5%). */
    ci95RelativeHalfWidth: z.number().nonnegative().nullable()
});

/** One phase (pp or tg): tokens/sec per counted repetition and their summary. */
export const PhaseResultSchema = z.object({
    tokensPerSecond: SampleStatsSchema,
    /** Tokens/sec of each counted repetition (warmups excluded), in run order. */
    samples: z.array(z.number())
});

export const BenchWarningSchema = z.object({
    kind: z.enum(["slow-first-run", "outliers", "wide-ci", "reference-failed", "other"]),
    /** Which samples it is about. */
    subject: z.enum(["pp", "tg", "ttft", "run"]),
    message: z.string()
});

export const FailureSchema = z.object({
    /** crash / oom / timeout come from the child process; "error" is any other failure (bad file, load error). */
    kind: z.enum(["crash", "oom", "timeout", "error"]),
    reason: z.string(),
    exitCode: z.number().nullable(),
    signal: z.string().nullable()
});

export const ModelFactsSchema = z.object({
    fileName: z.string(),
    /** Absolute path on the machine that ran it. */
    path: z.string(),
    fileBytes: z.number().int().nonnegative(),
    sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .nullable(),
    /** The fields below come from the GGUF header; null when it could not be read. */
    architecture: z.string().nullable(),
    modelName: z.string().nullable(),
    parameterCount: z.number().int().nonnegative().nullable(),
    /** llama.cpp file type, e.g. "MOSTLY_Q4_0". */
    quantType: z.string().nullable(),
    /** How the model was named on the command line (`qwen3-0.6b:Q8_0`, `hf:…`, `twin:…`); null for a plain path. */
    ref: z.string().nullable().default(null),
    /** Set when the file is a shape-twin (random weights): which catalog model and quantization it copies. */
    twin: z.object({modelId: z.string().nullable(), quant: z.string().nullable()}).nullable().default(null)
});

export const GpuFactsSchema = z.object({
    vendor: z.string(),
    model: z.string(),
    vramBytes: z.number().nonnegative().nullable()
});

export const ProvenanceSchema = z.object({
    llmproofVersion: z.string(),
    nodeLlamaCppVersion: z.string(),
    /** The llama.cpp release the installed node-llama-cpp binaries were built from (the tag of its bundled llama.cpp, e.g. "v0.5.0"). */
    llamaCppRelease: z.string(),
    /** Backend that produced the numbers (from the engine; null if the run never reached it). */
    backend: z.enum(["cpu", "cuda", "vulkan", "metal"]).nullable(),
    nodeVersion: z.string(),
    cpu: z.object({
        model: z.string(),
        physicalCores: z.number().int().nonnegative(),
        logicalCores: z.number().int().nonnegative()
    }),
    ramBytes: z.number().nonnegative(),
    gpus: z.array(GpuFactsSchema),
    os: z.object({
        platform: z.string(),
        distro: z.string(),
        release: z.string(),
        kernel: z.string(),
        arch: z.string()
    })
});

/** llama-bench's numbers for the same model and configuration (`--cross-check`). */
export const ReferenceResultSchema = z.object({
    tool: z.literal("llama-bench"),
    /** The llama-bench binary that ran, and its build if it printed one. */
    binary: z.string(),
    build: z.string().nullable(),
    pp: PhaseResultSchema.nullable(),
    tg: PhaseResultSchema.nullable(),
    /** llmproof mean / llama-bench mean, per phase; null when either side is missing. */
    ratio: z.object({pp: z.number().nullable(), tg: z.number().nullable()})
});

export const MemoryEstimateSchema = z.object({
    ramBytes: z.number().nonnegative(),
    vramBytes: z.number().nonnegative(),
    method: z.string()
});

export const RUN_STATUSES = ["ok", "noisy", "failed"] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const BenchRunSchema = z
    .object({
        schemaVersion: z.literal(BENCH_SCHEMA_VERSION),
        /** Unique per run; also part of the saved file's name. */
        id: z.string(),
        /** When the run finished, ISO 8601. */
        date: z.string(),
        /** llama-bench's label: "pp512", "tg128", "pp512 @ d1024". */
        test: z.string(),
        config: BenchConfigSchema,
        policy: RepetitionPolicySchema,
        /**
         * "ok"; "noisy" when a measured 95% CI is wider than ±20% of its mean or reaches below zero
         * (the numbers are printed but too unstable to compare); "failed" with `failure` set.
         */
        status: RunStatusSchema,
        /** Set when status is "failed". */
        failure: FailureSchema.nullable(),
        model: ModelFactsSchema,
        /** How the engine ran (from the measuring child); null when it never got that far. */
        engine: EngineInfoSchema.nullable(),
        provenance: ProvenanceSchema,
        pp: PhaseResultSchema.nullable(),
        tg: PhaseResultSchema.nullable(),
        /** Prompt of nPrompt tokens then the first sampled token, ms; pp tests only. */
        ttftMs: SampleStatsSchema.nullable(),
        ttftSamplesMs: z.array(z.number()),
        /** Model file to ready context, ms. */
        loadMs: z.number().nonnegative().nullable(),
        /** Peak resident memory of the child process that ran the model. */
        peakRssBytes: z.number().nonnegative().nullable(),
        /** VRAM in use by the model and context (node-llama-cpp's VRAM state); 0 on CPU. */
        vramBytes: z.number().nonnegative().nullable(),
        /** node-llama-cpp's pre-load estimate for this configuration, beside the measured figures. */
        memoryEstimate: MemoryEstimateSchema.nullable(),
        warnings: z.array(BenchWarningSchema),
        reference: ReferenceResultSchema.nullable(),
        /** How many times the configuration was measured (--adaptive re-measures a noisy row); the row is the steadiest attempt. */
        attempts: z.number().int().positive().default(1)
    })
    .superRefine((run, context) => {
        if ((run.status === "failed") !== (run.failure !== null))
            context.addIssue({
                code: "custom",
                path: ["failure"],
                message: 'failure must be set exactly when status is "failed"'
            });
    });

export const BenchReportSchema = z.object({
    schemaVersion: z.literal(BENCH_SCHEMA_VERSION),
    runs: z.array(BenchRunSchema)
});

export type SampleStatsRecord = z.infer<typeof SampleStatsSchema>;
export type PhaseResult = z.infer<typeof PhaseResultSchema>;
export type BenchWarning = z.infer<typeof BenchWarningSchema>;
export type Failure = z.infer<typeof FailureSchema>;
export type ModelFacts = z.infer<typeof ModelFactsSchema>;
export type GpuFacts = z.infer<typeof GpuFactsSchema>;
export type Provenance = z.infer<typeof ProvenanceSchema>;
export type ReferenceResult = z.infer<typeof ReferenceResultSchema>;
export type BenchMemoryEstimate = z.infer<typeof MemoryEstimateSchema>;
export type BenchRun = z.infer<typeof BenchRunSchema>;
/** A run as code builds it (defaulted fields may be left out). */
export type BenchRunInput = z.input<typeof BenchRunSchema>;
export type BenchReport = z.infer<typeof BenchReportSchema>;
