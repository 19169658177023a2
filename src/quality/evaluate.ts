import type {Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token} from "node-llama-cpp";
import {vocabularySizeOf as vocabularySizeOfFile} from "../gguf/vocabulary.js";
import {UserError, errorMessage} from "../util/errors.js";
import type {ChunkPlan} from "./chunks.js";

/**
 * Full next-token logits from node-llama-cpp, chunk by chunk.
 *
 * `LlamaContextSequence.controlledEvaluate()` with `generateNext: {logits: true}` returns the
 * logits of every vocabulary token "after applying the given options". Those options are the
 * sampler's; with none given, node-llama-cpp's defaults are temperature 0, and at temperature 0 its
 * addon (llama/addon/AddonSampler.cpp, `rebuildChainIfNeeded`) builds a chain of only the greedy
 * sampler, which picks the argmax and leaves the candidates untouched: the top-k 40 / top-p 0.95
 * defaults are applied only when temperature > 0. So the values are llama.cpp's raw logits for the
 * whole vocabulary (checked below: one value per token). We take logits rather than
 * `probabilities` because the addon normalises those with a float32 sum, and a probability that
 * underflows to 0 has no logarithm; log-softmax is computed here in float64 instead.
 */

/**
 * Logit values requested per controlledEvaluate call: each comes back as a Map entry, so this caps
 * the transient heap (~2 M entries, some 150 MB). A chunk of a small-vocabulary model is one call;
 * with 150 000 tokens the scored half of a chunk is decoded 13 positions at a time.
 */
export const DEFAULT_LOGIT_VALUES_PER_CALL = 2_000_000;

export interface OpenedModel {
    model: LlamaModel;
    context: LlamaContext;
    sequence: LlamaContextSequence;
    vocabularySize: number;
    logitValuesPerCall: number;
    dispose(): Promise<void>;
}

export async function openModelForScoring(
    llama: Llama,
    modelPath: string,
    options: {contextSize: number; threads?: number; logitValuesPerCall?: number}
): Promise<OpenedModel> {
    let model: LlamaModel;
    try {
        model = await llama.loadModel({modelPath});
    } catch (error) {
        throw new UserError(`Could not load the model ${modelPath}: ${errorMessage(error)}`, {cause: error});
    }
    try {
        const context = await model.createContext({
            contextSize: options.contextSize,
            // One chunk is one decode, as llama-perplexity with its default batch of 2048 ≥ the context.
            batchSize: options.contextSize,
            sequences: 1,
            ...(options.threads !== undefined ? {threads: options.threads} : {})
        });
        const sequence = context.getSequence();
        return {
            model,
            context,
            sequence,
            vocabularySize: vocabularySizeOf(model),
            logitValuesPerCall: options.logitValuesPerCall ?? DEFAULT_LOGIT_VALUES_PER_CALL,
            async dispose() {
                sequence.dispose();
                await context.dispose();
                await model.dispose();
            }
        };
    } catch (error) {
        await model.dispose();
        throw new UserError(
            `Could not create a context of ${options.contextSize} tokens for ${modelPath}: ${errorMessage(error)}`,
            {cause: error}
        );
    }
}

/** llama_vocab_n_tokens: the number of logits each token gets. */
export function vocabularySizeOf(model: LlamaModel): number {
    const size = vocabularySizeOfFile(model.fileInfo);
    if (size == null)
        throw new UserError(`The model ${model.filename ?? ""} has no token list, so its vocabulary size is unknown.`);
    return size;
}

/**
 * Evaluate one chunk from an empty sequence and call `onLogits(scoredIndex, logits)` for each
 * scored position (0 … scoredPerChunk - 1), in order. `logits` is reused between calls.
 */
export async function evaluateChunk(
    opened: OpenedModel,
    tokens: readonly number[],
    plan: ChunkPlan,
    onLogits: (scoredIndex: number, logits: Float32Array) => void
): Promise<void> {
    if (tokens.length !== plan.contextSize)
        throw new Error(`a chunk must have ${plan.contextSize} tokens, got ${tokens.length}`);
    const {sequence, vocabularySize} = opened;
    await sequence.clearHistory();

    const logits = new Float32Array(vocabularySize);
    const positionsPerCall = Math.max(1, Math.floor(opened.logitValuesPerCall / vocabularySize));
    // Logits at positions first … contextSize - 2 predict the scored tokens; the last position predicts nothing.
    const lastScoredPosition = plan.firstScoredPosition + plan.scoredPerChunk - 1;
    let nextPosition = 0;
    let scoredIndex = 0;
    while (nextPosition <= lastScoredPosition) {
        const end = Math.min(
            lastScoredPosition + 1,
            Math.max(plan.firstScoredPosition, nextPosition) + positionsPerCall
        );
        const input = [];
        for (let position = nextPosition; position < end; position++) {
            const token = tokens[position]! as Token;
            input.push(
                position >= plan.firstScoredPosition
                    ? ([token, {generateNext: {logits: true}}] as [Token, {generateNext: {logits: true}}])
                    : token
            );
        }
        const outputs = await sequence.controlledEvaluate(input);
        for (let i = 0; i < input.length; i++) {
            const position = nextPosition + i;
            if (position < plan.firstScoredPosition) continue;
            const map = outputs[i]?.next.logits;
            if (!map) throw new Error(`node-llama-cpp returned no logits for position ${position}`);
            fillLogits(map, logits, position);
            onLogits(scoredIndex++, logits);
        }
        nextPosition = end;
    }
}

function fillLogits(map: ReadonlyMap<Token, number>, out: Float32Array, position: number): void {
    // Keys of a Map are distinct, so size = vocabulary and every key in range means every token is there.
    if (map.size !== out.length)
        throw new Error(
            `node-llama-cpp returned ${map.size} logits at position ${position}, expected one per vocabulary token (${out.length}); the sampler ` +
                `must have filtered them`
        );
    for (const [token, value] of map) {
        if (token < 0 || token >= out.length)
            throw new Error(
                `node-llama-cpp returned a logit for token ${token}, outside the vocabulary of ${out.length}`
            );
        if (!Number.isFinite(value))
            throw new UserError(
                `The model produced a non-finite logit (${value}) at position ${position}; its weights may be broken.`
            );
        out[token] = value;
    }
}
