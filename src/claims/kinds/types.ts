import type {HardwareTarget} from "../../catalog/hardware.js";
import type {Catalog} from "../../catalog/schema.js";
import type {FitJudgement, SpeedJudgement, SpeedupJudgement} from "../../estimate/verdicts.js";
import type {GatheredEvidence} from "../evidence.js";
import type {Finding} from "../findings.js";
import type {Quantity} from "../quantities.js";
import type {Claim, ClaimKind, ClaimLink, ClaimOf, EvidenceLevel} from "../schema.js";

/**
 * The contract every claim kind fulfils (one module per kind in this folder, listed in
 * ./index.ts). A kind says which figures it reads, how sure it is that a figure in its
 * surroundings is its kind, what evidence it needs, and how it judges: judges return a typed
 * Finding (numbers, bands, readings), and src/claims/render.ts writes the English.
 */

/** A figure with the words around it, as the extractor hands it to every kind. */
export interface FigureContext {
    quantity: Quantity;
    /** The whole unit (sentence, box line "label value", table cell "row header: value"). */
    text: string;
    /** Lower-cased words of the same clause before and after the figure (at most 12 each). */
    before: string;
    after: string;
    /** Lower-cased sentence (or label + value). */
    sentence: string;
    /** Label of a box line or a table cell (row label + column header), lower-cased; "" in prose. */
    label: string;
    where: "body" | "box" | "table" | "heading";
    /** A catalog model is named in this sentence (or label/row/caption for boxes and tables). */
    namesModel: boolean;
    /** A quantization type is named near the figure. */
    namesQuant: boolean;
    /** The previous sentence when it is a question (an answer takes its cues). */
    question: string;
}

/** What a kind makes of a figure: its confidence (0 = not mine) and the kind-specific fields of the claim. */
export interface Detection<K extends ClaimKind = ClaimKind> {
    score: number;
    /** Kind-specific fields (hardware target, speed form, quality strictness, reason). */
    extra?: Partial<Omit<ClaimOf<K>, "kind">> & Record<string, unknown>;
    /** Claimed value overrides (unit, direction, baseline ...). */
    claimed?: Record<string, unknown>;
    /** A generic subject ("a 1B model"): not about any model. */
    generic?: boolean;
}

export interface JudgeInput<K extends ClaimKind = ClaimKind> {
    claim: ClaimOf<K>;
    link: ClaimLink;
    gathered: GatheredEvidence;
    catalog: Catalog;
    /** The physics estimator (src/claims/estimator.ts); absent when hardware.yaml cannot be read. */
    estimator?: Estimator | null;
}

/**
 * The hook speed and fit judges call for the `estimate` evidence level (between `header` and
 * `twin`): src/estimate's pure verdict API on hardware.yaml's profiles, with the model's bytes per
 * token from the catalog (shape or published facts). Every method returns null when it cannot say
 * (no profile, no facts for that model and quant).
 */
export interface Estimator {
    /** The profile a hardware phrase names: a device, a class, or this machine (only when calibrated). */
    target(phrase: string): HardwareTarget | "this-machine" | null;
    speed(input: {
        modelId: string;
        quant: string;
        claimedTokensPerSecond: number;
        phase: "tg" | "pp";
        target: HardwareTarget | "this-machine";
        /** The claim's own rounding, as a share of the figure, added to the room before refuting. */
        tolerance: number;
    }): SpeedJudgement | null;
    speedup(input: {
        modelId: string;
        faster: string;
        slower: string;
        claimedRatio: number;
        tolerance: number;
    }): SpeedupJudgement | null;
    fit(input: {modelId: string; quant: string; target: HardwareTarget}): FitJudgement | null;
    /** A profile's kind ("gpu", "apple", "cpu", "sbc", "phone"), for the memory words of a note. */
    deviceKind(deviceId: string): string | null;
}

export interface KindModule<K extends ClaimKind = ClaimKind> {
    kind: K;
    /** One line for docs/check.md. */
    description: string;
    /** Evidence levels this kind can stand on, weakest first. */
    evidence: readonly EvidenceLevel[];
    /** Judged at a quantization (the file's, the baseline's). */
    needsQuant: boolean;
    /** Can be judged across every catalog model of a quant type when no model is named. */
    survey: boolean;
    /** How sure this kind is that the figure is its claim (0 = not mine). */
    detect(context: FigureContext): Detection<K> | null;
    judge(input: JudgeInput<K>): Finding;
    /** Phrases that must be read as this kind, with the figure: they become tests. */
    examples: {text: string; value: number | null; unit?: string; comparator?: string; model?: string}[];
    /** Phrases that must not be read as this kind. */
    counterExamples: string[];
}

export type AnyClaim = Claim;
