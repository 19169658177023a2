import {describe, expect, it} from "vitest";
import {chooseBaseline} from "../src/ladder/index.js";
import {compareSpeed, markParetoFront, qualityMetricFor} from "../src/ladder/pareto.js";
import {MEMORY_BUDGET_SHARE, recommendQuant} from "../src/ladder/recommend.js";
import {LadderRungSchema, type LadderRung} from "../src/ladder/schema.js";
import {renderLadder} from "../src/ladder/render.js";
import {summarize} from "../src/bench/stats.js";

/** A rung from raw tg samples (statistics by the bench's own summarize), size and quality. */
function rung(quant: string, fileBytes: number, tgSamples: number[], extra: Partial<LadderRung> = {}): LadderRung {
    return LadderRungSchema.parse({
        quant,
        source: "file",
        path: `/models/${quant}.gguf`,
        fileName: `${quant}.gguf`,
        fileBytes,
        parameterCount: 1_000_000,
        bitsPerWeight: (fileBytes * 8) / 1_000_000,
        reductionVs16Bit: 1 - fileBytes / 2_000_000,
        reductionVsF32: 1 - fileBytes / 4_000_000,
        status: "ok",
        failure: null,
        pp: null,
        tg: summarize(tgSamples),
        ttftMs: null,
        peakRssBytes: fileBytes + 50_000_000,
        quality: null,
        front: false,
        dominatedBy: [],
        ...extra
    });
}

const kld = (value: number) => ({
    isBaseline: false,
    perplexity: {value: 10, uncertainty: 0.1},
    klDivergence: {value, uncertainty: value / 10},
    sameTop: {value: 0.9, uncertainty: 0.01}
});
const baselineQuality = {
    isBaseline: true,
    perplexity: {value: 9.9, uncertainty: 0.1},
    klDivergence: null,
    sameTop: null
};

describe("Pareto front", () => {
    it("drops a quant that another beats on size, speed and quality, and keeps trade-offs", () => {
        const rungs = [
            rung("F32", 4_000_000, [10, 10.2, 9.9], {quality: baselineQuality}),
            rung("Q8_0", 1_060_000, [30, 30.5, 29.8], {quality: kld(0.0004)}),
            // larger AND slower AND worse than Q8_0: dominated
            rung("Q5_X", 1_100_000, [20, 20.1, 19.9], {quality: kld(0.02)}),
            rung("Q4_0", 560_000, [45, 44.5, 45.2], {quality: kld(0.05)})
        ];
        const metric = qualityMetricFor(rungs);
        expect(metric).toBe("kl-divergence");
        const marked = markParetoFront(rungs, metric);
        const byQuant = Object.fromEntries(marked.map((item) => [item.quant, item]));
        expect(byQuant.F32!.front).toBe(true);
        expect(byQuant.Q8_0!.front).toBe(true);
        expect(byQuant.Q4_0!.front).toBe(true);
        expect(byQuant.Q5_X!.front).toBe(false);
        expect(byQuant.Q5_X!.dominatedBy).toEqual(["Q8_0"]);
    });

    it("does not count a speed difference inside the noise (overlapping 95% CIs)", () => {
        const noisyFast = summarize([30, 45, 38]);
        const steady = summarize([35, 35.5, 34.8]);
        expect(compareSpeed(noisyFast, steady)).toBe(0);
        expect(compareSpeed(summarize([50, 50.2, 49.9]), steady)).toBe(1);
        // Same size and quality, faster only within noise: neither dominates the other.
        const a = rung("A", 1_000_000, [30, 45, 38], {quality: kld(0.01)});
        const b = rung("B", 1_000_000, [35, 35.5, 34.8], {quality: kld(0.01)});
        expect(markParetoFront([a, b], "kl-divergence").every((item) => item.front)).toBe(true);
    });

    it("judges quality by bits per weight when no real weights were measured, and never puts a failed rung on the front", () => {
        const failed = rung("Q2_K", 300_000, [60, 61, 60], {status: "failed", failure: "crash: SIGSEGV", tg: null});
        const rungs = [rung("Q8_0", 1_060_000, [30, 30.5, 29.8]), rung("Q4_0", 560_000, [45, 44.5, 45.2]), failed];
        const metric = qualityMetricFor(rungs);
        expect(metric).toBe("bits-per-weight");
        const marked = markParetoFront(rungs, metric);
        expect(marked.map((item) => item.front)).toEqual([true, true, false]);
    });

    it("chooses the baseline closest to the original weights", () => {
        expect(chooseBaseline(["Q4_0", "Q8_0", "F16", "F32"])).toBe("F32");
        expect(chooseBaseline(["Q4_0", "BF16", "Q8_0"])).toBe("BF16");
        expect(chooseBaseline(["Q4_0", "Q8_0"])).toBe("Q8_0");
        expect(chooseBaseline(["Q4_0", "Q4_K_M"])).toBeNull();
    });
});

