import {rmSync} from "node:fs";
import {mkdtemp, stat} from "node:fs/promises";
import {tmpdir} from "node:os";
import {basename, join, resolve} from "node:path";
import {openFileByteSource, readGgufStructure} from "../gguf/reader.js";
import {assertWritableTarget, writeFileAtomic} from "../util/atomic-write.js";
import {UserError} from "../util/errors.js";
import {ExitCode} from "../util/exit-codes.js";
import {readTextFile} from "../util/fs.js";
import {logInfo, logWarning} from "../util/log.js";
import {
    BaselineJobResultSchema,
    CandidateJobResultSchema,
    ProgressLineSchema,
    type BaselineJob,
    type CandidateJob
} from "./jobs.js";
import {buildQualityReport, DEFAULT_QUALITY_CONTEXT_SIZE} from "./measure.js";
import type {ModelQuality, QualityReport} from "./schema.js";

export {
    measureQuality,
    measureBaseline,
    measureCandidate,
    tokenizeForPerplexity,
    DEFAULT_QUALITY_CONTEXT_SIZE
} from "./measure.js";
export type {MeasureQualityOptions, QualityProgress} from "./measure.js";
export {quantizeGguf, QUANTIZE_TARGETS} from "../gguf/quantize-model.js";
export type {QuantizeReport, QuantizeTarget} from "../gguf/quantize-model.js";
export {compareGgufTensors} from "../gguf/tensor-compare.js";
export {renderQualityTable} from "./table.js";
export {QualityReportSchema} from "./schema.js";
export type {QualityReport} from "./schema.js";

export interface RunQualityOptions {
    baselinePath: string;
    candidatePaths: readonly string[];
    contextSize?: number;
    chunks?: number;
    threads?: number;
    gpu?: "auto" | "cpu" | "cuda" | "vulkan" | "metal";
    /** A UTF-8 text file to score instead of the built-in stories. */
    textPath?: string;
    /** Write the JSON report here after the baseline and after each candidate (atomic writes). */
    outputPath?: string;
}

/** What `runQuality` returns: the report, and why the last write of `outputPath` failed (null when it was saved or not asked for). */
export interface QualityRun {
    report: QualityReport;
    unsaved: string | null;
}

/** Free space asked of an --output folder: a report is about 2 KB plus 1 KB per candidate (and warnings); four times that. */
function reportBytesNeeded(candidates: number): number {
    return 8 * 1024 + 4 * 1024 * candidates;
}

/** Largest text file `quality` reads (its tokens are all held in memory). */
export const MAX_TEXT_BYTES = 64 * 2 ** 20;

/**
 * `llmproof quality`: every model is validated here, then measured in its own native child (the
 * baseline first, then one child per candidate), so that a model llama.cpp aborts on costs only its
 * own row. The report is saved after every candidate; candidates that fail are listed in `failed`.
 */
