import {isNoisy} from "../bench/stats.js";
import {
    confidenceInterval95,
    confidenceInterval95FromSummary,
    mean,
    ratioConfidenceInterval95,
    relativeCiHalfWidth,
    sampleStandardDeviation,
    type SampleSummary
} from "../util/stats.js";
import type {Side} from "./load.js";
import {evaluateGate} from "./gate.js";
import {
    COMPARE_SCHEMA_VERSION,
    MATCH_FIELDS,
    METRIC_INFO,
    METRICS,
    type CompareReport,
    type CompareRow,
    type GateRule,
    type MatchField,
    type Measurement,
    type Metric,
    type MetricValues,
    type SideStats
} from "./schema.js";
import {DEFAULT_ALPHA, testRawSamples, testSummaries, type SignificanceResult} from "./significance.js";

/**
 * Match the rows of two sides by model and test configuration, and compare every metric both
 * have: means, the speed-up with its 95% CI, a significance test, and a verdict (`~` when the
 * difference is not significant, as benchstat prints it). Measurements of the same key on one
 * side (several runs, a folder of sessions) are pooled.
 */

export interface CompareOptions {
    alpha?: number;
    /** Fields not to match on (e.g. "model" to hold two different quantizations against each other). */
    ignore?: readonly MatchField[];
    gate?: readonly GateRule[];
}

/** The measurements of one key on one side, pooled. */
export interface PooledGroup {
    key: string;
    first: Measurement;
    status: "ok" | "noisy" | "failed";
    failure: string | null;
    metrics: Partial<Record<Metric, MetricValues>>;
}

export function matchKey(item: Measurement, ignore: readonly MatchField[]): string {
    const parts: string[] = [];
    for (const field of MATCH_FIELDS) {
        if (ignore.includes(field)) continue;
        parts.push(field === "model" ? item.modelKey : String(item[field]));
    }
    parts.push(item.test);
    return parts.join("\u0000");
}

export function poolGroups(measurements: readonly Measurement[], ignore: readonly MatchField[]): PooledGroup[] {
    const groups = new Map<string, Measurement[]>();
    for (const item of measurements) {
        const key = matchKey(item, ignore);
        const list = groups.get(key);
        if (list === undefined) groups.set(key, [item]);
        else list.push(item);
    }
    return [...groups.entries()].map(([key, items]) => {
        const working = items.filter((item) => item.status !== "failed");
        const metrics: Partial<Record<Metric, MetricValues>> = {};
        for (const metric of METRICS) {
            const values = working.map((item) => item.metrics[metric]).filter((value) => value !== undefined);
            if (values.length === 0) continue;
            const summaries = values.filter((value) => value.summary !== null);
            if (summaries.length > 0 && summaries.length === values.length) {
                // Only summaries (llama-bench CSV/SQL): the mean of means, the root-mean-square deviation, the summed counts.
                const counts = summaries.map((value) => value.summary!.n);
                metrics[metric] = {
                    samples: [],
                    summary: {
                        mean: mean(summaries.map((value) => value.summary!.mean)),
                        stddev: Math.sqrt(mean(summaries.map((value) => (value.summary!.stddev ?? 0) ** 2))),
                        n: counts.every((count) => count !== null)
                            ? counts.reduce((sum, count) => sum! + count!, 0)
                            : null
                    }
                };
            } else metrics[metric] = {samples: values.flatMap((value) => value.samples), summary: null};
        }
        const status =
            working.length === 0 ? "failed" : working.some((item) => item.status === "noisy") ? "noisy" : "ok";
        return {
            key,
            first: items[0]!,
            status,
            failure: working.length === 0 ? (items.find((item) => item.failure !== null)?.failure ?? "failed") : null,
            metrics
        };
    });
}

function summaryOf(values: MetricValues): SampleSummary | null {
    if (values.summary !== null)
        return values.summary.n === null || values.summary.stddev === null
            ? null
            : {mean: values.summary.mean, stddev: values.summary.stddev, n: values.summary.n};
    if (values.samples.length === 0) return null;
    return {
        mean: mean(values.samples),
        stddev: sampleStandardDeviation(values.samples) ?? 0,
        n: values.samples.length
    };
}

function sideStats(values: MetricValues, groupStatus: PooledGroup["status"]): SideStats {
    if (values.summary !== null) {
        const summary = summaryOf(values);
        const ci95 = summary === null ? null : confidenceInterval95FromSummary(summary);
        const relative = ci95 === null ? null : (ci95[1] - ci95[0]) / 2 / Math.abs(values.summary.mean);
        return {
            n: values.summary.n,
            mean: values.summary.mean,
            stddev: values.summary.stddev,
            ci95,
            status:
                groupStatus === "failed"
                    ? "failed"
                    : isNoisy(ci95 === null ? null : {ci95, ci95RelativeHalfWidth: relative})
                      ? "noisy"
                      : "ok",
            rawSamples: false
        };
    }
    const ci95 = confidenceInterval95(values.samples);
    return {
        n: values.samples.length,
        mean: mean(values.samples),
        stddev: sampleStandardDeviation(values.samples),
        ci95,
        status:
            groupStatus === "failed"
                ? "failed"
                : isNoisy({ci95, ci95RelativeHalfWidth: relativeCiHalfWidth(values.samples)})
                  ? "noisy"
                  : "ok",
        rawSamples: true
    };
}

