/**
 * Malformed GGUF files for the fuzz suite, made from a valid one: a small parser and serializer of
 * its own (independent of src/, so the oracle does not share the code under test) that records
 * where every field sits, then mutations that truncate at each section, lie in counts and lengths,
 * and break offsets, dimensions, types, key-value types, alignment and UTF-8.
 */

export interface RawKv {
    key: Buffer;
    type: number;
    /** The value's bytes exactly as stored after the type. */
    payload: Buffer;
}

export interface RawTensor {
    name: Buffer;
    dims: bigint[];
    type: number;
    offset: bigint;
}

export interface GgufSpec {
    version: number;
    kvs: RawKv[];
    tensors: RawTensor[];
    alignment: number;
    /** The tensor data, from the aligned start of the data section. */
    data: Buffer;
}

export interface Marks {
    versionAt: number;
    tensorCountAt: number;
    kvCountAt: number;
    kv: {keyLengthAt: number; typeAt: number; payloadAt: number; end: number}[];
    tensor: {nameLengthAt: number; nDimsAt: number; dimsAt: number; typeAt: number; offsetAt: number; end: number}[];
    headerEnd: number;
    dataStart: number;
}

const SCALAR_SIZE: Record<number, number> = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8};

export function parseGguf(bytes: Buffer): GgufSpec {
    let at = 0;
    const u32 = () => {
        const value = bytes.readUInt32LE(at);
        at += 4;
        return value;
    };
    const u64 = () => {
        const value = bytes.readBigUInt64LE(at);
        at += 8;
        return value;
    };
    const str = () => {
        const length = Number(u64());
        const value = bytes.subarray(at, at + length);
        at += length;
        return Buffer.from(value);
    };
    const skipValue = (type: number): void => {
        if (type === 8) {
            str();
            return;
        }
        if (type === 9) {
            const itemType = u32();
            const count = Number(u64());
            for (let index = 0; index < count; index++) skipValue(itemType);
            return;
        }
        at += SCALAR_SIZE[type]!;
    };
    if (bytes.toString("latin1", 0, 4) !== "GGUF") throw new Error("not GGUF");
    at = 4;
    const version = u32();
    const tensorCount = Number(u64());
    const kvCount = Number(u64());
    const kvs: RawKv[] = [];
    let alignment = 32;
    for (let index = 0; index < kvCount; index++) {
        const key = str();
        const type = u32();
        const start = at;
        skipValue(type);
        const payload = Buffer.from(bytes.subarray(start, at));
        if (key.toString() === "general.alignment") alignment = payload.readUInt32LE(0);
        kvs.push({key, type, payload});
    }
    const tensors: RawTensor[] = [];
    for (let index = 0; index < tensorCount; index++) {
        const name = str();
        const nDims = u32();
        const dims = Array.from({length: nDims}, () => u64());
        const type = u32();
        const offset = u64();
        tensors.push({name, dims, type, offset});
    }
    const dataStart = Math.ceil(at / alignment) * alignment;
    return {version, kvs, tensors, alignment, data: Buffer.from(bytes.subarray(dataStart))};
}

export function serializeGguf(spec: GgufSpec): {bytes: Buffer; marks: Marks} {
    const chunks: Buffer[] = [];
    let length = 0;
    const push = (buffer: Buffer) => {
        chunks.push(buffer);
        length += buffer.length;
    };
    const u32 = (value: number) => {
        const buffer = Buffer.alloc(4);
        buffer.writeUInt32LE(value >>> 0);
        push(buffer);
    };
    const u64 = (value: bigint | number) => {
        const buffer = Buffer.alloc(8);
        buffer.writeBigUInt64LE(BigInt(value));
        push(buffer);
    };
    push(Buffer.from("GGUF", "latin1"));
    const versionAt = length;
    u32(spec.version);
    const tensorCountAt = length;
    u64(spec.tensors.length);
    const kvCountAt = length;
    u64(spec.kvs.length);
    const kvMarks: Marks["kv"] = [];
    for (const kv of spec.kvs) {
        const keyLengthAt = length;
        u64(kv.key.length);
        push(kv.key);
        const typeAt = length;
        u32(kv.type);
        const payloadAt = length;
        push(kv.payload);
        kvMarks.push({keyLengthAt, typeAt, payloadAt, end: length});
    }
    const tensorMarks: Marks["tensor"] = [];
    for (const tensor of spec.tensors) {
        const nameLengthAt = length;
        u64(tensor.name.length);
        push(tensor.name);
        const nDimsAt = length;
        u32(tensor.dims.length);
        const dimsAt = length;
        for (const dim of tensor.dims) u64(dim);
        const typeAt = length;
        u32(tensor.type);
        const offsetAt = length;
        u64(tensor.offset);
        tensorMarks.push({nameLengthAt, nDimsAt, dimsAt, typeAt, offsetAt, end: length});
    }
    const headerEnd = length;
    const dataStart = Math.ceil(headerEnd / spec.alignment) * spec.alignment;
    push(Buffer.alloc(dataStart - headerEnd));
    push(spec.data);
    return {
        bytes: Buffer.concat(chunks),
        marks: {versionAt, tensorCountAt, kvCountAt, kv: kvMarks, tensor: tensorMarks, headerEnd, dataStart}
    };
}

