import {execFile, spawn} from "node:child_process";
import {isExecutableFile} from "../util/fs.js";
import {access, chmod, copyFile, mkdir, mkdtemp, readdir, rm, stat, symlink} from "node:fs/promises";
import {availableParallelism, homedir, tmpdir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {z} from "zod";
import {UserError, errorMessage} from "../util/errors.js";
import {logInfo} from "../util/log.js";
import {bundledLlamaCppTag, nodeLlamaCppRoot} from "../system/node-llama-cpp-package.js";
import type {BenchConfig, EngineInfo, MeasurementRequest} from "./protocol.js";

/**
 * llama.cpp's own llama-bench, built from the llama.cpp source node-llama-cpp bundles (same
 * release), as the reference llmproof's numbers are held to: `llmproof bench --cross-check` and
 * `npm run bench:reference`.
 */

// ---------------------------------------------------------------------------------------------
// llama-bench's JSON output (-o json): an array with one object per test (tools/llama-bench/llama-bench.cpp,
// json_printer). Only the fields llmproof reads are required; the rest pass through.

export const LlamaBenchTestSchema = z.looseObject({
    build_commit: z.string(),
    build_number: z.number(),
    cpu_info: z.string(),
    backends: z.string(),
    model_filename: z.string(),
    model_type: z.string(),
    model_size: z.number(),
    model_n_params: z.number(),
    n_batch: z.number().int(),
    n_ubatch: z.number().int(),
    n_threads: z.number().int(),
    n_gpu_layers: z.number().int(),
    flash_attn: z.union([z.number(), z.boolean(), z.string()]),
    n_prompt: z.number().int(),
    n_gen: z.number().int(),
    n_depth: z.number().int(),
    test_time: z.string(),
    avg_ns: z.number(),
    stddev_ns: z.number(),
    avg_ts: z.number(),
    stddev_ts: z.number(),
    samples_ns: z.array(z.number()),
    samples_ts: z.array(z.number())
});
export type LlamaBenchTest = z.infer<typeof LlamaBenchTestSchema>;
export const LlamaBenchOutputSchema = z.array(LlamaBenchTestSchema);

/** Parse llama-bench's `-o json` output; throws with the first schema problem. */
export function parseLlamaBenchJson(text: string): LlamaBenchTest[] {
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (error) {
        throw new Error(`llama-bench did not print JSON (${errorMessage(error)})`);
    }
    const parsed = LlamaBenchOutputSchema.safeParse(data);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`unexpected llama-bench JSON at ${issue?.path.join(".") || "top level"}: ${issue?.message ?? "unknown"}`);
    }
    return parsed.data;
}

/** llama-bench's test name: pp512, tg128, pp512+tg128; "@ d<depth>" when the KV cache is prefilled. */
export function llamaBenchTestName(test: Pick<LlamaBenchTest, "n_prompt" | "n_gen" | "n_depth">): string {
    const base = test.n_prompt > 0 && test.n_gen === 0 ? `pp${test.n_prompt}`
        : test.n_gen > 0 && test.n_prompt === 0 ? `tg${test.n_gen}`
            : `pp${test.n_prompt}+tg${test.n_gen}`;
    return test.n_depth > 0 ? `${base} @ d${test.n_depth}` : base;
}

// ---------------------------------------------------------------------------------------------
// Finding (or building) llama-bench.

/** Where llmproof (and ../shared/tools/build-llama-bench.sh) build llama.cpp's tools: LLAMA_TOOLS_DIR or ~/.cache/llama-tools. */
export async function llamaToolsBuildDirectory(): Promise<string> {
    const root = process.env.LLAMA_TOOLS_DIR || join(homedir(), ".cache", "llama-tools");
    return join(root, `llama.cpp-${await bundledLlamaCppTag()}`);
}


export interface FindLlamaBenchOptions {
    /** Build it from node-llama-cpp's bundled llama.cpp source when it is not there (about 10 minutes on 2 cores). */
    build?: boolean;
}

