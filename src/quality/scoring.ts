import {medianOfSorted, percentileOfSorted} from "../util/stats.js";
import {argmax, covarianceOfMeans, klDivergence, logSumExpOf, meanAndUncertainty, perplexityFromSums} from "./math.js";
import type {BaselineComparison, PerplexityStats} from "./schema.js";

/** One scored position: the model's distribution over the vocabulary and the token that came next. */
export interface ScoredPosition {
    /** log softmax of the logits, float32 */
    logProbs: Float32Array;
    /** -ln p(actual next token), float64 */
    nll: number;
    /** The token with the highest logit (first of equals) */
    top: number;
}

/** Turn one row of logits into what the statistics need. */
export function scoreLogits(
    logits: ArrayLike<number>,
    target: number,
    out: Float32Array = new Float32Array(logits.length)
): ScoredPosition {
    if (target < 0 || target >= logits.length)
        throw new Error(`target token ${target} is outside the vocabulary of ${logits.length}`);
    const logSumExp = logSumExpOf(logits);
    for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - logSumExp;
    return {logProbs: out, nll: logSumExp - logits[target]!, top: argmax(logits)};
}

/** Running sums of negative log-likelihoods, as llama-perplexity's `nll`/`nll2`. */
export class PerplexityAccumulator {
    sumNll = 0;
    sumNllSquared = 0;
    count = 0;

    add(nll: number): void {
        this.sumNll += nll;
        this.sumNllSquared += nll * nll;
        this.count++;
    }

    summary(): PerplexityStats {
        const stats = perplexityFromSums(this.sumNll, this.sumNllSquared, this.count);
        return {
            perplexity: {value: stats.perplexity, uncertainty: stats.uncertainty},
            meanNll: {value: stats.meanNll, uncertainty: stats.meanNllUncertainty},
            scoredTokens: this.count
        };
    }
}

/** What the baseline leaves behind for one scored position, to compare candidates against. */
export interface BaselinePosition {
    logProbs: Float32Array;
    nll: number;
    top: number;
}

/**
 * The sums of llama.cpp's `kl_divergence_result` plus every per-position KLD and Δp (for the
 * median and percentiles), for one candidate against the baseline.
 */
export class ComparisonAccumulator {
    readonly candidate = new PerplexityAccumulator();
    readonly baseline = new PerplexityAccumulator();
    private sumNllTimesBaseNll = 0;
    private sumKld = 0;
    private sumKldSquared = 0;
    private sumPDiff = 0;
    private sumPDiffSquared = 0;
    private sumPDiffFourth = 0;
    private sameTopCount = 0;
    private count = 0;
    private kldValues: Float64Array;
    private pDiffValues: Float64Array;
    private readonly scratch: Float32Array;

    constructor(vocabularySize: number, expectedPositions = 1024) {
        this.scratch = new Float32Array(vocabularySize);
        this.kldValues = new Float64Array(Math.max(1, expectedPositions));
        this.pDiffValues = new Float64Array(Math.max(1, expectedPositions));
    }

    /** Add one position: the candidate's logits and the baseline's stored distribution. */
    add(baseline: BaselinePosition, candidateLogits: ArrayLike<number>, target: number): {kld: number; pDiff: number} {
        const candidate = scoreLogits(candidateLogits, target, this.scratch);
        // Both sides are float32 log-probabilities rounded the same way: identical logits give exactly 0.
        const kld = klDivergence(baseline.logProbs, candidate.logProbs);
        const pDiff = Math.exp(-candidate.nll) - Math.exp(-baseline.nll);

        this.candidate.add(candidate.nll);
        this.baseline.add(baseline.nll);
        this.sumNllTimesBaseNll += candidate.nll * baseline.nll;
        this.sumKld += kld;
        this.sumKldSquared += kld * kld;
        this.sumPDiff += pDiff;
        this.sumPDiffSquared += pDiff * pDiff;
        this.sumPDiffFourth += pDiff * pDiff * pDiff * pDiff;
        if (candidate.top === baseline.top) this.sameTopCount++;

        if (this.count === this.kldValues.length) {
            this.kldValues = grow(this.kldValues);
            this.pDiffValues = grow(this.pDiffValues);
        }
        this.kldValues[this.count] = kld;
        this.pDiffValues[this.count] = pDiff;
        this.count++;
        return {kld, pDiff};
    }

