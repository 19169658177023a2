import {mkdtemp, readdir, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {parseCsv} from "../src/bench/llama-bench-format.js";
import {BenchReportSchema, BenchRunSchema} from "../src/results/schema.js";
import {loadRuns} from "../src/results/store.js";
import {findLlamaBench} from "../src/system/llama-tools.js";
import {makeTestTwin} from "./helpers/models.js";
import {runCli as runSharedCli, type CliResult} from "./helpers/cli.js";

function runCli(args: string[]): Promise<CliResult> {
    const env = {...process.env};
    delete env.LLMPROOF_RESULTS_DIR;
    return runSharedCli(args, env);
}

// llama-bench is optional (LLAMA_BENCH, or built once by `npm run bench:reference`); the cross-check test needs it.
const llamaBench = await findLlamaBench({build: false});

let workDir: string;
let twinPath: string;
let corruptPath: string;

beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "llmproof-cli-bench-"));
    twinPath = await makeTestTwin();
    corruptPath = join(workDir, "corrupt.gguf");
    // Starts like a GGUF but the header is garbage.
    await writeFile(corruptPath, Buffer.concat([Buffer.from("GGUF"), Buffer.alloc(4096, 0xab)]));
});
afterAll(async () => {
    await rm(workDir, {recursive: true, force: true});
});

