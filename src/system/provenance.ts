import {createHash} from "node:crypto";
import {llmproofVersion} from "../util/version.js";
import {createReadStream, existsSync, readFileSync} from "node:fs";
import {stat} from "node:fs/promises";
import {createRequire} from "node:module";
import {dirname, join, resolve} from "node:path";
import os from "node:os";
import type {Provenance} from "../results/schema.js";

/**
 * Where a number came from: software versions and the machine. Collected once per process
 * (systeminformation shells out on some platforms) and reused for every run.
 * The backend is not known here (the measuring child decides it); callers fill it in.
 */
let cachedProvenance: Promise<Omit<Provenance, "backend">> | null = null;

export function collectProvenance(): Promise<Omit<Provenance, "backend">> {
    cachedProvenance ??= collectProvenanceUncached();
    return cachedProvenance;
}

async function collectProvenanceUncached(): Promise<Omit<Provenance, "backend">> {
    const si = (await import("systeminformation")).default;
    // Each probe may fail on odd platforms; a missing fact must not lose a measurement.
    const [cpu, memory, graphics, osInfo] = await Promise.all([
        si.cpu().catch(() => null),
        si.mem().catch(() => null),
        si.graphics().catch(() => null),
        si.osInfo().catch(() => null)
    ]);
    const nodeLlamaCpp = nodeLlamaCppPackageFacts();
    const cpuModel = cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : "";
    return {
        llmproofVersion: llmproofVersion(),
        nodeLlamaCppVersion: nodeLlamaCpp.version,
        llamaCppRelease: nodeLlamaCpp.llamaCppRelease,
        nodeVersion: process.version,
        cpu: {
            model: cpuModel !== "" ? cpuModel : (os.cpus()[0]?.model ?? "unknown"),
            physicalCores: cpu?.physicalCores ?? os.availableParallelism(),
            logicalCores: cpu?.cores ?? os.availableParallelism()
        },
        ramBytes: memory?.total ?? os.totalmem(),
        gpus: (graphics?.controllers ?? []).map((controller) => ({
            vendor: controller.vendor ?? "",
            model: controller.model ?? "",
            // systeminformation reports VRAM in MB (MiB on most platforms); null when unknown.
            vramBytes: typeof controller.vram === "number" && controller.vram > 0 ? controller.vram * 1024 * 1024 : null
        })),
        os: {
            platform: osInfo?.platform ?? process.platform,
            distro: osInfo?.distro ?? "",
            release: osInfo?.release ?? os.release(),
            kernel: osInfo?.kernel ?? os.release(),
            arch: osInfo?.arch ?? process.arch
        }
    };
}

/** Physical cores of this machine (the default thread count, as llama-bench). */
export async function physicalCoreCount(): Promise<number> {
    const provenance = await collectProvenance();
    return Math.max(1, provenance.cpu.physicalCores || provenance.cpu.logicalCores || 1);
}

/** node-llama-cpp's version and the llama.cpp release its binaries come from, read from its files without loading it. */
function nodeLlamaCppPackageFacts(): {version: string; llamaCppRelease: string} {
    try {
        const entry = createRequire(import.meta.url).resolve("node-llama-cpp");
        let directory = dirname(entry);
        while (!existsSync(join(directory, "package.json")) || !isNodeLlamaCppRoot(directory)) {
            const parent = dirname(directory);
            if (parent === directory) throw new Error("node-llama-cpp package.json not found");
            directory = parent;
        }
        const version = (JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {version: string})
            .version;
        let llamaCppRelease = "unknown";
        for (const file of ["llama/llama.cpp.info.json", "llama/binariesGithubRelease.json"]) {
            const path = join(directory, file);
            if (!existsSync(path)) continue;
            const info = JSON.parse(readFileSync(path, "utf8")) as {tag?: string; release?: string};
            llamaCppRelease = info.tag ?? info.release ?? llamaCppRelease;
            break;
        }
        return {version, llamaCppRelease};
    } catch {
        return {version: "unknown", llamaCppRelease: "unknown"};
    }
}

function isNodeLlamaCppRoot(directory: string): boolean {
    try {
        return (
            (JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {name?: string}).name ===
            "node-llama-cpp"
        );
    } catch {
        return false;
    }
}

// ---------------------------------------------------------------------------------------------

/** Hashes already computed in this process, keyed by path + size + mtime so a changed file is re-hashed. */
const sha256Cache = new Map<string, Promise<string>>();

/** SHA-256 of a file, streamed (models are many GB), hex. */
export async function sha256OfFile(path: string): Promise<string> {
    const absolutePath = resolve(path);
    const info = await stat(absolutePath);
    const key = `${absolutePath}\u0000${info.size}\u0000${info.mtimeMs}`;
    let hash = sha256Cache.get(key);
    if (hash === undefined) {
        hash = hashStream(absolutePath);
        sha256Cache.set(key, hash);
        hash.catch(() => sha256Cache.delete(key));
    }
    return hash;
}

function hashStream(path: string): Promise<string> {
    return new Promise((resolvePromise, reject) => {
        const hash = createHash("sha256");
        createReadStream(path, {highWaterMark: 4 * 1024 * 1024})
            .on("data", (chunk) => hash.update(chunk))
            .on("error", reject)
            .on("end", () => resolvePromise(hash.digest("hex")));
    });
}