export function stringPayload(text: string | Buffer): Buffer {
    const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(bytes.length));
    return Buffer.concat([length, bytes]);
}

export function u32Payload(value: number): Buffer {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value >>> 0);
    return buffer;
}

function cloneSpec(spec: GgufSpec): GgufSpec {
    return {
        version: spec.version,
        kvs: spec.kvs.map((kv) => ({...kv})),
        tensors: spec.tensors.map((tensor) => ({...tensor, dims: [...tensor.dims]})),
        alignment: spec.alignment,
        data: spec.data
    };
}

function keyIndex(spec: GgufSpec, suffix: string): number {
    return spec.kvs.findIndex((kv) => kv.key.toString().endsWith(suffix));
}

function setKv(spec: GgufSpec, suffix: string, type: number, payload: Buffer): GgufSpec {
    const copy = cloneSpec(spec);
    const index = keyIndex(copy, suffix);
    if (index < 0) throw new Error(`no key ${suffix}`);
    copy.kvs[index] = {...copy.kvs[index]!, type, payload};
    return copy;
}

function patch(bytes: Buffer, at: number, write: (buffer: Buffer) => void): Buffer {
    const copy = Buffer.from(bytes);
    const view = copy.subarray(at);
    write(view);
    return copy;
}

export interface GgufMutation {
    name: string;
    bytes: Buffer;
    /** "invalid": the structure is broken and must be refused. "native": a valid structure llama.cpp may reject. */
    kind: "invalid" | "native";
}

/**
 * The mutations of one valid GGUF. `long` adds a truncation at every field boundary of the header
 * (and at many points of the data) instead of one per section.
 */
