import {createHash} from "node:crypto";
import {stat} from "node:fs/promises";
import {basename, resolve} from "node:path";
import type {Llama, LlamaModel} from "node-llama-cpp";
import {collectProvenance} from "../system/provenance.js";
import {backendOf, loadLlama} from "../system/llama.js";
import type {LlamaBackend, LoadLlamaOptions} from "../system/llama.js";
import {ggmlTypeById, tensorBytes} from "../gguf/ggml-types.js";
import {UserError} from "../util/errors.js";
import {BaselineStore} from "./baseline-store.js";
import {chunkTokens, planChunks, scoredTargets} from "./chunks.js";
import type {ChunkPlan} from "./chunks.js";
import {evaluateChunk, openModelForScoring} from "./evaluate.js";
import type {OpenedModel} from "./evaluate.js";
import {QUALITY_SCHEMA_VERSION, QualityReportSchema} from "./schema.js";
import type {ModelQuality, QualityReport} from "./schema.js";
import {ComparisonAccumulator, PerplexityAccumulator, scoreLogits} from "./scoring.js";
import {CHILDREN_STORIES_TEXT} from "./texts/children-stories.js";

/** llama-perplexity's default context (-c 512). */
export const DEFAULT_QUALITY_CONTEXT_SIZE = 512;

export interface QualityProgress {
    role: "baseline" | "candidate";
    modelPath: string;
    /** 1-based: the baseline is model 1 */
    modelNumber: number;
    modelCount: number;
    chunk: number;
    chunks: number;
}

export interface MeasureQualityOptions {
    baselinePath: string;
    candidatePaths: readonly string[];
    /** The evaluation text; the built-in children's stories when neither text nor tokens are given. */
    text?: string;
    /** How to name the text in the report (a path, "built-in"). */
    textSource?: string;
    /** Tokens to score instead of a text, used as given (include BOS yourself if the model wants one). */
    tokens?: readonly number[];
    /** Tokens per chunk; default 512, as llama-perplexity. */
    contextSize?: number;
    /** Score at most this many chunks (llama-perplexity's --chunks). */
    chunks?: number;
    threads?: number;
    gpu?: LoadLlamaOptions["gpu"];
    /** Baseline log-probabilities beyond this many bytes go to a temporary file. */
    memoryLimitBytes?: number;
    /** Logit values fetched per evaluation call (caps the transient heap; see evaluate.ts). */
    logitValuesPerCall?: number;
    /** Reuse a loaded binding (tests); it is not disposed. */
    llama?: Llama;
    onProgress?: (progress: QualityProgress) => void;
}

/** Everything a candidate is compared with: the baseline's tokens, chunk plan and log-probabilities. */
export interface MeasuredBaseline {
    quality: ModelQuality;
    tokens: number[];
    plan: ChunkPlan;
    bosToken: number | null;
    /** The text as scored (null when tokens were given). */
    text: string | null;
    textSource: string;
    contextSize: number;
    store: BaselineStore;
    warnings: string[];
}

/**
 * Perplexity of a baseline and of each candidate on one text, and each candidate's KL divergence
 * from the baseline's next-token distributions: llama-perplexity's `--kl-divergence-base` then
 * `--kl-divergence` in one call. Models are loaded one at a time in this process (the CLI runs
 * each in its own child instead: see jobs.ts); the baseline's log-probabilities are kept (see
 * BaselineStore) and every candidate is scored on the baseline's tokens.
 */
export async function measureQuality(options: MeasureQualityOptions): Promise<QualityReport> {
    const candidatePaths: string[] = [];
    for (const path of options.candidatePaths) candidatePaths.push(await checkModelFile(path));
    if (candidatePaths.length === 0)
        throw new UserError("Give at least one candidate model to compare with the baseline.");
    const llama = options.llama ?? (await loadLlama({gpu: options.gpu}));
    let baseline: MeasuredBaseline | null = null;
    try {
        baseline = await measureBaseline(llama, {...options, modelCount: 1 + candidatePaths.length});
        const candidates: ModelQuality[] = [];
        for (const [index, path] of candidatePaths.entries())
            candidates.push(
                await measureCandidate(llama, baseline, path, {
                    ...options,
                    modelNumber: index + 2,
                    modelCount: 1 + candidatePaths.length
                })
            );
        return await buildQualityReport({...baseline, vocabularySize: baseline.store.vocabularySize}, candidates, {
            threads: options.threads,
            backend: backendOf(llama)
        });
    } finally {
        await baseline?.store.close();
        if (!options.llama) await llama.dispose();
    }
}

