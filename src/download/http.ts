import {UserError, errorMessage} from "../util/errors.js";
import type {ByteSource} from "../gguf/reader.js";

/**
 * The one home of llmproof's own HTTP requests (size probes, header range reads; the hub listing
 * uses `httpGet` too): every request has a connect timeout (until the response headers) and an
 * idle timeout (between body chunks), retries back off, and every failure is one sentence.
 * LLMPROOF_HTTP_TIMEOUT sets both timeouts, in seconds (default 30).
 */

export const DEFAULT_HTTP_TIMEOUT_SECONDS = 30;
/** Node's timers hold at most 2^31-1 ms; an hour is plenty for one network read. */
const MAX_HTTP_TIMEOUT_SECONDS = 3600;

/** The connect/idle timeout in ms from LLMPROOF_HTTP_TIMEOUT (seconds). */
export function httpTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
    const raw = env.LLMPROOF_HTTP_TIMEOUT?.trim();
    if (raw == null || raw === "") return DEFAULT_HTTP_TIMEOUT_SECONDS * 1000;
    const seconds = Number(raw);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_HTTP_TIMEOUT_SECONDS)
        throw new UserError(
            `LLMPROOF_HTTP_TIMEOUT must be a number of seconds from 0 to ${MAX_HTTP_TIMEOUT_SECONDS}, got "${raw}".`
        );
    return Math.ceil(seconds * 1000);
}

export interface HttpOptions {
    headers?: Record<string, string>;
    signal?: AbortSignal;
    /** Connect and idle timeout; default from LLMPROOF_HTTP_TIMEOUT. */
    timeoutMs?: number;
    /** Tries for network errors, timeouts and 5xx answers (default 3), with back-off between them. */
    attempts?: number;
    /** How messages name what is requested (default: the URL without its query). */
    label?: string;
}

/** A URL as it may be shown: no user:password, no query string (signed URLs carry secrets there). */
export function displayUrl(url: string): string {
    try {
        const parsed = new URL(url);
        return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
    } catch {
        return url;
    }
}

/** Thrown for an HTTP error status, so that callers can word it for their context (hub, plain URL). */
export class HttpStatusError extends UserError {
    constructor(
        readonly status: number,
        readonly statusText: string,
        readonly url: string
    ) {
        super(
            `${new URL(url).host} answered HTTP ${status}${statusText ? ` ${statusText}` : ""} for ${displayUrl(url)}.`
        );
    }
}

const BACKOFF_MS = [500, 1500, 4000];

/**
 * One request, with retries: the response once its headers are in (not ok statuses throw
 * HttpStatusError). Its body must be read with `readBody` (idle timeout) or cancelled.
 */
export async function httpRequest(url: string, init: {method?: string} & HttpOptions = {}): Promise<Response> {
    const timeoutMs = init.timeoutMs ?? httpTimeoutMs();
    const attempts = Math.max(1, init.attempts ?? 3);
    const label = init.label ?? displayUrl(url);
    const host = hostOf(url);
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
        if (attempt > 0) await sleep(BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)]!, init.signal);
        // The connect timeout covers only the wait for the headers; the body has readBody's idle timeout.
        const connect = new AbortController();
        const timer = setTimeout(() => connect.abort(new Error("connect timeout")), timeoutMs);
        const timeout = connect.signal;
        const signal = init.signal == null ? timeout : AbortSignal.any([init.signal, timeout]);
        try {
            const response = await fetch(url, {
                method: init.method ?? "GET",
                headers: init.headers,
                signal,
                redirect: "follow"
            });
            clearTimeout(timer);
            if (response.status >= 500 && attempt + 1 < attempts) {
                await response.body?.cancel().catch(() => undefined);
                lastError = new HttpStatusError(response.status, response.statusText, url);
                continue;
            }
            if (!response.ok && response.status !== 206) {
                await response.body?.cancel().catch(() => undefined);
                throw new HttpStatusError(response.status, response.statusText, url);
            }
            return response;
        } catch (error) {
            clearTimeout(timer);
            if (init.signal?.aborted) throw init.signal.reason ?? error;
            if (error instanceof UserError) throw error;
            if (timeout.aborted)
                lastError = new UserError(`${host} did not answer within ${formatSeconds(timeoutMs)} for ${label}.`, {
                    cause: error
                });
            else if (/redirect/i.test(causeMessage(error)))
                throw new UserError(`${host} redirects ${label} in a loop (or more than 20 times).`, {cause: error});
            else lastError = unreachable(host, label, error);
        }
    }
    throw lastError;
}

/**
 * Read a response body with an idle timeout between chunks, at most `maxBytes` (the rest is
 * cancelled). A body shorter than its Content-Length is an error.
 */
