import type {GgufFileInfo} from "node-llama-cpp";

/**
 * The vocabulary size as llama.cpp counts it (`llama_vocab_n_tokens`: the length of
 * tokenizer.ggml.tokens, which is also the number of logits per token). Files without a token list
 * fall back to `<arch>.vocab_size`, then to the token embedding's row count. Null when none is there.
 */
export function vocabularySizeOf(
    fileInfo: Pick<GgufFileInfo, "metadata" | "architectureMetadata" | "fullTensorInfo">
): number | null {
    const tokens = (fileInfo.metadata as {tokenizer?: {ggml?: {tokens?: unknown}}}).tokenizer?.ggml?.tokens;
    if (Array.isArray(tokens) && tokens.length > 0) return tokens.length;
    const declared = positiveInteger((fileInfo.architectureMetadata as {vocab_size?: unknown}).vocab_size);
    if (declared != null) return declared;
    const embedding = fileInfo.fullTensorInfo?.find((tensor) => tensor.name === "token_embd.weight");
    return positiveInteger(embedding?.dimensions[1]);
}

function positiveInteger(value: unknown): number | null {
    const number = typeof value === "bigint" ? Number(value) : value;
    return typeof number === "number" && Number.isInteger(number) && number > 0 ? number : null;
}
