import {mkdir, readdir, readFile, rm, statfs, writeFile} from "node:fs/promises";
import {join, resolve} from "node:path";
import {writeFileAtomic} from "../util/atomic-write.js";
import {UserError, errorMessage} from "../util/errors.js";
import {ExitCode} from "../util/exit-codes.js";
import {userDataDir} from "../util/paths.js";
import {formatBytes} from "../util/units.js";
import {BenchReportSchema, BenchRunSchema, type BenchReport, type BenchRun} from "./schema.js";

/**
 * The results store: one JSON file per run in the user's data folder (XDG: $XDG_DATA_HOME or
 * ~/.local/share, then llmproof/results), or LLMPROOF_RESULTS_DIR, or an explicit directory (the
 * project's own runs go to its `results/` with --results-dir). Each run is saved the moment it
 * finishes, with an atomic write, so an interrupted suite keeps everything it measured and never
 * leaves a half-written file.
 */
export const RESULTS_DIR_ENV = "LLMPROOF_RESULTS_DIR";

export function resolveResultsDirectory(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
    const configured = env[RESULTS_DIR_ENV]?.trim();
    return resolve(explicit ?? (configured ? configured : userDataDir("results", env)));
}

/** Below this much free space a results folder is refused before anything is measured. */
export const MIN_FREE_RESULTS_BYTES = 16 * 1024 * 1024;

/**
 * Check, before measuring, that results can be saved in `directory`: it can be created, a file can
 * be written in it, and its filesystem has some free space. A problem is the user's to fix and
 * ends the run with ExitCode.notSaved before any measurement is lost.
 */
export async function checkResultsDirectory(
    directory: string,
    options: {freeBytes?: (dir: string) => Promise<number>; minFreeBytes?: number} = {}
): Promise<void> {
    const fail = (why: string, cause?: unknown) =>
        new UserError(
            `Cannot save results in ${directory}: ${why}; choose another folder with --results-dir ` +
                "(or LLMPROOF_RESULTS_DIR), or measure without saving with --no-save.",
            {exitCode: ExitCode.notSaved, cause}
        );
    try {
        await mkdir(directory, {recursive: true});
    } catch (error) {
        throw fail(`the folder cannot be created (${errorMessage(error)})`, error);
    }
    const probe = join(directory, `.llmproof-write-check.${process.pid}.tmp`);
    try {
        await writeFile(probe, "");
    } catch (error) {
        throw fail(`it is not writable (${errorMessage(error)})`, error);
    } finally {
        await rm(probe, {force: true}).catch(() => undefined);
    }
    const minimum = options.minFreeBytes ?? MIN_FREE_RESULTS_BYTES;
    let free: number | null = null;
    try {
        free = await (options.freeBytes ?? freeBytesOf)(directory);
    } catch {
        free = null; // statfs is not available everywhere; the write check above still holds.
    }
    if (free !== null && free < minimum)
        throw fail(`only ${formatBytes(free)} is free there (at least ${formatBytes(minimum)} needed)`);
}

async function freeBytesOf(directory: string): Promise<number> {
    const stats = await statfs(directory);
    return Number(stats.bavail) * Number(stats.bsize);
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
        // Only when off, so that the names of runs with llama-bench's default stay as they were.
        ...(config.useMmap ? [] : ["mmp0"]),
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

/**
 * Check before measuring that an --output / --export file can be written: its folder exists (or
 * can be made) and takes a new file. A problem ends the run with ExitCode.notSaved, nothing measured.
 */
export async function checkOutputFile(path: string): Promise<void> {
    const directory = resolve(path, "..");
    try {
        await mkdir(directory, {recursive: true});
        const probe = join(directory, `.llmproof-write-check.${process.pid}.tmp`);
        await writeFile(probe, "");
        await rm(probe, {force: true});
    } catch (error) {
        throw new UserError(`Cannot write ${path}: ${errorMessage(error)}; nothing was measured.`, {
            exitCode: ExitCode.notSaved,
            cause: error
        });
    }
}

/** Write an --output / --export file atomically; a failure is ExitCode.notSaved. */
export async function writeOutputFile(path: string, text: string): Promise<void> {
    try {
        await writeFileAtomic(path, text);
    } catch (error) {
        throw new UserError(`Cannot write ${path} (${errorMessage(error)}).`, {
            exitCode: ExitCode.notSaved,
            cause: error
        });
    }
}
