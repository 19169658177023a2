import {mkdtemp, readFile, rm, writeFile, mkdir} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import initSqlJs from "sql.js";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {loadFile, loadSide} from "../src/compare/load.js";
import {runCompare} from "../src/compare/index.js";
import {saveRun} from "../src/results/store.js";
import {exampleRuns} from "./helpers/bench-runs.js";

/**
 * Every input `llmproof compare` reads. The llama-bench fixtures are one real run (tiny-test Q8_0,
 * -t 1,2 -p 32 -n 8 -r 2) written in each of llama-bench's output formats the way its printers
 * write them (tools/llama-bench/llama-bench.cpp); two-builds.sql appends a second build's rows to
 * the same SQL stream, as `llama-bench -o sql | sqlite3 llama-bench.sqlite` accumulates runs.
 */

const fixtures = join(import.meta.dirname, "fixtures", "llama-bench");
const base = join(fixtures, "tiny-test-q8_0.t1-2.p32.n8.r2");
let workDir: string;

beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "llmproof-compare-inputs-"));
});
afterAll(async () => {
    await rm(workDir, {recursive: true, force: true});
});

describe("llama-bench outputs", () => {
    it("reads -o json and -o jsonl with their raw samples, and csv and sql as summaries", async () => {
        const json = await loadFile(`${base}.json`);
        const jsonl = await loadFile(`${base}.jsonl`);
        expect(json.map((item) => [item.test, item.threads, item.ngl, item.fa])).toEqual([
            ["pp32", 1, "cpu", "0"],
            ["tg8", 1, "cpu", "0"],
            ["pp32", 2, "cpu", "0"],
            ["tg8", 2, "cpu", "0"]
        ]);
        expect(json[0]!.metrics.pp).toEqual({samples: [20331.3, 4900.85], summary: null});
        expect(jsonl.map((item) => item.metrics)).toEqual(json.map((item) => item.metrics));
        expect(json[0]!.modelKey).toBe("tiny-test-q8_0.gguf");

        const csv = await loadFile(`${base}.csv`, {assumeN: 2});
        const sql = await loadFile(`${base}.sql`);
        expect(csv.map((item) => item.test)).toEqual(json.map((item) => item.test));
        expect(csv[1]!.metrics.tg!.summary).toEqual({mean: 7775.335074, stddev: 59.803706, n: 2});
        expect(sql[1]!.metrics.tg!.summary).toMatchObject({mean: 7775.335074, n: null});
    });

    it("reads a SQLite database made from -o sql, and asks which build when it holds several", async () => {
        const SQL = await initSqlJs();
        const database = new SQL.Database();
        database.run(await readFile(join(fixtures, "two-builds.sql"), "utf8"));
        const sqlitePath = join(workDir, "llama-bench.sqlite");
        await writeFile(sqlitePath, database.export());
        database.close();

        await expect(loadSide([sqlitePath], "baseline")).rejects.toThrow(
            /2 llama\.cpp builds \(de3ff81, 0badc0d\).*--baseline-build/
        );
        const report = await runCompare([sqlitePath], [sqlitePath], {
            baselineBuild: "de3ff81",
            candidateBuild: "0badc0d",
            assumeN: 2
        });
        const tg = report.rows.filter((row) => row.metric === "tg");
        expect(tg.map((row) => Number(row.ratio!.toFixed(3)))).toEqual([0.8, 0.8]);
        expect(tg[0]!.significance.method).toBe("welch");
        expect(tg[0]!.verdict).toBe("worse");
        // tg8 at 2 threads swung from 9627 to 86 t/s between its two repetitions: nothing can be concluded.
        expect(tg[1]!.verdict).toBe("same");
        expect(report.rows.filter((row) => row.metric === "pp").every((row) => row.ratio === 1)).toBe(true);
    });

    it("reads whether llama-bench mapped the weights: load_mode in newer builds, use_mmap in older ones", async () => {
        // The fixtures come from a build with -lm (load_mode "auto"), which maps the file on a CPU.
        for (const format of ["json", "jsonl", "csv", "sql"])
            expect(new Set((await loadFile(`${base}.${format}`)).map((item) => item.mmap))).toEqual(new Set(["1"]));
        const tests = JSON.parse(await readFile(`${base}.json`, "utf8")) as Record<string, unknown>[];
        const variant = async (name: string, change: (test: Record<string, unknown>) => void) => {
            const path = join(workDir, `${name}.json`);
            await writeFile(
                path,
                JSON.stringify(
                    tests.map((test) => {
                        const copy = {...test};
                        change(copy);
                        return copy;
                    })
                )
            );
            return (await loadFile(path)).map((item) => item.mmap);
        };
        expect(await variant("load-none", (test) => (test.load_mode = "none"))).toEqual(["0", "0", "0", "0"]);
        expect(await variant("load-dio", (test) => (test.load_mode = "dio"))).toEqual(["0", "0", "0", "0"]);
        expect(await variant("load-mmap", (test) => (test.load_mode = "mmap"))).toEqual(["1", "1", "1", "1"]);
        const older = (useMmap: boolean) => (test: Record<string, unknown>) => {
            delete test.load_mode;
            test.use_mmap = useMmap;
        };
        expect(await variant("mmp0", older(false))).toEqual(["0", "0", "0", "0"]);
        expect(await variant("mmp1", older(true))).toEqual(["1", "1", "1", "1"]);
        expect(await variant("neither", (test) => delete test.load_mode)).toEqual(["1", "1", "1", "1"]);
        // CSV and SQL write use_mmap as 0/1.
        const csv = (await readFile(`${base}.csv`, "utf8"))
            .replace("load_mode,", "use_mmap,")
            .replace(/"auto","auto"/g, '"0","auto"');
        await writeFile(join(workDir, "mmp0.csv"), csv);
        expect((await loadFile(join(workDir, "mmp0.csv"))).map((item) => item.mmap)).toEqual(["0", "0", "0", "0"]);
    });

    it("refuses a file that is neither llmproof's nor llama-bench's, as a usage error", async () => {
        const path = join(workDir, "notes.json");
        await writeFile(path, '{"hello": "world"}');
        await expect(loadFile(path)).rejects.toMatchObject({exitCode: 64});
    });
});

describe("llmproof results", () => {
    it("reads a folder of saved runs and a --json report alike", async () => {
        const runs = await exampleRuns();
        const folder = join(workDir, "results");
        await mkdir(folder, {recursive: true});
        for (const run of runs) await saveRun(run, folder);
        const report = join(workDir, "report.json");
        await writeFile(report, JSON.stringify({schemaVersion: 1, runs}));
        const fromFolder = await loadSide([folder], "baseline");
        const fromReport = await loadSide([report], "candidate");
        expect(fromFolder.measurements).toHaveLength(3);
        expect(fromFolder.measurements.map((item) => item.test).sort()).toEqual(
            fromReport.measurements.map((item) => item.test).sort()
        );
        const failed = fromReport.measurements.find((item) => item.status === "failed")!;
        expect(failed.failure).toMatch(/^crash: /);
        expect(fromReport.measurements.find((item) => item.test === "pp512")!.metrics.ttft!.samples).toHaveLength(3);
    });
});
