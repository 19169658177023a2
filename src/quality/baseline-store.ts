import {mkdtemp, open, rm} from "node:fs/promises";
import type {FileHandle} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";

/**
 * The baseline's log-probabilities for every scored position (vocabulary × positions float32
 * values: 32 000 × 1 000 positions is 128 MB). They stay in memory up to `memoryLimitBytes` and go
 * to a temporary file beyond that, read back one chunk at a time, as llama-perplexity's
 * `--kl-divergence-base` file, so memory stays bounded by one chunk for any text length.
 */
export const DEFAULT_IN_MEMORY_LIMIT_BYTES = 256 * 2 ** 20;

export class BaselineStore {
    readonly chunkValues: number;
    private readonly inMemory: Float32Array[] | null;
    /** `dir`: a temporary folder this store made and removes on close; null for a file the caller owns. */
    private file: {dir: string | null; handle: FileHandle} | null = null;
    /** Per scored position: -ln p(actual next token) and the top token. Small, always in memory. */
    readonly nll: Float64Array;
    readonly top: Int32Array;

    private constructor(
        readonly vocabularySize: number,
        readonly positionsPerChunk: number,
        readonly chunkCount: number,
        inMemory: boolean
    ) {
        this.chunkValues = vocabularySize * positionsPerChunk;
        this.inMemory = inMemory ? new Array<Float32Array>(chunkCount) : null;
        this.nll = new Float64Array(positionsPerChunk * chunkCount);
        this.top = new Int32Array(positionsPerChunk * chunkCount);
    }

    static async create(options: {
        vocabularySize: number;
        positionsPerChunk: number;
        chunkCount: number;
        memoryLimitBytes?: number;
        /** Always keep the log-probabilities in this file (created; the caller removes it), for readers in other processes. */
        filePath?: string;
    }): Promise<BaselineStore> {
        const totalBytes = options.vocabularySize * options.positionsPerChunk * options.chunkCount * 4;
        const inMemory =
            options.filePath == null && totalBytes <= (options.memoryLimitBytes ?? DEFAULT_IN_MEMORY_LIMIT_BYTES);
        const store = new BaselineStore(
            options.vocabularySize,
            options.positionsPerChunk,
            options.chunkCount,
            inMemory
        );
        if (options.filePath != null) store.file = {dir: null, handle: await open(options.filePath, "w+")};
        else if (!inMemory) {
            const dir = await mkdtemp(join(tmpdir(), "llmproof-quality-"));
            store.file = {dir, handle: await open(join(dir, "baseline-logprobs.f32"), "w+")};
        }
        return store;
    }

    /** A store written by another process (`create` with `filePath`), read-only, with its per-position scores. */
    static async openFile(options: {
        filePath: string;
        vocabularySize: number;
        positionsPerChunk: number;
        chunkCount: number;
        nll: ArrayLike<number>;
        top: ArrayLike<number>;
    }): Promise<BaselineStore> {
        const store = new BaselineStore(options.vocabularySize, options.positionsPerChunk, options.chunkCount, false);
        if (options.nll.length !== store.nll.length || options.top.length !== store.top.length)
            throw new Error("the baseline scores do not match the chunk plan");
        store.nll.set(options.nll);
        store.top.set(options.top);
        store.file = {dir: null, handle: await open(options.filePath, "r")};
        return store;
    }

    get spillsToDisk(): boolean {
        return this.file !== null;
    }

    async writeChunk(chunkIndex: number, logProbs: Float32Array): Promise<void> {
        this.checkChunk(chunkIndex, logProbs);
        if (this.inMemory) {
            this.inMemory[chunkIndex] = logProbs.slice();
            return;
        }
        const bytes = new Uint8Array(logProbs.buffer, logProbs.byteOffset, logProbs.byteLength);
        let written = 0;
        while (written < bytes.length) {
            const {bytesWritten} = await this.file!.handle.write(
                bytes,
                written,
                bytes.length - written,
                chunkIndex * bytes.length + written
            );
            written += bytesWritten;
        }
    }

    /** The chunk's log-probabilities, position-major (position p, token t at p * vocabularySize + t). */
    async readChunk(chunkIndex: number): Promise<Float32Array> {
        if (this.inMemory) {
            const chunk = this.inMemory[chunkIndex];
            if (!chunk) throw new Error(`baseline chunk ${chunkIndex} was never written`);
            return chunk;
        }
        const out = new Float32Array(this.chunkValues);
        const bytes = new Uint8Array(out.buffer);
        let read = 0;
        while (read < bytes.length) {
            const {bytesRead} = await this.file!.handle.read(
                bytes,
                read,
                bytes.length - read,
                chunkIndex * bytes.length + read
            );
            if (bytesRead === 0) throw new Error(`baseline chunk ${chunkIndex} is incomplete on disk`);
            read += bytesRead;
        }
        return out;
    }

    async close(): Promise<void> {
        if (!this.file) return;
        const {dir, handle} = this.file;
        this.file = null;
        await handle.close().catch(() => undefined);
        if (dir != null) await rm(dir, {recursive: true, force: true});
    }

    private checkChunk(chunkIndex: number, logProbs: Float32Array): void {
        if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex >= this.chunkCount)
            throw new Error(`chunk ${chunkIndex} is outside 0..${this.chunkCount - 1}`);
        if (logProbs.length !== this.chunkValues)
            throw new Error(`chunk ${chunkIndex} has ${logProbs.length} values, expected ${this.chunkValues}`);
    }
}
