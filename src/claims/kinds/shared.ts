import {findModel, modelById} from "../../catalog/lookup.js";
import type {Catalog} from "../../catalog/schema.js";
import type {ModelFacts, Sourced} from "../evidence.js";
import {finding, strongestLevel, type Amount, type Finding, type FindingReason, type Provenance} from "../findings.js";
import {roundingHalfUnit} from "../quantities.js";
import type {ClaimedValue, EvidenceLevel} from "../schema.js";
import type {JudgeInput} from "./types.js";

/**
 * Helpers every judge shares: tolerance bands (one rule, stated once), bounds, provenance.
 * Tolerances follow docs/check.md: sizes and bits per weight ±3% (or the figure's rounding,
 * whichever is wider; ±5% when hedged with "about"), parameter counts ±5%, percentages ±3
 * points, ratios ±10%. A bound is judged against the bound itself; "near" bounds ("just
 * under", "a bit over") must also be within 15%, "clear" bounds ("well over") need a margin.
 */

export interface Tolerance {
    /** Relative share of the claimed value. */
    relative: number;
    /** Absolute, in the claimed unit (percentage points for %). */
    absolute: number;
    /** Relative widening for "about", "roughly". */
    approximate: number;
}

export const TOLERANCE = {
    size: {relative: 0.03, absolute: 0, approximate: 0.05},
    bits: {relative: 0.03, absolute: 0, approximate: 0.05},
    params: {relative: 0.05, absolute: 0, approximate: 0.08},
    percent: {relative: 0, absolute: 3, approximate: 0},
    ratio: {relative: 0.1, absolute: 0, approximate: 0.12},
    quality: {relative: 0.2, absolute: 0, approximate: 0.25},
    speed: {relative: 0.1, absolute: 0, approximate: 0.12}
} satisfies Record<string, Tolerance>;

/** How close a "near" bound must be, and the margin a "clear" bound needs (share of the figure; points for %). */
export const NEAR_SHARE = 0.15;
export const CLEAR_SHARE = 0.05;
export const CLEAR_POINTS = 3;
/** Published sizes are rounded: a bound this close to the truth is not decided. */
export const UNDECIDED_SHARE = 0.01;

export interface BandResult {
    verdict: "supported" | "refuted" | "inconclusive";
    reason: FindingReason;
    band: {low: number; high: number};
    bandWhy: string;
}

/**
 * Judge `actual` against a claimed figure `claimedValue` (both in the same unit) with its
 * comparator and closeness. `scale` converts the rounding half-unit of the written number into
 * the compared unit (e.g. 1e9 for "80" billion compared in parameters).
 */
