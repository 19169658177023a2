import {basename} from "node:path";
import type {GgufFacts} from "../gguf/facts.js";
import type {BenchRun} from "../results/schema.js";
import {UserError, errorMessage} from "../util/errors.js";
import {logInfo, logWarning} from "../util/log.js";
import {markParetoFront, qualityMetricFor} from "./pareto.js";
import type {LadderPlan, PlannedRung} from "./plan.js";
import {recommendQuant} from "./recommend.js";
import {
    LADDER_SCHEMA_VERSION,
    LadderDocumentSchema,
    type LadderDocument,
    type LadderRung,
    type RungQuality
} from "./schema.js";

export {renderLadder, LADDER_FORMATS, type LadderFormat} from "./render.js";
export type {LadderDocument} from "./schema.js";

/** Fast enough for a 0.6B catalog model on 2 cores (about a minute per quant, twins included). */
export const LADDER_DEFAULTS = {
    nPrompt: 128,
    nGen: 32,
    repetitions: 3,
    warmup: 1,
    qualityContext: 256,
    qualityChunks: 8
} as const;

export interface RunLadderOptions {
    /** A catalog model (id or alias); or give `files`. */
    model?: string;
    /** GGUF files of one model (or folders of them). */
    files?: readonly string[];
    /** Catalog mode: the quants to include (default: the catalog's plus the standard twin ladder). */
    quants?: readonly string[];
    /** Catalog mode: download the catalog's files that are not in the cache. */
    pull?: boolean;
    nPrompt?: number;
    nGen?: number;
    threads?: number;
    repetitions?: number;
    warmup?: number;
    /** Measure perplexity / KL divergence on the real-weight files (default true). */
    quality?: boolean;
    qualityContext?: number;
    qualityChunks?: number;
    env?: NodeJS.ProcessEnv;
    /** Free memory to plan for; default: what the system reports as available now. */
    freeMemoryBytes?: number;
    /** Per measuring child. */
    timeoutMs?: number;
}

/** Measure every quant of one model side by side and say which one to run here. */
export async function runLadder(options: RunLadderOptions): Promise<LadderDocument> {
    if ((options.model === undefined) === (options.files === undefined || options.files.length === 0))
        throw new UserError("Give either a catalog model or --files, not both and not neither.");
    const settings = {
        nPrompt: options.nPrompt ?? LADDER_DEFAULTS.nPrompt,
        nGen: options.nGen ?? LADDER_DEFAULTS.nGen,
        threads: options.threads ?? null,
        repetitions: options.repetitions ?? LADDER_DEFAULTS.repetitions,
        warmup: options.warmup ?? LADDER_DEFAULTS.warmup,
        qualityContext: options.qualityContext ?? LADDER_DEFAULTS.qualityContext,
        qualityChunks: options.qualityChunks ?? LADDER_DEFAULTS.qualityChunks
    };
    if (settings.nPrompt === 0 && settings.nGen === 0)
        throw new UserError("Nothing to measure: give a prompt size (-p) or a generation size (-n) above 0.");
    const memory = await memoryFacts();
    const freeMemoryBytes = options.freeMemoryBytes ?? memory.available;
    const warnings: string[] = [];

    let catalogModel: {id: string; name: string} | null = null;
    let plan: LadderPlan;
    if (options.model !== undefined) {
        const {loadCatalog} = await import("../catalog/load.js");
        const {requireModel} = await import("../catalog/lookup.js");
        const model = requireModel(await loadCatalog({env: options.env}), options.model);
        catalogModel = {id: model.id, name: model.name};
        const {planCatalogLadder} = await import("./plan.js");
        plan = await planCatalogLadder(model, {
            quants: options.quants,
            pull: options.pull ?? false,
            env: options.env,
            maxTwinBytes: memory.total
        });
    } else {
        const {planFileLadder} = await import("./plan.js");
        plan = await planFileLadder(options.files!);
    }
    for (const skip of plan.skipped) warnings.push(`${skip.quant} left out: ${skip.reason}`);

    const headers = await readHeaders(plan.rungs, catalogModel === null);
    const readable = headers.filter((entry) => entry.facts !== null);
    let runs: BenchRun[] = [];
    if (readable.length > 0) {
        const {runBench} = await import("../bench/index.js");
        logInfo(`measuring ${readable.length} quant${readable.length === 1 ? "" : "s"} …`);
        const outcome = await runBench({
            models: readable.map((entry) => entry.rung.path),
            sweep: {
                threads: settings.threads === null ? undefined : [settings.threads],
                nPrompt: [settings.nPrompt],
                nGen: [settings.nGen]
            },
            policy: {warmup: settings.warmup, repetitions: settings.repetitions, adaptive: null},
            measureTtft: settings.nPrompt > 0,
            gpu: "auto",
            crossCheck: false,
            save: false,
            timeoutMs: options.timeoutMs
        });
        runs = outcome.report.runs;
    }

    const quality = options.quality === false ? null : await measureLadderQuality(headers, settings, warnings);
    let rungs = headers.map((entry) => buildRung(entry, runs, quality));
    const metric = qualityMetricFor(rungs);
    rungs = markParetoFront(rungs, metric).sort((a, b) => b.fileBytes - a.fileBytes);
    const recommendation = recommendQuant({rungs, metric, freeMemoryBytes});
    const first = readable[0]?.facts ?? null;
    return LadderDocumentSchema.parse({
        kind: "llmproof-ladder",
        schemaVersion: LADDER_SCHEMA_VERSION,
        createdAt: new Date().toISOString(),
        model: {
            id: catalogModel?.id ?? null,
            name: catalogModel?.name ?? first?.modelName ?? first?.fileName ?? "model",
            architecture: first?.architecture ?? null,
            parameterCount: first?.parameterCount ?? null
        },
        settings,
        provenance: runs[0]?.provenance ?? null,
        qualityMetric: metric,
        baseline: quality?.baselineQuant ?? null,
        rungs,
        skipped: plan.skipped,
        recommendation,
        warnings,
        runs
    });
}

