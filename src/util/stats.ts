/**
 * Descriptive statistics shared by every measurement (bench samples, quality scores, claim
 * surveys): pure functions over plain arrays, no I/O.
 */

export function mean(samples: readonly number[]): number {
    assertNonEmpty(samples);
    let sum = 0;
    for (const sample of samples) sum += sample;
    return sum / samples.length;
}

export function median(samples: readonly number[]): number {
    assertNonEmpty(samples);
    const sorted = [...samples].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Sample standard deviation with Bessel's correction (n − 1), as llama-bench's stddev_ts; null for n < 2. */
export function sampleStandardDeviation(samples: readonly number[]): number | null {
    if (samples.length < 2) return null;
    const average = mean(samples);
    let squares = 0;
    for (const sample of samples) squares += (sample - average) ** 2;
    return Math.sqrt(squares / (samples.length - 1));
}

/** 95% CI of the mean: mean ± t(0.975, n−1) · s / √n. Student's t because n is small (5 by default). */
export function confidenceInterval95(samples: readonly number[]): [number, number] | null {
    const stddev = sampleStandardDeviation(samples);
    if (stddev === null) return null;
    const average = mean(samples);
    const halfWidth = (studentTQuantile(0.975, samples.length - 1) * stddev) / Math.sqrt(samples.length);
    return [average - halfWidth, average + halfWidth];
}

/** CI half-width relative to the mean; null when there is no CI or the mean is 0. */
export function relativeCiHalfWidth(samples: readonly number[]): number | null {
    const interval = confidenceInterval95(samples);
    if (interval === null) return null;
    const average = mean(samples);
    if (average === 0) return null;
    return (interval[1] - interval[0]) / 2 / Math.abs(average);
}

/**
 * Linear interpolation between the closest ranks of sorted values, as llama.cpp's `percentile`
 * lambda (fraction 0 is the minimum, 1 the maximum).
 */
export function percentileOfSorted(sorted: ArrayLike<number>, fraction: number): number {
    if (sorted.length === 0) return NaN;
    if (fraction <= 0) return sorted[0]!;
    if (fraction >= 1) return sorted[sorted.length - 1]!;
    let position = fraction * (sorted.length - 1);
    const index = Math.floor(position);
    position -= index;
    return (1 - position) * sorted[index]! + position * sorted[Math.min(index + 1, sorted.length - 1)]!;
}

/** The median as llama.cpp computes it (mean of the two middle values for an even count). */
export function medianOfSorted(sorted: ArrayLike<number>): number {
    const n = sorted.length;
    if (n === 0) return NaN;
    return n % 2 === 0 ? 0.5 * (sorted[n / 2]! + sorted[n / 2 - 1]!) : sorted[(n - 1) / 2]!;
}

// ---------------------------------------------------------------------------------------------
// Student's t quantile, computed (not tabulated) so any sample count works: the t CDF is written
// with the regularized incomplete beta function and inverted by bisection.

/** The p-quantile of Student's t distribution with `degreesOfFreedom` (> 0). */
export function studentTQuantile(p: number, degreesOfFreedom: number): number {
    if (!(p > 0 && p < 1)) throw new RangeError(`quantile probability must be in (0, 1), got ${p}`);
    if (!(degreesOfFreedom > 0)) throw new RangeError(`degrees of freedom must be positive, got ${degreesOfFreedom}`);
    if (p === 0.5) return 0;
    if (p < 0.5) return -studentTQuantile(1 - p, degreesOfFreedom);
    let low = 0;
    let high = 1;
    while (studentTCdf(high, degreesOfFreedom) < p) high *= 2;
    for (let iteration = 0; iteration < 200 && high - low > 1e-12 * Math.max(1, high); iteration++) {
        const middle = (low + high) / 2;
        if (studentTCdf(middle, degreesOfFreedom) < p) low = middle;
        else high = middle;
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
    if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
    return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Lentz's method for the incomplete beta continued fraction. */
function betaContinuedFraction(x: number, a: number, b: number): number {
    const tiny = 1e-300;
    let c = 1;
    let d = 1 - ((a + b) * x) / (a + 1);
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    let result = d;
    for (let m = 1; m <= 300; m++) {
        const m2 = 2 * m;
        let term = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
        d = 1 + term * d;
        if (Math.abs(d) < tiny) d = tiny;
        c = 1 + term / c;
        if (Math.abs(c) < tiny) c = tiny;
        d = 1 / d;
        result *= d * c;
        term = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
        d = 1 + term * d;
        if (Math.abs(d) < tiny) d = tiny;
        c = 1 + term / c;
        if (Math.abs(c) < tiny) c = tiny;
        d = 1 / d;
        const delta = d * c;
        result *= delta;
        if (Math.abs(delta - 1) < 1e-15) break;
    }
    return result;
}

/** Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for positive arguments. */
function logGamma(z: number): number {
    const coefficients = [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
    ];
    if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
    const shifted = z - 1;
    let sum = coefficients[0]!;
    for (let index = 1; index < coefficients.length; index++) sum += coefficients[index]! / (shifted + index);
    const t = shifted + 7.5;
    return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

function assertNonEmpty(samples: readonly number[]): void {
    if (samples.length === 0) throw new RangeError("statistics need at least one sample");
}

// ---------------------------------------------------------------------------------------------
// Two-sample comparisons from summaries (mean, sample standard deviation, count), for `compare`.

export interface SampleSummary {
    mean: number;
    /** Sample standard deviation (n − 1). */
    stddev: number;
    n: number;
}

/** Welch–Satterthwaite degrees of freedom for two variance terms v = s²/n (each with n − 1 df). */
function welchDegreesOfFreedom(termA: number, nA: number, termB: number, nB: number): number {
    const numerator = (termA + termB) ** 2;
    const denominator = termA ** 2 / (nA - 1) + termB ** 2 / (nB - 1);
    return denominator === 0 ? nA + nB - 2 : numerator / denominator;
}

/**
 * Welch's unequal-variances t-test from summaries, two-sided: the test to use when only means,
 * standard deviations and counts are known (llama-bench's CSV and SQL outputs keep no samples).
 * Null when either side has fewer than 2 samples or both have no spread.
 */
export function welchTTestFromSummaries(
    a: SampleSummary,
    b: SampleSummary
): {t: number; degreesOfFreedom: number; pValue: number} | null {
    if (a.n < 2 || b.n < 2) return null;
    const termA = a.stddev ** 2 / a.n;
    const termB = b.stddev ** 2 / b.n;
    if (termA + termB === 0) return null;
    const t = (b.mean - a.mean) / Math.sqrt(termA + termB);
    const degreesOfFreedom = welchDegreesOfFreedom(termA, a.n, termB, b.n);
    const pValue = Math.min(1, 2 * (1 - studentTCdf(Math.abs(t), degreesOfFreedom)));
    return {t, degreesOfFreedom, pValue};
}

/**
 * 95% confidence interval of the ratio of two means b / a, from the log ratio (delta method:
 * var(log mean) ≈ s² / (n · mean²)) with Welch–Satterthwaite degrees of freedom, exponentiated.
 * Null when a side has fewer than 2 samples or a non-positive mean.
 */
export function ratioConfidenceInterval95(a: SampleSummary, b: SampleSummary): [number, number] | null {
    if (a.n < 2 || b.n < 2 || !(a.mean > 0) || !(b.mean > 0)) return null;
    const termA = a.stddev ** 2 / (a.n * a.mean ** 2);
    const termB = b.stddev ** 2 / (b.n * b.mean ** 2);
    const ratio = b.mean / a.mean;
    if (termA + termB === 0) return [ratio, ratio];
    const halfWidth = studentTQuantile(0.975, welchDegreesOfFreedom(termA, a.n, termB, b.n)) * Math.sqrt(termA + termB);
    const logRatio = Math.log(ratio);
    return [Math.exp(logRatio - halfWidth), Math.exp(logRatio + halfWidth)];
}

/** 95% CI of a mean from a summary (Student's t, n − 1 df); null for n < 2. */
export function confidenceInterval95FromSummary(summary: SampleSummary): [number, number] | null {
    if (summary.n < 2) return null;
    const halfWidth = (studentTQuantile(0.975, summary.n - 1) * summary.stddev) / Math.sqrt(summary.n);
    return [summary.mean - halfWidth, summary.mean + halfWidth];
}
