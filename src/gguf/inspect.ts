import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {vocabularySizeOf} from "./vocabulary.js";
import {basename, join} from "node:path";
import type {GgufFileInfo, GgufTensorInfo} from "node-llama-cpp";
import {UserError, errorMessage} from "../util/errors.js";
import {logWarning} from "../util/log.js";
import {ggmlTypeById, type GgmlTypeInfo} from "./ggml-types.js";
import {ggufReadError, httpError, truncatedError} from "./errors.js";
import {openFileByteSource, readGgufStructure, type ByteSource} from "./reader.js";
import {
    GgufFactsSchema,
    MemoryEstimateSchema,
    type GgufFacts,
    type GgufPart,
    type MemoryEstimate,
    type TensorTypeShare
} from "./facts.js";

export interface InspectOptions {
    /**
     * Add node-llama-cpp's memory estimate (RAM/VRAM for the weights plus one context). This loads the
     * native llama.cpp binding; leave it out for header-only facts.
     */
    memoryEstimate?: {contextSize?: number};
    /** Extra request headers for remote files (for example an Authorization header). */
    headers?: Record<string, string>;
    signal?: AbortSignal;
}

/** A GGUF header as read from disk or over HTTP, with every split part located and sized. */
export interface GgufHeader {
    source: string;
    remote: boolean;
    parts: GgufPart[];
    fileInfo: GgufFileInfo;
    /** llama.cpp's llama_ftype name for `general.file_type`, e.g. "MOSTLY_Q4_K_M". */
    fileTypeName: string | null;
}

/** Context size used for the memory estimate when none is stated: 4096 tokens, or less if the model was trained on less. */
export const DEFAULT_ESTIMATE_CONTEXT = 4096;

/** The same naming node-llama-cpp (and llama.cpp's gguf-split) use for split parts. */
const SPLIT_PART_PATTERN = /-(\d{5})-of-(\d{5})\.gguf$/;

/**
 * Facts about a GGUF model from its header alone (plus, optionally, a memory estimate).
 * `source` is a local path or an http(s) URL; split files count as one model.
 */
export async function inspectGguf(source: string, options: InspectOptions = {}): Promise<GgufFacts> {
    const wantsEstimate = options.memoryEstimate != null;
    const {header, readPath, cleanup} = await readHeaderWithCopy(source, options, wantsEstimate);
    try {
        const facts = factsFromHeader(header);
        if (options.memoryEstimate != null) {
            const contextSize =
                options.memoryEstimate.contextSize ??
                Math.min(DEFAULT_ESTIMATE_CONTEXT, facts.contextLength ?? DEFAULT_ESTIMATE_CONTEXT);
            try {
                facts.memoryEstimate = await estimateMemoryInChild(readPath, contextSize, facts.fileName);
            } catch (error) {
                // The header facts stand on their own; a file llama.cpp rejects (or no native binary) should not hide them.
                logWarning(`no memory estimate for ${source}: ${errorMessage(error)}`);
            }
        }
        return GgufFactsSchema.parse(facts);
    } finally {
        await cleanup();
    }
}

/** Largest context the memory estimate accepts: beyond it the figures stop being physical (and node-llama-cpp's simulation takes gigabytes). */
export const MAX_ESTIMATE_CONTEXT = 16 * 1024 * 1024;

/** node-llama-cpp's memory estimate, computed in a native child (llama.cpp may abort on a file it rejects). */
async function estimateMemoryInChild(path: string, contextSize: number, name: string): Promise<MemoryEstimate> {
    if (contextSize > MAX_ESTIMATE_CONTEXT)
        throw new UserError(`a context of ${contextSize} tokens is more than ${MAX_ESTIMATE_CONTEXT} tokens`);
    const {runNativeJob} = await import("../system/native-child.js");
    const result = await runNativeJob({kind: "estimate", path, contextSize}, {label: name, timeoutMs: 120_000});
    return MemoryEstimateSchema.parse(result);
}

export function isRemoteSource(source: string): boolean {
    return /^https?:\/\//i.test(source);
}

/**
 * Read the header of a GGUF model (all split parts) and the size of each part, checking that they fit together.
 * Every part's structure is validated by the bounded reader (reader.ts) before node-llama-cpp parses it; a
 * remote part's header is fetched once, with timeouts, and node-llama-cpp reads a local copy of those bytes.
 */
export async function readGgufHeader(
    source: string,
    options: Pick<InspectOptions, "headers" | "signal"> = {}
): Promise<GgufHeader> {
    const {header, cleanup} = await readHeaderWithCopy(source, options, false);
    await cleanup();
    return header;
}

