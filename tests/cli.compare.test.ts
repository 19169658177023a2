import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {buildRun} from "../src/bench/index.js";
import {CompareReportSchema} from "../src/compare/schema.js";
import type {BenchConfig} from "../src/results/config.js";
import type {BenchRun} from "../src/results/schema.js";
import {ExitCode} from "../src/util/exit-codes.js";
import {exampleConfig, exampleModel, examplePolicy, exampleProvenance, exampleSuccess} from "./helpers/bench-runs.js";
import {runCli} from "./helpers/cli.js";

/**
 * `llmproof compare` as a CI job runs it: two llmproof result files, a llama-bench JSON fixture,
 * the outputs, and the gate's exit codes both ways (a real regression fails, noise does not).
 */

const fixture = join(import.meta.dirname, "fixtures", "llama-bench", "tiny-test-q8_0.t1-2.p32.n8.r2");
let workDir: string;

async function run(config: BenchConfig, tg: number[], fileName = exampleModel.fileName): Promise<BenchRun> {
    return buildRun({
        request: {
            modelPath: `/models/${fileName}`,
            config,
            policy: {...examplePolicy, repetitions: tg.length},
            measureTtft: false,
            measureLoad: true,
            gpu: "auto"
        },
        outcome: exampleSuccess({ppTokensPerSecond: [], tgTokensPerSecond: tg, ttftMs: []}),
        facts: {...exampleModel, fileName, path: `/models/${fileName}`, ref: null, twin: null},
        provenance: await exampleProvenance()
    });
}

async function writeReport(name: string, runs: BenchRun[]): Promise<string> {
    const path = join(workDir, name);
    await writeFile(path, JSON.stringify({schemaVersion: 1, runs}));
    return path;
}

const tgConfig = exampleConfig({nPrompt: 0, nGen: 128});
let baseline: string;
let noisyRerun: string;
let regressed: string;

beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "llmproof-cli-compare-"));
    baseline = await writeReport("baseline.json", [await run(tgConfig, [55.1, 58.9, 52.4, 57.7, 54.2])]);
    noisyRerun = await writeReport("rerun.json", [await run(tgConfig, [53.8, 57.2, 56.1, 51.9, 58.4])]);
    regressed = await writeReport("regressed.json", [await run(tgConfig, [44.1, 47.1, 41.9, 46.2, 43.4])]);
});
afterAll(async () => {
    await rm(workDir, {recursive: true, force: true});
});

describe("llmproof compare", () => {
    it("prints a table with both means, the speed-up and its CI, and ~ for noise", async () => {
        const {code, stdout} = await runCli(["compare", baseline, noisyRerun]);
        expect(code).toBe(0);
        expect(stdout).toMatch(
            /tg t\/s .* 55\.66 ± \d+% \(n=5\) .* 55\.48 ± \d+% \(n=5\) .*× \[0\.\d+, 1\.\d+\] .*~ \(p=0\.\d+\)/
        );
        expect(stdout).toMatch(/~ = no significant difference/);
    });

    it("writes JSON, CSV and Markdown", async () => {
        const json = await runCli(["compare", baseline, regressed, "--json"]);
        const report = CompareReportSchema.parse(JSON.parse(json.stdout));
        const tg = report.rows.find((row) => row.metric === "tg")!;
        expect(tg.ratio!).toBeCloseTo(0.8, 2);
        expect(tg.verdict).toBe("worse");
        expect(tg.significance.method).toBe("permutation");
        expect(tg.changeCi95![1]).toBeLessThan(0);

        const csv = await runCli(["compare", baseline, regressed, "--csv"]);
        const [header, first] = csv.stdout.split("\r\n");
        expect(first!.split(",")[header!.split(",").indexOf("verdict")]).toBe("worse");

        const mdFile = join(workDir, "out.md");
        const md = await runCli(["compare", baseline, regressed, "--md", "--output", mdFile]);
        expect(md.stdout).toMatch(/^\| model \| test \|/);
        expect(await readFile(mdFile, "utf8")).toBe(md.stdout);
    });

    it("gates: a real regression exits 5, noise exits 0, a failed candidate model exits 6", async () => {
        const regression = await runCli(["compare", baseline, regressed, "--fail-if", "tg<-5%"]);
        expect(regression.code).toBe(ExitCode.gateRegression);
        expect(regression.stdout).toMatch(/gate FAILED/);
        expect(regression.stdout).toMatch(/tg changed -20\.0%/);

        const noise = await runCli(["compare", baseline, noisyRerun, "--fail-if", "tg<-1%"]);
        expect(noise.code).toBe(0);
        expect(noise.stdout).toMatch(/gate passed/);

        const crashed = buildRun({
            request: {
                modelPath: exampleModel.path,
                config: tgConfig,
                policy: examplePolicy,
                measureTtft: false,
                measureLoad: true,
                gpu: "auto"
            },
            outcome: {
                ok: false,
                kind: "crash",
                reason: "the measuring child died from SIGSEGV",
                exitCode: null,
                signal: "SIGSEGV"
            },
            facts: {...exampleModel, ref: null, twin: null},
            provenance: {...(await exampleProvenance()), backend: null}
        });
        const crashedFile = await writeReport("crashed.json", [crashed]);
        const failed = await runCli(["compare", baseline, crashedFile, "--fail-if", "tg<-5%", "--json"]);
        expect(failed.code).toBe(ExitCode.gateModelFailed);
        expect(failed.stderr).toMatch(
            /gate: .*failed in the candidate \(crash: the measuring child died from SIGSEGV\)/
        );
    });

    it("holds llmproof results against a llama-bench JSON output, and against its JSONL", async () => {
        const ours = await writeReport("ours.json", [
            await run(
                exampleConfig({threads: 1, nPrompt: 0, nGen: 8}),
                [7500, 7620, 7580, 7700, 7650],
                "tiny-test-Q8_0.gguf"
            )
        ]);
        const {code, stdout} = await runCli(["compare", `${fixture}.json`, ours, "--json"]);
        expect(code).toBe(0);
        const report = CompareReportSchema.parse(JSON.parse(stdout));
        expect(report.rows.map((row) => [row.model, row.test, row.threads, row.metric])).toEqual([
            ["tiny-test-Q8_0.gguf", "tg8", 1, "tg"]
        ]);
        expect(report.rows[0]!.baseline.n).toBe(2);
        expect(report.unmatched.baseline).toHaveLength(3);

        const jsonl = await runCli(["compare", `${fixture}.json`, `${fixture}.jsonl`, "--json"]);
        const same = CompareReportSchema.parse(JSON.parse(jsonl.stdout));
        expect(same.rows).toHaveLength(4);
        expect(same.rows.every((row) => row.ratio === 1 && row.verdict === "same")).toBe(true);
    });

    it("refuses a missing input and a bad gate as usage errors", async () => {
        const missing = await runCli(["compare", baseline, join(workDir, "nope.json")]);
        expect(missing.code).toBe(ExitCode.usage);
        expect(missing.stderr).toMatch(/^llmproof: The candidate .*nope\.json does not exist\.$/m);
        const badRule = await runCli(["compare", baseline, regressed, "--fail-if", "speed<5%"]);
        expect(badRule.code).toBe(ExitCode.usage);
        expect(badRule.stdout).toBe("");
    });
});