/**
 * The llama-bench binary to compare against: $LLAMA_BENCH when set (it must exist), else the one built
 * from the bundled llama.cpp release under the tools directory, else (with `build`) build it there.
 * Returns null when none is found and building was not asked for.
 */
export async function findLlamaBench(options: FindLlamaBenchOptions = {}): Promise<string | null> {
    const fromEnvironment = process.env.LLAMA_BENCH;
    if (fromEnvironment) {
        if (!await isExecutableFile(fromEnvironment))
            throw new UserError(`LLAMA_BENCH=${fromEnvironment} is not an executable file.`);
        return resolve(fromEnvironment);
    }
    const built = join(await llamaToolsBuildDirectory(), "build", "bin", "llama-bench");
    if (await isExecutableFile(built))
        return built;
    if (!options.build)
        return null;
    await buildLlamaBench();
    if (!await isExecutableFile(built))
        throw new Error(`the llama-bench build finished but ${built} is missing`);
    return built;
}

/**
 * Build llama-bench (CPU, no OpenMP, like node-llama-cpp's prebuilt CPU binaries) from the llama.cpp
 * source node-llama-cpp ships (llama/gitRelease.bundle), so the reference runs the same release. Offline.
 * Needs git, cmake and a C++ compiler. Build output goes to stderr.
 */
export async function buildLlamaBench(): Promise<void> {
    const bundle = join(nodeLlamaCppRoot(), "llama", "gitRelease.bundle");
    const root = await llamaToolsBuildDirectory();
    await access(bundle).catch(() => {
        throw new UserError(`node-llama-cpp's llama.cpp source bundle is missing (${bundle}); reinstall with npm install.`);
    });
    await mkdir(dirname(root), {recursive: true});
    const hasCheckout = await stat(join(root, ".git")).then(() => true, () => false);
    logInfo(`building llama-bench from ${bundle} in ${root} (about 10 minutes on 2 cores the first time) …`);
    if (!hasCheckout)
        await runToStderr("git", ["clone", "-q", bundle, root]);
    await runToStderr("cmake", ["-S", root, "-B", join(root, "build"), "-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_CURL=OFF", "-DGGML_NATIVE=ON",
        "-DGGML_OPENMP=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_SERVER=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF"]);
    await runToStderr("cmake", ["--build", join(root, "build"), "-j", String(availableParallelism()),
        "--target", "llama-bench", "llama-perplexity", "llama-quantize"]);
}

function runToStderr(command: string, args: string[]): Promise<void> {
    return new Promise((resolvePromise, reject) => {
        const child = spawn(command, args, {stdio: ["ignore", process.stderr, process.stderr]});
        child.on("error", (error) => reject(new UserError(`cannot run ${command} to build llama-bench (${errorMessage(error)}); install git, cmake and a C++ compiler, or set LLAMA_BENCH.`)));
        child.on("close", (code) => code === 0 ? resolvePromise() : reject(new Error(`${command} ${args[0]} failed with exit code ${code}`)));
    });
}

// ---------------------------------------------------------------------------------------------
// Running llama-bench.

export interface LlamaBenchParameters {
    modelPath: string;
    threads: number[];
    nPrompt: number[];
    nGen: number[];
    depth?: number[];
    batchSize?: number;
    ubatchSize?: number;
    gpuLayers?: number;
    flashAttention?: boolean;
    repetitions: number;
    /** llama-bench always warms up once; false passes --no-warmup. */
    warmup?: boolean;
    timeoutMs?: number;
    /** Extra environment (e.g. LD_LIBRARY_PATH for llamaBenchOnLibraries). */
    env?: NodeJS.ProcessEnv;
}

