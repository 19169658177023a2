import {describe, expect, it} from "vitest";
import {compareSides} from "../src/compare/compare.js";
import {exportCompare} from "../src/report/compare.js";
import {gateExitCode, parseGateRule} from "../src/compare/gate.js";
import type {Measurement} from "../src/compare/schema.js";
import {smallestPossiblePValue, testRawSamples, testSummaries} from "../src/compare/significance.js";
import {ExitCode, mostSevereExitCode} from "../src/util/exit-codes.js";
import {ratioConfidenceInterval95, welchTTestFromSummaries} from "../src/util/stats.js";

function measurement(overrides: Partial<Measurement> & {tg?: number[]; pp?: number[]; rss?: number[]}): Measurement {
    const {tg, pp, rss, ...rest} = overrides;
    return {
        tool: "llmproof",
        source: "test",
        model: "m.gguf",
        modelKey: "m.gguf",
        test: tg ? "tg128" : "pp512",
        threads: 2,
        batch: 2048,
        ubatch: 512,
        ngl: "cpu",
        fa: "0",
        mmap: "1",
        status: "ok",
        failure: null,
        build: "b1",
        metrics: {
            ...(tg ? {tg: {samples: tg, summary: null}} : {}),
            ...(pp ? {pp: {samples: pp, summary: null}} : {}),
            ...(rss ? {rss: {samples: rss, summary: null}} : {})
        },
        ...rest
    };
}

const side = (measurements: Measurement[]) => ({sources: ["test"], measurements});

// Consecutive runs of one twin on this machine (tg128 t/s): noise alone.
const noiseA = [55.1, 58.9, 52.4, 57.7, 54.2];
const noiseB = [53.8, 57.2, 56.1, 51.9, 58.4];
// A real 20% regression with the same spread.
const slower = noiseA.map((value) => value * 0.8);

describe("significance", () => {
    it("finds a real shift on raw samples and not noise (simple-statistics permutation test)", () => {
        const real = testRawSamples(noiseA, slower);
        expect(real.method).toBe("permutation");
        expect(real.pValue!).toBeLessThan(0.05);
        expect(real.significant).toBe(true);
        const noise = testRawSamples(noiseA, noiseB);
        expect(noise.pValue!).toBeGreaterThan(0.3);
        expect(noise.significant).toBe(false);
        // The same inputs give the same p-value (seeded relabellings).
        expect(testRawSamples(noiseA, noiseB).pValue).toBe(noise.pValue);
    });

    it("says when samples are too few to ever be significant", () => {
        expect(smallestPossiblePValue(3, 3)).toBeCloseTo(0.1, 10);
        expect(smallestPossiblePValue(5, 5)).toBeCloseTo(2 / 252, 10);
        const three = testRawSamples([100, 101, 102], [50, 51, 52]);
        expect(three.significant).toBe(false);
        expect(three.note).toMatch(/too few samples/);
        expect(testRawSamples([100], [50]).method).toBeNull();
    });

    it("tests summaries with Welch's t when only means and deviations are known", () => {
        // t = (6220.3 - 7775.3) / sqrt(59.8²/2 + 47.8²/2) = -28.7 with about 1.9 degrees of freedom.
        const result = welchTTestFromSummaries({mean: 7775.3, stddev: 59.8, n: 2}, {mean: 6220.3, stddev: 47.8, n: 2});
        expect(result!.t).toBeCloseTo(-28.7, 0);
        expect(result!.pValue).toBeLessThan(0.01);
        expect(testSummaries(null, {mean: 1, stddev: 1, n: 2}).note).toMatch(/--assume-n/);
    });

    it("gives the ratio of means a CI that holds the ratio and widens with noise", () => {
        const tight = ratioConfidenceInterval95({mean: 100, stddev: 1, n: 5}, {mean: 80, stddev: 1, n: 5})!;
        expect(tight[0]).toBeLessThan(0.8);
        expect(tight[1]).toBeGreaterThan(0.8);
        expect(tight[1] - tight[0]).toBeLessThan(0.05);
        const wide = ratioConfidenceInterval95({mean: 100, stddev: 20, n: 5}, {mean: 80, stddev: 20, n: 5})!;
        expect(wide[1] - wide[0]).toBeGreaterThan(tight[1] - tight[0]);
    });
});

