import {readdir, readFile, stat} from "node:fs/promises";
import {basename, extname, join} from "node:path";
import {
    type LlamaBenchRecord,
    llamaBenchFlashAttention,
    llamaBenchMmap,
    llamaBenchTestName,
    parseLlamaBenchCsv,
    parseLlamaBenchJsonRecords,
    parseLlamaBenchSql,
    sniffLlamaBenchText
} from "../bench/llama-bench-format.js";
import {modelLabel} from "../results/model-label.js";
import type {BenchRun} from "../results/schema.js";
import {parseResults} from "../results/store.js";
import {UserError, errorMessage} from "../util/errors.js";
import {ExitCode} from "../util/exit-codes.js";
import {logWarning} from "../util/log.js";
import type {Measurement, Metric, MetricValues} from "./schema.js";

/**
 * Read one side of a comparison: llmproof result files (a run, a `--json` report, JSONL) and
 * folders of them, and llama-bench's outputs (`-o json`, `-o jsonl`, `-o csv`, the SQL text of
 * `-o sql`, or the SQLite database it is piped into). Every input becomes a list of Measurements.
 */

export interface Side {
    sources: string[];
    measurements: Measurement[];
}

export interface LoadSideOptions {
    /** Keep only llama-bench rows of this build (a prefix of build_commit). */
    build?: string;
    /** For inputs without raw samples (llama-bench CSV/SQL): the repetitions each row averaged (llama-bench -r). */
    assumeN?: number;
}

const SQLITE_MAGIC = "SQLite format 3\u0000";
const FOLDER_EXTENSIONS = new Set([".json", ".jsonl", ".csv", ".sql", ".sqlite", ".sqlite3", ".db"]);

export async function loadSide(
    inputs: readonly string[],
    which: "baseline" | "candidate",
    options: LoadSideOptions = {}
): Promise<Side> {
    const sources: string[] = [];
    const measurements: Measurement[] = [];
    for (const input of inputs) {
        const info = await stat(input).catch(() => null);
        if (info === null) throw usage(`The ${which} ${input} does not exist`);
        const files = info.isDirectory() ? await filesIn(input) : [input];
        if (files.length === 0) throw usage(`The ${which} folder ${input} holds no result files`);
        for (const file of files) {
            sources.push(file);
            measurements.push(...(await loadFile(file, options)));
        }
    }
    const selected = selectBuild(measurements, which, options.build);
    if (selected.length === 0)
        throw usage(
            options.build === undefined
                ? `The ${which} (${inputs.join(", ")}) holds no measurements`
                : `The ${which} holds no llama-bench rows of build ${options.build}`
        );
    return {sources, measurements: selected};
}

async function filesIn(folder: string): Promise<string[]> {
    const names = (await readdir(folder)).filter(
        (name) => !name.startsWith(".") && FOLDER_EXTENSIONS.has(extname(name).toLowerCase())
    );
    return names.sort().map((name) => join(folder, name));
}

export async function loadFile(path: string, options: LoadSideOptions = {}): Promise<Measurement[]> {
    let bytes: Buffer;
    try {
        bytes = await readFile(path);
    } catch (error) {
        throw new UserError(`Cannot read ${path} (${errorMessage(error)}).`, {cause: error});
    }
    try {
        if (bytes.subarray(0, SQLITE_MAGIC.length).toString("latin1") === SQLITE_MAGIC)
            return fromLlamaBench(await parseLlamaBenchSql({database: new Uint8Array(bytes)}), path, options);
        const text = bytes.toString("utf8");
        const head = text.slice(0, 4000);
        const llamaBench = sniffLlamaBenchText(text);
        if (llamaBench === "sql") return fromLlamaBench(await parseLlamaBenchSql({sql: text}), path, options);
        if (llamaBench === "csv") return fromLlamaBench(parseLlamaBenchCsv(text), path, options);
        if ((llamaBench === "json" || llamaBench === "jsonl") && head.includes('"build_commit"'))
            return fromLlamaBench(parseLlamaBenchJsonRecords(text, llamaBench), path, options);
        if (llamaBench === "json" && text.trim() === "[]") return [];
        return parseResults(text, path).map((run) => fromRun(run, path));
    } catch (error) {
        if (error instanceof UserError) throw new UserError(errorMessage(error), {exitCode: ExitCode.usage});
        throw usage(
            `${path} is neither an llmproof result nor a llama-bench output (json, jsonl, csv, sql, sqlite): ${errorMessage(error).replace(/\.$/, "")}`
        );
    }
}

