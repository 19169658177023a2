import type {BenchRun, PhaseResult, SampleStatsRecord} from "../results/schema.js";
import {describeEngineBuild} from "../system/engine-build.js";
import {modelLabel} from "../results/model-label.js";

/**
 * One row per run with flat columns. Raw samples are joined with ";" inside one cell.
 * Quoting follows RFC 4180: a cell with a comma, quote or line break is quoted and its quotes doubled.
 */
type Cell = string | number | boolean | null;

const statsColumns = ["mean", "median", "stddev", "ci95_lo", "ci95_hi", "n"] as const;

function statsCells(stats: SampleStatsRecord | null): Cell[] {
    if (stats === null) return statsColumns.map(() => null);
    return [stats.mean, stats.median, stats.stddev, stats.ci95?.[0] ?? null, stats.ci95?.[1] ?? null, stats.n];
}

function phaseCells(phase: PhaseResult | null): Cell[] {
    return [...statsCells(phase?.tokensPerSecond ?? null), phase === null ? null : phase.samples.join(";")];
}

function phaseHeader(prefix: string): string[] {
    return [...statsColumns.map((name) => `${prefix}_${name}`), `${prefix}_samples`];
}

const header: string[] = [
    "date",
    "id",
    "status",
    "failure_kind",
    "failure_reason",
    "model",
    "model_file",
    "model_ref",
    "twin",
    "twin_of",
    "twin_quant",
    "model_path",
    "model_bytes",
    "model_sha256",
    "architecture",
    "model_name",
    "parameters",
    "quant_type",
    "test",
    "threads",
    "n_prompt",
    "n_gen",
    "depth",
    "batch_size",
    "ubatch_size",
    "gpu_layers",
    "flash_attention",
    "use_mmap",
    "warmup",
    "repetitions",
    "adaptive",
    ...phaseHeader("pp_tps"),
    ...phaseHeader("tg_tps"),
    ...statsColumns.map((name) => `ttft_ms_${name}`),
    "ttft_ms_samples",
    "load_ms",
    "peak_rss_bytes",
    "vram_bytes",
    "estimate_ram_bytes",
    "estimate_vram_bytes",
    "ref_tool",
    "ref_pp_tps_mean",
    "ref_pp_tps_stddev",
    "ref_tg_tps_mean",
    "ref_tg_tps_stddev",
    "ratio_pp",
    "ratio_tg",
    "warnings",
    "attempts",
    "backend",
    "engine_build",
    "engine_notes",
    "llmproof_version",
    "node_llama_cpp_version",
    "llama_cpp_release",
    "cpu",
    "physical_cores",
    "logical_cores",
    "ram_bytes",
    "gpus",
    "os",
    "node_version"
];

function rowOf(run: BenchRun): Cell[] {
    const provenance = run.provenance;
    return [
        run.date,
        run.id,
        run.status,
        run.failure?.kind ?? null,
        run.failure?.reason ?? null,
        modelLabel(run.model),
        run.model.fileName,
        run.model.ref,
        run.model.twin !== null,
        run.model.twin?.modelId ?? null,
        run.model.twin?.quant ?? null,
        run.model.path,
        run.model.fileBytes,
        run.model.sha256,
        run.model.architecture,
        run.model.modelName,
        run.model.parameterCount,
        run.model.quantType,
        run.test,
        run.config.threads,
        run.config.nPrompt,
        run.config.nGen,
        run.config.depth,
        run.config.batchSize,
        run.config.ubatchSize,
        run.config.gpuLayers,
        run.config.flashAttention,
        run.config.useMmap,
        run.policy.warmup,
        run.policy.repetitions,
        run.policy.adaptive !== null,
        ...phaseCells(run.pp),
        ...phaseCells(run.tg),
        ...statsCells(run.ttftMs),
        run.ttftSamplesMs.length === 0 ? null : run.ttftSamplesMs.join(";"),
        run.loadMs,
        run.peakRssBytes,
        run.vramBytes,
        run.memoryEstimate?.ramBytes ?? null,
        run.memoryEstimate?.vramBytes ?? null,
        run.reference?.tool ?? null,
        run.reference?.pp?.tokensPerSecond.mean ?? null,
        run.reference?.pp?.tokensPerSecond.stddev ?? null,
        run.reference?.tg?.tokensPerSecond.mean ?? null,
        run.reference?.tg?.tokensPerSecond.stddev ?? null,
        run.reference?.ratio.pp ?? null,
        run.reference?.ratio.tg ?? null,
        run.warnings.map((warning) => warning.message).join(" | "),
        run.attempts,
        run.engine?.backend ?? provenance.backend,
        run.engine === null ? null : describeEngineBuild(run.engine.buildType, run.engine.cmakeOptions),
        run.engine?.notes.join("; ") ?? null,
        provenance.llmproofVersion,
        provenance.nodeLlamaCppVersion,
        run.engine?.llamaCppRelease ?? provenance.llamaCppRelease,
        provenance.cpu.model,
        provenance.cpu.physicalCores,
        provenance.cpu.logicalCores,
        provenance.ramBytes,
        provenance.gpus.map((gpu) => `${gpu.vendor} ${gpu.model}`.trim()).join("; "),
        `${provenance.os.distro} ${provenance.os.release} (${provenance.os.platform} ${provenance.os.arch})`.trim(),
        provenance.nodeVersion
    ];
}

export function csvHeader(): string[] {
    return [...header];
}

export function exportCsv(runs: readonly BenchRun[]): string {
    return `${[header, ...runs.map(rowOf)].map((cells) => cells.map(csvCell).join(",")).join("\r\n")}\r\n`;
}

export function csvCell(value: Cell): string {
    if (value === null) return "";
    const text = typeof value === "string" ? value : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
