import {open, mkdir, rename, rm} from "node:fs/promises";
import type {FileHandle} from "node:fs/promises";
import {dirname, basename, join} from "node:path";
import {randomBytes} from "node:crypto";
import {assertWritableTarget, writeError} from "../util/atomic-write.js";
import {registerTempFile, removeStaleTempFiles, tempSiblingName, unregisterTempFile} from "../util/temp-files.js";
import {ggmlTypeByName, tensorBytes} from "./ggml-types.js";
import type {GgmlTypeInfo} from "./ggml-types.js";

/**
 * A streaming GGUF v3 writer (the format of ggml/docs/gguf.md). The header (metadata and tensor
 * infos) is built in memory; tensor data comes from per-tensor chunk iterables and goes to disk in
 * a bounded buffer, so a file of any size needs only a few MiB of heap.
 */

export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types (enum gguf_type). */
export const GgufValueType = {
    UINT8: 0,
    INT8: 1,
    UINT16: 2,
    INT16: 3,
    UINT32: 4,
    INT32: 5,
    FLOAT32: 6,
    BOOL: 7,
    STRING: 8,
    ARRAY: 9,
    UINT64: 10,
    INT64: 11,
    FLOAT64: 12
} as const;

export type GgufScalarKind =
    | "u8"
    | "i8"
    | "u16"
    | "i16"
    | "u32"
    | "i32"
    | "f32"
    | "bool"
    | "string"
    | "u64"
    | "i64"
    | "f64";

export type GgufScalarValue = number | bigint | boolean | string;

export type GgufMetadataValue =
    | {kind: GgufScalarKind; value: GgufScalarValue}
    | {kind: "array"; itemKind: GgufScalarKind; values: ArrayLike<GgufScalarValue>};

export interface GgufMetadataEntry {
    key: string;
    value: GgufMetadataValue;
}

export const meta = {
    u32: (key: string, value: number): GgufMetadataEntry => ({key, value: {kind: "u32", value}}),
    i32: (key: string, value: number): GgufMetadataEntry => ({key, value: {kind: "i32", value}}),
    f32: (key: string, value: number): GgufMetadataEntry => ({key, value: {kind: "f32", value}}),
    bool: (key: string, value: boolean): GgufMetadataEntry => ({key, value: {kind: "bool", value}}),
    string: (key: string, value: string): GgufMetadataEntry => ({key, value: {kind: "string", value}}),
    array: (key: string, itemKind: GgufScalarKind, values: ArrayLike<GgufScalarValue>): GgufMetadataEntry => ({
        key,
        value: {kind: "array", itemKind, values}
    })
};

export type TensorChunks = Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export interface GgufTensorSpec {
    name: string;
    /** ggml order: dimensions[0] is the row length (ne[0]). */
    dimensions: readonly number[];
    type: GgmlTypeInfo | string;
    /** Produces exactly the tensor's bytes, in any chunking; called once, while writing. */
    data: () => TensorChunks;
}

export interface GgufWriteResult {
    path: string;
    fileBytes: number;
    /** Bytes before the tensor data: header, metadata, tensor infos and alignment padding. */
    headerBytes: number;
    tensorDataBytes: number;
}

const SCALAR_TYPE_IDS: Record<GgufScalarKind, number> = {
    u8: GgufValueType.UINT8,
    i8: GgufValueType.INT8,
    u16: GgufValueType.UINT16,
    i16: GgufValueType.INT16,
    u32: GgufValueType.UINT32,
    i32: GgufValueType.INT32,
    f32: GgufValueType.FLOAT32,
    bool: GgufValueType.BOOL,
    string: GgufValueType.STRING,
    u64: GgufValueType.UINT64,
    i64: GgufValueType.INT64,
    f64: GgufValueType.FLOAT64
};

/** A growable little-endian byte buffer for the header. */
class ByteBuilder {
    private buffer = Buffer.alloc(1 << 16);
    length = 0;

    private reserve(bytes: number): void {
        if (this.length + bytes <= this.buffer.length) return;
        let size = this.buffer.length * 2;
        while (size < this.length + bytes) size *= 2;
        const grown = Buffer.alloc(size);
        this.buffer.copy(grown, 0, 0, this.length);
        this.buffer = grown;
    }

    u8(value: number): void {
        this.reserve(1);
        this.buffer.writeUInt8(value, this.length);
        this.length += 1;
    }
    i8(value: number): void {
        this.reserve(1);
        this.buffer.writeInt8(value, this.length);
        this.length += 1;
    }
    u16(value: number): void {
        this.reserve(2);
        this.buffer.writeUInt16LE(value, this.length);
        this.length += 2;
    }
    i16(value: number): void {
        this.reserve(2);
        this.buffer.writeInt16LE(value, this.length);
        this.length += 2;
    }
    u32(value: number): void {
        this.reserve(4);
        this.buffer.writeUInt32LE(value, this.length);
        this.length += 4;
    }
    i32(value: number): void {
        this.reserve(4);
        this.buffer.writeInt32LE(value, this.length);
        this.length += 4;
    }
    f32(value: number): void {
        this.reserve(4);
        this.buffer.writeFloatLE(value, this.length);
        this.length += 4;
    }
    f64(value: number): void {
        this.reserve(8);
        this.buffer.writeDoubleLE(value, this.length);
        this.length += 8;
    }
    u64(value: number | bigint): void {
        this.reserve(8);
        this.buffer.writeBigUInt64LE(BigInt(value), this.length);
        this.length += 8;
    }
    i64(value: number | bigint): void {
        this.reserve(8);
        this.buffer.writeBigInt64LE(BigInt(value), this.length);
        this.length += 8;
    }

