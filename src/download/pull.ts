import {mkdir, rename, rm, rmdir, stat, statfs} from "node:fs/promises";
import {dirname, join, resolve} from "node:path";
import {z} from "zod";
import {assertWritableTarget} from "../util/atomic-write.js";
import {UserError, errorMessage} from "../util/errors.js";
import {ExitCode} from "../util/exit-codes.js";
import {formatBytes} from "../util/units.js";
import {logInfo, logWarning, isQuiet} from "../util/log.js";
import {resolveModelsDir} from "./cache.js";
import {hubStatusError, resolveHubEndpoint, resolveHubToken} from "./hub-api.js";
import {formatSeconds, httpTimeoutMs} from "./http.js";
import {displayUrl, planModel, type ModelPlan, type PlannedFile} from "./plan.js";
import {ProgressLine} from "./progress.js";
import {moveAside, readVerifiedSidecar, sha256OfFile, sidecarPath, writeVerifiedSidecar} from "./sha256.js";

/**
 * `llmproof pull`: fetch one model (a file or a split set) into the model cache through
 * node-llama-cpp's downloader (parallel connections, resume, split files, hub tokens), after
 * checking free disk space, then verify every file's SHA-256 against the hub or the catalog.
 * Files are downloaded into a staging folder beside their final place and validated there (size,
 * GGUF structure, SHA-256); only a good file is renamed to its final name, so a bad body never
 * appears under it, not even for a moment.
 */

export const FileCheckSchema = z.enum([
    /** Hashed now; equal to the published SHA-256. */
    "verified",
    /** Hashed and found equal by an earlier pull (the `.sha256` sidecar is newer than the file). */
    "verified-earlier",
    /** Hashed, but nobody publishes a SHA-256 to compare with (a plain URL). */
    "no-checksum",
    /** `--no-verify`. */
    "skipped"
]);

export const PulledFileSchema = z.object({
    path: z.string(),
    size: z.number().int().nonnegative(),
    /** SHA-256 of the file on disk; null when not hashed (`--no-verify`). */
    sha256: z.string().nullable(),
    expectedSha256: z.string().nullable(),
    checksumSource: z.enum(["hub", "catalog"]).nullable(),
    check: FileCheckSchema,
    /** Where it came from (no credentials, no query string). */
    url: z.string()
});

export const PullResultSchema = z.object({
    /** The reference in canonical form. */
    model: z.string(),
    /** The file to load (the first part of a split set). */
    path: z.string(),
    totalBytes: z.number().int().nonnegative(),
    files: z.array(PulledFileSchema).min(1)
});
export type PulledFile = z.infer<typeof PulledFileSchema>;
export type PullResult = z.infer<typeof PullResultSchema>;

export interface PullOptions {
    /** Save the files straight into this folder instead of the model cache. */
    dir?: string;
    /** Hash and compare every file (default true). */
    verify?: boolean;
    /** Draw a progress line on stderr; default: when stderr is a terminal and logging is not quiet. */
    progress?: boolean;
    signal?: AbortSignal;
    /** Environment for HF_ENDPOINT, HF_TOKEN and LLMPROOF_MODELS_DIR (default process.env). */
    env?: NodeJS.ProcessEnv;
    /** Free bytes on the filesystem holding a folder; injectable for tests. Default: fs.statfs. */
    freeBytes?: (dir: string) => Promise<number>;
}