export function llamaBenchArguments(parameters: LlamaBenchParameters): string[] {
    const args = [
        "-m", parameters.modelPath,
        "-t", parameters.threads.join(","),
        "-p", parameters.nPrompt.join(","),
        "-n", parameters.nGen.join(","),
        "-r", String(parameters.repetitions),
        "-o", "json"
    ];
    if (parameters.depth) args.push("-d", parameters.depth.join(","));
    if (parameters.batchSize !== undefined) args.push("-b", String(parameters.batchSize));
    if (parameters.ubatchSize !== undefined) args.push("-ub", String(parameters.ubatchSize));
    if (parameters.gpuLayers !== undefined) args.push("-ngl", String(parameters.gpuLayers));
    if (parameters.flashAttention !== undefined) args.push("-fa", parameters.flashAttention ? "on" : "off");
    if (parameters.warmup === false) args.push("--no-warmup");
    return args;
}

/** Run llama-bench and return its parsed tests. Throws with llama-bench's last stderr lines when it fails. */
export function runLlamaBench(binary: string, parameters: LlamaBenchParameters): Promise<LlamaBenchTest[]> {
    const args = llamaBenchArguments(parameters);
    return new Promise((resolvePromise, reject) => {
        const options = {maxBuffer: 64 * 1024 * 1024, timeout: parameters.timeoutMs ?? 0, killSignal: "SIGKILL" as const, env: {...process.env, ...parameters.env}};
        execFile(binary, args, options, (error, stdout, stderr) => {
            if (error) {
                const tail = stderr.trim().split("\n").slice(-3).join(" | ");
                reject(new Error(`llama-bench failed (${errorMessage(error).split(" ").slice(0, 2).join(" ")}…)${tail ? `: ${tail}` : ""}`));
                return;
            }
            try {
                resolvePromise(parseLlamaBenchJson(stdout));
            } catch (parseError) {
                reject(parseError);
            }
        });
    });
}

/** llama-bench's raw samples for one llmproof configuration (the shape `runBench --cross-check` records). */
export interface ReferenceSamples {
    binary: string;
    /** llama-bench's build: "<commit> (<number>)". */
    build: string | null;
    ppTokensPerSecond: number[];
    tgTokensPerSecond: number[];
}

export type ReferenceRunner = (request: MeasurementRequest) => Promise<ReferenceSamples>;

/** llama-bench parameters equivalent to one llmproof measurement request. */
export function llamaBenchParametersFor(request: MeasurementRequest): LlamaBenchParameters {
    const config: BenchConfig = request.config;
    return {
        modelPath: request.modelPath,
        threads: [config.threads],
        nPrompt: [config.nPrompt],
        nGen: [config.nGen],
        depth: [config.depth],
        batchSize: config.batchSize,
        ubatchSize: config.ubatchSize,
        gpuLayers: config.gpuLayers,
        flashAttention: config.flashAttention,
        // llama-bench has no adaptive mode: it runs the minimum repetitions.
        repetitions: request.policy.repetitions,
        warmup: request.policy.warmup > 0
    };
}

/** Run llama-bench for the same model and configuration as `request` and return its samples. */
export async function runReferenceForRequest(binary: string, request: MeasurementRequest, timeoutMs?: number, env?: NodeJS.ProcessEnv): Promise<ReferenceSamples> {
    const tests = await runLlamaBench(binary, {...llamaBenchParametersFor(request), timeoutMs, env});
    const pp = tests.find((test) => test.n_prompt > 0 && test.n_gen === 0);
    const tg = tests.find((test) => test.n_gen > 0 && test.n_prompt === 0);
    const first = tests[0];
    return {
        binary,
        build: first ? `${first.build_commit} (${first.build_number})` : null,
        ppTokensPerSecond: pp?.samples_ts ?? [],
        tgTokensPerSecond: tg?.samples_ts ?? []
    };
}

/**
 * For `llmproof bench --cross-check`: a function that runs llama-bench on a request's model and
 * configuration, or null when no llama-bench is found (this never builds one).
 */