    get positions(): number {
        return this.count;
    }

    /** The "====== Perplexity / KL divergence / Token probability statistics ======" of llama.cpp. */
    summary(): BaselineComparison {
        const n = this.count;
        const logPpl = meanAndUncertainty(this.candidate.sumNll, this.candidate.sumNllSquared, n);
        const logPplBase = meanAndUncertainty(this.baseline.sumNll, this.baseline.sumNllSquared, n);
        const covariance = covarianceOfMeans(this.candidate.sumNll, this.baseline.sumNll, this.sumNllTimesBaseNll, n);
        const correlationDenominator = logPpl.uncertainty * logPplBase.uncertainty;

        const logRatio = logPpl.mean - logPplBase.mean;
        const logRatioUncertainty = Math.sqrt(
            Math.max(0, logPpl.uncertainty ** 2 + logPplBase.uncertainty ** 2 - 2 * covariance)
        );
        const ratio = Math.exp(logRatio);

        const ppl = Math.exp(logPpl.mean);
        const pplBase = Math.exp(logPplBase.mean);
        const pplUncertainty = ppl * logPpl.uncertainty;
        const pplBaseUncertainty = pplBase * logPplBase.uncertainty;
        const pplCovariance = ppl * pplBase * covariance;
        const differenceUncertainty = Math.sqrt(
            Math.max(0, pplUncertainty ** 2 + pplBaseUncertainty ** 2 - 2 * pplCovariance)
        );

        const kld = meanAndUncertainty(this.sumKld, this.sumKldSquared, n);
        const kldSorted = this.kldValues.slice(0, n).sort();

        const pDiff = meanAndUncertainty(this.sumPDiff, this.sumPDiffSquared, n);
        const pDiffMeanSquare = meanAndUncertainty(this.sumPDiffSquared, this.sumPDiffFourth, n);
        const rms = Math.sqrt(pDiffMeanSquare.mean);
        const pDiffSorted = this.pDiffValues.slice(0, n).sort();

        const sameTop = n > 0 ? this.sameTopCount / n : 0;
        const sameTopUncertainty = n > 1 ? Math.sqrt((sameTop * (1 - sameTop)) / (n - 1)) : 0;

        return {
            perplexityRatio: {value: ratio, uncertainty: ratio * logRatioUncertainty},
            logPerplexityRatio: {value: logRatio, uncertainty: logRatioUncertainty},
            perplexityDifference: {value: ppl - pplBase, uncertainty: differenceUncertainty},
            logPerplexityCorrelation: correlationDenominator > 0 ? covariance / correlationDenominator : null,
            klDivergence: {
                mean: {value: kld.mean, uncertainty: kld.uncertainty},
                median: medianOfSorted(kldSorted),
                p90: percentileOfSorted(kldSorted, 0.9),
                p95: percentileOfSorted(kldSorted, 0.95),
                p99: percentileOfSorted(kldSorted, 0.99),
                p999: percentileOfSorted(kldSorted, 0.999),
                max: kldSorted[n - 1] ?? NaN,
                min: kldSorted[0] ?? NaN
            },
            sameTop: {value: sameTop, uncertainty: sameTopUncertainty},
            deltaP: {
                mean: {value: pDiff.mean, uncertainty: pDiff.uncertainty},
                rms: {value: rms, uncertainty: rms > 0 ? (0.5 / rms) * pDiffMeanSquare.uncertainty : 0},
                median: medianOfSorted(pDiffSorted),
                p1: percentileOfSorted(pDiffSorted, 0.01),
                p5: percentileOfSorted(pDiffSorted, 0.05),
                p95: percentileOfSorted(pDiffSorted, 0.95),
                p99: percentileOfSorted(pDiffSorted, 0.99),
                min: pDiffSorted[0] ?? NaN,
                max: pDiffSorted[n - 1] ?? NaN
            }
        };
    }
}

function grow(values: Float64Array): Float64Array {
    const grown = new Float64Array(values.length * 2);
    grown.set(values);
    return grown;
}