/** One llmproof run (one model × configuration). */
export function fromRun(run: BenchRun, source: string): Measurement {
    const backend = run.engine?.backend ?? run.provenance.backend;
    const cpuOnly =
        backend === "cpu" || run.config.gpuLayers === 0 || (backend === null && run.provenance.gpus.length === 0);
    const metrics: Partial<Record<Metric, MetricValues>> = {};
    const raw = (samples: readonly number[]): MetricValues => ({samples: [...samples], summary: null});
    if (run.pp !== null) metrics.pp = raw(run.pp.samples);
    if (run.tg !== null) metrics.tg = raw(run.tg.samples);
    if (run.ttftSamplesMs.length > 0) metrics.ttft = raw(run.ttftSamplesMs);
    if (run.loadMs !== null) metrics.load = raw([run.loadMs]);
    if (run.peakRssBytes !== null) metrics.rss = raw([run.peakRssBytes]);
    return {
        tool: "llmproof",
        source,
        model: modelLabel(run.model),
        modelKey: basename(run.model.path || run.model.fileName).toLowerCase(),
        test: run.test,
        threads: run.config.threads,
        batch: run.config.batchSize,
        ubatch: run.config.ubatchSize,
        ngl: cpuOnly ? "cpu" : String(run.config.gpuLayers),
        fa: run.config.flashAttention ? "1" : "0",
        mmap: run.config.useMmap ? "1" : "0",
        status: run.status,
        failure: run.failure === null ? null : `${run.failure.kind}: ${run.failure.reason}`,
        build: run.engine?.llamaCppRelease ?? run.provenance.llamaCppRelease,
        metrics
    };
}

let warnedAboutCombinedTests = false;

function fromLlamaBench(records: LlamaBenchRecord[], source: string, options: LoadSideOptions): Measurement[] {
    const measurements: Measurement[] = [];
    for (const record of records) {
        const metric: Metric | null =
            record.n_prompt > 0 && record.n_gen === 0 ? "pp" : record.n_gen > 0 && record.n_prompt === 0 ? "tg" : null;
        if (metric === null) {
            if (!warnedAboutCombinedTests)
                logWarning(
                    `${source}: llama-bench's combined pp+tg tests (-pg) have no llmproof counterpart; they are left out.`
                );
            warnedAboutCombinedTests = true;
            continue;
        }
        const fileName = basename(record.model_filename.replace(/\\/g, "/"));
        const values: MetricValues =
            record.samples_ts !== null && record.samples_ts.length > 0
                ? {samples: record.samples_ts, summary: null}
                : {samples: [], summary: {mean: record.avg_ts, stddev: record.stddev_ts, n: options.assumeN ?? null}};
        measurements.push({
            tool: "llama-bench",
            source,
            model: fileName,
            modelKey: fileName.toLowerCase(),
            test: llamaBenchTestName(record),
            threads: record.n_threads,
            batch: record.n_batch,
            ubatch: record.n_ubatch,
            ngl: (record.backends ?? "").toUpperCase() === "CPU" ? "cpu" : String(record.n_gpu_layers),
            fa: llamaBenchFlashAttention(record.flash_attn),
            mmap: llamaBenchMmap(record),
            status: "ok",
            failure: null,
            build: record.build_commit,
            metrics: {[metric]: values}
        });
    }
    return measurements;
}

/** Keep one llama.cpp build of llama-bench rows; several builds on one side without a choice is the user's to settle. */
function selectBuild(measurements: Measurement[], which: string, build: string | undefined): Measurement[] {
    const llamaBenchBuilds = [
        ...new Set(measurements.filter((item) => item.tool === "llama-bench").map((item) => item.build ?? "?"))
    ];
    if (build !== undefined)
        return measurements.filter((item) => item.tool !== "llama-bench" || (item.build ?? "").startsWith(build));
    if (llamaBenchBuilds.length > 1)
        throw usage(
            `The ${which} holds llama-bench rows of ${llamaBenchBuilds.length} llama.cpp builds ` +
                `(${llamaBenchBuilds.join(", ")}); choose one with --${which}-build`
        );
    return measurements;
}

function usage(message: string): UserError {
    return new UserError(`${message}.`, {exitCode: ExitCode.usage});
}
