import type {HardwareFile} from "../catalog/hardware-schema.js";
import type {HardwareTarget} from "../catalog/hardware.js";
import type {BytesPerToken} from "../gguf/bytes-per-token.js";
import type {Calibration} from "./calibration.js";
import {
    estimateOnTarget,
    estimateOnThisMachine,
    modelMemoryNeed,
    type EstimateResult,
    type FigureUsed,
    type MemberEstimate
} from "./estimate.js";
import type {EstimateModel} from "./model.js";
import {
    bytesReadPerGeneratedToken,
    meanDepth,
    neededBandwidth,
    type FitOutcome,
    type MemoryNeed,
    type Range
} from "./roofline.js";

/**
 * The verdict API for the claims engine: pure functions from model facts, a claimed figure and a
 * hardware target to typed judgements (numbers and facts; English lives in render.ts). Evidence
 * level `estimate`: stronger than `header` (it adds the hardware's physics), weaker than `twin`
 * (nothing ran). A claim above the physical bound on every member of the named hardware is
 * `refuted`; anything within it stays `inconclusive` with the expected range and the command that
 * would measure it. Claims about this machine are for the claims engine to measure.
 */

export type EstimateVerdict = "refuted" | "inconclusive";

export interface TargetSummary {
    kind: "device" | "class" | "this-machine";
    id: string;
    name: string;
    note: string | null;
    memberIds: string[];
}

function summarize(result: EstimateResult): TargetSummary {
    return {
        kind: result.hardware.kind,
        id: result.hardware.id,
        name: result.hardware.name,
        note: result.hardware.note,
        memberIds: result.members.map((member) => member.deviceId)
    };
}

export interface SpeedClaimInput {
    model: EstimateModel;
    claimedTokensPerSecond: number;
    /** Generation (default) or prompt processing. */
    phase?: "tg" | "pp";
    /** A device or class from findHardware, or "this-machine" with a calibration. */
    target: HardwareTarget | "this-machine";
    hardware: HardwareFile;
    calibration?: Calibration | null;
    /** Tokens already in the context (default 0) and tokens generated (default 128). */
    depth?: number;
    nGen?: number;
    /**
     * Extra room before refuting, as a fraction of the bound: 0 for header and twin-layout facts,
     * 0.1 by default for catalog-only facts (their bytes per token are averaged).
     */
    margin?: number;
}

export interface SpeedJudgement {
    kind: "speed";
    evidence: "estimate";
    verdict: EstimateVerdict;
    /** above-bound: faster than physics allows on every member; within-bound; no-bound: no figure to bound it. */
    reason: "above-bound" | "within-bound" | "no-bound";
    phase: "tg" | "pp";
    claimedTokensPerSecond: number;
    /** The highest bound over the target's members, tokens/sec (null: no compute figure for pp). */
    boundTokensPerSecond: number | null;
    /** The member with that bound, and where it reads the weights from (see MemberEstimate.placement). */
    boundDevice: {id: string; name: string; placement: MemberEstimate["placement"]; residentShare: number} | null;
    margin: number;
    /** What llama.cpp typically reaches over the members (lowest low, highest high). */
    typicalRange: Range | null;
    /** tg: memory bandwidth the claim needs (bytes/sec); pp: operations/sec it needs. */
    needed: {bandwidthBytesPerSecond: number | null; opsPerSecond: number | null};
    /** The fastest member's figure the claim is compared with (bandwidth bytes/sec, or ops/sec). */
    available: {bandwidthBytesPerSecond: number | null; opsPerSecond: number | null};
    bytesPerGeneratedToken: number;
    activeParameters: number;
    target: TargetSummary;
    modelLabel: string;
    bytesMethod: BytesPerToken["method"];
    figuresUsed: FigureUsed[];
    /** The command that would measure the claim (on the named hardware, or here). */
    measureCommand: string;
}

function estimateFor(input: {
    model: EstimateModel;
    target: HardwareTarget | "this-machine";
    hardware: HardwareFile;
    calibration?: Calibration | null;
    depth?: number;
    nGen?: number;
    context?: number;
}): EstimateResult {
    const options = {depth: input.depth, nGen: input.nGen, context: input.context};
    if (input.target === "this-machine") {
        if (input.calibration == null) throw new Error("a claim about this machine needs its calibration");
        return estimateOnThisMachine(input.model, input.calibration, input.hardware, options);
    }
    return estimateOnTarget(input.model, input.target, input.hardware, options);
}

function measureCommandFor(model: EstimateModel, phase: "tg" | "pp", nGen: number, depth: number): string {
    const ref = model.source.startsWith("catalog:") ? model.source.slice("catalog:".length) : model.source;
    const test = phase === "tg" ? `-p 0 -n ${nGen}` : "-p 512 -n 0";
    return `llmproof bench ${ref} ${test}${depth > 0 ? ` -d ${depth}` : ""}`;
}

