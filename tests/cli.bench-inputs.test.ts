import {spawn} from "node:child_process";
import {existsSync} from "node:fs";
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {findShapePreset} from "../src/gguf/shape-presets.js";
import {BenchReportSchema, BenchRunSchema} from "../src/results/schema.js";
import {loadRuns} from "../src/results/store.js";
import {ExitCode} from "../src/util/exit-codes.js";
import {type CliResult, projectRoot, runCli} from "./helpers/cli.js";
import {startHfServer, type HfServer} from "./helpers/hf-server.js";
import {makeTestTwin} from "./helpers/models.js";

/**
 * `llmproof bench` by name, as a user and a CI job run it: catalog ids pulled from a local
 * Hugging Face–compatible server, twins written into the cache, a suite run offline, every input
 * checked before measuring, honest exit codes, and an interrupt that keeps what was measured.
 * Every folder (cache, data, models, results) is a temporary one: nothing lands in the repo.
 */

const tiny = findShapePreset("tiny-test").shape;
const shapeYaml = JSON.stringify({...tiny, tiedEmbeddings: false, qkvBias: false});

let server: HfServer;
let workDir: string;
let twinPath: string;
let corruptPath: string;
let catalogPath: string;

const quick = ["-t", "1", "-p", "16", "-n", "4", "-r", "2", "--warmup", "0", "--no-ttft"];
/** One tg test only, for the runs that need no pp row. */
const tgOnly = [...quick, "-p", "0"];
/** Steadier samples for the gate: a warmup and 32 generated tokens per repetition. */
const gated = ["-t", "1", "-p", "0", "-n", "32", "-r", "5", "--warmup", "1", "--no-ttft"];

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const result: NodeJS.ProcessEnv = {
        ...process.env,
        XDG_CACHE_HOME: join(workDir, "cache"),
        XDG_DATA_HOME: join(workDir, "data"),
        LLMPROOF_MODELS_DIR: join(workDir, "models"),
        LLMPROOF_CATALOG: catalogPath,
        HF_ENDPOINT: server.url,
        HF_TOKEN_PATH: join(workDir, "no-token"),
        ...extra
    };
    delete result.LLMPROOF_RESULTS_DIR;
    delete result.LLMPROOF_TWINS_DIR;
    delete result.HF_TOKEN;
    return result;
}

beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "llmproof-bench-inputs-"));
    twinPath = await makeTestTwin();
    corruptPath = join(workDir, "corrupt.gguf");
    await writeFile(corruptPath, Buffer.concat([Buffer.from("GGUF"), Buffer.alloc(4096, 0xab)]));
    server = await startHfServer([{repo: "test/tiny-GGUF", files: [{path: "tiny-Q8_0.gguf", source: twinPath}]}]);
    catalogPath = join(workDir, "catalog.yaml");
    await writeFile(
        catalogPath,
        [
            "version: 1",
            "suites:",
            "  smoke: {description: tiny test models}",
            "models:",
            "  - id: tiny-bench",
            "    name: Tiny Bench",
            "    kind: llm",
            "    repo: test/tiny-GGUF",
            "    benchmarkable: true",
            "    factsRecorded: 2025-01-01",
            "    suites: [smoke]",
            `    shape: ${shapeYaml}`,
            "    files:",
            "      Q8_0: {path: tiny-Q8_0.gguf}",
            "  - id: tiny-shapeless",
            "    name: Tiny Shapeless",
            "    kind: llm",
            "    repo: test/nowhere-GGUF",
            "    benchmarkable: true",
            "    factsRecorded: 2025-01-01",
            "    suites: [smoke]",
            "    files:",
            "      Q4_K_M: {path: nowhere-Q4_K_M.gguf}",
            ""
        ].join("\n")
    );
});
afterAll(async () => {
    await server?.close();
    await rm(workDir, {recursive: true, force: true});
});

