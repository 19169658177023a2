import {stat} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {EngineInfo} from "../results/config.js";
import {errorMessage} from "../util/errors.js";
import {logInfo} from "../util/log.js";
import type {MeasurementRequest} from "./protocol.js";
import {llamaBenchOnLibraries, runReferenceForRequest} from "./reference.js";

/**
 * The validation harness behind `npm run bench:reference`: llama-bench and llmproof on the same
 * twin, round after round, with each round's ratio. Only that script uses it.
 */

/** Within this fraction of llama-bench counts as agreeing (the bar in the issue: ±3%). */
export const AGREEMENT_TOLERANCE = 0.03;

export interface ComparisonOptions {
    modelPath: string;
    threads: number[];
    nPrompt: number;
    nGen: number;
    /** Repetitions per llama-bench call and per llmproof child. */
    repetitions: number;
    /** Interleaved rounds; within each, the order of the tools rotates. */
    rounds: number;
    llamaBench: string;
    flashAttention?: boolean;
    /**
     * Also run llama-bench on the llama.cpp libraries llmproof's engine loaded (Linux), which separates
     * the measuring method from the binary build (prebuilt node-llama-cpp vs. a native llama-bench build).
     */
    sameLibraries?: boolean;
    /** Environment for llmproof's measuring child (on top of the fix the runner applies). */
    childEnv?: NodeJS.ProcessEnv;
    timeoutMs?: number;
}

export interface ComparisonRow {
    test: string;
    threads: number;
    llamaBench: number[];
    llmproof: number[];
    /** llama-bench's method on the engine's own libraries (only with `sameLibraries`). */
    llamaBenchOnEngineLibraries: number[];
    /** mean(llmproof) / mean(llama-bench) */
    ratio: number | null;
    /** mean(llmproof) / mean(llama-bench on the engine's libraries) */
    ratioSameLibraries: number | null;
    /**
     * mean(llmproof) / mean(llama-bench) within each round, where the two ran minutes apart at most.
     * A shared machine drifts by a few percent between rounds; these show whether a gap is the engine or the drift.
     */
    roundRatios: number[];
    /** `ratio` within ±AGREEMENT_TOLERANCE. */
    pass: boolean;
}

export interface ComparisonReport {
    modelPath: string;
    llamaBench: string;
    llamaBenchBuild: string | null;
    engine: EngineInfo | null;
    /** The folder of llama.cpp libraries the engine ran on, when known. */
    engineLibraries: string | null;
    rows: ComparisonRow[];
    failures: string[];
}

/**
 * Measure the same model with llama-bench and with llmproof's measuring child, interleaved (per round
 * and thread count, one run of each tool, the order rotating between rounds), and compare the mean
 * tokens/sec per test and thread count.
 */
