import {createHash} from "node:crypto";
import {createReadStream} from "node:fs";
import {readFile, rename, rm, stat} from "node:fs/promises";
import {writeFileAtomic} from "../util/atomic-write.js";

/** SHA-256 of a file, streamed (model files are far larger than memory). */
export async function sha256OfFile(path: string, onBytes?: (bytesHashed: number) => void): Promise<string> {
    const hash = createHash("sha256");
    let bytesHashed = 0;
    for await (const chunk of createReadStream(path, {highWaterMark: 4 * 1024 * 1024})) {
        hash.update(chunk as Buffer);
        bytesHashed += (chunk as Buffer).length;
        onBytes?.(bytesHashed);
    }
    return hash.digest("hex");
}

/**
 * A verified file gets a `<file>.sha256` sidecar in `sha256sum` format, so a later pull of the same
 * model need not hash many gigabytes again. It is trusted only while the file is not newer than it.
 */
export function sidecarPath(path: string): string {
    return `${path}.sha256`;
}

export async function writeVerifiedSidecar(path: string, sha256: string, fileName: string): Promise<void> {
    await writeFileAtomic(sidecarPath(path), `${sha256}  ${fileName}\n`);
}

export async function readVerifiedSidecar(path: string): Promise<string | undefined> {
    try {
        const [fileInfo, sidecarInfo] = await Promise.all([stat(path), stat(sidecarPath(path))]);
        if (sidecarInfo.mtimeMs < fileInfo.mtimeMs) return undefined;
        const match = (await readFile(sidecarPath(path), "utf8")).match(/^([0-9a-f]{64})\s/);
        return match?.[1];
    } catch {
        return undefined;
    }
}

/** Keep a file that failed its check next to where it was, under a name no loader will pick up. */
export async function moveAside(path: string, suffix: string): Promise<string> {
    const asidePath = `${path}.${suffix}`;
    await rename(path, asidePath);
    await rm(sidecarPath(path), {force: true});
    return asidePath;
}
