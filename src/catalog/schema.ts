import {z} from "zod";
import {ModelShapeSchema} from "../gguf/shape.js";

/**
 * The model catalog (`models.yaml`): the models the newsletter issues feature, the small real
 * models of the smoke suite, and the reference numbers that quantization claims are checked
 * against. Facts nobody has verified are `null`, never guessed.
 */

const isoDate = z.iso.date({error: "expected a date written YYYY-MM-DD"});

/** "owner/name" as Hugging Face spells it. */
const hfRepoSchema = z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, {error: "expected a Hugging Face repo written owner/name"});

/** A file path inside a repo: relative, forward slashes, no `..` (it becomes a local path on download). */
const repoFilePathSchema = z
    .string()
    .min(1)
    .refine(
        (path) =>
            !path.startsWith("/") &&
            !path.includes("\\") &&
            !path.split("/").some((part) => part === ".." || part === "." || part === ""),
        {error: "expected a relative path inside the repo (no leading /, no backslashes, no . or .. parts)"}
    );

const sha256Schema = z
    .string()
    .regex(/^[0-9a-f]{64}$/, {error: "expected a SHA-256 written as 64 lowercase hex digits"});

/** Quantization names as llama.cpp writes them: Q4_K_M, Q8_0, IQ4_XS, F16, BF16, F32, ... */
export const QuantNameSchema = z
    .string()
    .regex(/^[A-Z0-9]+(_[A-Z0-9]+)*$/, {error: "expected a quantization name in capitals, like Q4_K_M or BF16"});
export type QuantName = z.infer<typeof QuantNameSchema>;

/** Sizes, parameter counts: finite and positive. */
const positiveNumber = z.number().positive();
/**
 * Bounds that keep every figure physically plausible (a typo such as `paramsB: 1e30` must not
 * become a verdict): parameters from a thousand to a quadrillion, files up to a petabyte.
 */
export const CATALOG_BOUNDS = {
    paramsB: {min: 1e-6, max: 1e6},
    maxBytes: 1e15,
    maxExperts: 65_536,
    maxBitsPerWeight: 64,
    maxPerplexity: 1e6,
    maxTokensPerSecond: 1e7
} as const;
const billions = z
    .number()
    .min(CATALOG_BOUNDS.paramsB.min, {
        error: `expected at least ${CATALOG_BOUNDS.paramsB.min} (billions of parameters)`
    })
    .max(CATALOG_BOUNDS.paramsB.max, {
        error: `expected at most ${CATALOG_BOUNDS.paramsB.max} (billions of parameters)`
    });
const byteCount = z
    .number()
    .int()
    .positive()
    .max(CATALOG_BOUNDS.maxBytes, {error: `expected at most ${CATALOG_BOUNDS.maxBytes} bytes (a petabyte)`});
const approxBytes = positiveNumber.max(CATALOG_BOUNDS.maxBytes, {
    error: `expected at most ${CATALOG_BOUNDS.maxBytes} bytes (a petabyte)`
});
const expertCount = z.number().int().positive().max(CATALOG_BOUNDS.maxExperts);

export const CatalogFilePartSchema = z.strictObject({
    path: repoFilePathSchema,
    sizeBytes: byteCount.nullable().default(null),
    sha256: sha256Schema.nullable().default(null)
});

/**
 * One GGUF file (or split set) of one quantization. `sizeBytes` and `sha256` are exact
 * (fit to verify a download against); `approxSizeBytes` is a published, rounded figure
 * ("48.7 GB") that is only good for planning disk space and for rough claims.
 */
export const CatalogFileSchema = z
    .strictObject({
        /** The repo holding this file when it is not the model's own `repo` (a 16-bit baseline elsewhere, say). */
        repo: hfRepoSchema.nullable().default(null),
        /** Git revision for `repo`; null = the repo's default branch. */
        revision: z.string().min(1).nullable().default(null),
        /** Path of the file, or of the first part of a split set; null when the file name is not recorded. */
        path: repoFilePathSchema.nullable().default(null),
        /** Exact size in bytes of the whole file (all parts together). */
        sizeBytes: byteCount.nullable().default(null),
        /** A rounded size as published (GB = 1e9 bytes); null when unknown. */
        approxSizeBytes: approxBytes.nullable().default(null),
        sha256: sha256Schema.nullable().default(null),
        /** Every part of a split file, in order (the first is `path`). */
        parts: z
            .array(CatalogFilePartSchema)
            .min(2, {error: "a split file has at least 2 parts"})
            .nullable()
            .default(null),
        /** Number of parts when the file is known to be split but the part names are not recorded. */
        splitCount: z.number().int().min(2).max(99_999).nullable().default(null),
        note: z.string().nullable().default(null)
    })
    .superRefine((file, context) => {
        if (file.parts != null) {
            if (file.path != null && file.parts[0]?.path !== file.path)
                context.addIssue({
                    code: "custom",
                    path: ["parts", 0, "path"],
                    message: "the first part must be the file's own path"
                });
            if (file.splitCount != null && file.splitCount !== file.parts.length)
                context.addIssue({
                    code: "custom",
                    path: ["splitCount"],
                    message: `says ${file.splitCount} parts but ${file.parts.length} are listed`
                });
        }
    });