/** The first job: tokenize the text with the baseline, plan the chunks, score the baseline and keep its log-probabilities. */
export async function measureBaseline(
    llama: Llama,
    options: Omit<MeasureQualityOptions, "candidatePaths" | "llama"> & {
        modelCount: number;
        /** Keep the log-probabilities in this file (for candidates in other processes) instead of memory. */
        storePath?: string;
    }
): Promise<MeasuredBaseline> {
    const baselinePath = await checkModelFile(options.baselinePath);
    if (options.text !== undefined && options.tokens !== undefined)
        throw new UserError("Give either a text or tokens to score, not both.");
    const contextSize = options.contextSize ?? DEFAULT_QUALITY_CONTEXT_SIZE;
    const text = options.tokens === undefined ? (options.text ?? CHILDREN_STORIES_TEXT) : null;
    const textSource =
        options.text === undefined && options.tokens === undefined ? "built-in" : (options.textSource ?? "text");
    const warnings: string[] = [];
    const started = performance.now();
    const baseline = await openModelForScoring(llama, baselinePath, {
        contextSize,
        threads: options.threads,
        logitValuesPerCall: options.logitValuesPerCall
    });
    let store: BaselineStore | null = null;
    try {
        const vocabularySize = baseline.vocabularySize;
        const bosToken = bosTokenOf(baseline.model);
        const tokens = text !== null ? tokenizeForPerplexity(baseline.model, text) : [...options.tokens!];
        for (const token of tokens)
            if (!Number.isInteger(token) || token < 0 || token >= vocabularySize)
                throw new UserError(`Token ${token} is outside the baseline's vocabulary of ${vocabularySize}.`);
        const plan = planChunks(tokens.length, contextSize, options.chunks);
        if (contextSize > baseline.model.trainContextSize)
            warnings.push(
                `The context of ${contextSize} tokens is longer than the baseline was trained for ` +
                    `(${baseline.model.trainContextSize}); perplexity will be poor.`
            );
        if (plan.chunkCount < plan.availableChunks)
            warnings.push(`Scored ${plan.chunkCount} of the ${plan.availableChunks} chunks the text fills (--chunks).`);
        if (plan.chunkCount * plan.scoredPerChunk < 100)
            warnings.push(
                `Only ${plan.chunkCount * plan.scoredPerChunk} tokens were scored; ` +
                    "llama-perplexity prints no KL statistics below 100, and the uncertainties are large."
            );

        store = await BaselineStore.create({
            vocabularySize,
            positionsPerChunk: plan.scoredPerChunk,
            chunkCount: plan.chunkCount,
            memoryLimitBytes: options.memoryLimitBytes,
            filePath: options.storePath
        });
        const perplexity = new PerplexityAccumulator();
        const chunkLogProbs = new Float32Array(store.chunkValues);
        for (let chunk = 0; chunk < plan.chunkCount; chunk++) {
            options.onProgress?.({
                role: "baseline",
                modelPath: baselinePath,
                modelNumber: 1,
                modelCount: options.modelCount,
                chunk: chunk + 1,
                chunks: plan.chunkCount
            });
            const targets = scoredTargets(tokens, plan, chunk);
            const activeStore = store;
            await evaluateChunk(baseline, chunkTokens(tokens, plan, chunk, bosToken), plan, (index, logits) => {
                const scored = scoreLogits(
                    logits,
                    targets[index]!,
                    chunkLogProbs.subarray(index * vocabularySize, (index + 1) * vocabularySize)
                );
                const position = chunk * plan.scoredPerChunk + index;
                activeStore.nll[position] = scored.nll;
                activeStore.top[position] = scored.top;
                perplexity.add(scored.nll);
            });
            await store.writeChunk(chunk, chunkLogProbs);
        }
        const quality: ModelQuality = {
            ...(await modelFacts(baseline, baselinePath)),
            perplexity: perplexity.summary(),
            versusBaseline: null,
            evaluateSeconds: (performance.now() - started) / 1000
        };
        return {quality, tokens, plan, bosToken, text, textSource, contextSize, store, warnings};
    } catch (error) {
        await store?.close();
        throw error;
    } finally {
        await baseline.dispose();
    }
}