interface HeaderEntry {
    rung: PlannedRung;
    facts: GgufFacts | null;
    error: string | null;
}

/** Each rung's GGUF header; in --files mode the quant comes from it and the files must be one model. */
async function readHeaders(rungs: readonly PlannedRung[], fromFiles: boolean): Promise<HeaderEntry[]> {
    const {inspectGguf} = await import("../gguf/inspect.js");
    const entries: HeaderEntry[] = [];
    for (const rung of rungs) {
        try {
            const facts = await inspectGguf(rung.path);
            const quant = fromFiles
                ? (facts.fileTypeLabel ?? dominantTensorType(facts) ?? basename(rung.path))
                : rung.quant;
            entries.push({rung: {...rung, quant}, facts, error: null});
        } catch (error) {
            if (!(error instanceof UserError)) throw error;
            const quant = rung.quant || basename(rung.path);
            logWarning(`${basename(rung.path)}: ${errorMessage(error)}`);
            entries.push({rung: {...rung, quant}, facts: null, error: errorMessage(error)});
        }
    }
    if (fromFiles) {
        const read = entries.filter((entry) => entry.facts !== null);
        const [first] = read;
        const other = read.find(
            (entry) =>
                entry.facts!.architecture !== first!.facts!.architecture ||
                entry.facts!.parameterCount !== first!.facts!.parameterCount
        );
        if (first !== undefined && other !== undefined) {
            const describe = (facts: GgufFacts) =>
                `${facts.fileName} is ${facts.architecture} with ${facts.parameterCount} parameters`;
            throw new UserError(
                `The files are not quantizations of one model: ${describe(first.facts!)}, ${describe(other.facts!)}.`
            );
        }
    }
    // Two files of one quant keep apart by file name.
    const counts = new Map<string, number>();
    for (const entry of entries) counts.set(entry.rung.quant, (counts.get(entry.rung.quant) ?? 0) + 1);
    return entries.map((entry) =>
        (counts.get(entry.rung.quant) ?? 0) > 1
            ? {...entry, rung: {...entry.rung, quant: `${entry.rung.quant} (${basename(entry.rung.path)})`}}
            : entry
    );
}

/** A header that names no file type (older converters) is labelled by the type most parameters have, as `quality` does. */
function dominantTensorType(facts: GgufFacts): string | null {
    const [top] = [...facts.tensorTypes].sort((a, b) => b.parameters - a.parameters);
    return top?.type ?? null;
}

/** Baselines in order of preference: the closest to the original weights present. */
export const BASELINE_PREFERENCE: readonly (readonly string[])[] = [["F32"], ["BF16", "F16"], ["Q8_0"]];

/** The best baseline among the real-weight quants, or null. */
export function chooseBaseline(quants: readonly string[]): string | null {
    for (const tier of BASELINE_PREFERENCE) {
        const found = quants.find((quant) => tier.includes(quant));
        if (found !== undefined) return found;
    }
    return null;
}

