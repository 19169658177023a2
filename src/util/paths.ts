import {homedir} from "node:os";
import {join} from "node:path";

/**
 * The per-user folders llmproof keeps files in, following each platform's convention:
 * on Linux the XDG base directories ($XDG_CACHE_HOME or ~/.cache for re-creatable files such as
 * downloads and twins, $XDG_DATA_HOME or ~/.local/share for a user's own results), on macOS
 * ~/Library, on Windows %LOCALAPPDATA%.
 */

/** `<cache>/llmproof/<name>`: files that can be made again (models, twins, hashes, calibration). */
export function userCacheDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
    if (process.platform === "darwin") return join(homedir(), "Library", "Caches", "llmproof", name);
    if (process.platform === "win32")
        return join(env.LOCALAPPDATA || join(homedir(), "AppData", "Local"), "llmproof", name);
    return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "llmproof", name);
}

/** `<data>/llmproof/<name>`: a user's own records (benchmark results). */
export function userDataDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
    if (process.platform === "darwin") return join(homedir(), "Library", "Application Support", "llmproof", name);
    if (process.platform === "win32")
        return join(env.LOCALAPPDATA || join(homedir(), "AppData", "Local"), "llmproof", name);
    return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "llmproof", name);
}