/** The second job, once per candidate: score it on the baseline's tokens and compare its distributions with the baseline's. */
export async function measureCandidate(
    llama: Llama,
    baseline: Pick<MeasuredBaseline, "tokens" | "plan" | "bosToken" | "text" | "contextSize" | "store" | "warnings">,
    path: string,
    options: Pick<MeasureQualityOptions, "threads" | "logitValuesPerCall" | "onProgress"> & {
        modelNumber: number;
        modelCount: number;
    }
): Promise<ModelQuality> {
    const candidatePath = await checkModelFile(path);
    const {tokens, plan, bosToken, text, store} = baseline;
    const started = performance.now();
    const candidate = await openModelForScoring(llama, candidatePath, {
        contextSize: baseline.contextSize,
        threads: options.threads,
        logitValuesPerCall: options.logitValuesPerCall
    });
    try {
        if (candidate.vocabularySize !== store.vocabularySize)
            throw new UserError(
                `${basename(candidatePath)} has a vocabulary of ${candidate.vocabularySize} tokens and the baseline ${store.vocabularySize}; ` +
                    `KL divergence needs the same vocabulary.`
            );
        if (text !== null && !sameTokens(tokenizeForPerplexity(candidate.model, text), tokens))
            baseline.warnings.push(
                `${basename(candidatePath)} tokenizes the text differently from the baseline; it was scored on the baseline's tokens.`
            );
        const comparison = new ComparisonAccumulator(store.vocabularySize, plan.chunkCount * plan.scoredPerChunk);
        for (let chunk = 0; chunk < plan.chunkCount; chunk++) {
            options.onProgress?.({
                role: "candidate",
                modelPath: candidatePath,
                modelNumber: options.modelNumber,
                modelCount: options.modelCount,
                chunk: chunk + 1,
                chunks: plan.chunkCount
            });
            const targets = scoredTargets(tokens, plan, chunk);
            const baseLogProbs = await store.readChunk(chunk);
            await evaluateChunk(candidate, chunkTokens(tokens, plan, chunk, bosToken), plan, (index, logits) => {
                const position = chunk * plan.scoredPerChunk + index;
                comparison.add(
                    {
                        logProbs: baseLogProbs.subarray(
                            index * store.vocabularySize,
                            (index + 1) * store.vocabularySize
                        ),
                        nll: store.nll[position]!,
                        top: store.top[position]!
                    },
                    logits,
                    targets[index]!
                );
            });
        }
        return {
            ...(await modelFacts(candidate, candidatePath)),
            perplexity: comparison.candidate.summary(),
            versusBaseline: comparison.summary(),
            evaluateSeconds: (performance.now() - started) / 1000
        };
    } finally {
        await candidate.dispose();
    }
}

