import {z} from "zod";

/**
 * The fact-check data model: a claim found in an issue (or given in a sidecar), the evidence
 * gathered for it, and the verdict an editor can defend. Everything that leaves the process
 * (JSON report, verified-numbers block) and everything that enters it (sidecar files) goes
 * through these schemas.
 */

export const ClaimKindSchema = z.enum([
    "file-size",
    "size-reduction",
    "size-ratio",
    "parameter-count",
    "active-parameters",
    "bits-per-weight",
    "hardware-fit",
    "speed",
    "quality-loss",
    "unverifiable"
]);
export type ClaimKind = z.infer<typeof ClaimKindSchema>;

/** How the claimed figure relates to the truth: "= 75%", "over 60%", "no more than 5 GB", "not 4-bit". */
export const ComparatorSchema = z.enum(["eq", "at-least", "at-most", "not"]);
export type Comparator = z.infer<typeof ComparatorSchema>;
/** How close the truth must be (see lexicon/bounds.ts): "about", "exactly", "just under", "well over". */
export const ClosenessSchema = z.enum(["plain", "approximate", "exact", "near", "clear"]);

/**
 * What a size percentage or ratio is measured against. `16-bit` covers F16, FP16, BF16 and
 * "half precision" (all 2 bytes a weight); `original` is whatever the model was released in.
 */
export const BaselineSchema = z.enum(["16-bit", "F16", "BF16", "FP32", "full-precision", "original", "Q8_0"]);
export type Baseline = z.infer<typeof BaselineSchema>;

export const MemoryKindSchema = z.enum(["vram", "ram", "unified", "any"]);
export type MemoryKind = z.infer<typeof MemoryKindSchema>;

/** Hardware classes a "runs on ..." claim can name (lexicon/entities.ts holds what each spans). */
export const HardwareClassSchema = z.enum([
    "single-board",
    "phone",
    "consumer-gpu",
    "datacenter-gpu",
    "mac",
    "laptop",
    "desktop",
    "consumer",
    "edge",
    "memory"
]);
export type HardwareClass = z.infer<typeof HardwareClassSchema>;

/** Speed claims come as absolute throughput (tok/s), a ratio ("2x faster") or a direction ("lower latency"). */
export const SpeedFormSchema = z.enum(["tokens-per-second", "ratio", "qualitative"]);

/** Quality claims: a phrase ("minimal degradation", "practically lossless") graded by strictness, or a number. */
export const QualityStrictnessSchema = z.enum(["lossless", "negligible", "minimal", "numeric"]);
export type QualityStrictness = z.infer<typeof QualityStrictnessSchema>;

export const ClaimedValueSchema = z.object({
    /** The figure as written, e.g. "~60% size reduction", "80B", "three times smaller". */
    text: z.string(),
    /** The number in `unit`; null for claims without a figure ("runs on consumer hardware"). */
    value: z.number().nullable(),
    /** Normalized unit: "params" (count), "bytes" (with `byteUnit`), "%", "x", "bpw", "tok/s", "fraction", "kld". */
    unit: z.string().nullable(),
    /** The byte unit as written (GB, GiB, MB ...), because GB and GiB are judged differently. */
    byteUnit: z.string().nullable().default(null),
    /** The number exactly as written ("80", "4.2", "three"), which sets the rounding band. */
    numberText: z.string().nullable().default(null),
    /** Where the number sits inside `text`, so a corrected value can replace just that part. */
    numberSpan: z.tuple([z.number().int(), z.number().int()]).nullable().default(null),
    comparator: ComparatorSchema.default("eq"),
    closeness: ClosenessSchema.default("plain"),
    baseline: BaselineSchema.nullable().default(null),
    /** The baseline phrase as written ("than FP16", "vs the original"). */
    baselineText: z.string().nullable().default(null),
    /** A ratio or reduction written as "bigger" ("the F16 is three times bigger"): the same ratio seen from the baseline. */
    direction: z.enum(["smaller", "bigger", "faster", "slower"]).nullable().default(null)
});
export type ClaimedValue = z.infer<typeof ClaimedValueSchema>;
export type ClaimedValueInput = z.input<typeof ClaimedValueSchema>;

