import {mkdtemp, readFile, readdir, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {BenchReportSchema, BenchRunSchema, type BenchRun} from "../src/results/schema.js";
import {
    listResultFiles,
    loadResultFile,
    loadRuns,
    resolveResultsDirectory,
    runFileName,
    saveReport,
    saveRun
} from "../src/results/store.js";
import {UserError} from "../src/util/errors.js";
import {userDataDir} from "../src/util/paths.js";
import {exampleRuns} from "./helpers/bench-runs.js";

let runs: BenchRun[];
let directory: string;

beforeAll(async () => {
    runs = await exampleRuns();
    directory = await mkdtemp(join(tmpdir(), "llmproof-results-"));
});
afterAll(async () => {
    await rm(directory, {recursive: true, force: true});
});

describe("BenchRunSchema", () => {
    it("accepts recorded runs, ok and failed, after a JSON round trip", () => {
        for (const run of runs) expect(BenchRunSchema.parse(JSON.parse(JSON.stringify(run)))).toEqual(run);
        expect(BenchReportSchema.safeParse({schemaVersion: 1, runs}).success).toBe(true);
    });

    it("reads runs saved before engines recorded their CMake options as having none", () => {
        const [pp] = runs as [BenchRun];
        const saved = JSON.parse(JSON.stringify(pp)) as {engine: Record<string, unknown>};
        delete saved.engine.cmakeOptions;
        expect(BenchRunSchema.parse(saved).engine?.cmakeOptions).toEqual({});
    });

    it("reads runs saved before mmap was recorded as mapped (llama-bench's default, and the only way they ran)", () => {
        const [pp] = runs as [BenchRun];
        const saved = JSON.parse(JSON.stringify(pp)) as {config: Record<string, unknown>};
        delete saved.config.useMmap;
        expect(BenchRunSchema.parse(saved).config.useMmap).toBe(true);
        expect(BenchRunSchema.parse({...pp, config: {...pp.config, useMmap: false}}).config.useMmap).toBe(false);
        expect(BenchRunSchema.safeParse({...pp, config: {...pp.config, useMmap: 0}}).success).toBe(false);
    });

    it("carries the documented fields", () => {
        const [pp, tg, failed] = runs as [BenchRun, BenchRun, BenchRun];
        expect(pp.test).toBe("pp512");
        expect(pp.pp?.tokensPerSecond.mean).toBeCloseTo((410.5 + 402.25 + 415) / 3, 10);
        expect(pp.pp?.tokensPerSecond.ci95).toHaveLength(2);
        expect(pp.pp?.samples).toEqual([410.5, 402.25, 415]);
        expect(pp.tg).toBeNull();
        expect(pp.ttftMs?.n).toBe(3);
        expect(tg.test).toBe("tg128 @ d1024");
        expect(tg.ttftMs).toBeNull();
        expect(failed).toMatchObject({
            status: "failed",
            failure: {kind: "crash", signal: "SIGSEGV"},
            pp: null,
            tg: null,
            engine: null
        });
        expect(pp.provenance.nodeLlamaCppVersion).toMatch(/^\d+\.\d+\.\d+/);
        expect(pp.provenance.cpu.logicalCores).toBeGreaterThan(0);
    });

    it("rejects runs that contradict themselves or miss fields", () => {
        const [pp, , failed] = runs as [BenchRun, BenchRun, BenchRun];
        expect(BenchRunSchema.safeParse({...pp, status: "failed"}).success).toBe(false);
        expect(BenchRunSchema.safeParse({...failed, failure: null}).success).toBe(false);
        expect(BenchRunSchema.safeParse({...pp, config: {...pp.config, threads: 0}}).success).toBe(false);
        expect(BenchRunSchema.safeParse({...pp, pp: {samples: [1]}}).success).toBe(false);
        expect(BenchRunSchema.safeParse({...pp, model: {...pp.model, sha256: "not-a-hash"}}).success).toBe(false);
        const {provenance: _provenance, ...withoutProvenance} = pp;
        expect(BenchRunSchema.safeParse(withoutProvenance).success).toBe(false);
    });
});

describe("results store", () => {
    it("saves one file per run, named by date, model and configuration, with no temporary files left", async () => {
        const paths = [];
        for (const run of runs) paths.push(await saveRun(run, directory));
        expect(new Set(paths).size).toBe(runs.length);
        expect(runFileName(runs[1]!)).toMatch(
            /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ_qwen2\.5-0\.5b-twin-q4-0_tg128-d1024_t2_b2048_ub512_ngl0_fa0_[0-9a-f]{8}\.json$/
        );
        // A run without mmap says so in its name; runs with it keep the names they always had.
        expect(runFileName({...runs[1]!, config: {...runs[1]!.config, useMmap: false}})).toMatch(
            /_fa0_mmp0_[0-9a-f]{8}\.json$/
        );
        const names = await readdir(directory);
        expect(names.filter((name) => name.endsWith(".tmp"))).toEqual([]);
        expect(names).toHaveLength(runs.length);
        expect(JSON.parse(await readFile(paths[0]!, "utf8"))).toEqual(runs[0]);
    });

    it("reads back every saved run, validated", async () => {
        const loaded = await loadRuns(directory);
        expect(loaded.map((run) => run.id).sort()).toEqual(runs.map((run) => run.id).sort());
        expect((await listResultFiles(directory)).length).toBe(runs.length);
        expect(await listResultFiles(join(directory, "missing"))).toEqual([]);
    });

    it("reads reports and JSON Lines too", async () => {
        const reportPath = join(directory, "report", "all.json");
        await saveReport({schemaVersion: 1, runs}, reportPath);
        expect((await loadResultFile(reportPath)).length).toBe(3);
        const linesPath = join(directory, "report", "all.jsonl");
        await writeFile(linesPath, `${runs.map((run) => JSON.stringify(run)).join("\n")}\n`);
        expect((await loadResultFile(linesPath)).map((run) => run.test)).toEqual(runs.map((run) => run.test));
    });

    it("refuses files that do not match the schema, with a UserError", async () => {
        const badPath = join(directory, "report", "bad.json");
        await writeFile(badPath, JSON.stringify({...runs[0], status: "maybe"}));
        await expect(loadResultFile(badPath)).rejects.toBeInstanceOf(UserError);
        await writeFile(badPath, "{not json");
        await expect(loadResultFile(badPath)).rejects.toThrow(/not valid JSON/);
    });

    it("resolves the directory from the option, then LLMPROOF_RESULTS_DIR, then the user's data folder (XDG)", () => {
        const saved = process.env.LLMPROOF_RESULTS_DIR;
        try {
            process.env.LLMPROOF_RESULTS_DIR = "/tmp/from-env";
            expect(resolveResultsDirectory("/tmp/explicit")).toBe("/tmp/explicit");
            expect(resolveResultsDirectory()).toBe("/tmp/from-env");
            delete process.env.LLMPROOF_RESULTS_DIR;
            expect(resolveResultsDirectory()).toBe(userDataDir("results"));
            expect(resolveResultsDirectory()).not.toBe(join(process.cwd(), "results"));
        } finally {
            if (saved === undefined) delete process.env.LLMPROOF_RESULTS_DIR;
            else process.env.LLMPROOF_RESULTS_DIR = saved;
        }
    });
});