export const CatalogIssueRefSchema = z.strictObject({
    /** The issue number printed on the newsletter ("Issue #32"). */
    number: z.number().int().nonnegative(),
    /** The dateline of the issue. */
    date: isoDate,
    /** The file the issue came in, when known. */
    file: z.string().min(1).nullable().default(null)
});

export const MoeFactsSchema = z.strictObject({
    experts: expertCount.nullable().default(null),
    expertsUsed: expertCount.nullable().default(null),
    sharedExperts: z.number().int().nonnegative().max(CATALOG_BOUNDS.maxExperts).nullable().default(null),
    /** Parameters active per token, in billions, as the name states it ("A3B" = 3). */
    activeParamsB: billions.nullable().default(null)
});

export const ModelKindSchema = z.enum([
    /** A generative language model llama.cpp can run. */
    "llm",
    /** A LoRA/PEFT adapter: no weights of its own; its base (the proxy) stands in. */
    "lora-adapter",
    /** A bidirectional encoder (BERT family): not a generative model. */
    "encoder",
    "audio",
    "vision",
    "robotics",
    "unknown"
]);

export const ModelFormatSchema = z.enum(["gguf", "safetensors", "peft-adapter", "unknown"]);

export const CatalogModelSchema = z
    .strictObject({
        /** Stable lower-case slug, used on the command line (`llmproof pull qwen3-4b:Q4_K_M`). */
        id: z
            .string()
            .regex(/^[a-z0-9][a-z0-9.-]*$/, {error: "expected a lower-case slug (letters, digits, dots, hyphens)"}),
        name: z.string().min(1),
        /** Other ways people write it; matching ignores case, spaces, hyphens and dots. */
        aliases: z.array(z.string().min(1)).default([]),
        kind: ModelKindSchema,
        /** How the weights in `repo` are published. */
        format: ModelFormatSchema.default("unknown"),
        /** Newsletter issues that feature this model (empty for smoke models and proxies). */
        issues: z.array(CatalogIssueRefSchema).default([]),
        /** Hugging Face repo of the entry (the GGUF repo for LLMs); null when not found. */
        repo: hfRepoSchema.nullable().default(null),
        /** Git revision of `repo`; null = the default branch (main). */
        revision: z.string().min(1).nullable().default(null),
        /** The model this one was made from (the original weights, or an adapter's base). */
        baseModel: hfRepoSchema.nullable().default(null),
        /** Parameter count in billions as measured (GGUF metadata or computed from the config). */
        paramsB: billions.nullable().default(null),
        /** Parameter count in billions as the name states it ("80B" = 80). */
        nominalParamsB: billions.nullable().default(null),
        paramsNote: z.string().nullable().default(null),
        /** GGUF `general.architecture` for LLMs; the Hugging Face model type otherwise. */
        architecture: z.string().min(1).nullable().default(null),
        moe: MoeFactsSchema.nullable().default(null),
        license: z.string().min(1).nullable().default(null),
        released: isoDate.nullable().default(null),
        /** What the runtime needs to load it (a llama.cpp version or PR), when it is recent. */
        requires: z.string().nullable().default(null),
        /** GGUF files by quantization name; 16-bit entries (F16/BF16) are the size and quality baselines. */
        files: z.record(QuantNameSchema, CatalogFileSchema).default({}),
        /** The quantization that quality comparisons (KLD, PPL) should use as the reference. */
        baselineQuant: QuantNameSchema.nullable().default(null),
        /** The transformer's shape for synthetic twins; null unless every number is known. */
        shape: ModelShapeSchema.nullable().default(null),
        shapeNote: z.string().nullable().default(null),
        /** Id of a catalog entry that stands in for this one (its base model) when this one has no GGUF. */
        proxy: z.string().nullable().default(null),
        /** Whether llama.cpp can run it, itself or through its proxy. */
        benchmarkable: z.boolean(),
        notBenchmarkableReason: z.string().min(1).nullable().default(null),
        suites: z.array(z.string().min(1)).default([]),
        notes: z.string().nullable().default(null),
        /** When the facts in this entry were recorded. */
        factsRecorded: isoDate
    })
    .superRefine((model, context) => {
        if (!model.benchmarkable && model.notBenchmarkableReason == null)
            context.addIssue({
                code: "custom",
                path: ["notBenchmarkableReason"],
                message: "is required when benchmarkable is false"
            });
        if (model.benchmarkable && model.notBenchmarkableReason != null)
            context.addIssue({
                code: "custom",
                path: ["notBenchmarkableReason"],
                message: "must be null when benchmarkable is true"
            });
        if (model.benchmarkable && Object.keys(model.files).length === 0 && model.proxy == null)
            context.addIssue({
                code: "custom",
                path: ["benchmarkable"],
                message: "is true but the entry has no files and no proxy"
            });
        if (model.baselineQuant != null && !(model.baselineQuant in model.files))
            context.addIssue({
                code: "custom",
                path: ["baselineQuant"],
                message: `names ${model.baselineQuant}, which is not in files`
            });
        if (model.proxy === model.id)
            context.addIssue({code: "custom", path: ["proxy"], message: "cannot point to the entry itself"});
    });

