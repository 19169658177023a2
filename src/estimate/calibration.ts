import {mkdtemp, readFile, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {z} from "zod";
import {userCacheDir} from "../util/paths.js";
import {ProvenanceSchema} from "../results/schema.js";
import {writeFileAtomic} from "../util/atomic-write.js";
import {UserError, errorMessage} from "../util/errors.js";
import {logInfo, logWarning} from "../util/log.js";
import {findShapePreset} from "../gguf/shape-presets.js";
import type {ModelShapeInput} from "../gguf/shape.js";
import {bytesPerTokenFromShape} from "../gguf/bytes-per-token.js";
import {bytesReadPerGeneratedToken, calibratedTokensPerSecond, fitCalibratedCost, meanDepth} from "./roofline.js";

/**
 * Calibration of this machine: the read bandwidth its cores reach (a short kernel run) and what
 * llama.cpp's token generation reaches of it (tg on shape-twins of a few sizes, through the bench
 * engine). Stored with the machine's provenance in the user's cache, so `estimate` on this machine
 * predicts from measured figures, and a calibration made on other hardware or another llama.cpp
 * is noticed.
 */

export const CALIBRATION_SCHEMA_VERSION = 1;

export const CalibrationPointSchema = z.object({
    label: z.string(),
    quant: z.string(),
    fileBytes: z.number().int().positive(),
    /** Weights plus mean KV read per generated token, bytes. */
    bytesPerToken: z.number().positive(),
    layers: z.number().int().positive(),
    nGen: z.number().int().positive(),
    tokensPerSecond: z.number().positive(),
    samples: z.array(z.number().positive()),
    /** Parameters a token uses, and prompt processing of nPrompt tokens (null when not measured). */
    activeParameters: z.number().positive(),
    nPrompt: z.number().int().nonnegative(),
    ppTokensPerSecond: z.number().positive().nullable()
});

export const CalibrationSchema = z.object({
    schemaVersion: z.literal(CALIBRATION_SCHEMA_VERSION),
    /** ISO 8601. */
    date: z.string(),
    provenance: ProvenanceSchema.omit({backend: true}),
    backend: z.literal("cpu"),
    threads: z.number().int().positive(),
    kernel: z.object({
        method: z.string(),
        bytesPerSecond: z.number().positive(),
        passes: z.array(z.number().positive())
    }),
    points: z.array(CalibrationPointSchema).min(2),
    fit: z.object({
        /** Bandwidth llama.cpp's generation reaches here, bytes/sec. */
        effectiveBandwidth: z.number().positive(),
        secondsPerLayer: z.number().nonnegative(),
        /** effectiveBandwidth / kernel bandwidth. */
        fractionOfKernel: z.number().positive()
    }),
    /** Operations/sec prompt processing reached (2 x active parameters x pp tokens/sec), lowest and highest point. */
    ppOpsPerSecond: z.object({low: z.number().positive(), high: z.number().positive()}).nullable()
});

export type CalibrationPoint = z.infer<typeof CalibrationPointSchema>;
export type Calibration = z.infer<typeof CalibrationSchema>;

/** `$LLMPROOF_CALIBRATION`, else calibration.json in llmproof's cache folder (beside models/). */
export function calibrationPath(env: NodeJS.ProcessEnv = process.env): string {
    const configured = env.LLMPROOF_CALIBRATION?.trim();
    if (configured != null && configured !== "") return configured;
    return userCacheDir("calibration.json", env);
}

/** The stored calibration, or null when there is none (an unreadable or invalid file is a warning). */
export async function loadCalibration(env: NodeJS.ProcessEnv = process.env): Promise<Calibration | null> {
    const path = calibrationPath(env);
    let text: string;
    try {
        text = await readFile(path, "utf8");
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        logWarning(`cannot read the calibration ${path}: ${errorMessage(error)}`);
        return null;
    }
    try {
        return CalibrationSchema.parse(JSON.parse(text));
    } catch {
        logWarning(
            `ignoring ${path}: not a calibration this llmproof can read (run \`llmproof estimate --calibrate\`).`
        );
        return null;
    }
}

export async function saveCalibration(calibration: Calibration, env: NodeJS.ProcessEnv = process.env): Promise<string> {
    const path = calibrationPath(env);
    await writeFileAtomic(path, `${JSON.stringify(CalibrationSchema.parse(calibration), null, 2)}\n`);
    return path;
}

/** Why a stored calibration does not describe this machine and engine any more, or null when it does. */
export function calibrationMismatch(
    calibration: Calibration,
    current: Pick<Calibration["provenance"], "cpu" | "ramBytes" | "llamaCppRelease">
): string | null {
    const stored = calibration.provenance;
    if (stored.cpu.model !== current.cpu.model || stored.cpu.logicalCores !== current.cpu.logicalCores)
        return (
            `it was made on ${stored.cpu.model} (${stored.cpu.logicalCores} threads), ` +
            `this machine is ${current.cpu.model} (${current.cpu.logicalCores} threads)`
        );
    if (Math.abs(stored.ramBytes - current.ramBytes) > 0.05 * current.ramBytes)
        return "this machine's memory size changed since";
    if (stored.llamaCppRelease !== current.llamaCppRelease)
        return `it was made with llama.cpp ${stored.llamaCppRelease}, the engine is now ${current.llamaCppRelease}`;
    return null;
}

function ppOpsRange(points: readonly CalibrationPoint[]): Calibration["ppOpsPerSecond"] {
    const ops = points
        .filter((point) => point.ppTokensPerSecond != null)
        .map((point) => 2 * point.activeParameters * point.ppTokensPerSecond!);
    return ops.length === 0 ? null : {low: Math.min(...ops), high: Math.max(...ops)};
}

/** Predicted tg on this machine for a model of these bytes and layers, tokens/sec. */
export function predictCalibratedTg(calibration: Calibration, bytesPerToken: number, layers: number): number {
    return calibratedTokensPerSecond(calibration.fit, bytesPerToken, layers);
}

// ---------------------------------------------------------------------------------------------
// Twins the calibration measures, and the ones bench:roofline holds out
// ---------------------------------------------------------------------------------------------

export interface TwinSpec {
    label: string;
    shape: ModelShapeInput;
    quant: string;
}

function preset(name: string, quant: string): TwinSpec {
    return {label: `${name} ${quant}`, shape: findShapePreset(name).shape, quant};
}

/**
 * Three sizes that span what this machine can run in a minute: 0.14 GB in 30 thin layers (where the
 * per-layer cost dominates), 1.1 GB, and 2.5 GB (where the bandwidth does). Predictions inside the
 * range are interpolations; a set of three neighbouring sizes (0.35-1.1 GB, the first version)
 * left both ends to extrapolation and missed them by 35% and 19%.
 */
export function calibrationTwins(): TwinSpec[] {
    return [preset("smollm2-135m", "Q8_0"), preset("tinyllama-1.1b", "Q8_0"), preset("qwen3-4b", "Q4_K_M")];
}

export interface CalibrateOptions {
    threads: number;
    /** Generated tokens per run (default 64) and counted runs per twin (default 3). */
    nGen?: number;
    /** Prompt tokens of the pp test (default 128; 0 skips it). */
    nPrompt?: number;
    repetitions?: number;
    /** Interleaved rounds (default 2). */
    rounds?: number;
    twins?: TwinSpec[];
    env?: NodeJS.ProcessEnv;
}

/** Measure this machine and store the result; returns it and where it went. */
export async function calibrate(options: CalibrateOptions): Promise<{calibration: Calibration; path: string}> {
    const [{measureReadBandwidth}, {collectProvenance}] = await Promise.all([
        import("./kernel.js"),
        import("../system/provenance.js")
    ]);
    const provenance = await collectProvenance();
    logInfo(`calibration: read-bandwidth kernel on ${options.threads} thread(s) …`);
    const kernel = await measureReadBandwidth({threads: options.threads});
    logInfo(
        `calibration: kernel ${(kernel.bestBytesPerSecond / 1e9).toFixed(1)} GB/s (best of ${kernel.passes.length})`
    );
    const points = await measureTwins({
        twins: options.twins ?? calibrationTwins(),
        threads: options.threads,
        nGen: options.nGen ?? 64,
        nPrompt: options.nPrompt ?? 128,
        repetitions: options.repetitions ?? 3,
        rounds: options.rounds
    });
    const fit = fitCalibratedCost(points);
    const calibration: Calibration = {
        schemaVersion: CALIBRATION_SCHEMA_VERSION,
        date: new Date().toISOString(),
        provenance,
        backend: "cpu",
        threads: options.threads,
        kernel: {method: kernel.method, bytesPerSecond: kernel.bestBytesPerSecond, passes: kernel.passes},
        points,
        fit: {...fit, fractionOfKernel: fit.effectiveBandwidth / kernel.bestBytesPerSecond},
        ppOpsPerSecond: ppOpsRange(points)
    };
    const path = await saveCalibration(calibration, options.env);
    return {calibration, path};
}

export interface MeasureTwinsOptions {
    twins: TwinSpec[];
    threads: number;
    nGen: number;
    /** 0 skips prompt processing. */
    nPrompt: number;
    repetitions: number;
    /** Interleaved rounds (default 2); each twin keeps its best round. */
    rounds?: number;
    /** Folder for the twin files; default a temporary folder removed afterwards. */
    directory?: string;
}

/**
 * Write each twin, then measure tg (and pp) through the bench engine (one child process per twin
 * and round), rounds interleaved; each twin's figure is the best of its per-round means, as STREAM
 * reports its best pass: other work on a shared machine only ever slows a run down.
 */
export async function measureTwins(options: MeasureTwinsOptions): Promise<CalibrationPoint[]> {
    const [{writeTwinGguf}, {runBench}] = await Promise.all([import("../gguf/synth.js"), import("../bench/index.js")]);
    const directory = options.directory ?? (await mkdtemp(join(tmpdir(), "llmproof-calibration-")));
    try {
        const written = [];
        for (const twin of options.twins) {
            const path = join(directory, `${twin.label.replace(/[^a-z0-9.-]+/gi, "_")}.gguf`);
            logInfo(`calibration: writing the ${twin.label} twin …`);
            const report = await writeTwinGguf({shape: twin.shape, quant: twin.quant, outputPath: path});
            written.push({twin, path, report, tg: [] as number[], samples: [] as number[], pp: [] as number[]});
        }
        for (let round = 0; round < (options.rounds ?? 2); round++) {
            for (const entry of written) {
                const outcome = await runBench({
                    models: [entry.path],
                    sweep: {threads: [options.threads], nPrompt: [options.nPrompt], nGen: [options.nGen], depth: [0]},
                    policy: {warmup: 1, repetitions: options.repetitions, adaptive: null},
                    measureTtft: false,
                    gpu: "cpu",
                    crossCheck: false,
                    save: false
                });
                const run = outcome.report.runs.find((candidate) => candidate.config.nGen > 0);
                const ppRun = outcome.report.runs.find((candidate) => candidate.config.nPrompt > 0);
                if (run?.tg == null)
                    throw new UserError(
                        `Calibration could not measure the ${entry.twin.label} twin: ${run?.failure?.reason ?? "no result"}.`
                    );
                entry.tg.push(run.tg.tokensPerSecond.mean);
                entry.samples.push(...run.tg.samples);
                if (ppRun?.pp != null) entry.pp.push(ppRun.pp.tokensPerSecond.mean);
            }
        }
        return written.map((entry) => {
            const bytes = bytesPerTokenFromShape(entry.twin.shape, entry.twin.quant);
            return {
                label: entry.twin.label,
                quant: entry.twin.quant,
                fileBytes: entry.report.fileBytes,
                bytesPerToken: bytesReadPerGeneratedToken(
                    bytes.readBytesPerToken,
                    bytes.kvBytesPerToken,
                    meanDepth(0, options.nGen)
                ),
                layers: entry.report.shape.layers,
                nGen: options.nGen,
                tokensPerSecond: Math.max(...entry.tg),
                samples: entry.samples,
                activeParameters: bytes.activeParameters,
                nPrompt: options.nPrompt,
                ppTokensPerSecond: entry.pp.length === 0 ? null : Math.max(...entry.pp)
            };
        });
    } finally {
        if (options.directory == null) await rm(directory, {recursive: true, force: true});
    }
}
