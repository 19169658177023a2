import {createHash} from "node:crypto";
import {mkdir, stat} from "node:fs/promises";
import {totalmem, tmpdir} from "node:os";
import {join} from "node:path";
import {fileForQuant, modelById} from "../catalog/lookup.js";
import type {Catalog, CatalogModel, QuantQualityFact, QuantSpeedFact} from "../catalog/schema.js";
import type {GgufFacts} from "../gguf/facts.js";
import {errorMessage} from "../util/errors.js";
import {logInfo, logWarning} from "../util/log.js";
import {kindModule} from "./kinds/index.js";
import {measuredModel} from "./link.js";
import type {Claim, ClaimLink, Evidence, EvidenceLevel, MissingEvidence} from "./schema.js";

/**
 * Evidence gathering. Each claim gets facts at the strongest level the options allow:
 * `catalog` (models.yaml), `header` (the GGUF header, read remotely or from a pulled file),
 * `twin` (a shape-twin written and run on this machine) and `measured` (the real weights run on
 * this machine). What could not be had is recorded as missing, with the command that gets it.
 * Work shared between claims (one header read, one twin, one bench per model and quant) runs once.
 */

export interface EvidenceOptions {
    /** Catalog facts and twins only: no header reads, no downloads. */
    offline: boolean;
    /** Pull the real weights of models that fit this machine and benchmark them. */
    measure: boolean;
    /** Write and run shape-twins (for speed and memory claims) when the catalog has the shape. */
    twins: boolean;
    /** Skip twins whose file would be larger than this. */
    twinMaxBytes: number;
    env?: NodeJS.ProcessEnv;
}

/** A figure and the level it stands on. */
export interface Sourced<T> {
    value: T;
    level: EvidenceLevel;
    /** Says how it was obtained when that matters to the reader ("published size, rounded", "computed from the parameter count"). */
    how: string | null;
}

export interface SpeedMeasurement {
    tokensPerSecond: number;
    /** "tg16 on <cpu>, 2 threads" */
    setting: string;
}

/** Everything known about one model at one quantization, strongest source first. */
export interface ModelFacts {
    /** The model the issue names. */
    named: CatalogModel;
    /** The model whose files are measured (the proxy of an adapter, else the same). */
    measured: CatalogModel;
    quant: string | null;
    params: Sourced<number> | null;
    activeParams: Sourced<number> | null;
    /** File bytes per quant (all parts), for every quant the catalog or a header knows. */
    fileBytes: Map<string, Sourced<number>>;
    /** 16-bit and F32 sizes of the same weights. */
    sixteenBitBytes: Sourced<number> | null;
    f32Bytes: Sourced<number> | null;
    bitsPerWeight: Sourced<number> | null;
    /** RAM/VRAM for the weights plus a 4k context. */
    memoryBytes: Sourced<number> | null;
    speed: Sourced<SpeedMeasurement> | null;
    header: GgufFacts | null;
}

export interface GatheredEvidence {
    facts: ModelFacts[];
    evidence: Evidence[];
    missing: MissingEvidence[];
    warnings: string[];
}

const SIXTEEN_BIT_QUANTS = ["BF16", "F16"];
const GB = 1e9;

/** Per-run cache so that a header read, a twin or a bench happens once per model and quant. */
export class EvidenceCache {
    private readonly promises = new Map<string, Promise<unknown>>();

    once<T>(key: string, make: () => Promise<T>): Promise<T> {
        let promise = this.promises.get(key) as Promise<T> | undefined;
        if (!promise) {
            promise = make();
            this.promises.set(key, promise);
        }
        return promise;
    }
}

export function catalogCommandRef(model: CatalogModel, quant: string | null): string {
    return quant ? `${model.id}:${quant}` : model.id;
}

