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
import {checkResultsDirectory, resolveResultsDirectory, saveRun} from "../results/store.js";
import {collectProvenance, physicalCoreCount} from "../system/provenance.js";
import {UserError, errorMessage} from "../util/errors.js";
import {ExitCode} from "../util/exit-codes.js";
import {isQuiet, logInfo, logWarning} from "../util/log.js";
import type {MeasurementOutcome, MeasurementRequest} from "./protocol.js";
import type {BenchConfig, RepetitionPolicy} from "../results/config.js";
import type {ResolvedModel} from "./inputs.js";
import {modelSha256} from "./model-hash.js";
import {TWIN_DESCRIPTION_PREFIX} from "../gguf/synth.js";
import {SuiteProgress} from "./progress.js";
import {isNoisy, sampleWarnings, summarize, worstRelativeHalfWidth} from "./stats.js";
import {expandSweep, resolveSweepLists, testName, type SweepLists} from "./sweep.js";

export type GpuChoice = MeasurementRequest["gpu"];

export interface RunBenchOptions {
    /** Local GGUF paths, or models resolved from catalog ids, hf: URIs and twin specs (src/bench/inputs.ts). */
    models: (string | ResolvedModel)[];
    /** Sweep lists; left-out lists take llama-bench's defaults (threads = physical cores). */
    sweep: Partial<SweepLists>;
    policy: RepetitionPolicy;
    measureTtft: boolean;
    gpu: GpuChoice;
    /** Also run llama-bench for every configuration and record its numbers beside ours. */
    crossCheck: boolean;
    /** Save each run under the results directory as it finishes. */
    save: boolean;
    /** Defaults to LLMPROOF_RESULTS_DIR, then the user's data folder (XDG). */
    resultsDir?: string;
    /** Per measuring child; a child that runs longer is killed and recorded as a timeout. */
    timeoutMs?: number;
    /** With an adaptive policy: how many more times a noisy row is measured afresh (default 2). */
    noisyRetries?: number;
    /** Aborting stops the suite at once (an interrupt): the run in flight is dropped, the finished ones are returned. */
    signal?: AbortSignal;
    /** Draw the progress bar with an ETA on stderr; default: when stderr is a terminal and logging is not quiet. */
    progressBar?: boolean;
    /** Called after each run is recorded (and saved). */
    onRun?: (run: BenchRun, savedPath: string | null) => void;
}

export interface BenchOutcome {
    report: BenchReport;
    savedPaths: string[];
    failedRuns: number;
    noisyRuns: number;
    /** Runs whose result file could not be written. */
    unsavedRuns: number;
    /** The suite was stopped by the signal before it finished. */
    interrupted: boolean;
    resultsDir: string | null;
}

/** Base per-child limit; adaptive runs get their time budget on top (pp + TTFT share one child). */
const DEFAULT_CHILD_TIMEOUT_MS = 30 * 60 * 1000;
const DEFAULT_NOISY_RETRIES = 2;

/**
 * Run the benchmark suite: every model × every configuration of the sweep, each in its own child
 * process. A child that fails (crash, out-of-memory kill, timeout, load error) becomes a failed
 * row and the suite goes on. Each run is saved the moment it is recorded. Everything the user can
 * get wrong (missing files, an unwritable results folder) is checked before the first measurement.
 */