export function judgeBand(
    actual: number,
    claimedValue: number,
    claimed: Pick<ClaimedValue, "comparator" | "closeness" | "numberText">,
    tolerance: Tolerance,
    scale = 1,
    points = false
): BandResult {
    const rounding = claimed.numberText ? roundingHalfUnit(claimed.numberText, claimedValue / scale) * scale : 0;
    const relative = claimed.closeness === "approximate" ? tolerance.approximate : tolerance.relative;
    let half = Math.max(
        Math.abs(claimedValue) * relative,
        tolerance.absolute,
        claimed.closeness === "exact" ? 0 : rounding
    );
    if (claimed.closeness === "exact") half = Math.max(rounding, Math.abs(claimedValue) * 0.005);
    const why =
        claimed.closeness === "exact"
            ? "exact: only the rounding of the figure"
            : half === rounding && rounding > 0
              ? `the rounding of "${claimed.numberText}"`
              : points
                ? `±${tolerance.absolute} points`
                : `±${Math.round(relative * 100)}%`;
    const undecided = Math.abs(claimedValue) * UNDECIDED_SHARE;
    switch (claimed.comparator) {
        case "at-most": {
            const low =
                claimed.closeness === "near"
                    ? claimedValue * (1 - NEAR_SHARE)
                    : claimed.closeness === "clear"
                      ? -Infinity
                      : -Infinity;
            const high =
                claimed.closeness === "clear"
                    ? claimedValue - (points ? CLEAR_POINTS : claimedValue * CLEAR_SHARE)
                    : claimedValue;
            const band = {low, high};
            if (actual <= high && actual >= low)
                return {verdict: "supported", reason: "bound-holds", band, bandWhy: boundWhy(claimed)};
            if (Math.abs(actual - high) <= undecided)
                return {verdict: "inconclusive", reason: "bound-fails", band, bandWhy: boundWhy(claimed)};
            return {
                verdict: "refuted",
                reason:
                    actual < low
                        ? "not-close"
                        : claimed.closeness === "clear" && actual <= claimedValue
                          ? "no-margin"
                          : "bound-fails",
                band,
                bandWhy: boundWhy(claimed)
            };
        }
        case "at-least": {
            const high = claimed.closeness === "near" ? claimedValue * (1 + NEAR_SHARE) : Infinity;
            const low =
                claimed.closeness === "clear"
                    ? claimedValue + (points ? CLEAR_POINTS : claimedValue * CLEAR_SHARE)
                    : claimedValue;
            const band = {low, high};
            if (actual >= low && actual <= high)
                return {verdict: "supported", reason: "bound-holds", band, bandWhy: boundWhy(claimed)};
            if (Math.abs(actual - low) <= undecided && claimed.closeness !== "clear")
                return {verdict: "inconclusive", reason: "bound-fails", band, bandWhy: boundWhy(claimed)};
            return {
                verdict: "refuted",
                reason:
                    actual > high
                        ? "not-close"
                        : claimed.closeness === "clear" && actual >= claimedValue
                          ? "no-margin"
                          : "bound-fails",
                band,
                bandWhy: boundWhy(claimed)
            };
        }
        case "not": {
            const band = {low: claimedValue - Math.max(rounding, half), high: claimedValue + Math.max(rounding, half)};
            const inside = actual >= band.low && actual <= band.high;
            return {
                verdict: inside ? "refuted" : "supported",
                reason: inside ? "negation-fails" : "negation-holds",
                band,
                bandWhy: `anything but ${claimed.numberText} (±${trim(Math.max(rounding, half) / scale)})`
            };
        }
        default: {
            const band = {low: claimedValue - half, high: claimedValue + half};
            const inside = actual >= band.low && actual <= band.high;
            return {
                verdict: inside ? "supported" : "refuted",
                reason: inside ? "matches" : "differs",
                band,
                bandWhy: why
            };
        }
    }
}

function boundWhy(claimed: Pick<ClaimedValue, "comparator" | "closeness">): string {
    const side = claimed.comparator === "at-most" ? "at most" : "at least";
    if (claimed.closeness === "near") return `${side}, and within ${Math.round(NEAR_SHARE * 100)}%`;
    if (claimed.closeness === "clear") return `${side}, with a clear margin`;
    return `a bound: ${side}`;
}

function trim(value: number): string {
    return String(Number(value.toPrecision(3)));
}

export function provenance(
    what: string,
    sourced: Sourced<number>,
    unit: Amount["unit"],
    source: string,
    byteUnit?: string
): Provenance {
    return {what, amount: {value: sourced.value, unit, byteUnit}, level: sourced.level, source, how: sourced.how};
}

export function sourceOf(level: EvidenceLevel, facts: ModelFacts): string {
    if (level === "header") return facts.header ? "GGUF header" : "GGUF header";
    if (level === "catalog") return "models.yaml";
    return level;
}

export function modelLabel(facts: ModelFacts): string {
    return facts.named.id === facts.measured.id
        ? facts.named.name
        : `${facts.named.name} (measured through ${facts.measured.name})`;
}

/** The finding when a claim has nothing to be judged against. */
export function noModel(input: {link: JudgeInput["link"]}, what: string): Finding {
    if (input.link.unknownMention)
        return finding({
            verdict: "inconclusive",
            reason: "unknown-model",
            subject: input.link.unknownMention,
            command: "llmproof models"
        });
    return finding({verdict: "inconclusive", reason: "no-model", subject: what});
}

/** A finding from a band result, with provenance and the corrected figure. */
export function fromBand(
    result: BandResult,
    parts: Omit<Partial<Finding>, "verdict" | "reason" | "band" | "bandWhy"> & {basis: Provenance[]}
): Finding {
    return finding({
        ...parts,
        verdict: result.verdict,
        reason: result.reason,
        band: result.band,
        bandWhy: result.bandWhy,
        evidenceLevel: strongestLevel(parts.basis),
        corrected: result.verdict === "refuted" ? (parts.actual ?? null) : null
    });
}

/** The catalog model a reference fact (quantReference) was measured on, if the catalog has it. */
export function referenceModelId(catalog: Catalog, name: string): string | null {
    return findModel(catalog, name)?.id ?? null;
}

export function modelName(catalog: Catalog, id: string): string {
    return modelById(catalog, id)?.name ?? id;
}
