import {describe, expect, it} from "vitest";
import {contextSizeFor, expandSweep, resolveSweepLists, testName} from "../src/bench/sweep.js";

describe("sweep defaults", () => {
    it("takes llama-bench's defaults, with threads = physical cores and ngl 0 on CPU", () => {
        const lists = resolveSweepLists({}, {physicalCores: 2, hasGpu: false});
        expect(lists).toEqual({
            threads: [2],
            nPrompt: [512],
            nGen: [128],
            depth: [0],
            batchSize: [2048],
            ubatchSize: [512],
            gpuLayers: [0],
            flashAttention: [false],
            useMmap: [true]
        });
        expect(expandSweep(lists)).toEqual([
            {
                threads: 2,
                nPrompt: 512,
                nGen: 0,
                depth: 0,
                batchSize: 2048,
                ubatchSize: 512,
                gpuLayers: 0,
                flashAttention: false,
                useMmap: true
            },
            {
                threads: 2,
                nPrompt: 0,
                nGen: 128,
                depth: 0,
                batchSize: 2048,
                ubatchSize: 512,
                gpuLayers: 0,
                flashAttention: false,
                useMmap: true
            }
        ]);
    });

    it("offloads all layers (99) by default on a GPU and keeps explicit lists", () => {
        expect(resolveSweepLists({}, {physicalCores: 8, hasGpu: true}).gpuLayers).toEqual([99]);
        expect(resolveSweepLists({gpuLayers: [0, 10], threads: [3]}, {physicalCores: 8, hasGpu: true})).toMatchObject({
            gpuLayers: [0, 10],
            threads: [3]
        });
    });
});

describe("expandSweep", () => {
    const base = {
        threads: [1],
        nPrompt: [16],
        nGen: [4],
        depth: [0],
        batchSize: [2048],
        ubatchSize: [512],
        gpuLayers: [0],
        flashAttention: [false],
        useMmap: [true]
    };

    it("makes separate pp and tg tests for every combination, in llama-bench's order", () => {
        const configs = expandSweep({...base, threads: [1, 2], nPrompt: [16, 32], depth: [0, 64]});
        // 2 threads × 2 depths × (2 pp + 1 tg)
        expect(configs).toHaveLength(12);
        expect(configs.map((config) => `t${config.threads} ${testName(config)}`)).toEqual([
            "t1 pp16",
            "t1 pp32",
            "t1 tg4",
            "t1 pp16 @ d64",
            "t1 pp32 @ d64",
            "t1 tg4 @ d64",
            "t2 pp16",
            "t2 pp32",
            "t2 tg4",
            "t2 pp16 @ d64",
            "t2 pp32 @ d64",
            "t2 tg4 @ d64"
        ]);
        for (const config of configs) expect(config.nPrompt === 0 || config.nGen === 0).toBe(true);
    });

    it("puts gpu layers, batch, ubatch and flash attention outside threads", () => {
        const configs = expandSweep({
            ...base,
            nGen: [0],
            gpuLayers: [0, 99],
            batchSize: [512, 2048],
            ubatchSize: [128],
            flashAttention: [false, true],
            threads: [1, 2]
        });
        expect(configs).toHaveLength(2 * 2 * 2 * 2);
        expect(
            configs
                .slice(0, 3)
                .map(({gpuLayers, batchSize, flashAttention, threads}) => [
                    gpuLayers,
                    batchSize,
                    flashAttention,
                    threads
                ])
        ).toEqual([
            [0, 512, false, 1],
            [0, 512, false, 2],
            [0, 512, true, 1]
        ]);
        expect(configs.at(-1)).toMatchObject({
            gpuLayers: 99,
            batchSize: 2048,
            flashAttention: true,
            threads: 2,
            ubatchSize: 128
        });
    });

    it("sweeps mmap between gpu layers and batch, as llama-bench's -mmp loop", () => {
        const configs = expandSweep({
            ...base,
            nPrompt: [0],
            gpuLayers: [0, 99],
            useMmap: [false, true],
            batchSize: [512, 2048]
        });
        expect(
            configs.map(({gpuLayers, useMmap, batchSize}) => `${gpuLayers}/${useMmap ? 1 : 0}/${batchSize}`)
        ).toEqual(["0/0/512", "0/0/2048", "0/1/512", "0/1/2048", "99/0/512", "99/0/2048", "99/1/512", "99/1/2048"]);
        expect(expandSweep({...base, nPrompt: [0], useMmap: [true, true]}).map((config) => config.useMmap)).toEqual([
            true
        ]);
    });

    it("skips zero sizes and duplicate entries", () => {
        expect(expandSweep({...base, nPrompt: [0], nGen: [4, 4]}).map(testName)).toEqual(["tg4"]);
        expect(expandSweep({...base, nPrompt: [0], nGen: [0]})).toEqual([]);
    });
});

describe("test names and context", () => {
    it("labels tests as llama-bench does", () => {
        expect(testName({nPrompt: 512, nGen: 0, depth: 0})).toBe("pp512");
        expect(testName({nPrompt: 0, nGen: 128, depth: 0})).toBe("tg128");
        expect(testName({nPrompt: 512, nGen: 0, depth: 1024})).toBe("pp512 @ d1024");
        expect(testName({nPrompt: 16, nGen: 4, depth: 0})).toBe("pp16+tg4");
        expect(contextSizeFor({nPrompt: 512, nGen: 0, depth: 1024})).toBe(1536);
    });
});
