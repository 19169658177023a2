import {spawn} from "node:child_process";
import {join} from "node:path";
import {errorMessage} from "../util/errors.js";
import {nodeLlamaCppRoot} from "./node-llama-cpp-package.js";

/**
 * The CMake options of llmproof's own CPU engine build. Like llama-bench's reference build
 * (`build-llama-bench.sh`) it is native (node-llama-cpp turns GGML_NATIVE on for a local build) and
 * uses ggml's own threadpool rather than OpenMP, so the two run the same code the same way.
 * node-llama-cpp names a build folder after these options; loadLlama passes them again to find it.
 */
export const ENGINE_BUILD_CMAKE_OPTIONS: Readonly<Record<string, string>> = Object.freeze({GGML_OPENMP: "OFF"});

/** `LLMPROOF_ENGINE=prebuilt` makes llmproof ignore its local build and use node-llama-cpp's npm binaries. */
export const ENGINE_ENV_VAR = "LLMPROOF_ENGINE";

/** `LLMPROOF_ENGINE_BUILD=skip` makes `npm install` skip compiling the engine. */
export const ENGINE_BUILD_ENV_VAR = "LLMPROOF_ENGINE_BUILD";

export type EnginePreference = "local" | "prebuilt";

export function enginePreference(env: NodeJS.ProcessEnv = process.env): EnginePreference {
    return env[ENGINE_ENV_VAR]?.trim().toLowerCase() === "prebuilt" ? "prebuilt" : "local";
}

/** The getLlama options that select llmproof's local build when it exists (else the prebuilt binary). */
export function engineCmakeOptions(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
    return enginePreference(env) === "prebuilt" ? {} : {...ENGINE_BUILD_CMAKE_OPTIONS};
}

/** One line naming the engine build, e.g. "localBuild (GGML_OPENMP=OFF)" or "prebuilt". */
export function describeEngineBuild(buildType: string, cmakeOptions: Readonly<Record<string, string>>): string {
    const options = Object.entries(cmakeOptions)
        .map(([key, value]) => `${key}=${value}`)
        .sort();
    return options.length === 0 ? buildType : `${buildType} (${options.join(", ")})`;
}

/** Whether llmproof's CPU engine build already exists (loads it without initialising llama.cpp). */
export async function hasLocalEngineBuild(): Promise<boolean> {
    const {getLlama} = await import("node-llama-cpp");
    try {
        const llama = await getLlama({
            gpu: false,
            build: "never",
            usePrebuiltBinaries: false,
            cmakeOptions: {...ENGINE_BUILD_CMAKE_OPTIONS},
            skipDownload: true,
            progressLogs: false,
            dryRun: true
        });
        return llama.buildType === "localBuild";
    } catch {
        return false;
    }
}

export interface EngineBuildOutcome {
    status: "built" | "present" | "skipped" | "failed";
    reason: string;
}

export interface EnsureEngineBuildOptions {
    env?: NodeJS.ProcessEnv;
    /** Where llmproof's own lines go (the compiler's output goes to stderr). */
    log?: (line: string) => void;
}

/**
 * Compile node-llama-cpp's bundled llama.cpp source for this machine's CPU with
 * ENGINE_BUILD_CMAKE_OPTIONS, unless it is already built or the user opted out. Offline: node-llama-cpp
 * clones the release from the git bundle in its npm package. Never throws; a failure leaves the
 * prebuilt binary in use and says why.
 */
export async function ensureEngineBuild(options: EnsureEngineBuildOptions = {}): Promise<EngineBuildOutcome> {
    const env = options.env ?? process.env;
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    if (env[ENGINE_BUILD_ENV_VAR]?.trim().toLowerCase() === "skip")
        return {status: "skipped", reason: `${ENGINE_BUILD_ENV_VAR}=skip`};
    if (enginePreference(env) === "prebuilt") return {status: "skipped", reason: `${ENGINE_ENV_VAR}=prebuilt`};
    if (await hasLocalEngineBuild()) return {status: "present", reason: "the local engine build already exists"};

    log(
        "llmproof: compiling llama.cpp for this CPU (node-llama-cpp's bundled source, offline; about 4 minutes on 2 cores). " +
            `Set ${ENGINE_BUILD_ENV_VAR}=skip to use the prebuilt binary instead.`
    );
    const cli = join(nodeLlamaCppRoot(), "dist", "cli", "cli.js");
    const buildEnv: NodeJS.ProcessEnv = {...env};
    for (const [key, value] of Object.entries(ENGINE_BUILD_CMAKE_OPTIONS))
        buildEnv[`NODE_LLAMA_CPP_CMAKE_OPTION_${key}`] = value;
    const exitCode = await new Promise<number | string>((resolvePromise) => {
        const child = spawn(process.execPath, [cli, "source", "download", "--gpu", "false", "--noUsageExample"], {
            env: buildEnv,
            // stdout too: `npm install` output and `llmproof engine --json` keep stdout for data.
            stdio: ["ignore", process.stderr, process.stderr]
        });
        child.on("error", (error) => resolvePromise(errorMessage(error)));
        child.on("exit", (code, signal) => resolvePromise(code ?? signal ?? "unknown"));
    });
    if (exitCode !== 0)
        return {
            status: "failed",
            reason: `node-llama-cpp's source build exited with ${exitCode} (needs cmake and a C++ compiler)`
        };
    if (!(await hasLocalEngineBuild()))
        return {status: "failed", reason: "the build finished but node-llama-cpp does not find it"};
    return {status: "built", reason: "compiled llama.cpp for this CPU"};
}
