import {readdirSync, rmSync} from "node:fs";
import {join} from "node:path";

/**
 * Temporary files that must not outlive an interruption: while any is registered, SIGINT and
 * SIGTERM remove them and end the process (exit 130 / 143); on a normal exit they are removed too.
 * A kill -9 cannot be caught, so `removeStaleTempFiles` removes the leftovers of dead processes
 * (temp names carry the writer's pid) the next time a file is written in that folder.
 */

const registered = new Set<string>();
let installed = false;

const onSignal = (signal: NodeJS.Signals) => {
    const removed = registered.size;
    removeAll();
    // Only when nobody else handles it: a command with its own handler (pull) decides itself.
    const ours = (installed ? 1 : 0) + (permanent ? 1 : 0);
    if (process.listenerCount(signal) > ours) return;
    process.stderr.write(`llmproof: stopped by ${signal}${removed > 0 ? "; the unfinished file was removed" : ""}.\n`);
    process.exit(signal === "SIGINT" ? 130 : 143);
};
const onExit = () => removeAll();

function removeAll(): void {
    for (const path of registered) rmSync(path, {force: true});
    registered.clear();
}

/**
 * For a command that writes large files: from now on SIGINT and SIGTERM remove the temp files and
 * end the process with 130 / 143, even before the first temp file exists.
 */
export function exitCleanlyOnSignals(): void {
    if (permanent) return;
    permanent = true;
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
}
let permanent = false;

export function registerTempFile(path: string): void {
    registered.add(path);
    if (!installed) {
        installed = true;
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        process.on("exit", onExit);
    }
}

export function unregisterTempFile(path: string): void {
    registered.delete(path);
    if (registered.size === 0 && installed) {
        installed = false;
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        process.off("exit", onExit);
    }
}

/** `.<name>.<pid>.<random>.tmp`: the temp sibling of `name` written by this process. */
export function tempSiblingName(name: string, random: string): string {
    return `.${name}.${process.pid}.${random}.tmp`;
}

/** Remove `.<anything>.<pid>.<hex>.tmp` files in `dir` whose writer process is gone. */
export function removeStaleTempFiles(dir: string): void {
    let entries: string[];
    try {
        entries = readdirSync(dir);
    } catch {
        return;
    }
    for (const entry of entries) {
        const match = entry.match(/^\..+\.(\d+)\.[0-9a-f]+\.tmp$/);
        if (match == null) continue;
        const pid = Number(match[1]);
        if (pid === process.pid || isAlive(pid)) continue;
        rmSync(join(dir, entry), {force: true});
    }
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}
