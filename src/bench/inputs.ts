import {stat} from "node:fs/promises";
import {resolve} from "node:path";
import type {Catalog, CatalogModel} from "../catalog/schema.js";
import {UserError, errorMessage, isUserError} from "../util/errors.js";
import {ExitCode} from "../util/exit-codes.js";
import {logInfo, logWarning} from "../util/log.js";

/**
 * What `llmproof bench` accepts as a model, and how each becomes a local GGUF file:
 * - a path to a `.gguf` file;
 * - a catalog id with a quantization (`qwen3-0.6b:Q8_0`): measured from the model cache, pulled
 *   into it first when missing (resume, SHA-256 check);
 * - an `hf:` URI or an http(s) URL: the same, through `llmproof pull`;
 * - `twin:<catalog id>[:QUANT]`: a shape-twin written once into the user's cache from the
 *   catalog's shape, reused afterwards, and labelled as a twin in every output;
 * - `--suite <name>`: every model of a catalog suite, from the cache when present, else as a twin.
 *
 * Inputs are handled in two passes so that nothing is measured when one is wrong: `planInputs`
 * checks every input (files exist, catalog names resolve, twins have a shape, URIs parse) without
 * network or writes, and `acquireInputs` then pulls and writes twins. Every problem of the first
 * pass is reported at once, as a usage error.
 */

export type InputPlan =
    | {kind: "path"; text: string; path: string}
    | {kind: "remote"; text: string; ref: string; cachedPath: string | null}
    | {kind: "twin"; text: string; model: CatalogModel; quant: string};

export interface ResolvedModel {
    path: string;
    /** What the user typed (null for a plain path). */
    ref: string | null;
    twin: {modelId: string | null; quant: string | null} | null;
}

export interface PlanInputsOptions {
    suite?: string;
    env?: NodeJS.ProcessEnv;
}

const TWIN_PREFIX = "twin:";

/** Check every input without measuring, downloading or writing anything. */
export async function planInputs(texts: readonly string[], options: PlanInputsOptions = {}): Promise<InputPlan[]> {
    const env = options.env ?? process.env;
    if (texts.length === 0 && options.suite === undefined)
        throw usage(
            "Give at least one model to benchmark: a .gguf file, a catalog id such as qwen3-0.6b:Q8_0, an hf: URI, " +
                "twin:<catalog id>:<QUANT>, or --suite <name>."
        );
    let catalog: Catalog | null = null;
    const loadCatalogOnce = async () => {
        if (catalog === null) {
            const {loadCatalog} = await import("../catalog/load.js");
            catalog = await loadCatalog({env});
        }
        return catalog;
    };

    const plans: InputPlan[] = [];
    const problems: string[] = [];
    for (const text of texts) {
        try {
            plans.push(await planOne(text, loadCatalogOnce, env));
        } catch (error) {
            if (!isUserError(error)) throw error;
            problems.push(errorMessage(error).replace(/\.$/, ""));
        }
    }
    if (options.suite !== undefined) {
        try {
            plans.push(...(await planSuite(options.suite, await loadCatalogOnce(), env)));
        } catch (error) {
            if (!isUserError(error)) throw error;
            problems.push(errorMessage(error).replace(/\.$/, ""));
        }
    }
    if (problems.length === 1) throw usage(`${problems[0]}; nothing was measured.`);
    if (problems.length > 1)
        throw usage(`${problems.length} inputs cannot be benchmarked (nothing was measured): ${problems.join("; ")}.`);
    if (plans.length === 0) throw usage(`Suite "${options.suite}" has no model that can be benchmarked here.`);
    return plans;
}

async function planOne(text: string, loadCatalog: () => Promise<Catalog>, env: NodeJS.ProcessEnv): Promise<InputPlan> {
    if (text.startsWith(TWIN_PREFIX)) return planTwin(text, await loadCatalog());
    const {isHfUri, parseHfUri} = await import("../download/hf-uri.js");
    const {isRemoteUrl} = await import("../download/plan.js");
    if (isHfUri(text)) {
        parseHfUri(text); // a malformed URI is a usage error now, not after other models were measured
        return {kind: "remote", text, ref: text, cachedPath: await cachedPathOf(text, env)};
    }
    if (isRemoteUrl(text)) return {kind: "remote", text, ref: text, cachedPath: await cachedPathOf(text, env)};

    const path = resolve(text);
    const info = await stat(path).catch(() => null);
    if (info !== null) {
        if (!info.isFile()) throw new UserError(`${text} is not a file; give the path of a .gguf model`);
        return {kind: "path", text, path};
    }
    if (/[/\\]/.test(text) || /\.gguf$/i.test(text)) throw new UserError(`No such model file: ${text}`);
    // Not a file: a catalog id[:QUANT].
    const catalog = await loadCatalog();
    const {requireModel, resolveCatalogRef} = await import("../catalog/lookup.js");
    const name = text.includes(":") ? text.slice(0, text.lastIndexOf(":")) : text;
    try {
        requireModel(catalog, name);
    } catch (error) {
        if (!isUserError(error)) throw error;
        const why = errorMessage(error).replace(/\.$/, "");
        throw new UserError(`No such model file: ${text}, and ${why.charAt(0).toLowerCase()}${why.slice(1)}`);
    }
    const {model, file} = resolveCatalogRef(catalog, text);
    const ref = `${model.id}:${file.quant}`;
    return {kind: "remote", text, ref, cachedPath: await cachedPathOf(ref, env)};
}

