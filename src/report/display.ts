import type {BenchRun, PhaseResult, SampleStatsRecord} from "../results/schema.js";
import {formatBytes, formatCount} from "../util/units.js";
import {modelLabel} from "../results/model-label.js";

/**
 * The human-readable columns shared by the table and Markdown exporters, close to llama-bench's
 * own table (model, size, params, backend, threads, test, t/s) plus what llama-bench lacks.
 * Configuration columns that are the same in every row are left out, as llama-bench does; "mmap" shows
 * when a row ran without it.
 */
export interface DisplayTable {
    head: string[];
    rows: string[][];
    /** Which columns hold numbers (right-aligned). */
    numeric: boolean[];
}

interface Column {
    title: string;
    numeric: boolean;
    value: (run: BenchRun) => string;
    /** Shown only when the rows differ in it. */
    onlyWhenVarying?: boolean;
    /** Shown only when a row has another value than this default (so also when the rows differ in it), as llama-bench does. */
    unlessAll?: string;
}

const columns: Column[] = [
    {title: "model", numeric: false, value: (run) => modelLabel(run.model)},
    {title: "size", numeric: true, value: (run) => formatBytes(run.model.fileBytes)},
    {
        title: "params",
        numeric: true,
        value: (run) => (run.model.parameterCount === null ? "?" : formatCount(run.model.parameterCount))
    },
    {title: "backend", numeric: false, value: backendCell},
    {title: "ngl", numeric: true, value: (run) => String(run.config.gpuLayers), onlyWhenVarying: true},
    {title: "threads", numeric: true, value: (run) => String(run.config.threads)},
    {title: "n_batch", numeric: true, value: (run) => String(run.config.batchSize), onlyWhenVarying: true},
    {title: "n_ubatch", numeric: true, value: (run) => String(run.config.ubatchSize), onlyWhenVarying: true},
    {title: "fa", numeric: true, value: (run) => (run.config.flashAttention ? "1" : "0"), onlyWhenVarying: true},
    {title: "mmap", numeric: true, value: (run) => (run.config.useMmap ? "1" : "0"), unlessAll: "1"},
    {title: "test", numeric: false, value: (run) => run.test},
    {title: "t/s", numeric: true, value: (run) => phaseCells(run, (phase) => formatMeanStddev(phase.tokensPerSecond))},
    {title: "TTFT ms", numeric: true, value: (run) => (run.ttftMs === null ? "" : formatMeanStddev(run.ttftMs, 1))},
    {title: "load ms", numeric: true, value: (run) => (run.loadMs === null ? "" : run.loadMs.toFixed(0))},
    {
        title: "peak RSS",
        numeric: true,
        value: (run) => (run.peakRssBytes === null ? "" : formatBytes(run.peakRssBytes))
    },
    {title: "status", numeric: false, value: statusCell}
];

const referenceColumns: Column[] = [
    {
        title: "llama-bench t/s",
        numeric: true,
        value: (run) =>
            run.reference === null
                ? ""
                : phaseCells(run, (_phase, name) => {
                      const reference = run.reference?.[name];
                      return reference ? formatMeanStddev(reference.tokensPerSecond) : "-";
                  })
    },
    {
        title: "ratio",
        numeric: true,
        value: (run) =>
            run.reference === null
                ? ""
                : phaseCells(run, (_phase, name) => {
                      const ratio = run.reference?.ratio[name];
                      return ratio === null || ratio === undefined ? "-" : ratio.toFixed(3);
                  })
    }
];

export function displayTable(runs: readonly BenchRun[]): DisplayTable {
    const hasReference = runs.some((run) => run.reference !== null);
    const statusIndex = columns.findIndex((column) => column.title === "status");
    const chosen = [
        ...columns.slice(0, statusIndex),
        ...(hasReference ? referenceColumns : []),
        ...columns.slice(statusIndex)
    ].filter((column) => {
        const values = new Set(runs.map(column.value));
        if (column.onlyWhenVarying) return values.size > 1;
        if (column.unlessAll !== undefined) return [...values].some((value) => value !== column.unlessAll);
        return true;
    });
    return {
        head: chosen.map((column) => column.title),
        rows: runs.map((run) => chosen.map((column) => column.value(run))),
        numeric: chosen.map((column) => column.numeric)
    };
}

/** "123.45 ± 1.23", or just the mean when there is a single sample. Two decimals for t/s, as llama-bench. */
export function formatMeanStddev(stats: SampleStatsRecord, digits = 2): string {
    return stats.stddev === null
        ? stats.mean.toFixed(digits)
        : `${stats.mean.toFixed(digits)} ± ${stats.stddev.toFixed(digits)}`;
}

/** One value per phase the run measured ("pp: …  tg: …" only when a run has both). */
function phaseCells(run: BenchRun, cell: (phase: PhaseResult, name: "pp" | "tg") => string): string {
    const phases = (
        [
            ["pp", run.pp],
            ["tg", run.tg]
        ] as const
    ).filter(([, phase]) => phase !== null) as ["pp" | "tg", PhaseResult][];
    if (phases.length === 1) return cell(phases[0]![1], phases[0]![0]);
    return phases.map(([name, phase]) => `${name}: ${cell(phase, name)}`).join(" / ");
}

/** The backend and which build of it ran, e.g. "cpu (local)" or "cpu (prebuilt)". */
function backendCell(run: BenchRun): string {
    const backend = run.engine?.backend ?? run.provenance.backend ?? "?";
    if (run.engine === null) return backend;
    return `${backend} (${run.engine.buildType === "localBuild" ? "local" : run.engine.buildType})`;
}

function statusCell(run: BenchRun): string {
    if (run.status === "failed" && run.failure !== null)
        return `failed (${run.failure.kind}): ${truncate(run.failure.reason, 60)}`;
    const warnings = run.warnings.length;
    const notes = [
        ...(warnings === 0 ? [] : [`${warnings} warning${warnings === 1 ? "" : "s"}`]),
        ...(run.attempts > 1 ? [`${run.attempts} attempts`] : [])
    ];
    return notes.length === 0 ? run.status : `${run.status} (${notes.join(", ")})`;
}

function truncate(text: string, length: number): string {
    return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
