import {readFile} from "node:fs/promises";
import {vocabularySizeOf} from "../gguf/vocabulary.js";
import type {Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token} from "node-llama-cpp";
import {backendOf, loadLlama, systemInfoOf} from "../system/llama.js";
import {nodeLlamaCppVersion} from "../system/node-llama-cpp-package.js";
import type {MeasurementRequest, MeasurementSuccess, ProgressStep} from "./protocol.js";
import type {BenchConfig, EngineInfo, RepetitionPolicy} from "../results/config.js";
import {shouldStopAdaptive} from "./stats.js";

/**
 * The measurement itself, run inside the measuring child (src/bench/worker.ts). It follows
 * llama.cpp's llama-bench (tools/llama-bench/llama-bench.cpp) step by step:
 * - pp: `nPrompt` random token IDs decoded in batches of `batchSize` (split into `ubatchSize`
 *   micro-batches), logits for the last token of each batch, no sampling;
 * - tg: `nGen` single-token decodes of random token IDs, each with its logits;
 * - before every repetition the KV cache is cleared and, with `depth`, refilled to `depth` tokens;
 * - warmup like llama-bench (a whole pp run, a one-token tg run), not counted.
 *
 * Decoding goes straight to node-llama-cpp's native context (`LlamaContext._ctx`: initBatch /
 * addToBatch / decodeBatch, which is one llama_decode + llama_synchronize on a libuv worker), the
 * same call node-llama-cpp's own batch dispatcher ends in, without its queue, token bookkeeping or
 * sampler. The public `evaluateWithoutGeneratingNewTokens` would skip the output layer (it asks for
 * no logits, which llama-bench always computes), and `evaluate` adds sampling to every token.
 * TTFT, by contrast, goes through the ordinary `LlamaContextSequence.evaluate` path a user gets.
 */

/** The part of node-llama-cpp's native context (internal `_ctx`, typed in dist/bindings/AddonTypes.d.ts) used here. */
interface NativeContext {
    initBatch(size: number): void;
    addToBatch(
        sequenceId: number,
        firstTokenSequenceIndex: number,
        tokens: Uint32Array,
        logitIndexes: Uint32Array
    ): Uint32Array;
    decodeBatch(): Promise<void>;
    disposeSequence(sequenceId: number): void;
    removeTokenCellsFromSequence(sequenceId: number, startPos: number, endPos: number): boolean;
    getThreads(): number;
    setThreads(threads: number): void;
}

const NATIVE_CONTEXT_METHODS = [
    "initBatch",
    "addToBatch",
    "decodeBatch",
    "disposeSequence",
    "removeTokenCellsFromSequence",
    "getThreads",
    "setThreads"
] as const;

/** How the pp/tg token IDs reach llama_decode, for the engine notes. */
export const DECODE_PATH_NOTE =
    "decode path: node-llama-cpp native context (initBatch/addToBatch/decodeBatch = llama_decode + llama_synchronize), no sampling in pp/tg";

export interface MeasureHooks {
    /** Progress lines (the worker forwards them to the parent). */
    onProgress?: (message: string, step?: ProgressStep) => void;
}

