import {spawn} from "node:child_process";
import {mkdtemp, open, readFile, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {basename, join} from "node:path";
import {z} from "zod";
import {errorMessage} from "../util/errors.js";
import {logWarning} from "../util/log.js";

/**
 * llama.cpp's own llama-perplexity and llama-quantize (built from the llama.cpp release
 * node-llama-cpp bundles, see ../shared/tools/build-llama-bench.sh and src/bench/reference.ts) as
 * the reference `npm run bench:quality` holds llmproof's quality numbers and quantizer to.
 */

/**
 * Run a llama.cpp tool with its output going to temporary files (read back when it exits), and
 * return stdout and stderr together: llama.cpp logs everything, results included, on both.
 */
async function run(binary: string, args: string[], timeoutMs = 30 * 60 * 1000): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "llmproof-llama-tool-"));
    try {
        const stdoutPath = join(dir, "stdout.txt");
        const stderrPath = join(dir, "stderr.txt");
        const stdoutFile = await open(stdoutPath, "w");
        const stderrFile = await open(stderrPath, "w");
        let exit: {code: number | null; signal: NodeJS.Signals | null; error?: Error};
        try {
            exit = await new Promise((resolvePromise) => {
                const child = spawn(binary, args, {stdio: ["ignore", stdoutFile.fd, stderrFile.fd]});
                const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
                child.on("error", (error) => {
                    clearTimeout(timer);
                    resolvePromise({code: null, signal: null, error});
                });
                child.on("close", (code, signal) => {
                    clearTimeout(timer);
                    resolvePromise({code, signal});
                });
            });
        } finally {
            await stdoutFile.close();
            await stderrFile.close();
        }
        const stdout = await readFile(stdoutPath, "utf8");
        const stderr = await readFile(stderrPath, "utf8");
        if (exit.error || exit.code !== 0) {
            const tail = stderr.trim().split("\n").slice(-3).join(" | ");
            const why = exit.error
                ? errorMessage(exit.error)
                : exit.signal
                  ? `killed by ${exit.signal}`
                  : `exit code ${exit.code}`;
            throw new Error(`${basename(binary)} failed (${why})${tail ? `: ${tail}` : ""}`);
        }
        return `${stdout}\n${stderr}`;
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
}

/**
 * Run llama-perplexity and parse its output. Its logger is a background thread, and on a busy
 * machine the last lines, the results, sometimes never arrive although it exits 0; such a run is
 * repeated, up to five times.
 */
async function runAndParse<T>(binary: string, args: string[], parse: (output: string) => T): Promise<T> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= 5; attempt++) {
        const output = await run(binary, args);
        try {
            return parse(output);
        } catch (error) {
            lastError = error;
            logWarning(
                `${basename(binary)} output ended early (${errorMessage(error)}); running it again (${attempt}/5)`
            );
        }
    }
    throw lastError;
}

/** `llama-quantize [--pure] <in> <out> <type>`. */
export async function runLlamaQuantize(
    binary: string,
    options: {inputPath: string; outputPath: string; type: string; pure: boolean; threads?: number}
): Promise<void> {
    const args = [...(options.pure ? ["--pure"] : []), options.inputPath, options.outputPath, options.type];
    if (options.threads !== undefined) args.push(String(options.threads));
    await run(binary, args);
}

export interface LlamaPerplexityOptions {
    modelPath: string;
    contextSize: number;
    threads: number;
    /** -b; llama-perplexity packs batch / context sequences into one decode (default 2048) */
    batchSize?: number;
    chunks?: number;
}

function commonArguments(options: LlamaPerplexityOptions): string[] {
    const args = ["-m", options.modelPath, "-c", String(options.contextSize), "-t", String(options.threads)];
    if (options.batchSize !== undefined) args.push("-b", String(options.batchSize));
    if (options.chunks !== undefined) args.push("--chunks", String(options.chunks));
    return args;
}

export const LlamaPerplexityResultSchema = z.object({
    perplexity: z.number(),
    uncertainty: z.number()
});
export type LlamaPerplexityResult = z.infer<typeof LlamaPerplexityResultSchema>;