export async function pullModel(ref: string, options: PullOptions = {}): Promise<PullResult> {
    const env = options.env ?? process.env;
    const endpoint = resolveHubEndpoint(env);
    const token = await resolveHubToken(env);
    const flatDir = options.dir == null ? undefined : resolve(options.dir);
    const plan = await planModel(ref, {
        endpoint,
        token,
        modelsDir: resolveModelsDir(env),
        flatDir,
        listing: true,
        signal: options.signal,
        env
    });
    for (const warning of plan.warnings) logWarning(warning);

    // Before any transfer: every final name is free or a regular file, in a writable folder.
    for (const file of plan.files) await assertWritableTarget(localPathOf(file));
    await checkDiskSpace(plan, options.freeBytes ?? freeBytesWithStatfs);
    const staged = await downloadPlan(plan, {endpoint, token, signal: options.signal, progress: options.progress});
    const files = await verifyFiles(plan, staged, options.verify ?? true);
    return PullResultSchema.parse({
        model: plan.label,
        path: localPathOf(plan.files[0]!),
        totalBytes: files.reduce((sum, file) => sum + file.size, 0),
        files
    });
}

// ---- disk space ----

async function freeBytesWithStatfs(dir: string): Promise<number> {
    const stats = await statfs(dir);
    return Number(stats.bavail) * Number(stats.bsize);
}

/** The nearest folder that exists (the cache folder may not yet). */
async function existingAncestor(dir: string): Promise<string> {
    let current = resolve(dir);
    for (;;) {
        if (
            await stat(current).then(
                (info) => info.isDirectory(),
                () => false
            )
        )
            return current;
        const parent = dirname(current);
        if (parent === current) return current;
        current = parent;
    }
}

function localPathOf(file: PlannedFile): string {
    return join(file.place.dir, file.place.fileName);
}

/**
 * The staging folder beside a file's final place: the downloader writes there, and a file leaves it
 * for its final name only once it has passed its checks. Hidden, so that nothing looking for models
 * in the folder picks up an unchecked file.
 */
export const STAGING_FOLDER = ".llmproof-downloading";

function stagingDirOf(file: PlannedFile): string {
    return join(file.place.dir, STAGING_FOLDER);
}

function stagedPathOf(file: PlannedFile): string {
    return join(stagingDirOf(file), file.place.fileName);
}

/** node-llama-cpp's downloader (ipull) writes into `<file>.ipull` (in the staging folder) and renames it when done. */
function partialPathOf(file: PlannedFile): string {
    return `${stagedPathOf(file)}.ipull`;
}

/** Where versions of llmproof before the staging folder left a partial download. */
function legacyPartialPathOf(file: PlannedFile): string {
    return `${localPathOf(file)}.ipull`;
}

/** A regular file of the planned size (a known size) under `path`. */
async function isComplete(path: string, file: PlannedFile): Promise<boolean> {
    const info = await stat(path).catch(() => undefined);
    return file.size != null && info?.isFile() === true && info.size === file.size;
}

/** Bytes still to be written for a file: none when complete, less what a partial download already holds. */
async function bytesStillNeeded(file: PlannedFile): Promise<number> {
    if (file.size == null) return 0;
    if ((await isComplete(localPathOf(file), file)) || (await isComplete(stagedPathOf(file), file))) return 0;
    const partial =
        (await stat(partialPathOf(file)).catch(() => undefined)) ??
        (await stat(legacyPartialPathOf(file)).catch(() => undefined));
    // Count the blocks really allocated: the partial file is sparse until every chunk has arrived.
    const held = partial == null ? 0 : Math.min(file.size, partial.blocks * 512);
    return file.size - held;
}

async function checkDiskSpace(plan: ModelPlan, freeBytes: (dir: string) => Promise<number>): Promise<void> {
    let needed = 0;
    for (const file of plan.files) needed += await bytesStillNeeded(file);
    if (plan.files.some((file) => file.size == null))
        logWarning(`The size of ${plan.label} is not known in advance, so free disk space cannot be checked first.`);
    if (needed === 0) return;
    const folder = await existingAncestor(plan.files[0]!.place.dir);
    let free: number;
    try {
        free = await freeBytes(folder);
    } catch (error) {
        logWarning(`Could not read the free space of ${folder} (${errorMessage(error)}); downloading anyway.`);
        return;
    }
    if (needed > free)
        throw new UserError(
            `Not enough disk space for ${plan.label}: it needs ${formatBytes(needed)} more but ${folder} has only ${formatBytes(free)} free; ` +
                "free some space, or pull into another folder with --dir or LLMPROOF_MODELS_DIR."
        );
}