describe("bench by name", () => {
    it("pulls a catalog id into the cache, measures it, and reuses the file and its SHA-256 the next time", async () => {
        const first = await runCli(["bench", "tiny-bench:Q8_0", ...quick, "--json"], env());
        expect(first.stderr).toMatch(/Pulling tiny-bench:Q8_0/);
        expect(first.code).toBe(0);
        const report = BenchReportSchema.parse(JSON.parse(first.stdout));
        expect(report.runs.map((run) => run.model.ref)).toEqual(["tiny-bench:Q8_0", "tiny-bench:Q8_0"]);
        expect(report.runs[0]!.model.path.startsWith(join(workDir, "models"))).toBe(true);
        // Results follow XDG: $XDG_DATA_HOME/llmproof/results, never the working directory.
        expect(await loadRuns(join(workDir, "data", "llmproof", "results"))).toHaveLength(2);
        // Progress bars and ETAs are for terminals only.
        expect(first.stderr).not.toMatch(/ETA/);

        const servedBefore = server.bytesServed("test/tiny-GGUF", "tiny-Q8_0.gguf");
        const second = await runCli(["bench", "tiny-bench:Q8_0", ...tgOnly, "--json", "--no-save"], env());
        expect(second.code).toBe(0);
        expect(second.stderr).toMatch(/measuring the cached file/);
        // No download and no re-hash: pull's .sha256 sidecar gives the hash.
        expect(server.bytesServed("test/tiny-GGUF", "tiny-Q8_0.gguf")).toBe(servedBefore);
        expect(second.stderr).not.toMatch(/hashing/);
        const again = BenchReportSchema.parse(JSON.parse(second.stdout));
        expect(again.runs[0]!.model.sha256).toBe(report.runs[0]!.model.sha256);
    });

    it("writes a twin once, labels it as a twin in the table, JSON, CSV and Markdown, and hashes it once", async () => {
        const files = {json: join(workDir, "twin.json"), csv: join(workDir, "twin.csv"), md: join(workDir, "twin.md")};
        const args = ["bench", "twin:tiny-bench:Q8_0", ...quick, "--no-save"];
        const first = await runCli(
            [...args, "--export-json", files.json, "--export-csv", files.csv, "--export-markdown", files.md],
            env()
        );
        expect(first.code).toBe(0);
        expect(first.stderr).toMatch(/writing a Q8_0 shape-twin of Tiny Bench/);
        expect(first.stderr).toMatch(/hashing/);
        // The table still prints while the files are written.
        expect(first.stdout).toMatch(/twin:tiny-bench:Q8_0 .*pp16/);
        const report = BenchReportSchema.parse(JSON.parse(await readFile(files.json, "utf8")));
        expect(report.runs[0]!.model.twin).toEqual({modelId: "tiny-bench", quant: "Q8_0"});
        const csv = (await readFile(files.csv, "utf8")).split("\r\n");
        const header = csv[0]!.split(",");
        const firstRow = csv[1]!.split(",");
        expect(firstRow[header.indexOf("model")]).toBe("twin:tiny-bench:Q8_0");
        expect(firstRow[header.indexOf("twin")]).toBe("true");
        expect(await readFile(files.md, "utf8")).toMatch(/\| twin:tiny-bench:Q8_0 \|/);

        const second = await runCli(["bench", "twin:tiny-bench:Q8_0", ...tgOnly, "--no-save"], env());
        expect(second.code).toBe(0);
        expect(second.stderr).toMatch(/using the cached Q8_0 twin of tiny-bench/);
        expect(second.stderr).not.toMatch(/hashing/);
    });

    it("runs a suite offline: cached files where present, twins elsewhere, and says what it skips", async () => {
        const offline = env({
            HF_ENDPOINT: "http://127.0.0.1:9",
            LLMPROOF_MODELS_DIR: join(workDir, "empty-models"),
            XDG_CACHE_HOME: join(workDir, "suite-cache")
        });
        const {code, stdout, stderr} = await runCli(
            ["bench", "--suite", "smoke", ...quick, "--json", "--no-save"],
            offline
        );
        expect(stderr).toMatch(/tiny-shapeless is skipped/);
        expect(code).toBe(0);
        const runs = BenchReportSchema.parse(JSON.parse(stdout)).runs;
        expect(runs.map((run) => [run.model.twin?.modelId, run.test])).toEqual([
            ["tiny-bench", "pp16"],
            ["tiny-bench", "tg4"]
        ]);
    });
});