describe("compare rows", () => {
    it("matches by model and configuration, pools repeated runs, and marks ~ for noise", () => {
        const report = compareSides(
            side([
                measurement({tg: noiseA.slice(0, 3)}),
                measurement({tg: noiseA.slice(3)}),
                measurement({pp: [400, 402, 398, 401, 399]})
            ]),
            side([
                measurement({tg: noiseB}),
                measurement({pp: [300, 302, 298, 301, 299]}),
                measurement({threads: 1, tg: noiseB})
            ])
        );
        const tg = report.rows.find((row) => row.metric === "tg")!;
        expect(tg.baseline.n).toBe(5);
        expect(tg.verdict).toBe("same");
        const pp = report.rows.find((row) => row.metric === "pp")!;
        expect(pp.verdict).toBe("worse");
        expect(pp.ratio).toBeCloseTo(0.75, 3);
        expect(pp.speedup).toBeCloseTo(0.75, 3);
        expect(report.unmatched.candidate).toHaveLength(1);
        expect(report.unmatched.candidate[0]!.threads).toBe(1);
    });

    it("holds rows with and without mmap apart, like rows of different thread counts", () => {
        const report = compareSides(
            side([measurement({tg: noiseA}), measurement({mmap: "0", tg: slower})]),
            side([measurement({tg: noiseB}), measurement({mmap: "0", tg: noiseA})])
        );
        expect(report.matchedOn).toContain("mmap");
        // The table and Markdown show an mmap column because a row ran without it; CSV always has one.
        expect(exportCompare(report, "md").split("\n")[0]).toMatch(/\| t \| mmap \| metric \|/);
        expect(exportCompare(report, "table")).toMatch(/│ t │ mmap │ metric/);
        expect(
            exportCompare(
                compareSides(side([measurement({tg: noiseA})]), side([measurement({tg: noiseB})])),
                "md"
            ).split("\n")[0]
        ).toMatch(/\| t \| metric \|/);
        expect(exportCompare(report, "csv").split("\r\n")[0]).toMatch(/,fa,mmap,metric,/);
        const gated = compareSides(
            side([measurement({mmap: "0", tg: noiseA})]),
            side([measurement({mmap: "0", tg: slower})]),
            {
                gate: [parseGateRule("tg<-5%")]
            }
        );
        expect(gated.gate!.violations[0]!.message).toMatch(/^m\.gguf tg128 t=2 mmap=0: tg changed -20\.0%/);
        expect(report.rows.map((row) => [row.mmap, row.verdict])).toEqual([
            ["1", "same"],
            ["0", "better"]
        ]);
        // --ignore mmap pools them.
        expect(
            compareSides(side([measurement({tg: noiseA})]), side([measurement({mmap: "0", tg: noiseB})]), {
                ignore: ["mmap"]
            }).rows
        ).toHaveLength(1);
    });

    it("calls a lower TTFT or RSS better and reports the speed-up the right way round", () => {
        const report = compareSides(
            side([{...measurement({}), metrics: {ttft: {samples: [200, 202, 198, 201, 199], summary: null}}}]),
            side([{...measurement({}), metrics: {ttft: {samples: [100, 101, 99, 100, 102], summary: null}}}])
        );
        const row = report.rows[0]!;
        expect(row.verdict).toBe("better");
        expect(row.change!).toBeCloseTo(-0.5, 2);
        expect(row.speedup!).toBeCloseTo(2, 1);
    });
});

