import type {Catalog} from "../../catalog/schema.js";
import type {ModelFacts, Sourced} from "../evidence.js";
import type {Amount, Finding, Reading} from "../findings.js";
import type {Baseline} from "../schema.js";
import {type BandResult, fromBand, provenance, sourceOf} from "./shared.js";

/**
 * Sizes a reduction or ratio is measured against. A baseline the claim names is used as named;
 * none named means the model's released 16-bit weights (the file people download to quantize),
 * never FP32. For a quant type in general (no model), the reference bits per weight stand in.
 */

export interface BaselineSize {
    /** As an editor reads it: "BF16", "F16", "FP32", "Q8_0". */
    name: string;
    bytes: Sourced<number>;
}

export function baselineSize(facts: ModelFacts, baseline: Baseline | null): BaselineSize | null {
    switch (baseline) {
        case "FP32":
        case "full-precision":
            return facts.f32Bytes ? {name: "FP32", bytes: facts.f32Bytes} : null;
        case "Q8_0": {
            const size = facts.fileBytes.get("Q8_0");
            return size ? {name: "Q8_0", bytes: size} : null;
        }
        default: {
            if (!facts.sixteenBitBytes) return null;
            const name = facts.fileBytes.has("BF16") ? "BF16" : facts.fileBytes.has("F16") ? "F16" : "16-bit";
            return {name, bytes: facts.sixteenBitBytes};
        }
    }
}

/** Every baseline worth stating as another reading. */
export const READING_BASELINES: Baseline[] = ["16-bit", "FP32", "Q8_0"];

/** Bits per weight of a quant type on the reference model, and of its 16-bit original. */
export function referenceBits(
    catalog: Catalog,
    quant: string
): {bits: number; sixteen: number; model: string; source: string} | null {
    const fact = catalog.quantReference.bitsPerWeight.find((item) => item.quant === quant);
    if (!fact) return null;
    const sixteen =
        catalog.quantReference.bitsPerWeight.find((item) => item.quant === "F16" && item.model === fact.model)
            ?.bitsPerWeight ?? 16;
    return {bits: fact.bitsPerWeight, sixteen, model: fact.model, source: fact.source};
}

export function referenceBaselineBits(baseline: Baseline | null, sixteen: number): {name: string; bits: number} | null {
    if (baseline === "FP32" || baseline === "full-precision") return {name: "FP32", bits: 32};
    if (baseline === "Q8_0") return null;
    return {name: baseline === "BF16" ? "BF16" : baseline === "F16" ? "F16" : "16-bit", bits: sixteen};
}

/**
 * Judge a figure that compares one quant's file with a baseline's size (a ratio "3.3x smaller" or a
 * saving "69%"): the figure against the baseline the claim names (16-bit when it names none), the
 * other baselines as readings, and both sizes as the basis. `measure` turns the two byte counts
 * into the claim's unit; `band` is that unit's tolerance.
 */
export function judgeAgainstBaselines(options: {
    claimedAmount: Amount;
    facts: ModelFacts;
    quant: string;
    file: Sourced<number>;
    base: BaselineSize;
    unit: "x" | "%";
    measure: (fileBytes: number, baselineBytes: number) => number;
    band: (value: number) => BandResult;
    subject: string;
}): Finding {
    const {claimedAmount, facts, quant, file, base, unit, measure, band} = options;
    const readings: Reading[] = [];
    for (const other of READING_BASELINES) {
        const alt = baselineSize(facts, other);
        if (!alt || alt.name === base.name || alt.bytes.value === base.bytes.value || other === quant) continue;
        const value = measure(file.value, alt.bytes.value);
        readings.push({
            label: `against ${alt.name}`,
            actual: {value, unit},
            holds: band(value).verdict === "supported"
        });
    }
    const actual = measure(file.value, base.bytes.value);
    return fromBand(band(actual), {
        subject: options.subject,
        actual: {value: actual, unit},
        claimed: claimedAmount,
        baseline: base.name,
        readings,
        basis: [
            provenance(`${quant} file`, file, "bytes", sourceOf(file.level, facts), "GB"),
            provenance(`${base.name} size`, base.bytes, "bytes", sourceOf(base.bytes.level, facts), "GB")
        ]
    });
}