/**
 * The header, and a local path node-llama-cpp can read it from (the file itself, or for a remote
 * file a copy of its header bytes, kept until `cleanup` when `keepCopy`).
 */
async function readHeaderWithCopy(
    source: string,
    options: Pick<InspectOptions, "headers" | "signal">,
    keepCopy: boolean
): Promise<{header: GgufHeader; readPath: string; cleanup: () => Promise<void>}> {
    const remote = isRemoteSource(source);
    if (!remote && /^[a-z][a-z0-9+.-]+:/i.test(source) && !/^[a-z]:[\\/]/i.test(source))
        throw new UserError(`Cannot inspect ${source}: give a local path or an http(s) URL.`);
    if (remote) {
        try {
            new URL(source);
        } catch {
            throw new UserError(`Invalid URL: ${source}`);
        }
    }

    const partSources = splitPartSources(source);
    const parts: GgufPart[] = [];
    const headerCopies: {name: string; bytes: Buffer}[] = [];
    for (const [index, partSource] of partSources.entries()) {
        const partName =
            partSources.length > 1 ? `${partSource} (part ${index + 1} of ${partSources.length})` : partSource;
        const byteSource = remote
            ? await openRemotePart(partSource, partName, options)
            : await openFileByteSource(partSource, partName);
        try {
            const structure = await readGgufStructure(byteSource);
            parts.push({source: partSource, bytes: byteSource.size});
            if (remote)
                headerCopies.push({
                    name: basename(new URL(partSource).pathname),
                    bytes: await byteSource.read(0, structure.headerBytes)
                });
        } catch (error) {
            throw ggufReadError(remote ? displayUrl(partName) : partName, error);
        } finally {
            await byteSource.close();
        }
    }

    // Imported only now: node-llama-cpp takes most of a second to load, and a bad file needs none of it.
    const {readGgufFileInfo, GgufFileType} = await import("node-llama-cpp");
    let fileInfo: GgufFileInfo;
    const copyDir = headerCopies.length > 0 ? await mkdtemp(join(tmpdir(), "llmproof-header-")) : null;
    const cleanup = async () => {
        if (copyDir != null) await rm(copyDir, {recursive: true, force: true});
    };
    const readPath = copyDir != null ? join(copyDir, safeFileName(headerCopies[0]!.name)) : (partSources[0] ?? source);
    try {
        if (copyDir != null)
            for (const copy of headerCopies) await writeFile(join(copyDir, safeFileName(copy.name)), copy.bytes);
        fileInfo = await readGgufFileInfo(readPath, {
            readTensorInfo: true,
            spliceSplitFiles: true,
            logWarnings: false,
            sourceType: "filesystem",
            signal: options.signal
        });
        checkFits(source, fileInfo, parts);
    } catch (error) {
        await cleanup();
        throw ggufReadError(source, error);
    }
    if (!keepCopy) await cleanup();
    const fileTypeNumber = fileInfo.metadata.general?.file_type;
    const fileTypeName = fileTypeNumber == null ? null : (GgufFileType[fileTypeNumber] ?? `UNKNOWN_${fileTypeNumber}`);
    return {header: {source, remote, parts, fileInfo, fileTypeName}, readPath, cleanup};
}

/** A URL's last path segment as a local file name (decoded, no separators). */
function safeFileName(name: string): string {
    let decoded = name;
    try {
        decoded = decodeURIComponent(name);
    } catch {
        // keep it encoded
    }
    return decoded.replace(/[/\\\0]/g, "_") || "model.gguf";
}

/** The paths or URLs of all parts of a split GGUF (`name-00001-of-00003.gguf`), or just the source. */
export function splitPartSources(source: string): string[] {
    const remote = isRemoteSource(source);
    const path = remote ? new URL(source).pathname : source;
    const match = path.match(SPLIT_PART_PATTERN);
    const partCount = Number(match?.[2] ?? 0);
    const partNumber = Number(match?.[1] ?? 0);
    if (match == null || partCount < 1 || partNumber < 1 || partNumber > partCount) return [source];
    const stem = path.slice(0, path.length - match[0].length);
    return Array.from({length: partCount}, (_, index) => {
        const partPath = `${stem}-${String(index + 1).padStart(5, "0")}-of-${String(partCount).padStart(5, "0")}.gguf`;
        if (!remote) return partPath;
        const url = new URL(source);
        url.pathname = partPath;
        return url.href;
    });
}