export const ClaimSubjectSchema = z.object({
    /** model: about one named model; quant: about a quantization type in general; general: neither. */
    type: z.enum(["model", "quant", "general"]),
    /** The model as named in the issue, if any ("Qwen3-Next-80B", "the Pro engine"). */
    mention: z.string().nullable(),
    /** Quantization type the claim is about (normalized, e.g. "Q4_K_M"), if any. */
    quant: z.string().nullable(),
    /** How the quant was found: named with the figure, from the text around it, or none. */
    quantSource: z.enum(["claim", "context", "none"]).default("none"),
    /** Catalog id the claim is about (linked from a catalog name or alias, or given in a sidecar). */
    modelId: z.string().nullable().default(null),
    /** How the model was found: in the claim's sentence, in its label/row, around it, or in a sidecar. */
    modelVia: z.enum(["quote", "label", "context", "sidecar"]).nullable().default(null),
    /** A second model the claim compares against ("18x smaller than Qwen2-72B"). */
    comparedMention: z.string().nullable().default(null),
    /** About models in general ("a 70B model"): never about the story's model. */
    generic: z.boolean().default(false)
});
export type ClaimSubject = z.infer<typeof ClaimSubjectSchema>;

export const MetricBoxRefSchema = z.object({
    /** Index of the box in the issue (0-based) and of the line in the box. */
    box: z.number().int().nonnegative(),
    line: z.number().int().nonnegative(),
    title: z.string(),
    label: z.string(),
    value: z.string()
});
export type MetricBoxRef = z.infer<typeof MetricBoxRefSchema>;

const ClaimBaseSchema = z.object({
    id: z.string(),
    /** The sentence, metric-box line or table cell the claim comes from, verbatim. */
    quote: z.string(),
    subject: ClaimSubjectSchema,
    claimed: ClaimedValueSchema,
    source: z.enum(["body", "metric-box", "table", "sidecar"]),
    box: MetricBoxRefSchema.nullable().default(null),
    /** 1-based line in the issue file where the quote starts. */
    line: z.number().int().positive().nullable().default(null),
    /** Offsets of the claimed figure in the issue text (null for sidecar claims). */
    span: z.tuple([z.number().int(), z.number().int()]).nullable().default(null),
    /** Nearby text, nearest first, kept for the report. */
    context: z.array(z.string()).default([])
});

export const HardwareTargetSchema = z.object({
    class: HardwareClassSchema,
    /** Stated memory capacity in bytes as written (24 GB → 24e9; its GiB reading is considered too); null when the class alone is named. */
    memoryBytes: z.number().nullable(),
    memoryKind: MemoryKindSchema,
    /** "fits" (the model runs on the hardware) or "needs" (the figure is the memory the model needs). */
    form: z.enum(["fits", "needs"]),
    /** The hardware.yaml device or class it names (a phrase or id findHardware resolves); null when none. */
    profile: z.string().nullable().default(null)
});

/**
 * A claim, keyed on its kind: each kind says what it must carry beyond the common fields, so a
 * new kind (src/claims/kinds/) is one more member here and the compiler lists what it must supply.
 */
export const ClaimSchema = z.discriminatedUnion("kind", [
    ClaimBaseSchema.extend({kind: z.literal("file-size")}),
    ClaimBaseSchema.extend({kind: z.literal("size-reduction")}),
    ClaimBaseSchema.extend({kind: z.literal("size-ratio")}),
    ClaimBaseSchema.extend({kind: z.literal("parameter-count")}),
    ClaimBaseSchema.extend({kind: z.literal("active-parameters")}),
    ClaimBaseSchema.extend({kind: z.literal("bits-per-weight")}),
    ClaimBaseSchema.extend({kind: z.literal("hardware-fit"), hardware: HardwareTargetSchema}),
    ClaimBaseSchema.extend({
        kind: z.literal("speed"),
        speed: z.object({
            form: SpeedFormSchema,
            direction: z.enum(["faster", "slower"]).default("faster"),
            /** Generation (tg) or prompt processing (pp). */
            phase: z.enum(["tg", "pp"]).default("tg"),
            /** The hardware it was measured on, as written ("a Raspberry Pi 5", "this machine"); null when none. */
            hardware: z.string().nullable().default(null)
        })
    }),
    ClaimBaseSchema.extend({
        kind: z.literal("quality-loss"),
        quality: z.object({
            strictness: QualityStrictnessSchema,
            metric: z.enum(["perplexity", "kld", "accuracy"]).nullable()
        })
    }),
    ClaimBaseSchema.extend({kind: z.literal("unverifiable"), reason: z.string()})
]);
export type Claim = z.infer<typeof ClaimSchema>;
export type ClaimInput = z.input<typeof ClaimSchema>;
export type ClaimOf<K extends ClaimKind> = Extract<Claim, {kind: K}>;

/** A metric box as found in the issue: heading plus `label value` lines. */
export const MetricBoxSchema = z.object({
    index: z.number().int().nonnegative(),
    title: z.string(),
    line: z.number().int().positive(),
    items: z.array(z.object({label: z.string(), value: z.string(), claimId: z.string()}))
});
export type MetricBox = z.infer<typeof MetricBoxSchema>;

// ---------------------------------------------------------------------------------------------
// Linking

