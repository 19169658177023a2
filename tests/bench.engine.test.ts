import {chmodSync, readFileSync, writeFileSync} from "node:fs";
import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {runMeasurementInChild, workerEnvironment, WORKER_UV_THREADPOOL_SIZE} from "../src/bench/child-runner.js";
import {
    MeasurementOutcomeSchema,
    WORKER_TEST_FAULT_ENV,
    type MeasurementOutcome,
    type MeasurementRequest
} from "../src/bench/protocol.js";
import {llamaBenchArguments, llamaBenchParametersFor, runReferenceForRequest} from "../src/bench/reference.js";
import {compareWithLlamaBench} from "../src/bench/reference-harness.js";
import {llamaBenchTestName, parseLlamaBenchJson} from "../src/bench/llama-bench-format.js";
import {findLlamaBench} from "../src/system/llama-tools.js";
import {ENGINE_BUILD_CMAKE_OPTIONS, hasLocalEngineBuild} from "../src/system/engine-build.js";
import {makeTestTwin, testModelsDir} from "./helpers/models.js";

const nodeLlamaCppRoot = new URL("../node_modules/node-llama-cpp/", import.meta.url);
const installedVersion = (
    JSON.parse(readFileSync(new URL("package.json", nodeLlamaCppRoot), "utf8")) as {version: string}
).version;
const bundledTag = (
    JSON.parse(readFileSync(new URL("llama/llama.cpp.info.json", nodeLlamaCppRoot), "utf8")) as {tag: string}
).tag;

function request(
    modelPath: string,
    overrides: Partial<MeasurementRequest> = {},
    config: Partial<MeasurementRequest["config"]> = {}
): MeasurementRequest {
    return {
        modelPath,
        config: {
            threads: 2,
            nPrompt: 32,
            nGen: 8,
            depth: 0,
            batchSize: 2048,
            ubatchSize: 512,
            gpuLayers: 0,
            flashAttention: false,
            useMmap: true,
            ...config
        },
        policy: {warmup: 1, repetitions: 2, adaptive: null},
        measureTtft: true,
        measureLoad: true,
        gpu: "cpu",
        ...overrides
    };
}

function expectPositiveNumbers(values: number[], count: number): void {
    expect(values).toHaveLength(count);
    for (const value of values) {
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThan(0);
    }
}

function expectFailure(outcome: MeasurementOutcome): Extract<MeasurementOutcome, {ok: false}> {
    expect(MeasurementOutcomeSchema.safeParse(outcome).success).toBe(true);
    if (outcome.ok) throw new Error(`expected a failure, got a success: ${JSON.stringify(outcome).slice(0, 300)}`);
    expect(outcome.reason.length).toBeGreaterThan(0);
    return outcome;
}

