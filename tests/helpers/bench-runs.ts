import {buildRun} from "../../src/bench/index.js";
import type {MeasurementOutcome} from "../../src/bench/protocol.js";
import type {BenchConfig, RepetitionPolicy} from "../../src/results/config.js";
import type {BenchRun, ModelFacts, Provenance} from "../../src/results/schema.js";
import {collectProvenance} from "../../src/system/provenance.js";

/**
 * Recorded runs for the schema, store and exporter tests, built by the same code path as
 * `llmproof bench` (buildRun) from a measurement outcome and this machine's real provenance.
 */
export const exampleModel: ModelFacts = {
    fileName: "qwen2.5-0.5b-twin-q4_0.gguf",
    path: "/models/qwen2.5-0.5b-twin-q4_0.gguf",
    fileBytes: 352_000_000,
    sha256: "a".repeat(64),
    architecture: "qwen2",
    modelName: "Qwen2.5 0.5B twin",
    parameterCount: 494_032_768,
    quantType: "MOSTLY_Q4_0",
    ref: null,
    twin: null
};

export const examplePolicy: RepetitionPolicy = {warmup: 1, repetitions: 3, adaptive: null};

export function exampleConfig(overrides: Partial<BenchConfig> = {}): BenchConfig {
    return {
        threads: 2,
        nPrompt: 512,
        nGen: 0,
        depth: 0,
        batchSize: 2048,
        ubatchSize: 512,
        gpuLayers: 0,
        flashAttention: false,
        useMmap: true,
        ...overrides
    };
}

export function exampleSuccess(overrides: Partial<Extract<MeasurementOutcome, {ok: true}>> = {}): MeasurementOutcome {
    return {
        ok: true,
        engine: {
            nodeLlamaCppVersion: "3.22.1",
            llamaCppRelease: "v0.5.0",
            backend: "cpu",
            buildType: "prebuilt",
            cmakeOptions: {},
            notes: ["UV_THREADPOOL_SIZE=1"]
        },
        ppTokensPerSecond: [410.5, 402.25, 415],
        tgTokensPerSecond: [],
        ttftMs: [1290.5, 1302, 1288.25],
        loadMs: 512.5,
        peakRssBytes: 600_000_000,
        vramBytes: 0,
        estimate: {ramBytes: 580_000_000, vramBytes: 0},
        ...overrides
    };
}

export async function exampleProvenance(): Promise<Provenance> {
    return {...(await collectProvenance()), backend: "cpu"};
}

export async function exampleRuns(): Promise<BenchRun[]> {
    const provenance = await exampleProvenance();
    const pp = buildRun({
        request: request(exampleConfig()),
        outcome: exampleSuccess(),
        facts: exampleModel,
        provenance
    });
    const tg = buildRun({
        request: request(exampleConfig({nPrompt: 0, nGen: 128, depth: 1024})),
        outcome: exampleSuccess({ppTokensPerSecond: [], tgTokensPerSecond: [81.5, 80.75, 82.25], ttftMs: []}),
        facts: exampleModel,
        provenance
    });
    const failed = buildRun({
        request: request(exampleConfig({threads: 1})),
        outcome: {
            ok: false,
            kind: "crash",
            reason: 'the measuring process died with signal SIGSEGV, "segfault"',
            exitCode: null,
            signal: "SIGSEGV"
        },
        facts: {...exampleModel, fileName: 'broken, "model".gguf'},
        provenance: {...provenance, backend: null}
    });
    return [pp, tg, failed];
}

function request(config: BenchConfig) {
    return {
        modelPath: exampleModel.path,
        config,
        policy: examplePolicy,
        measureTtft: config.nPrompt > 0,
        measureLoad: true,
        gpu: "auto" as const
    };
}
