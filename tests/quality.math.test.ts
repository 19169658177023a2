import {describe, expect, it} from "vitest";
import {argmax, covarianceOfMeans, klDivergence, logSoftmax, meanAndUncertainty} from "../src/quality/math.js";
import {medianOfSorted, percentileOfSorted} from "../src/util/stats.js";
import {ComparisonAccumulator, PerplexityAccumulator, scoreLogits} from "../src/quality/scoring.js";
import {chunkTokens, planChunks, scoredTargets} from "../src/quality/chunks.js";
import {BaselineStore} from "../src/quality/baseline-store.js";
import {UserError} from "../src/util/errors.js";

describe("perplexity math", () => {
    it("a uniform distribution over V tokens has perplexity V", () => {
        for (const vocabularySize of [2, 7, 512]) {
            const accumulator = new PerplexityAccumulator();
            const logits = new Float32Array(vocabularySize).fill(3.25);
            for (let position = 0; position < 50; position++)
                accumulator.add(scoreLogits(logits, position % vocabularySize).nll);
            const {perplexity, meanNll} = accumulator.summary();
            expect(perplexity.value).toBeCloseTo(vocabularySize, 9);
            expect(meanNll.value).toBeCloseTo(Math.log(vocabularySize), 12);
            // every token is equally surprising, so the estimate has no spread (beyond rounding)
            expect(perplexity.uncertainty).toBeLessThan(1e-6 * vocabularySize);
        }
    });

    it("perplexity is exp of the mean negative log-likelihood, with ppl * se as its uncertainty", () => {
        const accumulator = new PerplexityAccumulator();
        const probabilities = [0.5, 0.25, 0.125, 0.8, 0.05, 0.3, 0.6, 0.9, 0.2, 0.4, 0.7, 0.1];
        for (const p of probabilities) accumulator.add(scoreLogits([Math.log(p), Math.log(1 - p)], 0).nll);
        const nll = probabilities.map((p) => -Math.log(p));
        const mean = nll.reduce((a, b) => a + b, 0) / nll.length;
        const variance = nll.reduce((a, b) => a + b * b, 0) / nll.length - mean * mean;
        const summary = accumulator.summary();
        expect(summary.perplexity.value).toBeCloseTo(Math.exp(mean), 9);
        expect(summary.perplexity.uncertainty).toBeCloseTo(Math.exp(mean) * Math.sqrt(variance / (nll.length - 1)), 9);
    });

    it("logSoftmax normalises and keeps the order; argmax takes the first maximum", () => {
        const logProbs = logSoftmax([1, 3, 3, -2]);
        const total = Array.from(logProbs).reduce((sum, value) => sum + Math.exp(value), 0);
        expect(total).toBeCloseTo(1, 6);
        expect(argmax([1, 3, 3, -2])).toBe(1);
        expect(argmax(logProbs)).toBe(1);
        // no overflow for huge logits
        expect(Number.isFinite(logSoftmax([1e30, 0])[1]!)).toBe(true);
    });

    it("KL divergence matches the closed form and is 0 for identical distributions", () => {
        const p = [0.5, 0.5];
        const q = [0.9, 0.1];
        const expected = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1);
        expect(klDivergence(p.map(Math.log), q.map(Math.log))).toBeCloseTo(expected, 12);
        expect(klDivergence(q.map(Math.log), q.map(Math.log))).toBe(0);
        // a token the baseline never predicts contributes nothing
        expect(klDivergence([0, -Infinity], [Math.log(0.5), Math.log(0.5)])).toBeCloseTo(Math.log(2), 12);
    });

    it("mean, uncertainty, covariance and percentiles follow llama-perplexity's definitions", () => {
        expect(meanAndUncertainty(10, 30, 5)).toEqual({mean: 2, uncertainty: 0}); // ≤ 10 values: no uncertainty
        const values = Array.from({length: 20}, (_, i) => i);
        const sum = values.reduce((a, b) => a + b, 0);
        const sumOfSquares = values.reduce((a, b) => a + b * b, 0);
        const {mean, uncertainty} = meanAndUncertainty(sum, sumOfSquares, values.length);
        expect(mean).toBe(9.5);
        expect(uncertainty).toBeCloseTo(Math.sqrt((sumOfSquares / 20 - 9.5 ** 2) / 19), 12);
        expect(covarianceOfMeans(sum, sum, sumOfSquares, 20)).toBeCloseTo(uncertainty ** 2, 12);

        const sorted = Float64Array.from([1, 2, 3, 4]);
        expect(medianOfSorted(sorted)).toBe(2.5);
        expect(medianOfSorted(Float64Array.from([1, 2, 3]))).toBe(2);
        expect(percentileOfSorted(sorted, 0.5)).toBe(2.5);
        expect(percentileOfSorted(sorted, 0.99)).toBeCloseTo(3.97, 12);
        expect(percentileOfSorted(sorted, 0)).toBe(1);
        expect(percentileOfSorted(sorted, 1)).toBe(4);
    });
});

