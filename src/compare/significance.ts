import {permutationTest} from "simple-statistics";
import {welchTTestFromSummaries, type SampleSummary} from "../util/stats.js";

/**
 * Is the difference between two sets of samples real? On raw samples (llmproof results, llama-bench
 * JSON/JSONL): simple-statistics' `permutationTest`, two-sided, with the difference of means as
 * its statistic and 10,000 random relabellings drawn from a seeded generator (so the same inputs
 * always give the same p-value). It assumes no distribution, which suits a handful of throughput
 * samples with outliers; simple-statistics has no p-value for Welch's t or Mann–Whitney U (its
 * `tTestTwoSample` and `wilcoxonRankSum` return only the statistic). With only summaries
 * (llama-bench CSV/SQL keep no samples): Welch's t-test from means, standard deviations and the
 * repetition count (src/util/stats.ts).
 */

export const DEFAULT_ALPHA = 0.05;
export const PERMUTATIONS = 10_000;

export interface SignificanceResult {
    method: "permutation" | "welch" | null;
    pValue: number | null;
    significant: boolean;
    note: string | null;
}

/** mulberry32: a small seeded generator for the permutation test, so p-values repeat exactly. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** The number of ways to choose k of n (as a float; exact well beyond the sample counts used here). */
function choose(n: number, k: number): number {
    let result = 1;
    for (let index = 1; index <= k; index++) result = (result * (n - k + index)) / index;
    return result;
}

/**
 * The smallest two-sided p-value a permutation test can give for these sample counts (every
 * value distinct): 2 / C(nA + nB, nA). At 3 vs 3 it is 0.1, so nothing can be significant at 0.05.
 */
export function smallestPossiblePValue(nA: number, nB: number): number {
    return Math.min(1, 2 / choose(nA + nB, nA));
}

export function testRawSamples(
    baseline: readonly number[],
    candidate: readonly number[],
    alpha = DEFAULT_ALPHA
): SignificanceResult {
    if (baseline.length < 2 || candidate.length < 2)
        return {
            method: null,
            pValue: null,
            significant: false,
            note: `one sample on a side (n=${baseline.length} vs ${candidate.length}): no test is possible`
        };
    const pValue = permutationTest(
        [...candidate],
        [...baseline],
        "two_side",
        PERMUTATIONS,
        seededRandom(0x5eed + baseline.length * 131 + candidate.length)
    );
    const floor = smallestPossiblePValue(baseline.length, candidate.length);
    const note =
        floor > alpha
            ? `too few samples to show a difference (n=${baseline.length} vs ${candidate.length}: ` +
              `the smallest possible p is ${floor.toFixed(2)}); measure with more repetitions (-r 5 or more)`
            : null;
    return {method: "permutation", pValue, significant: floor <= alpha && pValue < alpha, note};
}

export function testSummaries(
    baseline: SampleSummary | null,
    candidate: SampleSummary | null,
    alpha = DEFAULT_ALPHA
): SignificanceResult {
    if (baseline === null || candidate === null)
        return {
            method: null,
            pValue: null,
            significant: false,
            note: "llama-bench CSV and SQL outputs keep no samples or repetition count; give --assume-n (llama-bench's -r) for a Welch t-test"
        };
    const result = welchTTestFromSummaries(baseline, candidate);
    if (result === null)
        return {
            method: null,
            pValue: null,
            significant: false,
            note: "fewer than 2 repetitions, or no spread: no test"
        };
    return {method: "welch", pValue: result.pValue, significant: result.pValue < alpha, note: null};
}