export function judgeSpeedClaim(input: SpeedClaimInput): SpeedJudgement {
    const phase = input.phase ?? "tg";
    const result = estimateFor(input);
    const margin = input.margin ?? (input.model.bytes.method === "catalog" ? 0.1 : 0);
    const bounds = result.members.map((member) => ({
        member,
        bound: phase === "tg" ? member.tg.bound : member.pp.bound,
        typical: phase === "tg" ? member.tg.typical : member.pp.typical
    }));
    const known = bounds.filter((entry) => entry.bound != null);
    const best = known.sort((a, b) => b.bound! - a.bound!)[0] ?? null;
    const typicals = bounds.map((entry) => entry.typical).filter((range): range is Range => range != null);
    const typical =
        typicals.length === 0
            ? null
            : {
                  low: Math.min(...typicals.map((range) => range.low)),
                  high: Math.max(...typicals.map((range) => range.high))
              };
    // A class whose members lack a figure cannot be refuted as a whole: the unknown member might be faster.
    const everyMemberBounded = known.length === bounds.length;
    let reason: SpeedJudgement["reason"];
    if (best == null || !everyMemberBounded) reason = "no-bound";
    else reason = input.claimedTokensPerSecond > best.bound! * (1 + margin) ? "above-bound" : "within-bound";
    const compute = best?.member.pp.compute ?? null;
    return {
        kind: "speed",
        evidence: "estimate",
        verdict: reason === "above-bound" ? "refuted" : "inconclusive",
        reason,
        phase,
        claimedTokensPerSecond: input.claimedTokensPerSecond,
        boundTokensPerSecond: best?.bound ?? null,
        boundDevice:
            best == null
                ? null
                : {
                      id: best.member.deviceId,
                      name: best.member.deviceName,
                      placement: best.member.placement,
                      residentShare: best.member.residentShare
                  },
        margin,
        typicalRange: typical,
        needed: {
            bandwidthBytesPerSecond:
                phase === "tg" ? neededBandwidth(input.claimedTokensPerSecond, result.bytesPerGeneratedToken) : null,
            opsPerSecond: phase === "pp" ? 2 * input.model.bytes.activeParameters * input.claimedTokensPerSecond : null
        },
        available: {
            bandwidthBytesPerSecond: phase === "tg" ? (best?.member.bandwidthBytesPerSecond ?? null) : null,
            opsPerSecond: phase === "pp" ? (compute?.opsPerSecond ?? null) : null
        },
        bytesPerGeneratedToken: result.bytesPerGeneratedToken,
        activeParameters: input.model.bytes.activeParameters,
        target: summarize(result),
        modelLabel: input.model.label,
        bytesMethod: input.model.bytes.method,
        figuresUsed: (best == null ? result.members : [best.member]).flatMap((member) =>
            member.figures.filter((figure) => figure.figure !== "memory")
        ),
        measureCommand: measureCommandFor(input.model, phase, result.nGen, result.depth)
    };
}

// ---------------------------------------------------------------------------------------------

export interface SpeedupRatioInput {
    /** The quant claimed to be faster (fewer bytes per token), and the one it is compared with. */
    faster: {label: string; bytes: Pick<BytesPerToken, "readBytesPerToken" | "kvBytesPerToken">};
    slower: {label: string; bytes: Pick<BytesPerToken, "readBytesPerToken" | "kvBytesPerToken">};
    claimedRatio: number;
    depth?: number;
    nGen?: number;
    /** Room for rounding in the claim before refuting (default 0.05 = 5%). */
    tolerance?: number;
}

export interface SpeedupJudgement {
    kind: "speedup-ratio";
    evidence: "estimate";
    verdict: EstimateVerdict;
    reason: "above-bytes-ratio" | "within-bytes-ratio";
    claimedRatio: number;
    /** slower bytes / faster bytes per generated token: the most a memory-bound speed-up can be. */
    maxRatio: number;
    tolerance: number;
    fasterLabel: string;
    slowerLabel: string;
    fasterBytesPerToken: number;
    slowerBytesPerToken: number;
}

/**
 * Token generation is memory-bound, so between two quantizations of one model on one machine the
 * speed-up cannot exceed the ratio of the bytes each token reads (the smaller quant also does more
 * dequantization work per byte, so it reaches no higher a share of the bandwidth).
 */
