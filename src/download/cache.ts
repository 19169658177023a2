import {join, resolve} from "node:path";
import {UserError} from "../util/errors.js";
import {userCacheDir} from "../util/paths.js";
import {assertSafeRepoPath} from "./hf-uri.js";

/**
 * Where pulled models live: LLMPROOF_MODELS_DIR, else the platform's cache folder
 * ($XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows).
 */
export function resolveModelsDir(env: NodeJS.ProcessEnv = process.env): string {
    const configured = env.LLMPROOF_MODELS_DIR?.trim();
    if (configured != null && configured !== "") return resolve(configured);
    return userCacheDir("models", env);
}

/** A file's place in the cache: the folder it is saved in and its name there. */
export interface CachePlace {
    dir: string;
    fileName: string;
}

/** `<models>/hf/<user>/<repo>/<revision>/<folders of the repo path>/<file>`: one folder per revision, so pins never collide. */
export function cachePlaceForHubFile(modelsDir: string, repo: string, revision: string, repoPath: string): CachePlace {
    assertSafeRepoPath(repoPath);
    const revisionFolder = encodeURIComponent(revision);
    if (revisionFolder === "." || revisionFolder === "..")
        throw new UserError(`"${revision}" is not a valid revision.`);
    const segments = repoPath.split("/");
    const fileName = segments.pop()!;
    return {dir: join(modelsDir, "hf", ...repo.split("/"), revisionFolder, ...segments), fileName};
}

/** `<models>/url/<host>/<file name>` for files pulled from a plain URL. */
export function cachePlaceForUrl(modelsDir: string, url: string): CachePlace {
    const parsed = new URL(url);
    const rawName = parsed.pathname.split("/").pop() ?? "";
    let fileName: string;
    try {
        fileName = decodeURIComponent(rawName);
    } catch {
        fileName = rawName;
    }
    if (fileName === "") throw new UserError(`The URL ${parsed.origin}${parsed.pathname} does not end in a file name.`);
    assertSafeRepoPath(fileName);
    if (fileName.includes("/"))
        throw new UserError(
            `Refusing the file name "${fileName}" of ${parsed.origin}${parsed.pathname}: it contains a "/".`
        );
    return {dir: join(modelsDir, "url", parsed.host.replace(/[^A-Za-z0-9.-]/g, "_")), fileName};
}