    string(value: string): void {
        const bytes = Buffer.byteLength(value, "utf8");
        this.u64(bytes);
        this.reserve(bytes);
        this.buffer.write(value, this.length, "utf8");
        this.length += bytes;
    }

    zeros(count: number): void {
        this.reserve(count);
        this.buffer.fill(0, this.length, this.length + count);
        this.length += count;
    }

    bytes(): Buffer {
        return this.buffer.subarray(0, this.length);
    }
}

function writeScalar(out: ByteBuilder, kind: GgufScalarKind, value: GgufScalarValue, key: string): void {
    const expectNumber = (): number => {
        if (typeof value !== "number" || (!Number.isFinite(value) && kind !== "f32" && kind !== "f64"))
            throw new Error(`GGUF metadata "${key}": expected a number for ${kind}, got ${String(value)}`);
        return value;
    };
    switch (kind) {
        case "u8":
            out.u8(expectNumber());
            break;
        case "i8":
            out.i8(expectNumber());
            break;
        case "u16":
            out.u16(expectNumber());
            break;
        case "i16":
            out.i16(expectNumber());
            break;
        case "u32":
            out.u32(expectNumber());
            break;
        case "i32":
            out.i32(expectNumber());
            break;
        case "f32":
            out.f32(expectNumber());
            break;
        case "f64":
            out.f64(expectNumber());
            break;
        case "u64":
            out.u64(typeof value === "bigint" ? value : expectNumber());
            break;
        case "i64":
            out.i64(typeof value === "bigint" ? value : expectNumber());
            break;
        case "bool":
            if (typeof value !== "boolean") throw new Error(`GGUF metadata "${key}": expected a boolean`);
            out.u8(value ? 1 : 0);
            break;
        case "string":
            if (typeof value !== "string") throw new Error(`GGUF metadata "${key}": expected a string`);
            out.string(value);
            break;
    }
}

function alignUp(value: number, alignment: number): number {
    return Math.ceil(value / alignment) * alignment;
}

function resolveType(type: GgmlTypeInfo | string): GgmlTypeInfo {
    if (typeof type !== "string") return type;
    const info = ggmlTypeByName(type);
    if (!info) throw new Error(`unknown ggml type ${type}`);
    return info;
}

interface PlannedTensor {
    spec: GgufTensorSpec;
    type: GgmlTypeInfo;
    bytes: number;
    offset: number;
}

/** Lay out tensor offsets (each aligned) and encode the header; nothing is written yet. */
export function planGguf(
    metadata: readonly GgufMetadataEntry[],
    tensors: readonly GgufTensorSpec[],
    alignment = GGUF_DEFAULT_ALIGNMENT
): {
    header: Buffer;
    tensors: PlannedTensor[];
    tensorDataBytes: number;
} {
    const seenKeys = new Set<string>();
    for (const entry of metadata) {
        if (seenKeys.has(entry.key)) throw new Error(`duplicate GGUF metadata key ${entry.key}`);
        seenKeys.add(entry.key);
    }
    const hasAlignmentKey = seenKeys.has("general.alignment");
    const allMetadata =
        alignment === GGUF_DEFAULT_ALIGNMENT || hasAlignmentKey
            ? metadata
            : [...metadata, meta.u32("general.alignment", alignment)];

    const seenTensors = new Set<string>();
    let offset = 0;
    const planned: PlannedTensor[] = tensors.map((spec) => {
        if (seenTensors.has(spec.name)) throw new Error(`duplicate tensor ${spec.name}`);
        seenTensors.add(spec.name);
        const type = resolveType(spec.type);
        if (spec.dimensions.length === 0 || spec.dimensions.some((d) => !Number.isInteger(d) || d <= 0))
            throw new Error(`tensor ${spec.name} has invalid dimensions [${spec.dimensions.join(", ")}]`);
        if (spec.dimensions[0]! % type.blockSize !== 0)
            throw new Error(
                `tensor ${spec.name}: row length ${spec.dimensions[0]} is not a multiple of the ${type.name} block size ${type.blockSize}`
            );
        const elements = spec.dimensions.reduce((a, b) => a * b, 1);
        const bytes = tensorBytes(type, elements);
        const tensor = {spec, type, bytes, offset};
        offset = alignUp(offset + bytes, alignment);
        return tensor;
    });

    const out = new ByteBuilder();
    out.u32(0x46554747); // "GGUF" read as a little-endian u32
    out.u32(GGUF_VERSION);
    out.u64(planned.length);
    out.u64(allMetadata.length);
    for (const {key, value} of allMetadata) {
        out.string(key);
        if (value.kind === "array") {
            out.u32(GgufValueType.ARRAY);
            out.u32(SCALAR_TYPE_IDS[value.itemKind]);
            out.u64(value.values.length);
            for (let i = 0; i < value.values.length; i++) writeScalar(out, value.itemKind, value.values[i]!, key);
        } else {
            out.u32(SCALAR_TYPE_IDS[value.kind]);
            writeScalar(out, value.kind, value.value, key);
        }
    }
    for (const tensor of planned) {
        out.string(tensor.spec.name);
        out.u32(tensor.spec.dimensions.length);
        for (const dimension of tensor.spec.dimensions) out.u64(dimension);
        out.u32(tensor.type.id);
        out.u64(tensor.offset);
    }
    out.zeros(alignUp(out.length, alignment) - out.length);
    return {header: Buffer.from(out.bytes()), tensors: planned, tensorDataBytes: offset};
}