export async function runBench(options: RunBenchOptions): Promise<BenchOutcome> {
    const models = await checkModels(options.models);
    const resultsDir = options.save ? resolveResultsDirectory(options.resultsDir) : null;
    if (resultsDir !== null) await checkResultsDirectory(resultsDir);
    const baseProvenance = await collectProvenance();
    const lists = resolveSweepLists(options.sweep, {
        physicalCores: await physicalCoreCount(),
        // Only the default -ngl depends on it; skip the probe when the user gave --ngl.
        hasGpu: options.sweep.gpuLayers === undefined ? await gpuLikely(options.gpu) : false
    });
    const configs = expandSweep(lists);
    if (configs.length === 0)
        throw new UserError("Nothing to measure: give a prompt size (-p) or a generation size (-n) above 0.", {
            exitCode: ExitCode.usage
        });

    const timeoutMs =
        options.timeoutMs ?? DEFAULT_CHILD_TIMEOUT_MS + 3 * 1000 * (options.policy.adaptive?.maxSeconds ?? 0);
    let measure: ChildRunner | null = null;
    const reference = options.crossCheck ? await loadReferenceRunner(timeoutMs) : null;

    const total = models.length * configs.length;
    const progress = new SuiteProgress(total * options.policy.repetitions);
    const live = options.progressBar ?? (process.stderr.isTTY === true && !isQuiet());
    const runs: BenchRun[] = [];
    const savedPaths: string[] = [];
    let unsavedRuns = 0;
    let index = 0;
    let toldAboutPrebuiltCpu = false;
    const interrupted = () => options.signal?.aborted === true;
    suite: for (const model of models) {
        if (interrupted()) break;
        const {facts, headerError} = await readModelFacts(model);
        for (const config of configs) {
            if (interrupted()) break suite;
            index++;
            const name = facts.twin === null ? facts.fileName : modelLabelOf(facts);
            const label = `[${index}/${total}] ${name} ${testName(config)} t=${config.threads}${configSuffix(config, lists)}`;
            const request: MeasurementRequest = {
                modelPath: model.path,
                config,
                policy: options.policy,
                measureTtft: options.measureTtft && config.nPrompt > 0,
                measureLoad: true,
                gpu: options.gpu
            };
            const measureOnce = async (attemptLabel: string): Promise<BenchRun> => {
                const status = progressLine(attemptLabel, live, progress);
                let started = 0;
                const outcome: MeasurementOutcome =
                    headerError !== null
                        ? {ok: false, kind: "error", reason: headerError, exitCode: null, signal: null}
                        : await (measure ??= await loadChildRunner())(request, {
                              timeoutMs,
                              signal: options.signal,
                              onProgress: (message, step) => {
                                  if (step === "repetition") {
                                      started++;
                                      progress.step();
                                  }
                                  status.update(message);
                              }
                          });
                progress.finishRun(options.policy.repetitions, started);
                const run = buildRun({
                    request,
                    outcome,
                    facts,
                    provenance: {...baseProvenance, backend: outcome.ok ? outcome.engine.backend : null}
                });
                status.done(
                    interrupted() ? `${attemptLabel} → interrupted` : `${attemptLabel} → ${resultSummary(run)}`
                );
                return run;
            };

            let run = await measureOnce(label);
            if (interrupted()) break suite;
            // --adaptive: a row that is still noisy after its time budget is measured afresh, and the steadiest attempt kept.
            const retries = options.policy.adaptive === null ? 0 : (options.noisyRetries ?? DEFAULT_NOISY_RETRIES);
            let attempts = 1;
            while (run.status === "noisy" && attempts <= retries) {
                attempts++;
                logInfo(`${label}: noisy (95% CI over ±20% of the mean); measuring it again (attempt ${attempts})`);
                const again = await measureOnce(`${label} (attempt ${attempts})`);
                if (interrupted()) break suite;
                if (again.status !== "failed" && unsteadiness(again) < unsteadiness(run)) run = again;
            }
            run.attempts = attempts;
            if (reference !== null && run.status !== "failed") {
                logInfo(`${label}: llama-bench cross-check …`);
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
                    unsavedRuns++;
                    logWarning(`could not save the result of ${label}: ${errorMessage(error)}`);
                }
            }
            for (const warning of validated.warnings)
                logWarning(`${facts.fileName} ${validated.test}: ${warning.message}`);
            if (!toldAboutPrebuiltCpu && isPrebuiltCpuEngine(validated)) {
                // Measured here: the npm prebuilt CPU binary runs pp ~12% below a native llama.cpp build.
                toldAboutPrebuiltCpu = true;
                logWarning(
                    "these numbers come from node-llama-cpp's prebuilt CPU binary, whose prompt processing can trail a native llama.cpp build " +
                        '(llama-bench) by ~10%; `llmproof engine --build` compiles one (see the README\'s "Which engine build").'
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
        failedRuns: runs.filter((run) => run.status === "failed").length,
        noisyRuns: runs.filter((run) => run.status === "noisy").length,
        unsavedRuns,
        interrupted: interrupted(),
        resultsDir
    };
}

/** The longest a reason may take in the one sentence that ends a suite whose every run failed (one model, several). */
const MAX_REASON_CHARS = {one: 400, each: 120} as const;

/**
 * When every run of a suite failed: one sentence naming each model and why its runs failed (its
 * first reason, and how many others there were), for the CLI to end with. Null when any run did not fail.
 */
export function everyRunFailedMessage(runs: readonly BenchRun[]): string | null {
    if (runs.length === 0 || runs.some((run) => run.status !== "failed")) return null;
    const reasonsByModel = new Map<string, {name: string; reasons: string[]}>();
    for (const run of runs) {
        const entry = reasonsByModel.get(run.model.path) ?? {name: modelLabelOf(run.model), reasons: []};
        const reason = (run.failure?.reason ?? "unknown failure").replace(/\s*\n\s*/g, " ").replace(/\.\s*$/, "");
        if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
        reasonsByModel.set(run.model.path, entry);
    }
    const describe = ({reasons}: {reasons: string[]}, max: number) => {
        const first = reasons[0]!;
        const cut = first.length > max ? `${first.slice(0, max - 1)}…` : first;
        return reasons.length === 1
            ? cut
            : `${cut} (and ${reasons.length - 1} other reason${reasons.length === 2 ? "" : "s"})`;
    };
    const models = [...reasonsByModel.values()];
    const count = `${runs.length} of ${runs.length} run${runs.length === 1 ? "" : "s"}`;
    if (models.length === 1)
        return `Every run of ${models[0]!.name} failed (${count}): ${describe(models[0]!, MAX_REASON_CHARS.one)}.`;
    const shown = models.slice(0, 3).map((model) => `${model.name}: ${describe(model, MAX_REASON_CHARS.each)}`);
    const more = models.length > 3 ? `; and ${models.length - 3} more model${models.length === 4 ? "" : "s"}` : "";
    return `Every run failed (${count}, ${models.length} models): ${shown.join("; ")}${more}.`;
}

function unsteadiness(run: BenchRun): number {
    return worstRelativeHalfWidth([run.pp?.tokensPerSecond ?? null, run.tg?.tokensPerSecond ?? null, run.ttftMs]);
}

function modelLabelOf(facts: ModelFacts): string {
    if (facts.twin === null) return facts.fileName;
    return facts.twin.modelId === null ? `${facts.fileName} (twin)` : `twin:${facts.twin.modelId}:${facts.twin.quant}`;
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
        reference: null,
        attempts: 1
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
    const ttftMs = outcome.ttftMs.length > 0 ? summarize(outcome.ttftMs) : null;
    const noisy = [pp?.tokensPerSecond ?? null, tg?.tokensPerSecond ?? null, ttftMs].some(isNoisy);
    return {
        ...base,
        status: noisy ? "noisy" : "ok",
        failure: null,
        engine: outcome.engine,
        pp,
        tg,
        ttftMs,
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
async function checkModels(models: readonly (string | ResolvedModel)[]): Promise<ResolvedModel[]> {
    if (models.length === 0)
        throw new UserError("Give at least one model file to benchmark.", {exitCode: ExitCode.usage});
    const resolved: ResolvedModel[] = [];
    const problems: string[] = [];
    for (const model of models) {
        const entry = typeof model === "string" ? {path: model, ref: null, twin: null} : model;
        const path = resolve(entry.path);
        const info = await stat(path).catch(() => null);
        if (info === null) problems.push(`No such model file: ${entry.path}`);
        else if (!info.isFile()) problems.push(`${entry.path} is not a file; give the path of a .gguf model`);
        else resolved.push({...entry, path});
    }
    if (problems.length > 0)
        throw new UserError(
            problems.length === 1
                ? `${problems[0]}; nothing was measured.`
                : `${problems.length} inputs cannot be benchmarked (nothing was measured): ${problems.join("; ")}.`,
            {exitCode: ExitCode.usage}
        );
    return resolved;
}

/** File facts always; header facts when the GGUF header reads, else the reason it does not. */
async function readModelFacts(model: ResolvedModel): Promise<{facts: ModelFacts; headerError: string | null}> {
    const path = model.path;
    const fileBytes = (await stat(path)).size;
    const {sha256} = await modelSha256(path, {
        onHashing: (_path, bytes) =>
            logInfo(
                `hashing ${basename(path)} (SHA-256 of ${(bytes / 1e9).toFixed(2)} GB, once; later runs reuse it) …`
            )
    });
    const facts: ModelFacts = {
        fileName: basename(path),
        path,
        fileBytes,
        sha256,
        architecture: null,
        modelName: null,
        parameterCount: null,
        quantType: null,
        ref: model.ref,
        twin: model.twin
    };
    try {
        const {inspectGguf} = await import("../gguf/inspect.js");
        const header = await inspectGguf(path);
        facts.fileBytes = header.fileBytes;
        facts.architecture = header.architecture;
        facts.modelName = header.modelName;
        facts.parameterCount = header.parameterCount;
        facts.quantType = header.fileType;
        if (facts.twin === null && header.description?.startsWith(TWIN_DESCRIPTION_PREFIX))
            facts.twin = {modelId: null, quant: null};
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
 * The progress of one run on stderr. On a terminal one line is rewritten in place with the child's
 * progress and the suite's bar and ETA (hyperfine-style); elsewhere (logs, CI) only a start line
 * and a result line are written, with no bar.
 */
function progressLine(
    label: string,
    live: boolean,
    progress: SuiteProgress
): {update: (message: string) => void; done: (line: string) => void} {
    if (!live) {
        logInfo(`${label} …`);
        return {update: () => {}, done: (line) => logInfo(line)};
    }
    // One terminal line, cut to the terminal's width: a wrapped line could not be redrawn in place.
    const draw = (message: string) => {
        const line = `${label} … ${message}  ${progress.line()}`;
        const width = process.stderr.columns ?? 0;
        process.stderr.write(`\r\u001b[K${width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line}`);
    };
    draw("starting");
    return {
        update: draw,
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
    if (new Set(lists.useMmap).size > 1 || !config.useMmap) parts.push(`mmap=${config.useMmap ? 1 : 0}`);
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
    if (run.status === "noisy") parts.push("NOISY (95% CI over ±20% of the mean)");
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
            "--cross-check: llama-bench was not found (set LLAMA_BENCH=/path/to/llama-bench, or run `npm run bench:reference` once to build " +
                "it); measuring without it."
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