// ---- download ----

interface DownloadContext {
    endpoint: string;
    token: string | undefined;
    signal?: AbortSignal;
    progress?: boolean;
}

/** A standard split set (`-0000k-of-0000N.gguf` in one folder) goes to node-llama-cpp as its first part; it fetches the rest. */
function isOneDownload(plan: ModelPlan): boolean {
    if (plan.files.length === 1) return true;
    const first = plan.files[0]!;
    const expectedNames = plan.files.map((file) => file.place.fileName);
    return plan.files.every(
        (file, index) =>
            file.place.dir === first.place.dir &&
            new URL(file.url).pathname.endsWith(encodeURIComponent(expectedNames[index]!)) &&
            /-\d{5}-of-\d{5}\.gguf$/.test(file.place.fileName)
    );
}

/** Where each planned file is after the download: staged (to be checked, then renamed) or already under its final name. */
interface DownloadedFile {
    path: string;
    staged: boolean;
}

/**
 * Download a plan into the staging folder, unless every file is already complete under its final
 * name (a model pulled before: it is checked where it is). Returns where each file is, in plan order.
 */
async function downloadPlan(plan: ModelPlan, context: DownloadContext): Promise<DownloadedFile[]> {
    const finals = plan.files.map(localPathOf);
    if ((await Promise.all(plan.files.map((file, index) => isComplete(finals[index]!, file)))).every(Boolean))
        return finals.map((path) => ({path, staged: false}));
    for (const file of plan.files) {
        await mkdir(stagingDirOf(file), {recursive: true});
        // A partial download left beside the final name by an earlier version resumes from the staging folder.
        if (
            (await stat(legacyPartialPathOf(file)).catch(() => undefined))?.isFile() &&
            !(await stat(partialPathOf(file)).catch(() => undefined))
        )
            await rename(legacyPartialPathOf(file), partialPathOf(file)).catch(() => undefined);
    }
    const paths = await downloadIntoStaging(plan, context);
    if (paths.length !== plan.files.length)
        throw new Error(`expected ${plan.files.length} files but the downloader fetched ${paths.length}`);
    return paths.map((path) => ({path, staged: true}));
}

