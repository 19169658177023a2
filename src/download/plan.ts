import {basename} from "node:path";
import {UserError} from "../util/errors.js";
import {displayUrl} from "./http.js";
import {formatBytes} from "../util/units.js";
import {cachePlaceForHubFile, cachePlaceForUrl, type CachePlace} from "./cache.js";
import {
    defaultRevision,
    formatHfRef,
    hubFileUrl,
    isHfUri,
    parseHfUri,
    parseHubFileUrl,
    splitPartInfo,
    splitPartPaths,
    type HfFileRef,
    type HfQuantRef
} from "./hf-uri.js";
import {authorizationHeaders, defaultHubEndpoint, hubStatusError, listRepoFiles, type HubFile} from "./hub-api.js";

/**
 * Turn what the user typed (catalog id[:QUANT], hf: URI, URL) into the exact remote files of one
 * model (one file, or every part of a split set), with their sizes, expected SHA-256 and cache place.
 */

export type ChecksumSource = "hub" | "catalog";

export interface PlannedFile {
    /** Where the file is fetched from; a plain URL keeps its query (signed URLs), so show it with displayUrl(). */
    url: string;
    /** How messages name the file (`hf:user/repo/file.gguf`, or the URL). */
    label: string;
    size: number | null;
    sha256: string | null;
    checksumSource: ChecksumSource | null;
    place: CachePlace;
}

export interface ModelPlan {
    /** The reference in canonical form (`hf:user/repo@rev/path`, `qwen3-0.6b:Q8_0`, a URL). */
    label: string;
    /** Whether the files are on the hub endpoint, so the hub token may be sent with requests for them. */
    onHub: boolean;
    /** The hub base URL the files come from (when onHub). */
    endpoint: string;
    /** One file, or the parts of a split set in order. */
    files: PlannedFile[];
    /** Things worth telling the user (a catalog checksum that differs from the hub's, say). */
    warnings: string[];
}

export interface PlanOptions {
    endpoint: string;
    token: string | undefined;
    modelsDir: string;
    /** Save every file straight into this folder instead of the cache layout. */
    flatDir?: string;
    /** Fetch the hub's file listing (sizes, SHA-256). Without it, an `hf:` file URI needs no request at all. */
    listing: boolean;
    signal?: AbortSignal;
    /** For LLMPROOF_CATALOG (which catalog file ids are looked up in). */
    env?: NodeJS.ProcessEnv;
}

export function isRemoteUrl(text: string): boolean {
    return /^https?:\/\//i.test(text);
}

export {displayUrl} from "./http.js";

export async function planModel(ref: string, options: PlanOptions): Promise<ModelPlan> {
    if (isHfUri(ref)) {
        const hfRef = parseHfUri(ref);
        return hfRef.kind === "file"
            ? await planHubFile(hfRef, options.endpoint, options)
            : await planHubQuant(hfRef, options.endpoint, options, formatHfRef(hfRef));
    }
    if (isRemoteUrl(ref)) {
        const hubRef = parseHubFileUrl(ref, options.endpoint);
        if (hubRef != null) return await planHubFile(hubRef, hubEndpointForUrl(ref, options.endpoint), options);
        return await planPlainUrl(ref, options);
    }
    return await planCatalogModel(ref, options);
}

/** A hub URL on another host than HF_ENDPOINT (a huggingface.co link while a mirror is configured) is fetched from its own host. */
function hubEndpointForUrl(url: string, endpoint: string): string {
    return new URL(url).host === new URL(endpoint).host ? endpoint : defaultHubEndpoint;
}

function placeFor(repo: string, revision: string, path: string, options: PlanOptions): CachePlace {
    if (options.flatDir != null) return {dir: options.flatDir, fileName: basename(path)};
    return cachePlaceForHubFile(options.modelsDir, repo, revision, path);
}

function hubPlannedFile(
    repo: string,
    revision: string,
    path: string,
    endpoint: string,
    listed: HubFile | undefined,
    options: PlanOptions
): PlannedFile {
    return {
        url: hubFileUrl(endpoint, repo, revision, path),
        label: formatHfRef({kind: "file", repo, revision, path}),
        size: listed?.size ?? null,
        sha256: listed?.sha256 ?? null,
        checksumSource: listed?.sha256 == null ? null : "hub",
        place: placeFor(repo, revision, path, options)
    };
}

