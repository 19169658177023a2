import {z} from "zod";
import {UserError} from "../util/errors.js";

/**
 * `hf:` references to files on a Hugging Face–compatible hub.
 *
 * Accepted forms (the node-llama-cpp ones plus a pinned-revision form):
 * - `hf:user/repo/path/to/file.gguf`          one file (or, for `-00001-of-0000N.gguf`, its split set)
 * - `hf:user/repo/path/to/file.gguf#revision`  node-llama-cpp's branch suffix
 * - `hf:user/repo@revision/path/to/file.gguf`  the hub's own `repo@revision` spelling
 * - `hf:user/repo:Q4_K_M`, `hf:user/repo@revision:Q4_K_M`  the GGUF file(s) of one quantization
 * - `hf:user/repo`                             the repo's only GGUF, or its Q4_K_M (node-llama-cpp's default)
 * with `hf://`, `huggingface:`, `huggingface://`, `hf.co/` and `huggingface.co/` as synonyms of `hf:`,
 * and hub URLs (`<endpoint>/user/repo/resolve|blob/<revision>/<path>`).
 *
 * node-llama-cpp's own `parseModelUri` is not part of its public exports, and its `:QUANT` form asks the
 * hub's `/v2/.../manifests/` registry API, which gives no SHA-256; llmproof resolves quantizations from
 * the repo's file listing instead (see `hub-api.ts`), which carries the LFS SHA-256 of every file.
 */

export const defaultRevision = "main";

// Hub rules for user/organisation and repo names: letters, digits, "-", "_", "."; at most 96 characters.
const repoNamePartPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

export const HfRepoIdSchema = z.string().refine(
    (value) => {
        const parts = value.split("/");
        return parts.length === 2 && parts.every((part) => repoNamePartPattern.test(part) && !part.includes(".."));
    },
    {message: "expected a Hugging Face repo id such as user/repo"}
);

const HfFileRefSchema = z.object({
    kind: z.literal("file"),
    repo: HfRepoIdSchema,
    revision: z.string().min(1),
    /** Path inside the repo, "/"-separated, never absolute, never with "." or ".." segments. */
    path: z.string().min(1)
});

const HfQuantRefSchema = z.object({
    kind: z.literal("quant"),
    repo: HfRepoIdSchema,
    revision: z.string().min(1),
    /** Upper-case quantization name ("Q4_K_M"), or null to pick the repo's only (or Q4_K_M) GGUF. */
    quant: z.string().min(1).nullable()
});

export const HfRefSchema = z.discriminatedUnion("kind", [HfFileRefSchema, HfQuantRefSchema]);
export type HfRef = z.infer<typeof HfRefSchema>;
export type HfFileRef = z.infer<typeof HfFileRefSchema>;
export type HfQuantRef = z.infer<typeof HfQuantRefSchema>;

const uriPrefixes = ["hf://", "huggingface://", "hf:", "huggingface:", "hf.co/", "huggingface.co/"];

/** True when the text is written as an `hf:` URI (or one of its synonyms); says nothing about validity. */
export function isHfUri(text: string): boolean {
    return uriPrefixes.some((prefix) => text.startsWith(prefix));
}

/**
 * Refuse a repo-relative path that could leave the folder it is saved under: absolute paths,
 * backslashes, drive letters, empty, "." or ".." segments, control characters.
 */
export function assertSafeRepoPath(path: string, what = path): void {
    const problem = unsafeRepoPathProblem(path);
    if (problem != null) throw new UserError(`Refusing the file path "${what}": ${problem}.`);
}

function unsafeRepoPathProblem(path: string): string | undefined {
    if (path === "") return "it is empty";
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f]/.test(path)) return "it contains control characters";
    if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "it is an absolute path";
    if (path.includes("\\")) return "it contains a backslash";
    const segments = path.split("/");
    if (segments.some((segment) => segment === "..")) return 'it contains a ".." segment';
    if (segments.some((segment) => segment === "." || segment === "")) return 'it contains an empty or "." segment';
    return undefined;
}

function decodeComponent(text: string, what: string, uri: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        throw new UserError(`Invalid Hugging Face URI "${uri}": its ${what} is not valid percent-encoding.`);
    }
}

