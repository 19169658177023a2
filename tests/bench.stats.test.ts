import {describe, expect, it} from "vitest";
import {modifiedZScores, OUTLIER_THRESHOLD, sampleWarnings, shouldStopAdaptive, summarize} from "../src/bench/stats.js";
import {
    confidenceInterval95,
    mean,
    median,
    relativeCiHalfWidth,
    sampleStandardDeviation,
    studentTCdf,
    studentTQuantile
} from "../src/util/stats.js";
import type {RepetitionPolicy} from "../src/results/config.js";

describe("descriptive statistics", () => {
    it("computes mean, median and the sample standard deviation (n − 1) of known samples", () => {
        expect(mean([10, 12, 14])).toBe(12);
        expect(median([14, 10, 12])).toBe(12);
        expect(median([4, 1, 3, 2])).toBe(2.5);
        // ((10-12)² + 0 + (14-12)²) / (3 − 1) = 4 → s = 2
        expect(sampleStandardDeviation([10, 12, 14])).toBe(2);
        // (0 + 4 + 4 + 1 + 1) / 4 = 2.5
        expect(sampleStandardDeviation([100, 102, 98, 101, 99])).toBeCloseTo(Math.sqrt(2.5), 12);
        expect(sampleStandardDeviation([42])).toBeNull();
        expect(() => mean([])).toThrow(RangeError);
    });

    it("has Student's t quantiles that match published tables", () => {
        // t(0.975, ν) from standard tables
        expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706205, 5);
        expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.302653, 5);
        expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.776445, 5);
        expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.262157, 5);
        expect(studentTQuantile(0.975, 29)).toBeCloseTo(2.04523, 5);
        expect(studentTQuantile(0.975, 100)).toBeCloseTo(1.983972, 5);
        expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.959966, 4);
        expect(studentTQuantile(0.025, 4)).toBeCloseTo(-2.776445, 5);
        expect(studentTQuantile(0.5, 7)).toBe(0);
        expect(studentTCdf(0, 3)).toBeCloseTo(0.5, 12);
        // ν = 1 is the Cauchy distribution: P(T ≤ 1) = 3/4
        expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 10);
    });

    it("computes the 95% CI of the mean with t, not z, for small n", () => {
        // 12 ± t(0.975, 2) · 2 / √3 = 12 ± 4.968275
        const [low, high] = confidenceInterval95([10, 12, 14])!;
        expect(low).toBeCloseTo(12 - 4.968275, 5);
        expect(high).toBeCloseTo(12 + 4.968275, 5);
        // 100 ± t(0.975, 4) · √2.5 / √5 = 100 ± 1.963243
        const [low5, high5] = confidenceInterval95([100, 102, 98, 101, 99])!;
        expect(low5).toBeCloseTo(98.036757, 5);
        expect(high5).toBeCloseTo(101.963243, 5);
        expect(relativeCiHalfWidth([100, 102, 98, 101, 99])).toBeCloseTo(0.01963243, 7);
        expect(confidenceInterval95([5])).toBeNull();
    });

    it("summarizes samples, with null spread for a single sample", () => {
        expect(summarize([10, 12, 14])).toMatchObject({n: 3, mean: 12, median: 12, stddev: 2, min: 10, max: 14});
        expect(summarize([7])).toEqual({
            n: 1,
            mean: 7,
            median: 7,
            stddev: null,
            min: 7,
            max: 7,
            ci95: null,
            ci95RelativeHalfWidth: null
        });
    });
});