describe("honest rows and CI-friendly failure", () => {
    it("checks every input before measuring: one bad input is a usage error with nothing measured", async () => {
        const resultsDir = join(workDir, "results-bad-input");
        const {code, stdout, stderr} = await runCli(
            [
                "bench",
                twinPath,
                join(workDir, "nope.gguf"),
                "tiny-bnch:Q8_0",
                "twin:tiny-shapeless",
                ...quick,
                "--results-dir",
                resultsDir
            ],
            env()
        );
        expect(code).toBe(ExitCode.usage);
        expect(stdout).toBe("");
        expect(stderr).toMatch(/^llmproof: 3 inputs cannot be benchmarked \(nothing was measured\)/m);
        expect(stderr).toMatch(/No such model file: .*nope\.gguf/);
        expect(stderr).toMatch(/Did you mean "tiny-bench"/);
        expect(stderr).toMatch(/tiny-shapeless" has no shape/);
        expect(stderr).not.toMatch(/\[1\//);
        expect(existsSync(resultsDir)).toBe(false);
    });

    it("prints the whole JSON document with a failed row, and exits with the failed-measurement code", async () => {
        const resultsDir = join(workDir, "results-failed");
        const {code, stdout} = await runCli(
            ["bench", twinPath, corruptPath, ...quick, "-n", "0", "--json", "--results-dir", resultsDir],
            env()
        );
        expect(code).toBe(ExitCode.measurementFailed);
        const runs = BenchReportSchema.parse(JSON.parse(stdout)).runs;
        // The good model's row is "ok" or, on a busy machine, "noisy"; the corrupt one failed.
        expect(runs.map((run) => run.status === "failed")).toEqual([false, true]);
        const saved = await loadRuns(resultsDir);
        expect(saved.map((run) => run.model.fileName).sort()).toEqual(runs.map((run) => run.model.fileName).sort());
    });

    it("refuses an unwritable results folder before measuring, with the not-saved code", async () => {
        const blocker = join(workDir, "a-file");
        await writeFile(blocker, "not a folder");
        const {code, stdout, stderr} = await runCli(
            ["bench", twinPath, ...quick, "--results-dir", join(blocker, "results")],
            env()
        );
        expect(code).toBe(ExitCode.notSaved);
        expect(stdout).toBe("");
        expect(stderr).toMatch(/^llmproof: Cannot save results in .*--no-save/m);
        expect(stderr).not.toMatch(/\[1\//);
    });

    it("gates on a baseline: a regression fails, an improvement passes, a failed model has its own code", async () => {
        const baselinePath = join(workDir, "baseline.json");
        const base = await runCli(["bench", twinPath, ...gated, "--no-save", "--export-json", baselinePath], env());
        expect(base.code).toBe(0);

        // A baseline ten times faster than this machine: a real, significant regression.
        const report = BenchReportSchema.parse(JSON.parse(await readFile(baselinePath, "utf8")));
        for (const run of report.runs)
            for (const phase of [run.pp, run.tg])
                if (phase !== null) phase.samples = phase.samples.map((sample) => sample * 10);
        const fastBaseline = join(workDir, "fast-baseline.json");
        await writeFile(fastBaseline, JSON.stringify(report));
        // A baseline ten times slower: the candidate is far faster, so "tg<-5%" cannot fire. (Two runs of the same
        // model are no test of "noise passes" on a shared machine: its load can change throughput by half between
        // runs, and the permutation test rightly calls that significant; noise is tested on fixed samples elsewhere.)
        const slowReport = BenchReportSchema.parse(JSON.parse(await readFile(baselinePath, "utf8")));
        for (const run of slowReport.runs)
            for (const phase of [run.pp, run.tg])
                if (phase !== null) phase.samples = phase.samples.map((sample) => sample / 10);
        const slowBaseline = join(workDir, "slow-baseline.json");
        await writeFile(slowBaseline, JSON.stringify(slowReport));
        const faster = await runCli(
            ["bench", twinPath, ...gated, "--no-save", "--baseline", slowBaseline, "--fail-if", "tg<-5%"],
            env()
        );
        expect(faster.stderr).toMatch(/gate passed: tg<-5%/);
        expect(faster.stderr).toMatch(/tg t\/s .* better/);
        expect(faster.code).toBe(0);

        const slower = await runCli(
            ["bench", twinPath, ...gated, "--no-save", "--json", "--baseline", fastBaseline, "--fail-if", "tg<-5%"],
            env()
        );
        expect(slower.code).toBe(ExitCode.gateRegression);
        expect(slower.stderr).toMatch(/gate: regression: .* tg changed -\d+\.\d%/);
        BenchReportSchema.parse(JSON.parse(slower.stdout));

        const broken = await runCli(["bench", corruptPath, ...tgOnly, "--no-save", "--fail-if", "tg<1"], env());
        expect(broken.code).toBe(ExitCode.gateModelFailed);
        expect(broken.stderr).toMatch(/gate: model-failed: corrupt\.gguf/);

        const noBaseline = await runCli(["bench", twinPath, ...quick, "--fail-if", "tg<-5%"], env());
        expect(noBaseline.code).toBe(ExitCode.usage);
        expect(noBaseline.stderr).toMatch(/--baseline/);
    });

    it("turns an unknown option into the usage code", async () => {
        const result = await runCli(["bench", twinPath, "--bogus"], env());
        expect(result.code).toBe(ExitCode.usage);
    });

    it("on Ctrl-C saves and prints what was measured, then exits 130", async () => {
        const resultsDir = join(workDir, "results-interrupt");
        await mkdir(resultsDir, {recursive: true});
        const result = await new Promise<CliResult>((resolve, reject) => {
            const child = spawn(
                process.execPath,
                [
                    "bin/llmproof.js",
                    "bench",
                    twinPath,
                    "-t",
                    "1",
                    "-p",
                    "8",
                    "-n",
                    "200",
                    "-r",
                    "500",
                    "--warmup",
                    "0",
                    "--no-ttft",
                    "--json",
                    "--results-dir",
                    resultsDir
                ],
                {cwd: projectRoot, env: {...env(), LLMPROOF_DEBUG: ""}}
            );
            let stdout = "";
            let stderr = "";
            let sent = false;
            const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
            child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
            child.stderr.on("data", (chunk: Buffer) => {
                stderr += chunk.toString();
                if (!sent && /\[2\/2\]/.test(stderr)) {
                    sent = true;
                    setTimeout(() => child.kill("SIGINT"), 500);
                }
            });
            child.on("error", reject);
            child.on("close", (code) => {
                clearTimeout(killer);
                resolve({code, stdout, stderr});
            });
        });
        expect(result.code).toBe(ExitCode.interrupted);
        const runs = BenchReportSchema.parse(JSON.parse(result.stdout)).runs;
        expect(runs.map((run) => run.test)).toEqual(["pp8"]);
        const saved = (await readdir(resultsDir)).filter((name) => name.endsWith(".json"));
        expect(saved).toHaveLength(1);
        BenchRunSchema.parse(JSON.parse(await readFile(join(resultsDir, saved[0]!), "utf8")));
        expect(result.stderr).toMatch(/interrupted after 1 run/);
    });
});
