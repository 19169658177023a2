import {describe, it, expect, beforeAll, afterAll} from "vitest";
import {execFile} from "node:child_process";
import {promisify} from "node:util";
import {openSync, readSync, closeSync, statSync, existsSync} from "node:fs";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {readGgufFileInfo} from "node-llama-cpp";
import type {Llama} from "node-llama-cpp";
import {loadLlama} from "../src/system/llama.js";
import {
    fp32ToFp16Bits,
    fp16BitsToFp32,
    fp32ToBf16Bits,
    quantizeQ8_0,
    quantizeQ4_0,
    dequantizeQ8_0,
    dequantizeQ4_0,
    convertToF16,
    SeededRandom,
    randomBlocks,
    RANDOM_BLOCK_TYPES
} from "../src/gguf/quantize.js";
import {
    resolveShape,
    twinTensors,
    planTensorTypes,
    findQuantRecipe,
    TWIN_QUANT_NAMES
} from "../src/gguf/twin-layout.js";
import {writeGgufFromTensors, writeTwinGguf, makeRandomWeights, estimateTwinGguf} from "../src/gguf/synth.js";
import {TwinReportSchema} from "../src/gguf/twin-report.js";
import {resolveSynthShape} from "../src/gguf/shape-file.js";
import {findShapePreset} from "../src/gguf/shape-presets.js";
import {ggmlTypeById, ggmlTypeByName, tensorBytes} from "../src/gguf/ggml-types.js";
import {UserError} from "../src/util/errors.js";
import {makeTestTwinReport, testModelsDir} from "./helpers/models.js";

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

function readTensorBytes(path: string, fileOffset: number | bigint, bytes: number): Buffer {
    const buffer = Buffer.alloc(bytes);
    const fd = openSync(path, "r");
    try {
        readSync(fd, buffer, 0, bytes, Number(fileOffset));
    } finally {
        closeSync(fd);
    }
    return buffer;
}