describe("measuring child", () => {
    it("measures pp, tg, TTFT, load, memory and the estimate on a tiny twin, and runs with the libuv threadpool fix", async () => {
        const model = await makeTestTwin({preset: "tiny-test", quant: "Q8_0"});
        // The parent's own libuv default (or a user's setting) must not leak into the measuring child.
        const previous = process.env.UV_THREADPOOL_SIZE;
        process.env.UV_THREADPOOL_SIZE = "4";
        let outcome: MeasurementOutcome;
        const progress: string[] = [];
        try {
            outcome = await runMeasurementInChild(request(model), {
                timeoutMs: 90_000,
                onProgress: (line) => progress.push(line)
            });
        } finally {
            if (previous === undefined) delete process.env.UV_THREADPOOL_SIZE;
            else process.env.UV_THREADPOOL_SIZE = previous;
        }
        expect(MeasurementOutcomeSchema.parse(outcome)).toEqual(outcome);
        if (!outcome.ok) throw new Error(`measurement failed: ${outcome.kind}: ${outcome.reason}`);

        expectPositiveNumbers(outcome.ppTokensPerSecond, 2);
        expectPositiveNumbers(outcome.tgTokensPerSecond, 2);
        expectPositiveNumbers(outcome.ttftMs, 2);
        expect(outcome.loadMs).toBeGreaterThan(0);
        expect(outcome.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
        expect(outcome.vramBytes).toBe(0);
        expect(outcome.estimate?.ramBytes).toBeGreaterThan(0);

        expect(outcome.engine.notes).toContain(`UV_THREADPOOL_SIZE=${WORKER_UV_THREADPOOL_SIZE}`);
        expect(outcome.engine.notes).toContain("threads=2");
        expect(outcome.engine.nodeLlamaCppVersion).toBe(installedVersion);
        expect(outcome.engine.llamaCppRelease).toBe(bundledTag);
        expect(outcome.engine.backend).toBe("cpu");
        // The child loads llmproof's local engine build when `npm install` compiled one, else the prebuilt binary.
        const localBuild = await hasLocalEngineBuild();
        expect(outcome.engine.buildType).toBe(localBuild ? "localBuild" : "prebuilt");
        if (localBuild) expect(outcome.engine.cmakeOptions).toMatchObject(ENGINE_BUILD_CMAKE_OPTIONS);
        expect(progress.some((line) => line.startsWith("pp32:"))).toBe(true);
    });

    it("repeats until the adaptive limit, with a prefilled KV cache (depth), pp and tg only", async () => {
        const model = await makeTestTwin({preset: "tiny-test", quant: "Q8_0"});
        const outcome = await runMeasurementInChild(
            request(
                model,
                {
                    measureTtft: false,
                    measureLoad: false,
                    // A CI target no real samples reach, so the maximum count decides.
                    policy: {
                        warmup: 0,
                        repetitions: 2,
                        adaptive: {maxRepetitions: 4, targetRelativeCi: 1e-12, maxSeconds: 600}
                    }
                },
                {threads: 1, nPrompt: 16, nGen: 4, depth: 24, batchSize: 8, ubatchSize: 4}
            ),
            {timeoutMs: 90_000}
        );
        if (!outcome.ok) throw new Error(`measurement failed: ${outcome.kind}: ${outcome.reason}`);
        expectPositiveNumbers(outcome.ppTokensPerSecond, 4);
        expectPositiveNumbers(outcome.tgTokensPerSecond, 4);
        expect(outcome.ttftMs).toEqual([]);
        expect(outcome.loadMs).toBeNull();
        expect(outcome.engine.notes).toContain("threads=1");
    });

    it("runs on node-llama-cpp's prebuilt binary when LLMPROOF_ENGINE=prebuilt, and records it", async () => {
        const model = await makeTestTwin({preset: "tiny-test", quant: "Q8_0"});
        const outcome = await runMeasurementInChild(
            request(
                model,
                {measureTtft: false, measureLoad: false, policy: {warmup: 0, repetitions: 1, adaptive: null}},
                {threads: 1, nPrompt: 8, nGen: 2}
            ),
            {timeoutMs: 90_000, env: {LLMPROOF_ENGINE: "prebuilt"}}
        );
        if (!outcome.ok) throw new Error(`measurement failed: ${outcome.kind}: ${outcome.reason}`);
        expect(outcome.engine.buildType).toBe("prebuilt");
        expect(outcome.engine.cmakeOptions).not.toHaveProperty("GGML_OPENMP");
    });

    it("passes the libuv threadpool fix to the child unless the caller overrides it", () => {
        expect(workerEnvironment({UV_THREADPOOL_SIZE: "8", PATH: "/bin"})).toEqual({
            UV_THREADPOOL_SIZE: WORKER_UV_THREADPOOL_SIZE,
            PATH: "/bin"
        });
        expect(workerEnvironment({}, {UV_THREADPOOL_SIZE: "2"}).UV_THREADPOOL_SIZE).toBe("2");
    });
});

describe("a child that fails becomes a failure outcome, and the runner goes on", () => {
    const someModel = "/nonexistent/never-loaded.gguf";
    const withFault = (fault: string, timeoutMs = 30_000) =>
        runMeasurementInChild(request(someModel), {timeoutMs, env: {[WORKER_TEST_FAULT_ENV]: fault}});

    it("reports death by a signal as a crash with that signal", async () => {
        const failure = expectFailure(await withFault("signal"));
        expect(failure.kind).toBe("crash");
        expect(failure.signal).toBe("SIGTERM");
        expect(failure.reason).toMatch(/SIGTERM/);
    });

    it("reports SIGKILL as a likely out-of-memory kill", async () => {
        const failure = expectFailure(await withFault("kill"));
        expect(failure.kind).toBe("oom");
        expect(failure.signal).toBe("SIGKILL");
    });

    it("reports an exit without an answer with its exit code", async () => {
        const failure = expectFailure(await withFault("exit"));
        expect(failure).toMatchObject({kind: "crash", exitCode: 3, signal: null});
    });

    it("rejects an answer that does not match the protocol", async () => {
        const failure = expectFailure(await withFault("garbage"));
        expect(failure.kind).toBe("error");
        expect(failure.reason).toMatch(/invalid message/);
    });

    it("kills a child that runs past the time limit", async () => {
        const failure = expectFailure(await withFault("hang", 1500));
        expect(failure.kind).toBe("timeout");
        expect(failure.reason).toMatch(/1\.5 s/);
    });

    it("reports a missing model file and a corrupt GGUF as errors with a reason", async () => {
        const missing = expectFailure(await runMeasurementInChild(request(someModel), {timeoutMs: 60_000}));
        expect(missing.kind).toBe("error");
        expect(missing.reason).toMatch(/never-loaded\.gguf|no such file/i);

        const twin = await makeTestTwin({preset: "tiny-test", quant: "Q8_0"});
        const corrupt = join(testModelsDir(), "corrupt-truncated.gguf");
        writeFileSync(corrupt, readFileSync(twin).subarray(0, 4096));
        const broken = expectFailure(await runMeasurementInChild(request(corrupt), {timeoutMs: 60_000}));
        expect(["error", "crash"]).toContain(broken.kind);
    });

    it("rejects an invalid request inside the child", async () => {
        const invalid = {...request(someModel), config: {...request(someModel).config, threads: 0}};
        const failure = expectFailure(await runMeasurementInChild(invalid, {timeoutMs: 30_000}));
        expect(failure.kind).toBe("error");
        expect(failure.reason).toMatch(/threads/);
    });
});

describe("llama-bench reference", () => {
    // Real output of llama-bench (llama.cpp v0.5.0 as bundled with node-llama-cpp 3.22.1, CPU build):
    // llama-bench -m tiny-test-Q8_0.gguf -t 1,2 -p 32 -n 8 -r 2 -fa off -o json
    const fixture = readFileSync(
        new URL("./fixtures/llama-bench/tiny-test-q8_0.t1-2.p32.n8.r2.json", import.meta.url),
        "utf8"
    );

    it("parses llama-bench's JSON output", () => {
        const tests = parseLlamaBenchJson(fixture);
        expect(tests.map((test) => [test.n_threads, llamaBenchTestName(test)])).toEqual([
            [1, "pp32"],
            [1, "tg8"],
            [2, "pp32"],
            [2, "tg8"]
        ]);
        for (const test of tests) {
            expect(test.samples_ts).toHaveLength(2);
            expect(test.samples_ns).toHaveLength(2);
            // samples_ts is tokens / (samples_ns / 1e9), printed with 6 significant digits.
            const tokens = test.n_prompt + test.n_gen;
            test.samples_ts.forEach((rate, index) => {
                expect(rate).toBeCloseTo(tokens / (test.samples_ns[index]! / 1e9), -1);
            });
            expect(test.build_commit).toMatch(/^[0-9a-f]{7,}$/);
            expect(test.flash_attn).toBe(0);
        }
    });

    it("rejects output that is not llama-bench's JSON", () => {
        expect(() => parseLlamaBenchJson("| model | size |")).toThrow(/did not print JSON/);
        const withoutSamples = JSON.parse(fixture) as Record<string, unknown>[];
        delete withoutSamples[0]!.samples_ts;
        expect(() => parseLlamaBenchJson(JSON.stringify(withoutSamples))).toThrow(/0\.samples_ts/);
    });

    it("turns a measurement request into the equivalent llama-bench command line", () => {
        const args = llamaBenchArguments(
            llamaBenchParametersFor(
                request(
                    "/m.gguf",
                    {policy: {warmup: 0, repetitions: 3, adaptive: null}},
                    {depth: 64, flashAttention: true, useMmap: false}
                )
            )
        );
        expect(args).toEqual([
            "-m",
            "/m.gguf",
            "-t",
            "2",
            "-p",
            "32",
            "-n",
            "8",
            "-r",
            "3",
            "-o",
            "json",
            "-d",
            "64",
            "-b",
            "2048",
            "-ub",
            "512",
            "-ngl",
            "0",
            "-fa",
            "on",
            "-lm",
            "none",
            "--no-warmup"
        ]);
        // Builds from before --load-mode take -mmp.
        const mmap = (syntax: "load-mode" | "mmp", useMmap: boolean) =>
            llamaBenchArguments({...llamaBenchParametersFor(request("/m.gguf")), useMmap, mmapSyntax: syntax}).slice(
                -2
            );
        expect(mmap("load-mode", true)).toEqual(["-lm", "mmap"]);
        expect(mmap("mmp", true)).toEqual(["-mmp", "1"]);
        expect(mmap("mmp", false)).toEqual(["-mmp", "0"]);
    });

    it("runs the real llama-bench on a tiny twin when it is built", async (context) => {
        const binary = await findLlamaBench({build: false});
        if (binary === null) {
            context.skip();
            return;
        }
        const model = await makeTestTwin({preset: "tiny-test", quant: "Q8_0"});
        const samples = await runReferenceForRequest(
            binary,
            request(model, {policy: {warmup: 1, repetitions: 1, adaptive: null}}),
            60_000
        );
        expectPositiveNumbers(samples.ppTokensPerSecond, 1);
        expectPositiveNumbers(samples.tgTokensPerSecond, 1);
        expect(samples.build).toMatch(/^[0-9a-f]+ \(\d+\)$/);
    });
});

describe("bench:reference comparison", () => {
    it("interleaves llama-bench and llmproof by round and keeps each round's ratio", async () => {
        // A stand-in llama-bench that answers in llama-bench's JSON, 1000 t/s on its first call, 2000 on its second, …
        const folder = await mkdtemp(join(tmpdir(), "llmproof-fake-llama-bench-"));
        const counter = join(folder, "calls");
        const fake = join(folder, "llama-bench");
        writeFileSync(counter, "0");
        writeFileSync(
            fake,
            `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
const value = (flag) => args[args.indexOf(flag) + 1];
// Asked once, for the mmap option's syntax; not a measurement.
if (args.includes("--help")) { process.stdout.write("  -lm, --load-mode <auto|none|mmap|mlock|mmap+mlock|dio>\\n"); process.exit(0); }
const call = Number(fs.readFileSync(${JSON.stringify(counter)}, "utf8")) + 1;
fs.writeFileSync(${JSON.stringify(counter)}, String(call));
const ts = 1000 * call, r = Number(value("-r"));
const test = (nPrompt, nGen) => ({build_commit: "fake", build_number: 0, cpu_info: "test", backends: "CPU", model_filename: value("-m"),
    model_type: "test", model_size: 1, model_n_params: 1, n_batch: 2048, n_ubatch: 512, n_threads: Number(value("-t")), n_gpu_layers: 0,
    flash_attn: 0, load_mode: value("-lm"), n_prompt: nPrompt, n_gen: nGen, n_depth: 0, test_time: "2026-01-01T00:00:00Z", avg_ns: 1, stddev_ns: 0,
    avg_ts: ts, stddev_ts: 0, samples_ns: Array(r).fill(1), samples_ts: Array(r).fill(ts)});
process.stdout.write(JSON.stringify([test(Number(value("-p")), 0), test(0, Number(value("-n")))]));
`
        );
        chmodSync(fake, 0o755);
        try {
            const model = await makeTestTwin({preset: "tiny-test", quant: "Q8_0"});
            const report = await compareWithLlamaBench(
                {
                    modelPath: model,
                    llamaBench: fake,
                    threads: [1],
                    nPrompt: 16,
                    nGen: 4,
                    repetitions: 2,
                    rounds: 2,
                    sameLibraries: false
                },
                () => {}
            );
            expect(report.failures).toEqual([]);
            expect(report.llamaBenchBuild).toBe("fake (0)");
            expect(report.rows.map((row) => `${row.test}/${row.threads}`)).toEqual(["pp16/1", "tg4/1"]);
            const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
            for (const row of report.rows) {
                expect(row.llamaBench).toEqual([1000, 1000, 2000, 2000]);
                expectPositiveNumbers(row.llmproof, 4);
                expect(row.llamaBenchOnEngineLibraries).toEqual([]);
                expect(row.ratio).toBeCloseTo(mean(row.llmproof) / 1500, 10);
                // Each round holds llmproof's samples against that round's llama-bench call only.
                expect(row.roundRatios).toHaveLength(2);
                expect(row.roundRatios[0]).toBeCloseTo(mean(row.llmproof.slice(0, 2)) / 1000, 10);
                expect(row.roundRatios[1]).toBeCloseTo(mean(row.llmproof.slice(2, 4)) / 2000, 10);
                expect(row.pass).toBe(Math.abs(row.ratio! - 1) <= 0.03);
            }
        } finally {
            await rm(folder, {recursive: true, force: true});
        }
    });
});