function fileSize(model: CatalogModel, quant: string): Sourced<number> | null {
    const file = fileForQuant(model, quant);
    if (!file) return null;
    if (file.sizeBytes != null) return {value: file.sizeBytes, level: "catalog", how: null};
    if (file.approxSizeBytes != null)
        return {value: file.approxSizeBytes, level: "catalog", how: "published size, rounded"};
    return null;
}

/** Catalog facts of one model at one quant; the named model's own figures win, then its proxy's. */
export function catalogFacts(named: CatalogModel, measured: CatalogModel, quant: string | null): ModelFacts {
    const paramsB = named.paramsB ?? measured.paramsB;
    const nominalB = named.nominalParamsB ?? measured.nominalParamsB;
    const params: Sourced<number> | null =
        paramsB != null
            ? {
                  value: paramsB * 1e9,
                  level: "catalog",
                  how:
                      named.paramsB == null ? `the count of ${measured.name}, which stands in for it` : named.paramsNote
              }
            : nominalB != null
              ? {value: nominalB * 1e9, level: "catalog", how: "as the name states it (no measured count recorded)"}
              : null;
    const moe = named.moe ?? measured.moe;
    const activeParams: Sourced<number> | null =
        moe?.activeParamsB != null
            ? {value: moe.activeParamsB * 1e9, level: "catalog", how: "as the name states it (nominal)"}
            : moe == null && params
              ? {value: params.value, level: "catalog", how: "a dense model: every parameter is active"}
              : null;
    const fileBytes = new Map<string, Sourced<number>>();
    for (const name of Object.keys(measured.files)) {
        const size = fileSize(measured, name);
        if (size) fileBytes.set(name, size);
    }
    const sixteenBitQuant = SIXTEEN_BIT_QUANTS.find((name) => fileBytes.has(name));
    const sixteenBitBytes: Sourced<number> | null = sixteenBitQuant
        ? {
              ...fileBytes.get(sixteenBitQuant)!,
              how: `the ${sixteenBitQuant} file${fileBytes.get(sixteenBitQuant)!.how ? `, ${fileBytes.get(sixteenBitQuant)!.how}` : ""}`
          }
        : params
          ? {value: params.value * 2, level: "catalog", how: "computed: parameters × 2 bytes"}
          : null;
    const f32Bytes: Sourced<number> | null = fileBytes.has("F32")
        ? fileBytes.get("F32")!
        : params
          ? {value: params.value * 4, level: "catalog", how: "computed: parameters × 4 bytes"}
          : sixteenBitBytes
            ? {value: sixteenBitBytes.value * 2, level: "catalog", how: "computed: twice the 16-bit size"}
            : null;
    const quantBytes = quant ? fileBytes.get(quant) : undefined;
    const bitsPerWeight: Sourced<number> | null =
        quantBytes && params
            ? {
                  value: (quantBytes.value * 8) / params.value,
                  level: "catalog",
                  how: `file size × 8 / parameters${quantBytes.how ? ` (${quantBytes.how})` : ""}`
              }
            : null;
    const memoryBytes: Sourced<number> | null = quantBytes
        ? {
              value: quantBytes.value * 1.1 + 0.5 * GB,
              level: "catalog",
              how: "estimated: file size + 10% + 0.5 GB (KV cache and buffers at a 4k context)"
          }
        : null;
    return {
        named,
        measured,
        quant,
        params,
        activeParams,
        fileBytes,
        sixteenBitBytes,
        f32Bytes,
        bitsPerWeight,
        memoryBytes,
        speed: null,
        header: null
    };
}