export const SuiteSchema = z.strictObject({
    description: z.string().min(1)
});

/** Bits per weight of one quantization type, measured on one model. */
export const BitsPerWeightFactSchema = z.strictObject({
    quant: QuantNameSchema,
    bitsPerWeight: positiveNumber.max(CATALOG_BOUNDS.maxBitsPerWeight),
    model: z.string().min(1),
    source: z.string().min(1)
});

/** Perplexity / KL divergence of one quantization against its 16-bit original. */
export const QuantQualityFactSchema = z.strictObject({
    quant: QuantNameSchema,
    imatrix: z.boolean().default(false),
    model: z.string().min(1),
    dataset: z.string().min(1),
    baselineQuant: QuantNameSchema,
    baselinePerplexity: positiveNumber.max(CATALOG_BOUNDS.maxPerplexity),
    perplexity: positiveNumber.max(CATALOG_BOUNDS.maxPerplexity),
    klDivergence: z.number().nonnegative().nullable().default(null),
    /** Share of tokens whose most likely next token is the same as the baseline's, 0..1. */
    sameTopTokenShare: z.number().min(0).max(1).nullable().default(null),
    source: z.string().min(1)
});

/** Token generation speed of two quantizations of one model on one machine (a ratio, not a target). */
export const QuantSpeedFactSchema = z.strictObject({
    model: z.string().min(1),
    test: z.string().min(1),
    tokensPerSecond: z.record(QuantNameSchema, positiveNumber.max(CATALOG_BOUNDS.maxTokensPerSecond)),
    hardware: z.string().min(1),
    source: z.string().min(1)
});

export const QuantReferenceSchema = z.strictObject({
    bitsPerWeight: z.array(BitsPerWeightFactSchema).default([]),
    quality: z.array(QuantQualityFactSchema).default([]),
    speed: z.array(QuantSpeedFactSchema).default([])
});

export const CatalogSchema = z
    .strictObject({
        version: z.literal(1, {error: "expected version: 1"}),
        suites: z.record(z.string().regex(/^[a-z0-9-]+$/, {error: "expected a lower-case suite name"}), SuiteSchema),
        quantReference: QuantReferenceSchema.default({bitsPerWeight: [], quality: [], speed: []}),
        models: z.array(CatalogModelSchema)
    })
    .superRefine((catalog, context) => {
        const ids = new Map<string, number>();
        catalog.models.forEach((model, index) => {
            if (ids.has(model.id))
                context.addIssue({
                    code: "custom",
                    path: ["models", index, "id"],
                    message: `duplicates the id of entry #${ids.get(model.id)! + 1}`
                });
            else ids.set(model.id, index);
        });
        catalog.models.forEach((model, index) => {
            model.suites.forEach((suite, suiteIndex) => {
                if (!(suite in catalog.suites))
                    context.addIssue({
                        code: "custom",
                        path: ["models", index, "suites", suiteIndex],
                        message: `names suite "${suite}", which is not defined under suites`
                    });
            });
            if (model.proxy != null && model.proxy !== model.id) {
                const proxyIndex = ids.get(model.proxy);
                const proxy = proxyIndex == null ? undefined : catalog.models[proxyIndex];
                if (proxy == null)
                    context.addIssue({
                        code: "custom",
                        path: ["models", index, "proxy"],
                        message: `names "${model.proxy}", which is not a model id`
                    });
                else if (Object.keys(proxy.files).length === 0)
                    context.addIssue({
                        code: "custom",
                        path: ["models", index, "proxy"],
                        message: `names "${model.proxy}", which has no files to stand in with`
                    });
            }
        });
    });

export type CatalogFilePart = z.infer<typeof CatalogFilePartSchema>;
export type CatalogFile = z.infer<typeof CatalogFileSchema>;
export type CatalogIssueRef = z.infer<typeof CatalogIssueRefSchema>;
export type MoeFacts = z.infer<typeof MoeFactsSchema>;
export type ModelKind = z.infer<typeof ModelKindSchema>;
export type ModelFormat = z.infer<typeof ModelFormatSchema>;
export type CatalogModel = z.infer<typeof CatalogModelSchema>;
export type Suite = z.infer<typeof SuiteSchema>;
export type BitsPerWeightFact = z.infer<typeof BitsPerWeightFactSchema>;
export type QuantQualityFact = z.infer<typeof QuantQualityFactSchema>;
export type QuantSpeedFact = z.infer<typeof QuantSpeedFactSchema>;
export type QuantReference = z.infer<typeof QuantReferenceSchema>;
export type Catalog = z.infer<typeof CatalogSchema>;
/** The catalog as written in YAML, before defaults are filled in. */
export type CatalogInput = z.input<typeof CatalogSchema>;
