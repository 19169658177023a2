/**
 * The statistics of llama.cpp's `llama-perplexity` (tools/perplexity/perplexity.cpp, functions
 * `perplexity()` and `kl_divergence()`), as pure functions over plain arrays.
 *
 * One deliberate difference: llama.cpp stores the baseline's log-probabilities as 16-bit integers
 * (`log_softmax(..., uint16_t * log_prob, ...)`) and skips terms with log p < -16 in the KL sum;
 * llmproof keeps them as float32 and sums over the whole vocabulary, so a model compared with
 * itself gives a KL divergence of exactly 0 rather than a rounding residue.
 */

/**
 * log softmax of one row of logits, accumulated in float64 (llama.cpp sums `expf` terms in a
 * double) and returned as float32. `nll` is -log p(target) in float64, before that rounding.
 */
export function logSoftmax(
    logits: ArrayLike<number>,
    out: Float32Array = new Float32Array(logits.length)
): Float32Array {
    if (logits.length === 0) throw new Error("logSoftmax needs at least one logit");
    const logSumExp = logSumExpOf(logits);
    for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - logSumExp;
    return out;
}

/** max + log(sum(exp(x - max))), the normaliser of a softmax. */
export function logSumExpOf(logits: ArrayLike<number>): number {
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
    if (!Number.isFinite(max)) throw new Error(`logits contain no finite maximum (${max})`);
    let sum = 0;
    for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
    return max + Math.log(sum);
}

/** Index of the first maximum, as llama.cpp's `imax` (strict `>` keeps the first of equal values). */
export function argmax(values: ArrayLike<number>): number {
    let best = 0;
    for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
    return best;
}

/**
 * KL(P_base || Q) = sum_i p_i (log p_i - log q_i) over the whole vocabulary, in float64.
 * Terms with p_i = 0 contribute 0.
 */
export function klDivergence(baseLogProbs: ArrayLike<number>, logProbs: ArrayLike<number>): number {
    if (baseLogProbs.length !== logProbs.length)
        throw new Error(
            `KL divergence of distributions of different sizes (${baseLogProbs.length} vs ${logProbs.length})`
        );
    let sum = 0;
    for (let i = 0; i < baseLogProbs.length; i++) {
        const logP = baseLogProbs[i]!;
        if (logP === -Infinity) continue;
        sum += Math.exp(logP) * (logP - logProbs[i]!);
    }
    return sum;
}

export interface MeanAndUncertainty {
    mean: number;
    /** Standard error of the mean; 0 when there are 10 values or fewer (as llama.cpp). */
    uncertainty: number;
}

/** llama.cpp's `mean_and_uncertainty` lambda in kl_divergence(). */
export function meanAndUncertainty(sum: number, sumOfSquares: number, count: number): MeanAndUncertainty {
    if (count < 1) return {mean: 0, uncertainty: 0};
    const mean = sum / count;
    const variance = sumOfSquares / count - mean * mean;
    const uncertainty = variance > 0 && count > 10 ? Math.sqrt(variance / (count - 1)) : 0;
    return {mean, uncertainty};
}

/** llama.cpp's `covariance` lambda: the covariance of the two means; 0 below 10 values. */
export function covarianceOfMeans(sumA: number, sumB: number, sumAB: number, count: number): number {
    if (count < 10) return 0;
    return (sumAB / count - (sumA / count) * (sumB / count)) / (count - 1);
}

export function sortedCopy(values: Float64Array | Float32Array): Float64Array {
    return Float64Array.from(values).sort();
}

/** Perplexity = exp(mean negative log-likelihood), its uncertainty propagated as ppl * se(mean nll). */
export function perplexityFromSums(
    sumNll: number,
    sumNllSquared: number,
    count: number
): {
    perplexity: number;
    uncertainty: number;
    meanNll: number;
    meanNllUncertainty: number;
} {
    const {mean, uncertainty} = meanAndUncertainty(sumNll, sumNllSquared, count);
    const perplexity = Math.exp(mean);
    return {perplexity, uncertainty: perplexity * uncertainty, meanNll: mean, meanNllUncertainty: uncertainty};
}