function significanceOf(baseline: MetricValues, candidate: MetricValues, alpha: number): SignificanceResult {
    if (baseline.summary === null && candidate.summary === null)
        return testRawSamples(baseline.samples, candidate.samples, alpha);
    return testSummaries(summaryOf(baseline), summaryOf(candidate), alpha);
}

export function compareRow(
    base: PooledGroup,
    candidate: PooledGroup,
    metric: Metric,
    alpha: number
): CompareRow | null {
    const baseValues = base.metrics[metric];
    const candidateValues = candidate.metrics[metric];
    if (baseValues === undefined || candidateValues === undefined) return null;
    const baseline = sideStats(baseValues, base.status);
    const cand = sideStats(candidateValues, candidate.status);
    const info = METRIC_INFO[metric];
    const ratio = baseline.mean !== 0 ? cand.mean / baseline.mean : null;
    const baseSummary = summaryOf(baseValues);
    const candidateSummary = summaryOf(candidateValues);
    const ratioCi = baseSummary && candidateSummary ? ratioConfidenceInterval95(baseSummary, candidateSummary) : null;
    const significance = significanceOf(baseValues, candidateValues, alpha);
    const verdict: CompareRow["verdict"] =
        significance.method === null
            ? "untested"
            : significance.significant && ratio !== null && ratio !== 1
              ? ratio > 1 === info.higherIsBetter
                  ? "better"
                  : "worse"
              : "same";
    const first = candidate.first;
    return {
        model: first.model,
        test: first.test,
        threads: first.threads,
        batch: first.batch,
        ubatch: first.ubatch,
        ngl: first.ngl,
        fa: first.fa,
        mmap: first.mmap,
        metric,
        unit: info.unit,
        baseline,
        candidate: cand,
        ratio,
        change: ratio === null ? null : ratio - 1,
        changeCi95: ratioCi === null ? null : [ratioCi[0] - 1, ratioCi[1] - 1],
        speedup: ratio === null || ratio === 0 ? null : info.higherIsBetter ? ratio : 1 / ratio,
        speedupCi95: ratioCi === null ? null : info.higherIsBetter ? ratioCi : [1 / ratioCi[1], 1 / ratioCi[0]],
        significance: {
            method: significance.method,
            pValue: significance.pValue,
            alpha,
            significant: significance.significant,
            note: significance.note
        },
        verdict
    };
}

export function compareSides(baseline: Side, candidate: Side, options: CompareOptions = {}): CompareReport {
    const alpha = options.alpha ?? DEFAULT_ALPHA;
    const ignore = options.ignore ?? [];
    const baseGroups = poolGroups(baseline.measurements, ignore);
    const candidateGroups = poolGroups(candidate.measurements, ignore);
    const candidateByKey = new Map(candidateGroups.map((group) => [group.key, group]));
    const baseKeys = new Set(baseGroups.map((group) => group.key));

    const rows: CompareRow[] = [];
    const failed: CompareReport["failed"] = [];
    const describe = (group: PooledGroup) => ({
        model: group.first.model,
        test: group.first.test,
        threads: group.first.threads,
        status: group.status
    });
    for (const base of baseGroups) {
        const cand = candidateByKey.get(base.key);
        if (cand === undefined) continue;
        if (base.status === "failed" || cand.status === "failed") {
            for (const [side, group] of [
                ["baseline", base],
                ["candidate", cand]
            ] as const)
                if (group.status === "failed")
                    failed.push({...describe(group), side, reason: group.failure ?? "failed"});
            continue;
        }
        for (const metric of METRICS) {
            const row = compareRow(base, cand, metric, alpha);
            if (row !== null) rows.push(row);
        }
    }
    for (const cand of candidateGroups)
        if (!baseKeys.has(cand.key) && cand.status === "failed")
            failed.push({...describe(cand), side: "candidate", reason: cand.failure ?? "failed"});

    return {
        schemaVersion: COMPARE_SCHEMA_VERSION,
        baseline: {sources: baseline.sources, measurements: baseline.measurements.length},
        candidate: {sources: candidate.sources, measurements: candidate.measurements.length},
        alpha,
        matchedOn: [...MATCH_FIELDS.filter((field) => !ignore.includes(field)), "test"],
        rows,
        failed,
        unmatched: {
            baseline: baseGroups.filter((group) => !candidateByKey.has(group.key)).map(describe),
            candidate: candidateGroups.filter((group) => !baseKeys.has(group.key)).map(describe)
        },
        gate:
            options.gate === undefined || options.gate.length === 0
                ? null
                : evaluateGate(options.gate, rows, candidateGroups)
    };
}