async function downloadIntoStaging(plan: ModelPlan, context: DownloadContext): Promise<string[]> {
    const {createModelDownloader, combineModelDownloaders} = await import("node-llama-cpp");
    const tokenSent = plan.onHub && context.token != null;
    const sharedOptions = {
        showCliProgress: false,
        skipExisting: true,
        // Keep the partial file on an interruption, so that the next pull resumes it.
        deleteTempFileOnCancel: false,
        parallelDownloads: 4,
        // node-llama-cpp sends the token only to URLs on the hub endpoint's host, and only after an
        // unauthenticated try was refused. Without one, it looks where resolveHubToken looked.
        tokens: plan.onHub && context.token != null ? {huggingFace: context.token} : undefined,
        endpoints: {huggingFace: `${plan.endpoint}/`}
    } as const;

    const totalBytes = plan.files.reduce((sum, file) => sum + (file.size ?? 0), 0);
    const showProgress = context.progress ?? (process.stderr.isTTY === true && !isQuiet());
    const progressLine = showProgress ? new ProgressLine(shortName(plan.files[0]!.place.fileName)) : undefined;
    // A server that stops sending (before its headers, or mid-body) must not hold the pull forever:
    // no new byte for the idle timeout (LLMPROOF_HTTP_TIMEOUT) stops the transfer, keeping the partial file.
    const idleMs = httpTimeoutMs();
    const stalled = new AbortController();
    let lastBytes = -1;
    let lastChange = Date.now();
    const watchdog = setInterval(() => {
        if (Date.now() - lastChange <= idleMs) return;
        stalled.abort(
            new UserError(
                `${new URL(plan.files[0]!.url).host} sent nothing for ${formatSeconds(idleMs)} while downloading ${plan.label}; ` +
                    "the partial file is kept, so running the same command again resumes it (LLMPROOF_HTTP_TIMEOUT sets the limit)."
            )
        );
    }, 250);
    watchdog.unref();
    const onProgress = (status: {totalSize: number; downloadedSize: number}) => {
        if (status.downloadedSize !== lastBytes) {
            lastBytes = status.downloadedSize;
            lastChange = Date.now();
        }
        progressLine?.update(status.downloadedSize, status.totalSize || totalBytes);
    };
    const signal = context.signal == null ? stalled.signal : AbortSignal.any([context.signal, stalled.signal]);

    logInfo(
        `Pulling ${plan.label} (${plan.files.length > 1 ? `${plan.files.length} parts, ` : ""}${totalBytes > 0 ? formatBytes(totalBytes) : "size unknown"}) ` +
            `into ${plan.files[0]!.place.dir}`
    );
    // Whatever is downloading, so that an interruption can wait for the partial files to be closed.
    let active: {cancel(): Promise<void>} | undefined;
    try {
        if (isOneDownload(plan)) {
            const first = plan.files[0]!;
            const downloader = await raceSignal(
                createModelDownloader({
                    ...sharedOptions,
                    modelUri: first.url,
                    dirPath: stagingDirOf(first),
                    fileName: first.place.fileName,
                    onProgress
                }),
                signal
            );
            active = {cancel: () => downloader.cancel({deleteTempFile: false})};
            await untilDoneOrInterrupted(downloader.download({signal}), signal);
            throwIfInterrupted(plan, context.signal, stalled.signal);
            const paths = downloader.filesInfo.map((file) => file.filePath);
            if (paths.length !== plan.files.length)
                throw new Error(`expected ${plan.files.length} files but the downloader fetched ${paths.length}`);
            return paths;
        }
        const downloaders = plan.files.map((file) =>
            createModelDownloader({
                ...sharedOptions,
                modelUri: file.url,
                dirPath: stagingDirOf(file),
                fileName: file.place.fileName
            })
        );
        const combined = await raceSignal(
            combineModelDownloaders(downloaders, {
                showCliProgress: false,
                parallelDownloads: 4,
                onProgress
            }),
            signal
        );
        active = combined;
        await untilDoneOrInterrupted(combined.download({signal}), signal);
        throwIfInterrupted(plan, context.signal, stalled.signal);
        return combined.entrypointFilePaths;
    } catch (error) {
        // Close the partial file and its progress record before the next pull reads them.
        if (signal.aborted) await active?.cancel().catch(() => undefined);
        if (stalled.signal.aborted && !context.signal?.aborted) throw stalled.signal.reason;
        throw downloadError(plan, error, tokenSent, context.signal);
    } finally {
        clearInterval(watchdog);
        progressLine?.finish();
    }
}

/**
 * Wait for a download, or for the signal. On an interruption node-llama-cpp's downloader (ipull) keeps
 * retrying a transfer that was failing until its retries run out (minutes), so do not wait for it.
 */
async function untilDoneOrInterrupted(download: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
    if (signal == null) {
        await download;
        return;
    }
    download.catch(() => undefined);
    let onAbort: (() => void) | undefined;
    const interrupted = new Promise<void>((resolveInterrupted) => {
        onAbort = () => resolveInterrupted();
        if (signal.aborted) resolveInterrupted();
        else signal.addEventListener("abort", onAbort, {once: true});
    });
    try {
        await Promise.race([download, interrupted]);
    } finally {
        signal.removeEventListener("abort", onAbort!);
    }
}

/** node-llama-cpp's downloader returns normally when cancelled, so the signals are the only witnesses of an interruption. */
function throwIfInterrupted(plan: ModelPlan, signal: AbortSignal | undefined, stalled: AbortSignal): void {
    if (signal?.aborted) throw interruptedError(plan);
    if (stalled.aborted) throw stalled.reason;
}