/** Overlay facts read from a GGUF header (level `header`, or `measured` for a pulled file's run). */
function withHeader(facts: ModelFacts, header: GgufFacts, quant: string): ModelFacts {
    const level: EvidenceLevel = "header";
    const fileBytes = new Map(facts.fileBytes);
    fileBytes.set(quant, {value: header.fileBytes, level, how: null});
    return {
        ...facts,
        header,
        params: {
            value: header.parameterCount,
            level,
            how: "general parameter count from the tensors in the GGUF header"
        },
        activeParams: header.moe
            ? {
                  value: header.moe.activeParameters,
                  level,
                  how: `${header.moe.expertsUsed} of ${header.moe.expertCount} experts per token plus every shared tensor`
              }
            : {value: header.parameterCount, level, how: "a dense model: every parameter is active"},
        fileBytes,
        sixteenBitBytes: facts.sixteenBitBytes?.how?.startsWith("the ")
            ? facts.sixteenBitBytes
            : {value: header.sizeAt.f16Bytes, level, how: "the same tensors at 2 bytes a weight, from the header"},
        f32Bytes: {value: header.sizeAt.f32Bytes, level, how: "the same tensors at 4 bytes a weight, from the header"},
        bitsPerWeight: {value: header.bitsPerWeight.file, level, how: "file bytes × 8 / parameters, from the header"},
        memoryBytes: header.memoryEstimate
            ? {
                  value: Math.max(header.memoryEstimate.ramBytes, header.memoryEstimate.vramBytes),
                  level,
                  how: `${header.memoryEstimate.method}, ${header.memoryEstimate.contextSize}-token context`
              }
            : facts.memoryBytes
    };
}

function evidenceFromFacts(facts: ModelFacts): Evidence {
    const quant = facts.quant;
    const size = quant ? facts.fileBytes.get(quant) : undefined;
    return {
        level: "catalog",
        modelId: facts.measured.id,
        quant,
        facts: {
            model: facts.named.name,
            standsIn: facts.measured.id === facts.named.id ? null : facts.measured.name,
            paramsB: facts.params ? round(facts.params.value / 1e9, 3) : null,
            nominalParamsB: facts.named.nominalParamsB ?? facts.measured.nominalParamsB,
            activeParamsB: facts.activeParams ? round(facts.activeParams.value / 1e9, 3) : null,
            fileBytes: size?.value ?? null,
            fileSizeNote: size?.how ?? null,
            sixteenBitBytes: facts.sixteenBitBytes?.value ?? null,
            sixteenBitNote: facts.sixteenBitBytes?.how ?? null,
            bitsPerWeight: facts.bitsPerWeight ? round(facts.bitsPerWeight.value, 3) : null
        },
        source: "models.yaml",
        command: `llmproof models --json`
    };
}

function round(value: number, digits: number): number {
    const factor = 10 ** digits;
    return Math.round(value * factor) / factor;
}

function qualityReference(catalog: Catalog, quant: string | null): QuantQualityFact[] {
    if (!quant) return [];
    return catalog.quantReference.quality.filter((fact) => fact.quant === quant);
}

function speedReference(catalog: Catalog, quant: string | null): QuantSpeedFact[] {
    if (!quant) return [];
    return catalog.quantReference.speed.filter((fact) => quant in fact.tokensPerSecond);
}

export interface EvidenceContext {
    catalog: Catalog;
    options: EvidenceOptions;
    cache: EvidenceCache;
}

