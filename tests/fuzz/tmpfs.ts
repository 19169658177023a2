import {execFileSync} from "node:child_process";
import {mkdirSync} from "node:fs";

/** Mount a small tmpfs at `path` (root only); null where mounting is not permitted, so callers skip cleanly. */
export function mountSmallTmpfs(path: string, size: string): string | null {
    if (process.platform !== "linux" || process.getuid?.() !== 0) return null;
    try {
        mkdirSync(path, {recursive: true});
        execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", path], {stdio: "ignore"});
        return path;
    } catch {
        return null;
    }
}

export function unmount(path: string): void {
    try {
        execFileSync("umount", ["-l", path], {stdio: "ignore"});
    } catch {
        // already gone
    }
}
