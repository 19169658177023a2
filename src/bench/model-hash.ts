import {createHash} from "node:crypto";
import {readFile, stat} from "node:fs/promises";
import {join, resolve} from "node:path";
import {z} from "zod";
import {readVerifiedSidecar, sha256OfFile} from "../download/sha256.js";
import {writeFileAtomic} from "../util/atomic-write.js";
import {userCacheDir} from "../util/paths.js";

/**
 * A model's SHA-256 without re-reading many gigabytes on every run (a 48 GB file takes about
 * 3 minutes to hash). In order:
 * 1. the `<file>.sha256` sidecar that `llmproof pull` writes after verifying a download (trusted
 *    while the file is not newer than it);
 * 2. the hash cache in the user's cache folder (`<cache>/llmproof/hashes`), one small JSON file per
 *    model keyed by its absolute path, valid only while the size and mtime are unchanged;
 * 3. otherwise the file is hashed and the result cached for next time.
 */

export type HashSource = "sidecar" | "cache" | "computed";

const HashCacheEntrySchema = z.object({
    path: z.string(),
    size: z.number().int().nonnegative(),
    mtimeMs: z.number(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/)
});

export function hashCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    return userCacheDir("hashes", env);
}

function entryPath(absolutePath: string, env: NodeJS.ProcessEnv): string {
    return join(hashCacheDir(env), `${createHash("sha256").update(absolutePath).digest("hex").slice(0, 32)}.json`);
}

export interface ModelHashOptions {
    env?: NodeJS.ProcessEnv;
    /** Called before a file is really hashed (the slow path), e.g. for a log line. */
    onHashing?: (path: string, bytes: number) => void;
}

export async function modelSha256(
    path: string,
    options: ModelHashOptions = {}
): Promise<{sha256: string; source: HashSource}> {
    const env = options.env ?? process.env;
    const absolutePath = resolve(path);
    const info = await stat(absolutePath);
    const fromSidecar = await readVerifiedSidecar(absolutePath);
    if (fromSidecar !== undefined) return {sha256: fromSidecar, source: "sidecar"};

    const cacheFile = entryPath(absolutePath, env);
    const cached = await readFile(cacheFile, "utf8")
        .then((text) => HashCacheEntrySchema.safeParse(JSON.parse(text)))
        .catch(() => null);
    if (
        cached?.success &&
        cached.data.path === absolutePath &&
        cached.data.size === info.size &&
        cached.data.mtimeMs === info.mtimeMs
    )
        return {sha256: cached.data.sha256, source: "cache"};

    options.onHashing?.(absolutePath, info.size);
    const sha256 = await sha256OfFile(absolutePath);
    const entry = {path: absolutePath, size: info.size, mtimeMs: info.mtimeMs, sha256};
    // A cache that cannot be written only costs the next run a re-hash.
    await writeFileAtomic(cacheFile, `${JSON.stringify(entry)}\n`).catch(() => undefined);
    return {sha256, source: "computed"};
}