export function judgeSpeedupRatio(input: SpeedupRatioInput): SpeedupJudgement {
    const depth = meanDepth(input.depth ?? 0, input.nGen ?? 128);
    const faster = bytesReadPerGeneratedToken(
        input.faster.bytes.readBytesPerToken,
        input.faster.bytes.kvBytesPerToken,
        depth
    );
    const slower = bytesReadPerGeneratedToken(
        input.slower.bytes.readBytesPerToken,
        input.slower.bytes.kvBytesPerToken,
        depth
    );
    const maxRatio = slower / faster;
    const tolerance = input.tolerance ?? 0.05;
    const above = input.claimedRatio > maxRatio * (1 + tolerance);
    return {
        kind: "speedup-ratio",
        evidence: "estimate",
        verdict: above ? "refuted" : "inconclusive",
        reason: above ? "above-bytes-ratio" : "within-bytes-ratio",
        claimedRatio: input.claimedRatio,
        maxRatio,
        tolerance,
        fasterLabel: input.faster.label,
        slowerLabel: input.slower.label,
        fasterBytesPerToken: faster,
        slowerBytesPerToken: slower
    };
}

// ---------------------------------------------------------------------------------------------

export interface FitInput {
    /** What the model needs (modelMemoryNeed), or the model and a context to compute it. */
    need?: MemoryNeed;
    model?: EstimateModel;
    context?: number;
    target: HardwareTarget | "this-machine";
    hardware: HardwareFile;
    calibration?: Calibration | null;
}

export interface FitMember {
    deviceId: string;
    deviceName: string;
    memoryGiB: number;
    capacityBytes: number;
    usableBytes: number;
    outcome: FitOutcome;
}

export interface FitJudgement {
    kind: "hardware-fit";
    evidence: "estimate";
    /** all: fits on every member and size; some: on some; none: on none (tight counts as not fitting comfortably). */
    coverage: "all" | "some" | "none";
    needBytes: number;
    need: MemoryNeed;
    members: FitMember[];
    /** Member sizes it fits on, comfortably or tightly. */
    fitsOn: FitMember[];
    tightOn: FitMember[];
    target: TargetSummary;
    figuresUsed: FigureUsed[];
}

/** Share of the usable memory a need may take when its KV cache is unknown. */
export const UNKNOWN_KV_SPARE = 0.9;

/** For which members of the target (and which of their memory sizes) the model fits. */
export function judgeFit(input: FitInput): FitJudgement {
    let need = input.need;
    let result: EstimateResult | null = null;
    if (input.model != null) {
        result = estimateFor({...input, model: input.model});
        need ??= result.need;
    }
    if (need == null) throw new Error("judgeFit needs a need or a model");
    if (result == null) {
        // A need given without a model: build the member list from the target alone.
        const placeholder = placeholderModel(need);
        result = estimateFor({...input, model: placeholder});
    }
    // Without the model's shape the KV cache is unknown: a size holds it comfortably only with 10% to spare.
    const spare = need.kvKnown ? 1 : UNKNOWN_KV_SPARE;
    const members: FitMember[] = result.members.flatMap((member) =>
        member.fit.map((fit) => ({
            deviceId: member.deviceId,
            deviceName: member.deviceName,
            memoryGiB: fit.memoryGiB,
            capacityBytes: fit.capacityBytes,
            usableBytes: fit.usableBytes * spare,
            outcome: fitOutcomeFor(need.totalBytes, fit.capacityBytes, fit.usableFraction * spare)
        }))
    );
    const fitsOn = members.filter((member) => member.outcome === "fits");
    const tightOn = members.filter((member) => member.outcome === "tight");
    return {
        kind: "hardware-fit",
        evidence: "estimate",
        coverage: fitsOn.length === members.length ? "all" : fitsOn.length + tightOn.length > 0 ? "some" : "none",
        needBytes: need.totalBytes,
        need,
        members,
        fitsOn,
        tightOn,
        target: summarize(result),
        figuresUsed: result.members.flatMap((member) => member.figures.filter((figure) => figure.figure === "memory"))
    };
}

function fitOutcomeFor(needBytes: number, capacityBytes: number, fraction: number): FitOutcome {
    if (needBytes <= capacityBytes * fraction) return "fits";
    return needBytes <= capacityBytes ? "tight" : "does-not-fit";
}

function placeholderModel(need: MemoryNeed): EstimateModel {
    return {
        label: "model",
        source: "model",
        quant: null,
        fileBytes: Math.max(1, need.weightBytes),
        fileBytesSource: "given",
        layers: null,
        contextLength: null,
        bytes: {
            method: "catalog",
            weightBytes: need.weightBytes,
            readBytesPerToken: Math.max(1, need.weightBytes),
            parameters: 1,
            activeParameters: 1,
            breakdown: {sharedBytes: 0, lookupTableBytes: 0, lookupRowBytes: 0, expertBytes: 0, expertBytesRead: 0},
            moe: null,
            kvBytesPerToken: null,
            kv: null,
            notes: []
        }
    };
}

export {modelMemoryNeed};
