import {describe, expect, it} from "vitest";
import {join} from "node:path";
import {
    attentionFromMetadata,
    bytesPerTokenFromCatalogFacts,
    bytesPerTokenFromHeader,
    bytesPerTokenFromShape
} from "../src/gguf/bytes-per-token.js";
import {readGgufHeader} from "../src/gguf/inspect.js";
import {findShapePreset} from "../src/gguf/shape-presets.js";
import {estimateTwinGguf} from "../src/gguf/synth.js";
import {meta, writeGguf, type GgufTensorSpec} from "../src/gguf/writer.js";
import {byteTokenizerMetadata} from "../src/gguf/tokenizer.js";
import {makeTestTwin, testModelsDir} from "./helpers/models.js";

const LLAMA_3_8B = {
    architecture: "llama" as const,
    hiddenSize: 4096,
    layers: 32,
    heads: 32,
    kvHeads: 8,
    ffnSize: 14336,
    vocabSize: 128256,
    contextLength: 8192,
    tiedEmbeddings: false,
    qkvBias: false
};

describe("bytes per generated token of a dense model", () => {
    it("reads every weight but the token table, of which one row (tiny llama, Q8_0, by hand)", () => {
        const bytes = bytesPerTokenFromShape(findShapePreset("tiny-test").shape, "Q8_0");
        const q8 = (elements: number) => (elements / 32) * 34;
        // Per layer: q 256x256, k and v 256x128, output 256x256, gate/up/down 256x512; two F32 norms of 256.
        const layer = q8(256 * 256 * 2 + 256 * 128 * 2 + 256 * 512 * 3) + 2 * 256 * 4;
        const output = q8(256 * 512);
        const tokenRow = q8(256);
        expect(bytes.readBytesPerToken).toBe(2 * layer + 256 * 4 + output + tokenRow);
        expect(bytes.breakdown.lookupTableBytes).toBe(q8(256 * 512));
        expect(bytes.weightBytes).toBe(2 * layer + 256 * 4 + output + q8(256 * 512));
        // KV: 2 layers x 2 KV heads x (64 + 64) x 2 bytes (F16 cache).
        expect(bytes.kvBytesPerToken).toBe(2 * 2 * 128 * 2);
        expect(bytes.moe).toBeNull();
    });

    it("reads the whole token table when it doubles as the output projection (tied embeddings)", () => {
        const bytes = bytesPerTokenFromShape(findShapePreset("tiny-qwen3").shape, "Q8_0");
        expect(bytes.readBytesPerToken).toBe(bytes.weightBytes);
        expect(bytes.breakdown.lookupTableBytes).toBe(0);
        expect(bytes.notes.join(" ")).toContain("tied embeddings");
    });

    it("gives Llama-3-8B F16 15.01 GB per token, and Q4_K_M at most 3.25x less", () => {
        const f16 = bytesPerTokenFromShape(LLAMA_3_8B, "F16");
        const perLayer = 2 * (4096 * 4096 * 2 + 4096 * 1024 * 2 + 3 * 4096 * 14336) + 2 * 4096 * 4;
        expect(f16.readBytesPerToken).toBe(32 * perLayer + 4096 * 128256 * 2 + 4096 * 4 + 4096 * 2);
        expect(f16.readBytesPerToken).toBe(15_010_390_016);
        expect(f16.kvBytesPerToken).toBe(32 * 8 * 256 * 2);
        const q4 = bytesPerTokenFromShape(LLAMA_3_8B, "Q4_K_M");
        expect(q4.weightBytes).toBe(estimateTwinGguf({shape: LLAMA_3_8B, quant: "Q4_K_M"}).tensorDataBytes);
        const ratio = f16.readBytesPerToken / q4.readBytesPerToken;
        expect(ratio).toBeGreaterThan(3.2);
        expect(ratio).toBeLessThan(3.3);
    });

    it("gives the same figures from a twin's header as from its shape", async () => {
        for (const [preset, quant] of [
            ["tiny-test", "Q4_K_M"],
            ["tiny-qwen2", "Q8_0"]
        ] as const) {
            const path = await makeTestTwin({preset, quant});
            const fromHeader = bytesPerTokenFromHeader(await readGgufHeader(path));
            const fromShape = bytesPerTokenFromShape(findShapePreset(preset).shape, quant);
            expect(fromHeader.method).toBe("header");
            expect(fromHeader.readBytesPerToken).toBe(fromShape.readBytesPerToken);
            expect(fromHeader.weightBytes).toBe(fromShape.weightBytes);
            expect(fromHeader.kvBytesPerToken).toBe(fromShape.kvBytesPerToken);
            expect(fromHeader.activeParameters).toBe(fromShape.activeParameters);
        }
    });
});

