import {findModel, modelById} from "../catalog/lookup.js";
import type {Catalog} from "../catalog/schema.js";
import {parseNumber, roundingHalfUnit} from "./text.js";
import type {GatheredEvidence, ModelFacts, Sourced} from "./evidence.js";
import {catalogCommandRef} from "./evidence.js";
import {
    EVIDENCE_STRENGTH,
    VerdictSchema,
    type Claim,
    type ClaimedValue,
    type ClaimLink,
    type EvidenceLevel,
    type HardwareClass,
    type QualityStrictness,
    type Verdict
} from "./schema.js";

/**
 * Verdict rules, one per claim kind. Every rule states its tolerance in the note, considers both
 * byte units where a claim says "GB", names the baseline a percentage is taken against, and
 * never calls a claim supported unless the figure holds under a stated reading. When a figure is
 * missing the verdict is inconclusive and names the command that would get it.
 */

// ---------------------------------------------------------------------------------------------
// Stated tolerances (docs/check.md prints the same numbers)

/** A count is read with the precision it is written in ("80B" = 75–85B), never tighter than ±2% or looser than ±10%; "~" widens to ±5%. */
export const PARAMS_BAND = {min: 0.02, max: 0.1, approximate: 0.05};
/** File sizes: the same rounding reading, ±2% to ±10%; a published (rounded) catalog size adds 1%. */
export const SIZE_BAND = {min: 0.02, max: 0.1, approximate: 0.05, roundedSource: 0.01};
/** Size reductions in percentage points: half a unit of the last digit, at least 1.5 and at most 3 points; "~" gives 3. */
export const PERCENT_BAND = {min: 1.5, max: 3, approximate: 3};
/** Ratios ("18x smaller"): ±3% to ±10%, "~" ±5%. */
export const RATIO_BAND = {min: 0.03, max: 0.1, approximate: 0.05};
/** Bits per weight: ±0.05 to ±0.25 bpw. */
export const BPW_BAND = {min: 0.05, max: 0.25, approximate: 0.25};
/** A speed claim is met when this machine reaches 90% of it. */
export const SPEED_MET = 0.9;
/** Memory: a catalog estimate within this fraction of a limit is too close to call. */
export const MEMORY_MARGIN = 0.1;

/**
 * Hardware a "runs on ..." claim names, as memory the model can use. Memory is sold in binary
 * sizes (a "24 GB" card has 24 GiB); a GPU leaves 95% of it to a model, a computer's RAM 80%
 * (the system and other programs keep the rest), a phone 50%.
 */
export const HARDWARE_LIMITS: Record<Exclude<HardwareClass, "memory">, {gib: number; usable: number; what: string}> = {
    "consumer-gpu": {gib: 24, usable: 0.95, what: "a 24 GB consumer GPU (RTX 3090/4090 class)"},
    consumer: {gib: 32, usable: 0.8, what: "consumer hardware: a 24 GB GPU or a PC with 32 GB of RAM"},
    laptop: {gib: 16, usable: 0.8, what: "a laptop with 16 GB of RAM"},
    desktop: {gib: 32, usable: 0.8, what: "a desktop with 32 GB of RAM"},
    smartphone: {gib: 8, usable: 0.5, what: "a phone with 8 GB of RAM"},
    edge: {gib: 8, usable: 0.8, what: "an edge device with 8 GB of RAM (Jetson Orin Nano, Raspberry Pi 5 class)"},
    "single-gpu": {gib: 80, usable: 0.95, what: "a single 80 GB data-centre GPU (H100/A100 class)"}
};

/** Quality phrases graded by the perplexity increase and KL divergence they allow (vs the 16-bit model). */
export const QUALITY_LIMITS: Record<
    Exclude<QualityStrictness, "numeric">,
    {pplPercent: number; kld: number; words: string}
> = {
    lossless: {pplPercent: 0.5, kld: 0.005, words: "lossless / no loss"},
    negligible: {pplPercent: 1, kld: 0.01, words: "preserves / maintains accuracy, negligible loss"},
    minimal: {pplPercent: 5, kld: 0.05, words: "minimal / small degradation"}
};

const GB = 1e9;
const GIB = 2 ** 30;

export interface Comparison {
    a: {name: string; params: Sourced<number>};
    b: {name: string; params: Sourced<number>};
}

export interface JudgeInput {
    claim: Claim;
    link: ClaimLink;
    gathered: GatheredEvidence;
    catalog: Catalog;
    /** For ratio claims: two models the claim compares (found in the quote or in its metric box). */
    comparison?: Comparison | null;
}

type Partial = Omit<
    Verdict,
    "evidenceLevel" | "tolerance" | "command" | "correctedValue" | "correctedNumber" | "actual"
> & {
    actual?: string | null;
    correctedValue?: string | null;
    correctedNumber?: string | null;
    evidenceLevel?: EvidenceLevel | null;
    tolerance?: string | null;
    command?: string | null;
};

function make(verdict: Partial): Verdict {
    return VerdictSchema.parse({
        actual: null,
        correctedValue: null,
        correctedNumber: null,
        evidenceLevel: null,
        tolerance: null,
        command: null,
        ...verdict
    });
}

// ---------------------------------------------------------------------------------------------
// Formatting

export function formatParams(count: number): string {
    if (count >= 1e12) return `${trim(count / 1e12, 2)}T`;
    if (count >= 1e9) return `${trim(count / 1e9, count >= 1e11 ? 2 : 2)}B`;
    if (count >= 1e6) return `${trim(count / 1e6, 0)}M`;
    return `${trim(count / 1e3, 0)}K`;
}

function trim(value: number, digits: number): string {
    return Number(value.toFixed(digits)).toString();
}

export function formatBothUnits(bytes: number): string {
    if (bytes >= 1e9) return `${trim(bytes / GB, 2)} GB (${trim(bytes / GIB, 2)} GiB)`;
    return `${trim(bytes / 1e6, 0)} MB (${trim(bytes / 2 ** 20, 0)} MiB)`;
}

function percent(fraction: number, digits = 1): string {
    return `${(fraction * 100).toFixed(digits)}%`;
}

/** Scale of the written number: "310" written for 0.31 (billions) → 1e-3. */
function writtenScale(claimed: ClaimedValue): number {
    const written = claimed.numberText ? parseNumber(claimed.numberText) : null;
    return written && claimed.value ? claimed.value / written : 1;
}

