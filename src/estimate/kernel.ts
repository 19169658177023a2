import {Worker} from "node:worker_threads";
import {median} from "../util/stats.js";

/**
 * A read-bandwidth kernel: each of `threads` worker threads scans its own buffer, far larger than
 * any CPU cache, for a byte that is not there (Buffer.indexOf of a number is the C library's
 * memchr, a vectorised read-only sweep). Bytes scanned / wall time, with all threads scanning at
 * once, is the read bandwidth this machine's cores reach: the figure token generation on the CPU
 * divides by. Like STREAM, it reports the best of several passes (a shared machine only ever slows it).
 */

export interface KernelOptions {
    threads: number;
    /** Per thread; default 256 MiB (well beyond the last-level cache of any current CPU). */
    bufferBytes?: number;
    /** Timed passes; default 7. */
    passes?: number;
    /** Scans of the whole buffer per pass and thread; default 2. */
    scansPerPass?: number;
}

export interface KernelResult {
    method: string;
    threads: number;
    bufferBytes: number;
    /** Bandwidth of every pass, bytes/sec. */
    passes: number[];
    /** The best pass, bytes/sec. */
    bestBytesPerSecond: number;
    medianBytesPerSecond: number;
}

const WORKER_SOURCE = `
const {parentPort, workerData} = require("node:worker_threads");
const buffer = Buffer.alloc(workerData.bufferBytes, 1);
buffer.indexOf(0);
parentPort.on("message", (scans) => {
    let found = 0;
    for (let i = 0; i < scans; i++) found += buffer.indexOf(0);
    parentPort.postMessage(found);
});
parentPort.postMessage("ready");
`;

function nextMessage(worker: Worker): Promise<unknown> {
    return new Promise((resolve, reject) => {
        const onMessage = (message: unknown) => {
            worker.off("error", onError);
            resolve(message);
        };
        const onError = (error: Error) => {
            worker.off("message", onMessage);
            reject(error);
        };
        worker.once("message", onMessage);
        worker.once("error", onError);
    });
}

export async function measureReadBandwidth(options: KernelOptions): Promise<KernelResult> {
    const threads = Math.max(1, Math.floor(options.threads));
    const bufferBytes = options.bufferBytes ?? 256 * 2 ** 20;
    const passes = options.passes ?? 7;
    const scans = options.scansPerPass ?? 2;
    const workers = Array.from(
        {length: threads},
        () => new Worker(WORKER_SOURCE, {eval: true, workerData: {bufferBytes}})
    );
    try {
        await Promise.all(workers.map(nextMessage));
        const results: number[] = [];
        for (let pass = 0; pass < passes; pass++) {
            const started = performance.now();
            await Promise.all(
                workers.map((worker) => {
                    const done = nextMessage(worker);
                    worker.postMessage(scans);
                    return done;
                })
            );
            const seconds = (performance.now() - started) / 1000;
            results.push((threads * scans * bufferBytes) / seconds);
        }
        return {
            method: `memchr read sweep (Buffer.indexOf) over ${threads} x ${bufferBytes / 2 ** 20} MiB, ${threads} worker thread(s), best of ${passes} passes`,
            threads,
            bufferBytes,
            passes: results,
            bestBytesPerSecond: Math.max(...results),
            medianBytesPerSecond: median(results)
        };
    } finally {
        await Promise.all(workers.map((worker) => worker.terminate()));
    }
}
