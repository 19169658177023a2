import {execFile} from "node:child_process";
import {chmod, copyFile, mkdtemp, readdir, rm, symlink} from "node:fs/promises";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {errorMessage} from "../util/errors.js";
import {findLlamaBench} from "../system/llama-tools.js";
import type {BenchConfig} from "../results/config.js";
import type {MeasurementRequest} from "./protocol.js";
import {type LlamaBenchTest, llamaBenchMmap, parseLlamaBenchJson} from "./llama-bench-format.js";

/**
 * llama.cpp's own llama-bench as the reference llmproof's numbers are held to: running it with the
 * parameters of one measurement (`llmproof bench --cross-check`). The side-by-side validation that
 * `npm run bench:reference` prints lives in reference-harness.ts.
 */

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
    /** Load the weights through mmap (llama-bench's default) or read them into memory. */
    useMmap?: boolean;
    /**
     * How this llama-bench takes that choice: `-lm mmap|none` in the llama.cpp releases that replaced -mmp
     * with --load-mode (node-llama-cpp's bundled one among them; the default), `-mmp 1|0` in older ones.
     */
    mmapSyntax?: LlamaBenchMmapSyntax;
    repetitions: number;
    /** llama-bench always warms up once; false passes --no-warmup. */
    warmup?: boolean;
    timeoutMs?: number;
    /** Extra environment (e.g. LD_LIBRARY_PATH for llamaBenchOnLibraries). */
    env?: NodeJS.ProcessEnv;
}

export type LlamaBenchMmapSyntax = "load-mode" | "mmp";

export function llamaBenchArguments(parameters: LlamaBenchParameters): string[] {
    const args = [
        "-m",
        parameters.modelPath,
        "-t",
        parameters.threads.join(","),
        "-p",
        parameters.nPrompt.join(","),
        "-n",
        parameters.nGen.join(","),
        "-r",
        String(parameters.repetitions),
        "-o",
        "json"
    ];
    if (parameters.depth) args.push("-d", parameters.depth.join(","));
    if (parameters.batchSize !== undefined) args.push("-b", String(parameters.batchSize));
    if (parameters.ubatchSize !== undefined) args.push("-ub", String(parameters.ubatchSize));
    if (parameters.gpuLayers !== undefined) args.push("-ngl", String(parameters.gpuLayers));
    if (parameters.flashAttention !== undefined) args.push("-fa", parameters.flashAttention ? "on" : "off");
    if (parameters.useMmap !== undefined)
        args.push(
            ...(parameters.mmapSyntax === "mmp"
                ? ["-mmp", parameters.useMmap ? "1" : "0"]
                : ["-lm", parameters.useMmap ? "mmap" : "none"])
        );
    if (parameters.warmup === false) args.push("--no-warmup");
    return args;
}

const mmapSyntaxes = new Map<string, Promise<LlamaBenchMmapSyntax>>();

/** Which mmap option this llama-bench binary takes, from its --help (asked once per binary). */
export function llamaBenchMmapSyntax(binary: string, env?: NodeJS.ProcessEnv): Promise<LlamaBenchMmapSyntax> {
    let syntax = mmapSyntaxes.get(binary);
    if (syntax === undefined) {
        syntax = new Promise((resolvePromise) => {
            const options = {timeout: 30_000, killSignal: "SIGKILL" as const, env: {...process.env, ...env}};
            execFile(binary, ["--help"], options, (_error, stdout) =>
                resolvePromise(/--load-mode\b/.test(stdout) || !/--mmap\b/.test(stdout) ? "load-mode" : "mmp")
            );
        });
        mmapSyntaxes.set(binary, syntax);
    }
    return syntax;
}

/** Run llama-bench and return its parsed tests. Throws with llama-bench's last stderr lines when it fails. */
export function runLlamaBench(binary: string, parameters: LlamaBenchParameters): Promise<LlamaBenchTest[]> {
    const args = llamaBenchArguments(parameters);
    return new Promise((resolvePromise, reject) => {
        const options = {
            maxBuffer: 64 * 1024 * 1024,
            timeout: parameters.timeoutMs ?? 0,
            killSignal: "SIGKILL" as const,
            env: {...process.env, ...parameters.env}
        };
        execFile(binary, args, options, (error, stdout, stderr) => {
            if (error) {
                const tail = stderr.trim().split("\n").slice(-3).join(" | ");
                reject(
                    new Error(
                        `llama-bench failed (${errorMessage(error).split(" ").slice(0, 2).join(" ")}…)${tail ? `: ${tail}` : ""}`
                    )
                );
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
        useMmap: config.useMmap,
        // llama-bench has no adaptive mode: it runs the minimum repetitions.
        repetitions: request.policy.repetitions,
        warmup: request.policy.warmup > 0
    };
}

/** Run llama-bench for the same model and configuration as `request` and return its samples. */
export async function runReferenceForRequest(
    binary: string,
    request: MeasurementRequest,
    timeoutMs?: number,
    env?: NodeJS.ProcessEnv
): Promise<ReferenceSamples> {
    const mmapSyntax = await llamaBenchMmapSyntax(binary, env);
    const all = await runLlamaBench(binary, {...llamaBenchParametersFor(request), mmapSyntax, timeoutMs, env});
    // Only the tests llama-bench ran the way llmproof did.
    const tests = all.filter((test) => llamaBenchMmap(test) === (request.config.useMmap ? "1" : "0"));
    const pp = tests.find((test) => test.n_prompt > 0 && test.n_gen === 0);
    const tg = tests.find((test) => test.n_gen > 0 && test.n_prompt === 0);
    const first = all[0];
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
    if (binary === null) return null;
    return (request) => runReferenceForRequest(binary, request, options.timeoutMs);
}

/**
 * Linux only: run this llama-bench on another build of the same llama.cpp release, e.g. the libraries
 * node-llama-cpp loaded (its prebuilt binaries or a local build), so that a gap between llmproof and
 * llama-bench can be split into "how it is measured" and "which binary computes". Makes a folder of
 * links named as llama-bench expects them (libllama.so.0, libggml.so.0, libggml-base.so.0) and a copy
 * of the executable (ggml looks for its CPU backend variants next to it); run it with the returned env.
 */
export async function llamaBenchOnLibraries(
    llamaBench: string,
    libraryDirectory: string
): Promise<{binary: string; env: NodeJS.ProcessEnv; dispose: () => Promise<void>}> {
    if (process.platform !== "linux")
        throw new Error("running llama-bench on other llama.cpp libraries is only supported on Linux");
    const folder = await mkdtemp(join(tmpdir(), "llmproof-llama-bench-libs-"));
    const dispose = () => rm(folder, {recursive: true, force: true});
    try {
        const libraries = (await readdir(libraryDirectory)).filter((name) => /\.so(\.|$)/.test(name));
        for (const name of libraries) await symlink(join(libraryDirectory, name), join(folder, name));
        const pick = (pattern: RegExp) => libraries.find((name) => pattern.test(name));
        const aliases: Array<[string, string | undefined]> = [
            ["libllama.so.0", pick(/^libllama(\.v[^/]*)?\.so$/)],
            ["libggml.so.0", pick(/^libggml(\.v[^/]*)?\.so$/)],
            ["libggml-base.so.0", pick(/^libggml-base(\.v[^/]*)?\.so$/)]
        ];
        for (const [alias, target] of aliases) {
            if (target === undefined)
                throw new Error(`no ${alias.replace(".so.0", "")} library in ${libraryDirectory}`);
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