/** A promise, or the signal's reason as soon as it aborts (the promise is left to settle on its own). */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
    promise.catch(() => undefined);
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolvePromise, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, {once: true});
        promise.then(
            (value) => {
                signal.removeEventListener("abort", onAbort);
                resolvePromise(value);
            },
            (error: unknown) => {
                signal.removeEventListener("abort", onAbort);
                reject(error);
            }
        );
    });
}

function shortName(fileName: string): string {
    return fileName.length > 32 ? `${fileName.slice(0, 29)}...` : fileName;
}

function interruptedError(plan: ModelPlan): UserError {
    return new UserError(
        `The download of ${plan.label} was interrupted; the partial file is kept in ${stagingDirOf(plan.files[0]!)}, ` +
            "so running the same command again resumes it.",
        {exitCode: ExitCode.interrupted}
    );
}

/** Map what the downloader throws (ipull's StatusCodeError carries `statusCode`) to one sentence. */
function downloadError(plan: ModelPlan, error: unknown, tokenSent: boolean, signal: AbortSignal | undefined): unknown {
    if (error instanceof UserError) return error;
    if (signal?.aborted) return interruptedError(plan);
    const status = (error as {statusCode?: unknown})?.statusCode;
    if (typeof status === "number") {
        const failedUrl = (error as {url?: unknown}).url;
        const what =
            typeof failedUrl === "string"
                ? (plan.files.find((file) => file.url === failedUrl)?.label ?? displayUrl(failedUrl))
                : plan.label;
        return hubStatusError(status, what, new URL(plan.files[0]!.url).host, tokenSent);
    }
    if ((error as {code?: unknown})?.code === "ENOSPC")
        return new UserError(
            `The disk filled up while downloading ${plan.label}; free some space and run the same command again to resume.`,
            {cause: error}
        );
    return new UserError(
        `The download of ${plan.label} failed (${errorMessage(error)}); run the same command again to resume.`,
        {cause: error}
    );
}

// ---- verification ----

/**
 * Check every file where it is (size, GGUF structure, SHA-256). A staged file takes its final name
 * only when every file of the plan passed; a bad one is kept aside under `<final>.<reason>`, and
 * good staged ones wait in the staging folder (the next pull reuses them).
 */
