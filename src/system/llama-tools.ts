import {spawn} from "node:child_process";
import {access, mkdir, stat} from "node:fs/promises";
import {availableParallelism, homedir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {UserError, errorMessage} from "../util/errors.js";
import {isExecutableFile} from "../util/fs.js";
import {logInfo} from "../util/log.js";
import {bundledLlamaCppTag, nodeLlamaCppRoot} from "./node-llama-cpp-package.js";

/**
 * llama.cpp's own command-line tools (llama-bench, llama-perplexity, llama-quantize), built from the
 * llama.cpp source node-llama-cpp bundles so that they run the same release llmproof measures with.
 * One lookup for all of them: an environment variable naming the binary, else the shared build.
 */

export type LlamaTool = "llama-bench" | "llama-perplexity" | "llama-quantize";

/** The environment variable that names each tool's binary. */
export const LLAMA_TOOL_ENVIRONMENT_VARIABLE: Readonly<Record<LlamaTool, string>> = {
    "llama-bench": "LLAMA_BENCH",
    "llama-perplexity": "LLAMA_PERPLEXITY",
    "llama-quantize": "LLAMA_QUANTIZE"
};

/** Where llmproof (and ../shared/tools/build-llama-bench.sh) build llama.cpp's tools: LLAMA_TOOLS_DIR or ~/.cache/llama-tools. */
export async function llamaToolsBuildDirectory(): Promise<string> {
    const root = process.env.LLAMA_TOOLS_DIR || join(homedir(), ".cache", "llama-tools");
    return join(root, `llama.cpp-${await bundledLlamaCppTag()}`);
}

export interface FindLlamaToolOptions {
    /** Build the tools from node-llama-cpp's bundled llama.cpp source when missing (about 10 minutes on 2 cores). */
    build?: boolean;
}

/**
 * A llama.cpp tool's binary: its environment variable when set (it must be an executable file), else
 * the one built from the bundled release under the tools directory, else (with `build`) build it there.
 * Returns null when none is found and building was not asked for.
 */
export async function findLlamaTool(tool: LlamaTool, options: FindLlamaToolOptions = {}): Promise<string | null> {
    const variable = LLAMA_TOOL_ENVIRONMENT_VARIABLE[tool];
    const fromEnvironment = process.env[variable];
    if (fromEnvironment) {
        if (!(await isExecutableFile(fromEnvironment)))
            throw new UserError(`${variable}=${fromEnvironment} is not an executable file.`);
        return resolve(fromEnvironment);
    }
    const built = join(await llamaToolsBuildDirectory(), "build", "bin", tool);
    if (await isExecutableFile(built)) return built;
    if (!options.build) return null;
    await buildLlamaTools();
    if (!(await isExecutableFile(built))) throw new Error(`the llama.cpp tools build finished but ${built} is missing`);
    return built;
}

/** llama-bench, as `bench --cross-check` and `bench:reference` compare against it. */
export function findLlamaBench(options: FindLlamaToolOptions = {}): Promise<string | null> {
    return findLlamaTool("llama-bench", options);
}

/**
 * Build llama-bench (CPU, no OpenMP, like node-llama-cpp's prebuilt CPU binaries) from the llama.cpp
 * source node-llama-cpp ships (llama/gitRelease.bundle), so the reference runs the same release. Offline.
 * Needs git, cmake and a C++ compiler. Build output goes to stderr.
 */
export async function buildLlamaTools(): Promise<void> {
    const bundle = join(nodeLlamaCppRoot(), "llama", "gitRelease.bundle");
    const root = await llamaToolsBuildDirectory();
    await access(bundle).catch(() => {
        throw new UserError(
            `node-llama-cpp's llama.cpp source bundle is missing (${bundle}); reinstall with npm install.`
        );
    });
    await mkdir(dirname(root), {recursive: true});
    const hasCheckout = await stat(join(root, ".git")).then(
        () => true,
        () => false
    );
    logInfo(`building llama-bench from ${bundle} in ${root} (about 10 minutes on 2 cores the first time) …`);
    if (!hasCheckout) await runToStderr("git", ["clone", "-q", bundle, root]);
    await runToStderr("cmake", [
        "-S",
        root,
        "-B",
        join(root, "build"),
        "-DCMAKE_BUILD_TYPE=Release",
        "-DLLAMA_CURL=OFF",
        "-DGGML_NATIVE=ON",
        "-DGGML_OPENMP=OFF",
        "-DLLAMA_BUILD_TESTS=OFF",
        "-DLLAMA_BUILD_SERVER=OFF",
        "-DLLAMA_BUILD_EXAMPLES=OFF"
    ]);
    await runToStderr("cmake", [
        "--build",
        join(root, "build"),
        "-j",
        String(availableParallelism()),
        "--target",
        "llama-bench",
        "llama-perplexity",
        "llama-quantize"
    ]);
}

function runToStderr(command: string, args: string[]): Promise<void> {
    return new Promise((resolvePromise, reject) => {
        const child = spawn(command, args, {stdio: ["ignore", process.stderr, process.stderr]});
        child.on("error", (error) =>
            reject(
                new UserError(
                    `cannot run ${command} to build llama-bench (${errorMessage(error)}); install git, cmake and a C++ compiler, or set LLAMA_BENCH.`
                )
            )
        );
        child.on("close", (code) =>
            code === 0 ? resolvePromise() : reject(new Error(`${command} ${args[0]} failed with exit code ${code}`))
        );
    });
}
