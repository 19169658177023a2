/**
 * Bit-exact ports of ggml's reference conversions (ggml-impl.h, ggml-quants.c) and generators of
 * valid random quantized blocks for shape-twins.
 *
 * JavaScript computes in float64; every float32 step of the C code is wrapped in Math.fround.
 * For +, -, *, / of two float32 values that gives the correctly rounded float32 result, because
 * float64 has more than 2 * 24 + 2 significand bits (double rounding is innocuous).
 */

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

function floatBits(value: number): number {
    f32Scratch[0] = value;
    return u32Scratch[0]!;
}

function floatFromBits(bits: number): number {
    u32Scratch[0] = bits >>> 0;
    return f32Scratch[0]!;
}

/** ggml_compute_fp32_to_fp16: round to nearest even, overflow to infinity, NaN to 0x7E00. */
export function fp32ToFp16Bits(value: number): number {
    const scaleToInf = 2 ** 112;
    const scaleToZero = 2 ** -110;
    let base = Math.fround(Math.fround(Math.abs(Math.fround(value)) * scaleToInf) * scaleToZero);

    const w = floatBits(value);
    const shl1W = (w * 2) >>> 0;
    const sign = (w & 0x80000000) >>> 0;
    let bias = (shl1W & 0xff000000) >>> 0;
    if (bias < 0x71000000) bias = 0x71000000;

    base = Math.fround(floatFromBits(((bias >>> 1) + 0x07800000) >>> 0) + base);
    const bits = floatBits(base);
    const expBits = (bits >>> 13) & 0x00007c00;
    const mantissaBits = bits & 0x00000fff;
    const nonsign = expBits + mantissaBits;
    return ((sign >>> 16) | (shl1W > 0xff000000 ? 0x7e00 : nonsign)) & 0xffff;
}

/** ggml_compute_fp16_to_fp32. */
export function fp16BitsToFp32(bits: number): number {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) return sign * mantissa * 2 ** -24;
    if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
    return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** ggml_compute_fp32_to_bf16: round to nearest even, NaN kept quiet. */
export function fp32ToBf16Bits(value: number): number {
    const u = floatBits(value);
    if ((u & 0x7fffffff) >>> 0 > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
    return ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16) & 0xffff;
}

/** Float32 values as F16, the way ggml_fp32_to_fp16_row writes them (little-endian). */
export function convertToF16(source: Float32Array): Buffer {
    const out = Buffer.allocUnsafe(source.length * 2);
    for (let i = 0; i < source.length; i++) out.writeUInt16LE(fp32ToFp16Bits(source[i]!), i * 2);
    return out;
}

export function convertToBf16(source: Float32Array): Buffer {
    const out = Buffer.allocUnsafe(source.length * 2);
    for (let i = 0; i < source.length; i++) out.writeUInt16LE(fp32ToBf16Bits(source[i]!), i * 2);
    return out;
}

export function convertToF32(source: Float32Array): Buffer {
    const out = Buffer.allocUnsafe(source.length * 4);
    for (let i = 0; i < source.length; i++) out.writeFloatLE(source[i]!, i * 4);
    return out;
}

const QK8_0 = 32;
const Q8_0_BLOCK_BYTES = 34;
const QK4_0 = 32;
const Q4_0_BLOCK_BYTES = 18;

/** C's roundf: halfway cases away from zero (Math.round rounds them towards +Infinity). */
function roundHalfAwayFromZero(value: number): number {
    return value < 0 ? -Math.floor(-value + 0.5) : Math.floor(value + 0.5);
}

/** quantize_row_q8_0_ref: what llama-quantize writes for Q8_0 (it never uses an importance matrix for Q8_0). */
export function quantizeQ8_0(source: Float32Array): Buffer {
    if (source.length % QK8_0 !== 0) throw new Error(`Q8_0 needs a multiple of ${QK8_0} values, got ${source.length}`);
    const blockCount = source.length / QK8_0;
    const out = Buffer.allocUnsafe(blockCount * Q8_0_BLOCK_BYTES);
    for (let block = 0; block < blockCount; block++) {
        const first = block * QK8_0;
        let amax = 0;
        for (let j = 0; j < QK8_0; j++) amax = Math.max(amax, Math.abs(source[first + j]!));

        const d = Math.fround(amax / 127);
        const id = d !== 0 ? Math.fround(1 / d) : 0;
        const at = block * Q8_0_BLOCK_BYTES;
        out.writeUInt16LE(fp32ToFp16Bits(d), at);
        for (let j = 0; j < QK8_0; j++)
            out.writeInt8(roundHalfAwayFromZero(Math.fround(source[first + j]! * id)), at + 2 + j);
    }
    return out;
}

