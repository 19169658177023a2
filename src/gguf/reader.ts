import {constants} from "node:fs";
import {open} from "node:fs/promises";
import {UserError} from "../util/errors.js";
import {ggmlTypeById, type GgmlTypeInfo} from "./ggml-types.js";
import type {GgufMetadataEntry, GgufMetadataValue, GgufScalarKind, GgufScalarValue} from "./writer.js";

/**
 * The one GGUF reader of llmproof: a bounded, validating parser of a GGUF header (ggml
 * docs/gguf.md) over a byte source (a local file, or HTTP range reads of a remote one).
 *
 * It runs before any native or node-llama-cpp call sees a file. node-llama-cpp's own reader reads
 * zeros past the end of a file (so a count drives loops and memory) and aborts Node on some string
 * lengths; llama.cpp asserts on others. Here every count and length is checked against the bytes
 * that remain before anything is allocated, every type id against the known ones, and the tensor
 * table against the file: an invalid file is one sentence naming what is wrong.
 */

/** Random access to the bytes of one file. `size` is the whole file's size, even when only a prefix is read. */
export interface ByteSource {
    /** How messages name the file (a path or a URL without credentials). */
    readonly label: string;
    readonly size: number;
    /** Up to `length` bytes from `position` (fewer only at the end of the file). */
    read(position: number, length: number): Promise<Buffer>;
    close(): Promise<void>;
}

/** A local regular file as a byte source; a directory, FIFO, socket or device is refused (reading a FIFO would hang). */
export async function openFileByteSource(path: string, label = path): Promise<ByteSource> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
        // O_NONBLOCK: opening a FIFO with no writer would block forever; the fstat below refuses it.
        handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") throw new UserError(`No such file: ${label}`, {cause: error});
        if (code === "EISDIR") throw new UserError(`${label} is a directory, not a GGUF file.`, {cause: error});
        if (code === "EACCES" || code === "EPERM")
            throw new UserError(`Cannot read ${label}: permission denied.`, {cause: error});
        throw new UserError(`Cannot read ${label} (${code ?? String(error)}).`, {cause: error});
    }
    const info = await handle.stat();
    if (!info.isFile()) {
        await handle.close();
        const what = info.isDirectory() ? "a directory" : info.isFIFO() ? "a FIFO (named pipe)" : "not a regular file";
        throw new UserError(`${label} is ${what}, not a GGUF file.`);
    }
    return {
        label,
        size: info.size,
        async read(position, length) {
            const buffer = Buffer.alloc(Math.max(0, Math.min(length, info.size - position)));
            let filled = 0;
            while (filled < buffer.length) {
                const {bytesRead} = await handle.read(buffer, filled, buffer.length - filled, position + filled);
                if (bytesRead === 0) break;
                filled += bytesRead;
            }
            return buffer.subarray(0, filled);
        },
        close: () => handle.close()
    };
}

export interface GgufTensorEntry {
    name: string;
    dimensions: bigint[];
    type: GgmlTypeInfo;
    /** Offset inside the data section (as stored). */
    offset: bigint;
    elements: bigint;
    bytes: bigint;
}

export interface GgufStructure {
    version: 2 | 3;
    entries: GgufMetadataEntry[];
    tensors: GgufTensorEntry[];
    alignment: number;
    architecture: string;
    /** Where the tensor infos end (what node-llama-cpp calls infoEndOffset). */
    headerBytes: number;
    /** Where the data section starts (headerBytes rounded up to the alignment). */
    dataOffset: number;
    /** Whether every string decoded to exactly its bytes (a copy of the file would be identical). */
    stringsExact: boolean;
}

/** GGML_MAX_DIMS and GGML_MAX_NAME in ggml.h. */
const MAX_DIMS = 4;
const MAX_TENSOR_NAME_BYTES = 63;
const INT64_MAX = (1n << 63n) - 1n;

const SCALAR_KINDS: Record<number, GgufScalarKind> = {
    0: "u8",
    1: "i8",
    2: "u16",
    3: "i16",
    4: "u32",
    5: "i32",
    6: "f32",
    7: "bool",
    8: "string",
    10: "u64",
    11: "i64",
    12: "f64"
};
const ARRAY_TYPE = 9;
/** Stands in for the architecture of a later split part, which only the first part names. */
const ARCHITECTURE_OF_PART: GgufMetadataEntry = {
    key: "general.architecture",
    value: {kind: "string", value: "(split part)"}
};
/** Bytes a value of each kind takes at least (a string: its 8-byte length). */
const MIN_BYTES: Record<GgufScalarKind, number> = {
    u8: 1,
    i8: 1,
    bool: 1,
    u16: 2,
    i16: 2,
    u32: 4,
    i32: 4,
    f32: 4,
    u64: 8,
    i64: 8,
    f64: 8,
    string: 8
};

