import {formatBytes, formatPercent} from "../util/units.js";
import {compareQuality, compareSpeed, qualityValue, speedOf} from "./pareto.js";
import type {LadderRung, QualityMetric, Recommendation, RecommendationRule} from "./schema.js";

/**
 * Which quant to run on this machine, as typed facts, and the one sentence that says it.
 *
 * 1. A rung fits when its memory need (the peak RSS measured here, else its file size) is within
 *    the budget: a share of the memory free now, the rest left for a longer context and the system.
 * 2. Among the rungs on the front that fit, those within the quality tolerance (KL divergence from
 *    the baseline at most 0.01 nats, or, with no real weights, at least 6 bits per weight, where
 *    llama.cpp's published K-quant tables show the loss becoming negligible) are candidates.
 * 3. The pick is the fastest candidate; rungs not significantly slower (overlapping 95% CIs) tie,
 *    and the better quality among them wins. With no candidate, the best quality that fits wins.
 */

/** Share of the free memory a model may take. */
export const MEMORY_BUDGET_SHARE = 0.8;

/** The quality tolerance, per metric: KL divergence ceiling (nats) or bits-per-weight floor. */
export const QUALITY_TOLERANCE: Readonly<Record<QualityMetric, number>> = {
    "kl-divergence": 0.01,
    "bits-per-weight": 6
};

export interface RecommendInput {
    rungs: readonly LadderRung[];
    metric: QualityMetric;
    freeMemoryBytes: number;
}

/** The memory a rung needs to run here. */
export function memoryNeed(rung: LadderRung): number {
    return rung.peakRssBytes ?? rung.fileBytes;
}

function withinTolerance(rung: LadderRung, metric: QualityMetric): boolean {
    const value = qualityValue(rung, metric);
    if (value === null) return false;
    const limit = QUALITY_TOLERANCE[metric];
    return metric === "kl-divergence" ? value <= limit : value >= limit;
}

/** Best first: better quality, then smaller. */
function byQuality(metric: QualityMetric) {
    return (a: LadderRung, b: LadderRung) => -compareQuality(a, b, metric) || a.fileBytes - b.fileBytes;
}

export function recommendQuant({rungs, metric, freeMemoryBytes}: RecommendInput): Recommendation {
    const budgetBytes = Math.floor(freeMemoryBytes * MEMORY_BUDGET_SHARE);
    const measured = rungs.filter((rung) => rung.status === "ok");
    const fitting = measured.filter((rung) => memoryNeed(rung) <= budgetBytes);
    const tooBig = measured.filter((rung) => memoryNeed(rung) > budgetBytes);
    const base = {
        qualityMetric: metric,
        tolerance: {metric, limit: QUALITY_TOLERANCE[metric]},
        freeMemoryBytes,
        budgetBytes,
        fits: fitting.map((rung) => rung.quant),
        tooBig: tooBig.map((rung) => rung.quant)
    };
    const finish = (
        rule: RecommendationRule,
        pick: LadderRung | null,
        asFast: LadderRung[] = [],
        neededBytes: number | null = pick === null ? null : memoryNeed(pick)
    ): Recommendation => {
        const betterButTooBig =
            pick === null
                ? null
                : ([...tooBig].sort(byQuality(metric)).find((rung) => compareQuality(rung, pick, metric) > 0) ?? null);
        const facts = {
            ...base,
            pick: pick?.quant ?? null,
            rule,
            neededBytes,
            asFast: asFast.filter((rung) => rung !== pick).map((rung) => rung.quant),
            betterButTooBig: betterButTooBig?.quant ?? null
        };
        return {...facts, sentence: describeRecommendation({...facts, pickRung: pick, betterRung: betterButTooBig})};
    };

    if (measured.length === 0) return finish("nothing-measured", null);
    if (fitting.length === 0) return finish("none-fits", null, [], Math.min(...measured.map(memoryNeed)));
    const onFront = fitting.filter((rung) => rung.front);
    const pool = onFront.length > 0 ? onFront : fitting;
    const candidates = pool.filter((rung) => withinTolerance(rung, metric));
    if (candidates.length === 0) return finish("best-quality-that-fits", [...pool].sort(byQuality(metric))[0]!);
    const fastest = [...candidates].sort((a, b) => (speedOf(b)?.mean ?? 0) - (speedOf(a)?.mean ?? 0))[0]!;
    const tied = candidates.filter((rung) => compareSpeed(speedOf(rung), speedOf(fastest)) === 0);
    const pick = [...tied].sort(byQuality(metric))[0]!;
    return finish("fastest-within-tolerance", pick, tied);
}

interface DescribeInput extends Omit<Recommendation, "sentence"> {
    pickRung: LadderRung | null;
    betterRung: LadderRung | null;
}

function toleranceText(metric: QualityMetric, limit: number): string {
    return metric === "kl-divergence"
        ? `KL divergence from the baseline at most ${limit} nats`
        : `at least ${limit} bits per weight, no real weights having been measured`;
}

function speedText(rung: LadderRung): string {
    const speed = speedOf(rung);
    if (speed === null) return "";
    return ` at ${speed.mean.toFixed(1)} ${rung.tg !== null ? "tg" : "pp"} t/s`;
}

/** The one place the recommendation becomes English. */
export function describeRecommendation(input: DescribeInput): string {
    const free = formatBytes(input.freeMemoryBytes);
    const budget = `${formatPercent(MEMORY_BUDGET_SHARE, 0)} of the ${free} free`;
    switch (input.rule) {
        case "nothing-measured":
            return "No quant to recommend: every measurement failed.";
        case "none-fits":
            return `No quant fits: the smallest needs ${formatBytes(input.neededBytes ?? 0)}, over ${budget} (${formatBytes(input.budgetBytes)}).`;
        case "best-quality-that-fits":
        case "fastest-within-tolerance": {
            const rung = input.pickRung!;
            const need = `needs ${formatBytes(input.neededBytes ?? 0)}, within ${budget}`;
            const tolerance = toleranceText(input.tolerance.metric, input.tolerance.limit);
            const tied = input.asFast.length > 0;
            const why =
                input.rule === "best-quality-that-fits"
                    ? `no quant that fits is within the quality tolerance (${tolerance}), and it is the best quality that does`
                    : tied
                      ? `within the quality tolerance (${tolerance}) it ties on speed with ${input.asFast.join(", ")} ` +
                        "(overlapping 95% CIs) and has the best quality of them"
                      : `the fastest quant${speedText(rung)} within the quality tolerance (${tolerance})`;
            const bigger =
                input.betterRung === null ? "" : `; ${input.betterRung.quant} would be better but does not fit`;
            return `Pick ${rung.quant}: ${why}; it ${need}${bigger}.`;
        }
    }
}
