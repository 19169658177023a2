import {mkdir, rename, rm, writeFile} from "node:fs/promises";
import {dirname, join, basename} from "node:path";
import {randomBytes} from "node:crypto";

/**
 * Write a file so that readers see either the old content or the whole new content:
 * write a temporary sibling, then rename it over the target (rename is atomic on one filesystem).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
    await mkdir(dirname(path), {recursive: true});
    const tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    try {
        await writeFile(tempPath, data);
        await rename(tempPath, path);
    } catch (error) {
        await rm(tempPath, {force: true});
        throw error;
    }
}