export async function compareWithLlamaBench(
    options: ComparisonOptions,
    onProgress: (message: string) => void = logInfo
): Promise<ComparisonReport> {
    const {runMeasurementInChild} = await import("./child-runner.js");
    const {ENGINE_LIBRARIES_NOTE_PREFIX} = await import("./engine.js");
    type Tool = "llamaBench" | "llmproof" | "llamaBenchOnEngineLibraries";
    type Slot = Record<Tool, number[]> & {
        test: string;
        threads: number;
        byRound: Array<{llamaBench: number[]; llmproof: number[]}>;
    };
    const samples = new Map<string, Slot>();
    const slot = (test: string, threads: number) => {
        const key = `${test}/${threads}`;
        let entry = samples.get(key);
        if (!entry)
            samples.set(
                key,
                (entry = {test, threads, llamaBench: [], llmproof: [], llamaBenchOnEngineLibraries: [], byRound: []})
            );
        return entry;
    };
    /** Record samples of one tool, overall and for the round they belong to. */
    const record = (test: string, threads: number, tool: Tool, round: number, values: number[]) => {
        const entry = slot(test, threads);
        entry[tool].push(...values);
        if (tool === "llamaBenchOnEngineLibraries") return;
        entry.byRound[round] ??= {llamaBench: [], llmproof: []};
        entry.byRound[round][tool].push(...values);
    };
    const failures: string[] = [];
    let build: string | null = null;
    let engine: EngineInfo | null = null;
    let engineLibraries: string | null = null;
    let sameLibrariesBench: Awaited<ReturnType<typeof llamaBenchOnLibraries>> | null = null;
    const ppName = `pp${options.nPrompt}`;
    const tgName = `tg${options.nGen}`;

    try {
        for (let round = 0; round < options.rounds; round++) {
            for (const threads of options.threads) {
                const request: MeasurementRequest = {
                    modelPath: options.modelPath,
                    config: {
                        threads,
                        nPrompt: options.nPrompt,
                        nGen: options.nGen,
                        depth: 0,
                        batchSize: 2048,
                        ubatchSize: 512,
                        gpuLayers: 0,
                        flashAttention: options.flashAttention ?? false,
                        useMmap: true
                    },
                    policy: {warmup: 1, repetitions: options.repetitions, adaptive: null},
                    measureTtft: false,
                    measureLoad: false,
                    gpu: "cpu"
                };
                const label = `round ${round + 1}/${options.rounds}, ${threads} thread(s)`;
                const runReference = async (tool: "llamaBench" | "llamaBenchOnEngineLibraries") => {
                    const target =
                        tool === "llamaBench" ? {binary: options.llamaBench, env: undefined} : sameLibrariesBench;
                    if (target === null) return;
                    onProgress(`${label}: llama-bench${tool === "llamaBench" ? "" : " on the engine's libraries"} …`);
                    try {
                        const reference = await runReferenceForRequest(
                            target.binary,
                            request,
                            options.timeoutMs,
                            target.env
                        );
                        if (tool === "llamaBench") build = reference.build;
                        record(ppName, threads, tool, round, reference.ppTokensPerSecond);
                        record(tgName, threads, tool, round, reference.tgTokensPerSecond);
                    } catch (error) {
                        failures.push(`${tool}, ${threads} thread(s), round ${round + 1}: ${errorMessage(error)}`);
                    }
                };
                const runOurs = async () => {
                    onProgress(`${label}: llmproof …`);
                    const outcome = await runMeasurementInChild(request, {
                        timeoutMs: options.timeoutMs ?? 30 * 60 * 1000,
                        env: options.childEnv
                    });
                    if (!outcome.ok) {
                        failures.push(
                            `llmproof, ${threads} thread(s), round ${round + 1}: ${outcome.kind}: ${outcome.reason}`
                        );
                        return;
                    }
                    engine = outcome.engine;
                    record(ppName, threads, "llmproof", round, outcome.ppTokensPerSecond);
                    record(tgName, threads, "llmproof", round, outcome.tgTokensPerSecond);
                    const librariesNote = outcome.engine.notes.find((note) =>
                        note.startsWith(ENGINE_LIBRARIES_NOTE_PREFIX)
                    );
                    if (options.sameLibraries && sameLibrariesBench === null && librariesNote !== undefined) {
                        engineLibraries = librariesNote.slice(ENGINE_LIBRARIES_NOTE_PREFIX.length);
                        try {
                            sameLibrariesBench = await llamaBenchOnLibraries(options.llamaBench, engineLibraries);
                        } catch (error) {
                            failures.push(`llama-bench on the engine's libraries: ${errorMessage(error)}`);
                            options = {...options, sameLibraries: false};
                        }
                    }
                };
                const steps = [
                    () => runReference("llamaBench"),
                    runOurs,
                    () => runReference("llamaBenchOnEngineLibraries")
                ];
                // Rotate the order so that no tool always runs first (or right after another) in a round.
                const shift = (round + threads) % steps.length;
                for (const step of [...steps.slice(shift), ...steps.slice(0, shift)]) await step();
            }
        }
    } finally {
        await (sameLibrariesBench as Awaited<ReturnType<typeof llamaBenchOnLibraries>> | null)?.dispose();
    }

    const ratioOf = (ours: number[], theirs: number[]) =>
        ours.length > 0 && theirs.length > 0 ? average(ours) / average(theirs) : null;
    const rows: ComparisonRow[] = [...samples.values()].map(({byRound, ...entry}) => {
        const ratio = ratioOf(entry.llmproof, entry.llamaBench);
        return {
            ...entry,
            roundRatios: byRound
                .flatMap((round) => (round === undefined ? [] : [ratioOf(round.llmproof, round.llamaBench)]))
                .filter((value): value is number => value !== null),
            ratio,
            ratioSameLibraries: ratioOf(entry.llmproof, entry.llamaBenchOnEngineLibraries),
            pass: ratio !== null && Math.abs(ratio - 1) <= AGREEMENT_TOLERANCE
        };
    });
    return {
        modelPath: options.modelPath,
        llamaBench: options.llamaBench,
        llamaBenchBuild: build,
        engine,
        engineLibraries,
        rows,
        failures
    };
}

function average(values: number[]): number {
    return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The reference twin: a Qwen2.5-0.5B-shaped Q4_0 GGUF with random weights, written once. */
export async function ensureReferenceTwin(path?: string): Promise<string> {
    const target = path ?? join(tmpdir(), "llmproof-reference", "qwen2.5-0.5b-Q4_0.gguf");
    if (
        await stat(target).then(
            (info) => info.isFile(),
            () => false
        )
    )
        return target;
    const {writeTwinGguf} = await import("../gguf/synth.js");
    const {findShapePreset} = await import("../gguf/shape-presets.js");
    logInfo(`writing the Qwen2.5-0.5B-shaped Q4_0 twin to ${target} …`);
    await writeTwinGguf({shape: findShapePreset("qwen2.5-0.5b").shape, quant: "Q4_0", outputPath: target});
    return target;
}