/** Half a unit of the claim's last written digit, in the claim's value unit. */
function halfUnit(claimed: ClaimedValue): number {
    const value = claimed.value ?? 0;
    return roundingHalfUnit(claimed.numberText, value / writtenScale(claimed)) * writtenScale(claimed);
}

interface Band {
    /** Allowed absolute difference, in the claim's unit. */
    absolute: number;
    text: string;
}

function relativeBand(claimed: ClaimedValue, limits: {min: number; max: number; approximate: number}, extra = 0): Band {
    const value = Math.abs(claimed.value ?? 0);
    let relative = value === 0 ? limits.min : halfUnit(claimed) / value;
    relative = Math.min(Math.max(relative, limits.min), limits.max);
    if (claimed.approximate) relative = Math.max(relative, limits.approximate);
    relative += extra;
    const why = claimed.approximate
        ? "an approximate figure"
        : `the rounding band of a figure written "${claimed.numberText ?? claimed.value}"`;
    return {
        absolute: value * relative,
        text: `±${trim(relative * 100, 1)}% (${why}${extra ? `, +${trim(extra * 100, 1)}% for a rounded published size` : ""})`
    };
}

function absoluteBand(
    claimed: ClaimedValue,
    limits: {min: number; max: number; approximate: number},
    unit: string
): Band {
    let band = Math.min(Math.max(halfUnit(claimed), limits.min), limits.max);
    if (claimed.approximate) band = Math.max(band, limits.approximate);
    const why = claimed.approximate
        ? "an approximate figure"
        : `the rounding band of "${claimed.numberText ?? claimed.value}"`;
    return {absolute: band, text: `±${trim(band, 2)} ${unit} (${why})`};
}

/** Whether `actual` satisfies the claim under its comparator and band. */
function holds(actual: number, claimed: ClaimedValue, band: Band): boolean {
    const value = claimed.value ?? 0;
    switch (claimed.comparator) {
        case "at-least":
            return actual >= value - band.absolute;
        case "at-most":
            return actual <= value + band.absolute;
        case "up-to":
            return actual >= value - band.absolute;
        default:
            return Math.abs(actual - value) <= band.absolute;
    }
}

function comparatorWords(claimed: ClaimedValue): string {
    return {"at-least": "at least", "at-most": "at most", "up-to": "up to", eq: ""}[claimed.comparator];
}

function strongest(...levels: (EvidenceLevel | null | undefined)[]): EvidenceLevel | null {
    let best: EvidenceLevel | null = null;
    for (const level of levels)
        if (level && (best === null || EVIDENCE_STRENGTH[level] > EVIDENCE_STRENGTH[best])) best = level;
    return best;
}

function how(source: Sourced<unknown> | null | undefined): string {
    return source?.how ? ` (${source.how.replace(/\.\s*$/, "")})` : "";
}

// ---------------------------------------------------------------------------------------------
// Entry point

export function judgeClaim(input: JudgeInput): Verdict {
    const {claim, link, gathered} = input;
    const extraNotes = namingNotes(input);
    const verdict = judgeKind(input);
    const notes = [
        verdict.note,
        ...extraNotes,
        ...(verdict.verdict === "unverifiable" ? [] : linkNotes(link, claim))
    ].filter((note) => note !== "");
    const missingCommand =
        verdict.command ??
        (verdict.verdict === "inconclusive" ? (gathered.missing.find((item) => item.command)?.command ?? null) : null);
    return {...verdict, note: notes.join(" "), command: missingCommand};
}

function judgeKind(input: JudgeInput): Verdict {
    const {claim, link, gathered} = input;
    if (claim.kind === "unverifiable")
        return make({
            verdict: "unverifiable",
            note: `Not checkable: ${claim.unverifiableReason ?? "outside what this tool measures"}.`
        });
    if (link.unknownMention && link.models.length === 0)
        return make({
            verdict: "inconclusive",
            note: `"${link.unknownMention}" is not in the catalog, so there is nothing to check it against. Add it to models.yaml, or read its GGUF header directly.`,
            command: `llmproof inspect hf:<owner>/<repo>/<file>.gguf`
        });
    if (link.models.length === 0) {
        const why = claim.subject.generic
            ? "it is about models in general"
            : "it names no model and no quantization type the catalog knows";
        return make({verdict: "unverifiable", note: `Not checkable: ${why}, so there is no file to measure.`});
    }
    const primary = modelById(input.catalog, link.models[0]!.id)!;
    if (link.notBenchmarkable && !["parameter-count", "active-parameters"].includes(claim.kind))
        return make({
            verdict: "unverifiable",
            note: `Not checkable: ${primary.name} is not something llama.cpp runs (${link.notBenchmarkable})`
        });
    if (gathered.facts.length === 0)
        return make({verdict: "inconclusive", note: "No facts were gathered for this claim."});

    switch (claim.kind) {
        case "parameter-count":
            return judgeParams(input, false);
        case "active-parameters":
            return judgeParams(input, true);
        case "file-size":
            return judgeFileSize(input);
        case "size-reduction":
            return judgeReduction(input);
        case "size-ratio":
            return judgeRatio(input);
        case "bits-per-weight":
            return judgeBitsPerWeight(input);
        case "hardware-fit":
            return judgeHardware(input);
        case "speed":
            return judgeSpeed(input);
        case "quality-loss":
            return judgeQuality(input);
    }
}

function linkNotes(link: ClaimLink, claim: Claim): string[] {
    const notes: string[] = [];
    const first = link.models[0];
    if (first && first.via === "context")
        notes.push(`Read as a claim about ${first.name}, the model the surrounding text is about.`);
    const proxy = link.models.find((model) => model.via === "proxy");
    if (proxy?.note) notes.push(`${proxy.note}.`);
    if (
        link.quant &&
        link.quantSource === "default" &&
        claim.kind !== "parameter-count" &&
        claim.kind !== "active-parameters"
    )
        notes.push(`No quantization is named; judged at ${link.quant}, the catalog's default.`);
    if (link.quant && link.quantSource === "context" && claim.kind !== "parameter-count")
        notes.push(`Judged at ${link.quant}, the quantization the surrounding text names.`);
    return notes;
}

