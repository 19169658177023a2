import {randomUUID} from "node:crypto";
import {stat} from "node:fs/promises";
import {basename, resolve} from "node:path";
import {
    BENCH_SCHEMA_VERSION,
    BenchRunSchema,
    type BenchReport,
    type BenchRun,
    type BenchWarning,
    type ModelFacts,
    type PhaseResult,
    type Provenance,
    type ReferenceResult
} from "../results/schema.js";
import {resolveResultsDirectory, saveRun} from "../results/store.js";
import {collectProvenance, physicalCoreCount, sha256OfFile} from "../system/provenance.js";
import {UserError, errorMessage} from "../util/errors.js";
import {isQuiet, logInfo, logWarning} from "../util/log.js";
import type {MeasurementOutcome, MeasurementRequest} from "./protocol.js";
import type {BenchConfig, RepetitionPolicy} from "../results/config.js";
import {sampleWarnings, summarize} from "./stats.js";
import {expandSweep, resolveSweepLists, testName, type SweepLists} from "./sweep.js";

export type GpuChoice = MeasurementRequest["gpu"];

export interface RunBenchOptions {
    /** Local GGUF paths. */
    models: string[];
    /** Sweep lists; left-out lists take llama-bench's defaults (threads = physical cores). */
    sweep: Partial<SweepLists>;
    policy: RepetitionPolicy;
    measureTtft: boolean;
    gpu: GpuChoice;
    /** Also run llama-bench for every configuration and record its numbers beside ours. */
    crossCheck: boolean;
    /** Save each run under the results directory as it finishes. */
    save: boolean;
    /** Defaults to LLMPROOF_RESULTS_DIR, then ./results. */
    resultsDir?: string;
    /** Per measuring child; a child that runs longer is killed and recorded as a timeout. */
    timeoutMs?: number;
    /** Called after each run is recorded (and saved). */
    onRun?: (run: BenchRun, savedPath: string | null) => void;
}

export interface BenchOutcome {
    report: BenchReport;
    savedPaths: string[];
    failedRuns: number;
}

/** Base per-child limit; adaptive runs get their time budget on top (pp + TTFT share one child). */
const DEFAULT_CHILD_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * Run the benchmark suite: every model × every configuration of the sweep, each in its own child
 * process. A child that fails (crash, out-of-memory kill, timeout, load error) becomes a failed
 * row and the suite goes on. Each run is saved the moment it is recorded.
 */