/** Measure one request in this process. Throws on load or decode errors (the worker turns them into a failure outcome). */
export async function measureInProcess(
    request: MeasurementRequest,
    hooks: MeasureHooks = {}
): Promise<MeasurementSuccess> {
    const progress = hooks.onProgress ?? (() => {});
    const {config, policy} = request;
    const llama = await loadLlama({gpu: request.gpu});
    let model: LlamaModel | null = null;
    let context: LlamaContext | null = null;
    try {
        // node-llama-cpp caps a context's threads at llama.maxThreads (the math cores by default);
        // llama-bench runs whatever -t says, so lift the cap to the requested count.
        if (llama.maxThreads !== 0 && llama.maxThreads < config.threads) llama.maxThreads = config.threads;

        const estimate = await estimateMemory(llama, request);
        const vramBefore = await usedVram(llama);

        progress("loading the model");
        const loadStarted = performance.now();
        // An explicit mmap choice, as llama-bench -mmp (node-llama-cpp's "auto" may turn it off to offload more layers).
        model = await llama.loadModel({
            modelPath: request.modelPath,
            gpuLayers: config.gpuLayers,
            useMmap: config.useMmap
        });
        context = await model.createContext({
            // llama-bench: n_ctx = n_prompt + n_gen + n_depth
            contextSize: Math.max(1, config.nPrompt + config.nGen + config.depth),
            // node-llama-cpp sets n_batch = n_ubatch = batchSize; micro-batches are what llama.cpp computes at once.
            batchSize: effectiveUbatch(config),
            threads: config.threads,
            flashAttention: config.flashAttention,
            sequences: 1
        });
        const loadMs = performance.now() - loadStarted;
        const vramAfter = await usedVram(llama);

        const sequence = context.getSequence();
        const decoder = new TokenDecoder(model, context, sequence, config);
        const ppTokensPerSecond = config.nPrompt > 0 ? await runTest("pp", decoder, config, policy, progress) : [];
        const tgTokensPerSecond = config.nGen > 0 ? await runTest("tg", decoder, config, policy, progress) : [];
        decoder.clear();
        const ttftMs =
            request.measureTtft && config.nPrompt > 0
                ? await measureTtft(decoder, sequence, config, policy, progress)
                : [];

        const engine = await engineInfo(llama, config, decoder.threadsInUse);
        // llama.cpp falls back to reading the file where it cannot map it, as llama-bench does; the row says so.
        if (model.useMmap !== config.useMmap)
            engine.notes.push(`mmap: ${config.useMmap ? "on" : "off"} requested, ${model.useMmap ? "on" : "off"} used`);
        return {
            ok: true,
            engine,
            ppTokensPerSecond,
            tgTokensPerSecond,
            ttftMs,
            loadMs: request.measureLoad ? loadMs : null,
            peakRssBytes: peakRssBytes(),
            vramBytes: Math.max(0, vramAfter - vramBefore),
            estimate
        };
    } finally {
        await context?.dispose();
        await model?.dispose();
        await llama.dispose();
    }
}

function effectiveUbatch(config: BenchConfig): number {
    // llama.cpp clamps n_ubatch to n_batch.
    return Math.min(config.batchSize, config.ubatchSize);
}

/** Peak resident memory of this process so far, bytes (Linux/macOS report maxRSS in KiB). */
export function peakRssBytes(): number {
    return process.resourceUsage().maxRSS * 1024;
}

async function usedVram(llama: Llama): Promise<number> {
    if (llama.gpu === false) return 0;
    try {
        return (await llama.getVramState()).used;
    } catch {
        return 0;
    }
}

/** node-llama-cpp's own pre-load estimate (GgufInsights) for this model and context; null if it cannot tell. */
async function estimateMemory(llama: Llama, request: MeasurementRequest): Promise<MeasurementSuccess["estimate"]> {
    try {
        const {readGgufFileInfo, GgufInsights} = await import("node-llama-cpp");
        const insights = await GgufInsights.from(await readGgufFileInfo(request.modelPath), llama);
        const gpuLayers = llama.gpu === false ? 0 : Math.min(request.config.gpuLayers, insights.totalLayers);
        const useMmap = request.config.useMmap;
        const modelNeeds = await insights.estimateModelResourceRequirementsV2({gpuLayers, useMmap});
        const contextNeeds = await insights.estimateContextResourceRequirementsV2({
            contextSize: Math.max(1, request.config.nPrompt + request.config.nGen + request.config.depth),
            modelGpuLayers: gpuLayers,
            batchSize: effectiveUbatch(request.config),
            sequences: 1,
            flashAttention: request.config.flashAttention,
            useMmap
        });
        return {
            ramBytes: modelNeeds.cpuRam + contextNeeds.cpuRam,
            vramBytes: modelNeeds.gpuVram + contextNeeds.gpuVram
        };
    } catch {
        return null;
    }
}