interface LadderQuality {
    baselineQuant: string;
    byPath: Map<string, RungQuality>;
}

async function measureLadderQuality(
    headers: readonly HeaderEntry[],
    settings: {qualityContext: number; qualityChunks: number; threads: number | null},
    warnings: string[]
): Promise<LadderQuality | null> {
    const real = headers.filter((entry) => entry.facts !== null && entry.rung.source !== "twin");
    if (real.length < 2) {
        if (real.length === 1)
            warnings.push("Quality was not measured: it needs two real-weight files (a baseline and a quant).");
        return null;
    }
    const baselineQuant = chooseBaseline(real.map((entry) => entry.rung.quant));
    if (baselineQuant === null) {
        warnings.push("Quality was not measured: no baseline (F32, BF16, F16 or Q8_0) among the real-weight files.");
        return null;
    }
    const baseline = real.find((entry) => entry.rung.quant === baselineQuant)!;
    const candidates = real.filter((entry) => entry !== baseline);
    logInfo(`measuring perplexity and KL divergence against ${baselineQuant} …`);
    try {
        const {measureQuality} = await import("../quality/measure.js");
        const report = await measureQuality({
            baselinePath: baseline.rung.path,
            candidatePaths: candidates.map((entry) => entry.rung.path),
            contextSize: settings.qualityContext,
            chunks: settings.qualityChunks,
            threads: settings.threads ?? undefined
        });
        warnings.push(...report.warnings.map((warning) => `quality: ${warning}`));
        const byPath = new Map<string, RungQuality>();
        byPath.set(baseline.rung.path, {
            isBaseline: true,
            perplexity: report.baseline.perplexity.perplexity,
            klDivergence: null,
            sameTop: null
        });
        report.candidates.forEach((candidate, index) => {
            byPath.set(candidates[index]!.rung.path, {
                isBaseline: false,
                perplexity: candidate.perplexity.perplexity,
                klDivergence: candidate.versusBaseline?.klDivergence.mean ?? null,
                sameTop: candidate.versusBaseline?.sameTop ?? null
            });
        });
        return {baselineQuant, byPath};
    } catch (error) {
        if (!(error instanceof UserError)) throw error;
        warnings.push(`Quality was not measured: ${errorMessage(error)}`);
        logWarning(`quality was not measured: ${errorMessage(error)}`);
        return null;
    }
}

function buildRung(entry: HeaderEntry, runs: readonly BenchRun[], quality: LadderQuality | null): LadderRung {
    const {rung, facts} = entry;
    const own = runs.filter((run) => run.model.path === rung.path);
    const failed = own.find((run) => run.status === "failed");
    const ok = own.filter((run) => run.status !== "failed");
    const phase = (name: "pp" | "tg") => ok.find((run) => run[name] !== null)?.[name]?.tokensPerSecond ?? null;
    const rss = ok.map((run) => run.peakRssBytes).filter((value): value is number => value !== null);
    const failure = entry.error ?? (failed ? `${failed.failure?.kind}: ${failed.failure?.reason}` : null);
    return {
        quant: rung.quant,
        source: rung.source,
        path: rung.path,
        fileName: basename(rung.path),
        fileBytes: facts?.fileBytes ?? own[0]?.model.fileBytes ?? 0,
        parameterCount: facts?.parameterCount ?? null,
        bitsPerWeight: facts?.bitsPerWeight.file ?? null,
        reductionVs16Bit: facts?.reduction.vsF16 ?? null,
        reductionVsF32: facts?.reduction.vsF32 ?? null,
        status: failure === null && ok.length > 0 ? "ok" : "failed",
        failure: failure ?? (ok.length === 0 ? "not measured" : null),
        pp: phase("pp"),
        tg: phase("tg"),
        ttftMs: ok.find((run) => run.ttftMs !== null)?.ttftMs ?? null,
        peakRssBytes: rss.length === 0 ? null : Math.max(...rss),
        quality: quality?.byPath.get(rung.path) ?? null,
        front: false,
        dominatedBy: []
    };
}

/** Total memory, and what new processes can have now (MemAvailable on Linux). */
async function memoryFacts(): Promise<{total: number; available: number}> {
    const os = await import("node:os");
    try {
        const si = (await import("systeminformation")).default;
        const memory = await si.mem();
        return {total: memory.total, available: memory.available};
    } catch {
        return {total: os.totalmem(), available: os.freemem()};
    }
}