export async function runQuality(options: RunQualityOptions): Promise<QualityRun> {
    let text: string | undefined;
    if (options.textPath !== undefined) {
        text = await readTextFile(options.textPath, {label: "the text file", maxBytes: MAX_TEXT_BYTES});
        if (text.trim() === "") throw new UserError(`The text file ${options.textPath} is empty.`);
    }
    if (options.candidatePaths.length === 0)
        throw new UserError("Give at least one candidate model to compare with the baseline.");
    const outputPath = options.outputPath !== undefined && options.outputPath !== "-" ? options.outputPath : null;
    // Before anything is measured: a target that cannot take the report (say, a full disk) is refused now.
    if (outputPath !== null)
        await assertWritableTarget(outputPath, {
            bytes: reportBytesNeeded(options.candidatePaths.length),
            exitCode: ExitCode.notSaved
        });
    const baselinePath = await validatedModel(options.baselinePath);
    const failed: QualityReport["failed"] = [];
    const candidatePaths: string[] = [];
    for (const path of options.candidatePaths) {
        try {
            candidatePaths.push(await validatedModel(path));
        } catch (error) {
            if (!(error instanceof UserError) || /^Model file not found/.test(error.message)) throw error;
            failed.push({path: resolve(path), fileName: basename(path), reason: error.message});
            logWarning(`skipping ${basename(path)}: ${error.message}`);
        }
    }

    if (candidatePaths.length === 0)
        throw new UserError(`No candidate can be measured: ${failed.map((failure) => failure.reason).join("; ")}`);
    const {runNativeJob} = await import("../system/native-child.js");
    const storeDir = await mkdtemp(join(tmpdir(), "llmproof-quality-"));
    const removeStore = () => rmSync(storeDir, {recursive: true, force: true});
    process.once("exit", removeStore);
    let lastLine = "";
    const onProgress = (message: string) => {
        const parsed = ProgressLineSchema.safeParse(safeJson(message));
        if (!parsed.success) return;
        const progress = parsed.data;
        const role = progress.role === "baseline" ? " (baseline)" : "";
        const line = `[${progress.modelNumber}/${progress.modelCount}] ${basename(progress.modelPath)}${role}: chunk ${progress.chunk}/${progress.chunks}`;
        // One line per model and every tenth chunk, so long runs show life without flooding stderr.
        if (progress.chunk === 1 || progress.chunk === progress.chunks || progress.chunk % 10 === 0) {
            if (line !== lastLine) logInfo(line);
            lastLine = line;
        }
    };
    // A write that fails mid-run (the disk filled up) does not stop the measuring: the report is
    // written again after the next candidate, and the caller prints it if the last write failed too.
    let unsaved: string | null = null;
    const save = async (value: QualityReport) => {
        if (outputPath === null) return;
        try {
            await writeFileAtomic(outputPath, `${JSON.stringify(value, null, 2)}\n`);
            unsaved = null;
        } catch (error) {
            if (!(error instanceof UserError)) throw error;
            if (unsaved === null) logWarning(`${error.message.replace(/\.$/, "")}; measuring goes on.`);
            unsaved = error.message;
        }
    };
    const modelCount = 1 + options.candidatePaths.length;
    const gpu = options.gpu ?? "auto";
    const timeoutMs = QUALITY_JOB_TIMEOUT_MS;
    try {
        const storePath = join(storeDir, "baseline-logprobs.f32");
        const baselineJob: BaselineJob = {
            baselinePath,
            text,
            textSource: options.textPath,
            contextSize: options.contextSize ?? DEFAULT_QUALITY_CONTEXT_SIZE,
            chunks: options.chunks,
            threads: options.threads,
            gpu,
            storePath,
            modelCount
        };
        const baseline = BaselineJobResultSchema.parse(
            await runNativeJob(
                {kind: "quality", role: "baseline", request: baselineJob},
                {label: `the baseline ${basename(baselinePath)}`, timeoutMs, onProgress}
            )
        );
        const {quality: _quality, warnings, backend, ...shared} = baseline;
        const candidates: ModelQuality[] = [];
        const report = () => buildQualityReport(baseline, candidates, {threads: options.threads, backend, failed});
        for (const [index, path] of candidatePaths.entries()) {
            const job: CandidateJob = {
                path,
                modelNumber:
                    options.candidatePaths.indexOf(path) >= 0 ? options.candidatePaths.indexOf(path) + 2 : index + 2,
                modelCount,
                threads: options.threads,
                gpu,
                storePath,
                baseline: shared
            };
            try {
                const result = CandidateJobResultSchema.parse(
                    await runNativeJob(
                        {kind: "quality", role: "candidate", request: job},
                        {label: `the candidate ${basename(path)}`, timeoutMs, onProgress}
                    )
                );
                candidates.push(result.quality);
                warnings.push(...result.warnings);
            } catch (error) {
                if (!(error instanceof UserError)) throw error;
                failed.push({path, fileName: basename(path), reason: error.message});
                logWarning(`${basename(path)} could not be measured: ${error.message}`);
            }
            await save(await report());
        }
        baseline.warnings = warnings;
        const final = await report();
        await save(final);
        return {report: final, unsaved};
    } finally {
        process.off("exit", removeStore);
        removeStore();
    }
}

/** One quality job may run for hours on a big model, never past Node's timer limit. */
const QUALITY_JOB_TIMEOUT_MS = 24 * 3600 * 1000;

/** A model file whose GGUF structure is sound (reader.ts), as an absolute path. */
async function validatedModel(path: string): Promise<string> {
    // A path that names nothing is a typo to fix before anything is measured, not a bad candidate.
    if (!(await stat(resolve(path)).catch(() => null))?.isFile()) throw new UserError(`Model file not found: ${path}.`);
    const source = await openFileByteSource(resolve(path), path);
    try {
        await readGgufStructure(source);
    } finally {
        await source.close();
    }
    return resolve(path);
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return null;
    }
}