/** The report of a baseline and the candidates measured so far (also written after each candidate). */
export async function buildQualityReport(
    baseline: Pick<
        MeasuredBaseline,
        "quality" | "tokens" | "plan" | "bosToken" | "text" | "textSource" | "contextSize" | "warnings"
    > & {
        vocabularySize: number;
    },
    candidates: ModelQuality[],
    context: {threads?: number; backend: LlamaBackend; failed?: QualityReport["failed"]}
): Promise<QualityReport> {
    const {plan, text} = baseline;
    const provenance = await collectProvenance();
    return QualityReportSchema.parse({
        schemaVersion: QUALITY_SCHEMA_VERSION,
        createdAt: new Date().toISOString(),
        provenance: {...provenance, backend: context.backend},
        threads: context.threads ?? null,
        method: {
            contextSize: baseline.contextSize,
            chunks: plan.chunkCount,
            firstScoredPosition: plan.firstScoredPosition,
            scoredTokensPerChunk: plan.scoredPerChunk,
            scoredTokens: plan.chunkCount * plan.scoredPerChunk,
            textTokens: baseline.tokens.length,
            vocabularySize: baseline.vocabularySize,
            bosToken: baseline.bosToken,
            text:
                text === null
                    ? null
                    : {
                          source: baseline.textSource,
                          characters: text.length,
                          sha256: createHash("sha256").update(text, "utf8").digest("hex")
                      },
            tokenizer: "baseline",
            klDivergenceMethod: "exact-float32-full-vocabulary"
        },
        baseline: baseline.quality,
        candidates,
        failed: context.failed ?? [],
        warnings: [...new Set(baseline.warnings)]
    } satisfies QualityReport);
}

/**
 * The tokens llama-perplexity scores: `common_tokenize(ctx, text, add_special = true)`, i.e. BOS
 * first when the vocabulary adds one. node-llama-cpp's tokenize() never adds BOS itself.
 */
export function tokenizeForPerplexity(model: LlamaModel, text: string): number[] {
    if (model.tokens.shouldAppendEosToken)
        throw new UserError(
            "This model's vocabulary appends EOS to every text; llama-perplexity refuses such models and so does llmproof."
        );
    const bos = bosTokenOf(model);
    const tokens = model.tokenize(text, false);
    return bos != null ? [bos, ...tokens] : tokens;
}

function bosTokenOf(model: LlamaModel): number | null {
    return model.tokens.shouldPrependBosToken ? (model.tokens.bos ?? null) : null;
}

function sameTokens(a: readonly number[], b: readonly number[]): boolean {
    return a.length === b.length && a.every((token, index) => token === b[index]);
}

async function checkModelFile(path: string): Promise<string> {
    const absolute = resolve(path);
    const info = await stat(absolute).catch(() => null);
    if (!info?.isFile()) throw new UserError(`Model file not found: ${path}.`);
    return absolute;
}

type ModelFileFacts = Pick<ModelQuality, "path" | "fileName" | "fileBytes" | "type" | "parameterCount">;

async function modelFacts(opened: OpenedModel, path: string): Promise<ModelFileFacts> {
    const info = opened.model.fileInfo;
    const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
    const parameterCount =
        tensors.length > 0
            ? tensors.reduce(
                  (sum, tensor) =>
                      sum + tensor.dimensions.reduce<number>((product, dimension) => product * Number(dimension), 1),
                  0
              )
            : null;
    return {
        path,
        fileName: basename(path),
        fileBytes: (await stat(path)).size,
        type: await modelTypeLabel(opened.model),
        parameterCount
    };
}

/** general.file_type as llama.cpp names it (MOSTLY_Q4_0 → Q4_0), else the tensor type holding most bytes. */
async function modelTypeLabel(model: LlamaModel): Promise<string> {
    const {GgufFileType} = await import("node-llama-cpp");
    const fileType = (model.fileInfo.metadata as {general?: {file_type?: unknown}}).general?.file_type;
    if (typeof fileType === "number" && GgufFileType[fileType] !== undefined)
        return GgufFileType[fileType]!.replace(/^(MOSTLY|ALL)_/, "");
    const bytesByType = new Map<string, number>();
    for (const tensor of model.fileInfo.fullTensorInfo ?? model.fileInfo.tensorInfo ?? []) {
        const type = ggmlTypeById(tensor.ggmlType);
        if (!type) continue;
        const elements = tensor.dimensions.reduce<number>((product, dimension) => product * Number(dimension), 1);
        bytesByType.set(type.name, (bytesByType.get(type.name) ?? 0) + tensorBytes(type, elements));
    }
    const dominant = [...bytesByType.entries()].sort((a, b) => b[1] - a[1])[0];
    return dominant ? dominant[0] : "unknown";
}