export async function gatherEvidence(
    claim: Claim,
    link: ClaimLink,
    context: EvidenceContext
): Promise<GatheredEvidence> {
    const {catalog, options, cache} = context;
    const result: GatheredEvidence = {facts: [], evidence: [], missing: [], warnings: []};
    if (claim.kind === "unverifiable") return result;
    // A claim about a quant type in general stands on the reference measurements in the catalog.
    if (link.models.length === 0) {
        if (link.quant) addReferenceEvidence(result, catalog, claim, link.quant);
        return result;
    }
    const declared = kindModule(claim.kind).evidence;

    const named = modelById(catalog, link.models[0]!.id)!;
    const measured = measuredModel(catalog, link.models) ?? named;
    let facts = await cache.once(`facts:${named.id}:${measured.id}:${link.quant}`, async () =>
        catalogFacts(named, measured, link.quant)
    );
    result.evidence.push(evidenceFromFacts(facts));
    addReferenceEvidence(result, catalog, claim, link.quant);

    const quant = link.quant;
    const hasFile = quant != null && fileForQuant(measured, quant) != null;
    const ref = catalogCommandRef(measured, quant);

    // Header: remote read online, or the local file after --measure pulled it.
    if (declared.includes("header") && hasFile && measured.benchmarkable) {
        if (options.offline) {
            result.missing.push({
                level: "header",
                reason: "offline: the GGUF header was not read",
                command: `llmproof inspect ${ref}`
            });
        } else {
            const header = await cache
                .once(`header:${ref}`, () => readHeader(ref, options, claim.kind === "hardware-fit"))
                .catch((error: unknown) => error as Error);
            if (header instanceof Error) {
                result.missing.push({
                    level: "header",
                    reason: `the header could not be read: ${errorMessage(header)}`,
                    command: `llmproof inspect ${ref}`
                });
                const warning = `${ref}: header not read (${errorMessage(header)})`;
                if (!result.warnings.includes(warning)) result.warnings.push(warning);
                await cache.once(`warned:${ref}`, async () => logWarning(`${warning}; using catalog facts`));
            } else {
                facts = withHeader(facts, header, quant!);
                result.evidence.push(headerEvidence(header, measured, quant!, ref));
            }
        }
    }

    if (declared.includes("twin") && measured.benchmarkable && quant) {
        let ran = false;
        if (options.measure && !options.offline && hasFile) {
            const run = await cache
                .once(`measure:${ref}`, () => measureReal(ref, facts, options))
                .catch((error: unknown) => error as Error);
            if (run instanceof Error) {
                result.missing.push({
                    level: "measured",
                    reason: `the real weights could not be measured: ${errorMessage(run)}`,
                    command: `llmproof pull ${ref} && llmproof bench <the pulled file>`
                });
            } else {
                ran = true;
                facts = {
                    ...facts,
                    speed: {value: run.speed, level: "measured", how: null},
                    memoryBytes:
                        run.memoryBytes != null
                            ? {value: run.memoryBytes, level: "measured", how: "peak resident memory while generating"}
                            : facts.memoryBytes
                };
                result.evidence.push({
                    level: "measured",
                    modelId: measured.id,
                    quant,
                    facts: {
                        tokensPerSecond: round(run.speed.tokensPerSecond, 2),
                        setting: run.speed.setting,
                        peakMemoryBytes: run.memoryBytes
                    },
                    source: run.path,
                    command: `llmproof bench ${run.path}`
                });
            }
        }
        if (!ran && options.twins && measured.shape) {
            const twin = await cache
                .once(`twin:${measured.id}:${quant}`, () => measureTwin(measured, quant, facts, options))
                .catch((error: unknown) => error as Error);
            if (twin instanceof Error) {
                result.missing.push({level: "twin", reason: errorMessage(twin), command: twinCommand(measured, quant)});
            } else {
                ran = true;
                facts = {
                    ...facts,
                    speed: {
                        value: twin.speed,
                        level: "twin",
                        how: "random weights with the real tensor shapes and types"
                    },
                    memoryBytes:
                        twin.memoryBytes != null
                            ? {
                                  value: twin.memoryBytes,
                                  level: "twin",
                                  how: "node-llama-cpp estimate for the twin (same tensors as the real model), 4k context"
                              }
                            : facts.memoryBytes
                };
                result.evidence.push({
                    level: "twin",
                    modelId: measured.id,
                    quant,
                    facts: {
                        tokensPerSecond: round(twin.speed.tokensPerSecond, 2),
                        setting: twin.speed.setting,
                        memoryBytes: twin.memoryBytes,
                        twinFileBytes: twin.fileBytes
                    },
                    source: twin.path,
                    command: twinCommand(measured, quant)
                });
            }
        } else if (!ran && !measured.shape) {
            result.missing.push({
                level: "twin",
                reason: `the catalog records no shape for ${measured.name}, so no shape-twin can be written`,
                command: null
            });
        }
        if (!ran && claim.kind === "speed")
            result.missing.push({
                level: "measured",
                reason: "speed was not measured on this machine",
                command: `llmproof check <issue> --measure   (or: llmproof pull ${ref} && llmproof bench <the pulled file>)`
            });
    }
    result.facts.push(facts);
    return result;
}