export async function createReferenceRunner(options: {timeoutMs?: number} = {}): Promise<ReferenceRunner | null> {
    const binary = await findLlamaBench({build: false});
    if (binary === null)
        return null;
    return (request) => runReferenceForRequest(binary, request, options.timeoutMs);
}

/**
 * Linux only: run this llama-bench on another build of the same llama.cpp release, e.g. the libraries
 * node-llama-cpp loaded (its prebuilt binaries or a local build), so that a gap between llmproof and
 * llama-bench can be split into "how it is measured" and "which binary computes". Makes a folder of
 * links named as llama-bench expects them (libllama.so.0, libggml.so.0, libggml-base.so.0) and a copy
 * of the executable (ggml looks for its CPU backend variants next to it); run it with the returned env.
 */
export async function llamaBenchOnLibraries(llamaBench: string, libraryDirectory: string): Promise<{binary: string, env: NodeJS.ProcessEnv, dispose: () => Promise<void>}> {
    if (process.platform !== "linux")
        throw new Error("running llama-bench on other llama.cpp libraries is only supported on Linux");
    const folder = await mkdtemp(join(tmpdir(), "llmproof-llama-bench-libs-"));
    const dispose = () => rm(folder, {recursive: true, force: true});
    try {
        const libraries = (await readdir(libraryDirectory)).filter((name) => /\.so(\.|$)/.test(name));
        for (const name of libraries)
            await symlink(join(libraryDirectory, name), join(folder, name));
        const pick = (pattern: RegExp) => libraries.find((name) => pattern.test(name));
        const aliases: Array<[string, string | undefined]> = [
            ["libllama.so.0", pick(/^libllama(\.v[^/]*)?\.so$/)],
            ["libggml.so.0", pick(/^libggml(\.v[^/]*)?\.so$/)],
            ["libggml-base.so.0", pick(/^libggml-base(\.v[^/]*)?\.so$/)]
        ];
        for (const [alias, target] of aliases) {
            if (target === undefined) throw new Error(`no ${alias.replace(".so.0", "")} library in ${libraryDirectory}`);
            if (!libraries.includes(alias)) await symlink(join(libraryDirectory, target), join(folder, alias));
        }
        // llama-bench's own parts (its driver library and llama.cpp's common library) come from its build.
        const benchDirectory = dirname(llamaBench);
        for (const name of await readdir(benchDirectory))
            if (/^libllama-bench-impl\.so$|^libllama-common\.so\.0$/.test(name) && !libraries.includes(name))
                await symlink(join(benchDirectory, name), join(folder, name));
        const binary = join(folder, "llama-bench");
        await copyFile(llamaBench, binary);
        await chmod(binary, 0o755);
        return {binary, env: {LD_LIBRARY_PATH: folder}, dispose};
    } catch (error) {
        await dispose();
        throw error;
    }
}

// ---------------------------------------------------------------------------------------------
// The side-by-side comparison behind `npm run bench:reference`.

/** Within this fraction of llama-bench counts as agreeing (the bar in the issue: ±3%). */
export const AGREEMENT_TOLERANCE = 0.03;

export interface ComparisonOptions {
    modelPath: string;
    threads: number[];
    nPrompt: number;
    nGen: number;
    /** Repetitions per llama-bench call and per llmproof child. */
    repetitions: number;
    /** Interleaved rounds; within each, the order of the tools rotates. */
    rounds: number;
    llamaBench: string;
    flashAttention?: boolean;
    /**
     * Also run llama-bench on the llama.cpp libraries llmproof's engine loaded (Linux), which separates
     * the measuring method from the binary build (prebuilt node-llama-cpp vs. a native llama-bench build).
     */
    sameLibraries?: boolean;
    /** Environment for llmproof's measuring child (on top of the fix the runner applies). */
    childEnv?: NodeJS.ProcessEnv;
    timeoutMs?: number;
}

