import {readFile} from "node:fs/promises";
import {basename} from "node:path";
import {UserError} from "../util/errors.js";
import {logInfo} from "../util/log.js";
import {measureQuality} from "./measure.js";
import type {MeasureQualityOptions} from "./measure.js";
import type {QualityReport} from "./schema.js";

export {measureQuality, tokenizeForPerplexity, DEFAULT_QUALITY_CONTEXT_SIZE} from "./measure.js";
export type {MeasureQualityOptions, QualityProgress} from "./measure.js";
export {quantizeGguf, QUANTIZE_TARGETS} from "../gguf/quantize-model.js";
export type {QuantizeReport, QuantizeTarget} from "../gguf/quantize-model.js";
export {compareGgufTensors} from "../gguf/tensor-compare.js";
export {renderQualityTable} from "./table.js";
export {QualityReportSchema} from "./schema.js";
export type {QualityReport} from "./schema.js";

export interface RunQualityOptions
    extends Omit<MeasureQualityOptions, "text" | "textSource" | "tokens" | "onProgress"> {
    /** A UTF-8 text file to score instead of the built-in stories. */
    textPath?: string;
}

/** `llmproof quality`: read the text file if any, measure with progress on stderr. */
export async function runQuality(options: RunQualityOptions): Promise<QualityReport> {
    let text: string | undefined;
    if (options.textPath !== undefined) {
        text = await readFile(options.textPath, "utf8").catch((error: NodeJS.ErrnoException) => {
            throw new UserError(`Cannot read the text file ${options.textPath} (${error.code ?? error.message}).`);
        });
        if (text.trim() === "") throw new UserError(`The text file ${options.textPath} is empty.`);
    }
    let lastLine = "";
    return measureQuality({
        ...options,
        text,
        textSource: options.textPath,
        onProgress: (progress) => {
            const line = `[${progress.modelNumber}/${progress.modelCount}] ${basename(progress.modelPath)}${progress.role === "baseline" ? " (baseline)" : ""}: chunk ${progress.chunk}/${progress.chunks}`;
            // One line per model and every tenth chunk, so long runs show life without flooding stderr.
            if (progress.chunk === 1 || progress.chunk === progress.chunks || progress.chunk % 10 === 0) {
                if (line !== lastLine) logInfo(line);
                lastLine = line;
            }
        }
    });
}
