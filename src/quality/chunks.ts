import {UserError} from "../util/errors.js";

/**
 * How llama-perplexity splits a text (tools/perplexity/perplexity.cpp, `perplexity()` and
 * `kl_divergence()`): the tokens are cut into `floor(tokens / contextSize)` chunks of exactly
 * `contextSize` tokens, each evaluated from an empty KV cache with its first token replaced by BOS
 * (when the vocabulary adds one). Only the second half of each chunk is scored, so every scored
 * token has at least `contextSize / 2` tokens of context: the logits at positions
 * `first = floor(contextSize / 2)` … `contextSize - 2` predict the tokens at `first + 1` …
 * `contextSize - 1`, which is `contextSize - 1 - first` scored tokens per chunk.
 */
export interface ChunkPlan {
    contextSize: number;
    /** First position whose logits are scored. */
    firstScoredPosition: number;
    scoredPerChunk: number;
    chunkCount: number;
    /** Chunks the text could fill, before a --chunks limit. */
    availableChunks: number;
    tokenCount: number;
}

export function planChunks(tokenCount: number, contextSize: number, maxChunks?: number): ChunkPlan {
    if (!Number.isInteger(contextSize) || contextSize < 4)
        throw new UserError(`The context size must be an integer of at least 4 tokens, got ${contextSize}.`);
    // llama-perplexity refuses texts shorter than two contexts; do the same so the figures compare.
    if (tokenCount < 2 * contextSize)
        throw new UserError(
            `The evaluation text is ${tokenCount} tokens long; a context of ${contextSize} needs at least ${2 * contextSize} (as llama-perplexity). ` +
                `Use a smaller --ctx or a longer --text.`
        );
    const availableChunks = Math.floor(tokenCount / contextSize);
    if (maxChunks !== undefined && (!Number.isInteger(maxChunks) || maxChunks < 1))
        throw new UserError(`The number of chunks must be a positive integer, got ${maxChunks}.`);
    const chunkCount = maxChunks === undefined ? availableChunks : Math.min(maxChunks, availableChunks);
    const firstScoredPosition = Math.floor(contextSize / 2);
    return {
        contextSize,
        firstScoredPosition,
        scoredPerChunk: contextSize - 1 - firstScoredPosition,
        chunkCount,
        availableChunks,
        tokenCount
    };
}

/** The tokens one chunk evaluates: BOS in place of its first token when the vocabulary adds BOS. */
export function chunkTokens(
    tokens: readonly number[],
    plan: ChunkPlan,
    chunkIndex: number,
    bosToken: number | null
): number[] {
    if (chunkIndex < 0 || chunkIndex >= plan.chunkCount)
        throw new Error(`chunk ${chunkIndex} is outside 0..${plan.chunkCount - 1}`);
    const start = chunkIndex * plan.contextSize;
    const chunk = tokens.slice(start, start + plan.contextSize);
    if (bosToken != null) chunk[0] = bosToken;
    return chunk;
}

/** The tokens a chunk's scored logits predict, in order. */
export function scoredTargets(tokens: readonly number[], plan: ChunkPlan, chunkIndex: number): number[] {
    const start = chunkIndex * plan.contextSize + plan.firstScoredPosition + 1;
    return tokens.slice(start, start + plan.scoredPerChunk);
}