/** Buffers small writes so that the disk sees few, large writes; large chunks pass straight through. */
class BufferedFileWriter {
    private readonly buffer: Buffer;
    private used = 0;
    written = 0;

    constructor(
        private readonly handle: FileHandle,
        bufferBytes = 4 << 20
    ) {
        this.buffer = Buffer.allocUnsafe(bufferBytes);
    }

    async write(chunk: Uint8Array): Promise<void> {
        if (chunk.length >= this.buffer.length) {
            await this.flush();
            await this.writeFully(chunk);
            return;
        }
        if (this.used + chunk.length > this.buffer.length) await this.flush();
        this.buffer.set(chunk, this.used);
        this.used += chunk.length;
    }

    async zeros(count: number): Promise<void> {
        if (count > 0) await this.write(Buffer.alloc(count));
    }

    async flush(): Promise<void> {
        if (this.used === 0) return;
        await this.writeFully(this.buffer.subarray(0, this.used));
        this.used = 0;
    }

    private async writeFully(data: Uint8Array): Promise<void> {
        let done = 0;
        while (done < data.length) {
            const {bytesWritten} = await this.handle.write(data, done, data.length - done);
            done += bytesWritten;
        }
        this.written += data.length;
    }
}

/**
 * Write a GGUF file. It is written to a temporary sibling and renamed into place, so a reader sees
 * either no file or a whole one (as with writeFileAtomic, but streamed).
 */
export async function writeGguf(
    path: string,
    options: {
        metadata: readonly GgufMetadataEntry[];
        tensors: readonly GgufTensorSpec[];
        alignment?: number;
    }
): Promise<GgufWriteResult> {
    const alignment = options.alignment ?? GGUF_DEFAULT_ALIGNMENT;
    const plan = planGguf(options.metadata, options.tensors, alignment);

    // Before any byte: a regular target (or none), a writable folder and room for the whole file.
    const fileBytes = alignUp(plan.header.length, alignment) + plan.tensorDataBytes;
    await assertWritableTarget(path, {bytes: fileBytes});
    await mkdir(dirname(path), {recursive: true}).catch((error: unknown) => {
        throw writeError(path, error);
    });
    removeStaleTempFiles(dirname(path));
    const tempPath = join(dirname(path), tempSiblingName(basename(path), randomBytes(4).toString("hex")));
    registerTempFile(tempPath);
    let handle: FileHandle;
    try {
        handle = await open(tempPath, "wx");
    } catch (error) {
        unregisterTempFile(tempPath);
        throw writeError(path, error);
    }
    try {
        const out = new BufferedFileWriter(handle);
        await out.write(plan.header);
        let dataWritten = 0;
        for (const tensor of plan.tensors) {
            let tensorWritten = 0;
            for await (const chunk of tensor.spec.data()) {
                if (tensorWritten + chunk.length > tensor.bytes)
                    throw new Error(`tensor ${tensor.spec.name} produced more than its ${tensor.bytes} bytes`);
                await out.write(chunk);
                tensorWritten += chunk.length;
            }
            if (tensorWritten !== tensor.bytes)
                throw new Error(`tensor ${tensor.spec.name} produced ${tensorWritten} bytes, expected ${tensor.bytes}`);
            dataWritten += tensor.bytes;
            const padded = alignUp(dataWritten, alignment);
            await out.zeros(padded - dataWritten);
            dataWritten = padded;
        }
        await out.flush();
        await handle.close();
        await rename(tempPath, path);
        return {
            path,
            fileBytes: out.written,
            headerBytes: plan.header.length,
            tensorDataBytes: plan.tensorDataBytes
        };
    } catch (error) {
        await handle.close().catch(() => undefined);
        await rm(tempPath, {force: true});
        throw writeError(path, error);
    } finally {
        unregisterTempFile(tempPath);
    }
}