async function planHubFile(ref: HfFileRef, endpoint: string, options: PlanOptions): Promise<ModelPlan> {
    const paths = splitPartPaths(ref.path);
    const plan: ModelPlan = {label: formatHfRef(ref), onHub: true, endpoint, files: [], warnings: []};
    if (!options.listing) {
        plan.files = paths.map((path) => hubPlannedFile(ref.repo, ref.revision, path, endpoint, undefined, options));
        return plan;
    }
    const listing = await listRepoFiles(ref.repo, ref.revision, {
        endpoint,
        token: options.token ?? null,
        signal: options.signal
    });
    const byPath = new Map(listing.map((file) => [file.path, file]));
    const missing = paths.filter((path) => !byPath.has(path));
    if (missing.length > 0) {
        const what = paths.length > 1 ? `${missing[0]} (a part of the split file ${ref.path})` : ref.path;
        throw new UserError(
            `${ref.repo}${revisionSuffix(ref.revision)} has no file ${what}${suggestGgufFiles(listing)}.`
        );
    }
    plan.files = paths.map((path) => hubPlannedFile(ref.repo, ref.revision, path, endpoint, byPath.get(path), options));
    return plan;
}

function revisionSuffix(revision: string): string {
    return revision === defaultRevision ? "" : `@${revision}`;
}

/** The GGUF models of a listing: single files, and split sets keyed by their first part; vision projectors left out. */
export function ggufModelsIn(listing: HubFile[]): Map<string, HubFile[]> {
    const models = new Map<string, HubFile[]>();
    for (const file of listing) {
        if (!file.path.toLowerCase().endsWith(".gguf") || /(^|\/)mmproj/i.test(file.path)) continue;
        const key = splitPartPaths(file.path)[0]!;
        models.set(key, [...(models.get(key) ?? []), file]);
    }
    for (const files of models.values())
        files.sort((a, b) => (splitPartInfo(a.path)?.part ?? 1) - (splitPartInfo(b.path)?.part ?? 1));
    return models;
}