/** quantize_row_q4_0_ref: what llama-quantize writes for Q4_0 without an importance matrix. */
export function quantizeQ4_0(source: Float32Array): Buffer {
    if (source.length % QK4_0 !== 0) throw new Error(`Q4_0 needs a multiple of ${QK4_0} values, got ${source.length}`);
    const blockCount = source.length / QK4_0;
    const out = Buffer.allocUnsafe(blockCount * Q4_0_BLOCK_BYTES);
    for (let block = 0; block < blockCount; block++) {
        const first = block * QK4_0;
        let amax = 0;
        let max = 0;
        for (let j = 0; j < QK4_0; j++) {
            const value = source[first + j]!;
            if (amax < Math.abs(value)) {
                amax = Math.abs(value);
                max = value;
            }
        }

        const d = Math.fround(max / -8);
        const id = d !== 0 ? Math.fround(1 / d) : 0;
        const at = block * Q4_0_BLOCK_BYTES;
        out.writeUInt16LE(fp32ToFp16Bits(d), at);
        for (let j = 0; j < QK4_0 / 2; j++) {
            const x0 = Math.fround(source[first + j]! * id);
            const x1 = Math.fround(source[first + QK4_0 / 2 + j]! * id);
            // (int8_t)(x + 8.5f) truncates towards zero.
            const xi0 = Math.min(15, Math.trunc(Math.fround(x0 + 8.5)));
            const xi1 = Math.min(15, Math.trunc(Math.fround(x1 + 8.5)));
            out[at + 2 + j] = (xi0 | (xi1 << 4)) & 0xff;
        }
    }
    return out;
}

export function dequantizeQ8_0(data: Uint8Array): Float32Array {
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const blockCount = view.length / Q8_0_BLOCK_BYTES;
    const out = new Float32Array(blockCount * QK8_0);
    for (let block = 0; block < blockCount; block++) {
        const at = block * Q8_0_BLOCK_BYTES;
        const d = fp16BitsToFp32(view.readUInt16LE(at));
        for (let j = 0; j < QK8_0; j++) out[block * QK8_0 + j] = view.readInt8(at + 2 + j) * d;
    }
    return out;
}

export function dequantizeQ4_0(data: Uint8Array): Float32Array {
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const blockCount = view.length / Q4_0_BLOCK_BYTES;
    const out = new Float32Array(blockCount * QK4_0);
    for (let block = 0; block < blockCount; block++) {
        const at = block * Q4_0_BLOCK_BYTES;
        const d = fp16BitsToFp32(view.readUInt16LE(at));
        for (let j = 0; j < QK4_0 / 2; j++) {
            const byte = view[at + 2 + j]!;
            out[block * QK4_0 + j] = ((byte & 0x0f) - 8) * d;
            out[block * QK4_0 + QK4_0 / 2 + j] = ((byte >> 4) - 8) * d;
        }
    }
    return out;
}

/** Types whose F32 values this module can quantize or convert exactly as llama.cpp does. */
export const EXACT_TYPES = ["F32", "F16", "BF16", "Q8_0", "Q4_0"] as const;
export type ExactType = (typeof EXACT_TYPES)[number];

export function encodeExact(type: ExactType, source: Float32Array): Buffer {
    switch (type) {
        case "F32":
            return convertToF32(source);
        case "F16":
            return convertToF16(source);
        case "BF16":
            return convertToBf16(source);
        case "Q8_0":
            return quantizeQ8_0(source);
        case "Q4_0":
            return quantizeQ4_0(source);
    }
}

/** A small seeded generator (mulberry32): twins are reproducible from their seed. */
export class SeededRandom {
    private state: number;

    constructor(seed: number) {
        this.state = (seed >>> 0) ^ 0x9e3779b9;
    }

    /** Uniform in [0, 1). */
    next(): number {
        this.state = (this.state + 0x6d2b79f5) >>> 0;
        let t = this.state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }

    /** Uniform in [low, high). */
    uniform(low: number, high: number): number {
        return low + (high - low) * this.next();
    }

    /** An integer in [0, bound). */
    int(bound: number): number {
        return Math.floor(this.next() * bound);
    }

    fillBytes(target: Uint8Array): void {
        for (let i = 0; i < target.length; i += 4) {
            const word = (this.next() * 4294967296) >>> 0;
            for (let k = 0; k < 4 && i + k < target.length; k++) target[i + k] = (word >>> (8 * k)) & 0xff;
        }
    }
}

/** Types the twin writer can fill with valid random blocks. */
export const RANDOM_BLOCK_TYPES = [
    "F32",
    "F16",
    "BF16",
    "Q8_0",
    "Q4_0",
    "Q5_0",
    "Q5_1",
    "Q4_K",
    "Q5_K",
    "Q6_K"
] as const;
export type RandomBlockType = (typeof RANDOM_BLOCK_TYPES)[number];

export function isRandomBlockType(name: string): name is RandomBlockType {
    return (RANDOM_BLOCK_TYPES as readonly string[]).includes(name);
}