/** "A3B" in a MoE model's name means ~3B active parameters per token; say so wherever a quote uses it. */
function namingNotes(input: JudgeInput): string[] {
    const notes: string[] = [];
    const match = /\bA(\d+(?:\.\d+)?)B\b/.exec(input.claim.quote);
    const model = input.link.models[0] ? modelById(input.catalog, input.link.models[0]!.id) : undefined;
    if (match && model?.moe) {
        const experts = model.moe.experts
            ? ` (mixture of experts: ${model.moe.experts} experts, ${model.moe.expertsUsed ?? "?"} routed per token${model.moe.sharedExperts ? ` + ${model.moe.sharedExperts} shared` : ""})`
            : " (mixture of experts)";
        notes.push(
            `In the name, "A${match[1]}B" means about ${match[1]}B parameters active per token${experts}; it says nothing about instruction following or quality.`
        );
    }
    const qualifiers = input.claim.claimed.qualifiers.filter((word) => ["optimized", "efficient"].includes(word));
    if (qualifiers.length > 0) notes.push(`"${qualifiers.join(", ")}" is not a measurable property and is not judged.`);
    return notes;
}

function facts0(input: JudgeInput): ModelFacts {
    return input.gathered.facts[0]!;
}

function refOf(input: JudgeInput): string {
    const facts = facts0(input);
    return catalogCommandRef(facts.measured, facts.quant ?? input.link.quant);
}

// ---------------------------------------------------------------------------------------------
// Parameter counts

function judgeParams(input: JudgeInput, active: boolean): Verdict {
    const {claim} = input;
    const facts = facts0(input);
    const claimedB = claim.claimed.value;
    if (claimedB == null) return make({verdict: "inconclusive", note: "The claim gives no figure to check."});
    const actual = active ? facts.activeParams : facts.params;
    const moe = facts.named.moe ?? facts.measured.moe;
    const nominalB = active
        ? (moe?.activeParamsB ?? null)
        : (facts.named.nominalParamsB ?? facts.measured.nominalParamsB);
    const band = relativeBand(claim.claimed, PARAMS_BAND);
    const scale = writtenScale(claim.claimed);
    const what = active ? "active parameters per token" : "parameters";
    const unitLetter = scale >= 1 - 1e-9 ? "B" : scale >= 1e-3 - 1e-12 ? "M" : "K";
    const correctedNumber = (count: number): string => trim(count / 1e9 / scale, unitLetter === "B" ? 2 : 0);
    const nameRule = nominalB != null && Math.abs(claimedB - nominalB) <= nominalB * 0.005;
    const extra = facts.named.kind === "lora-adapter" && facts.named.paramsNote ? ` ${facts.named.paramsNote}` : "";

    if (active && !moe && actual) {
        const ok = holds(actual.value / 1e9, claim.claimed, band);
        return make({
            verdict: ok ? "supported" : "refuted",
            actual: `${formatParams(actual.value)} (dense: all active)`,
            correctedValue: ok ? null : `${correctedNumber(actual.value)}${unitLetter}`,
            correctedNumber: ok ? null : correctedNumber(actual.value),
            note: `${facts.named.name} is a dense model, so every one of its ${formatParams(actual.value)} parameters is active.`,
            evidenceLevel: actual.level,
            tolerance: band.text
        });
    }
    if (!actual) {
        if (nameRule)
            return make({
                verdict: "supported",
                actual: `${trim(nominalB!, 3)}B by name`,
                evidenceLevel: "catalog",
                tolerance: "naming convention",
                note: `Matches the size in the model's name; the exact count is not recorded in the catalog.${extra}`,
                command: `llmproof inspect ${refOf(input)}`
            });
        if (nominalB != null && !holds(nominalB, claim.claimed, {absolute: claimedB * PARAMS_BAND.max, text: ""}))
            return make({
                verdict: "refuted",
                actual: `${trim(nominalB, 3)}B by name`,
                correctedValue: `${trim(nominalB / scale, 2)}${unitLetter}`,
                correctedNumber: trim(nominalB / scale, 2),
                evidenceLevel: "catalog",
                tolerance: `±${PARAMS_BAND.max * 100}%`,
                note: `The model's own name gives ${trim(nominalB, 3)}B ${what}, more than ${PARAMS_BAND.max * 100}% away; the exact count is not recorded.`
            });
        return make({
            verdict: "inconclusive",
            note: `The catalog records no ${what} count for ${facts.measured.name}; its GGUF header has it.`,
            command: `llmproof inspect ${refOf(input)}`
        });
    }
    const actualB = actual.value / 1e9;
    const within = holds(actualB, claim.claimed, band);
    const comparator = comparatorWords(claim.claimed);
    const claimedText = `${comparator ? `${comparator} ` : ""}${claim.claimed.numberText ?? claimedB}${unitLetter}`;
    if (within)
        return make({
            verdict: "supported",
            actual: formatParams(actual.value),
            evidenceLevel: actual.level,
            tolerance: band.text,
            note: `${facts.named.name} has ${formatParams(actual.value)} ${what}${how(actual)}; "${claimedText}" is within ${band.text}.${extra}`
        });
    if (nameRule)
        return make({
            verdict: "supported",
            actual: formatParams(actual.value),
            evidenceLevel: actual.level,
            tolerance: "naming convention",
            note: `"${claimedText}" is the size in the model's own name; the exact count is ${formatParams(actual.value)}${how(actual)}, outside ${band.text}, so it holds only under the naming convention (model names round their size).${extra}`
        });
    return make({
        verdict: "refuted",
        actual: formatParams(actual.value),
        correctedValue: `${correctedNumber(actual.value)}${unitLetter}`,
        correctedNumber: correctedNumber(actual.value),
        evidenceLevel: actual.level,
        tolerance: band.text,
        note: `${facts.named.name} has ${formatParams(actual.value)} ${what}${how(actual)}, outside ${band.text} of "${claimedText}".${extra}`
    });
}

// ---------------------------------------------------------------------------------------------
// File size

const BYTE_UNITS: Record<string, {bytes: number; binary: boolean; other?: number}> = {
    KB: {bytes: 1e3, binary: false, other: 2 ** 10},
    MB: {bytes: 1e6, binary: false, other: 2 ** 20},
    GB: {bytes: 1e9, binary: false, other: 2 ** 30},
    TB: {bytes: 1e12, binary: false, other: 2 ** 40},
    KiB: {bytes: 2 ** 10, binary: true},
    MiB: {bytes: 2 ** 20, binary: true},
    GiB: {bytes: 2 ** 30, binary: true},
    TiB: {bytes: 2 ** 40, binary: true}
};

