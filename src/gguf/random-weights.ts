import {type SeededRandom, randomBlocks, randomBlockBytes} from "./quantize.js";
import type {RandomBlockType} from "./quantize.js";

/** Random but valid weight blocks for twins, drawn from small pools so a twin writes at disk speed. */

const POOL_TARGET_BYTES = 1 << 20;

export class RandomBlockPools {
    private readonly pools = new Map<RandomBlockType, Buffer>();

    constructor(private readonly random: SeededRandom) {}

    pool(type: RandomBlockType): Buffer {
        let pool = this.pools.get(type);
        if (!pool) {
            const blockCount = Math.max(1, Math.floor(POOL_TARGET_BYTES / randomBlockBytes(type)));
            pool = randomBlocks(type, blockCount, this.random);
            this.pools.set(type, pool);
        }
        return pool;
    }

    /** Exactly `bytes` bytes of valid `type` blocks, as slices of the pool (no copies). */
    *chunks(type: RandomBlockType, bytes: number): Generator<Uint8Array> {
        const pool = this.pool(type);
        const blockBytes = randomBlockBytes(type);
        const poolBlocks = pool.length / blockBytes;
        let remaining = bytes;
        while (remaining > 0) {
            const start = this.random.int(poolBlocks) * blockBytes;
            const length = Math.min(remaining, pool.length - start);
            yield pool.subarray(start, start + length);
            remaining -= length;
        }
    }
}

export function* repeatedF32(value: number, count: number): Generator<Uint8Array> {
    const chunkValues = 1 << 16;
    const chunk = Buffer.alloc(Math.min(count, chunkValues) * 4);
    for (let i = 0; i < chunk.length; i += 4) chunk.writeFloatLE(value, i);
    let remaining = count;
    while (remaining > 0) {
        const values = Math.min(remaining, chunkValues);
        yield chunk.subarray(0, values * 4);
        remaining -= values;
    }
}