/** Parse "Final estimate: PPL = 5.3411 +/- 0.23298". */
export function parseFinalPerplexity(output: string): LlamaPerplexityResult {
    const match = /Final estimate: PPL = ([0-9.eE+-]+) \+\/- ([0-9.eE+-]+)/.exec(output);
    if (!match)
        throw new Error(
            `llama-perplexity printed no final estimate: ${output.trim().split("\n").slice(-3).join(" | ")}`
        );
    return LlamaPerplexityResultSchema.parse({perplexity: Number(match[1]), uncertainty: Number(match[2])});
}

/** Perplexity of a model on a text file (`-f`). With `klDivergenceBase`, also save its log-probabilities there. */
export async function runLlamaPerplexity(
    binary: string,
    options: LlamaPerplexityOptions & {textPath: string; klDivergenceBase?: string}
): Promise<LlamaPerplexityResult> {
    const args = [...commonArguments(options), "-f", options.textPath];
    if (options.klDivergenceBase !== undefined) args.push("--kl-divergence-base", options.klDivergenceBase);
    return runAndParse(binary, args, parseFinalPerplexity);
}

export const LlamaKlDivergenceResultSchema = z.object({
    perplexity: LlamaPerplexityResultSchema,
    basePerplexity: LlamaPerplexityResultSchema,
    perplexityRatio: z.object({value: z.number(), uncertainty: z.number()}),
    meanKld: z.object({value: z.number(), uncertainty: z.number()}),
    maxKld: z.number(),
    p99Kld: z.number(),
    medianKld: z.number(),
    /** percent */
    rmsDeltaP: z.object({value: z.number(), uncertainty: z.number()}),
    /** percent */
    sameTop: z.object({value: z.number(), uncertainty: z.number()})
});
export type LlamaKlDivergenceResult = z.infer<typeof LlamaKlDivergenceResultSchema>;

/** Parse the "====== Perplexity / KL divergence / Token probability statistics ======" block. */
export function parseKlDivergenceStatistics(output: string): LlamaKlDivergenceResult {
    const number = "([-0-9.eE+]+|nan|-?inf)";
    const pair = (label: string) => {
        const match = new RegExp(`${label}\\s*:\\s*${number}\\s*±\\s*${number}`).exec(output);
        if (!match) throw new Error(`llama-perplexity printed no "${label}" line`);
        return {value: Number(match[1]), uncertainty: Number(match[2])};
    };
    const single = (label: string) => {
        const match = new RegExp(`${label}\\s*:\\s*${number}`).exec(output);
        if (!match) throw new Error(`llama-perplexity printed no "${label}" line`);
        return Number(match[1]);
    };
    const ppl = pair("Mean PPL\\(Q\\)");
    const base = pair("Mean PPL\\(base\\)");
    return LlamaKlDivergenceResultSchema.parse({
        perplexity: {perplexity: ppl.value, uncertainty: ppl.uncertainty},
        basePerplexity: {perplexity: base.value, uncertainty: base.uncertainty},
        perplexityRatio: pair("Mean PPL\\(Q\\)/PPL\\(base\\)"),
        meanKld: pair("Mean {4}KLD"),
        maxKld: single("Maximum KLD"),
        p99Kld: single("99\\.0% {3}KLD"),
        medianKld: single("Median {2}KLD"),
        rmsDeltaP: pair("RMS Δp {4}"),
        sameTop: pair("Same top p")
    });
}

/** `--kl-divergence` of a model against a base file written by runLlamaPerplexity({klDivergenceBase}). */
export async function runLlamaKlDivergence(
    binary: string,
    options: LlamaPerplexityOptions & {klDivergenceBase: string}
): Promise<LlamaKlDivergenceResult> {
    return runAndParse(
        binary,
        [...commonArguments(options), "--kl-divergence-base", options.klDivergenceBase, "--kl-divergence"],
        (output) => {
            if (!output.includes("KL divergence statistics"))
                throw new Error(
                    "llama-perplexity printed no KL divergence statistics (it prints none below 100 scored tokens)"
                );
            return parseKlDivergenceStatistics(output);
        }
    );
}