function planTwin(text: string, catalog: Catalog): Promise<InputPlan> {
    return (async () => {
        const {requireModel, defaultQuant, normalizeQuant} = await import("../catalog/lookup.js");
        const {findQuantRecipe} = await import("../gguf/twin-layout.js");
        const rest = text.slice(TWIN_PREFIX.length);
        const colon = rest.lastIndexOf(":");
        const name = colon > 0 ? rest.slice(0, colon) : rest;
        if (name === "") throw new UserError(`"${text}" names no model; write twin:<catalog id>:<QUANT>`);
        const model = requireModel(catalog, name);
        if (model.shape == null)
            throw new UserError(
                `Catalog model "${model.id}" has no shape, so llmproof cannot write a twin of it (${text})`
            );
        const quant = colon > 0 ? normalizeQuant(rest.slice(colon + 1)) : (defaultQuant(model) ?? "Q4_K_M");
        const recipe = findQuantRecipe(quant).name;
        return {kind: "twin", text, model, quant: recipe};
    })();
}

/** The models of a suite: the cached file when there is one, else a twin; models with neither are skipped with a note. */
async function planSuite(suite: string, catalog: Catalog, env: NodeJS.ProcessEnv): Promise<InputPlan[]> {
    const {modelsBySuite, defaultQuant} = await import("../catalog/lookup.js");
    const {findQuantRecipe} = await import("../gguf/twin-layout.js");
    const plans: InputPlan[] = [];
    for (const model of modelsBySuite(catalog, suite)) {
        const quant = defaultQuant(model);
        const ref = quant === undefined ? null : `${model.id}:${quant}`;
        const cachedPath = ref === null ? null : await cachedPathOf(ref, env);
        if (cachedPath !== null) {
            plans.push({kind: "remote", text: ref!, ref: ref!, cachedPath});
            continue;
        }
        if (model.shape != null) {
            const recipe = findQuantRecipe(quant ?? "Q4_K_M").name;
            plans.push({kind: "twin", text: `${TWIN_PREFIX}${model.id}:${recipe}`, model, quant: recipe});
            continue;
        }
        logWarning(
            `suite ${suite}: ${model.id} is skipped: no file of it is in the model cache and the catalog has no shape to write a twin from` +
                (ref === null ? "." : ` (\`llmproof pull ${ref}\` adds it).`)
        );
    }
    return plans;
}

/** Where a catalog ref or hf: URI would sit in the model cache, if it is already there (no network). */
async function cachedPathOf(ref: string, env: NodeJS.ProcessEnv): Promise<string | null> {
    try {
        const {planModel} = await import("../download/plan.js");
        const {resolveModelsDir} = await import("../download/cache.js");
        const plan = await planModel(ref, {
            endpoint: "https://offline.invalid",
            token: undefined,
            modelsDir: resolveModelsDir(env),
            listing: false,
            env
        });
        const paths = plan.files.map((file) => resolve(file.place.dir, file.place.fileName));
        for (const path of paths) {
            const info = await stat(path).catch(() => null);
            if (info === null || !info.isFile()) return null;
            const partial = await stat(`${path}.ipull`).catch(() => null);
            if (partial !== null) return null;
        }
        return paths[0] ?? null;
    } catch {
        // Needs the hub's listing (hf:user/repo:QUANT) or the catalog lacks a file name: pull decides.
        return null;
    }
}

export interface AcquireOptions {
    env?: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    /** Refuse to write a twin larger than this many bytes. */
    maxTwinBytes?: number;
}

/** Turn checked inputs into local files: pull what is missing, write twins not yet cached. */
export async function acquireInputs(
    plans: readonly InputPlan[],
    options: AcquireOptions = {}
): Promise<ResolvedModel[]> {
    const env = options.env ?? process.env;
    const models: ResolvedModel[] = [];
    for (const plan of plans) {
        if (plan.kind === "path") {
            models.push({path: plan.path, ref: null, twin: null});
            continue;
        }
        if (plan.kind === "twin") {
            const {ensureCatalogTwin} = await import("../gguf/twin-cache.js");
            const twin = await ensureCatalogTwin(plan.model, plan.quant, {env, maxBytes: options.maxTwinBytes});
            if (twin.reused) logInfo(`using the cached ${twin.quant} twin of ${plan.model.id}: ${twin.path}`);
            models.push({path: twin.path, ref: plan.text, twin: {modelId: plan.model.id, quant: twin.quant}});
            continue;
        }
        if (plan.cachedPath !== null) {
            logInfo(`${plan.ref}: measuring the cached file ${plan.cachedPath}`);
            models.push({path: plan.cachedPath, ref: plan.ref, twin: null});
            continue;
        }
        const {pullModel} = await import("../download/pull.js");
        const pulled = await pullModel(plan.ref, {env, signal: options.signal});
        models.push({path: pulled.path, ref: plan.ref, twin: null});
    }
    return models;
}

function usage(message: string): UserError {
    return new UserError(message, {exitCode: ExitCode.usage});
}
