import {readFile} from "node:fs/promises";
import {homedir} from "node:os";
import {join} from "node:path";
import {z} from "zod";
import {UserError, errorMessage} from "../util/errors.js";
import {assertSafeRepoPath} from "./hf-uri.js";
import {httpTimeoutMs, readBody} from "./http.js";

/**
 * A small client for the Hugging Face hub's file listing, the only place that publishes the
 * SHA-256 of every LFS file (`lfs.oid`). Honours HF_ENDPOINT (a mirror or a local test server)
 * and HF_TOKEN (gated and private repos). The token only ever goes into an Authorization header
 * to the hub endpoint; it is never printed, logged or stored.
 */

export const defaultHubEndpoint = "https://huggingface.co";

/** Largest file-listing page read (a page of the real hub is well under a megabyte). */
const MAX_LISTING_BYTES = 64 * 2 ** 20;

/** The hub base URL without a trailing slash: HF_ENDPOINT when set, else huggingface.co. */
export function resolveHubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
    const configured = env.HF_ENDPOINT?.trim();
    if (configured == null || configured === "") return defaultHubEndpoint;
    let url: URL;
    try {
        url = new URL(configured);
    } catch {
        throw new UserError(`HF_ENDPOINT is not a URL: "${configured}".`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:")
        throw new UserError(`HF_ENDPOINT must be an http(s) URL, got "${configured}".`);
    return configured.replace(/\/+$/, "");
}

/**
 * The access token, looked up where huggingface_hub and node-llama-cpp look: HF_TOKEN, then the
 * token file that `huggingface-cli login` writes (HF_TOKEN_PATH, $HF_HOME/token, ~/.cache/huggingface/token).
 */
export async function resolveHubToken(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
    const fromEnv = env.HF_TOKEN?.trim();
    if (fromEnv != null && fromEnv !== "") return fromEnv;
    const hfHome = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "huggingface");
    const tokenPath = env.HF_TOKEN_PATH || join(hfHome, "token");
    try {
        const fromFile = (await readFile(tokenPath, "utf8")).trim();
        return fromFile === "" ? undefined : fromFile;
    } catch {
        return undefined;
    }
}

export function authorizationHeaders(token: string | undefined): Record<string, string> {
    return token == null ? {} : {Authorization: `Bearer ${token}`};
}

const Sha256Schema = z
    .string()
    .regex(/^[0-9a-f]{64}$/i)
    .transform((value) => value.toLowerCase());

/** One entry of `/api/models/{repo}/tree/{revision}`; unknown fields (xetHash, lastCommit, ...) are ignored. */
export const HubTreeEntrySchema = z.object({
    type: z.enum(["file", "directory"]),
    path: z.string().min(1),
    size: z.number().int().nonnegative().optional(),
    /** Git object id (SHA-1 of the blob or pointer), not a content hash. */
    oid: z.string().optional(),
    /** Present for LFS files: `oid` is the SHA-256 of the content. */
    lfs: z
        .object({
            oid: Sha256Schema,
            size: z.number().int().nonnegative(),
            pointerSize: z.number().int().nonnegative().optional()
        })
        .nullable()
        .optional()
});
export const HubTreeSchema = z.array(HubTreeEntrySchema);
export type HubTreeEntry = z.infer<typeof HubTreeEntrySchema>;

export const HubFileSchema = z.object({
    path: z.string(),
    size: z.number().int().nonnegative(),
    /** SHA-256 of the content, from the LFS pointer; null for small files kept in git itself. */
    sha256: z.string().nullable()
});
export type HubFile = z.infer<typeof HubFileSchema>;

export interface HubRequestOptions {
    endpoint?: string;
    /** undefined: resolve from HF_TOKEN / the token file; null: send no token. */
    token?: string | null;
    signal?: AbortSignal;
    /** Per-request timeout; the listing is small, so a stuck hub should not hang a pull. */
    timeoutMs?: number;
}

/** Describe what the hub's HTTP status means for the user, in one sentence. */
export function hubStatusError(status: number, what: string, host: string, tokenSent: boolean): UserError {
    if (status === 401)
        return new UserError(
            tokenSent
                ? `${host} refused the token in HF_TOKEN for ${what} (401): check that the token is valid.`
                : `${host} requires authentication for ${what} (401): the repo is gated or private (or does not exist); set HF_TOKEN to a ` +
                      `token that has access.`
        );
    if (status === 403)
        return new UserError(
            tokenSent
                ? `${host} denied access to ${what} (403): the repo is gated; accept its terms on the model page with the account whose token is in HF_TOKEN.`
                : `${host} denied access to ${what} (403): the repo is gated; accept its terms on the model page and set HF_TOKEN.`
        );
    if (status === 404)
        return new UserError(
            `${what.replace(/^the /, "The ")} was not found on ${host} (404): check the repo, revision and file name.`
        );
    if (status === 429)
        return new UserError(
            `${host} is rate-limiting requests (429) for ${what}; wait a little and try again${tokenSent ? "" : ", or set HF_TOKEN"}.`
        );
    return new UserError(`${host} answered HTTP ${status} for ${what}.`);
}

