import {readFile} from "node:fs/promises";
import {createRequire} from "node:module";
import {dirname, join, resolve} from "node:path";
import {z} from "zod";

/** The installed node-llama-cpp package folder (its exports hide package.json, so go from the entry file). */
export function nodeLlamaCppRoot(): string {
    const entry = createRequire(import.meta.url).resolve("node-llama-cpp"); // …/node-llama-cpp/dist/index.js
    return resolve(dirname(entry), "..");
}

let versionPromise: Promise<string> | undefined;

/** The installed node-llama-cpp version. */
export function nodeLlamaCppVersion(): Promise<string> {
    versionPromise ??= readFile(join(nodeLlamaCppRoot(), "package.json"), "utf8").then(
        (text) => z.object({version: z.string()}).parse(JSON.parse(text)).version
    );
    return versionPromise;
}

/** The llama.cpp release node-llama-cpp bundles (llama/llama.cpp.info.json), e.g. "v0.5.0". */
export async function bundledLlamaCppTag(): Promise<string> {
    const text = await readFile(join(nodeLlamaCppRoot(), "llama", "llama.cpp.info.json"), "utf8");
    return z.object({tag: z.string()}).parse(JSON.parse(text)).tag;
}