describe("ggml float conversions", () => {
    it("rounds fp32 to fp16 as ggml does (nearest even, overflow to inf, NaN quiet)", () => {
        expect(fp32ToFp16Bits(1)).toBe(0x3c00);
        expect(fp32ToFp16Bits(-2)).toBe(0xc000);
        expect(fp32ToFp16Bits(0.5)).toBe(0x3800);
        expect(fp32ToFp16Bits(65504)).toBe(0x7bff);
        expect(fp32ToFp16Bits(65520)).toBe(0x7c00); // halfway to the next binade rounds to infinity
        expect(fp32ToFp16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
        expect(fp32ToFp16Bits(2 ** -26)).toBe(0x0000);
        expect(fp32ToFp16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie: to even
        expect(fp32ToFp16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: to even (up)
        expect(fp32ToFp16Bits(Number.NaN)).toBe(0x7e00);
        expect(fp32ToFp16Bits(-0)).toBe(0x8000);
        for (const bits of [0x0001, 0x03ff, 0x0400, 0x3c00, 0x3555, 0x7bff, 0xbc01])
            expect(fp32ToFp16Bits(fp16BitsToFp32(bits))).toBe(bits);
    });

    it("rounds fp32 to bf16 to nearest even", () => {
        expect(fp32ToBf16Bits(1)).toBe(0x3f80);
        expect(fp32ToBf16Bits(-2)).toBe(0xc000);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to the even mantissa (1)
        expect(fp32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80);
        expect(fp32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    });
});

describe("Q8_0 / Q4_0 quantization (llama.cpp reference rounding)", () => {
    it("Q8_0 on a hand-checked block: d = amax / 127, q = roundf(x / d), ties away from zero", () => {
        // amax 254 -> d = 2 exactly, id = 0.5
        const block = new Float32Array(32);
        block.set([254, -254, 5, -5, 3, -1, 1, 0.9999999, 126, -127]);
        const out = quantizeQ8_0(block);
        expect(out.length).toBe(34);
        expect(out.readUInt16LE(0)).toBe(0x4000); // 2.0 in f16
        const q = [...out.subarray(2, 12)].map((byte) => (byte << 24) >> 24);
        // 5/2 = 2.5 -> 3 and -2.5 -> -3 (roundf), 1.5 -> 2, -0.5 -> -1, 0.5 -> 1, 0.49999995 -> 0
        expect(q).toEqual([127, -127, 3, -3, 2, -1, 1, 0, 63, -64]);
        expect([...out.subarray(12)].every((byte) => byte === 0)).toBe(true);
        // an all-zero block has d = 0 and all-zero quants
        expect([...quantizeQ8_0(new Float32Array(32))].every((byte) => byte === 0)).toBe(true);
    });

    it("Q4_0 on hand-checked blocks: d = max / -8, q = min(15, trunc(x / d + 8.5)), low/high nibble halves", () => {
        // the value of largest magnitude is -16 -> d = 2, id = 0.5
        const block = new Float32Array(32);
        block.set([-16, 14, 15, 1, -1, 0, 3]);
        block[16] = 7; // pairs with block[0] in byte 0's high nibble
        const out = quantizeQ4_0(block);
        expect(out.length).toBe(18);
        expect(out.readUInt16LE(0)).toBe(0x4000);
        const low = [...out.subarray(2, 9)].map((byte) => byte & 0x0f);
        // -16 -> 0.5 -> 0; 14 -> 15.5 -> 15; 15 -> 16 -> min 15; 1 -> 9; -1 -> 8; 0 -> 8.5 -> 8; 3 -> 10
        expect(low).toEqual([0, 15, 15, 9, 8, 8, 10]);
        expect(out[2]! >> 4).toBe(12); // 7 * 0.5 + 8.5 = 12
        // largest magnitude positive (16) -> d = -2: 16 -> 0, -16 -> 16.5 -> clamped to 15
        const positive = new Float32Array(32);
        positive.set([16, -16]);
        const outPositive = quantizeQ4_0(positive);
        expect(outPositive.readUInt16LE(0)).toBe(0xc000);
        expect(outPositive[2]! & 0x0f).toBe(0);
        expect(outPositive[3]! & 0x0f).toBe(15);
    });

    // Known answers produced by llama.cpp's own llama-quantize (--pure Q8_0 / Q4_0 / F16) on these
    // exact values, from the llama.cpp release node-llama-cpp 3.22.1 bundles.
    function knownValues(): Float32Array {
        const values = new Float32Array(160);
        for (let j = 0; j < 128; j++) values[j] = Math.fround(Math.sin(j * 0.37) * (1 + (j % 7)) * 0.013);
        values[100] = 127 * 0.01;
        values[101] = 2.5 * 0.01;
        values[102] = -2.5 * 0.01;
        return values; // the last block stays all zero
    }
    const llamaQuantizeQ8_0 =
        "d811000d25415b69660a07f6d9b79781f0e8ed00224a7312232b2610ebbcf1ddcabfdb11c4da020719314957564103f9e2c5" +
        "a8948ff4f4011c3f637f111d1c0cedc499ee9611dacdcee003340d2339494a3915fcebd1b6a19ba9fa01163557727f0f1308" +
        "efcb1f21faf7fffe7f03fd0306010304040301fefffefcfbfafbfd0001030506070701000000000000000000000000000000" +
        "0000000000000000000000000000000000000000";
    const llamaQuantizeQ4_0 =
        "cc217889aadcfe9faeb9a897764371605746cfa1fc9a988866452303736468789accfe9f8aa1daebebda8885775634130374" +
        "777899bb14b188898888808888888888888888888888008088888888888888888888888888888888";
    const llamaQuantizeF16Head =
        "0000d020bb26f629252ccc2ca42cfa1ecf1c7b9f0ea7a9aacfacccadf1a174a418a3ce0d1f26c82a3c2da2226326e927e626" +
        "c921bfa33daa5ba16ca6f7a8eca9";

    it("matches llama-quantize bit for bit on known values", () => {
        const values = knownValues();
        expect(quantizeQ8_0(values).toString("hex")).toBe(llamaQuantizeQ8_0);
        expect(quantizeQ4_0(values).toString("hex")).toBe(llamaQuantizeQ4_0);
        expect(convertToF16(values).toString("hex").slice(0, llamaQuantizeF16Head.length)).toBe(llamaQuantizeF16Head);
    });

    it("dequantizes within half a step of the input", () => {
        const random = new SeededRandom(5);
        const values = new Float32Array(32 * 64).map(() => random.uniform(-0.1, 0.1));
        const q8 = dequantizeQ8_0(quantizeQ8_0(values));
        const q4 = dequantizeQ4_0(quantizeQ4_0(values));
        for (let block = 0; block < 64; block++) {
            const slice = values.subarray(block * 32, block * 32 + 32);
            const amax = Math.max(...slice.map(Math.abs));
            for (let j = 0; j < 32; j++) {
                const i = block * 32 + j;
                expect(Math.abs(q8[i]! - values[i]!)).toBeLessThanOrEqual((amax / 127) * 0.6 + 1e-7); // half a step plus the f16 rounding of d;
                expect(Math.abs(q4[i]! - values[i]!)).toBeLessThanOrEqual((amax / 8) * 1.01 + 1e-7);
            }
        }
    });

    it("random blocks of every supported type have finite, normal f16 scales", () => {
        for (const type of RANDOM_BLOCK_TYPES) {
            const info = ggmlTypeByName(type)!;
            const blocks = randomBlocks(type, 64, new SeededRandom(1));
            expect(blocks.length).toBe(64 * info.typeSize);
            const scaleOffsets: Record<string, number[]> = {
                Q8_0: [0],
                Q4_0: [0],
                Q5_0: [0],
                Q5_1: [0],
                Q4_K: [0, 2],
                Q5_K: [0, 2],
                Q6_K: [208]
            };
            for (let block = 0; block < 64; block++)
                for (const offset of scaleOffsets[type] ?? []) {
                    const scale = fp16BitsToFp32(blocks.readUInt16LE(block * info.typeSize + offset));
                    expect(Number.isFinite(scale)).toBe(true);
                    expect(Math.abs(scale)).toBeGreaterThanOrEqual(2 ** -14); // a normal f16 value
                    expect(Math.abs(scale)).toBeLessThan(1);
                }
        }
    });
});

describe("tensor types per quantization (llama.cpp's quantizer rules)", () => {
    // Every layout below was compared tensor by tensor with llama-quantize output for the same
    // shape (F16/F32 input written by this writer); these counts are what llama-quantize produced.
    it("Qwen2.5-0.5B Q4_K_M: rows of 896 fall back from Q4_K to Q5_0 and from Q6_K to Q8_0", () => {
        const shape = resolveShape(findShapePreset("qwen2.5-0.5b").shape);
        const tensors = twinTensors(shape);
        const plan = planTensorTypes(shape, tensors, findQuantRecipe("Q4_K_M"));
        const counts: Record<string, number> = {};
        for (const type of plan.types.values()) counts[type] = (counts[type] ?? 0) + 1;
        expect(counts).toEqual({Q5_0: 132, Q8_0: 13, Q6_K: 12, Q4_K: 12, F32: 121});
        expect(plan.types.get("token_embd.weight")).toBe("Q8_0"); // tied: output rule, 896 % 256 != 0
        expect(plan.types.get("blk.0.attn_v.weight")).toBe("Q8_0"); // use_more_bits -> Q6_K -> fallback
        expect(plan.types.get("blk.3.attn_v.weight")).toBe("Q5_0"); // Q4_K -> fallback
        expect(plan.types.get("blk.0.ffn_down.weight")).toBe("Q6_K"); // rows of 4864 = 19 x 256
        expect(plan.types.get("blk.3.ffn_down.weight")).toBe("Q4_K");
        expect(plan.types.get("blk.5.ffn_down.weight")).toBe("Q6_K"); // (5 - 3) % 3 == 2
        expect(plan.types.get("blk.0.attn_q.bias")).toBe("F32");
        expect(plan.fallbacks.length).toBe(145);
        expect(plan.fallbacks.find((f) => f.tensor === "blk.3.attn_q.weight")).toMatchObject({
            wanted: "Q4_K",
            used: "Q5_0",
            rowLength: 896
        });
    });

    it("Q4_0 keeps a tied output in Q6_K, or Q8_0 when its rows are not whole K-blocks", () => {
        const qwen = resolveShape(findShapePreset("qwen2.5-0.5b").shape);
        expect(planTensorTypes(qwen, twinTensors(qwen), findQuantRecipe("Q4_0")).types.get("token_embd.weight")).toBe(
            "Q8_0"
        );
        const tiny = resolveShape(findShapePreset("tiny-qwen2").shape);
        const plan = planTensorTypes(tiny, twinTensors(tiny), findQuantRecipe("Q4_0"));
        expect(plan.types.get("token_embd.weight")).toBe("Q6_K");
        expect(plan.types.get("blk.0.attn_q.weight")).toBe("Q4_0");
        expect(plan.fallbacks).toEqual([]);
    });

    it("Q4_K_S, Q5_K_M and the pure Q4_K follow their own rules on a 32-layer untied llama", () => {
        const shape = resolveShape({
            architecture: "llama",
            hiddenSize: 256,
            layers: 32,
            heads: 4,
            kvHeads: 2,
            ffnSize: 512,
            vocabSize: 512,
            contextLength: 512
        });
        const tensors = twinTensors(shape);
        const typesOf = (quant: string) => planTensorTypes(shape, tensors, findQuantRecipe(quant)).types;
        const s = typesOf("Q4_K_S");
        expect([0, 1, 2, 3].map((i) => s.get(`blk.${i}.attn_v.weight`))).toEqual(["Q5_K", "Q5_K", "Q5_K", "Q5_K"]);
        expect(s.get("blk.4.attn_v.weight")).toBe("Q4_K");
        expect(s.get("blk.3.ffn_down.weight")).toBe("Q5_K"); // layer < 32 / 8
        expect(s.get("blk.4.ffn_down.weight")).toBe("Q4_K");
        expect(s.get("output.weight")).toBe("Q6_K");
        expect(s.get("token_embd.weight")).toBe("Q4_K"); // untied: keeps the default type
        const m = typesOf("Q5_K_M");
        expect(m.get("blk.28.ffn_down.weight")).toBe("Q6_K"); // i >= 7 * 32 / 8
        expect(m.get("blk.5.ffn_down.weight")).toBe("Q5_K");
        expect(m.get("blk.6.ffn_down.weight")).toBe("Q6_K"); // (6 - 4) % 3 == 2
        const pure = typesOf("Q4_K");
        expect(new Set([...tensors].filter((t) => t.kind === "weight").map((t) => pure.get(t.name)))).toEqual(
            new Set(["Q4_K"])
        );
        expect(typesOf("Q8_0-F32-norms")).toEqual(typesOf("Q8_0"));
    });

    it("a row that is not a whole Q8_0 block falls back to F16 (stories260K's FFN of 172)", () => {
        const shape = resolveShape(findShapePreset("stories260k").shape);
        const plan = planTensorTypes(shape, twinTensors(shape), findQuantRecipe("Q8_0"));
        expect(plan.types.get("blk.0.ffn_down.weight")).toBe("F16");
        expect(plan.types.get("blk.0.ffn_up.weight")).toBe("Q8_0");
        expect(plan.fallbacks.map((f) => f.tensor)).toEqual([0, 1, 2, 3, 4].map((i) => `blk.${i}.ffn_down.weight`));
    });

    it("refuses shapes llama.cpp cannot load, with one sentence", () => {
        expect(() => resolveShape({...findShapePreset("tiny-test").shape, heads: 3})).toThrow(UserError);
        expect(() => resolveShape({...findShapePreset("tiny-qwen2").shape, headDim: 128})).toThrow(/qwen2 needs/);
        expect(() => resolveShape({...findShapePreset("tiny-test").shape, vocabSize: 100})).toThrow(/at least 260/);
        expect(() => findQuantRecipe("Q3_K")).toThrow(UserError);
    });
});

describe("twin file sizes against real llama.cpp files (header only, nothing written)", () => {
    // Real files: Qwen2.5-0.5B-Instruct Q8_0 ~531 MB, stories15M Q8_0 ~26.7 MB,
    // Qwen3-0.6B-Q8_0.gguf 639,446,688 B. Twins differ only by tokenizer metadata.
    it.each([
        ["qwen2.5-0.5b", "Q8_0", 531e6, 494_032_768],
        ["stories15m", "Q8_0", 26.7e6, 24_407_712],
        ["qwen3-0.6b", "Q8_0", 639_446_688, 596_049_920]
    ])("%s %s is within 1%% of the real file", (preset, quant, realBytes, parameters) => {
        const report = estimateTwinGguf({shape: findShapePreset(preset).shape, quant});
        expect(report.parameterCount).toBe(parameters);
        expect(Math.abs(report.fileBytes - realBytes) / realBytes).toBeLessThan(0.01);
    });
});

describe("synth writes GGUF files node-llama-cpp reads back exactly", () => {
    const cases: Array<[string, string]> = [
        ["tiny-test", "Q4_K_M"],
        ["tiny-qwen2", "Q4_0"],
        ["tiny-qwen3", "F16"],
        ["stories260k", "Q4_K_M"]
    ];

    it.each(cases)("%s %s: tensors, types, offsets and metadata", async (preset, quant) => {
        const report = await makeTestTwinReport({preset, quant});
        expect(TwinReportSchema.parse(report)).toEqual(report);
        const info = await readGgufFileInfo(report.path, {logWarnings: false});
        const shape = resolveShape(findShapePreset(preset).shape);
        const tensors = twinTensors(shape);
        const plan = planTensorTypes(shape, tensors, findQuantRecipe(quant));

        expect(statSync(report.path).size).toBe(report.fileBytes);
        expect(info.fullTensorInfo!.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
        let parameters = 0;
        for (const [index, tensor] of info.fullTensorInfo!.entries()) {
            expect(tensor.dimensions.map(Number)).toEqual(tensors[index]!.dimensions);
            expect(ggmlTypeById(tensor.ggmlType)?.name).toBe(plan.types.get(tensor.name));
            expect(Number(tensor.offset) % 32).toBe(0);
            parameters += tensors[index]!.dimensions.reduce((a, b) => a * b, 1);
        }
        expect(parameters).toBe(report.parameterCount);
        expect(Number(info.fullTensorInfo![0]!.fileOffset)).toBe(report.headerBytes);
        const last = info.fullTensorInfo!.at(-1)!;
        const lastBytes = tensorBytes(
            ggmlTypeById(last.ggmlType)!,
            last.dimensions.reduce((a: number, b) => a * Number(b), 1)
        );
        expect(report.fileBytes - (Number(last.fileOffset) + lastBytes)).toBeLessThan(32);

        // biome-ignore lint/suspicious/noExplicitAny: the parsed GGUF metadata tree is untyped
        const metadata = info.metadata as Record<string, any>;
        expect(metadata.general.architecture).toBe(shape.architecture);
        expect(metadata.general.description).toMatch(/RANDOM/);
        expect(metadata.general.file_type).toBe(findQuantRecipe(quant).fileType);
        const arch = metadata[shape.architecture];
        expect(arch.embedding_length).toBe(shape.hiddenSize);
        expect(arch.block_count).toBe(shape.layers);
        expect(arch.feed_forward_length).toBe(shape.ffnSize);
        expect(arch.attention.head_count).toBe(shape.heads);
        expect(arch.attention.head_count_kv).toBe(shape.kvHeads);
        expect(arch.context_length).toBe(shape.contextLength);
        expect(metadata.tokenizer.ggml.tokens.length).toBe(shape.vocabSize);
        if (shape.architecture === "qwen3") expect(arch.attention.key_length).toBe(128);

        // Norm weights are exactly 1; quantized blocks have finite scales.
        const norm = info.fullTensorInfo!.find((t) => t.name === "blk.0.attn_norm.weight")!;
        const normBytes = readTensorBytes(report.path, norm.fileOffset, shape.hiddenSize * 4);
        expect(new Set(Array.from({length: shape.hiddenSize}, (_, i) => normBytes.readFloatLE(i * 4)))).toEqual(
            new Set([1])
        );
    });

    it("is reproducible from its seed and differs for another seed", async () => {
        const shape = findShapePreset("tiny-test").shape;
        const write = (seed: number, file: string) =>
            writeTwinGguf({shape, quant: "Q4_K_M", seed, outputPath: join(testModelsDir(), file)});
        const [a, b, c] = [await write(1, "seed1a.gguf"), await write(1, "seed1b.gguf"), await write(2, "seed2.gguf")];
        const read = (path: string) => readTensorBytes(path, 0, statSync(path).size);
        expect(read(a.path).equals(read(b.path))).toBe(true);
        expect(read(a.path).equals(read(c.path))).toBe(false);
        expect(c.fileBytes).toBe(a.fileBytes);
    });
});

describe("writeGgufFromTensors", () => {
    it("stores given weights with llama.cpp's Q8_0 / Q4_0 / F16 encoding", async () => {
        const shape = findShapePreset("tiny-test").shape;
        const weights = makeRandomWeights(shape, 9);
        for (const quant of ["Q8_0", "Q4_0", "F16"] as const) {
            const report = await writeGgufFromTensors({
                outputPath: join(testModelsDir(), `from-weights-${quant}.gguf`),
                shape,
                quant,
                weights
            });
            const info = await readGgufFileInfo(report.path, {logWarnings: false});
            const tensor = info.fullTensorInfo!.find((t) => t.name === "blk.1.ffn_down.weight")!;
            const values = weights.get("blk.1.ffn_down.weight")!;
            const expected =
                quant === "Q8_0"
                    ? quantizeQ8_0(values)
                    : quant === "Q4_0"
                      ? quantizeQ4_0(values)
                      : convertToF16(values);
            expect(ggmlTypeById(tensor.ggmlType)?.name).toBe(quant);
            expect(readTensorBytes(report.path, tensor.fileOffset, expected.length).equals(expected)).toBe(true);
            const norm = info.fullTensorInfo!.find((t) => t.name === "output_norm.weight")!;
            expect(ggmlTypeById(norm.ggmlType)?.name).toBe("F32");
        }
    });

    it("rejects weights of the wrong size", async () => {
        const shape = findShapePreset("tiny-test").shape;
        const weights = makeRandomWeights(shape, 9);
        weights.set("output_norm.weight", new Float32Array(3));
        await expect(
            writeGgufFromTensors({outputPath: join(testModelsDir(), "bad.gguf"), shape, quant: "Q8_0", weights})
        ).rejects.toThrow(/needs 256 values/);
        expect(existsSync(join(testModelsDir(), "bad.gguf"))).toBe(false);
    });
});

describe("node-llama-cpp loads every twin type and generates finite tokens", () => {
    let llama: Llama;
    beforeAll(async () => {
        llama = await loadLlama();
    });
    afterAll(async () => {
        await llama?.dispose();
    });

    async function generate(path: string): Promise<{tokens: number[]; finite: boolean; roundTrip: string}> {
        const model = await llama.loadModel({modelPath: path});
        try {
            // one thread: tiny models gain nothing from more, and a busy machine makes thread sync slow
            const context = await model.createContext({contextSize: 64, threads: 1});
            try {
                const sequence = context.getSequence();
                const text = "Hello, twin! 1 + 1 = 2";
                const prompt = model.tokenize(text);
                const tokens: number[] = [];
                let finite = true;
                for await (const item of sequence.evaluateWithMetadata(
                    prompt,
                    {probabilities: true},
                    {temperature: 0}
                )) {
                    let sum = 0;
                    for (const probability of item.probabilities.values()) {
                        if (!Number.isFinite(probability)) finite = false;
                        sum += probability;
                    }
                    if (Math.abs(sum - 1) > 1e-3) finite = false;
                    tokens.push(item.token);
                    if (tokens.length >= 4) break;
                }
                return {tokens, finite, roundTrip: model.detokenize(prompt)};
            } finally {
                await context.dispose();
            }
        } finally {
            await model.dispose();
        }
    }

    it.each(TWIN_QUANT_NAMES.map((quant) => [quant]))("tiny-test %s", async (quant) => {
        const {path} = await makeTestTwinReport({preset: "tiny-test", quant});
        const result = await generate(path);
        expect(result.tokens.length).toBe(4);
        expect(result.finite).toBe(true);
        expect(result.roundTrip).toBe("Hello, twin! 1 + 1 = 2");
    });

    it.each([
        ["tiny-qwen2", "Q4_K_M"],
        ["tiny-qwen3", "Q8_0"],
        ["stories260k", "Q4_K_M"]
    ])("%s %s", async (preset, quant) => {
        const {path} = await makeTestTwinReport({preset, quant});
        const result = await generate(path);
        expect(result.tokens.length).toBe(4);
        expect(result.finite).toBe(true);
    });

    it("a model written from given weights (Q4_0) runs too", async () => {
        const shape = findShapePreset("tiny-qwen2").shape;
        const report = await writeGgufFromTensors({
            outputPath: join(testModelsDir(), "given-weights-qwen2-Q4_0.gguf"),
            shape,
            quant: "Q4_0",
            weights: makeRandomWeights(shape, 3)
        });
        const result = await generate(report.path);
        expect(result.finite).toBe(true);
    });
});

describe("llmproof synth (CLI)", () => {
    const cli = join(repoRoot, "bin", "llmproof.js");

    it("writes a twin and prints its report as JSON", async () => {
        const output = join(testModelsDir(), "cli-twin.gguf");
        const {stdout} = await execFileAsync(
            process.execPath,
            [cli, "synth", "--preset", "tiny-qwen3", "--quant", "q4_k_m", "--layers", "1", "-o", output, "--json"],
            {cwd: repoRoot}
        );
        const report = TwinReportSchema.parse(JSON.parse(stdout));
        expect(report.path).toBe(output);
        expect(report.quant).toBe("Q4_K_M");
        expect(report.shape.layers).toBe(1);
        expect(statSync(output).size).toBe(report.fileBytes);
        const info = await readGgufFileInfo(output, {logWarnings: false});
        expect(info.fullTensorInfo!.length).toBe(report.tensorCount);
    });

    it("builds a shape from flags", async () => {
        const {shape, label} = await resolveSynthShape({
            overrides: {
                architecture: "qwen2",
                hiddenSize: 128,
                layers: 1,
                heads: 2,
                ffnSize: 256,
                vocabSize: 300,
                contextLength: 128,
                qkvBias: true
            }
        });
        expect(shape.kvHeads).toBe(2);
        expect(label).toBe("qwen2-h128-l1");
        await expect(resolveSynthShape({overrides: {architecture: "llama", hiddenSize: 64}})).rejects.toThrow(
            /missing --layers, --heads, --ffn, --vocab, --ctx/
        );
    });

    it.each([
        [["--preset", "nope"], /Unknown shape preset "nope"/],
        [["--preset", "tiny-test", "--quant", "Q3_K"], /Unknown quantization "Q3_K"/],
        [["--arch", "llama", "--hidden", "64"], /missing --layers/],
        [["--preset", "tiny-test", "-o", join(repoRoot, "package.json", "x.gguf")], /Cannot write/]
    ])("bad input %j fails with one sentence", async (args, message) => {
        const result = await execFileAsync(process.execPath, [cli, "synth", ...(args as string[])], {
            cwd: repoRoot
        }).then(
            () => ({code: 0, stderr: ""}),
            (error: {code: number; stderr: string}) => ({code: error.code, stderr: error.stderr})
        );
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(message as RegExp);
        expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
});
