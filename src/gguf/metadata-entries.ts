import {open} from "node:fs/promises";
import type {GgufMetadataEntry, GgufMetadataValue, GgufScalarKind, GgufScalarValue} from "./writer.js";
import {UserError} from "../util/errors.js";

/**
 * The metadata of a GGUF file as typed entries, ready for the GGUF writer. node-llama-cpp's
 * readGgufFileInfo parses the values but drops their GGUF types (u32 vs i32, f32 vs f64, the
 * item type of an array), which a copy of the file must keep; so the key-value section (ggml
 * docs/gguf.md) is read here, and only that section.
 */

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

export async function readGgufMetadataEntries(path: string): Promise<GgufMetadataEntry[]> {
    const handle = await open(path, "r");
    try {
        const {size} = await handle.stat();
        const reader = new SequentialReader(async (position, length) => {
            const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
            const {bytesRead} = await handle.read(buffer, 0, buffer.length, position);
            return buffer.subarray(0, bytesRead);
        }, size);
        const magic = await reader.bytes(4);
        if (magic.toString("latin1") !== "GGUF") throw new UserError(`${path} is not a GGUF file.`);
        const version = await reader.u32();
        if (version < 2)
            throw new UserError(`${path} is GGUF version ${version}; only versions 2 and 3 can be copied.`);
        await reader.u64(); // tensor count
        const count = Number(await reader.u64());
        const entries: GgufMetadataEntry[] = [];
        for (let i = 0; i < count; i++) {
            const key = await reader.string();
            const typeId = await reader.u32();
            entries.push({key, value: await readValue(reader, typeId, key)});
        }
        return entries;
    } finally {
        await handle.close();
    }
}

async function readValue(reader: SequentialReader, typeId: number, key: string): Promise<GgufMetadataValue> {
    if (typeId === ARRAY_TYPE) {
        const itemTypeId = await reader.u32();
        const itemKind = SCALAR_KINDS[itemTypeId];
        if (!itemKind)
            throw new UserError(
                `GGUF metadata "${key}" is an array of type ${itemTypeId} (nested arrays cannot be copied).`
            );
        const length = Number(await reader.u64());
        const values: GgufScalarValue[] = new Array(length);
        for (let i = 0; i < length; i++) values[i] = await readScalar(reader, itemKind, key);
        return {kind: "array", itemKind, values};
    }
    const kind = SCALAR_KINDS[typeId];
    if (!kind) throw new UserError(`GGUF metadata "${key}" has unknown value type ${typeId}.`);
    return {kind, value: await readScalar(reader, kind, key)};
}

async function readScalar(reader: SequentialReader, kind: GgufScalarKind, key: string): Promise<GgufScalarValue> {
    switch (kind) {
        case "u8":
            return (await reader.bytes(1)).readUInt8(0);
        case "i8":
            return (await reader.bytes(1)).readInt8(0);
        case "u16":
            return (await reader.bytes(2)).readUInt16LE(0);
        case "i16":
            return (await reader.bytes(2)).readInt16LE(0);
        case "u32":
            return reader.u32();
        case "i32":
            return (await reader.bytes(4)).readInt32LE(0);
        case "f32":
            return (await reader.bytes(4)).readFloatLE(0);
        case "f64":
            return (await reader.bytes(8)).readDoubleLE(0);
        case "u64":
            return reader.u64();
        case "i64":
            return (await reader.bytes(8)).readBigInt64LE(0);
        case "bool":
            return (await reader.bytes(1)).readUInt8(0) !== 0;
        case "string":
            return reader.string();
    }
    throw new Error(`GGUF metadata "${key}": unhandled kind ${kind as string}`);
}

/** Reads a file front to back through a window buffer, so huge vocabularies need few reads. */
class SequentialReader {
    private window: Buffer = Buffer.alloc(0);
    private windowStart = 0;
    private position = 0;

    constructor(
        private readonly readAt: (position: number, length: number) => Promise<Buffer>,
        private readonly size: number
    ) {}

    async bytes(length: number): Promise<Buffer> {
        const offset = this.position - this.windowStart;
        if (offset < 0 || offset + length > this.window.length) {
            if (this.position + length > this.size)
                throw new UserError("The GGUF header ends before its metadata does; the file is truncated.");
            this.window = await this.readAt(this.position, Math.max(length, 1 << 20));
            this.windowStart = this.position;
        }
        const start = this.position - this.windowStart;
        this.position += length;
        return this.window.subarray(start, start + length);
    }

    async u32(): Promise<number> {
        return (await this.bytes(4)).readUInt32LE(0);
    }

    async u64(): Promise<bigint> {
        return (await this.bytes(8)).readBigUInt64LE(0);
    }

    async string(): Promise<string> {
        const length = Number(await this.u64());
        const raw = await this.bytes(length);
        const text = raw.toString("utf8");
        // The writer stores strings as UTF-8; a string that is not valid UTF-8 would change.
        if (Buffer.byteLength(text, "utf8") !== length || !Buffer.from(text, "utf8").equals(raw))
            throw new UserError(
                "A GGUF metadata string is not valid UTF-8, so the file cannot be copied without changing it."
            );
        return text;
    }
}