export interface ComparisonRow {
    test: string;
    threads: number;
    llamaBench: number[];
    llmproof: number[];
    /** llama-bench's method on the engine's own libraries (only with `sameLibraries`). */
    llamaBenchOnEngineLibraries: number[];
    /** mean(llmproof) / mean(llama-bench) */
    ratio: number | null;
    /** mean(llmproof) / mean(llama-bench on the engine's libraries) */
    ratioSameLibraries: number | null;
    /**
     * mean(llmproof) / mean(llama-bench) within each round, where the two ran minutes apart at most.
     * A shared machine drifts by a few percent between rounds; these show whether a gap is the engine or the drift.
     */
    roundRatios: number[];
    /** `ratio` within ±AGREEMENT_TOLERANCE. */
    pass: boolean;
}

export interface ComparisonReport {
    modelPath: string;
    llamaBench: string;
    llamaBenchBuild: string | null;
    engine: EngineInfo | null;
    /** The folder of llama.cpp libraries the engine ran on, when known. */
    engineLibraries: string | null;
    rows: ComparisonRow[];
    failures: string[];
}

/**
 * Measure the same model with llama-bench and with llmproof's measuring child, interleaved (per round
 * and thread count, one run of each tool, the order rotating between rounds), and compare the mean
 * tokens/sec per test and thread count.
 */