export const ModelLinkSchema = z.object({
    /** Catalog model id. */
    id: z.string(),
    name: z.string(),
    /** How the link was made: named in the quote, named nearby, a proxy for an unpublished model, or every model of a quant type. */
    via: z.enum(["quote", "label", "context", "sidecar", "proxy", "quant-type"]),
    /** Set when the issue names a model the catalog maps to a proxy (adapter, unknown GGUF). */
    note: z.string().nullable().default(null)
});
export type ModelLink = z.infer<typeof ModelLinkSchema>;

export const ClaimLinkSchema = z.object({
    models: z.array(ModelLinkSchema),
    compared: ModelLinkSchema.nullable().default(null),
    /** Quant type the claim is judged at and why ("named", "context", "catalog default"). */
    quant: z.string().nullable(),
    quantSource: z.enum(["claim", "context", "default", "none"]),
    /** A named thing the catalog does not hold (so the claim cannot be checked) and what the catalog says of it. */
    unknownMention: z.string().nullable().default(null),
    notBenchmarkable: z.string().nullable().default(null)
});
export type ClaimLink = z.infer<typeof ClaimLinkSchema>;

// ---------------------------------------------------------------------------------------------
// Evidence and verdicts

/** Strongest last: recorded facts < live GGUF header < shape-twin measured here < real weights measured here. */
/** `estimate` is reserved for the physics-based estimator (roofline speed, memory) when it is plugged in. */
export const EvidenceLevelSchema = z.enum(["catalog", "header", "estimate", "twin", "measured"]);
export type EvidenceLevel = z.infer<typeof EvidenceLevelSchema>;
export const EVIDENCE_STRENGTH: Record<EvidenceLevel, number> = {
    catalog: 0,
    header: 1,
    estimate: 2,
    twin: 3,
    measured: 4
};

export const EvidenceSchema = z.object({
    level: EvidenceLevelSchema,
    /** Catalog model id the facts are about. */
    modelId: z.string().nullable(),
    /** Quant type the facts are about, if any. */
    quant: z.string().nullable(),
    /** The facts themselves, flat and JSON-friendly (bytes, params, bpw, tok/s ...). */
    facts: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
    /** Where they came from: "models.yaml", a GGUF URL or path, a results file. */
    source: z.string(),
    /** The llmproof command that reproduces this evidence. */
    command: z.string().nullable()
});
export type Evidence = z.infer<typeof EvidenceSchema>;

/** Evidence that was wanted but could not be had, and how to get it. */
export const MissingEvidenceSchema = z.object({
    level: EvidenceLevelSchema,
    reason: z.string(),
    command: z.string().nullable()
});
export type MissingEvidence = z.infer<typeof MissingEvidenceSchema>;

export const VerdictKindSchema = z.enum(["supported", "refuted", "inconclusive", "unverifiable"]);
export type VerdictKind = z.infer<typeof VerdictKindSchema>;

export const VerdictSchema = z.object({
    verdict: VerdictKindSchema,
    /** The true figure, in the claim's terms ("79.67B params", "69.5% smaller than BF16"). */
    actual: z.string().nullable(),
    /** The corrected figure with its unit (refuted claims), e.g. "69.5%", "79.67B", "48.7 GB". */
    correctedValue: z.string().nullable(),
    /** Just the number of the corrected figure, in the unit the claim was written in ("69.5"), to replace the claimed number in place. */
    correctedNumber: z.string().nullable().default(null),
    /** Why: the rule applied, the tolerance, the baseline and unit readings considered. */
    note: z.string(),
    /** The evidence level the verdict stands on (null when no evidence was used). */
    evidenceLevel: EvidenceLevelSchema.nullable(),
    /** The tolerance applied, stated for the editor ("±5% (rounding band of '80B')"). */
    tolerance: z.string().nullable(),
    /** For inconclusive verdicts: the command that would get the missing evidence. */
    command: z.string().nullable(),
    /** The plain first sentence an editor can print. */
    summary: z.string().default(""),
    /** Other readings of an ambiguous claim and whether each holds ("against FP32: true"). */
    readings: z.array(z.object({label: z.string(), actual: z.string(), holds: z.boolean()})).default([])
});
export type Verdict = z.infer<typeof VerdictSchema>;

export const CheckedClaimSchema = z.object({
    claim: ClaimSchema,
    link: ClaimLinkSchema,
    evidence: z.array(EvidenceSchema),
    missing: z.array(MissingEvidenceSchema),
    verdict: VerdictSchema
});
export type CheckedClaim = z.infer<typeof CheckedClaimSchema>;

// ---------------------------------------------------------------------------------------------
// Verified numbers