/** A tiny qwen3moe-shaped GGUF (F16 weights of zeros): 8 experts, 2 used per token. */
async function writeTinyMoe(path: string): Promise<void> {
    const hidden = 256;
    const expertFfn = 128;
    const vocab = 512;
    const experts = 8;
    const tensors: {name: string; dimensions: number[]; type: string}[] = [
        {name: "token_embd.weight", dimensions: [hidden, vocab], type: "F16"},
        {name: "output_norm.weight", dimensions: [hidden], type: "F32"},
        {name: "output.weight", dimensions: [hidden, vocab], type: "F16"}
    ];
    for (let layer = 0; layer < 2; layer++) {
        const block = (name: string, dimensions: number[], type = "F16") =>
            tensors.push({name: `blk.${layer}.${name}`, dimensions, type});
        block("attn_norm.weight", [hidden], "F32");
        block("attn_q.weight", [hidden, 256]);
        block("attn_k.weight", [hidden, 128]);
        block("attn_v.weight", [hidden, 128]);
        block("attn_output.weight", [256, hidden]);
        block("ffn_norm.weight", [hidden], "F32");
        block("ffn_gate_inp.weight", [hidden, experts], "F32");
        block("ffn_gate_exps.weight", [hidden, expertFfn, experts]);
        block("ffn_up_exps.weight", [hidden, expertFfn, experts]);
        block("ffn_down_exps.weight", [expertFfn, hidden, experts]);
    }
    const specs: GgufTensorSpec[] = tensors.map((tensor) => {
        const elements = tensor.dimensions.reduce((a, b) => a * b, 1);
        const bytes = elements * (tensor.type === "F32" ? 4 : 2);
        return {...tensor, data: () => [new Uint8Array(bytes)]};
    });
    await writeGguf(path, {
        metadata: [
            meta.string("general.architecture", "qwen3moe"),
            meta.string("general.name", "tiny moe"),
            meta.u32("general.file_type", 1),
            meta.u32("qwen3moe.block_count", 2),
            meta.u32("qwen3moe.context_length", 256),
            meta.u32("qwen3moe.embedding_length", hidden),
            meta.u32("qwen3moe.expert_feed_forward_length", expertFfn),
            meta.u32("qwen3moe.attention.head_count", 4),
            meta.u32("qwen3moe.attention.head_count_kv", 2),
            meta.u32("qwen3moe.attention.key_length", 64),
            meta.u32("qwen3moe.attention.value_length", 64),
            meta.u32("qwen3moe.expert_count", experts),
            meta.u32("qwen3moe.expert_used_count", 2),
            ...byteTokenizerMetadata(vocab)
        ],
        tensors: specs
    });
}

describe("bytes per generated token of an MoE model", () => {
    it("reads the shared weights and expert_used_count / expert_count of the expert tensors (by hand)", async () => {
        const path = join(testModelsDir(), "tiny-moe-F16.gguf");
        await writeTinyMoe(path);
        const bytes = bytesPerTokenFromHeader(await readGgufHeader(path));
        const f16 = (elements: number) => elements * 2;
        const sharedPerLayer = 256 * 4 * 2 + f16(256 * 256 * 2 + 256 * 128 * 2) + 256 * 8 * 4;
        const expertsPerLayer = f16(3 * 256 * 128 * 8);
        expect(bytes.moe).toEqual({expertCount: 8, expertsUsed: 2});
        expect(bytes.breakdown.expertBytes).toBe(2 * expertsPerLayer);
        expect(bytes.breakdown.expertBytesRead).toBe((2 * expertsPerLayer * 2) / 8);
        expect(bytes.readBytesPerToken).toBe(
            2 * sharedPerLayer + 256 * 4 + f16(256 * 512) + f16(256) + (2 * expertsPerLayer) / 4
        );
        // Active parameters: shared + a quarter of the experts + one token row.
        const expertParams = 2 * 3 * 256 * 128 * 8;
        expect(bytes.activeParameters).toBe(bytes.parameters - expertParams - 256 * 512 + 256 + expertParams / 4);
        expect(bytes.kvBytesPerToken).toBe(2 * 2 * 128 * 2);
    });

    it("counts KV only in the full-attention layers of a hybrid model", () => {
        const attention = attentionFromMetadata({
            block_count: 48,
            embedding_length: 2048,
            full_attention_interval: 4,
            attention: {head_count: 16, head_count_kv: 2, key_length: 256, value_length: 256}
        });
        expect(attention!.kvHeadsPerLayer.filter((heads) => heads > 0)).toHaveLength(12);
        expect(attention!.kvHeadsPerLayer.slice(0, 4)).toEqual([0, 0, 0, 2]);
        expect(attention!.note).toContain("every 4th layer");
    });

    it("falls back to active parameters x the file's bits per weight for catalog-only models", () => {
        // Qwen3-Next-80B-A3B Q4_K_M as models.yaml records it: 48.7 GB, 79.67B parameters, 3B active.
        const bytes = bytesPerTokenFromCatalogFacts({
            fileBytes: 48.7e9,
            parameters: 79.67e9,
            activeParameters: 3e9,
            moe: {expertCount: 512, expertsUsed: 10}
        });
        expect(bytes.method).toBe("catalog");
        expect(bytes.readBytesPerToken).toBeCloseTo((3e9 * 48.7e9) / 79.67e9, 0);
        expect(bytes.kvBytesPerToken).toBeNull();
        expect(bytes.notes.join(" ")).toContain("KV cache per token is unknown");
    });
});