function addReferenceEvidence(result: GatheredEvidence, catalog: Catalog, claim: Claim, quant: string | null): void {
    if (claim.kind === "quality-loss") {
        for (const fact of qualityReference(catalog, quant)) {
            result.evidence.push({
                level: "catalog",
                modelId: null,
                quant: fact.quant,
                facts: {
                    referenceModel: fact.model,
                    dataset: fact.dataset,
                    imatrix: fact.imatrix,
                    baseline: fact.baselineQuant,
                    baselinePerplexity: fact.baselinePerplexity,
                    perplexity: fact.perplexity,
                    klDivergence: fact.klDivergence,
                    sameTopTokenShare: fact.sameTopTokenShare
                },
                source: fact.source,
                command: null
            });
        }
    }
    if (claim.kind === "speed") {
        for (const fact of speedReference(catalog, quant)) {
            result.evidence.push({
                level: "catalog",
                modelId: null,
                quant,
                facts: {
                    referenceModel: fact.model,
                    test: fact.test,
                    hardware: fact.hardware,
                    ...Object.fromEntries(
                        Object.entries(fact.tokensPerSecond).map(([name, value]) => [`tokensPerSecond${name}`, value])
                    )
                },
                source: fact.source,
                command: null
            });
        }
    }
    if (claim.kind === "bits-per-weight" && quant) {
        for (const fact of catalog.quantReference.bitsPerWeight.filter((item) => item.quant === quant)) {
            result.evidence.push({
                level: "catalog",
                modelId: null,
                quant,
                facts: {referenceModel: fact.model, bitsPerWeight: fact.bitsPerWeight},
                source: fact.source,
                command: null
            });
        }
    }
}

function headerEvidence(header: GgufFacts, model: CatalogModel, quant: string, ref: string): Evidence {
    return {
        level: "header",
        modelId: model.id,
        quant,
        facts: {
            fileBytes: header.fileBytes,
            parameterCount: header.parameterCount,
            bitsPerWeight: round(header.bitsPerWeight.file, 3),
            fileType: header.fileTypeLabel ?? header.fileType,
            activeParameters: header.moe?.activeParameters ?? null,
            f16Bytes: header.sizeAt.f16Bytes,
            memoryBytes: header.memoryEstimate
                ? Math.max(header.memoryEstimate.ramBytes, header.memoryEstimate.vramBytes)
                : null
        },
        source: header.source,
        command: `llmproof inspect ${ref}`
    };
}

async function readHeader(ref: string, options: EvidenceOptions, withEstimate: boolean): Promise<GgufFacts> {
    const {resolveModelSource} = await import("../download/resolve.js");
    const {inspectGguf} = await import("../gguf/inspect.js");
    const source = await resolveModelSource(ref, {env: options.env});
    logInfo(`reading the GGUF header of ${ref} …`);
    if (source.kind === "local") return await inspectGguf(source.path, withEstimate ? {memoryEstimate: {}} : {});
    return await inspectGguf(source.url, {headers: source.headers, ...(withEstimate ? {memoryEstimate: {}} : {})});
}

interface RunResult {
    path: string;
    speed: SpeedMeasurement;
    memoryBytes: number | null;
    fileBytes: number;
}

/** Token generation is what newsletters quote as "tokens per second"; 16 tokens once keeps a check short. */
const CHECK_BENCH = {nPrompt: [0], nGen: [16]};
const CHECK_POLICY = {warmup: 1, repetitions: 3, adaptive: null};