export async function runBench(options: RunBenchOptions): Promise<BenchOutcome> {
    const modelPaths = await checkModelPaths(options.models);
    const baseProvenance = await collectProvenance();
    const lists = resolveSweepLists(options.sweep, {
        physicalCores: await physicalCoreCount(),
        // Only the default -ngl depends on it; skip the probe when the user gave --ngl.
        hasGpu: options.sweep.gpuLayers === undefined ? await gpuLikely(options.gpu) : false
    });
    const configs = expandSweep(lists);
    if (configs.length === 0)
        throw new UserError("Nothing to measure: give a prompt size (-p) or a generation size (-n) above 0.");

    const resultsDir = options.save ? resolveResultsDirectory(options.resultsDir) : null;
    const timeoutMs =
        options.timeoutMs ?? DEFAULT_CHILD_TIMEOUT_MS + 3 * 1000 * (options.policy.adaptive?.maxSeconds ?? 0);
    let measure: ChildRunner | null = null;
    const reference = options.crossCheck ? await loadReferenceRunner(timeoutMs) : null;

    const total = modelPaths.length * configs.length;
    const runs: BenchRun[] = [];
    const savedPaths: string[] = [];
    let index = 0;
    let toldAboutPrebuiltCpu = false;
    for (const modelPath of modelPaths) {
        const {facts, headerError} = await readModelFacts(modelPath);
        for (const config of configs) {
            index++;
            const label = `[${index}/${total}] ${facts.fileName} ${testName(config)} t=${config.threads}${configSuffix(config, lists)}`;
            const status = progressLine(label);
            const request: MeasurementRequest = {
                modelPath,
                config,
                policy: options.policy,
                measureTtft: options.measureTtft && config.nPrompt > 0,
                measureLoad: true,
                gpu: options.gpu
            };
            const outcome: MeasurementOutcome =
                headerError !== null
                    ? {ok: false, kind: "error", reason: headerError, exitCode: null, signal: null}
                    : await (measure ??= await loadChildRunner())(request, {timeoutMs, onProgress: status.update});
            const run = buildRun({
                request,
                outcome,
                facts,
                provenance: {...baseProvenance, backend: outcome.ok ? outcome.engine.backend : null}
            });
            if (reference !== null && outcome.ok) {
                status.update("llama-bench cross-check");
                run.reference = await crossCheck(reference, request, run);
            }
            const validated = validateRun(run);
            runs.push(validated);
            let savedPath: string | null = null;
            if (resultsDir !== null) {
                try {
                    savedPath = await saveRun(validated, resultsDir);
                    savedPaths.push(savedPath);
                } catch (error) {
                    // The run is still printed at the end; one unwritable file must not stop the suite.
                    logWarning(`could not save the result of ${label}: ${errorMessage(error)}`);
                }
            }
            status.done(`${label} → ${resultSummary(validated)}`);
            for (const warning of validated.warnings)
                logWarning(`${facts.fileName} ${validated.test}: ${warning.message}`);
            if (!toldAboutPrebuiltCpu && isPrebuiltCpuEngine(validated)) {
                // Measured here: the npm prebuilt CPU binary runs pp ~12% below a native llama.cpp build.
                toldAboutPrebuiltCpu = true;
                logWarning(
                    "these numbers come from node-llama-cpp's prebuilt CPU binary, whose prompt processing can trail a native llama.cpp build (llama-bench) by ~10%; `llmproof engine --build` compiles one (see the README's \"Which engine build\")."
                );
            }
            options.onRun?.(validated, savedPath);
        }
    }
    if (resultsDir !== null && savedPaths.length > 0)
        logInfo(`saved ${savedPaths.length} result file${savedPaths.length === 1 ? "" : "s"} in ${resultsDir}`);
    return {
        report: {schemaVersion: BENCH_SCHEMA_VERSION, runs},
        savedPaths,
        failedRuns: runs.filter((run) => run.status === "failed").length
    };
}

export interface BuildRunInput {
    request: MeasurementRequest;
    outcome: MeasurementOutcome;
    facts: ModelFacts;
    provenance: Provenance;
    date?: Date;
}

function isPrebuiltCpuEngine(run: BenchRun): boolean {
    return run.engine !== null && run.engine.backend === "cpu" && run.engine.buildType === "prebuilt";
}

/** Turn one child's outcome into a recorded run: statistics, warnings, facts and provenance. */
export function buildRun({request, outcome, facts, provenance, date = new Date()}: BuildRunInput): BenchRun {
    const base = {
        schemaVersion: BENCH_SCHEMA_VERSION,
        id: randomUUID(),
        date: date.toISOString(),
        test: testName(request.config),
        config: request.config,
        policy: request.policy,
        model: facts,
        provenance,
        reference: null
    } as const;
    if (!outcome.ok)
        return {
            ...base,
            status: "failed",
            failure: {kind: outcome.kind, reason: outcome.reason, exitCode: outcome.exitCode, signal: outcome.signal},
            engine: null,
            pp: null,
            tg: null,
            ttftMs: null,
            ttftSamplesMs: [],
            loadMs: null,
            peakRssBytes: null,
            vramBytes: null,
            memoryEstimate: null,
            warnings: []
        };

    const warmupUsed = request.policy.warmup > 0;
    const warnings: BenchWarning[] = [];
    const pp = phaseResult(outcome.ppTokensPerSecond);
    const tg = phaseResult(outcome.tgTokensPerSecond);
    const addWarnings = (
        samples: number[],
        subject: BenchWarning["subject"],
        label: string,
        direction: "higher-is-better" | "lower-is-better"
    ) => {
        for (const warning of sampleWarnings(samples, {direction, label, warmupUsed}))
            warnings.push({kind: warning.kind, subject, message: warning.message});
    };
    addWarnings(outcome.ppTokensPerSecond, "pp", "pp t/s", "higher-is-better");
    addWarnings(outcome.tgTokensPerSecond, "tg", "tg t/s", "higher-is-better");
    addWarnings(outcome.ttftMs, "ttft", "TTFT", "lower-is-better");
    if (request.config.nPrompt > 0 && pp === null)
        warnings.push({kind: "other", subject: "pp", message: "the engine returned no pp samples for a pp test."});
    if (request.config.nGen > 0 && tg === null)
        warnings.push({kind: "other", subject: "tg", message: "the engine returned no tg samples for a tg test."});
    return {
        ...base,
        status: "ok",
        failure: null,
        engine: outcome.engine,
        pp,
        tg,
        ttftMs: outcome.ttftMs.length > 0 ? summarize(outcome.ttftMs) : null,
        ttftSamplesMs: outcome.ttftMs,
        loadMs: outcome.loadMs,
        peakRssBytes: outcome.peakRssBytes,
        vramBytes: outcome.vramBytes,
        memoryEstimate: outcome.estimate === null ? null : {...outcome.estimate, method: "node-llama-cpp GgufInsights"},
        warnings
    };
}