export interface ReadStructureOptions {
    /** Check that every tensor's bytes lie inside the file (default true; false for a header-only copy). */
    checkTensorData?: boolean;
}

/** Read and validate the header of one GGUF file (one part of a split set). */
export async function readGgufStructure(
    source: ByteSource,
    options: ReadStructureOptions = {}
): Promise<GgufStructure> {
    const label = source.label;
    const corrupt = (detail: string) => new UserError(`${label} is truncated or corrupt (${detail}).`);
    const reader = new BoundedReader(source, corrupt);
    if (source.size === 0) throw new UserError(`${label} is empty, not a GGUF file.`);
    if (source.size < 4 || (await reader.bytes(4, "the magic")).toString("latin1") !== "GGUF")
        throw new UserError(`${label} is not a GGUF file (it does not start with the "GGUF" magic bytes).`);
    const versionBytes = await reader.bytes(4, "the version");
    const version = versionBytes.readUInt32LE(0);
    if (version !== 2 && version !== 3) {
        const bigEndian = versionBytes.readUInt32BE(0);
        if (bigEndian === 2 || bigEndian === 3)
            throw new UserError(`${label} is a big-endian GGUF file; llama.cpp reads only little-endian ones.`);
        if (version === 1) throw new UserError(`${label} is a GGUF version 1 file, which llama.cpp no longer reads.`);
        throw new UserError(`${label} has GGUF version ${version}; llama.cpp reads versions 2 and 3.`);
    }
    const tensorCount = await reader.u64("the tensor count");
    const kvCount = await reader.u64("the metadata count");
    // The smallest key-value pair is 13 bytes (empty key, type, one byte); the smallest tensor info 32.
    reader.requireRoom(kvCount, 13, `${kvCount} metadata entries`);
    reader.requireRoom(tensorCount, 32, `${tensorCount} tensors`);

    const entries: GgufMetadataEntry[] = [];
    const keys = new Set<string>();
    for (let index = 0; index < Number(kvCount); index++) {
        const key = await reader.string(`the key of metadata entry ${index + 1}`, true);
        if (key === "") throw corrupt(`metadata entry ${index + 1} has an empty key`);
        if (keys.has(key)) throw corrupt(`the metadata key "${printable(key)}" appears twice`);
        keys.add(key);
        const typeId = await reader.u32(`the type of "${printable(key)}"`);
        entries.push({key, value: await readValue(reader, typeId, key, corrupt)});
    }

    // Parts after the first of a split set (split.no > 0) carry only the split keys.
    const splitNumber = entries.find((entry) => entry.key === "split.no")?.value;
    const laterPart = splitNumber != null && splitNumber.kind !== "array" && Number(splitNumber.value) > 0;
    const architectureEntry =
        entries.find((entry) => entry.key === "general.architecture") ?? (laterPart ? ARCHITECTURE_OF_PART : null);
    if (architectureEntry == null) throw corrupt("general.architecture is missing");
    if (architectureEntry.value.kind !== "string" || architectureEntry.value.value === "")
        throw corrupt(
            `general.architecture is ${architectureEntry.value.kind === "string" ? "empty" : `a ${architectureEntry.value.kind}, not a string`}`
        );
    const architecture = architectureEntry.value.value as string;
    if (architecture.includes("\uFFFD")) throw corrupt("general.architecture is not valid UTF-8");

    let alignment = 32;
    const alignmentEntry = entries.find((entry) => entry.key === "general.alignment");
    if (alignmentEntry != null) {
        const value = alignmentEntry.value;
        if (value.kind !== "u32") throw corrupt(`general.alignment is a ${value.kind}, not a u32`);
        alignment = value.value as number;
        if (alignment <= 0 || (alignment & (alignment - 1)) !== 0)
            throw corrupt(`general.alignment is ${alignment}, not a power of two`);
    }

    const tensors: GgufTensorEntry[] = [];
    const names = new Set<string>();
    for (let index = 0; index < Number(tensorCount); index++) {
        const name = await reader.string(`the name of tensor ${index + 1}`, true);
        const what = `tensor ${name === "" ? index + 1 : `"${printable(name)}"`}`;
        if (name === "") throw corrupt(`tensor ${index + 1} has an empty name`);
        if (Buffer.byteLength(name) > MAX_TENSOR_NAME_BYTES)
            throw corrupt(`${what} has a name longer than ${MAX_TENSOR_NAME_BYTES} bytes`);
        if (names.has(name)) throw corrupt(`the tensor name "${printable(name)}" appears twice`);
        names.add(name);
        const dimensionCount = await reader.u32(`the dimension count of ${what}`);
        if (dimensionCount < 1 || dimensionCount > MAX_DIMS)
            throw corrupt(`${what} has ${dimensionCount} dimensions; ggml allows 1 to ${MAX_DIMS}`);
        const dimensions: bigint[] = [];
        let elements = 1n;
        for (let dimension = 0; dimension < dimensionCount; dimension++) {
            const size = await reader.u64(`a dimension of ${what}`);
            if (size === 0n || size > INT64_MAX) throw corrupt(`${what} has a dimension of ${size}`);
            dimensions.push(size);
            elements *= size;
            if (elements > INT64_MAX) throw corrupt(`${what} has more elements than ggml can count`);
        }
        const typeId = await reader.u32(`the type of ${what}`);
        const type = ggmlTypeById(typeId);
        if (type == null) throw corrupt(`${what} has ggml type ${typeId}, which does not exist`);
        if (dimensions[0]! % BigInt(type.blockSize) !== 0n)
            throw corrupt(
                `${what} has rows of ${dimensions[0]} elements, not whole ${type.name} blocks of ${type.blockSize}`
            );
        const offset = await reader.u64(`the offset of ${what}`);
        if (offset % BigInt(alignment) !== 0n)
            throw corrupt(`${what} starts at offset ${offset}, which is not a multiple of the alignment ${alignment}`);
        const bytes = (elements / BigInt(type.blockSize)) * BigInt(type.typeSize);
        tensors.push({name, dimensions, type, offset, elements, bytes});
    }
    const headerBytes = reader.position;
    const dataOffset = Math.ceil(headerBytes / alignment) * alignment;

    // llama.cpp (gguf.cpp) requires the tensors to follow one another in the order of their infos,
    // each padded to the alignment: anything else it refuses, so refuse it here with a sentence.
    let expected = 0n;
    for (const tensor of tensors) {
        if (tensor.offset !== expected)
            throw corrupt(
                `tensor "${printable(tensor.name)}" starts at offset ${tensor.offset} of the data section, but the tensors before it end at ${expected}`
            );
        expected += ((tensor.bytes + BigInt(alignment) - 1n) / BigInt(alignment)) * BigInt(alignment);
    }
    if (options.checkTensorData ?? true) {
        const last = tensors[tensors.length - 1];
        const end = last == null ? 0n : BigInt(dataOffset) + last.offset + last.bytes;
        if (end > BigInt(source.size))
            throw corrupt(`tensor "${printable(last!.name)}" ends at byte ${end} but the file has ${source.size}`);
    }
    return {
        version,
        entries,
        tensors,
        alignment,
        architecture,
        headerBytes,
        dataOffset,
        stringsExact: reader.stringsExact
    };
}