// ---------------------------------------------------------------------------------------------

/** Random token IDs like llama-bench (rand() % n_vocab), from a seeded generator so runs repeat. */
class TokenSource {
    private state: number;

    constructor(
        readonly vocabularySize: number,
        seed = 0x9e3779b9
    ) {
        this.state = seed >>> 0 || 1;
    }

    next(): number {
        // xorshift32
        let x = this.state;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        this.state = x >>> 0;
        return this.state % this.vocabularySize;
    }

    fill(tokens: Uint32Array, from = 0): Uint32Array {
        for (let index = from; index < tokens.length; index++) tokens[index] = this.next();
        return tokens;
    }
}

/** Decodes token IDs on one sequence through the native context, the way llama-bench's test_prompt/test_gen do. */
export class TokenDecoder {
    private readonly native: NativeContext;
    private readonly sequenceId: number;
    private readonly tokens: TokenSource;
    private readonly bos: number | null;
    /** Tokens currently in the sequence's KV cache. */
    private position = 0;
    readonly threadsInUse: number;

    constructor(
        model: LlamaModel,
        context: LlamaContext,
        sequence: LlamaContextSequence,
        private readonly config: BenchConfig
    ) {
        this.native = nativeContextOf(context);
        const sequenceId = (sequence as unknown as {_sequenceId?: unknown})._sequenceId;
        if (typeof sequenceId !== "number")
            throw new Error(
                "this node-llama-cpp version does not expose a sequence id; llmproof's decode path needs node-llama-cpp 3.x"
            );
        this.sequenceId = sequenceId;
        this.tokens = new TokenSource(vocabularySize(model));
        this.bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
        // llama-bench calls llama_set_n_threads(ctx, t, t) before every test.
        this.native.setThreads(config.threads);
        this.threadsInUse = this.native.getThreads();
        if (this.threadsInUse !== config.threads)
            throw new Error(`the context runs ${this.threadsInUse} threads instead of the ${config.threads} requested`);
    }

    /** Empty the sequence's KV cache (llama_memory_seq_rm over all positions). */
    clear(): void {
        this.native.disposeSequence(this.sequenceId);
        this.position = 0;
    }

    /** Keep only the first `length` tokens in the KV cache; false if the cache type cannot cut (then clear and refill). */
    truncate(length: number): boolean {
        if (length >= this.position) return true;
        const cut = this.native.removeTokenCellsFromSequence(this.sequenceId, length, -1);
        if (cut) this.position = length;
        return cut;
    }

    /** llama-bench test_prompt: batches of n_batch tokens (BOS first when the vocabulary adds one), logits for each batch's last token. */
    async prompt(count: number): Promise<void> {
        const {batchSize} = this.config;
        const ubatch = effectiveUbatch(this.config);
        let processed = 0;
        while (processed < count) {
            const batchTokens = this.tokens.fill(new Uint32Array(Math.min(count - processed, batchSize)));
            if (processed === 0 && this.bos !== null) batchTokens[0] = this.bos;
            // node-llama-cpp's n_batch equals its n_ubatch, so a llama-bench batch is handed over in micro-batches;
            // only the micro-batch that ends the batch asks for logits, as llama_batch_get_one does.
            for (let offset = 0; offset < batchTokens.length; offset += ubatch) {
                const part = batchTokens.subarray(offset, Math.min(offset + ubatch, batchTokens.length));
                const isLast = offset + part.length === batchTokens.length;
                await this.decode(part, isLast);
            }
            processed += batchTokens.length;
        }
    }

    /** llama-bench test_gen: one token per llama_decode, BOS (or a random token) first, then random tokens. */
    async generate(count: number): Promise<void> {
        const single = new Uint32Array(1);
        for (let index = 0; index < count; index++) {
            single[0] = index === 0 && this.bos !== null ? this.bos : this.tokens.next();
            await this.decode(single, true);
        }
    }

