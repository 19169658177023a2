import type {SampleStatsRecord} from "../results/schema.js";
import type {LadderRung, QualityMetric} from "./schema.js";

/**
 * The Pareto front of a ladder over three objectives: smaller file, faster generation, better
 * quality. Rung B dominates rung A when B is at least as small, at least as fast and at least as
 * good, and strictly better in one. Speed differences count only when they are significant (the
 * two 95% confidence intervals do not overlap), so measurement noise never pushes a rung off the
 * front. Pure functions over typed rungs.
 */

export type Comparison = -1 | 0 | 1;

/** The speed a rung is judged by: generation (what a user waits for), else prompt processing. */
export function speedOf(rung: Pick<LadderRung, "tg" | "pp">): SampleStatsRecord | null {
    return rung.tg ?? rung.pp;
}

/** 1 when a is significantly faster than b, -1 when significantly slower, 0 within noise (or unknown). */
export function compareSpeed(a: SampleStatsRecord | null, b: SampleStatsRecord | null): Comparison {
    if (a === null || b === null) return 0;
    if (a.ci95 !== null && b.ci95 !== null) {
        if (a.ci95[0] > b.ci95[1]) return 1;
        if (b.ci95[0] > a.ci95[1]) return -1;
        return 0;
    }
    return a.mean > b.mean ? 1 : a.mean < b.mean ? -1 : 0;
}

/** 1 when a is better quality than b. With KL divergence, lower is better; with bits per weight, more is better. */
export function compareQuality(a: LadderRung, b: LadderRung, metric: QualityMetric): Comparison {
    const value = (rung: LadderRung) => qualityValue(rung, metric);
    const [x, y] = [value(a), value(b)];
    if (x === null || y === null) return 0;
    const sign = metric === "kl-divergence" ? -1 : 1;
    return x === y ? 0 : (Math.sign((x - y) * sign) as Comparison);
}

/** The number quality is judged by (KL divergence: 0 for the baseline), or null when unknown. */
export function qualityValue(rung: LadderRung, metric: QualityMetric): number | null {
    if (metric === "bits-per-weight") return rung.bitsPerWeight;
    if (rung.quality === null) return null;
    return rung.quality.isBaseline ? 0 : (rung.quality.klDivergence?.value ?? null);
}

/** Whether every ok rung has the figure the metric needs, so quality can be judged by it. */
export function qualityMetricFor(rungs: readonly LadderRung[]): QualityMetric {
    const measured = rungs.filter((rung) => rung.status === "ok");
    return measured.length > 0 && measured.every((rung) => qualityValue(rung, "kl-divergence") !== null)
        ? "kl-divergence"
        : "bits-per-weight";
}

/** Whether `b` dominates `a`: at least as small, as fast and as good, and strictly better in one of them. */
export function dominates(b: LadderRung, a: LadderRung, metric: QualityMetric): boolean {
    const size: Comparison = b.fileBytes < a.fileBytes ? 1 : b.fileBytes > a.fileBytes ? -1 : 0;
    const speed = compareSpeed(speedOf(b), speedOf(a));
    const quality = compareQuality(b, a, metric);
    const all = [size, speed, quality];
    return all.every((value) => value >= 0) && all.some((value) => value > 0);
}

/** Mark the front: `front` and `dominatedBy` for every rung. Failed rungs are never on it. */
export function markParetoFront(rungs: readonly LadderRung[], metric: QualityMetric): LadderRung[] {
    const measured = rungs.filter((rung) => rung.status === "ok");
    return rungs.map((rung) => {
        if (rung.status !== "ok") return {...rung, front: false, dominatedBy: []};
        const dominatedBy = measured
            .filter((other) => other !== rung && dominates(other, rung, metric))
            .map((other) => other.quant);
        return {...rung, front: dominatedBy.length === 0, dominatedBy};
    });
}
