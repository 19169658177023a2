import type {ModelShapeInput} from "./shape.js";
import {UserError} from "../util/errors.js";

export interface ShapePreset {
    name: string;
    /** Where the numbers come from (the model's config.json / GGUF header). */
    source: string;
    shape: ModelShapeInput;
}

/**
 * Shapes of real models, so that a twin with the same tensors can be written without the weights.
 * The tiny-* shapes are for tests: every row is a multiple of 256, so even the K-quants need no
 * fallback.
 */
const PRESETS: ShapePreset[] = [
    {
        name: "qwen2.5-0.5b",
        source: "Qwen/Qwen2.5-0.5B(-Instruct) config.json",
        shape: {
            architecture: "qwen2",
            hiddenSize: 896,
            layers: 24,
            heads: 14,
            kvHeads: 2,
            ffnSize: 4864,
            vocabSize: 151936,
            contextLength: 32768,
            tiedEmbeddings: true,
            qkvBias: true,
            ropeTheta: 1_000_000,
            rmsNormEps: 1e-6
        }
    },
    {
        name: "qwen3-0.6b",
        source: "Qwen/Qwen3-0.6B config.json",
        shape: {
            architecture: "qwen3",
            hiddenSize: 1024,
            layers: 28,
            heads: 16,
            kvHeads: 8,
            headDim: 128,
            ffnSize: 3072,
            vocabSize: 151936,
            contextLength: 40960,
            tiedEmbeddings: true,
            qkvBias: false,
            ropeTheta: 1_000_000,
            rmsNormEps: 1e-6
        }
    },
    {
        name: "qwen3-4b",
        source: "Qwen/Qwen3-4B config.json (the shape models.yaml gives qwen3-4b)",
        shape: {
            architecture: "qwen3",
            hiddenSize: 2560,
            layers: 36,
            heads: 32,
            kvHeads: 8,
            headDim: 128,
            ffnSize: 9728,
            vocabSize: 151936,
            contextLength: 40960,
            tiedEmbeddings: true,
            qkvBias: false,
            ropeTheta: 1_000_000,
            rmsNormEps: 1e-6
        }
    },
    {
        name: "llama-3.2-1b",
        source: "meta-llama/Llama-3.2-1B config.json (rope_freqs.weight, 32 values, left out)",
        shape: {
            architecture: "llama",
            hiddenSize: 2048,
            layers: 16,
            heads: 32,
            kvHeads: 8,
            ffnSize: 8192,
            vocabSize: 128256,
            contextLength: 131072,
            tiedEmbeddings: true,
            qkvBias: false,
            ropeTheta: 500_000,
            rmsNormEps: 1e-5
        }
    },
    {
        name: "tinyllama-1.1b",
        source: "TinyLlama/TinyLlama-1.1B-Chat-v1.0 config.json",
        shape: {
            architecture: "llama",
            hiddenSize: 2048,
            layers: 22,
            heads: 32,
            kvHeads: 4,
            ffnSize: 5632,
            vocabSize: 32000,
            contextLength: 2048,
            tiedEmbeddings: false,
            qkvBias: false,
            ropeTheta: 10_000,
            rmsNormEps: 1e-5
        }
    },
    {
        name: "smollm2-135m",
        source: "HuggingFaceTB/SmolLM2-135M config.json",
        shape: {
            architecture: "llama",
            hiddenSize: 576,
            layers: 30,
            heads: 9,
            kvHeads: 3,
            ffnSize: 1536,
            vocabSize: 49152,
            contextLength: 8192,
            tiedEmbeddings: true,
            qkvBias: false,
            ropeTheta: 100_000,
            rmsNormEps: 1e-5
        }
    },
    {
        name: "stories15m",
        source: "karpathy/tinyllamas stories15M (llama2.c; the GGUF conversion keeps a separate output.weight)",
        shape: {
            architecture: "llama",
            hiddenSize: 288,
            layers: 6,
            heads: 6,
            kvHeads: 6,
            ffnSize: 768,
            vocabSize: 32000,
            contextLength: 256,
            tiedEmbeddings: false,
            qkvBias: false,
            rmsNormEps: 1e-5
        }
    },
    {
        name: "stories260k",
        source: "ggml-org/models tinyllamas/stories260K.gguf header",
        shape: {
            architecture: "llama",
            hiddenSize: 64,
            layers: 5,
            heads: 8,
            kvHeads: 4,
            ffnSize: 172,
            vocabSize: 512,
            contextLength: 2048,
            tiedEmbeddings: false,
            qkvBias: false,
            rmsNormEps: 1e-5
        }
    },
    {
        name: "tiny-test",
        source: "llmproof test shape (llama, GQA)",
        shape: {
            architecture: "llama",
            hiddenSize: 256,
            layers: 2,
            heads: 4,
            kvHeads: 2,
            ffnSize: 512,
            vocabSize: 512,
            contextLength: 256,
            tiedEmbeddings: false,
            qkvBias: false
        }
    },
    {
        name: "tiny-qwen2",
        source: "llmproof test shape (qwen2: tied embeddings, QKV bias)",
        shape: {
            architecture: "qwen2",
            hiddenSize: 256,
            layers: 2,
            heads: 4,
            kvHeads: 2,
            ffnSize: 512,
            vocabSize: 512,
            contextLength: 256,
            tiedEmbeddings: true,
            qkvBias: true
        }
    },
    {
        name: "tiny-qwen3",
        source: "llmproof test shape (qwen3: q/k norms, head_dim 128 with 4 heads over hidden 256)",
        shape: {
            architecture: "qwen3",
            hiddenSize: 256,
            layers: 2,
            heads: 4,
            kvHeads: 2,
            headDim: 128,
            ffnSize: 512,
            vocabSize: 512,
            contextLength: 256,
            tiedEmbeddings: true,
            qkvBias: false
        }
    }
];

export function listShapePresets(): readonly ShapePreset[] {
    return PRESETS;
}

export function findShapePreset(name: string): ShapePreset {
    const wanted = name.trim().toLowerCase();
    const preset = PRESETS.find((candidate) => candidate.name === wanted);
    if (!preset)
        throw new UserError(`Unknown shape preset "${name}"; choose one of ${PRESETS.map((p) => p.name).join(", ")}.`);
    return preset;
}
