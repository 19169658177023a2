import {meta} from "./writer.js";
import type {GgufMetadataEntry} from "./writer.js";
import {byteTokenizerMetadata} from "./tokenizer.js";
import type {ResolvedShape} from "./twin-layout.js";

/** The general.* and <arch>.* metadata llama.cpp reads for these architectures, plus the tokenizer. */
export function modelMetadata(
    shape: ResolvedShape,
    options: {
        name: string;
        description: string;
        fileType: number;
        quantized: boolean;
        extra?: GgufMetadataEntry[];
    }
): GgufMetadataEntry[] {
    const arch = shape.architecture;
    const entries: GgufMetadataEntry[] = [
        meta.string("general.architecture", arch),
        meta.string("general.type", "model"),
        meta.string("general.name", options.name),
        meta.string("general.description", options.description),
        meta.u32("general.file_type", options.fileType)
    ];
    if (options.quantized) entries.push(meta.u32("general.quantization_version", 2));
    entries.push(
        meta.u32(`${arch}.vocab_size`, shape.vocabSize),
        meta.u32(`${arch}.context_length`, shape.contextLength),
        meta.u32(`${arch}.embedding_length`, shape.hiddenSize),
        meta.u32(`${arch}.block_count`, shape.layers),
        meta.u32(`${arch}.feed_forward_length`, shape.ffnSize),
        meta.u32(`${arch}.attention.head_count`, shape.heads),
        meta.u32(`${arch}.attention.head_count_kv`, shape.kvHeads),
        meta.f32(`${arch}.attention.layer_norm_rms_epsilon`, shape.rmsNormEps),
        meta.f32(`${arch}.rope.freq_base`, shape.ropeTheta),
        meta.u32(`${arch}.rope.dimension_count`, shape.headDim)
    );
    // Written only when head_dim is not hidden / heads (as convert_hf_to_gguf does), since it
    // changes the q/k/v and output projection shapes.
    if (shape.headDim * shape.heads !== shape.hiddenSize || arch === "qwen3")
        entries.push(
            meta.u32(`${arch}.attention.key_length`, shape.headDim),
            meta.u32(`${arch}.attention.value_length`, shape.headDim)
        );
    entries.push(...byteTokenizerMetadata(shape.vocabSize));
    entries.push(...(options.extra ?? []));
    return entries;
}