async function benchOnce(
    path: string
): Promise<{speed: SpeedMeasurement; peakRssBytes: number | null; estimate: number | null}> {
    const {runBench} = await import("../bench/index.js");
    const outcome = await runBench({
        models: [path],
        sweep: CHECK_BENCH,
        policy: CHECK_POLICY,
        measureTtft: false,
        gpu: "auto",
        crossCheck: false,
        save: false
    });
    const run = outcome.report.runs[0];
    if (run === undefined || run.status === "failed" || !run.tg)
        throw new Error(run?.failure?.reason ?? "the benchmark produced no result");
    const threads = run.config.threads;
    return {
        speed: {
            tokensPerSecond: run.tg.tokensPerSecond.mean,
            setting:
                `tg16 on ${run.provenance.cpu.model}, ${threads} ` +
                `thread${threads === 1 ? "" : "s"}${run.provenance.backend && run.provenance.backend !== "cpu" ? `, ${run.provenance.backend}` : ""}`
        },
        peakRssBytes: run.peakRssBytes,
        estimate: run.memoryEstimate ? Math.max(run.memoryEstimate.ramBytes, run.memoryEstimate.vramBytes) : null
    };
}

/** Real weights are pulled only when they fit comfortably in this machine's memory. */
async function measureReal(ref: string, facts: ModelFacts, options: EvidenceOptions): Promise<RunResult> {
    const size = facts.quant ? facts.fileBytes.get(facts.quant)?.value : undefined;
    if (size != null && size > totalmem() * 0.6)
        throw new Error(
            `the file (${(size / GB).toFixed(1)} GB) is too big for this machine's ${(totalmem() / 2 ** 30).toFixed(0)} GiB of RAM`
        );
    const {pullModel} = await import("../download/pull.js");
    logInfo(`pulling ${ref} to measure it …`);
    const pulled = await pullModel(ref, {env: options.env});
    const bench = await benchOnce(pulled.path);
    return {
        path: pulled.path,
        speed: bench.speed,
        memoryBytes: bench.estimate ?? bench.peakRssBytes,
        fileBytes: pulled.totalBytes
    };
}

function twinCommand(model: CatalogModel, quant: string): string {
    return `llmproof check <issue>   (writes a ${quant} shape-twin of ${model.id} when it is under --twin-max-gb)`;
}

async function measureTwin(
    model: CatalogModel,
    quant: string,
    facts: ModelFacts,
    options: EvidenceOptions
): Promise<RunResult> {
    const expected = facts.fileBytes.get(quant)?.value ?? (facts.params ? (facts.params.value * 5) / 8 : null);
    if (expected != null && expected > options.twinMaxBytes)
        throw new Error(
            `a ${quant} twin of ${model.name} would be about ${(expected / GB).toFixed(1)} GB, ` +
                `over the twin limit of ${(options.twinMaxBytes / GB).toFixed(1)} ` +
                `GB (raise --twin-max-gb)`
        );
    const {writeTwinGguf} = await import("../gguf/synth.js");
    const {inspectGguf} = await import("../gguf/inspect.js");
    const directory = join(tmpdir(), "llmproof-twins");
    await mkdir(directory, {recursive: true});
    // The shape is in the name, so an edited catalog shape never reuses an old twin.
    const shapeKey = createHash("sha256").update(JSON.stringify(model.shape)).digest("hex").slice(0, 10);
    const path = join(directory, `${model.id}-${quant}-${shapeKey}.gguf`);
    const existing = await stat(path).catch(() => null);
    let fileBytes = existing?.size ?? 0;
    if (!existing) {
        logInfo(`writing a ${quant} shape-twin of ${model.name} …`);
        const report = await writeTwinGguf({shape: model.shape!, quant, outputPath: path, name: `${model.name} twin`});
        fileBytes = report.fileBytes;
    }
    const header = await inspectGguf(path, {memoryEstimate: {}});
    const bench = await benchOnce(path);
    const estimate = header.memoryEstimate
        ? Math.max(header.memoryEstimate.ramBytes, header.memoryEstimate.vramBytes)
        : null;
    return {path, speed: bench.speed, memoryBytes: estimate, fileBytes};
}