export async function readBody(
    response: Response,
    options: {maxBytes: number; timeoutMs?: number; signal?: AbortSignal; label: string}
): Promise<Buffer> {
    const timeoutMs = options.timeoutMs ?? httpTimeoutMs();
    const reader = response.body?.getReader();
    if (reader == null) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    let received = 0;
    try {
        while (received < options.maxBytes) {
            const next = await withTimeout(
                reader.read(),
                timeoutMs,
                options.signal,
                () =>
                    new UserError(
                        `${hostOf(response.url)} stopped sending ${options.label} for ${formatSeconds(timeoutMs)}.`
                    )
            );
            if (next.done) break;
            chunks.push(Buffer.from(next.value));
            received += next.value.byteLength;
        }
    } catch (error) {
        if (error instanceof UserError || options.signal?.aborted) throw error;
        throw new UserError(`The transfer of ${options.label} broke off (${causeMessage(error)}).`, {cause: error});
    } finally {
        reader.cancel().catch(() => undefined);
    }
    const body = Buffer.concat(chunks);
    const declared = contentLength(response.headers.get("content-length"));
    if (declared != null && body.length < Math.min(declared, options.maxBytes))
        throw new UserError(`The transfer of ${options.label} broke off after ${body.length} of ${declared} bytes.`);
    return body.length > options.maxBytes ? body.subarray(0, options.maxBytes) : body;
}

/** A Content-Length-like header as a byte count; null when absent, negative, not a number or absurd. */
export function contentLength(text: string | null | undefined): number | null {
    if (text == null || !/^\s*\d+\s*$/.test(text)) return null;
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : null;
}

export interface RemoteSize {
    bytes: number;
    /** Whether the server said it serves byte ranges. */
    ranges: boolean;
}

/**
 * The size of a remote file without downloading it: HEAD's Content-Length, or, where HEAD is
 * refused or says nothing usable, the total in the Content-Range of a one-byte range request.
 * Null when the server does not tell.
 */
export async function remoteFileSize(url: string, options: HttpOptions = {}): Promise<RemoteSize | null> {
    let head: Response | null = null;
    try {
        head = await httpRequest(url, {...options, method: "HEAD"});
    } catch (error) {
        if (!(error instanceof HttpStatusError && (error.status === 405 || error.status === 501))) throw error;
    }
    if (head != null) {
        const length = contentLength(head.headers.get("content-length"));
        if (length != null && length > 0) return {bytes: length, ranges: head.headers.get("accept-ranges") === "bytes"};
    }
    const probe = await httpRequest(url, {...options, headers: {...options.headers, Range: "bytes=0-0"}});
    await probe.body?.cancel().catch(() => undefined);
    const total = contentLength(probe.headers.get("content-range")?.split("/")[1]);
    if (probe.status === 206 && total != null && total > 0) return {bytes: total, ranges: true};
    const length = contentLength(probe.headers.get("content-length"));
    if (probe.status === 200 && length != null && length > 0) return {bytes: length, ranges: false};
    return null;
}

/**
 * A remote file as a byte source: each read is one range request (with the timeouts and retries
 * above). A server that ignores ranges is read from the start, up to what is asked for.
 */
export function httpByteSource(url: string, size: number, options: HttpOptions = {}): ByteSource {
    const label = options.label ?? displayUrl(url);
    return {
        label,
        size,
        async read(position, length) {
            const end = Math.min(size, position + length) - 1;
            if (end < position) return Buffer.alloc(0);
            const response = await httpRequest(url, {
                ...options,
                headers: {...options.headers, Range: `bytes=${position}-${end}`}
            });
            if (response.status === 206) {
                const start = Number(response.headers.get("content-range")?.match(/bytes (\d+)-/)?.[1]);
                if (start !== position) {
                    await response.body?.cancel().catch(() => undefined);
                    throw new UserError(`${hostOf(url)} answered a range request for ${label} with the wrong bytes.`);
                }
                return readBody(response, {
                    maxBytes: end - position + 1,
                    timeoutMs: options.timeoutMs,
                    signal: options.signal,
                    label
                });
            }
            // 200: the whole file from its start; keep the part asked for.
            const body = await readBody(response, {
                maxBytes: end + 1,
                timeoutMs: options.timeoutMs,
                signal: options.signal,
                label
            });
            return body.subarray(position);
        },
        close: async () => undefined
    };
}

function withTimeout<T>(
    promise: Promise<T>,
    ms: number,
    signal: AbortSignal | undefined,
    onTimeout: () => Error
): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(onTimeout()), ms);
        const onAbort = () => reject(signal?.reason ?? new Error("aborted"));
        signal?.addEventListener("abort", onAbort, {once: true});
        promise.then(
            (value) => {
                clearTimeout(timer);
                signal?.removeEventListener("abort", onAbort);
                resolve(value);
            },
            (error: unknown) => {
                clearTimeout(timer);
                signal?.removeEventListener("abort", onAbort);
                reject(error);
            }
        );
    });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener(
            "abort",
            () => {
                clearTimeout(timer);
                reject(signal.reason);
            },
            {once: true}
        );
    });
}

function hostOf(url: string): string {
    try {
        return new URL(url).host;
    } catch {
        return url;
    }
}

function causeMessage(error: unknown): string {
    const cause = (error as {cause?: {code?: string; message?: string}})?.cause;
    return cause?.code ?? cause?.message ?? errorMessage(error);
}

function unreachable(host: string, label: string, error: unknown): UserError {
    return new UserError(`Could not reach ${host} for ${label} (${causeMessage(error)}).`, {cause: error});
}

export function formatSeconds(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