describe("recommendation", () => {
    const ladder = () =>
        markParetoFront(
            [
                rung("F32", 4_000_000_000, [10, 10.2, 9.9], {quality: baselineQuality}),
                rung("Q8_0", 1_060_000_000, [30, 30.5, 29.8], {quality: kld(0.0004)}),
                rung("Q6_K", 820_000_000, [31, 30.2, 30.6], {quality: kld(0.004)}),
                rung("Q4_0", 560_000_000, [45, 44.5, 45.2], {quality: kld(0.05)})
            ],
            "kl-divergence"
        );

    it("picks the fastest quant within the tolerance; a tie within noise goes to the better quality", () => {
        const pick = recommendQuant({rungs: ladder(), metric: "kl-divergence", freeMemoryBytes: 16e9});
        expect(pick.rule).toBe("fastest-within-tolerance");
        // Q4_0 is faster but loses too much; Q6_K and Q8_0 tie on speed and Q8_0 is closer to F32.
        expect(pick.pick).toBe("Q8_0");
        expect(pick.asFast).toEqual(["Q6_K"]);
        expect(pick.fits).toEqual(["F32", "Q8_0", "Q6_K", "Q4_0"]);
        expect(pick.sentence).toMatch(
            /^Pick Q8_0: within the quality tolerance \(KL divergence from the baseline at most 0\.01 nats\)/
        );
        expect(pick.sentence).toContain(
            "it ties on speed with Q6_K (overlapping 95% CIs) and has the best quality of them"
        );
    });

    it("fits the memory budget: a smaller free memory moves the pick down the ladder, then to none", () => {
        const budgetFor = (bytes: number) => bytes / MEMORY_BUDGET_SHARE;
        const small = recommendQuant({rungs: ladder(), metric: "kl-divergence", freeMemoryBytes: budgetFor(900e6)});
        expect(small.tooBig).toEqual(["F32", "Q8_0"]);
        expect(small.pick).toBe("Q6_K");
        expect(small.betterButTooBig).toBe("F32");
        expect(small.sentence).toContain("F32 would be better but does not fit");

        const tiny = recommendQuant({rungs: ladder(), metric: "kl-divergence", freeMemoryBytes: budgetFor(700e6)});
        expect(tiny.rule).toBe("best-quality-that-fits");
        expect(tiny.pick).toBe("Q4_0");

        const none = recommendQuant({rungs: ladder(), metric: "kl-divergence", freeMemoryBytes: 100e6});
        expect(none.rule).toBe("none-fits");
        expect(none.pick).toBeNull();
        expect(none.neededBytes).toBe(610_000_000);
        expect(none.sentence).toMatch(/^No quant fits: the smallest needs/);
    });

    it("renders the same facts as a table, Markdown and CSV", () => {
        const rungs = ladder();
        const recommendation = recommendQuant({rungs, metric: "kl-divergence", freeMemoryBytes: 16e9});
        const document = {
            kind: "llmproof-ladder" as const,
            schemaVersion: 1 as const,
            createdAt: new Date(0).toISOString(),
            model: {id: null, name: "Test | model", architecture: "llama", parameterCount: 1_000_000},
            settings: {
                nPrompt: 128,
                nGen: 32,
                threads: 2,
                repetitions: 3,
                warmup: 1,
                qualityContext: 256,
                qualityChunks: 8
            },
            provenance: null,
            qualityMetric: "kl-divergence" as const,
            baseline: "F32",
            rungs,
            skipped: [],
            recommendation,
            warnings: [],
            runs: []
        };
        const table = renderLadder(document, "table");
        expect(table).toContain("KLD vs F32");
        expect(table).toContain("★ pick");
        expect(table).toContain(recommendation.sentence);
        const markdown = renderLadder(document, "md");
        expect(markdown).toContain("Test \\| model");
        expect(markdown.split("\n").filter((line) => line.startsWith("| Q"))).toHaveLength(3);
        const csv = renderLadder(document, "csv").trim().split("\n");
        expect(csv[0]).toContain("kl_divergence");
        const pickColumn = csv[0]!.split(",").indexOf("pick");
        expect(csv.slice(1).map((line) => line.split(",")[pickColumn])).toEqual(["false", "true", "false", "false"]);
    });
});
