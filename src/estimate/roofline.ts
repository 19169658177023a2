import type {EfficiencyRange} from "../catalog/hardware-schema.js";

/**
 * The roofline, as pure arithmetic (no I/O, no hardware lookups):
 * - token generation reads every weight a token touches plus the KV cache of the context for each
 *   generated token, so it cannot run faster than memory bandwidth / bytes read per token;
 * - prompt processing does about 2 operations (a multiply and an add) per active parameter per
 *   token, so it cannot run faster than peak compute / (2 x active parameters).
 * Attention's own arithmetic, and the KV reads of prompt processing, only lower these bounds'
 * reach further; leaving them out keeps each an upper bound.
 */

/** Weight bytes plus the KV cache a token reads when `depth` tokens are already in the context. */
export function bytesReadPerGeneratedToken(
    readBytesPerToken: number,
    kvBytesPerToken: number | null,
    depth: number
): number {
    return readBytesPerToken + (kvBytesPerToken ?? 0) * Math.max(0, depth);
}

/**
 * Mean KV depth over a tg run of `generated` tokens that starts at `depth` (llama-bench's tg128 at
 * d0 reads on average 63.5 tokens of cache per token).
 */
export function meanDepth(depth: number, generated: number): number {
    return depth + Math.max(0, generated - 1) / 2;
}

/** Upper bound of token generation, tokens/sec. */
export function tgBound(bandwidthBytesPerSecond: number, bytesPerToken: number): number {
    if (!(bytesPerToken > 0)) throw new Error("bytes per token must be positive");
    return bandwidthBytesPerSecond / bytesPerToken;
}

/**
 * Upper bound of token generation when only a share of the weights fits in the fast memory: the
 * rest is read from a slower tier each token (a GPU's host RAM, or storage through mmap).
 */
export function tieredTgBound(input: {
    fastBandwidth: number;
    slowBandwidth: number;
    /** All bytes a generated token reads (weights + KV). */
    bytesPerToken: number;
    /** The weights' part of it. */
    weightBytesPerToken: number;
    /** Share of the weights held in fast memory, 0..1. */
    fastShare: number;
}): number {
    const share = Math.min(1, Math.max(0, input.fastShare));
    const slowBytes = input.weightBytesPerToken * (1 - share);
    const seconds = (input.bytesPerToken - slowBytes) / input.fastBandwidth + slowBytes / input.slowBandwidth;
    return 1 / seconds;
}

/** Upper bound of prompt processing, tokens/sec. */
export function ppBound(opsPerSecond: number, activeParameters: number): number {
    if (!(activeParameters > 0)) throw new Error("active parameters must be positive");
    return opsPerSecond / (2 * activeParameters);
}

/** The memory bandwidth a claimed generation speed needs, bytes/sec. */
export function neededBandwidth(tokensPerSecond: number, bytesPerToken: number): number {
    return tokensPerSecond * bytesPerToken;
}

export interface Range {
    low: number;
    high: number;
}

/** What llama.cpp typically reaches: the bound scaled by an efficiency range. */
export function typicalRange(bound: number, efficiency: EfficiencyRange): Range {
    return {low: bound * efficiency.low, high: bound * efficiency.high};
}

/**
 * This machine, once calibrated: each generated token costs a fixed time per layer (graph launch,
 * thread sync: what dominates tiny models) plus its bytes at the bandwidth llama.cpp reaches here.
 */
export interface CalibratedCost {
    /** Memory bandwidth llama.cpp's token generation reaches on this machine, bytes/sec. */
    effectiveBandwidth: number;
    /** Seconds per layer per generated token that do not scale with bytes. */
    secondsPerLayer: number;
}

export function calibratedTokensPerSecond(cost: CalibratedCost, bytesPerToken: number, layers: number): number {
    return 1 / (cost.secondsPerLayer * layers + bytesPerToken / cost.effectiveBandwidth);
}

/**
 * Fit the calibrated cost to measured points: least squares of the time per token on layers and
 * bytes, through the origin, weighted by 1 / time so that every point's *relative* error counts
 * the same (unweighted, the largest model's milliseconds would decide the fit and the smallest
 * model's per-layer cost would be left to chance). Two or more points of different bytes-per-layer
 * are needed; points spanning the sizes to be predicted keep predictions interpolations.
 */
export function fitCalibratedCost(
    points: readonly {bytesPerToken: number; layers: number; tokensPerSecond: number}[]
): CalibratedCost {
    if (points.length < 2) throw new Error("calibration needs at least two models");
    // Each row divided by its time: minimise sum ((a * layers + b * bytes) / time - 1)^2; normal equations of the 2x2 system.
    let sll = 0;
    let slb = 0;
    let sbb = 0;
    let slt = 0;
    let sbt = 0;
    for (const point of points) {
        const time = 1 / point.tokensPerSecond;
        const layers = point.layers / time;
        const bytes = point.bytesPerToken / time;
        sll += layers * layers;
        slb += layers * bytes;
        sbb += bytes * bytes;
        slt += layers;
        sbt += bytes;
    }
    const determinant = sll * sbb - slb * slb;
    if (Math.abs(determinant) < 1e-12 * sll * sbb) throw new Error("calibration models must differ in bytes per layer");
    let a = (slt * sbb - slb * sbt) / determinant;
    let b = (sll * sbt - slb * slt) / determinant;
    if (a < 0 || !(b > 0)) {
        // Noise hid one of the two costs: bytes alone explain the times (always positive).
        a = 0;
        b = sbt / sbb;
    }
    return {effectiveBandwidth: 1 / b, secondsPerLayer: a};
}

// ---------------------------------------------------------------------------------------------
// Fit: does a model fit in a device's memory?
// ---------------------------------------------------------------------------------------------

export interface MemoryNeed {
    weightBytes: number;
    kvBytes: number;
    /** Whether the KV cache per token is known (from a shape or header); without it `kvBytes` is 0. */
    kvKnown: boolean;
    overheadBytes: number;
    totalBytes: number;
}

/** Memory to run a model: the weights as loaded (the file), the KV cache at `context` tokens, and runtime buffers. */
export function memoryNeed(input: {
    weightBytes: number;
    kvBytesPerToken: number | null;
    context: number;
    overheadBytes: number;
}): MemoryNeed {
    const kvBytes = (input.kvBytesPerToken ?? 0) * input.context;
    return {
        weightBytes: input.weightBytes,
        kvBytes,
        kvKnown: input.kvBytesPerToken != null,
        overheadBytes: input.overheadBytes,
        totalBytes: input.weightBytes + kvBytes + input.overheadBytes
    };
}

export type FitOutcome = "fits" | "tight" | "does-not-fit";

/**
 * `fits` within the usable share of memory; `tight` above that share but within the capacity (it
 * may load with everything else closed, or with the OS limit raised); `does-not-fit` above the capacity.
 */
export function fitOutcome(needBytes: number, capacityBytes: number, usableFraction: number): FitOutcome {
    if (needBytes <= capacityBytes * usableFraction) return "fits";
    if (needBytes <= capacityBytes) return "tight";
    return "does-not-fit";
}
