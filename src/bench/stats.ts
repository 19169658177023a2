import {confidenceInterval95, mean, median, relativeCiHalfWidth, sampleStandardDeviation} from "../util/stats.js";
import type {RepetitionPolicy} from "../results/config.js";

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

export function summarize(samples: readonly number[]): SampleStats {
    if (samples.length === 0) throw new RangeError("statistics need at least one sample");
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
    if (samples.length === 0) return [];
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
    if (samples.length < 2) return warnings;
    const scores = modifiedZScores(samples);
    // A slower sample has a larger time, or a smaller rate.
    const slownessOfFirst = options.direction === "lower-is-better" ? scores[0]! : -scores[0]!;
    if (slownessOfFirst > OUTLIER_THRESHOLD) {
        warnings.push({
            kind: "slow-first-run",
            message:
                `${options.label}: the first run was significantly slower than the rest (${formatSample(samples[0]!)} vs median ` +
                `${formatSample(median(samples))}); ` +
                (options.warmupUsed ? "consider more warmup runs." : "consider a warmup run (--warmup).")
        });
    } else {
        const outliers = scores.filter((score) => Math.abs(score) > OUTLIER_THRESHOLD).length;
        if (outliers > 0)
            warnings.push({
                kind: "outliers",
                message:
                    `${options.label}: ${outliers} statistical outlier${outliers === 1 ? "" : "s"} among ${samples.length} samples; ` +
                    "other programs or power management may have interfered, so close them and re-run."
            });
    }
    const threshold = options.wideCiThreshold ?? WIDE_CI_RELATIVE_HALF_WIDTH;
    const relative = relativeCiHalfWidth(samples);
    if (relative !== null && relative > threshold)
        warnings.push({
            kind: "wide-ci",
            message:
                `${options.label}: the 95% confidence interval is ±${(relative * 100).toFixed(1)}% of the mean (over ±${(threshold * 100).toFixed(0)}%); ` +
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
export function shouldStopAdaptive(
    samples: readonly number[],
    policy: RepetitionPolicy,
    elapsedSeconds: number
): AdaptiveDecision {
    const count = samples.length;
    const adaptive = policy.adaptive;
    if (adaptive === null)
        return count >= policy.repetitions ? {stop: true, reason: "repetitions-done"} : {stop: false, reason: null};
    if (count >= adaptive.maxRepetitions) return {stop: true, reason: "max-repetitions"};
    if (count < Math.max(policy.repetitions, 2)) return {stop: false, reason: null};
    const relative = relativeCiHalfWidth(samples);
    if (relative !== null && relative <= adaptive.targetRelativeCi) return {stop: true, reason: "ci-target-met"};
    if (elapsedSeconds >= adaptive.maxSeconds) return {stop: true, reason: "time-budget-spent"};
    return {stop: false, reason: null};
}

// ---------------------------------------------------------------------------------------------
// Noisy rows.

/**
 * A row is "noisy" when a 95% CI is wider than ±20% of its mean, or reaches below zero: such a
 * number is printed, but a 5% gate on it would fire on noise alone (consecutive runs of one twin
 * gave ratios from 0.98 to 1.62 on this machine). One sample has no CI and is not judged.
 */
export const NOISY_RELATIVE_HALF_WIDTH = 0.2;

export function isNoisy(stats: Pick<SampleStats, "ci95" | "ci95RelativeHalfWidth"> | null): boolean {
    if (stats === null || stats.ci95 === null) return false;
    return (
        stats.ci95[0] < 0 ||
        (stats.ci95RelativeHalfWidth !== null && stats.ci95RelativeHalfWidth > NOISY_RELATIVE_HALF_WIDTH)
    );
}

/** The widest relative CI half-width among a row's statistics (0 when none has a CI): how unsteady the row is. */
export function worstRelativeHalfWidth(
    stats: readonly (Pick<SampleStats, "ci95" | "ci95RelativeHalfWidth"> | null)[]
): number {
    let worst = 0;
    for (const item of stats) {
        if (item === null || item.ci95 === null) continue;
        const relative = item.ci95[0] < 0 ? Infinity : (item.ci95RelativeHalfWidth ?? 0);
        worst = Math.max(worst, relative);
    }
    return worst;
}
