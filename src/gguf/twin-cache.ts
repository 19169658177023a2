import {createHash} from "node:crypto";
import {stat} from "node:fs/promises";
import {join, resolve} from "node:path";
import type {CatalogModel} from "../catalog/schema.js";
import {normalizeQuant} from "../catalog/lookup.js";
import {UserError} from "../util/errors.js";
import {logInfo} from "../util/log.js";
import {userCacheDir} from "../util/paths.js";
import {findQuantRecipe} from "./twin-layout.js";

/**
 * Shape-twins of catalog models, written once into the user's cache and reused afterwards. The
 * file name carries a hash of the shape and the quantization recipe, so an edited catalog shape
 * never reuses an old twin. Writes are atomic (the GGUF writer renames a finished temporary file),
 * so an interrupted write never leaves a twin that looks finished.
 */

/** LLMPROOF_TWINS_DIR, else `<user cache>/llmproof/twins`. */
export function resolveTwinsDir(env: NodeJS.ProcessEnv = process.env): string {
    const configured = env.LLMPROOF_TWINS_DIR?.trim();
    return configured ? resolve(configured) : userCacheDir("twins", env);
}

export interface CatalogTwin {
    path: string;
    modelId: string;
    quant: string;
    fileBytes: number;
    /** False when this call wrote the file. */
    reused: boolean;
}

export interface EnsureTwinOptions {
    env?: NodeJS.ProcessEnv;
    /** Refuse to write a twin larger than this (bytes); the estimate comes from the layout, before writing. */
    maxBytes?: number;
}

/** Where the twin of `model` at `quant` lives in the cache (whether or not it exists yet). */
export function catalogTwinPath(model: CatalogModel, quant: string, env: NodeJS.ProcessEnv = process.env): string {
    if (model.shape == null)
        throw new UserError(`Catalog model "${model.id}" has no shape, so llmproof cannot write a twin of it.`);
    const recipe = findQuantRecipe(normalizeQuant(quant)).name;
    const shapeKey = createHash("sha256").update(JSON.stringify(model.shape)).digest("hex").slice(0, 10);
    return join(resolveTwinsDir(env), `${model.id}-${recipe}-${shapeKey}.twin.gguf`);
}

/** The cached twin of a catalog model at one quantization, written first when it is not there. */
export async function ensureCatalogTwin(
    model: CatalogModel,
    quant: string,
    options: EnsureTwinOptions = {}
): Promise<CatalogTwin> {
    const path = catalogTwinPath(model, quant, options.env);
    const recipe = findQuantRecipe(normalizeQuant(quant)).name;
    const existing = await stat(path).catch(() => null);
    if (existing?.isFile()) return {path, modelId: model.id, quant: recipe, fileBytes: existing.size, reused: true};
    const {estimateTwinGguf, writeTwinGguf} = await import("./synth.js");
    const twinOptions = {shape: model.shape!, quant: recipe, name: `${model.name} twin`};
    if (options.maxBytes != null) {
        const planned = estimateTwinGguf(twinOptions).fileBytes;
        if (planned > options.maxBytes)
            throw new UserError(
                `A ${recipe} twin of ${model.id} would take ${(planned / 1e9).toFixed(1)} GB, over the limit of ${(options.maxBytes / 1e9).toFixed(1)} GB.`
            );
    }
    logInfo(`writing a ${recipe} shape-twin of ${model.name} to ${path} …`);
    const report = await writeTwinGguf({...twinOptions, outputPath: path});
    return {path, modelId: model.id, quant: recipe, fileBytes: report.fileBytes, reused: false};
}
