import {describe, expect, it} from "vitest";
import {buildRun} from "../src/bench/index.js";
import {etaSeconds, formatDuration, progressBar, SuiteProgress} from "../src/bench/progress.js";
import {isNoisy} from "../src/bench/stats.js";
import {exportRuns} from "../src/report/index.js";
import {csvHeader} from "../src/report/csv.js";
import {BenchRunSchema} from "../src/results/schema.js";
import {summarize} from "../src/bench/stats.js";
import {exampleConfig, exampleModel, examplePolicy, exampleProvenance, exampleSuccess} from "./helpers/bench-runs.js";

async function runWith(ppSamples: number[]) {
    return buildRun({
        request: {
            modelPath: exampleModel.path,
            config: exampleConfig(),
            policy: examplePolicy,
            measureTtft: false,
            measureLoad: true,
            gpu: "auto"
        },
        outcome: exampleSuccess({ppTokensPerSecond: ppSamples, ttftMs: []}),
        facts: {...exampleModel, ref: null, twin: null},
        provenance: await exampleProvenance()
    });
}

describe("the noisy status", () => {
    it("marks a row whose 95% CI is wider than ±20% of the mean, or reaches below zero", async () => {
        expect(isNoisy(summarize([100, 101, 99]))).toBe(false);
        // mean 100, s = 10, n = 3: half-width 4.303 · 10 / √3 = 24.8 → ±24.8%.
        expect(isNoisy(summarize([90, 100, 110]))).toBe(true);
        expect(isNoisy(summarize([1, 50, 2]))).toBe(true);
        expect(isNoisy(summarize([100]))).toBe(false);

        const steady = await runWith([410.5, 402.25, 415]);
        const noisy = await runWith([400, 250, 560]);
        expect(steady.status).toBe("ok");
        expect(noisy.status).toBe("noisy");
        expect(BenchRunSchema.parse(noisy).status).toBe("noisy");
    });

    it("carries the status into every output", async () => {
        const runs = [await runWith([410.5, 402.25, 415]), await runWith([400, 250, 560])];
        expect(exportRuns(runs, "table")).toMatch(/│ noisy/);
        expect(exportRuns(runs, "md")).toMatch(/\| noisy/);
        const csv = exportRuns(runs, "csv").split("\r\n");
        expect(csv[2]!.split(",")[csvHeader().indexOf("status")]).toBe("noisy");
        expect(JSON.parse(exportRuns(runs, "json")).runs.map((run: {status: string}) => run.status)).toEqual([
            "ok",
            "noisy"
        ]);
        expect(exportRuns(runs, "jsonl")).toMatch(/"status":"noisy"/);
    });
});

describe("the progress bar", () => {
    it("estimates the time left from the repetitions done", () => {
        expect(etaSeconds({done: 1, total: 10, elapsedMs: 5000})).toBeNull();
        // 4 repetitions finished in 8 s: 2 s each, 6 left.
        expect(etaSeconds({done: 5, total: 10, elapsedMs: 8000})).toBeCloseTo(12, 6);
        expect(formatDuration(12)).toBe("0:12");
        expect(formatDuration(3725)).toBe("1:02:05");
        expect(progressBar({done: 5, total: 10, elapsedMs: 8000}, 10)).toBe("━━━━────── 5/10 reps  ETA 0:12");
    });

    it("keeps its total honest when a run fails early or an adaptive run goes long", () => {
        const progress = new SuiteProgress(10);
        for (let index = 0; index < 2; index++) progress.step();
        progress.finishRun(5, 2);
        expect(progress.line()).toMatch(/ 2\/7 reps/);
        for (let index = 0; index < 9; index++) progress.step();
        expect(progress.line()).toMatch(/ 11\/11 reps/);
    });
});