/** A remote part as a byte source: its size from a probe, its bytes by range requests (http.ts: timeouts, retries). */
async function openRemotePart(
    url: string,
    displayName: string,
    options: Pick<InspectOptions, "headers" | "signal">
): Promise<ByteSource> {
    const {remoteFileSize, httpByteSource, HttpStatusError} = await import("../download/http.js");
    const http = {headers: options.headers ?? {}, signal: options.signal, label: displayUrl(displayName)};
    try {
        const size = await remoteFileSize(url, http);
        if (size == null)
            throw new UserError(`Could not read ${displayUrl(displayName)}: the server does not report the file size.`);
        if (!size.ranges)
            logWarning(
                `${displayUrl(displayName)} does not advertise byte-range support; reading its header may download more than the header.`
            );
        return httpByteSource(url, size.bytes, http);
    } catch (error) {
        if (error instanceof HttpStatusError)
            throw httpError(displayUrl(displayName), error.status, error.statusText, error);
        throw error;
    }
}

function displayUrl(url: string): string {
    return url.replace(/^(https?:\/\/)[^/@]*@/i, "$1").replace(/\?[^ ]*/, "");
}

/** A header cut short parses as zeros, so check that the header and every tensor lie inside their part. */
function checkFits(displayName: string, fileInfo: GgufFileInfo, parts: GgufPart[]): void {
    const firstPartBytes = parts[0]?.bytes ?? 0;
    const headerEnd = fileInfo.infoEndOffset ?? 0;
    if (headerEnd > firstPartBytes)
        throw truncatedError(displayName, `its header needs ${headerEnd} bytes but the file has ${firstPartBytes}`);
    for (const tensor of fileInfo.fullTensorInfo ?? []) {
        const part = parts[tensor.filePart - 1];
        const partName = parts.length > 1 ? `part ${tensor.filePart}` : "the file";
        if (part == null)
            throw truncatedError(
                displayName,
                `tensor ${tensor.name} is in part ${tensor.filePart}, which does not exist`
            );
        const end = Number(tensor.fileOffset) + tensorLayout(displayName, tensor).bytes;
        if (end > part.bytes)
            throw truncatedError(
                displayName,
                `tensor ${tensor.name} ends at byte ${end} but ${partName} has ${part.bytes}`
            );
    }
}

interface TensorLayout {
    type: GgmlTypeInfo;
    elements: number;
    bytes: number;
}

/** Element count and stored bytes of one tensor; ggml stores each row as whole blocks. */
function tensorLayout(displayName: string, tensor: GgufTensorInfo): TensorLayout {
    const type = ggmlTypeById(tensor.ggmlType);
    if (type == null)
        throw new UserError(
            `${displayName} uses ggml tensor type ${tensor.ggmlType} (tensor ${tensor.name}), which llmproof does not know.`
        );
    const dimensions = tensor.dimensions.map((dimension) => BigInt(dimension));
    const rowLength = dimensions[0] ?? 1n;
    if (rowLength % BigInt(type.blockSize) !== 0n)
        throw truncatedError(
            displayName,
            `tensor ${tensor.name} has rows of ${rowLength} elements, not whole ${type.name} blocks of ${type.blockSize}`
        );
    const elements = dimensions.reduce((product, dimension) => product * dimension, 1n);
    const bytes = (elements / BigInt(type.blockSize)) * BigInt(type.typeSize);
    return {type, elements: Number(elements), bytes: Number(bytes)};
}

/** Routed-expert tensors (`ffn_gate_exps`, `ffn_down_exps.bias`, old per-expert `ffn_up.3`); shared experts (`_shexp`) are not. */
export const EXPERT_TENSOR_PATTERN = /\.ffn_[a-z_]+_exps(\.|$)|\.ffn_(gate|up|down)\.\d+\./;