async function readValue(
    reader: BoundedReader,
    typeId: number,
    key: string,
    corrupt: (detail: string) => UserError
): Promise<GgufMetadataValue> {
    if (typeId === ARRAY_TYPE) {
        const itemTypeId = await reader.u32(`the item type of "${printable(key)}"`);
        const itemKind = SCALAR_KINDS[itemTypeId];
        if (itemKind == null)
            throw corrupt(
                itemTypeId === ARRAY_TYPE
                    ? `"${printable(key)}" is an array of arrays, which llama.cpp does not read`
                    : `"${printable(key)}" is an array of unknown type ${itemTypeId}`
            );
        const length = await reader.u64(`the length of "${printable(key)}"`);
        reader.requireRoom(length, MIN_BYTES[itemKind], `the ${length} items of "${printable(key)}"`);
        const values: GgufScalarValue[] = new Array(Number(length));
        for (let index = 0; index < values.length; index++) values[index] = await readScalar(reader, itemKind, key);
        return {kind: "array", itemKind, values};
    }
    const kind = SCALAR_KINDS[typeId];
    if (kind == null) throw corrupt(`"${printable(key)}" has unknown value type ${typeId}`);
    return {kind, value: await readScalar(reader, kind, key)};
}

async function readScalar(reader: BoundedReader, kind: GgufScalarKind, key: string): Promise<GgufScalarValue> {
    const what = `the value of "${printable(key)}"`;
    switch (kind) {
        case "u8":
            return (await reader.bytes(1, what)).readUInt8(0);
        case "i8":
            return (await reader.bytes(1, what)).readInt8(0);
        case "u16":
            return (await reader.bytes(2, what)).readUInt16LE(0);
        case "i16":
            return (await reader.bytes(2, what)).readInt16LE(0);
        case "u32":
            return reader.u32(what);
        case "i32":
            return (await reader.bytes(4, what)).readInt32LE(0);
        case "f32":
            return (await reader.bytes(4, what)).readFloatLE(0);
        case "f64":
            return (await reader.bytes(8, what)).readDoubleLE(0);
        case "u64":
            return reader.u64(what);
        case "i64":
            return (await reader.bytes(8, what)).readBigInt64LE(0);
        case "bool":
            return (await reader.bytes(1, what)).readUInt8(0) !== 0;
        case "string":
            return reader.string(what, false);
    }
}