const RANDOM_BLOCK_LAYOUT: Record<RandomBlockType, {blockBytes: number}> = {
    F32: {blockBytes: 4},
    F16: {blockBytes: 2},
    BF16: {blockBytes: 2},
    Q8_0: {blockBytes: 34},
    Q4_0: {blockBytes: 18},
    Q5_0: {blockBytes: 22},
    Q5_1: {blockBytes: 24},
    Q4_K: {blockBytes: 144},
    Q5_K: {blockBytes: 176},
    Q6_K: {blockBytes: 210}
};

/**
 * Weights of a freshly initialised transformer have a standard deviation of about 0.02; random
 * twins aim for that so activations stay small and every logit stays finite.
 */
export const TWIN_WEIGHT_STD = 0.02;

/**
 * `blockCount` valid random blocks of `type`. Quant bits are uniform random (every bit pattern is
 * valid); each f16 scale is a finite, normal value chosen so that the dequantized weights have a
 * standard deviation near TWIN_WEIGHT_STD.
 */
export function randomBlocks(type: RandomBlockType, blockCount: number, random: SeededRandom): Buffer {
    const {blockBytes} = RANDOM_BLOCK_LAYOUT[type];
    const out = Buffer.alloc(blockCount * blockBytes);
    const sigma = TWIN_WEIGHT_STD;
    const half = (value: number) => fp32ToFp16Bits(value);
    // uniform(-a, a) has standard deviation a / sqrt(3)
    const floatRange = sigma * Math.sqrt(3);

    if (type === "F32" || type === "F16" || type === "BF16") {
        for (let i = 0; i < blockCount; i++) {
            const value = random.uniform(-floatRange, floatRange);
            if (type === "F32") out.writeFloatLE(value, i * 4);
            else if (type === "F16") out.writeUInt16LE(half(value), i * 2);
            else out.writeUInt16LE(fp32ToBf16Bits(value), i * 2);
        }
        return out;
    }

    random.fillBytes(out);
    for (let block = 0; block < blockCount; block++) {
        const at = block * blockBytes;
        const jitter = random.uniform(0.5, 1.5);
        switch (type) {
            case "Q8_0":
                // x = d * q, q uniform int8 (std ~73.6)
                out.writeUInt16LE(half((jitter * sigma) / 73.6), at);
                break;
            case "Q4_0":
                // x = d * (q - 8), q in 0..15 (std ~4.6)
                out.writeUInt16LE(half((jitter * sigma) / 4.6), at);
                break;
            case "Q5_0":
                // x = d * (q - 16), q in 0..31 (std ~9.2)
                out.writeUInt16LE(half((jitter * sigma) / 9.2), at);
                break;
            case "Q5_1": {
                // x = d * q + m, q in 0..31: centre it with m = -15.5 d
                const d = (jitter * sigma) / 9.2;
                out.writeUInt16LE(half(d), at);
                out.writeUInt16LE(half(-15.5 * d), at + 2);
                break;
            }
            case "Q4_K": {
                // x = d * sc * q - dmin * m with q in 0..15 (mean 7.5, std ~4.6); the 6-bit sub-block
                // scales sc and mins m are kept in 0..15 so that d stays a normal f16 value
                limitKQuantScales(out, at + 4);
                const d = (jitter * sigma) / 66;
                out.writeUInt16LE(half(d), at);
                out.writeUInt16LE(half(d * 7.5), at + 2);
                break;
            }
            case "Q5_K": {
                // as Q4_K with q in 0..31 (mean 15.5, std ~9.2)
                limitKQuantScales(out, at + 4);
                const d = (jitter * sigma) / 135;
                out.writeUInt16LE(half(d), at);
                out.writeUInt16LE(half(d * 15.5), at + 2);
                break;
            }
            case "Q6_K": {
                // x = d * sc * (q - 32), q in 0..63 (std ~18.5); sc int8 kept in -8..8 so d stays normal
                for (let s = 0; s < 16; s++) out.writeInt8(random.int(17) - 8, at + 192 + s);
                out.writeUInt16LE(half((jitter * sigma) / 90), at + 208);
                break;
            }
        }
    }
    return out;
}

/**
 * The 12 packed scale bytes of a Q4_K/Q5_K block (get_scale_min_k4): bytes 0..7 hold the low 6 bits
 * of sub-blocks 0..3 and the top 2 bits of 4..7, bytes 8..11 the low nibbles of 4..7. Clearing the
 * top bits and the upper nibble of bytes 0..7 leaves every scale and min in 0..15.
 */
function limitKQuantScales(block: Buffer, scalesAt: number): void {
    for (let i = 0; i < 8; i++) block[scalesAt + i] = block[scalesAt + i]! & 0x0f;
}

export function randomBlockBytes(type: RandomBlockType): number {
    return RANDOM_BLOCK_LAYOUT[type].blockBytes;
}