describe("hyperfine-style warnings", () => {
    const rate = {direction: "higher-is-better", label: "tg t/s", warmupUsed: true} as const;
    const latency = {direction: "lower-is-better", label: "TTFT", warmupUsed: true} as const;

    it("scores samples by (x − median) / MAD with hyperfine's threshold 14.826", () => {
        expect(OUTLIER_THRESHOLD).toBeCloseTo(14.826, 10);
        // median 100.25, MAD 0.75 → (150 − 100.25) / 0.75 = 66.33
        const scores = modifiedZScores([100, 101, 99, 100.5, 99.5, 150]);
        expect(scores[5]).toBeCloseTo(66.333333, 5);
        expect(scores[0]).toBeCloseTo(-1 / 3, 10);
    });

    it("stays quiet for stable samples", () => {
        expect(sampleWarnings([100, 102, 98, 101, 99], rate)).toEqual([]);
        expect(sampleWarnings([42], rate)).toEqual([]);
    });

    it("flags an outlier that is not the first run", () => {
        const kinds = sampleWarnings([100, 101, 99, 100.5, 99.5, 150], rate).map((warning) => warning.kind);
        expect(kinds).toContain("outliers");
        expect(kinds).not.toContain("slow-first-run");
    });

    it("flags a slow first run: a low rate for t/s, a high time for TTFT", () => {
        // (the far-off sample also widens the CI, so "wide-ci" comes along)
        const slowRates = [50, 100, 101, 99, 100.5, 99.5];
        expect(sampleWarnings(slowRates, rate).map((warning) => warning.kind)).toEqual(["slow-first-run", "wide-ci"]);
        // The same numbers as milliseconds: the first run was FASTER, so it is only an outlier.
        expect(sampleWarnings(slowRates, latency).map((warning) => warning.kind)).toEqual(["outliers", "wide-ci"]);
        const slowTimes = [200, 100, 101, 99, 100.5, 99.5];
        expect(sampleWarnings(slowTimes, latency).map((warning) => warning.kind)).toEqual([
            "slow-first-run",
            "wide-ci"
        ]);
        expect(sampleWarnings(slowTimes, latency)[0]!.message).toMatch(/first run was significantly slower/);
    });

    it("flags an outlier when more than half the samples are identical (MAD = 0)", () => {
        expect(sampleWarnings([100, 100, 100, 100, 99], rate).map((warning) => warning.kind)).toEqual(["outliers"]);
        expect(sampleWarnings([100, 100, 100, 100, 100], rate)).toEqual([]);
    });

    it("flags a CI wider than ±5% of the mean, and not one just inside", () => {
        // 100 ± 49.7 → ±49.7%
        const wide = sampleWarnings([80, 120, 100], rate);
        expect(wide.map((warning) => warning.kind)).toEqual(["wide-ci"]);
        expect(wide[0]!.message).toMatch(/±49\.7%/);
        // ±1.96% is fine
        expect(sampleWarnings([100, 102, 98, 101, 99], rate)).toEqual([]);
        // the threshold is configurable
        expect(
            sampleWarnings([100, 102, 98, 101, 99], {...rate, wideCiThreshold: 0.01}).map((warning) => warning.kind)
        ).toEqual(["wide-ci"]);
    });
});

describe("shouldStopAdaptive", () => {
    const fixed: RepetitionPolicy = {warmup: 1, repetitions: 5, adaptive: null};
    const adaptive: RepetitionPolicy = {
        warmup: 1,
        repetitions: 3,
        adaptive: {maxRepetitions: 10, targetRelativeCi: 0.05, maxSeconds: 60}
    };

    it("runs exactly the requested repetitions in fixed mode", () => {
        expect(shouldStopAdaptive([1, 2, 3, 4], fixed, 1000)).toEqual({stop: false, reason: null});
        expect(shouldStopAdaptive([1, 2, 3, 4, 5], fixed, 0)).toEqual({stop: true, reason: "repetitions-done"});
    });

    it("runs the minimum first, then stops when the CI is tight", () => {
        expect(shouldStopAdaptive([100, 100.1], adaptive, 0).stop).toBe(false);
        expect(shouldStopAdaptive([100, 100.1, 99.9], adaptive, 0)).toEqual({stop: true, reason: "ci-target-met"});
    });

    it("goes on while the CI is wide, until the time budget or the repetition cap", () => {
        expect(shouldStopAdaptive([80, 120, 100], adaptive, 1)).toEqual({stop: false, reason: null});
        expect(shouldStopAdaptive([80, 120, 100], adaptive, 61)).toEqual({stop: true, reason: "time-budget-spent"});
        expect(shouldStopAdaptive([80, 120, 100, 80, 120, 100, 80, 120, 100, 80], adaptive, 1)).toEqual({
            stop: true,
            reason: "max-repetitions"
        });
    });

    it("needs two samples for a CI even when one repetition was asked for", () => {
        const one: RepetitionPolicy = {...adaptive, repetitions: 1};
        expect(shouldStopAdaptive([100], one, 0).stop).toBe(false);
        expect(shouldStopAdaptive([100, 100.5], one, 0)).toEqual({stop: true, reason: "ci-target-met"});
    });
});