    /** Fill the KV cache to `depth` tokens the way llama-bench does (a pp run of that size). */
    async fillTo(depth: number): Promise<void> {
        if (this.position === depth) return;
        if (this.position > depth && this.truncate(depth)) return;
        this.clear();
        if (depth > 0) await this.prompt(depth);
    }

    /** Random token IDs for the ordinary evaluate path; BOS first when they start the sequence. */
    randomTokens(count: number, startsSequence: boolean): Token[] {
        const tokens = Array.from(this.tokens.fill(new Uint32Array(count))) as Token[];
        if (startsSequence && count > 0 && this.bos !== null) tokens[0] = this.bos as Token;
        return tokens;
    }

    private async decode(tokens: Uint32Array, withLogits: boolean): Promise<void> {
        this.native.initBatch(tokens.length);
        this.native.addToBatch(
            this.sequenceId,
            this.position,
            tokens,
            withLogits ? Uint32Array.of(tokens.length - 1) : new Uint32Array(0)
        );
        await this.native.decodeBatch();
        this.position += tokens.length;
    }
}

function nativeContextOf(context: LlamaContext): NativeContext {
    const native = (context as unknown as {_ctx?: Record<string, unknown>})._ctx;
    const missing = NATIVE_CONTEXT_METHODS.filter((method) => typeof native?.[method] !== "function");
    if (native == null || missing.length > 0)
        throw new Error(
            `this node-llama-cpp version lacks the native context methods llmproof decodes with (${missing.join(", ")})`
        );
    return native as unknown as NativeContext;
}

function vocabularySize(model: LlamaModel): number {
    const size = vocabularySizeOf(model.fileInfo);
    if (size == null)
        throw new Error(
            "cannot tell the model's vocabulary size (no token list, vocab_size or token_embd.weight tensor)"
        );
    return size;
}

// ---------------------------------------------------------------------------------------------

type TestKind = "pp" | "tg";

/** One llama-bench test (pp or tg): warmup, then counted repetitions under the repetition policy. Returns tokens/sec samples. */
async function runTest(
    kind: TestKind,
    decoder: TokenDecoder,
    config: BenchConfig,
    policy: RepetitionPolicy,
    progress: (message: string, step?: ProgressStep) => void
): Promise<number[]> {
    const count = kind === "pp" ? config.nPrompt : config.nGen;
    const run = () => (kind === "pp" ? decoder.prompt(count) : decoder.generate(count));

    for (let warmup = 0; warmup < policy.warmup; warmup++) {
        progress(`${kind}${count}: warmup ${warmup + 1}/${policy.warmup}`);
        await decoder.fillTo(config.depth);
        // llama-bench warms pp with a whole run and tg with a single token.
        if (kind === "pp") await decoder.prompt(count);
        else await decoder.generate(1);
    }

    const samples: number[] = [];
    const started = performance.now();
    for (;;) {
        await decoder.fillTo(config.depth);
        progress(`${kind}${count}: repetition ${samples.length + 1}`, "repetition");
        const runStarted = process.hrtime.bigint();
        await run();
        const elapsedNs = Number(process.hrtime.bigint() - runStarted);
        samples.push(count / (elapsedNs / 1e9));
        if (shouldStopAdaptive(samples, policy, (performance.now() - started) / 1000).stop) return samples;
    }
}

/**
 * Time to first token as a user's app sees it: the ordinary node-llama-cpp path
 * (LlamaContextSequence.evaluate, its batch queue and its sampler), an nPrompt-token prompt,
 * stopped at the first sampled token.
 */