async function verifyFiles(plan: ModelPlan, downloaded: DownloadedFile[], verify: boolean): Promise<PulledFile[]> {
    const results: PulledFile[] = [];
    const failures: string[] = [];
    for (const [index, planned] of plan.files.entries()) {
        const {path, staged} = downloaded[index]!;
        const finalPath = localPathOf(planned);
        const size = (await stat(path)).size;
        const base = {
            path: finalPath,
            size,
            expectedSha256: planned.sha256,
            checksumSource: planned.checksumSource,
            url: displayUrl(planned.url)
        };
        const keepAside = (suffix: string) =>
            staged ? moveStagedAside(path, finalPath, suffix) : moveAside(path, suffix);
        if (planned.size != null && size !== planned.size) {
            const aside = await keepAside("size-mismatch");
            failures.push(
                `${planned.label} has ${size} bytes but ${planned.size} were expected; it was kept aside as ${aside}`
            );
            continue;
        }
        // Whatever its checksum: a file under a .gguf name must be a whole GGUF (an HTML page, a body
        // cut short or garbage is kept aside, never given the final name).
        const invalid = await ggufProblem(path, planned.label);
        if (invalid != null) {
            const aside = await keepAside("invalid");
            failures.push(`${invalid}; it was kept aside as ${aside}`);
            continue;
        }
        if (!verify) {
            results.push({...base, sha256: null, check: "skipped"});
            continue;
        }
        // A sidecar speaks for the file under the final name only, never for a staged one.
        if (!staged && planned.sha256 != null && (await readVerifiedSidecar(path)) === planned.sha256) {
            results.push({...base, sha256: planned.sha256, check: "verified-earlier"});
            continue;
        }
        logInfo(`Verifying the SHA-256 of ${planned.place.fileName} (${formatBytes(size)})`);
        const actual = await sha256OfFile(path);
        if (planned.sha256 == null) {
            logWarning(`Nobody publishes a SHA-256 for ${planned.label}; compare it yourself: ${actual}`);
            results.push({...base, sha256: actual, check: "no-checksum"});
            continue;
        }
        if (actual !== planned.sha256) {
            const aside = await keepAside("sha256-mismatch");
            failures.push(
                `${planned.label} has SHA-256 ${actual} but the ${planned.checksumSource === "catalog" ? "catalog" : "hub's LFS listing"} says ` +
                    `${planned.sha256}; ` +
                    `the file was kept aside as ${aside}`
            );
            continue;
        }
        results.push({...base, sha256: actual, check: "verified"});
    }
    if (failures.length > 0)
        throw new UserError(
            `${failures.some((failure) => /SHA-256/.test(failure)) ? "Checksum verification" : "Verification"} failed: ${failures.join("; ")}. ` +
                "Delete it and pull again; if it fails again, the hub's copy or the catalog is wrong.",
            {exitCode: ExitCode.checksumMismatch}
        );
    // Every file passed: the staged ones take their final names (rename: atomic, on the same filesystem).
    for (const [index, planned] of plan.files.entries()) {
        const {path, staged} = downloaded[index]!;
        const finalPath = localPathOf(planned);
        if (staged) {
            // The sidecar of a file it replaces speaks for that file, not this one.
            await rm(sidecarPath(finalPath), {force: true});
            await rename(path, finalPath);
            await rmdir(stagingDirOf(planned)).catch(() => undefined);
        }
        const result = results[index]!;
        if (result.check === "verified") await writeVerifiedSidecar(finalPath, result.sha256!, planned.place.fileName);
    }
    return results;
}

/** Keep a staged file that failed its check beside its final place, as `<final>.<suffix>`, never under the final name. */
async function moveStagedAside(stagedPath: string, finalPath: string, suffix: string): Promise<string> {
    const asidePath = `${finalPath}.${suffix}`;
    await rename(stagedPath, asidePath);
    await rmdir(dirname(stagedPath)).catch(() => undefined);
    return asidePath;
}

/** Why a downloaded file is not a whole GGUF file (one clause), or null. */
async function ggufProblem(path: string, label: string): Promise<string | null> {
    const {openFileByteSource, readGgufStructure} = await import("../gguf/reader.js");
    let source: Awaited<ReturnType<typeof openFileByteSource>> | undefined;
    try {
        source = await openFileByteSource(path, label);
        const magic = await source.read(0, 4);
        if (magic.toString("latin1") !== "GGUF") {
            const start = (await source.read(0, 512)).toString("latin1").trimStart().toLowerCase();
            const what =
                start.startsWith("<!doctype html") || start.startsWith("<html") ? "a web page" : "not a GGUF file";
            return `${label} is ${what}, not a GGUF model (it does not start with the GGUF magic bytes)`;
        }
        await readGgufStructure(source);
        return null;
    } catch (error) {
        return errorMessage(error).replace(/\.$/, "");
    } finally {
        await source?.close();
    }
}

/** The human-readable result for stdout. */
export function renderPullResult(result: PullResult): string {
    const lines: string[] = [];
    for (const file of result.files) {
        const check = {
            verified: `verified against the ${file.checksumSource === "catalog" ? "catalog" : "hub's LFS SHA-256"}`,
            "verified-earlier": "verified by an earlier pull",
            "no-checksum": "no published checksum to compare with",
            skipped: "not checked (--no-verify)"
        }[file.check];
        lines.push(file.path);
        lines.push(`  size    ${formatBytes(file.size)} (${file.size} bytes)`);
        lines.push(`  sha256  ${file.sha256 ?? "-"}  ${check}`);
    }
    return lines.join("\n");
}