function judgeFileSize(input: JudgeInput): Verdict {
    const {claim, link} = input;
    const facts = facts0(input);
    const unit = BYTE_UNITS[claim.claimed.byteUnit ?? "GB"] ?? BYTE_UNITS.GB!;
    const value = claim.claimed.value;
    if (value == null) return make({verdict: "inconclusive", note: "The claim gives no figure to check."});
    const beforeQuantization = claim.claimed.baseline !== null;
    const actual = beforeQuantization
        ? claim.claimed.baseline === "FP32" || claim.claimed.baseline === "full-precision"
            ? facts.f32Bytes
            : facts.sixteenBitBytes
        : link.quant
          ? (facts.fileBytes.get(link.quant) ?? null)
          : null;
    const label = beforeQuantization ? `the unquantized (${claim.claimed.baseline}) weights` : `the ${link.quant} file`;
    if (!actual)
        return make({
            verdict: "inconclusive",
            note: `The catalog records no size for ${label} of ${facts.measured.name}.`,
            command: `llmproof inspect ${refOf(input)}`
        });
    const band = relativeBand(claim.claimed, SIZE_BAND, actual.how?.includes("rounded") ? SIZE_BAND.roundedSource : 0);
    const readings: {name: string; bytes: number}[] = [{name: claim.claimed.byteUnit ?? "GB", bytes: unit.bytes}];
    if (unit.other) readings.push({name: (claim.claimed.byteUnit ?? "GB").replace("B", "iB"), bytes: unit.other});
    const results = readings.map((reading) => ({
        ...reading,
        ok: holds(actual.value / reading.bytes, claim.claimed, band)
    }));
    const actualText = formatBothUnits(actual.value);
    const size = `${label} of ${facts.measured.name} is ${actualText}${how(actual)}`;
    const matchingOther = !beforeQuantization
        ? otherQuantMatching(facts, link.quant, (bytes) => holds(bytes / unit.bytes, claim.claimed, band))
        : null;
    if (results[0]!.ok)
        return make({
            verdict: "supported",
            actual: actualText,
            evidenceLevel: actual.level,
            tolerance: band.text,
            note: `${capitalise(size)}; "${claim.claimed.text}" is within ${band.text}.`
        });
    if (results[1]?.ok)
        return make({
            verdict: "supported",
            actual: actualText,
            evidenceLevel: actual.level,
            tolerance: band.text,
            note: `${capitalise(size)}. "${claim.claimed.text}" holds only if ${results[0]!.name} is read as ${results[1]!.name} (2^30 bytes), as many tools print it; in decimal ${results[0]!.name} it is ${trim(actual.value / unit.bytes, 2)} ${results[0]!.name}.`
        });
    const corrected = trim(actual.value / unit.bytes, actual.value / unit.bytes >= 10 ? 1 : 2);
    return make({
        verdict: "refuted",
        actual: actualText,
        correctedValue: `${corrected} ${results[0]!.name}`,
        correctedNumber: corrected,
        evidenceLevel: actual.level,
        tolerance: band.text,
        note: `${capitalise(size)}: outside ${band.text} of "${claim.claimed.text}" in both ${readings.map((reading) => reading.name).join(" and ")}.${matchingOther ? ` The ${matchingOther} file would match.` : ""}`
    });
}

function otherQuantMatching(facts: ModelFacts, quant: string | null, test: (bytes: number) => boolean): string | null {
    for (const [name, size] of facts.fileBytes) if (name !== quant && test(size.value)) return name;
    return null;
}