export function ggufMutations(original: Buffer, long: boolean): GgufMutation[] {
    const spec = parseGguf(original);
    const {bytes, marks} = serializeGguf(spec);
    const out: GgufMutation[] = [];
    const add = (name: string, mutated: Buffer, kind: GgufMutation["kind"] = "invalid") =>
        out.push({name, bytes: mutated, kind});
    const big = (value: bigint) => (buffer: Buffer) => buffer.writeBigUInt64LE(value);
    const u32 = (value: number) => (buffer: Buffer) => buffer.writeUInt32LE(value >>> 0);

    // Truncations: one per section (long: every field boundary and a spread over the data).
    const cuts = new Set<number>([0, 3, 4, 7, 8, 15, 16, 23, 24]);
    const firstKv = marks.kv[0]!;
    const lastKv = marks.kv[marks.kv.length - 1]!;
    cuts.add(firstKv.keyLengthAt + 4)
        .add(firstKv.typeAt)
        .add(firstKv.payloadAt + 1)
        .add(lastKv.end - 1);
    const firstTensor = marks.tensor[0]!;
    const lastTensor = marks.tensor[marks.tensor.length - 1]!;
    cuts.add(firstTensor.nameLengthAt + 3)
        .add(firstTensor.dimsAt + 4)
        .add(lastTensor.offsetAt + 4)
        .add(marks.headerEnd);
    cuts.add(marks.dataStart + 100).add(bytes.length - 1);
    if (long) {
        for (const kv of marks.kv)
            cuts.add(kv.keyLengthAt)
                .add(kv.typeAt)
                .add(kv.payloadAt)
                .add(kv.end - 1);
        for (const tensor of marks.tensor)
            cuts.add(tensor.nDimsAt).add(tensor.dimsAt).add(tensor.typeAt).add(tensor.offsetAt);
        for (let index = 1; index < 32; index++)
            cuts.add(marks.dataStart + Math.floor(((bytes.length - marks.dataStart) * index) / 32));
    }
    for (const cut of [...cuts].sort((a, b) => a - b)) add(`truncated at byte ${cut}`, bytes.subarray(0, cut));

    // Header fields.
    for (const version of [0, 1, 4, 0x03000000]) add(`version ${version}`, patch(bytes, marks.versionAt, u32(version)));
    add(
        "big-endian (version and counts byte-swapped)",
        (() => {
            let copy = patch(bytes, marks.versionAt, (buffer) => buffer.writeUInt32BE(spec.version));
            copy = patch(copy, marks.tensorCountAt, (buffer) => buffer.writeBigUInt64BE(BigInt(spec.tensors.length)));
            return patch(copy, marks.kvCountAt, (buffer) => buffer.writeBigUInt64BE(BigInt(spec.kvs.length)));
        })()
    );
    add("tensor count + 1", patch(bytes, marks.tensorCountAt, big(BigInt(spec.tensors.length + 1))));
    add("tensor count 2^40", patch(bytes, marks.tensorCountAt, big(1n << 40n)));
    add("tensor count 2^64-1", patch(bytes, marks.tensorCountAt, big((1n << 64n) - 1n)));
    add("kv count + 1", patch(bytes, marks.kvCountAt, big(BigInt(spec.kvs.length + 1))));
    add("kv count 2^62", patch(bytes, marks.kvCountAt, big(1n << 62n)));
    add("kv count 0", patch(bytes, marks.kvCountAt, big(0n)));

    // Key and string lengths.
    for (const length of [(1n << 31n) + 5n, (1n << 32n) - 1n, 1n << 40n, BigInt(bytes.length)])
        add(`key length ${length}`, patch(bytes, firstKv.keyLengthAt, big(length)));
    const nameKv = spec.kvs.findIndex((kv) => kv.type === 8);
    if (nameKv >= 0) {
        add("string value length 2^31+5", patch(bytes, marks.kv[nameKv]!.payloadAt, big((1n << 31n) + 5n)));
        add("string value length 2^60", patch(bytes, marks.kv[nameKv]!.payloadAt, big(1n << 60n)));
    }
    const arrayKv = spec.kvs.findIndex((kv) => kv.type === 9);
    if (arrayKv >= 0) {
        const at = marks.kv[arrayKv]!.payloadAt;
        add("array length 2^27", patch(bytes, at + 4, big(1n << 27n)));
        add("array length 2^63", patch(bytes, at + 4, big(1n << 63n)));
        add("array item type 99", patch(bytes, at, u32(99)));
        add("array item type 9 (nested)", patch(bytes, at, u32(9)));
    }
    add("kv type 13", patch(bytes, firstKv.typeAt, u32(13)));
    add("kv type 2^31", patch(bytes, firstKv.typeAt, u32(2 ** 31)));
    add(
        "non-UTF-8 key",
        patch(bytes, firstKv.keyLengthAt + 8, (buffer) => buffer.writeUInt8(0xff))
    );
    add(
        "non-UTF-8 tensor name",
        patch(bytes, firstTensor.nameLengthAt + 8, (buffer) => buffer.writeUInt8(0xc3))
    );
    add("tensor name length 2^31+5", patch(bytes, firstTensor.nameLengthAt, big((1n << 31n) + 5n)));

    // Tensor infos.
    add("n_dims 2^31", patch(bytes, firstTensor.nDimsAt, u32(2 ** 31)));
    add("n_dims 5", patch(bytes, firstTensor.nDimsAt, u32(5)));
    add("n_dims 0", patch(bytes, firstTensor.nDimsAt, u32(0)));
    add("dimension 0", patch(bytes, firstTensor.dimsAt, big(0n)));
    add("dimension 2^62", patch(bytes, firstTensor.dimsAt, big(1n << 62n)));
    add("dimension 2^63+1", patch(bytes, firstTensor.dimsAt, big((1n << 63n) + 1n)));
    for (const type of [4, 40, 39, 1000, 2 ** 31])
        add(`tensor type ${type}`, patch(bytes, firstTensor.typeAt, u32(type)));
    add(
        "tensor offset misaligned",
        patch(bytes, lastTensor.offsetAt, big(spec.tensors[spec.tensors.length - 1]!.offset + 1n))
    );
    add("tensor offset past the end", patch(bytes, lastTensor.offsetAt, big(BigInt(bytes.length))));
    add("tensor offset 2^63", patch(bytes, lastTensor.offsetAt, big(1n << 63n)));
    add("overlapping tensors", patch(bytes, lastTensor.offsetAt, big(spec.tensors[0]!.offset)));

    // Whole-structure edits through the spec.
    const reserialize = (edited: GgufSpec) => serializeGguf(edited).bytes;
    if (spec.tensors.length > 1) {
        const duplicate = cloneSpec(spec);
        duplicate.tensors[1] = {...duplicate.tensors[1]!, name: duplicate.tensors[0]!.name};
        add("duplicate tensor names", reserialize(duplicate));
    }
    const duplicateKey = cloneSpec(spec);
    duplicateKey.kvs.push({...duplicateKey.kvs[keyIndex(spec, "general.architecture")]!});
    add("duplicate key", reserialize(duplicateKey));
    const noArchitecture = cloneSpec(spec);
    noArchitecture.kvs.splice(keyIndex(spec, "general.architecture"), 1);
    add("architecture missing", reserialize(noArchitecture));
    add("architecture an int", reserialize(setKv(spec, "general.architecture", 4, u32Payload(7))));
    add(
        "architecture not UTF-8",
        reserialize(setKv(spec, "general.architecture", 8, stringPayload(Buffer.from([0xff, 0xfe, 0x41]))))
    );
    const withAlignment = (value: number) => {
        const copy = cloneSpec(spec);
        const index = keyIndex(copy, "general.alignment");
        const kv = {key: Buffer.from("general.alignment"), type: 4, payload: u32Payload(value)};
        if (index >= 0) copy.kvs[index] = kv;
        else copy.kvs.push(kv);
        return serializeGguf(copy).bytes;
    };
    add("alignment 3", withAlignment(3));
    add("alignment 0", withAlignment(0));
    add("alignment 2^31", withAlignment(2 ** 31));

    // Valid structure, values llama.cpp asserts on: the estimate or load must fail in a child, not abort.
    const architecture = spec.kvs[keyIndex(spec, "general.architecture")]!.payload.subarray(8).toString();
    const u32Key = (suffix: string, value: number) => {
        const index = keyIndex(spec, `${architecture}.${suffix}`);
        if (index < 0) return null;
        return reserialize(setKv(spec, `${architecture}.${suffix}`, 4, u32Payload(value)));
    };
    for (const [suffix, value] of [
        ["block_count", 2 ** 31],
        ["attention.head_count", 0],
        ["attention.head_count_kv", 0],
        ["embedding_length", 0],
        ["context_length", 2 ** 32 - 1]
    ] as const) {
        const mutated = u32Key(suffix, value);
        if (mutated != null) add(`${suffix} ${value}`, mutated, "native");
    }
    const tokens = keyIndex(spec, "tokenizer.ggml.tokens");
    if (tokens >= 0) {
        const empty = Buffer.alloc(12);
        empty.writeUInt32LE(8, 0);
        add("empty token list", reserialize(setKv(spec, "tokenizer.ggml.tokens", 9, empty)), "native");
    }
    // A bit flip in the middle of the header, at a fixed position per seed.
    for (let seed = 1; seed <= (long ? 24 : 4); seed++) {
        const position = 24 + ((seed * 2654435761) % (marks.headerEnd - 24));
        const bit = seed % 8;
        add(
            `bit flip at byte ${position}`,
            patch(bytes, position, (buffer) => buffer.writeUInt8(buffer.readUInt8(0) ^ (1 << bit))),
            "native"
        );
    }
    return out;
}
