import {readdir, stat} from "node:fs/promises";
import {join, resolve} from "node:path";
import type {CatalogModel} from "../catalog/schema.js";
import {fileForQuant, normalizeQuant} from "../catalog/lookup.js";
import {UserError, errorMessage} from "../util/errors.js";
import {logWarning} from "../util/log.js";
import type {RungSource} from "./schema.js";

/**
 * Which files a ladder measures. For a catalog model: each quantization's file when it is in the
 * cache (or pulled with --pull), else a shape-twin written once into the cache. For `--files`:
 * the given GGUF files (or every .gguf in a folder).
 */

/** The quantizations a catalog ladder covers beside the catalog's own files (all twin recipes). */
export const DEFAULT_TWIN_LADDER: readonly string[] = ["F16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0"];

export interface PlannedRung {
    quant: string;
    source: RungSource;
    path: string;
}

export interface LadderPlan {
    rungs: PlannedRung[];
    skipped: {quant: string; reason: string}[];
}

export interface CatalogPlanOptions {
    /** Quants to include; default: the catalog's files plus DEFAULT_TWIN_LADDER (when the model has a shape). */
    quants?: readonly string[];
    pull: boolean;
    env?: NodeJS.ProcessEnv;
    /** Refuse twins larger than this. */
    maxTwinBytes?: number;
}

/** The quants of a catalog ladder, in the order given (duplicates dropped). */
export function catalogLadderQuants(model: CatalogModel, quants?: readonly string[]): string[] {
    const wanted = quants ?? [...Object.keys(model.files), ...(model.shape == null ? [] : DEFAULT_TWIN_LADDER)];
    return [...new Set(wanted.map(normalizeQuant))];
}

export async function planCatalogLadder(model: CatalogModel, options: CatalogPlanOptions): Promise<LadderPlan> {
    const plan: LadderPlan = {rungs: [], skipped: []};
    for (const quant of catalogLadderQuants(model, options.quants)) {
        const file = fileForQuant(model, quant);
        const ref = `${model.id}:${quant}`;
        if (file?.path != null) {
            const cached = await cachedCopy(ref, options.env);
            if (cached !== null) {
                plan.rungs.push({quant, source: "file", path: cached});
                continue;
            }
            if (options.pull) {
                try {
                    const {pullModel} = await import("../download/pull.js");
                    const pulled = await pullModel(ref, {env: options.env});
                    plan.rungs.push({quant, source: "pulled", path: pulled.path});
                    continue;
                } catch (error) {
                    if (!(error instanceof UserError)) throw error;
                    logWarning(
                        `could not pull ${ref} (${errorMessage(error)}); measuring a twin instead where one can be written.`
                    );
                }
            }
        }
        const twin = await twinFor(model, quant, options);
        if (typeof twin === "string") plan.rungs.push({quant, source: "twin", path: twin});
        else plan.skipped.push({quant, reason: twin.reason});
    }
    if (plan.rungs.length === 0)
        throw new UserError(
            `Nothing to measure for ${model.id}: ${plan.skipped.map((skip) => `${skip.quant} (${skip.reason})`).join("; ") || "it lists no quantizations"}.`
        );
    return plan;
}

async function cachedCopy(ref: string, env: NodeJS.ProcessEnv | undefined): Promise<string | null> {
    try {
        const {resolveModelSource} = await import("../download/resolve.js");
        const source = await resolveModelSource(ref, {env});
        return source.kind === "local" ? source.path : null;
    } catch {
        return null;
    }
}

async function twinFor(
    model: CatalogModel,
    quant: string,
    options: CatalogPlanOptions
): Promise<string | {reason: string}> {
    if (model.shape == null) return {reason: "not in the cache, and the catalog has no shape to write a twin from"};
    const {findQuantRecipe} = await import("../gguf/twin-layout.js");
    try {
        findQuantRecipe(quant);
    } catch {
        return {reason: "not in the cache, and llmproof cannot write a twin at this quantization"};
    }
    const {ensureCatalogTwin} = await import("../gguf/twin-cache.js");
    try {
        return (await ensureCatalogTwin(model, quant, {env: options.env, maxBytes: options.maxTwinBytes})).path;
    } catch (error) {
        if (error instanceof UserError) return {reason: errorMessage(error)};
        throw error;
    }
}

/** `--files`: GGUF paths, a folder standing for every .gguf inside it. */
export async function planFileLadder(inputs: readonly string[]): Promise<LadderPlan> {
    const paths: string[] = [];
    for (const input of inputs) {
        const info = await stat(input).catch(() => null);
        if (info === null) throw new UserError(`No such file or folder: ${input}`);
        if (info.isDirectory()) {
            const names = (await readdir(input)).filter((name) => name.toLowerCase().endsWith(".gguf")).sort();
            if (names.length === 0) throw new UserError(`The folder ${input} holds no .gguf files.`);
            paths.push(...names.map((name) => resolve(join(input, name))));
        } else paths.push(resolve(input));
    }
    const unique = [...new Set(paths)];
    if (unique.length === 0) throw new UserError("Give at least one GGUF file to --files.");
    // The quant is read from each header when the rung is measured.
    return {rungs: unique.map((path) => ({quant: "", source: "file" as const, path})), skipped: []};
}