async function measureTtft(
    decoder: TokenDecoder,
    sequence: LlamaContextSequence,
    config: BenchConfig,
    policy: RepetitionPolicy,
    progress: (message: string) => void
): Promise<number[]> {
    const once = async (): Promise<number> => {
        await sequence.clearHistory();
        decoder.clear();
        if (config.depth > 0)
            await sequence.evaluateWithoutGeneratingNewTokens(decoder.randomTokens(config.depth, true));
        const prompt = decoder.randomTokens(config.nPrompt, config.depth === 0);
        const started = performance.now();
        const iterator = sequence.evaluate(prompt);
        try {
            const first = await iterator.next();
            if (first.done) throw new Error("the model generated no token");
            return performance.now() - started;
        } finally {
            await iterator.return();
        }
    };
    for (let warmup = 0; warmup < Math.min(policy.warmup, 1); warmup++) {
        progress("TTFT: warmup");
        await once();
    }
    const samples: number[] = [];
    for (let repetition = 0; repetition < policy.repetitions; repetition++) {
        progress(`TTFT: repetition ${repetition + 1}/${policy.repetitions}`);
        samples.push(await once());
    }
    await sequence.clearHistory();
    decoder.clear();
    return samples;
}

// ---------------------------------------------------------------------------------------------

/** Which engine produced the numbers, and the settings that change them. */
export async function engineInfo(llama: Llama, config: BenchConfig, threadsInUse: number): Promise<EngineInfo> {
    const notes = [
        `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? "unset (libuv default 4)"}`,
        `threads=${threadsInUse}`,
        `n_batch=${config.batchSize}, n_ubatch=${effectiveUbatch(config)} (node-llama-cpp decodes micro-batches of n_ubatch)`,
        DECODE_PATH_NOTE,
        "ggml CPU threadpool: none attached (llama.cpp makes one per graph), unlike llama-bench's persistent one"
    ];
    const libraries = await loadedEngineLibraries();
    if (libraries.directory !== null) notes.push(`${ENGINE_LIBRARIES_NOTE_PREFIX}${libraries.directory}`);
    if (libraries.cpuBackend !== null) notes.push(`ggml CPU backend: ${libraries.cpuBackend}`);
    const systemInfo = systemInfoOf(llama);
    if (systemInfo !== null) notes.push(`llama.cpp system info: ${systemInfo}`);
    return {
        nodeLlamaCppVersion: await nodeLlamaCppVersion().catch(() => "unknown"),
        llamaCppRelease: llama.llamaCppRelease.release,
        backend: backendOf(llama),
        buildType: llama.buildType,
        cmakeOptions: {...llama.cmakeOptions},
        notes
    };
}

/** Engine note that names the folder of the llama.cpp libraries the engine ran on. */
export const ENGINE_LIBRARIES_NOTE_PREFIX = "engine libraries: ";

/**
 * The llama.cpp libraries this process loaded, from /proc/self/maps (Linux; nulls elsewhere): their
 * folder (prebuilt package or local build) and the ggml CPU backend (prebuilt binaries ship one per
 * CPU family and keep the best match loaded, e.g. libggml-cpu-haswell.so).
 */
async function loadedEngineLibraries(): Promise<{directory: string | null; cpuBackend: string | null}> {
    try {
        const paths = [
            ...new Set(
                (await readFile("/proc/self/maps", "utf8"))
                    .split("\n")
                    .map((line) => line.slice(line.indexOf("/")))
                    .filter((path) => path.startsWith("/") && /\.so(\.|$)/.test(path))
            )
        ];
        const llamaLibrary = paths.find((path) => /\/libllama(\.v[^/]*)?\.so[^/]*$/.test(path));
        const cpuBackends = paths
            .filter((path) => /\/libggml-cpu[^/]*\.so[^/]*$/.test(path))
            .map((path) => path.slice(path.lastIndexOf("/") + 1));
        return {
            directory: llamaLibrary ? llamaLibrary.slice(0, llamaLibrary.lastIndexOf("/")) : null,
            cpuBackend: cpuBackends.length > 0 ? cpuBackends.sort().join(", ") : null
        };
    } catch {
        return {directory: null, cpuBackend: null};
    }
}
