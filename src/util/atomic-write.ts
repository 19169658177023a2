import {constants} from "node:fs";
import {access, lstat, mkdir, open, rename, rm, stat, statfs} from "node:fs/promises";
import {basename, dirname, join, resolve} from "node:path";
import {randomBytes} from "node:crypto";
import {UserError} from "./errors.js";
import {formatBytes} from "./units.js";
import {registerTempFile, removeStaleTempFiles, tempSiblingName, unregisterTempFile} from "./temp-files.js";

/**
 * Write a file so that readers see either the old content or the whole new content:
 * write a temporary sibling, then rename it over the target (rename is atomic on one filesystem).
 * Only a regular file (or nothing) is ever replaced: a device node, a symlink, a FIFO or a
 * directory at the target is refused with one sentence. `-` writes to stdout instead.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
    if (path === "-") {
        await new Promise<void>((done, fail) => process.stdout.write(data, (error) => (error ? fail(error) : done())));
        return;
    }
    await assertWritableTarget(path);
    const dir = dirname(resolve(path));
    await mkdir(dir, {recursive: true}).catch((error: unknown) => {
        throw writeError(path, error);
    });
    removeStaleTempFiles(dir);
    const tempPath = join(dir, tempSiblingName(basename(path), randomBytes(4).toString("hex")));
    registerTempFile(tempPath);
    try {
        const handle = await open(tempPath, "wx");
        try {
            await handle.writeFile(data);
            await handle.sync();
        } finally {
            await handle.close();
        }
        await rename(tempPath, path);
    } catch (error) {
        await rm(tempPath, {force: true});
        throw writeError(path, error);
    } finally {
        unregisterTempFile(tempPath);
    }
}

/** What kind of non-regular thing is at `path`, or null for a regular file or nothing. */
async function nonRegularKind(path: string): Promise<string | null> {
    const info = await lstat(path).catch(() => null);
    if (info == null || info.isFile()) return null;
    if (info.isSymbolicLink()) return "a symbolic link";
    if (info.isDirectory()) return "a directory";
    if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
    if (info.isFIFO()) return "a FIFO (named pipe)";
    if (info.isSocket()) return "a socket";
    return "not a regular file";
}

/**
 * Check, before any long work, that a result can be written to `path`: nothing but a regular file
 * there, a folder that exists (or can be made) and is writable, and, when `bytes` is given, that
 * much free space. Throws one sentence otherwise (with `exitCode`, default 1).
 */
export async function assertWritableTarget(
    path: string,
    options: {bytes?: number; exitCode?: number} = {}
): Promise<void> {
    if (path === "-") return;
    const refuse = (message: string) => new UserError(message, {exitCode: options.exitCode});
    const kind = await nonRegularKind(path);
    if (kind != null)
        throw refuse(`Cannot write ${path}: it is ${kind}; llmproof replaces only regular files (use - for stdout).`);
    const folder = await nearestExistingAncestor(dirname(resolve(path)));
    const folderInfo = await stat(folder).catch(() => null);
    if (folderInfo == null || !folderInfo.isDirectory())
        throw refuse(`Cannot write ${path}: ${folder} is not a folder.`);
    try {
        await access(folder, constants.W_OK);
    } catch {
        throw refuse(`Cannot write ${path}: the folder ${folder} is not writable.`);
    }
    if (options.bytes != null) {
        const free = await freeBytes(folder);
        if (free != null && options.bytes > free)
            throw refuse(
                `Not enough disk space for ${path}: it needs ${formatBytes(options.bytes)} but ${folder} has ${formatBytes(free)} free.`
            );
    }
}

/** Free bytes for this user on the filesystem holding `folder`; null when unknown. */
export async function freeBytes(folder: string): Promise<number | null> {
    try {
        const info = await statfs(folder);
        return Number(info.bavail) * Number(info.bsize);
    } catch {
        return null;
    }
}

async function nearestExistingAncestor(dir: string): Promise<string> {
    let current = dir;
    for (;;) {
        if (
            await lstat(current).then(
                () => true,
                () => false
            )
        )
            return current;
        const parent = dirname(current);
        if (parent === current) return current;
        current = parent;
    }
}

/** A failed write as one sentence (ENOSPC, EROFS, EACCES, EISDIR, ENOTDIR, ...). */
export function writeError(path: string, error: unknown): Error {
    if (error instanceof UserError) return error;
    const code = (error as NodeJS.ErrnoException)?.code;
    const why: Record<string, string> = {
        ENOSPC: "the disk is full",
        EDQUOT: "the disk quota is exhausted",
        EROFS: "the filesystem is read-only",
        EACCES: "permission denied",
        EPERM: "permission denied",
        EISDIR: "it is a directory",
        ENOTDIR: "a part of its folder path is a file, not a folder",
        EEXIST: "a file appeared there while writing",
        ENAMETOOLONG: "the path is too long",
        EIO: "an input/output error"
    };
    if (code != null && why[code] != null) return new UserError(`Cannot write ${path}: ${why[code]}.`, {cause: error});
    return error instanceof Error ? error : new Error(String(error));
}
