import type {FitJudgement, SpeedJudgement, SpeedupJudgement} from "../estimate/verdicts.js";
import type {EvidenceLevel, VerdictKind} from "./schema.js";

/**
 * What a judge finds, as numbers and typed facts. No English here: src/claims/render.ts writes
 * the editor's sentence, the working and the sources from a Finding, in one place.
 */

export type AmountUnit = "bytes" | "params" | "%" | "x" | "bpw" | "tok/s" | "kld" | "fraction";

export interface Amount {
    value: number;
    unit: AmountUnit;
    /** For bytes: the unit to print in ("GB", "GiB", "MB"). */
    byteUnit?: string;
}

/** Why a verdict came out as it did; render.ts has one sentence pattern per reason. */
export type FindingReason =
    | "matches"
    | "differs"
    | "bound-holds"
    | "bound-fails"
    | "not-close"
    | "no-margin"
    | "negation-holds"
    | "negation-fails"
    | "fits"
    | "does-not-fit"
    | "tight-fit"
    | "class-partial"
    | "class-none"
    | "physics-limit"
    | "above-bound"
    | "within-bound"
    | "no-model"
    | "unknown-model"
    | "other-model"
    | "no-figure"
    | "no-facts"
    | "needs-measurement"
    | "other-quant"
    | "unverifiable";

export interface Provenance {
    /** What the figure is ("Q4_K_M file", "BF16 file", "parameters", "Q4_K_M tok/s on the reference machine"). */
    what: string;
    amount: Amount;
    level: EvidenceLevel;
    /** Where it comes from: "models.yaml", a URL, a results file, a README. */
    source: string;
    /** How it was obtained when that matters ("published size, rounded", "computed: parameters × 2 bytes"). */
    how: string | null;
}

export interface Reading {
    /** The reading ("against FP32", "at Q8_0", "as GiB"). */
    label: string;
    actual: Amount;
    holds: boolean;
}

export interface Finding {
    verdict: VerdictKind;
    reason: FindingReason;
    /** The thing measured, for the sentence: "the Q4_K_M file of Qwen3-4B", "Q4_K_M's speed-up over F16". */
    subject: string;
    actual: Amount | null;
    claimed: Amount | null;
    /** The range the claim allows, in the actual's unit. */
    band: {low: number; high: number} | null;
    /** Why the band is what it is ("±3%", "rounding of '2.5'", "a bound: at most"). */
    bandWhy: string | null;
    /** The baseline a ratio or reduction is taken against, as judged. */
    baseline: string | null;
    /** Other readings of an ambiguous claim and whether each holds. */
    readings: Reading[];
    basis: Provenance[];
    /** Extra facts an editor needs (typed as short clauses, rendered as-is after the working). */
    facts: string[];
    evidenceLevel: EvidenceLevel | null;
    /** llmproof's own command that gets stronger evidence. */
    command: string | null;
    /** For refuted claims: the value to print instead, in the claim's unit. */
    corrected: Amount | null;
    /** The estimator's judgement behind an `estimate`-level finding (its renderer writes the working). */
    estimate: SpeedJudgement | SpeedupJudgement | FitJudgement | null;
    /** For `class-partial`: what a device of the class needs for the claim to hold. */
    partialFit: PartialFit | null;
}

/** A class claim that holds only for some of its devices ("runs on a phone"): the memory it takes. */
export interface PartialFit {
    /** The least memory (GB) that holds the model. */
    enoughGB: number;
    /** `enoughGB` is a rounded tier ("about 16 GB"), not a profile's own size ("12 GB or more"). */
    approximate: boolean;
    /** What memory ("unified memory", "VRAM"); empty for memory in general. */
    memoryKinds: string[];
    /** The need, when the sentence should say it (bytes). */
    needBytes: number | null;
    /** No consumer graphics card holds it (worth saying when the class includes GPUs). */
    noConsumerGpu: boolean;
}

export function finding(partial: Partial<Finding> & Pick<Finding, "verdict" | "reason">): Finding {
    return {
        subject: "",
        actual: null,
        claimed: null,
        band: null,
        bandWhy: null,
        baseline: null,
        readings: [],
        basis: [],
        facts: [],
        evidenceLevel: null,
        command: null,
        corrected: null,
        estimate: null,
        partialFit: null,
        ...partial
    };
}

const STRENGTH: Record<EvidenceLevel, number> = {catalog: 0, header: 1, estimate: 2, twin: 3, measured: 4};

/** The strongest level among the figures a finding stands on. */
export function strongestLevel(basis: readonly Provenance[]): EvidenceLevel | null {
    let best: EvidenceLevel | null = null;
    for (const item of basis) if (best === null || STRENGTH[item.level] > STRENGTH[best]) best = item.level;
    return best;
}