/** Parse an `hf:` URI (any accepted form); throws a UserError that names what is wrong. */
export function parseHfUri(uri: string): HfRef {
    const prefix = uriPrefixes.find((candidate) => uri.startsWith(candidate));
    if (prefix == null)
        throw new UserError(
            `"${uri}" is not a Hugging Face URI (expected hf:user/repo/file.gguf or hf:user/repo:QUANT).`
        );
    let rest = uri.slice(prefix.length).trim();

    // node-llama-cpp's "#branch" suffix.
    let revision: string | undefined;
    const hashIndex = rest.indexOf("#");
    if (hashIndex >= 0) {
        revision = decodeComponent(rest.slice(hashIndex + 1), "revision", uri);
        rest = rest.slice(0, hashIndex);
    }

    const firstSlash = rest.indexOf("/");
    if (firstSlash <= 0)
        throw new UserError(
            `Invalid Hugging Face URI "${uri}": expected hf:user/repo/file.gguf or hf:user/repo:QUANT.`
        );
    const user = rest.slice(0, firstSlash);
    const afterUser = rest.slice(firstSlash + 1);
    // The repo name ends at the next "/" (file form) or ":" (quant form), whichever comes first.
    const repoEnd = afterUser.search(/[/:]/);
    let repoName = repoEnd < 0 ? afterUser : afterUser.slice(0, repoEnd);
    const tail = repoEnd < 0 ? "" : afterUser.slice(repoEnd);

    const atIndex = repoName.indexOf("@");
    if (atIndex >= 0) {
        if (revision != null)
            throw new UserError(
                `Invalid Hugging Face URI "${uri}": give the revision either as @revision or as #revision, not both.`
            );
        revision = decodeComponent(repoName.slice(atIndex + 1), "revision", uri);
        repoName = repoName.slice(0, atIndex);
    }
    if (revision != null && revision.trim() === "")
        throw new UserError(`Invalid Hugging Face URI "${uri}": its revision is empty.`);
    // The revision names a cache folder too; git refuses ".." in ref names, and so do we.
    if (revision != null && (revision.includes("..") || revision.startsWith("/") || /[\u0000-\u001f\\]/.test(revision)))
        throw new UserError(`Invalid Hugging Face URI "${uri}": "${revision}" is not a valid revision.`);

    const repo = `${user}/${repoName}`;
    if (!HfRepoIdSchema.safeParse(repo).success)
        throw new UserError(
            `Invalid Hugging Face URI "${uri}": "${repo}" is not a valid repo id (user/repo, letters, digits, "-", "_", ".").`
        );

    if (tail === "" || tail.startsWith(":")) {
        const quant = tail.slice(1).trim();
        if (tail !== "" && !/^[A-Za-z0-9_]+$/.test(quant))
            throw new UserError(
                `Invalid Hugging Face URI "${uri}": "${quant}" is not a quantization name such as Q4_K_M.`
            );
        return {
            kind: "quant",
            repo,
            revision: revision ?? defaultRevision,
            quant: quant === "" ? null : quant.toUpperCase()
        };
    }

    const rawPath = tail.slice(1);
    // Check the raw text and its decoded form, so that "%2e%2e" cannot smuggle a ".." segment in.
    assertSafeRepoPath(rawPath, rawPath);
    const path = rawPath
        .split("/")
        .map((segment) => decodeComponent(segment, "file path", uri))
        .join("/");
    assertSafeRepoPath(path, path);
    return {kind: "file", repo, revision: revision ?? defaultRevision, path};
}

/**
 * Recognise a hub URL (`<endpoint>/user/repo/resolve/<rev>/<path>`, or `/blob/`) as an `hf:` file
 * reference, so that it gets the hub's SHA-256 check. Other URLs give undefined.
 */
export function parseHubFileUrl(url: string, endpoint: string): HfFileRef | undefined {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return undefined;
    }
    const hubHosts = new Set([new URL(endpoint).host, "huggingface.co", "hf.co"]);
    if (!hubHosts.has(parsed.host)) return undefined;
    // An endpoint may live under a path prefix (a mirror at https://host/hf/); strip it first.
    const endpointPath = new URL(endpoint).pathname.replace(/\/+$/, "");
    let pathname = parsed.pathname;
    if (parsed.host === new URL(endpoint).host && endpointPath !== "" && pathname.startsWith(`${endpointPath}/`))
        pathname = pathname.slice(endpointPath.length);
    const match = pathname.match(/^\/([^/]+)\/([^/]+)\/(?:resolve|blob)\/([^/]+)\/(.+)$/);
    if (match == null) return undefined;
    const [, user, repoName, revision, rawPath] = match as unknown as [string, string, string, string, string];
    const ref = parseHfUri(`hf:${user}/${repoName}@${revision}/${rawPath}`);
    return ref.kind === "file" ? ref : undefined;
}

const splitPartPattern = /-(\d{5})-of-(\d{5})\.gguf$/;

/** `model-00002-of-00003.gguf` → {part: 2, parts: 3}; undefined for a file that is not a split part. */
export function splitPartInfo(path: string): {part: number; parts: number} | undefined {
    const match = path.match(splitPartPattern);
    if (match == null) return undefined;
    const part = Number(match[1]);
    const parts = Number(match[2]);
    return part >= 1 && parts >= 1 && part <= parts ? {part, parts} : undefined;
}

/** All part paths of the split set a part path belongs to, in order (llama.cpp's gguf-split naming). */
export function splitPartPaths(path: string): string[] {
    const info = splitPartInfo(path);
    if (info == null) return [path];
    const stem = path.replace(splitPartPattern, "");
    const total = String(info.parts).padStart(5, "0");
    return Array.from(
        {length: info.parts},
        (_, index) => `${stem}-${String(index + 1).padStart(5, "0")}-of-${total}.gguf`
    );
}

/** The canonical text of a reference (what results and messages show). */
export function formatHfRef(ref: HfRef): string {
    const revision = ref.revision === defaultRevision ? "" : `@${encodeURIComponent(ref.revision)}`;
    if (ref.kind === "file") return `hf:${ref.repo}${revision}/${ref.path}`;
    return `hf:${ref.repo}${revision}${ref.quant == null ? "" : `:${ref.quant}`}`;
}

/** The hub URL that serves one file of a repo at a revision. */
export function hubFileUrl(endpoint: string, repo: string, revision: string, path: string): string {
    const encodedPath = path.split("/").map(encodeURIComponent).join("/");
    return `${endpoint.replace(/\/+$/, "")}/${repo}/resolve/${encodeURIComponent(revision)}/${encodedPath}`;
}