/** Does a file name carry this quantization name as a word ("model-Q4_K_M.gguf", "model.q8_0-00001-of-00002.gguf")? */
export function fileNameHasQuant(path: string, quant: string): boolean {
    const escaped = quant.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9_])`, "i").test(basename(path));
}

function suggestGgufFiles(listing: HubFile[]): string {
    const names = [...ggufModelsIn(listing).keys()];
    if (names.length === 0) return " (the repo has no GGUF files)";
    const shown = names.slice(0, 8).join(", ");
    return ` (its GGUF files: ${shown}${names.length > 8 ? `, and ${names.length - 8} more` : ""})`;
}

async function planHubQuant(
    ref: HfQuantRef,
    endpoint: string,
    options: PlanOptions,
    label: string
): Promise<ModelPlan> {
    const listing = await listRepoFiles(ref.repo, ref.revision, {
        endpoint,
        token: options.token ?? null,
        signal: options.signal
    });
    const models = ggufModelsIn(listing);
    const where = `${ref.repo}${revisionSuffix(ref.revision)}`;
    let candidates = [...models.entries()];
    if (ref.quant != null) candidates = candidates.filter(([key]) => fileNameHasQuant(key, ref.quant!));
    else if (candidates.length > 1) {
        // node-llama-cpp's default for a bare repo is Q4_K_M.
        const preferred = candidates.filter(([key]) => fileNameHasQuant(key, "Q4_K_M"));
        if (preferred.length > 0) candidates = preferred;
    }
    if (candidates.length === 0)
        throw new UserError(
            ref.quant == null
                ? `${where} has no GGUF files.`
                : `${where} has no ${ref.quant} GGUF file${suggestGgufFiles(listing)}.`
        );
    if (candidates.length > 1)
        throw new UserError(
            `${label} is ambiguous: ${where} has ${candidates.length} matching GGUF files (${candidates
                .map(([key]) => key)
                .slice(0, 8)
                .join(", ")}); name one with hf:${ref.repo}/<file>.`
        );
    const [firstPath, files] = candidates[0]!;
    const expected = splitPartPaths(firstPath);
    const byPath = new Map(files.map((file) => [file.path, file]));
    const missing = expected.filter((path) => !byPath.has(path));
    if (missing.length > 0)
        throw new UserError(`${where} lists the split file ${firstPath} without its part ${missing[0]}.`);
    return {
        label,
        onHub: true,
        endpoint,
        files: expected.map((path) =>
            hubPlannedFile(ref.repo, ref.revision, path, endpoint, byPath.get(path), options)
        ),
        warnings: []
    };
}

/** The size of a plain URL's file (http.ts: HEAD, or a one-byte range GET), with its errors worded for a download. */
async function remoteSize(url: string, signal: AbortSignal | undefined): Promise<number | null> {
    const {remoteFileSize, HttpStatusError} = await import("./http.js");
    try {
        return (await remoteFileSize(url, {signal}))?.bytes ?? null;
    } catch (error) {
        if (error instanceof HttpStatusError)
            throw hubStatusError(error.status, displayUrl(url), new URL(url).host, false);
        throw error;
    }
}

async function planPlainUrl(url: string, options: PlanOptions): Promise<ModelPlan> {
    const parsed = new URL(url);
    const partUrls = splitPartPaths(parsed.pathname).map((pathname) => {
        const partUrl = new URL(url);
        partUrl.pathname = pathname;
        return partUrl.href;
    });
    const files: PlannedFile[] = [];
    for (const partUrl of partUrls) {
        const place =
            options.flatDir != null
                ? {dir: options.flatDir, fileName: cachePlaceForUrl(options.modelsDir, partUrl).fileName}
                : cachePlaceForUrl(options.modelsDir, partUrl);
        files.push({
            url: partUrl,
            label: displayUrl(partUrl),
            size: options.listing ? await remoteSize(partUrl, options.signal) : null,
            sha256: null,
            checksumSource: null,
            place
        });
    }
    return {label: displayUrl(url), onHub: false, endpoint: options.endpoint, files, warnings: []};
}

// ---- catalog ids ----

async function planCatalogModel(ref: string, options: PlanOptions): Promise<ModelPlan> {
    const {loadCatalog} = await import("../catalog/load.js");
    const {resolveCatalogRef} = await import("../catalog/lookup.js");
    const catalog = await loadCatalog({env: options.env});
    const {model, file} = resolveCatalogRef(catalog, ref);
    const label = `${model.id}:${file.quant}`;
    const repo = file.repo!;
    const revision = file.revision;
    if (file.path == null) {
        // The catalog knows the quantization exists but not its file name: find it in the repo's listing.
        const plan = await planHubQuant(
            {kind: "quant", repo, revision, quant: file.quant},
            options.endpoint,
            options,
            label
        );
        applyCatalogFacts(
            plan,
            plan.files.length === 1 ? [file.sha256] : [],
            plan.files.length === 1 ? [file.sizeBytes] : []
        );
        return plan;
    }
    // A split file whose parts the catalog does not list follows llama.cpp's part naming.
    const parts =
        file.parts.length > 1
            ? file.parts
            : splitPartPaths(file.path).length > 1
              ? // The catalog's size and SHA-256 are the whole split file's; no part has them.
                splitPartPaths(file.path).map((path) => ({path, sizeBytes: null, sha256: null}))
              : [{path: file.path, sizeBytes: file.sizeBytes, sha256: file.sha256}];
    const paths = parts.map((part) => part.path);
    let listed: Map<string, HubFile> | undefined;
    if (options.listing) {
        const listing = await listRepoFiles(repo, revision, {
            endpoint: options.endpoint,
            token: options.token ?? null,
            signal: options.signal
        });
        listed = new Map(listing.map((entry) => [entry.path, entry]));
        const missing = paths.filter((path) => !listed!.has(path));
        if (missing.length > 0)
            throw new UserError(
                `The catalog names ${missing[0]} for ${label}, but ${repo}${revisionSuffix(revision)} has no such file${suggestGgufFiles(listing)}; ` +
                    `the catalog entry may be out of date.`
            );
    }
    const plan: ModelPlan = {
        label,
        onHub: true,
        endpoint: options.endpoint,
        files: paths.map((path) => hubPlannedFile(repo, revision, path, options.endpoint, listed?.get(path), options)),
        warnings: []
    };
    // A single file's size and SHA-256 are the whole file's; a split file's are per part.
    applyCatalogFacts(
        plan,
        parts.map((part) => part.sha256),
        parts.map((part) => part.sizeBytes)
    );
    return plan;
}

/** Fill in what the hub did not say from the catalog, and warn where the two disagree. */
function applyCatalogFacts(plan: ModelPlan, shas: (string | null)[], sizes: (number | null)[]): void {
    plan.files.forEach((planned, index) => {
        const catalogSha = shas[index] ?? null;
        const catalogSize = sizes[index] ?? null;
        if (catalogSha != null) {
            if (planned.sha256 == null) {
                planned.sha256 = catalogSha;
                planned.checksumSource = "catalog";
            } else if (planned.sha256 !== catalogSha) {
                plan.warnings.push(
                    `The catalog records SHA-256 ${catalogSha} for ${planned.label}, but the hub now lists ${planned.sha256}; verifying against ` +
                        `the hub (the catalog entry may be out of date).`
                );
            }
        }
        if (catalogSize != null) {
            if (planned.size == null) planned.size = catalogSize;
            else if (planned.size !== catalogSize)
                plan.warnings.push(
                    `The catalog records ${formatBytes(catalogSize)} for ${planned.label}, but the hub lists ${formatBytes(planned.size)}.`
                );
        }
    });
}

/** Request headers for one planned file: the hub token, only for hub files. */
export function requestHeadersFor(plan: ModelPlan, token: string | undefined): Record<string, string> {
    return plan.onHub ? authorizationHeaders(token) : {};
}