/** A run that breaks the schema (say, an infinite rate from a zero-length timing) is kept as a failed row, not lost. */
function validateRun(run: BenchRun): BenchRun {
    const result = BenchRunSchema.safeParse(run);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const reason = `the measurement did not pass validation (${issue?.path.join(".") || "run"}: ${issue?.message ?? "invalid"})`;
    return BenchRunSchema.parse({
        ...run,
        status: "failed",
        failure: {kind: "error", reason, exitCode: null, signal: null},
        pp: null,
        tg: null,
        ttftMs: null,
        ttftSamplesMs: [],
        reference: null,
        warnings: []
    });
}

function phaseResult(samples: number[]): PhaseResult | null {
    return samples.length === 0 ? null : {tokensPerSecond: summarize(samples), samples};
}

/** Missing paths are the user's typo: stop before measuring anything. Unreadable GGUFs become failed rows instead. */
async function checkModelPaths(models: string[]): Promise<string[]> {
    if (models.length === 0) throw new UserError("Give at least one model file to benchmark.");
    const paths: string[] = [];
    for (const model of models) {
        const path = resolve(model);
        let isFile: boolean;
        try {
            isFile = (await stat(path)).isFile();
        } catch {
            throw new UserError(`No such model file: ${model}`);
        }
        if (!isFile) throw new UserError(`${model} is not a file; give the path of a .gguf model.`);
        paths.push(path);
    }
    return paths;
}

/** File facts always; header facts when the GGUF header reads, else the reason it does not. */
async function readModelFacts(path: string): Promise<{facts: ModelFacts; headerError: string | null}> {
    const fileBytes = (await stat(path)).size;
    logInfo(`hashing ${basename(path)} (SHA-256) …`);
    const sha256 = await sha256OfFile(path);
    const facts: ModelFacts = {
        fileName: basename(path),
        path,
        fileBytes,
        sha256,
        architecture: null,
        modelName: null,
        parameterCount: null,
        quantType: null
    };
    try {
        const {inspectGguf} = await import("../gguf/inspect.js");
        const header = await inspectGguf(path);
        facts.fileBytes = header.fileBytes;
        facts.architecture = header.architecture;
        facts.modelName = header.modelName;
        facts.parameterCount = header.parameterCount;
        facts.quantType = header.fileType;
        return {facts, headerError: null};
    } catch (error) {
        const reason = `cannot read the GGUF header: ${errorMessage(error).replace(/\.$/, "")}`;
        logWarning(`${basename(path)}: ${reason}; its runs are recorded as failed.`);
        return {facts, headerError: reason};
    }
}

/** Whether "auto" (or a named GPU backend) will offload: decides the default -ngl (99 on a GPU, 0 on CPU). */
async function gpuLikely(gpu: GpuChoice): Promise<boolean> {
    if (gpu === "cpu") return false;
    if (gpu !== "auto") return true;
    try {
        const {getLlamaGpuTypes} = await import("node-llama-cpp");
        return (await getLlamaGpuTypes("supported")).some((type) => type !== false);
    } catch {
        return false;
    }
}

/**
 * The progress line of one run on stderr. On a terminal the child's progress ("pp512: repetition 3")
 * rewrites one line; elsewhere (logs, CI) only a start line and a result line are written.
 */
