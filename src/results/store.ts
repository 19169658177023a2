import {readdir, readFile} from "node:fs/promises";
import {join, resolve} from "node:path";
import {writeFileAtomic} from "../util/atomic-write.js";
import {UserError, errorMessage} from "../util/errors.js";
import {BenchReportSchema, BenchRunSchema, type BenchReport, type BenchRun} from "./schema.js";

/**
 * The results store: one JSON file per run under `results/` (or LLMPROOF_RESULTS_DIR, or an
 * explicit directory). Each run is saved the moment it finishes, with an atomic write, so an
 * interrupted suite keeps everything it measured and never leaves a half-written file.
 */
export const RESULTS_DIR_ENV = "LLMPROOF_RESULTS_DIR";

export function resolveResultsDirectory(explicit?: string): string {
    return resolve(explicit ?? process.env[RESULTS_DIR_ENV] ?? "results");
}

/** "2025-06-01T12-30-05Z_qwen2.5-0.5b-q4_0_pp512-d1024_t2_b2048_ub512_ngl0_fa0_1a2b3c4d.json" */
export function runFileName(run: BenchRun): string {
    const date = run.date.replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
    const model = slug(run.model.fileName.replace(/\.gguf$/i, ""));
    const test = slug(run.test.replace(/ @ /g, "-"));
    const config = run.config;
    return `${[
        date,
        model,
        test,
        `t${config.threads}`,
        `b${config.batchSize}`,
        `ub${config.ubatchSize}`,
        `ngl${config.gpuLayers}`,
        `fa${config.flashAttention ? 1 : 0}`,
        slug(run.id).slice(0, 8)
    ].join("_")}.json`;
}

/** Save one run; returns the file's path. */
export async function saveRun(run: BenchRun, directory: string): Promise<string> {
    const validated = BenchRunSchema.parse(run);
    const path = join(directory, runFileName(validated));
    await writeFileAtomic(path, `${JSON.stringify(validated, null, 2)}\n`);
    return path;
}

/** Save a whole report as one file (for callers that want a single file). */
export async function saveReport(report: BenchReport, path: string): Promise<void> {
    const validated = BenchReportSchema.parse(report);
    await writeFileAtomic(path, `${JSON.stringify(validated, null, 2)}\n`);
}

/** Read one result file: a single run, a report `{runs}`, or JSONL with one run per line. */
export async function loadResultFile(path: string): Promise<BenchRun[]> {
    let text: string;
    try {
        text = await readFile(path, "utf8");
    } catch (error) {
        throw new UserError(`Cannot read the result file ${path} (${errorMessage(error)}).`, {cause: error});
    }
    return parseResults(text, path);
}

export function parseResults(text: string, source: string): BenchRun[] {
    const trimmed = text.trim();
    let values: unknown[];
    try {
        values =
            trimmed.startsWith("{") && !looksLikeJsonLines(trimmed)
                ? [JSON.parse(trimmed)]
                : trimmed
                      .split(/\r?\n/)
                      .filter((line) => line.trim() !== "")
                      .map((line) => JSON.parse(line));
    } catch (error) {
        throw new UserError(`The result file ${source} is not valid JSON (${errorMessage(error)}).`, {cause: error});
    }
    const runs: BenchRun[] = [];
    for (const value of values) {
        const isReport = typeof value === "object" && value !== null && "runs" in value;
        const result = isReport ? BenchReportSchema.safeParse(value) : BenchRunSchema.safeParse(value);
        if (!result.success) {
            const issue = result.error.issues[0];
            throw new UserError(
                `The result file ${source} does not match the llmproof bench schema (${issue?.path.join(".") || "root"}: ${issue?.message}).`
            );
        }
        if ("runs" in result.data) runs.push(...result.data.runs);
        else runs.push(result.data);
    }
    return runs;
}

/** The result files in a directory, oldest first (file names start with the date). */
export async function listResultFiles(directory: string): Promise<string[]> {
    let names: string[];
    try {
        names = await readdir(directory);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw error;
    }
    return names
        .filter((name) => name.endsWith(".json") && !name.startsWith("."))
        .sort()
        .map((name) => join(directory, name));
}

/** Every run saved in a directory, validated. */
export async function loadRuns(directory: string): Promise<BenchRun[]> {
    const runs: BenchRun[] = [];
    for (const path of await listResultFiles(directory)) runs.push(...(await loadResultFile(path)));
    return runs;
}

function looksLikeJsonLines(text: string): boolean {
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
    if (lines.length < 2) return false;
    try {
        JSON.parse(lines[0]!);
        return true;
    } catch {
        return false;
    }
}

function slug(text: string): string {
    return (
        text
            .toLowerCase()
            .replace(/[^a-z0-9.+-]+/g, "-")
            .replace(/^-+|-+$/g, "") || "x"
    );
}