export function unreachableError(host: string, error: unknown): UserError {
    const cause = (error as {cause?: {code?: string; message?: string}})?.cause;
    const detail = cause?.code ?? cause?.message ?? errorMessage(error);
    return new UserError(
        `Cannot reach ${host} (${detail}); check the network connection${host === new URL(defaultHubEndpoint).host ? "" : " and HF_ENDPOINT"}.`,
        {cause: error}
    );
}

/** GET a hub API URL and validate its JSON; maps every failure to a UserError. */
async function getHubJson<T extends z.ZodTypeAny>(
    url: string,
    schema: T,
    what: string,
    options: HubRequestOptions & {token: string | undefined}
): Promise<{data: z.infer<T>; nextUrl: string | undefined}> {
    const host = new URL(url).host;
    const timeoutMs = options.timeoutMs ?? httpTimeoutMs();
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal == null ? timeout : AbortSignal.any([options.signal, timeout]);
    let response: Response;
    try {
        response = await fetch(url, {
            headers: {accept: "application/json", ...authorizationHeaders(options.token)},
            signal
        });
    } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (timeout.aborted)
            throw new UserError(`${host} did not answer within ${Math.round(timeoutMs / 1000)} s for ${what}.`);
        throw unreachableError(host, error);
    }
    if (!response.ok) {
        await response.body?.cancel();
        throw hubStatusError(response.status, what, host, options.token != null);
    }
    let json: unknown;
    try {
        // The body too has an idle timeout and a size limit: a stalled or endless listing must not hang a pull.
        const body = await readBody(response, {
            maxBytes: MAX_LISTING_BYTES,
            timeoutMs,
            signal: options.signal,
            label: what
        });
        json = JSON.parse(body.toString("utf8"));
    } catch (error) {
        if (error instanceof UserError) throw error;
        throw new UserError(`${host} sent an unreadable file listing for ${what} (${errorMessage(error)}).`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new UserError(
            `${host} sent an unexpected file listing for ${what} (${issue?.path.join(".") || "root"}: ${issue?.message}).`
        );
    }
    return {data: parsed.data, nextUrl: nextPageUrl(response.headers.get("link"), url)};
}

/** The hub paginates long listings with `Link: <...>; rel="next"`; follow it only on the same host. */
function nextPageUrl(linkHeader: string | null, currentUrl: string): string | undefined {
    if (linkHeader == null) return undefined;
    for (const part of linkHeader.split(",")) {
        const match = part.match(/<([^>]+)>\s*;\s*rel="?next"?/);
        if (match?.[1] == null) continue;
        const next = new URL(match[1], currentUrl);
        return next.host === new URL(currentUrl).host ? next.href : undefined;
    }
    return undefined;
}

/**
 * Every file of a repo at a revision, with its size and SHA-256 (from `lfs.oid`).
 * Paths that could escape a folder are refused: the listing decides where files are saved.
 */
export async function listRepoFiles(
    repo: string,
    revision: string,
    options: HubRequestOptions = {}
): Promise<HubFile[]> {
    const endpoint = (options.endpoint ?? resolveHubEndpoint()).replace(/\/+$/, "");
    const token = options.token === null ? undefined : (options.token ?? (await resolveHubToken()));
    const what = `the file listing of ${repo}${revision === "main" ? "" : `@${revision}`}`;
    let url: string | undefined = `${endpoint}/api/models/${repo}/tree/${encodeURIComponent(revision)}?recursive=true`;
    const files: HubFile[] = [];
    // A runaway `next` chain from a broken mirror must not loop forever.
    for (let page = 0; url != null && page < 1000; page++) {
        const {data, nextUrl}: {data: HubTreeEntry[]; nextUrl: string | undefined} = await getHubJson(
            url,
            HubTreeSchema,
            what,
            {...options, token}
        );
        for (const entry of data) {
            if (entry.type !== "file") continue;
            assertSafeRepoPath(entry.path);
            files.push({
                path: entry.path,
                size: entry.lfs?.size ?? entry.size ?? 0,
                sha256: entry.lfs?.oid ?? null
            });
        }
        url = nextUrl;
    }
    return files;
}