function progressLine(label: string): {update: (message: string) => void; done: (line: string) => void} {
    const live = process.stderr.isTTY === true && !isQuiet();
    if (!live) {
        logInfo(`${label} …`);
        return {update: () => {}, done: (line) => logInfo(line)};
    }
    process.stderr.write(`${label} …`);
    return {
        update: (message) => process.stderr.write(`\r\u001b[K${label} … ${message}`),
        done: (line) => process.stderr.write(`\r\u001b[K${line}\n`)
    };
}

/** Sweep values that vary beyond threads and the test name, for the progress line. */
function configSuffix(config: BenchConfig, lists: SweepLists): string {
    const parts: string[] = [];
    if (new Set(lists.gpuLayers).size > 1) parts.push(`ngl=${config.gpuLayers}`);
    if (new Set(lists.batchSize).size > 1) parts.push(`b=${config.batchSize}`);
    if (new Set(lists.ubatchSize).size > 1) parts.push(`ub=${config.ubatchSize}`);
    if (new Set(lists.flashAttention).size > 1) parts.push(`fa=${config.flashAttention ? 1 : 0}`);
    return parts.length === 0 ? "" : ` ${parts.join(" ")}`;
}

function resultSummary(run: BenchRun): string {
    if (run.status === "failed") return `FAILED (${run.failure?.kind}): ${run.failure?.reason}`;
    const parts: string[] = [];
    for (const [name, phase] of [
        ["pp", run.pp],
        ["tg", run.tg]
    ] as const) {
        if (phase === null) continue;
        const stats = phase.tokensPerSecond;
        parts.push(
            `${name} ${stats.mean.toFixed(2)}${stats.stddev === null ? "" : ` ± ${stats.stddev.toFixed(2)}`} t/s`
        );
    }
    if (run.ttftMs !== null) parts.push(`TTFT ${run.ttftMs.mean.toFixed(1)} ms`);
    if (run.reference !== null) {
        for (const name of ["pp", "tg"] as const) {
            const referenceStats = run.reference[name]?.tokensPerSecond;
            if (referenceStats) parts.push(`llama-bench ${name} ${referenceStats.mean.toFixed(2)} t/s`);
        }
    }
    return parts.join(", ") || "ok";
}

// ---------------------------------------------------------------------------------------------
// The measuring child and the llama-bench reference live in their own modules (another part of the
// engine); they are loaded lazily so that importing this module stays cheap.

type ChildRunner = typeof import("./child-runner.js").runMeasurementInChild;

async function loadChildRunner(): Promise<ChildRunner> {
    const {runMeasurementInChild} = await import("./child-runner.js");
    return runMeasurementInChild;
}

type ReferenceRunner = import("./reference.js").ReferenceRunner;

/** llama-bench for --cross-check, or null (with a warning) when none is installed; never builds one. */
async function loadReferenceRunner(timeoutMs: number): Promise<ReferenceRunner | null> {
    const {createReferenceRunner} = await import("./reference.js");
    const runner = await createReferenceRunner({timeoutMs});
    if (runner === null)
        logWarning(
            "--cross-check: llama-bench was not found (set LLAMA_BENCH=/path/to/llama-bench, or run `npm run bench:reference` once to build it); measuring without it."
        );
    return runner;
}

async function crossCheck(
    runReference: ReferenceRunner,
    request: MeasurementRequest,
    run: BenchRun
): Promise<ReferenceResult | null> {
    try {
        const samples = await runReference(request);
        const pp = phaseResult(samples.ppTokensPerSecond);
        const tg = phaseResult(samples.tgTokensPerSecond);
        const ratio = (ours: PhaseResult | null, theirs: PhaseResult | null) =>
            ours !== null && theirs !== null && theirs.tokensPerSecond.mean > 0
                ? ours.tokensPerSecond.mean / theirs.tokensPerSecond.mean
                : null;
        return {
            tool: "llama-bench",
            binary: samples.binary,
            build: samples.build,
            pp,
            tg,
            ratio: {pp: ratio(run.pp, pp), tg: ratio(run.tg, tg)}
        };
    } catch (error) {
        run.warnings.push({
            kind: "reference-failed",
            subject: "run",
            message: `llama-bench cross-check failed: ${errorMessage(error)}`
        });
        return null;
    }
}
