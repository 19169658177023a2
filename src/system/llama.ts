import type {Llama, LlamaOptions} from "node-llama-cpp";
import {UserError, errorMessage} from "../util/errors.js";
import {describeEngineBuild, engineCmakeOptions} from "./engine-build.js";

export type LlamaBackend = "cpu" | "cuda" | "vulkan" | "metal";

export interface LoadLlamaOptions {
    /** "auto" lets node-llama-cpp pick the best prebuilt binary; false forces CPU. */
    gpu?: "auto" | LlamaBackend | false;
    logLevel?: "error" | "warn" | "info" | "debug";
}

/**
 * Load the llama.cpp binding: llmproof's local CPU build when `npm install` compiled one (see
 * engine-build.ts), else node-llama-cpp's prebuilt binary. Never builds or downloads anything here;
 * fails with one clear sentence when no usable binary exists.
 * The import is dynamic so that `llmproof --version` never loads the native addon.
 */
export async function loadLlama(options: LoadLlamaOptions = {}): Promise<Llama> {
    const {getLlama, LlamaLogLevel} = await import("node-llama-cpp");
    const gpu =
        options.gpu === undefined || options.gpu === "cpu" ? (options.gpu === "cpu" ? false : "auto") : options.gpu;
    const logLevel = {
        error: LlamaLogLevel.error,
        warn: LlamaLogLevel.warn,
        info: LlamaLogLevel.info,
        debug: LlamaLogLevel.debug
    }[options.logLevel ?? "error"];
    try {
        return await getLlama({
            gpu: gpu as LlamaOptions["gpu"],
            build: "never",
            cmakeOptions: engineCmakeOptions(),
            usePrebuiltBinaries: true,
            progressLogs: false,
            logLevel,
            skipDownload: true
        });
    } catch (error) {
        throw new UserError(
            `No usable llama.cpp binary was found for this machine (${errorMessage(error)}); reinstall with \`npm install\` on a supported platform.`,
            {cause: error}
        );
    }
}

export function backendOf(llama: Llama): LlamaBackend {
    return llama.gpu === false ? "cpu" : llama.gpu;
}

/** llama.cpp's one-line system info (the CPU features its CPU backend was built with); null if it has none. */
export function systemInfoOf(llama: Llama): string | null {
    try {
        const info = llama.systemInfo.replace(/\s+/g, " ").trim();
        return info.length > 0 ? info.slice(0, 300) : null;
    } catch {
        return null;
    }
}

export interface EngineSummary {
    backend: string;
    buildType: string;
    /** e.g. "localBuild (GGML_OPENMP=OFF)" */
    build: string;
    cmakeOptions: Record<string, string>;
    llamaCppRelease: string;
    /** The CPU features llama.cpp's CPU backend was compiled for. */
    systemInfo: string | null;
}

/** The engine llmproof would measure with now (CPU), loaded the same way the measuring child loads it. */
export async function currentEngine(): Promise<EngineSummary> {
    const llama = await loadLlama({gpu: "cpu"});
    try {
        const cmakeOptions = {...llama.cmakeOptions};
        return {
            backend: backendOf(llama),
            buildType: llama.buildType,
            build: describeEngineBuild(llama.buildType, cmakeOptions),
            cmakeOptions,
            llamaCppRelease: llama.llamaCppRelease.release,
            systemInfo: systemInfoOf(llama)
        };
    } finally {
        await llama.dispose();
    }
}