export async function compareWithLlamaBench(options: ComparisonOptions, onProgress: (message: string) => void = logInfo): Promise<ComparisonReport> {
    const {runMeasurementInChild} = await import("./child-runner.js");
    const {ENGINE_LIBRARIES_NOTE_PREFIX} = await import("./engine.js");
    type Tool = "llamaBench" | "llmproof" | "llamaBenchOnEngineLibraries";
    type Slot = Record<Tool, number[]> & {test: string, threads: number, byRound: Array<{llamaBench: number[], llmproof: number[]}>};
    const samples = new Map<string, Slot>();
    const slot = (test: string, threads: number) => {
        const key = `${test}/${threads}`;
        let entry = samples.get(key);
        if (!entry) samples.set(key, entry = {test, threads, llamaBench: [], llmproof: [], llamaBenchOnEngineLibraries: [], byRound: []});
        return entry;
    };
    /** Record samples of one tool, overall and for the round they belong to. */
    const record = (test: string, threads: number, tool: Tool, round: number, values: number[]) => {
        const entry = slot(test, threads);
        entry[tool].push(...values);
        if (tool === "llamaBenchOnEngineLibraries") return;
        entry.byRound[round] ??= {llamaBench: [], llmproof: []};
        entry.byRound[round][tool].push(...values);
    };
    const failures: string[] = [];
    let build: string | null = null;
    let engine: EngineInfo | null = null;
    let engineLibraries: string | null = null;
    let sameLibrariesBench: Awaited<ReturnType<typeof llamaBenchOnLibraries>> | null = null;
    const ppName = `pp${options.nPrompt}`;
    const tgName = `tg${options.nGen}`;

    try {
        for (let round = 0; round < options.rounds; round++) {
            for (const threads of options.threads) {
                const request: MeasurementRequest = {
                    modelPath: options.modelPath,
                    config: {threads, nPrompt: options.nPrompt, nGen: options.nGen, depth: 0, batchSize: 2048, ubatchSize: 512, gpuLayers: 0, flashAttention: options.flashAttention ?? false},
                    policy: {warmup: 1, repetitions: options.repetitions, adaptive: null},
                    measureTtft: false,
                    measureLoad: false,
                    gpu: "cpu"
                };
                const label = `round ${round + 1}/${options.rounds}, ${threads} thread(s)`;
                const runReference = async (tool: "llamaBench" | "llamaBenchOnEngineLibraries") => {
                    const target = tool === "llamaBench" ? {binary: options.llamaBench, env: undefined} : sameLibrariesBench;
                    if (target === null) return;
                    onProgress(`${label}: llama-bench${tool === "llamaBench" ? "" : " on the engine's libraries"} …`);
                    try {
                        const reference = await runReferenceForRequest(target.binary, request, options.timeoutMs, target.env);
                        if (tool === "llamaBench") build = reference.build;
                        record(ppName, threads, tool, round, reference.ppTokensPerSecond);
                        record(tgName, threads, tool, round, reference.tgTokensPerSecond);
                    } catch (error) {
                        failures.push(`${tool}, ${threads} thread(s), round ${round + 1}: ${errorMessage(error)}`);
                    }
                };
                const runOurs = async () => {
                    onProgress(`${label}: llmproof …`);
                    const outcome = await runMeasurementInChild(request, {timeoutMs: options.timeoutMs ?? 30 * 60 * 1000, env: options.childEnv});
                    if (!outcome.ok) {
                        failures.push(`llmproof, ${threads} thread(s), round ${round + 1}: ${outcome.kind}: ${outcome.reason}`);
                        return;
                    }
                    engine = outcome.engine;
                    record(ppName, threads, "llmproof", round, outcome.ppTokensPerSecond);
                    record(tgName, threads, "llmproof", round, outcome.tgTokensPerSecond);
                    const librariesNote = outcome.engine.notes.find((note) => note.startsWith(ENGINE_LIBRARIES_NOTE_PREFIX));
                    if (options.sameLibraries && sameLibrariesBench === null && librariesNote !== undefined) {
                        engineLibraries = librariesNote.slice(ENGINE_LIBRARIES_NOTE_PREFIX.length);
                        try {
                            sameLibrariesBench = await llamaBenchOnLibraries(options.llamaBench, engineLibraries);
                        } catch (error) {
                            failures.push(`llama-bench on the engine's libraries: ${errorMessage(error)}`);
                            options = {...options, sameLibraries: false};
                        }
                    }
                };
                const steps = [() => runReference("llamaBench"), runOurs, () => runReference("llamaBenchOnEngineLibraries")];
                // Rotate the order so that no tool always runs first (or right after another) in a round.
                const shift = (round + threads) % steps.length;
                for (const step of [...steps.slice(shift), ...steps.slice(0, shift)])
                    await step();
            }
        }
    } finally {
        await (sameLibrariesBench as Awaited<ReturnType<typeof llamaBenchOnLibraries>> | null)?.dispose();
    }

    const ratioOf = (ours: number[], theirs: number[]) => ours.length > 0 && theirs.length > 0 ? average(ours) / average(theirs) : null;
    const rows: ComparisonRow[] = [...samples.values()].map(({byRound, ...entry}) => {
        const ratio = ratioOf(entry.llmproof, entry.llamaBench);
        return {
            ...entry,
            roundRatios: byRound.flatMap((round) => round === undefined ? [] : [ratioOf(round.llmproof, round.llamaBench)])
                .filter((value): value is number => value !== null),
            ratio,
            ratioSameLibraries: ratioOf(entry.llmproof, entry.llamaBenchOnEngineLibraries),
            pass: ratio !== null && Math.abs(ratio - 1) <= AGREEMENT_TOLERANCE
        };
    });
    return {modelPath: options.modelPath, llamaBench: options.llamaBench, llamaBenchBuild: build, engine, engineLibraries, rows, failures};
}

function average(values: number[]): number {
    return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The reference twin: a Qwen2.5-0.5B-shaped Q4_0 GGUF with random weights, written once. */
export async function ensureReferenceTwin(path?: string): Promise<string> {
    const target = path ?? join(tmpdir(), "llmproof-reference", "qwen2.5-0.5b-Q4_0.gguf");
    if (await stat(target).then((info) => info.isFile(), () => false))
        return target;
    const {writeTwinGguf} = await import("../gguf/synth.js");
    const {findShapePreset} = await import("../gguf/shape-presets.js");
    logInfo(`writing the Qwen2.5-0.5B-shaped Q4_0 twin to ${target} …`);
    await writeTwinGguf({shape: findShapePreset("qwen2.5-0.5b").shape, quant: "Q4_0", outputPath: target});
    return target;
}
