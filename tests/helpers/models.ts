import {mkdirSync, rmSync, existsSync, readdirSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createHash} from "node:crypto";
import {writeTwinGguf, writeGgufFromTensors, makeRandomWeights} from "../../src/gguf/synth.js";
import type {TwinReport} from "../../src/gguf/twin-report.js";
import {findShapePreset} from "../../src/gguf/shape-presets.js";
import type {ModelShapeInput} from "../../src/gguf/shape.js";
import type {ExactType} from "../../src/gguf/quantize.js";

/**
 * Test models made on the spot with the synth writer (no downloads, no ../shared). Files live in
 * one temporary folder per test process, removed when it exits (or, since test workers are not
 * always let exit normally, by the next test process that finds its owner gone); the same request
 * within a process returns the same file.
 */

const DIR_PREFIX = "llmproof-test-models-";
let modelsDir: string | undefined;

function isProcessAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Remove the folders of earlier test processes that are gone. */
function removeOrphanedModelDirs(): void {
    let entries: string[];
    try {
        entries = readdirSync(tmpdir());
    } catch {
        return;
    }
    for (const entry of entries) {
        if (!entry.startsWith(DIR_PREFIX)) continue;
        const pid = Number(entry.slice(DIR_PREFIX.length));
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isProcessAlive(pid))
            rmSync(join(tmpdir(), entry), {recursive: true, force: true});
    }
}

export function testModelsDir(): string {
    if (!modelsDir) {
        removeOrphanedModelDirs();
        modelsDir = join(tmpdir(), `${DIR_PREFIX}${process.pid}`);
        mkdirSync(modelsDir, {recursive: true});
        const dir = modelsDir;
        process.once("exit", () => rmSync(dir, {recursive: true, force: true}));
    }
    return modelsDir;
}

export interface TestTwinOptions {
    /** A twin recipe: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K, Q4_K_M, ... Default Q8_0. */
    quant?: string;
    /** A shape preset name; default "tiny-test" (llama, hidden 256, 2 layers, vocab 512). */
    preset?: string;
    /** A full shape instead of a preset. */
    shape?: ModelShapeInput;
    seed?: number;
}

const reports = new Map<string, Promise<TwinReport>>();

function keyOf(parts: unknown): string {
    return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);
}

/** Write (once per process) a twin and return its report; `report.path` is the GGUF file. */
export function makeTestTwinReport(options: TestTwinOptions = {}): Promise<TwinReport> {
    const quant = options.quant ?? "Q8_0";
    const shape = options.shape ?? findShapePreset(options.preset ?? "tiny-test").shape;
    const seed = options.seed ?? 42;
    const label = (options.preset ?? (options.shape ? "custom" : "tiny-test")).replace(/[^a-z0-9.-]/gi, "_");
    const key = keyOf({kind: "twin", quant, shape, seed});
    let report = reports.get(key);
    if (!report || !existsSync(join(testModelsDir(), `${label}-${quant}-${key}.gguf`))) {
        report = writeTwinGguf({
            shape,
            quant,
            seed,
            outputPath: join(testModelsDir(), `${label}-${quant}-${key}.gguf`),
            name: `${label} twin`
        });
        reports.set(key, report);
    }
    return report;
}

/** Path of a cached twin GGUF for tests. */
export async function makeTestTwin(options: TestTwinOptions = {}): Promise<string> {
    return (await makeTestTwinReport(options)).path;
}

export interface TestModelFromWeightsOptions {
    quant: ExactType;
    preset?: string;
    shape?: ModelShapeInput;
    /** Seed of the random F32 weights; the same seed gives the same weights for every quant. */
    seed?: number;
}

/**
 * A model with known random F32 weights stored as `quant` with llama.cpp's reference rounding, so
 * that F32/F16/Q8_0/Q4_0 files of the same weights can be compared (quality measurement).
 */
export function makeTestModelFromWeights(options: TestModelFromWeightsOptions): Promise<TwinReport> {
    const shape = options.shape ?? findShapePreset(options.preset ?? "tiny-test").shape;
    const seed = options.seed ?? 7;
    const label = (options.preset ?? (options.shape ? "custom" : "tiny-test")).replace(/[^a-z0-9.-]/gi, "_");
    const key = keyOf({kind: "weights", quant: options.quant, shape, seed});
    let report = reports.get(key);
    const outputPath = join(testModelsDir(), `${label}-weights${seed}-${options.quant}-${key}.gguf`);
    if (!report || !existsSync(outputPath)) {
        report = writeGgufFromTensors({
            outputPath,
            shape,
            quant: options.quant,
            weights: makeRandomWeights(shape, seed),
            name: `${label} random weights`
        });
        reports.set(key, report);
    }
    return report;
}