export const VerifiedNumberSchema = z.object({
    label: z.string(),
    /** As printed in the issue. */
    claimed: z.string(),
    /** What to print instead: the claimed value if confirmed, the corrected one if refuted. */
    verified: z.string(),
    mark: z.enum(["✔", "✘", "?"]),
    verdict: VerdictKindSchema,
    claimId: z.string(),
    note: z.string()
});
export type VerifiedNumber = z.infer<typeof VerifiedNumberSchema>;

export const VerifiedBoxSchema = z.object({
    title: z.string(),
    items: z.array(VerifiedNumberSchema)
});
export type VerifiedBox = z.infer<typeof VerifiedBoxSchema>;

// ---------------------------------------------------------------------------------------------
// Report

export const VerdictCountsSchema = z.object({
    supported: z.number().int().nonnegative(),
    refuted: z.number().int().nonnegative(),
    inconclusive: z.number().int().nonnegative(),
    unverifiable: z.number().int().nonnegative()
});
export type VerdictCounts = z.infer<typeof VerdictCountsSchema>;

export const IssueReportSchema = z.object({
    /** File path or "<text>". */
    issue: z.string(),
    title: z.string().nullable(),
    mode: z.object({offline: z.boolean(), measure: z.boolean()}),
    claims: z.array(CheckedClaimSchema),
    boxes: z.array(MetricBoxSchema),
    verifiedNumbers: z.array(VerifiedBoxSchema),
    counts: VerdictCountsSchema,
    /** Problems met while checking that did not stop it (catalog entry missing a file, header read failed ...). */
    warnings: z.array(z.string()),
    /** Set when this issue could not be checked at all (the other issues of a run still are). */
    error: z.string().nullable().default(null)
});
export type IssueReport = z.infer<typeof IssueReportSchema>;

/** One claim as printed by `--json`: flat, with the names the issue asked for. */
export const JsonClaimSchema = z.object({
    id: z.string(),
    quote: z.string(),
    kind: ClaimKindSchema,
    source: z.enum(["body", "metric-box", "table", "sidecar"]),
    box: z.object({title: z.string(), label: z.string()}).nullable(),
    line: z.number().int().nullable().default(null),
    span: z.tuple([z.number().int(), z.number().int()]).nullable().default(null),
    summary: z.string().default(""),
    readings: z.array(z.object({label: z.string(), actual: z.string(), holds: z.boolean()})).default([]),
    model: z.string().nullable(),
    quant: z.string().nullable(),
    claimed: z.string(),
    actual: z.string().nullable(),
    correctedValue: z.string().nullable(),
    verdict: VerdictKindSchema,
    evidence: EvidenceLevelSchema.nullable(),
    evidenceDetail: z.array(EvidenceSchema),
    tolerance: z.string().nullable(),
    command: z.string().nullable(),
    note: z.string()
});
export type JsonClaim = z.infer<typeof JsonClaimSchema>;

export const JsonIssueReportSchema = z.object({
    issue: z.string(),
    title: z.string().nullable(),
    mode: z.object({offline: z.boolean(), measure: z.boolean()}),
    counts: VerdictCountsSchema,
    claims: z.array(JsonClaimSchema),
    verifiedNumbers: z.array(VerifiedBoxSchema),
    warnings: z.array(z.string()),
    error: z.string().nullable().default(null)
});
export type JsonIssueReport = z.infer<typeof JsonIssueReportSchema>;

export const JsonCheckOutputSchema = z.object({
    tool: z.literal("llmproof"),
    version: z.string(),
    issues: z.array(JsonIssueReportSchema)
});
export type JsonCheckOutput = z.infer<typeof JsonCheckOutputSchema>;

// ---------------------------------------------------------------------------------------------
// Sidecar: claims an editor states explicitly (YAML or JSON)

export const SidecarClaimSchema = z
    .object({
        quote: z.string().min(1),
        kind: ClaimKindSchema,
        /** Catalog id or any name/alias the catalog knows. */
        model: z.string().optional(),
        /** Model the claim compares against (size-ratio). */
        comparedTo: z.string().optional(),
        quant: z.string().optional(),
        /** The figure as written ("80B", "~60%", "24 GB", "18x"); parsed like issue text. */
        claimed: z.string().optional(),
        baseline: BaselineSchema.optional(),
        hardware: HardwareClassSchema.optional(),
        /** For unverifiable claims. */
        reason: z.string().optional(),
        /** Put the claim in a metric box of the verified-numbers block. */
        box: z.object({title: z.string(), label: z.string()}).optional()
    })
    .strict();
export type SidecarClaim = z.infer<typeof SidecarClaimSchema>;

export const SidecarFileSchema = z
    .object({
        /** Issue file names (basenames) the claims apply to; absent = every issue checked. */
        issue: z.union([z.string(), z.array(z.string())]).optional(),
        claims: z.array(SidecarClaimSchema).min(1)
    })
    .strict();
export type SidecarFile = z.infer<typeof SidecarFileSchema>;
