import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {existsSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import type {Llama} from "node-llama-cpp";
import {readGgufFileInfo} from "node-llama-cpp";
import {loadLlama} from "../src/system/llama.js";
import {measureQuality} from "../src/quality/measure.js";
import {quantizeGguf} from "../src/gguf/quantize-model.js";
import {compareGgufTensors} from "../src/gguf/tensor-compare.js";
import {readGgufMetadataEntries} from "../src/gguf/reader.js";
import {QualityReportSchema} from "../src/quality/schema.js";
import {UserError} from "../src/util/errors.js";
import {makeTestModelFromWeights, makeTestTwin, testModelsDir} from "./helpers/models.js";

// Small and quick: 3 chunks of 32 tokens (45 scored positions) per model, one thread.
const FAST = {contextSize: 32, chunks: 3, threads: 1} as const;

let llama: Llama;
let f32Path: string;
let writerQ4Path: string;

beforeAll(async () => {
    llama = await loadLlama({gpu: false});
    f32Path = (await makeTestModelFromWeights({quant: "F32"})).path;
    writerQ4Path = (await makeTestModelFromWeights({quant: "Q4_0"})).path;
});

afterAll(async () => {
    await llama?.dispose();
});

describe("measureQuality", () => {
    it("a model compared with itself has KL divergence 0 and the same top token everywhere", async () => {
        const report = await measureQuality({baselinePath: f32Path, candidatePaths: [f32Path], llama, ...FAST});
        expect(QualityReportSchema.parse(report)).toEqual(report);
        expect(report.method).toMatchObject({
            contextSize: 32,
            chunks: 3,
            firstScoredPosition: 16,
            scoredTokensPerChunk: 15,
            scoredTokens: 45
        });
        const [self] = report.candidates;
        const versus = self!.versusBaseline!;
        expect(versus.klDivergence.mean.value).toBe(0);
        expect(versus.klDivergence.max).toBe(0);
        expect(versus.sameTop.value).toBe(1);
        expect(versus.deltaP.rms.value).toBe(0);
        expect(self!.perplexity.perplexity.value).toBe(report.baseline.perplexity.perplexity.value);
        expect(report.baseline.perplexity.perplexity.value).toBeGreaterThan(1);
        expect(report.baseline.type).toBe("F32");
    });

    it("a Q4_0 quantization of the same weights drifts from the F32 baseline", async () => {
        const report = await measureQuality({baselinePath: f32Path, candidatePaths: [writerQ4Path], llama, ...FAST});
        const versus = report.candidates[0]!.versusBaseline!;
        expect(report.candidates[0]!.type).toBe("Q4_0");
        expect(versus.klDivergence.mean.value).toBeGreaterThan(0);
        expect(versus.klDivergence.max).toBeGreaterThan(versus.klDivergence.median);
        // rounding may make single terms a hair below 0, never more
        expect(versus.klDivergence.min).toBeGreaterThan(-1e-6);
        expect(versus.deltaP.rms.value).toBeGreaterThan(0);
        expect(report.candidates[0]!.perplexity.perplexity.value).not.toBe(report.baseline.perplexity.perplexity.value);
    });

    it("gives the same figures when logits come a few positions per call and the baseline spills to disk", async () => {
        const whole = await measureQuality({baselinePath: f32Path, candidatePaths: [writerQ4Path], llama, ...FAST});
        const split = await measureQuality({
            baselinePath: f32Path,
            candidatePaths: [writerQ4Path],
            llama,
            ...FAST,
            logitValuesPerCall: 4 * 512, // 4 positions per call instead of the whole scored half
            memoryLimitBytes: 0
        });
        const figures = (report: typeof whole) => [
            report.baseline.perplexity.perplexity.value,
            report.candidates[0]!.perplexity.perplexity.value,
            report.candidates[0]!.versusBaseline!.klDivergence.mean.value,
            report.candidates[0]!.versusBaseline!.sameTop.value
        ];
        // Smaller decode batches may round a hair differently; the scoring order must not change.
        const [a, b] = [figures(whole), figures(split)];
        a.forEach((value, index) => {
            expect(b[index]!).toBeCloseTo(value, 4);
        });
    });

    it("scores given tokens, and refuses a candidate with another vocabulary", async () => {
        const tokens = Array.from({length: 64}, (_, i) => 3 + ((i * 37) % 256));
        const report = await measureQuality({
            baselinePath: f32Path,
            candidatePaths: [f32Path],
            tokens,
            llama,
            contextSize: 16,
            threads: 1
        });
        expect(report.method).toMatchObject({textTokens: 64, chunks: 4, text: null});
        expect(report.warnings.some((warning) => warning.includes("Only 28 tokens"))).toBe(true);

        const otherVocabulary = await makeTestTwin({
            quant: "Q8_0",
            shape: {
                architecture: "llama",
                hiddenSize: 64,
                layers: 1,
                heads: 2,
                kvHeads: 2,
                ffnSize: 128,
                vocabSize: 384,
                contextLength: 64
            }
        });
        await expect(
            measureQuality({
                baselinePath: f32Path,
                candidatePaths: [otherVocabulary],
                tokens,
                llama,
                contextSize: 16,
                threads: 1
            })
        ).rejects.toThrow(/vocabulary of 384 tokens and the baseline 512/);
        await expect(
            measureQuality({baselinePath: f32Path, candidatePaths: [join(testModelsDir(), "missing.gguf")], llama})
        ).rejects.toBeInstanceOf(UserError);
    });
});

describe("quantizeGguf", () => {
    it("quantizes an F32 model file to the same tensor bytes as the writer's reference Q4_0, keeping its metadata", async () => {
        const outputPath = join(testModelsDir(), "quantized-from-f32-Q4_0.gguf");
        const result = await quantizeGguf(f32Path, outputPath, "Q4_0");
        expect(result.target).toBe("Q4_0");
        expect(result.tensors.find((tensor) => tensor.name.endsWith("attn_norm.weight"))).toMatchObject({
            type: "F32",
            sourceType: "F32"
        });
        expect(result.tensors.find((tensor) => tensor.name === "output.weight")?.type).toBe("Q4_0");

        const comparison = await compareGgufTensors(outputPath, writerQ4Path);
        expect(comparison.tensors.filter((tensor) => tensor.status !== "identical")).toEqual([]);
        expect(comparison.allIdentical).toBe(true);

        const input = await readGgufMetadataEntries(f32Path);
        const output = await readGgufMetadataEntries(outputPath);
        const entryValue = (entries: typeof input, key: string) => entries.find((entry) => entry.key === key)?.value;
        expect(entryValue(output, "general.file_type")).toEqual({kind: "u32", value: 2});
        expect(entryValue(output, "general.quantization_version")).toEqual({kind: "u32", value: 2});
        expect(entryValue(output, "tokenizer.ggml.tokens")).toEqual(entryValue(input, "tokenizer.ggml.tokens"));
        expect(output.map((entry) => entry.key)).toEqual(expect.arrayContaining(input.map((entry) => entry.key)));

        const info = await readGgufFileInfo(outputPath);
        expect(info.metadata.general.architecture).toBe("llama");
    });

    it("refuses to quantize an already quantized file", async () => {
        await expect(quantizeGguf(writerQ4Path, join(testModelsDir(), "requantized.gguf"), "Q8_0")).rejects.toThrow(
            /already Q4_0/
        );
    });
});

// A real trained model, when ../shared is there: quantization damage grows as bits shrink.
const STORIES_260K = fileURLToPath(new URL("../../shared/models/stories260K.gguf", import.meta.url));

describe.skipIf(!existsSync(STORIES_260K))("stories260K (../shared)", () => {
    it("its Q4_0 drifts further from the F32 than its Q8_0", async () => {
        const q8 = join(testModelsDir(), "stories260K-Q8_0.gguf");
        const q4 = join(testModelsDir(), "stories260K-Q4_0.gguf");
        await quantizeGguf(STORIES_260K, q8, "Q8_0");
        await quantizeGguf(STORIES_260K, q4, "Q4_0");
        const report = await measureQuality({
            baselinePath: STORIES_260K,
            candidatePaths: [q8, q4],
            llama,
            contextSize: 128,
            chunks: 8,
            threads: 1
        });
        const [versusQ8, versusQ4] = report.candidates.map((candidate) => candidate.versusBaseline!);
        expect(versusQ8!.klDivergence.mean.value).toBeGreaterThan(0);
        expect(versusQ4!.klDivergence.mean.value).toBeGreaterThan(10 * versusQ8!.klDivergence.mean.value);
        expect(versusQ4!.sameTop.value).toBeLessThan(versusQ8!.sameTop.value);
        // a trained model predicts children's stories far better than chance (vocabulary 512)
        expect(report.baseline.perplexity.perplexity.value).toBeLessThan(50);
    });
});
