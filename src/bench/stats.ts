import type {RepetitionPolicy} from "./protocol.js";

/**
 * Statistics for benchmark samples. Pure functions, no I/O, so the orchestrator and the
 * measuring child can both use them.
 */

export interface SampleStats {
    n: number;
    mean: number;
    median: number;
    /** Sample standard deviation (n − 1); null with fewer than 2 samples. */
    stddev: number | null;
    min: number;
    max: number;
    /** 95% confidence interval of the mean (Student's t, n − 1 degrees of freedom); null with fewer than 2 samples. */
    ci95: [number, number] | null;
    /** CI half-width divided by the mean (0.05 = ±5%); null when the CI is. */
    ci95RelativeHalfWidth: number | null;
}

export function mean(samples: readonly number[]): number {
    assertNonEmpty(samples);
    let sum = 0;
    for (const sample of samples)
        sum += sample;
    return sum / samples.length;
}

export function median(samples: readonly number[]): number {
    assertNonEmpty(samples);
    const sorted = [...samples].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1
        ? sorted[middle]!
        : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Sample standard deviation with Bessel's correction (n − 1), as llama-bench's stddev_ts; null for n < 2. */
export function sampleStandardDeviation(samples: readonly number[]): number | null {
    if (samples.length < 2)
        return null;
    const average = mean(samples);
    let squares = 0;
    for (const sample of samples)
        squares += (sample - average) ** 2;
    return Math.sqrt(squares / (samples.length - 1));
}

/** 95% CI of the mean: mean ± t(0.975, n−1) · s / √n. Student's t because n is small (5 by default). */
export function confidenceInterval95(samples: readonly number[]): [number, number] | null {
    const stddev = sampleStandardDeviation(samples);
    if (stddev === null)
        return null;
    const average = mean(samples);
    const halfWidth = studentTQuantile(0.975, samples.length - 1) * stddev / Math.sqrt(samples.length);
    return [average - halfWidth, average + halfWidth];
}

/** CI half-width relative to the mean; null when there is no CI or the mean is 0. */
export function relativeCiHalfWidth(samples: readonly number[]): number | null {
    const interval = confidenceInterval95(samples);
    if (interval === null)
        return null;
    const average = mean(samples);
    if (average === 0)
        return null;
    return (interval[1] - interval[0]) / 2 / Math.abs(average);
}

export function summarize(samples: readonly number[]): SampleStats {
    assertNonEmpty(samples);
    return {
        n: samples.length,
        mean: mean(samples),
        median: median(samples),
        stddev: sampleStandardDeviation(samples),
        min: Math.min(...samples),
        max: Math.max(...samples),
        ci95: confidenceInterval95(samples),
        ci95RelativeHalfWidth: relativeCiHalfWidth(samples)
    };
}

// ---------------------------------------------------------------------------------------------
// Student's t quantile, computed (not tabulated) so any sample count works: the t CDF is written
// with the regularized incomplete beta function and inverted by bisection.

/** The p-quantile of Student's t distribution with `degreesOfFreedom` (> 0). */
export function studentTQuantile(p: number, degreesOfFreedom: number): number {
    if (!(p > 0 && p < 1))
        throw new RangeError(`quantile probability must be in (0, 1), got ${p}`);
    if (!(degreesOfFreedom > 0))
        throw new RangeError(`degrees of freedom must be positive, got ${degreesOfFreedom}`);
    if (p === 0.5)
        return 0;
    if (p < 0.5)
        return -studentTQuantile(1 - p, degreesOfFreedom);
    let low = 0;
    let high = 1;
    while (studentTCdf(high, degreesOfFreedom) < p)
        high *= 2;
    for (let iteration = 0; iteration < 200 && high - low > 1e-12 * Math.max(1, high); iteration++) {
        const middle = (low + high) / 2;
        if (studentTCdf(middle, degreesOfFreedom) < p)
            low = middle;
        else
            high = middle;
    }
    return (low + high) / 2;
}

/** P(T ≤ t) for Student's t with ν degrees of freedom. */
export function studentTCdf(t: number, degreesOfFreedom: number): number {
    const x = degreesOfFreedom / (degreesOfFreedom + t * t);
    const tail = 0.5 * regularizedIncompleteBeta(x, degreesOfFreedom / 2, 0.5);
    return t >= 0 ? 1 - tail : tail;
}

function regularizedIncompleteBeta(x: number, a: number, b: number): number {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
    // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
    if (x < (a + 1) / (a + b + 2))
        return Math.exp(logFront) * betaContinuedFraction(x, a, b) / a;
    return 1 - Math.exp(logFront) * betaContinuedFraction(1 - x, b, a) / b;
}

/** Lentz's method for the incomplete beta continued fraction. */
function betaContinuedFraction(x: number, a: number, b: number): number {
    const tiny = 1e-300;
    let c = 1;
    let d = 1 - (a + b) * x / (a + 1);
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    let result = d;
    for (let m = 1; m <= 300; m++) {
        const m2 = 2 * m;
        let term = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + term * d;
        if (Math.abs(d) < tiny) d = tiny;
        c = 1 + term / c;
        if (Math.abs(c) < tiny) c = tiny;
        d = 1 / d;
        result *= d * c;
        term = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + term * d;
        if (Math.abs(d) < tiny) d = tiny;
        c = 1 + term / c;
        if (Math.abs(c) < tiny) c = tiny;
        d = 1 / d;
        const delta = d * c;
        result *= delta;
        if (Math.abs(delta - 1) < 1e-15)
            break;
    }
    return result;
}

/** Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for positive arguments. */
function logGamma(z: number): number {
    const coefficients = [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7
    ];
    if (z < 0.5)
        return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
    const shifted = z - 1;
    let sum = coefficients[0]!;
    for (let index = 1; index < coefficients.length; index++)
        sum += coefficients[index]! / (shifted + index);
    const t = shifted + 7.5;
    return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

// ---------------------------------------------------------------------------------------------
// Outliers and stability warnings, the way hyperfine does it.
//
// hyperfine (sharkdp/hyperfine, src/outlier_detection.rs and src/benchmark/mod.rs) computes a
// modified Z-score per sample, z = (x − median) / MAD with MAD = median(|x − median|), and uses
// OUTLIER_THRESHOLD = 1.4826 × 10 = 14.826 (1.4826 turns the MAD into a standard-deviation
// estimate, so this is "10 standard deviations"; after Iglewicz & Hoaglin). It warns
// "first run was significantly slower" when the FIRST sample's score exceeds the threshold and
// otherwise "statistical outliers were detected" when any |z| exceeds it. hyperfine measures
// times (larger = slower); for throughput samples "slower" is the negative side.

export const OUTLIER_THRESHOLD = 1.4826 * 10;
/** A CI half-width wider than this fraction of the mean is reported as unstable (±5%). */
export const WIDE_CI_RELATIVE_HALF_WIDTH = 0.05;

/**
 * Modified Z-scores (x − median) / MAD, as hyperfine. When MAD is 0 (at least half the samples
 * identical), a sample equal to the median scores 0 and any other sample scores ±Infinity,
 * which is what hyperfine's plain division gives too.
 */
export function modifiedZScores(samples: readonly number[]): number[] {
    if (samples.length === 0)
        return [];
    const center = median(samples);
    const mad = median(samples.map((sample) => Math.abs(sample - center)));
    return samples.map((sample) => {
        const deviation = sample - center;
        if (deviation === 0) return 0;
        return mad === 0 ? Math.sign(deviation) * Infinity : deviation / mad;
    });
}

export type SampleWarningKind = "slow-first-run" | "outliers" | "wide-ci";

export interface SampleWarning {
    kind: SampleWarningKind;
    message: string;
}

export interface SampleWarningOptions {
    /** "tokens per second" samples: higher is better; "milliseconds": lower is better. */
    direction: "higher-is-better" | "lower-is-better";
    /** What the samples are, for the message ("pp t/s", "TTFT"). */
    label: string;
    /** Whether warmup runs were discarded before these samples (changes the advice). */
    warmupUsed: boolean;
    wideCiThreshold?: number;
}

/** hyperfine-style stability warnings for one set of samples (empty when they look stable). */
export function sampleWarnings(samples: readonly number[], options: SampleWarningOptions): SampleWarning[] {
    const warnings: SampleWarning[] = [];
    if (samples.length < 2)
        return warnings;
    const scores = modifiedZScores(samples);
    // A slower sample has a larger time, or a smaller rate.
    const slownessOfFirst = options.direction === "lower-is-better" ? scores[0]! : -scores[0]!;
    if (slownessOfFirst > OUTLIER_THRESHOLD) {
        warnings.push({
            kind: "slow-first-run",
            message: `${options.label}: the first run was significantly slower than the rest (${formatSample(samples[0]!)} vs median ${formatSample(median(samples))}); ` +
                (options.warmupUsed ? "consider more warmup runs." : "consider a warmup run (--warmup).")
        });
    } else {
        const outliers = scores.filter((score) => Math.abs(score) > OUTLIER_THRESHOLD).length;
        if (outliers > 0)
            warnings.push({
                kind: "outliers",
                message: `${options.label}: ${outliers} statistical outlier${outliers === 1 ? "" : "s"} among ${samples.length} samples; ` +
                    "other programs or power management may have interfered, so close them and re-run."
            });
    }
    const threshold = options.wideCiThreshold ?? WIDE_CI_RELATIVE_HALF_WIDTH;
    const relative = relativeCiHalfWidth(samples);
    if (relative !== null && relative > threshold)
        warnings.push({
            kind: "wide-ci",
            message: `${options.label}: the 95% confidence interval is ±${(relative * 100).toFixed(1)}% of the mean (over ±${(threshold * 100).toFixed(0)}%); ` +
                "more repetitions narrow it (-r, or --adaptive with a longer --max-time)."
        });
    return warnings;
}

function formatSample(value: number): string {
    return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

// ---------------------------------------------------------------------------------------------
// Repetition control.

export type StopReason = "repetitions-done" | "ci-target-met" | "max-repetitions" | "time-budget-spent";

export interface AdaptiveDecision {
    stop: boolean;
    /** Why it stopped; null while it goes on. */
    reason: StopReason | null;
}

/**
 * Decide whether to run another counted repetition, given the samples so far (warmups excluded)
 * and the seconds spent on this test so far.
 * - Fixed mode (`policy.adaptive === null`): exactly `policy.repetitions` samples.
 * - Adaptive mode: always `policy.repetitions` samples first (the minimum the user asked for,
 *   and at least 2 so a CI exists); then stop as soon as the CI half-width is within
 *   `targetRelativeCi` of the mean, or `maxRepetitions` samples exist, or `maxSeconds` are spent.
 */
export function shouldStopAdaptive(samples: readonly number[], policy: RepetitionPolicy, elapsedSeconds: number): AdaptiveDecision {
    const count = samples.length;
    const adaptive = policy.adaptive;
    if (adaptive === null)
        return count >= policy.repetitions ? {stop: true, reason: "repetitions-done"} : {stop: false, reason: null};
    if (count >= adaptive.maxRepetitions)
        return {stop: true, reason: "max-repetitions"};
    if (count < Math.max(policy.repetitions, 2))
        return {stop: false, reason: null};
    const relative = relativeCiHalfWidth(samples);
    if (relative !== null && relative <= adaptive.targetRelativeCi)
        return {stop: true, reason: "ci-target-met"};
    if (elapsedSeconds >= adaptive.maxSeconds)
        return {stop: true, reason: "time-budget-spent"};
    return {stop: false, reason: null};
}

function assertNonEmpty(samples: readonly number[]): void {
    if (samples.length === 0)
        throw new RangeError("statistics need at least one sample");
}