function capitalise(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------------------------------------
// Size reduction (percent) and ratio

interface BaselineReading {
    name: string;
    bytes: Sourced<number>;
}

/** The baseline sizes a claim may mean, the one it is judged against first. */
function baselineReadings(
    claim: Claim,
    facts: ModelFacts
): {main: BaselineReading | null; others: BaselineReading[]; assumed: boolean} {
    const sixteen = facts.sixteenBitBytes ? {name: sixteenName(facts), bytes: facts.sixteenBitBytes} : null;
    const f32 = facts.f32Bytes ? {name: "FP32", bytes: facts.f32Bytes} : null;
    const q8 = facts.fileBytes.get("Q8_0") ? {name: "Q8_0", bytes: facts.fileBytes.get("Q8_0")!} : null;
    const list = (...items: (BaselineReading | null)[]) =>
        items.filter((item): item is BaselineReading => item !== null);
    switch (claim.claimed.baseline) {
        case "FP32":
            return {main: f32, others: list(sixteen), assumed: false};
        // "Full precision" is used for both the 16-bit release and FP32: either reading may make it hold.
        case "full-precision":
            return {main: sixteen, others: list(f32), assumed: false};
        case "Q8_0":
            return {main: q8, others: list(sixteen), assumed: false};
        case "16-bit":
        case "F16":
        case "BF16":
            return {main: sixteen, others: list(f32), assumed: false};
        case "original":
            return {main: sixteen, others: list(f32), assumed: false};
        default:
            return {main: sixteen, others: list(f32), assumed: true};
    }
}

function sixteenName(facts: ModelFacts): string {
    if (facts.fileBytes.has("BF16")) return "BF16";
    if (facts.fileBytes.has("F16")) return "F16";
    return "16-bit";
}

function judgeReduction(input: JudgeInput): Verdict {
    const {claim, link} = input;
    if (claim.claimed.value == null)
        return make({verdict: "inconclusive", note: "The claim gives no figure to check."});
    const band = absoluteBand(claim.claimed, PERCENT_BAND, "points");
    const footprint = claim.claimed.qualifiers.includes("memory footprint")
        ? " Running the model saves less memory than the file shrinks: the KV cache and compute buffers do not shrink."
        : "";
    if (link.models.every((model) => model.via === "quant-type")) return judgeReductionSurvey(input, band, footprint);

    const facts = facts0(input);
    const quant = link.quant;
    const quantBytes = quant ? facts.fileBytes.get(quant) : undefined;
    const readings = baselineReadings(claim, facts);
    if (!quantBytes || !readings.main)
        return make({
            verdict: "inconclusive",
            note: `The catalog lacks ${!quantBytes ? `the ${quant ?? "quantized"} file size` : "a baseline size"} of ${facts.measured.name}.`,
            command: `llmproof inspect ${refOf(input)}`
        });
    const reduction = (baseline: BaselineReading) => 1 - quantBytes.value / baseline.bytes.value;
    const actual = reduction(readings.main);
    const actualPoints = actual * 100;
    const ok = holds(actualPoints, claim.claimed, band);
    const level = strongest(quantBytes.level, readings.main.bytes.level);
    const sizes = `${quant} ${formatBothUnits(quantBytes.value)}${how(quantBytes)} vs ${readings.main.name} ${formatBothUnits(readings.main.bytes.value)}${how(readings.main.bytes)}`;
    const alternatives = readings.others.map((other) => `${percent(reduction(other))} against ${other.name}`);
    const otherQuants = [...facts.fileBytes.entries()]
        .filter(([name]) => name !== quant && !["BF16", "F16", "F32"].includes(name))
        .map(([name, bytes]) => ({name, points: (1 - bytes.value / readings.main!.bytes.value) * 100}));
    const quantThatFits = otherQuants.find((item) => holds(item.points, claim.claimed, band));
    const baselineWord = readings.assumed
        ? `No baseline is named; judged against ${readings.main.name}, the weights the model is published in.`
        : `Against ${readings.main.name}, as the claim says.`;
    const trueAgainst = !ok
        ? readings.others.find((other) => holds(reduction(other) * 100, claim.claimed, band))
        : undefined;
    if (!ok && trueAgainst && claim.claimed.baseline === "full-precision")
        return make({
            verdict: "supported",
            actual: `${percent(reduction(trueAgainst))} vs ${trueAgainst.name}`,
            evidenceLevel: level,
            tolerance: band.text,
            note: `"Full precision" can mean the 16-bit release or FP32; the figure holds against ${trueAgainst.name} (${percent(reduction(trueAgainst))}), not against ${readings.main.name} (${percent(actual)}). ${sizes}.${footprint}`
        });
    const notes = [
        `${baselineWord} ${sizes}: ${percent(actual)} smaller.`,
        alternatives.length ? `(${alternatives.join("; ")}.)` : "",
        !ok && trueAgainst
            ? `The figure would hold only against ${trueAgainst.name}${readings.assumed ? ", which the claim does not name" : ""}.`
            : "",
        !ok && quantThatFits && link.quantSource !== "claim"
            ? `${quantThatFits.name} (${quantThatFits.points.toFixed(1)}%) would match.`
            : "",
        footprint
    ]
        .filter(Boolean)
        .join(" ");
    return make({
        verdict: ok ? "supported" : "refuted",
        actual: `${percent(actual)} vs ${readings.main.name}`,
        correctedValue: ok ? null : percent(actual),
        correctedNumber: ok ? null : actualPoints.toFixed(1),
        evidenceLevel: level,
        tolerance: band.text,
        note: notes
    });
}

/** "Q4_K_M cuts size by 75%": every catalog model with that quant and a 16-bit size. */
function judgeReductionSurvey(input: JudgeInput, band: Band, footprint: string): Verdict {
    const {claim, link} = input;
    const rows: {name: string; points: number; fp32Points: number | null}[] = [];
    for (const facts of input.gathered.facts) {
        const quantBytes = link.quant ? facts.fileBytes.get(link.quant) : undefined;
        const sixteen = facts.fileBytes.get("BF16") ?? facts.fileBytes.get("F16");
        if (!quantBytes || !sixteen) continue;
        rows.push({
            name: facts.measured.name,
            points: (1 - quantBytes.value / sixteen.value) * 100,
            fp32Points: (1 - quantBytes.value / (sixteen.value * 2)) * 100
        });
    }
    if (rows.length === 0)
        return make({
            verdict: "inconclusive",
            note: `No catalog model has both a ${link.quant} size and a 16-bit size to compare.`
        });
    const sorted = [...rows].sort((a, b) => a.points - b.points);
    const median =
        sorted.length % 2
            ? sorted[(sorted.length - 1) / 2]!.points
            : (sorted[sorted.length / 2 - 1]!.points + sorted[sorted.length / 2]!.points) / 2;
    const mean = rows.reduce((sum, row) => sum + row.points, 0) / rows.length;
    const average = /\b(avg|average|mean)\b/i.test(claim.box?.label ?? claim.quote);
    const useFp32 = claim.claimed.baseline === "FP32";
    const pick = (row: (typeof rows)[number]) => (useFp32 ? row.fp32Points! : row.points);
    const values = rows.map(pick);
    const typical = useFp32 ? values.reduce((a, b) => a + b, 0) / values.length : average ? mean : median;
    const best = Math.max(...values);
    const compared = claim.claimed.comparator === "up-to" ? best : typical;
    const ok = holds(compared, claim.claimed, band);
    const statistic =
        claim.claimed.comparator === "up-to" ? "the largest" : average || useFp32 ? "the mean" : "the median";
    const list = sorted.map((row) => `${row.name} ${pick(row).toFixed(1)}%`).join(", ");
    const baselineName = useFp32 ? "FP32" : "16-bit (BF16/F16)";
    const fp32Note = !useFp32
        ? ` Against FP32 it would be about ${(rows.reduce((sum, row) => sum + row.fp32Points!, 0) / rows.length).toFixed(1)}%.`
        : "";
    return make({
        verdict: ok ? "supported" : "refuted",
        actual: `${compared.toFixed(1)}% (${statistic} of ${rows.length})`,
        correctedValue: ok ? null : `${compared.toFixed(1)}%`,
        correctedNumber: ok ? null : compared.toFixed(1),
        evidenceLevel: "catalog",
        tolerance: band.text,
        note: `${link.quant} against ${baselineName} across the catalog's ${rows.length} models with both sizes: ${list}; ${statistic} is ${compared.toFixed(1)}%.${claim.claimed.baseline ? "" : " No baseline is named; 16-bit is what models are published in."}${fp32Note} Small models shrink less because their embeddings stay at higher precision.${footprint}`
    });
}

function judgeRatio(input: JudgeInput): Verdict {
    const {claim, link} = input;
    const value = claim.claimed.value;
    if (value == null) return make({verdict: "inconclusive", note: "The claim gives no figure to check."});
    const band = relativeBand(claim.claimed, RATIO_BAND);
    if (input.comparison) {
        const {a, b} = input.comparison;
        const big = a.params.value >= b.params.value ? a : b;
        const small = big === a ? b : a;
        const ratio = big.params.value / small.params.value;
        const ok = holds(ratio, claim.claimed, band);
        return make({
            verdict: ok ? "supported" : "refuted",
            actual: `${trim(ratio, 1)}x`,
            correctedValue: ok ? null : `${trim(ratio, 1)}x`,
            correctedNumber: ok ? null : trim(ratio, 1),
            evidenceLevel: strongest(a.params.level, b.params.level),
            tolerance: band.text,
            note: `Parameter counts: ${big.name} ${formatParams(big.params.value)} / ${small.name} ${formatParams(small.params.value)} = ${trim(ratio, 2)}x. This compares two different models' sizes; it is not a size or efficiency gain of one model.`
        });
    }
    if (link.models.every((model) => model.via === "quant-type"))
        return make({
            verdict: "inconclusive",
            note: "A ratio about a quantization type in general: state it as a percentage or name a model."
        });
    const facts = facts0(input);
    const quantBytes = link.quant ? facts.fileBytes.get(link.quant) : undefined;
    const readings = baselineReadings(claim, facts);
    if (!quantBytes || !readings.main)
        return make({
            verdict: "inconclusive",
            note: `The catalog lacks the sizes to compute this ratio for ${facts.measured.name}.`,
            command: `llmproof inspect ${refOf(input)}`
        });
    const ratio = readings.main.bytes.value / quantBytes.value;
    const ok = holds(ratio, claim.claimed, band);
    const others = readings.others
        .map((other) => `${trim(other.bytes.value / quantBytes.value, 2)}x against ${other.name}`)
        .join("; ");
    return make({
        verdict: ok ? "supported" : "refuted",
        actual: `${trim(ratio, 2)}x vs ${readings.main.name}`,
        correctedValue: ok ? null : `${trim(ratio, 1)}x`,
        correctedNumber: ok ? null : trim(ratio, 1),
        evidenceLevel: strongest(quantBytes.level, readings.main.bytes.level),
        tolerance: band.text,
        note: `${readings.main.name} ${formatBothUnits(readings.main.bytes.value)} / ${link.quant} ${formatBothUnits(quantBytes.value)} = ${trim(ratio, 2)}x${readings.assumed ? " (no baseline named; 16-bit assumed)" : ""}.${others ? ` (${others}.)` : ""}`
    });
}

// ---------------------------------------------------------------------------------------------
// Bits per weight

function judgeBitsPerWeight(input: JudgeInput): Verdict {
    const {claim, link, catalog} = input;
    if (claim.claimed.value == null)
        return make({verdict: "inconclusive", note: "The claim gives no figure to check."});
    const band = absoluteBand(claim.claimed, BPW_BAND, "bpw");
    const survey = link.models.every((model) => model.via === "quant-type");
    const reference = catalog.quantReference.bitsPerWeight.filter((fact) => fact.quant === link.quant);
    if (!survey) {
        const facts = facts0(input);
        if (facts.bitsPerWeight) {
            const ok = holds(facts.bitsPerWeight.value, claim.claimed, band);
            return make({
                verdict: ok ? "supported" : "refuted",
                actual: `${facts.bitsPerWeight.value.toFixed(2)} bpw`,
                correctedValue: ok ? null : `${facts.bitsPerWeight.value.toFixed(2)} bpw`,
                correctedNumber: ok ? null : facts.bitsPerWeight.value.toFixed(2),
                evidenceLevel: facts.bitsPerWeight.level,
                tolerance: band.text,
                note: `${facts.measured.name} at ${link.quant}: ${facts.bitsPerWeight.value.toFixed(2)} bits per weight${how(facts.bitsPerWeight)}. K-quant mixes keep some tensors at higher precision, so "Q4" files average more than 4 bits.`
            });
        }
        if (reference.length === 0)
            return make({
                verdict: "inconclusive",
                note: `Neither the size nor the parameter count of ${facts.measured.name} at ${link.quant} is recorded.`,
                command: `llmproof inspect ${refOf(input)}`
            });
    }
    const values = survey
        ? input.gathered.facts
              .map((facts) => facts.bitsPerWeight?.value)
              .filter((value): value is number => value != null)
        : [];
    const sources = [
        ...reference.map((fact) => ({name: fact.model, value: fact.bitsPerWeight})),
        ...values.map((value, index) => ({name: input.gathered.facts[index]!.measured.name, value}))
    ];
    if (sources.length === 0)
        return make({verdict: "inconclusive", note: `No bits-per-weight figure for ${link.quant} is recorded.`});
    const typical = sources[0]!.value;
    const ok = holds(typical, claim.claimed, band);
    const list = sources.map((source) => `${source.name} ${source.value.toFixed(2)}`).join(", ");
    // For a single named model only a reference measured on another model is at hand: a miss refutes, a match is not proof.
    if (!survey && ok)
        return make({
            verdict: "inconclusive",
            actual: `${typical.toFixed(2)} bpw (reference model)`,
            evidenceLevel: "catalog",
            tolerance: band.text,
            note: `${link.quant} averages ${list} bits per weight on the reference model; this model's own file is not measured.`,
            command: `llmproof inspect ${refOf(input)}`
        });
    return make({
        verdict: ok ? "supported" : "refuted",
        actual: `${typical.toFixed(2)} bpw`,
        correctedValue: ok ? null : `${typical.toFixed(2)} bpw`,
        correctedNumber: ok ? null : typical.toFixed(2),
        evidenceLevel: "catalog",
        tolerance: band.text,
        note: `${link.quant} files average ${list} bits per weight (file bytes × 8 / parameters). K-quant mixes keep some tensors at higher precision, so the figure is above the nominal bit width.`
    });
}

// ---------------------------------------------------------------------------------------------
// Hardware fit

function judgeHardware(input: JudgeInput): Verdict {
    const {claim, link} = input;
    const hardware = claim.claimed.hardware;
    if (!hardware) return make({verdict: "inconclusive", note: "No hardware is named."});
    if (link.models.every((model) => model.via === "quant-type"))
        return make({
            verdict: "unverifiable",
            note: "Not checkable: whether something fits depends on the model, and none is named."
        });
    const facts = facts0(input);
    const memory = facts.memoryBytes;
    if (!memory)
        return make({
            verdict: "inconclusive",
            note: `The catalog has no ${link.quant ?? ""} file size for ${facts.measured.name} to estimate its memory from.`,
            command: `llmproof inspect ${refOf(input)}`
        });
    const need = `${facts.measured.name} at ${link.quant} needs about ${formatBothUnits(memory.value)}${how(memory)}`;
    const smallest = smallestFile(facts);
    const smallestNote =
        smallest && smallest.quant !== link.quant
            ? ` The smallest file in the catalog, ${smallest.quant}, is ${formatBothUnits(smallest.bytes)}.`
            : "";

    // "needs 48 GB": a requirement, checked as a figure.
    if (hardware.class === "memory" && claim.claimed.comparator !== "at-most" && hardware.memoryBytes != null) {
        const band = relativeBand(claim.claimed, {min: 0.1, max: 0.2, approximate: 0.15});
        const claimedGB = hardware.memoryBytes / GB;
        const ok =
            Math.abs(memory.value / GB - claimedGB) <= claimedGB * (band.absolute / (claim.claimed.value ?? 1)) ||
            Math.abs(memory.value / GIB - claimedGB) <= claimedGB * (band.absolute / (claim.claimed.value ?? 1));
        return make({
            verdict: ok ? "supported" : "refuted",
            actual: formatBothUnits(memory.value),
            correctedValue: ok ? null : `${trim(memory.value / GB, 1)} GB`,
            correctedNumber: ok ? null : trim(memory.value / GB, 1),
            evidenceLevel: memory.level,
            tolerance: band.text,
            note: `${need}.`
        });
    }

    let capacityBytes: number;
    let usable: number;
    let what: string;
    if (hardware.memoryBytes != null) {
        // Memory is sold in binary sizes: "24 GB" of VRAM or RAM is 24 GiB.
        capacityBytes = (hardware.memoryBytes / GB) * GIB;
        usable = hardware.memoryKind === "ram" ? 0.8 : 0.95;
        what = `${trim(hardware.memoryBytes / GB, 1)} GB of ${hardware.memoryKind === "vram" ? "GPU memory" : hardware.memoryKind === "ram" ? "RAM" : "memory"} (read as GiB, ${usable * 100}% usable)`;
    } else {
        const limit = HARDWARE_LIMITS[hardware.class === "memory" ? "consumer" : hardware.class];
        capacityBytes = limit.gib * GIB;
        usable = limit.usable;
        what = `${limit.what} (${usable * 100}% of ${limit.gib} GiB usable)`;
    }
    const available = capacityBytes * usable;
    const margin = memory.level === "catalog" ? MEMORY_MARGIN : 0.02;
    const tolerance = `fits if it needs at most ${formatBothUnits(available)}; ${margin * 100}% margin for a${memory.level === "catalog" ? " catalog" : " measured"} estimate`;
    if (memory.value <= available * (1 - margin))
        return make({
            verdict: "supported",
            actual: `needs ${formatBothUnits(memory.value)}`,
            evidenceLevel: memory.level,
            tolerance,
            note: `${need}; ${what} leaves ${formatBothUnits(available)} for it.`
        });
    if (memory.value > available * (1 + margin))
        return make({
            verdict: "refuted",
            actual: `needs ${formatBothUnits(memory.value)}`,
            correctedValue: `needs ~${Math.ceil(memory.value / GB)} GB`,
            evidenceLevel: memory.level,
            tolerance,
            note: `${need}; ${what} leaves only ${formatBothUnits(available)}.${smallestNote}${link.quantSource === "default" ? " Lower-bit quantizations (not in the catalog) would need less, at a quality cost." : ""}`
        });
    return make({
        verdict: "inconclusive",
        actual: `needs ${formatBothUnits(memory.value)}`,
        evidenceLevel: memory.level,
        tolerance,
        note: `${need}; ${what} leaves ${formatBothUnits(available)}: too close to call from ${memory.level === "catalog" ? "a catalog estimate" : "this estimate"}.`,
        command: `llmproof inspect ${refOf(input)}`
    });
}

function smallestFile(facts: ModelFacts): {quant: string; bytes: number} | null {
    let best: {quant: string; bytes: number} | null = null;
    for (const [quant, size] of facts.fileBytes)
        if (!best || size.value < best.bytes) best = {quant, bytes: size.value};
    return best;
}

// ---------------------------------------------------------------------------------------------
// Speed

function judgeSpeed(input: JudgeInput): Verdict {
    const {claim, link, catalog} = input;
    const speedForm = claim.claimed.speed?.form ?? "qualitative";
    const survey = link.models.every((model) => model.via === "quant-type");
    const facts = survey ? null : facts0(input);
    const ref = facts ? refOf(input) : null;
    const measuredCommand = ref
        ? `llmproof check <issue> --measure   (or: llmproof pull ${ref} && llmproof bench <file>)`
        : null;

    if (speedForm === "tokens-per-second") {
        const value = claim.claimed.value ?? 0;
        if (!facts?.speed)
            return make({
                verdict: "inconclusive",
                note: "Tokens per second depend on the hardware and were not measured here; the claim names no machine this tool can stand in for.",
                command: measuredCommand
            });
        const measured = facts.speed.value.tokensPerSecond;
        const met = measured >= value * SPEED_MET;
        return make({
            verdict: met ? "supported" : "inconclusive",
            actual: `${measured.toFixed(1)} tok/s here`,
            evidenceLevel: facts.speed.level,
            tolerance: `met at ${SPEED_MET * 100}% of the claim`,
            note: met
                ? `${facts.measured.name} at ${link.quant} generates ${measured.toFixed(1)} tok/s on this machine (${facts.speed.value.setting}, ${facts.speed.level}), so ${value} tok/s is reachable.`
                : `${facts.measured.name} at ${link.quant} generates ${measured.toFixed(1)} tok/s on this machine (${facts.speed.value.setting}, ${facts.speed.level}); a faster machine may reach ${value} tok/s, so a slower result here does not refute it.`
        });
    }
    // Relative speed: quantized vs 16-bit, from the catalog's reference runs.
    const quant = link.quant ?? "Q4_K_M";
    const reference = catalog.quantReference.speed.find(
        (fact) => quant in fact.tokensPerSecond && ("F16" in fact.tokensPerSecond || "BF16" in fact.tokensPerSecond)
    );
    if (!reference)
        return make({
            verdict: "inconclusive",
            note: `No reference measurement compares ${quant} with 16-bit speed.`,
            command: measuredCommand
        });
    const baseline = reference.tokensPerSecond.F16 ?? reference.tokensPerSecond.BF16!;
    const ratio = reference.tokensPerSecond[quant]! / baseline;
    const where = `${reference.model}, ${reference.test}: ${quant} ${reference.tokensPerSecond[quant]} tok/s vs 16-bit ${baseline} tok/s = ${trim(ratio, 2)}x on ${reference.hardware} (${reference.source})`;
    if (speedForm === "qualitative") {
        const ok = ratio > 1.05;
        return make({
            verdict: ok ? "supported" : "refuted",
            actual: `${trim(ratio, 2)}x faster than 16-bit`,
            evidenceLevel: "catalog",
            tolerance: "faster means a ratio above 1.05",
            note: `${where}. Token generation is limited by memory bandwidth, so smaller weights generate faster on most hardware.`
        });
    }
    const band = relativeBand(claim.claimed, {min: 0.1, max: 0.2, approximate: 0.2});
    const ok = holds(ratio, claim.claimed, band);
    return make({
        verdict: ok ? "supported" : "inconclusive",
        actual: `${trim(ratio, 2)}x (reference hardware)`,
        evidenceLevel: "catalog",
        tolerance: band.text,
        note: `${where}.${ok ? "" : " The ratio depends on the hardware; measure it on the claim's machine before calling it wrong."}`,
        command: ok ? null : measuredCommand
    });
}

// ---------------------------------------------------------------------------------------------
// Quality

function judgeQuality(input: JudgeInput): Verdict {
    const {claim, link, catalog} = input;
    const quality = claim.claimed.quality;
    const quant = link.quant;
    const references = catalog.quantReference.quality.filter((fact) => fact.quant === quant);
    const plain = references.find((fact) => !fact.imatrix) ?? references[0];
    const survey = link.models.every((model) => model.via === "quant-type");
    const facts = survey ? null : facts0(input);
    const command = facts
        ? `llmproof pull ${catalogCommandRef(facts.measured, quant)} && llmproof pull ${catalogCommandRef(facts.measured, facts.measured.baselineQuant ?? "F16")}, then llama-perplexity -m <baseline> --kl-divergence-base base.kld and -m <quant> --kl-divergence-base base.kld --kl-divergence`
        : null;
    if (!plain || !quality)
        return make({
            verdict: "inconclusive",
            note: `No perplexity / KL-divergence measurement of ${quant ?? "this quantization"} is recorded.`,
            command
        });
    const pplIncrease = (plain.perplexity / plain.baselinePerplexity - 1) * 100;
    const measuredText = `${plain.model} at ${plain.quant}: perplexity ${plain.baselinePerplexity} → ${plain.perplexity} (+${pplIncrease.toFixed(1)}%), KL divergence ${plain.klDivergence ?? "n/a"}${plain.sameTopTokenShare != null ? `, same top token ${percent(plain.sameTopTokenShare)}` : ""} (${plain.dataset}; ${plain.source})`;

    if (quality.strictness === "numeric") {
        const band = absoluteBand(claim.claimed, {min: 0.5, max: 1, approximate: 1}, "points");
        const ok = holds(pplIncrease, claim.claimed, band);
        if (quality.metric !== "perplexity")
            return make({
                verdict: "inconclusive",
                actual: `+${pplIncrease.toFixed(1)}% perplexity`,
                evidenceLevel: "catalog",
                note: `The claim is about ${quality.metric ?? "accuracy"}, which needs task benchmarks; perplexity is what is measured: ${measuredText}.`,
                command
            });
        // On a named model only the reference (another model) is at hand: it can decide a claim about the quant type, not about that model.
        const referenceModel = findModel(catalog, plain.model);
        const sameModel =
            facts !== null &&
            referenceModel !== undefined &&
            (referenceModel.id === facts.named.id || referenceModel.id === facts.measured.id);
        if (!survey && !sameModel)
            return make({
                verdict: "inconclusive",
                actual: `+${pplIncrease.toFixed(1)}% perplexity on ${plain.model}`,
                evidenceLevel: "catalog",
                tolerance: band.text,
                note: `No measurement of this model itself; on the reference model ${measuredText}.`,
                command
            });
        return make({
            verdict: ok ? "supported" : "refuted",
            actual: `+${pplIncrease.toFixed(1)}% perplexity`,
            evidenceLevel: "catalog",
            tolerance: band.text,
            correctedValue: ok ? null : `${pplIncrease.toFixed(1)}%`,
            correctedNumber: ok ? null : pplIncrease.toFixed(1),
            note: `${measuredText}.`
        });
    }
    const limit = QUALITY_LIMITS[quality.strictness];
    const within = pplIncrease <= limit.pplPercent && (plain.klDivergence == null || plain.klDivergence <= limit.kld);
    const tolerance = `"${limit.words}" allows at most +${limit.pplPercent}% perplexity and KL divergence ${limit.kld}`;
    const words = `"${claim.claimed.text}"`;
    if (survey || !facts)
        return make({
            verdict: within ? "supported" : "refuted",
            actual: `+${pplIncrease.toFixed(1)}% perplexity, KLD ${plain.klDivergence ?? "n/a"}`,
            evidenceLevel: "catalog",
            tolerance,
            note: `${measuredText}. ${within ? `${words} fits` : `${words} overstates it`}${within ? "" : `; ${quality.strictness === "minimal" ? "" : '"minimal degradation" would fit'}`}.`.replace(
                /; \./,
                "."
            )
        });
    // The reference may be this very model (a catalog alias): then it decides like a survey.
    const referenceModel = findModel(catalog, plain.model);
    if (referenceModel && (referenceModel.id === facts.named.id || referenceModel.id === facts.measured.id))
        return make({
            verdict: within ? "supported" : "refuted",
            actual: `+${pplIncrease.toFixed(1)}% perplexity, KLD ${plain.klDivergence ?? "n/a"}`,
            evidenceLevel: "catalog",
            tolerance,
            note: `${measuredText}. ${within ? `${words} fits` : `${words} overstates it`}.`
        });
    // A specific model: the reference is another model, so only a clear miss is decided.
    if (!within)
        return make({
            verdict: "refuted",
            actual: `+${pplIncrease.toFixed(1)}% perplexity on ${plain.model}`,
            evidenceLevel: "catalog",
            tolerance,
            note: `No measurement of ${facts.measured.name} itself; on the reference model ${measuredText}, which already exceeds what ${words} allows. Smaller models usually lose more.`
        });
    return make({
        verdict: "inconclusive",
        actual: `+${pplIncrease.toFixed(1)}% perplexity on ${plain.model}`,
        evidenceLevel: "catalog",
        tolerance,
        note: `No measurement of ${facts.measured.name} itself. On the reference model ${measuredText}, which would fit ${words}; the loss differs between models (small ones lose more).`,
        command
    });
}
