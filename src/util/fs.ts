import {constants} from "node:fs";
import {open} from "node:fs/promises";
import {UserError} from "./errors.js";
import {formatBytes} from "./units.js";

/** Whether `path` is a regular file this process may execute. */
export async function isExecutableFile(path: string): Promise<boolean> {
    const {access, stat} = await import("node:fs/promises");
    try {
        await access(path, constants.X_OK);
        return (await stat(path)).isFile();
    } catch {
        return false;
    }
}

export interface ReadTextOptions {
    /** How messages name the file ("the catalog", "the issue"). */
    label: string;
    /** The verb of the messages ("Cannot load the model catalog ..."); default "read". */
    verb?: string;
    /** Refuse larger files with a sentence. */
    maxBytes: number;
    /** Refuse NUL bytes and bytes that are not UTF-8 (text formats such as YAML never hold them). */
    strictText?: boolean;
}

/**
 * Read a UTF-8 text file a user named, safely: only a regular file (a FIFO or device would block
 * or never end; it is opened non-blocking and refused), at most `maxBytes`, one sentence for every
 * failure.
 */
export async function readTextFile(path: string, options: ReadTextOptions): Promise<string> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
        handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why =
            code === "ENOENT"
                ? "it does not exist"
                : code === "EISDIR"
                  ? "it is a directory"
                  : code === "EACCES" || code === "EPERM"
                    ? "permission denied"
                    : `it cannot be read (${code ?? String(error)})`;
        throw new UserError(`Cannot ${options.verb ?? "read"} ${options.label} ${path}: ${why}.`, {cause: error});
    }
    try {
        const info = await handle.stat();
        if (info.isDirectory())
            throw new UserError(`Cannot ${options.verb ?? "read"} ${options.label} ${path}: it is a directory.`);
        if (!info.isFile())
            throw new UserError(
                `Cannot read ${options.label} ${path}: it is ${info.isFIFO() ? "a FIFO (named pipe)" : "not a regular file"}; give a regular file.`
            );
        const name = `${options.label[0]!.toUpperCase()}${options.label.slice(1)} ${path}`;
        if (info.size > options.maxBytes)
            throw new UserError(
                `${name} is ${formatBytes(info.size)}, more than the ${formatBytes(options.maxBytes)} llmproof reads.`
            );
        const bytes = await handle.readFile();
        if (options.strictText && bytes.includes(0))
            throw new UserError(`${name} contains NUL bytes; it is not a text file.`);
        if (!options.strictText) return bytes.toString("utf8");
        try {
            return new TextDecoder("utf-8", {fatal: true}).decode(bytes);
        } catch {
            throw new UserError(`${name} is not valid UTF-8 text.`);
        }
    } finally {
        await handle.close();
    }
}