/** All facts that follow from the header and the part sizes (everything but the memory estimate). */
export function factsFromHeader(header: GgufHeader): GgufFacts {
    const {source, remote, parts, fileInfo} = header;
    const metadata = fileInfo.metadata;
    const architectureMetadata = fileInfo.architectureMetadata;
    const tensors = fileInfo.fullTensorInfo ?? [];

    const byType = new Map<string, {type: GgmlTypeInfo; tensors: number; parameters: number; bytes: number}>();
    let parameterCount = 0;
    let tensorDataBytes = 0;
    let expertParameters = 0;
    for (const tensor of tensors) {
        const layout = tensorLayout(source, tensor);
        parameterCount += layout.elements;
        tensorDataBytes += layout.bytes;
        if (EXPERT_TENSOR_PATTERN.test(tensor.name)) expertParameters += layout.elements;
        const entry = byType.get(layout.type.name) ?? {type: layout.type, tensors: 0, parameters: 0, bytes: 0};
        entry.tensors++;
        entry.parameters += layout.elements;
        entry.bytes += layout.bytes;
        byType.set(layout.type.name, entry);
    }
    if (parameterCount === 0)
        throw new UserError(
            `${source} holds no weights (it has no tensors, like a vocabulary-only GGUF), so there is nothing to inspect.`
        );

    const tensorTypes: TensorTypeShare[] = [...byType.values()]
        .sort((a, b) => b.bytes - a.bytes || a.type.id - b.type.id)
        .map((entry) => ({
            type: entry.type.name,
            tensors: entry.tensors,
            parameters: entry.parameters,
            bytes: entry.bytes,
            parameterShare: entry.parameters / parameterCount,
            byteShare: tensorDataBytes === 0 ? 0 : entry.bytes / tensorDataBytes
        }));

    const fileBytes = parts.reduce((sum, part) => sum + part.bytes, 0);
    const fileType = header.fileTypeName;

    const expertCount = positiveInt(architectureMetadata.expert_count);
    const expertsUsed = positiveInt(architectureMetadata.expert_used_count);
    const moe =
        expertCount != null && expertsUsed != null
            ? {
                  expertCount,
                  expertsUsed,
                  expertParameters,
                  activeParameters:
                      parameterCount - expertParameters + Math.round((expertParameters * expertsUsed) / expertCount)
              }
            : null;

    const f32Bytes = parameterCount * 4;
    const f16Bytes = parameterCount * 2;
    const fileName = remote ? decodeURIComponent(basename(new URL(source).pathname)) : basename(source);

    return {
        source,
        fileName,
        remote,
        fileBytes,
        splitParts: parts.length,
        parts,
        ggufVersion: fileInfo.version,
        headerBytes: fileInfo.infoEndOffset ?? null,
        architecture: String(metadata.general?.architecture ?? "unknown"),
        modelName: textOrNull(metadata.general?.name),
        description: textOrNull(metadata.general?.description),
        fileType,
        fileTypeLabel: fileType == null ? null : fileType.replace(/^(MOSTLY|ALL)_/, ""),
        parameterCount,
        tensorCount: tensors.length,
        tensorDataBytes,
        tensorTypes,
        bitsPerWeight: {
            file: (fileBytes * 8) / parameterCount,
            tensorData: (tensorDataBytes * 8) / parameterCount
        },
        contextLength: positiveInt(architectureMetadata.context_length),
        vocabularySize: vocabularySizeOf(fileInfo),
        layerCount: positiveInt(architectureMetadata.block_count),
        embeddingLength: positiveInt(architectureMetadata.embedding_length),
        moe,
        sizeAt: {f32Bytes, f16Bytes},
        reduction: {
            vsF32: 1 - tensorDataBytes / f32Bytes,
            vsF16: 1 - tensorDataBytes / f16Bytes
        },
        memoryEstimate: null
    };
}

function positiveInt(value: unknown): number | null {
    const number = typeof value === "bigint" ? Number(value) : value;
    return typeof number === "number" && Number.isInteger(number) && number > 0 ? number : null;
}

function textOrNull(value: unknown): string | null {
    return typeof value === "string" && value !== "" ? value : null;
}

/**
 * RAM and VRAM to run the model with one context of `contextSize` tokens, on the CPU (no layers
 * offloaded), from node-llama-cpp's GgufInsights (it simulates llama.cpp's allocations where it can).
 */
export async function estimateMemory(fileInfo: GgufFileInfo, contextSize: number): Promise<MemoryEstimate> {
    const [{GgufInsights}, {loadLlama}] = await Promise.all([import("node-llama-cpp"), import("../system/llama.js")]);
    const llama = await loadLlama({gpu: false});
    try {
        const insights = await GgufInsights.from(fileInfo, llama);
        const gpuLayers = 0;
        const model = await insights.estimateModelResourceRequirementsV2({gpuLayers});
        const context = await insights.estimateContextResourceRequirementsV2({contextSize, modelGpuLayers: gpuLayers});
        return {
            contextSize,
            gpuLayers,
            ramBytes: model.cpuRam + context.cpuRam,
            vramBytes: model.gpuVram + context.gpuVram,
            method: "node-llama-cpp GgufInsights",
            model: {ramBytes: model.cpuRam, vramBytes: model.gpuVram},
            context: {ramBytes: context.cpuRam, vramBytes: context.gpuVram}
        };
    } finally {
        await llama.dispose();
    }
}