describe("the gate", () => {
    it("parses relative and absolute rules and refuses bad ones", () => {
        expect(parseGateRule("tg<-5%")).toMatchObject({metric: "tg", op: "<", kind: "relative", value: -0.05});
        expect(parseGateRule("ttft>+10%")).toMatchObject({metric: "ttft", op: ">", kind: "relative", value: 0.1});
        expect(parseGateRule("tg<50")).toMatchObject({kind: "absolute", value: 50});
        expect(parseGateRule("load>1.5s")).toMatchObject({kind: "absolute", value: 1500});
        expect(parseGateRule("rss>2GiB")).toMatchObject({kind: "absolute", value: 2 * 1024 ** 3});
        expect(() => parseGateRule("speed<5%")).toThrow(/not a metric/);
        expect(() => parseGateRule("tg<<5")).toThrow(/tg<-5%/);
        expect(() => parseGateRule("tg<5GB")).toThrow(/not a unit/);
    });

    it("fails on a real regression and not on noise", () => {
        const rules = [parseGateRule("tg<-5%")];
        const regression = compareSides(side([measurement({tg: noiseA})]), side([measurement({tg: slower})]), {
            gate: rules
        });
        expect(regression.gate!.passed).toBe(false);
        expect(regression.gate!.violations[0]!.message).toMatch(/tg changed -20\.0%/);
        expect(gateExitCode(regression.gate)).toBe(ExitCode.gateRegression);

        const noise = compareSides(side([measurement({tg: noiseA})]), side([measurement({tg: noiseB})]), {gate: rules});
        expect(noise.gate!.passed).toBe(true);
        expect(gateExitCode(noise.gate)).toBe(ExitCode.ok);

        // Noisy runs that happen to average 10% lower: not significant, so no failure.
        const wild = compareSides(
            side([measurement({tg: [50, 70, 40, 65, 55]})]),
            side([measurement({tg: [45, 62, 38, 58, 49]})]),
            {gate: rules}
        );
        expect(wild.rows[0]!.change!).toBeLessThan(-0.05);
        expect(wild.gate!.passed).toBe(true);
    });

    it("fails with its own code when a candidate model failed, and judges absolute floors on the CI", () => {
        const failed = compareSides(
            side([measurement({tg: noiseA})]),
            side([measurement({tg: noiseA, status: "failed", failure: "crash: SIGSEGV", metrics: {}})]),
            {gate: [parseGateRule("tg<-5%")]}
        );
        expect(failed.failed[0]).toMatchObject({side: "candidate", reason: "crash: SIGSEGV"});
        expect(gateExitCode(failed.gate)).toBe(ExitCode.gateModelFailed);

        const floor = compareSides(side([]), side([measurement({tg: noiseA})]), {gate: [parseGateRule("tg<60")]});
        expect(floor.gate!.passed).toBe(false);
        const straddles = compareSides(side([]), side([measurement({tg: noiseA})]), {gate: [parseGateRule("tg<56")]});
        expect(straddles.gate!.passed).toBe(true);
    });

    it("judges peak RSS on the numbers when a run has one value per side", () => {
        const report = compareSides(side([measurement({rss: [600e6]})]), side([measurement({rss: [720e6]})]), {
            gate: [parseGateRule("rss>+10%")]
        });
        expect(report.rows[0]!.verdict).toBe("untested");
        expect(report.gate!.passed).toBe(false);
    });
});

describe("exit codes", () => {
    it("reports the most severe outcome", () => {
        expect(mostSevereExitCode([])).toBe(0);
        expect(mostSevereExitCode([ExitCode.measurementFailed, ExitCode.gateRegression])).toBe(ExitCode.gateRegression);
        expect(mostSevereExitCode([ExitCode.notSaved, ExitCode.interrupted])).toBe(ExitCode.interrupted);
        expect(mostSevereExitCode([ExitCode.gateRegression, ExitCode.gateModelFailed])).toBe(ExitCode.gateModelFailed);
        const codes = Object.values(ExitCode);
        expect(new Set(codes).size).toBe(codes.length);
    });
});