describe("llmproof bench", () => {
    it("prints valid JSON on stdout, progress on stderr, and saves each run", async () => {
        const resultsDir = join(workDir, "results-json");
        const {code, stdout, stderr} = await runCli([
            "bench",
            twinPath,
            "-t",
            "1",
            "-p",
            "16",
            "-n",
            "4",
            "-r",
            "1",
            "--warmup",
            "0",
            "--json",
            "--results-dir",
            resultsDir
        ]);
        expect(stderr).toMatch(/\[1\/2\] .*pp16 t=1/);
        expect(stderr).toMatch(/\[2\/2\] .*tg4 t=1/);
        expect(code).toBe(0);
        const report = BenchReportSchema.parse(JSON.parse(stdout));
        expect(report.runs.map((run) => [run.test, run.status])).toEqual([
            ["pp16", "ok"],
            ["tg4", "ok"]
        ]);
        const [pp, tg] = report.runs;
        expect(pp!.pp!.samples).toHaveLength(1);
        expect(pp!.pp!.tokensPerSecond.mean).toBeGreaterThan(0);
        expect(pp!.tg).toBeNull();
        expect(pp!.ttftMs?.n).toBe(1);
        expect(tg!.tg!.samples).toHaveLength(1);
        expect(tg!.pp).toBeNull();
        expect(pp!.model.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(pp!.model.parameterCount).toBeGreaterThan(0);
        expect(pp!.engine?.nodeLlamaCppVersion).toMatch(/^\d+\./);
        expect(pp!.peakRssBytes).toBeGreaterThan(0);
        expect(pp!.loadMs).toBeGreaterThan(0);
        // Nothing but the JSON document on stdout.
        expect(stdout.trim().startsWith("{")).toBe(true);
        expect(stdout).not.toContain("[1/2]");

        const saved = await readdir(resultsDir);
        expect(saved.filter((name) => name.endsWith(".json"))).toHaveLength(2);
        const savedRuns = await loadRuns(resultsDir);
        expect(savedRuns.map((run) => run.id).sort()).toEqual(report.runs.map((run) => run.id).sort());
    });

    it("records a corrupt model as a failed row, keeps the good one, and exits non-zero", async () => {
        const resultsDir = join(workDir, "results-mixed");
        const {code, stdout, stderr} = await runCli([
            "bench",
            twinPath,
            corruptPath,
            "-t",
            "1",
            "-p",
            "16",
            "-n",
            "0",
            "-r",
            "1",
            "--warmup",
            "0",
            "--jsonl",
            "--no-ttft",
            "--results-dir",
            resultsDir
        ]);
        expect(code).not.toBe(0);
        const runs = stdout
            .trimEnd()
            .split("\n")
            .map((line) => BenchRunSchema.parse(JSON.parse(line)));
        expect(runs.map((run) => [run.model.fileName, run.status])).toEqual([
            [twinPath.split("/").pop(), "ok"],
            ["corrupt.gguf", "failed"]
        ]);
        expect(runs[0]!.ttftMs).toBeNull();
        expect(runs[1]!.failure?.reason).toMatch(/GGUF/);
        expect(stderr).toMatch(/1 of 2 runs failed/);
        expect((await loadRuns(resultsDir)).map((run) => run.status).sort()).toEqual(["failed", "ok"]);
    });

    it("sweeps --mmap 0,1: two rows, the weights read into memory then mapped, told apart in every output", async () => {
        const resultsDir = join(workDir, "results-mmap");
        const csvPath = join(workDir, "mmap.csv");
        const markdownPath = join(workDir, "mmap.md");
        const {code, stdout, stderr} = await runCli([
            "bench",
            twinPath,
            "-t",
            "1",
            "-p",
            "0",
            "-n",
            "4",
            "-r",
            "1",
            "--warmup",
            "0",
            "--mmap",
            "0,1",
            "--json",
            "--results-dir",
            resultsDir,
            "--export-csv",
            csvPath,
            "--export-markdown",
            markdownPath
        ]);
        expect(code).toBe(0);
        expect(stderr).toMatch(/\[1\/2\] .*tg4 t=1 mmap=0/);
        expect(stderr).toMatch(/\[2\/2\] .*tg4 t=1 mmap=1/);
        const runs = BenchReportSchema.parse(JSON.parse(stdout)).runs;
        expect(runs.map((run) => [run.test, run.config.useMmap, run.status])).toEqual([
            ["tg4", false, "ok"],
            ["tg4", true, "ok"]
        ]);
        for (const run of runs) {
            expect(run.tg!.tokensPerSecond.mean).toBeGreaterThan(0);
            // The engine used what was asked (no "requested … used" note).
            expect(run.engine!.notes.filter((note) => note.startsWith("mmap:"))).toEqual([]);
        }
        const [header, ...rows] = parseCsv((await readFile(csvPath, "utf8")).trimEnd());
        expect(rows.map((row) => row[header!.indexOf("use_mmap")])).toEqual(["false", "true"]);
        const markdown = (await readFile(markdownPath, "utf8")).split("\n");
        const titles = markdown[0]!.split("|").map((cell) => cell.trim());
        expect(titles).toContain("mmap");
        expect(markdown.slice(2, 4).map((line) => line.split("|")[titles.indexOf("mmap")]!.trim())).toEqual(["0", "1"]);
        expect((await readdir(resultsDir)).filter((name) => name.includes("_mmp0_"))).toHaveLength(1);
    });

    it("refuses an --mmap value other than 0 or 1 in one sentence, before measuring", async () => {
        const {code, stdout, stderr} = await runCli(["bench", twinPath, "--mmap", "0,2", "--no-save"]);
        expect(code).toBe(64);
        expect(stdout).toBe("");
        expect(stderr.trim()).toBe(
            "llmproof: Invalid option --mmap: mmap takes 0 (read the weights into memory), 1 (map the file) or both as 0,1."
        );
    });

    it("ends with one sentence naming the model and the reason when every run fails, and still saves the rows", async () => {
        const resultsDir = join(workDir, "results-all-failed");
        const {code, stdout, stderr} = await runCli([
            "bench",
            corruptPath,
            "-t",
            "1",
            "-p",
            "16",
            "-n",
            "4",
            "-r",
            "1",
            "--warmup",
            "0",
            "--jsonl",
            "--results-dir",
            resultsDir
        ]);
        expect(code).toBe(4);
        const errors = stderr.split("\n").filter((line) => line.startsWith("llmproof: "));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(/corrupt\.gguf/);
        expect(errors[0]).toMatch(/GGUF header/);
        expect(stderr).not.toMatch(/runs failed\.$/m);
        const runs = stdout
            .trimEnd()
            .split("\n")
            .map((line) => BenchRunSchema.parse(JSON.parse(line)));
        expect(runs.map((run) => run.status)).toEqual(["failed", "failed"]);
        expect((await loadRuns(resultsDir)).map((run) => run.status)).toEqual(["failed", "failed"]);
    });

    it.skipIf(llamaBench === null)("puts llama-bench's numbers beside ours with --cross-check", async () => {
        const {code, stdout} = await runCli([
            "bench",
            twinPath,
            "-t",
            "1",
            "-p",
            "16",
            "-n",
            "0",
            "-r",
            "1",
            "--warmup",
            "0",
            "--no-ttft",
            "--json",
            "--no-save",
            "--cross-check"
        ]);
        expect(code).toBe(0);
        const [run] = BenchReportSchema.parse(JSON.parse(stdout)).runs;
        expect(run!.reference).toMatchObject({tool: "llama-bench", tg: null});
        expect(run!.reference!.pp!.samples).toHaveLength(1);
        expect(run!.reference!.ratio.pp).toBeCloseTo(
            run!.pp!.tokensPerSecond.mean / run!.reference!.pp!.tokensPerSecond.mean,
            10
        );
    });

    it("refuses a missing model file before measuring anything", async () => {
        const {code, stdout, stderr} = await runCli(["bench", join(workDir, "nope.gguf"), "--no-save"]);
        expect(code).not.toBe(0);
        expect(stdout).toBe("");
        expect(stderr).toMatch(/^llmproof: No such model file/m);
    });

    it("validates options", async () => {
        const {code, stderr} = await runCli(["bench", twinPath, "--json", "--csv", "--no-save"]);
        expect(code).not.toBe(0);
        expect(stderr).toMatch(/choose one output format/);
    });
});
