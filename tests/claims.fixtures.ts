import {parseCatalog} from "../src/catalog/load.js";
import type {Catalog} from "../src/catalog/schema.js";

/**
 * A catalog made for the claims tests, so that their expected verdicts do not move when the
 * shipped models.yaml is edited. The figures are round on purpose; the tests compute the
 * expected values from them.
 */
export const CLAIMS_TEST_CATALOG_YAML = `
version: 1
suites:
  test: {description: models for the claims tests}
quantReference:
  bitsPerWeight:
    - {quant: Q4_K_M, bitsPerWeight: 4.89, model: Testlm-7B, source: test}
  quality:
    - {quant: Q8_0, model: Testlm-7B, dataset: wikitext, baselineQuant: F16, baselinePerplexity: 6.0, perplexity: 6.003, klDivergence: 0.001, source: test}
    - {quant: Q4_K_M, model: Testlm-7B, dataset: wikitext, baselineQuant: F16, baselinePerplexity: 6.0, perplexity: 6.18, klDivergence: 0.03, source: test}
  speed:
    - {model: Testlm-7B, test: token generation, tokensPerSecond: {Q4_K_M: 60, F16: 24}, hardware: a test machine, source: test}
models:
  - id: testlm-7b
    name: Testlm-7B
    aliases: [Testlm 7B, TestLM-7B-Instruct]
    kind: llm
    format: gguf
    repo: example/Testlm-7B-GGUF
    paramsB: 6.8
    nominalParamsB: 7
    architecture: llama
    files:
      Q4_K_M: {path: testlm-7b.Q4_K_M.gguf, sizeBytes: 4150000000}
      Q8_0: {path: testlm-7b.Q8_0.gguf, sizeBytes: 7230000000}
      F16: {path: testlm-7b.F16.gguf, sizeBytes: 13600000000}
    baselineQuant: F16
    benchmarkable: true
    suites: [test]
    factsRecorded: 2026-01-01
  - id: sparse-30b-a3b
    name: Sparse-30B-A3B
    aliases: [Sparse 30B, Sparse-30B]
    kind: llm
    format: gguf
    repo: example/Sparse-30B-A3B-GGUF
    paramsB: 30.5
    nominalParamsB: 30
    moe: {experts: 128, expertsUsed: 8, activeParamsB: 3}
    architecture: qwen3moe
    files:
      Q4_K_M: {path: sparse-30b.Q4_K_M.gguf, sizeBytes: 18600000000}
      BF16: {path: sparse-30b.BF16.gguf, sizeBytes: 61000000000}
    benchmarkable: true
    suites: [test]
    factsRecorded: 2026-01-01
  - id: tiny-adapter
    name: TinyAdapter-7B
    aliases: [TinyAdapter]
    kind: lora-adapter
    format: peft-adapter
    repo: example/TinyAdapter-7B
    nominalParamsB: 7
    proxy: testlm-7b
    benchmarkable: true
    factsRecorded: 2026-01-01
  - id: encoder-base
    name: EncoderBase-110M
    aliases: [EncoderBase]
    kind: encoder
    paramsB: 0.11
    nominalParamsB: 0.11
    benchmarkable: false
    notBenchmarkableReason: A BERT-style encoder, not a generative model.
    factsRecorded: 2026-01-01
  - id: pico-1b
    name: Pico-1B
    aliases: [Pico 1B]
    kind: llm
    format: gguf
    repo: example/Pico-1B-GGUF
    paramsB: 1.24
    nominalParamsB: 1
    architecture: llama
    files:
      Q4_K_M: {path: pico-1b.Q4_K_M.gguf, sizeBytes: 800000000}
      F16: {path: pico-1b.F16.gguf, sizeBytes: 2480000000}
    benchmarkable: true
    suites: [test]
    factsRecorded: 2026-01-01
`;

export function claimsTestCatalog(): Catalog {
    return parseCatalog(CLAIMS_TEST_CATALOG_YAML, "claims test catalog");
}