describe("comparison statistics", () => {
    it("a candidate identical to the baseline has KLD 0, same top 100% and Δp 0", () => {
        const accumulator = new ComparisonAccumulator(5, 4);
        const rows = [
            [1, 2, 3, 4, 5],
            [5, 1, 1, 1, 1],
            [0, 0, 9, 0, 0],
            [2, 2, 2, 2, 3],
            [1, 0, 0, 0, 0]
        ];
        rows.forEach((logits, index) => {
            const baseline = scoreLogits(logits, index % 5);
            const result = accumulator.add({...baseline, logProbs: baseline.logProbs.slice()}, logits, index % 5);
            expect(result).toEqual({kld: 0, pDiff: 0});
        });
        const summary = accumulator.summary();
        expect(summary.klDivergence.mean.value).toBe(0);
        expect(summary.klDivergence.max).toBe(0);
        expect(summary.sameTop.value).toBe(1);
        expect(summary.deltaP.rms.value).toBe(0);
        expect(summary.perplexityRatio.value).toBe(1);
    });

    it("counts top-token disagreements and the probability change of the actual token", () => {
        const accumulator = new ComparisonAccumulator(2);
        const baseline = scoreLogits([Math.log(0.7), Math.log(0.3)], 1);
        const {kld, pDiff} = accumulator.add(baseline, [Math.log(0.4), Math.log(0.6)], 1);
        expect(kld).toBeCloseTo(0.7 * Math.log(0.7 / 0.4) + 0.3 * Math.log(0.3 / 0.6), 6);
        expect(pDiff).toBeCloseTo(0.6 - 0.3, 6);
        const summary = accumulator.summary();
        expect(summary.sameTop.value).toBe(0);
        expect(summary.perplexityRatio.value).toBeCloseTo(0.3 / 0.6, 6);
    });
});

describe("chunking as llama-perplexity", () => {
    it("cuts whole chunks and scores the second half of each", () => {
        const plan = planChunks(1000, 128);
        expect(plan).toMatchObject({chunkCount: 7, availableChunks: 7, firstScoredPosition: 64, scoredPerChunk: 63});
        expect(planChunks(1000, 128, 2).chunkCount).toBe(2);
        expect(planChunks(1000, 128, 99).chunkCount).toBe(7);
        expect(planChunks(15, 7).scoredPerChunk).toBe(3); // odd context: first = 3, positions 3..5
    });

    it("refuses texts shorter than two contexts, as llama-perplexity", () => {
        expect(() => planChunks(255, 128)).toThrow(UserError);
        expect(() => planChunks(256, 128)).not.toThrow();
    });

    it("puts BOS first in every chunk and targets the tokens after the scored positions", () => {
        const tokens = Array.from({length: 20}, (_, i) => 100 + i);
        const plan = planChunks(tokens.length, 8);
        expect(chunkTokens(tokens, plan, 1, 1)).toEqual([1, 109, 110, 111, 112, 113, 114, 115]);
        expect(chunkTokens(tokens, plan, 1, null)[0]).toBe(108);
        // positions 4..6 of chunk 1 (tokens 112..114) predict tokens 113..115
        expect(scoredTargets(tokens, plan, 1)).toEqual([113, 114, 115]);
    });
});

describe("baseline store", () => {
    it("returns what was written, in memory and spilled to a temporary file", async () => {
        for (const memoryLimitBytes of [1 << 20, 0]) {
            const store = await BaselineStore.create({
                vocabularySize: 3,
                positionsPerChunk: 2,
                chunkCount: 2,
                memoryLimitBytes
            });
            expect(store.spillsToDisk).toBe(memoryLimitBytes === 0);
            try {
                await store.writeChunk(1, Float32Array.from([6, 5, 4, 3, 2, 1]));
                await store.writeChunk(0, Float32Array.from([-1, -2, -3, -4, -5, -6]));
                expect(Array.from(await store.readChunk(0))).toEqual([-1, -2, -3, -4, -5, -6]);
                expect(Array.from(await store.readChunk(1))).toEqual([6, 5, 4, 3, 2, 1]);
                await expect(store.writeChunk(0, new Float32Array(5))).rejects.toThrow(/expected 6/);
            } finally {
                await store.close();
            }
        }
    });
});