/** A key or name shown in a message: control characters escaped, at most 60 characters. */
function printable(text: string): string {
    const escaped = text.replace(
        /[\u0000-\u001f\u007f-\u009f]/g,
        (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`
    );
    return escaped.length > 60 ? `${escaped.slice(0, 57)}...` : escaped;
}

/** Reads a source front to back through a window, refusing any length that reaches past the end. */
class BoundedReader {
    private window: Buffer = Buffer.alloc(0);
    private windowStart = 0;
    position = 0;
    stringsExact = true;

    constructor(
        private readonly source: ByteSource,
        private readonly corrupt: (detail: string) => UserError
    ) {}

    /** Refuse `count` items of at least `minBytes` each when the rest of the file cannot hold them. */
    requireRoom(count: bigint, minBytes: number, what: string): void {
        const remaining = BigInt(this.source.size - this.position);
        if (count * BigInt(minBytes) > remaining)
            throw this.corrupt(
                `the header declares ${what}, more than the ${remaining} bytes left in the file can hold`
            );
    }

    async bytes(length: number, what: string): Promise<Buffer> {
        if (this.position + length > this.source.size)
            throw this.corrupt(`it ends inside ${what}, at byte ${this.source.size}`);
        const offset = this.position - this.windowStart;
        if (offset < 0 || offset + length > this.window.length) {
            this.window = await this.source.read(this.position, Math.max(length, 1 << 20));
            this.windowStart = this.position;
            if (this.window.length < length) throw this.corrupt(`it ends inside ${what}`);
        }
        const start = this.position - this.windowStart;
        this.position += length;
        return this.window.subarray(start, start + length);
    }

    async u32(what: string): Promise<number> {
        return (await this.bytes(4, what)).readUInt32LE(0);
    }

    async u64(what: string): Promise<bigint> {
        return (await this.bytes(8, what)).readBigUInt64LE(0);
    }

    /** A length-prefixed string; `strict`: keys and names must be valid UTF-8. */
    async string(what: string, strict: boolean): Promise<string> {
        const length = await this.u64(`the length of ${what}`);
        const remaining = BigInt(this.source.size - this.position);
        if (length > remaining)
            throw this.corrupt(`${what} claims ${length} bytes but only ${remaining} are left in the file`);
        const raw = await this.bytes(Number(length), what);
        const text = raw.toString("utf8");
        if (!Buffer.from(text, "utf8").equals(raw)) {
            if (strict) throw this.corrupt(`${what} is not valid UTF-8`);
            this.stringsExact = false;
        }
        return text;
    }
}

/** The metadata entries of a local GGUF file as typed entries (for copying it: quantize). */
export async function readGgufMetadataEntries(path: string): Promise<GgufMetadataEntry[]> {
    const source = await openFileByteSource(path);
    try {
        const structure = await readGgufStructure(source);
        if (!structure.stringsExact)
            throw new UserError(
                `A GGUF metadata string in ${path} is not valid UTF-8, so the file cannot be copied without changing it.`
            );
        return structure.entries;
    } finally {
        await source.close();
    }
}
