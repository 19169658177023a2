import {describe, expect, it} from "vitest";
import {mkdtemp, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {defaultHardwarePath, findHardware, loadHardware} from "../src/catalog/hardware.js";
import {bytesPerTokenFromCatalogFacts, bytesPerTokenFromShape} from "../src/gguf/bytes-per-token.js";
import {findShapePreset} from "../src/gguf/shape-presets.js";
import {
    CALIBRATION_SCHEMA_VERSION,
    calibrationMismatch,
    calibrationPath,
    loadCalibration,
    saveCalibration,
    type Calibration
} from "../src/estimate/calibration.js";
import {estimateOnTarget, estimateOnThisMachine} from "../src/estimate/estimate.js";
import type {EstimateModel} from "../src/estimate/model.js";
import {renderEstimateTable, renderFitNote, renderSpeedNote, renderSpeedupNote} from "../src/estimate/render.js";
import {
    bytesReadPerGeneratedToken,
    calibratedTokensPerSecond,
    fitCalibratedCost,
    fitOutcome,
    meanDepth,
    memoryNeed,
    ppBound,
    tgBound,
    typicalRange
} from "../src/estimate/roofline.js";
import {judgeFit, judgeSpeedClaim, judgeSpeedupRatio} from "../src/estimate/verdicts.js";

const LLAMA_3_8B = {
    architecture: "llama" as const,
    hiddenSize: 4096,
    layers: 32,
    heads: 32,
    kvHeads: 8,
    ffnSize: 14336,
    vocabSize: 128256,
    contextLength: 8192,
    tiedEmbeddings: false,
    qkvBias: false
};

function llama8b(quant: string, fileBytes: number): EstimateModel {
    return {
        label: `Llama-3-8B ${quant}`,
        source: `catalog:meta-llama-3-8b-instruct:${quant}`,
        quant,
        fileBytes,
        fileBytesSource: "test",
        layers: 32,
        contextLength: 8192,
        bytes: bytesPerTokenFromShape(LLAMA_3_8B, quant)
    };
}

describe("roofline arithmetic", () => {
    it("bounds generation by bandwidth / bytes and prompt processing by compute / 2 x active parameters", () => {
        expect(tgBound(1008e9, 4.2e9)).toBeCloseTo(240, 9);
        expect(ppBound(330.3e12, 7.5e9)).toBeCloseTo(22_020, 6);
        expect(typicalRange(100, {low: 0.5, high: 0.8})).toEqual({low: 50, high: 80});
        expect(() => tgBound(1e9, 0)).toThrow();
    });

    it("adds the mean KV read of a tg run at its depth", () => {
        expect(meanDepth(0, 128)).toBe(63.5);
        expect(meanDepth(4096, 1)).toBe(4096);
        expect(bytesReadPerGeneratedToken(1e9, 131072, 63.5)).toBe(1e9 + 131072 * 63.5);
        expect(bytesReadPerGeneratedToken(1e9, null, 1000)).toBe(1e9);
    });

    it("recovers the per-layer cost and effective bandwidth from measured points", () => {
        const truth = {effectiveBandwidth: 18e9, secondsPerLayer: 40e-6};
        const points = [
            {bytesPerToken: 0.35e9, layers: 24},
            {bytesPerToken: 0.64e9, layers: 28},
            {bytesPerToken: 1.17e9, layers: 22}
        ].map((point) => ({
            ...point,
            tokensPerSecond: calibratedTokensPerSecond(truth, point.bytesPerToken, point.layers)
        }));
        const fit = fitCalibratedCost(points);
        expect(fit.effectiveBandwidth).toBeCloseTo(18e9, -6);
        expect(fit.secondsPerLayer).toBeCloseTo(40e-6, 10);
        expect(() => fitCalibratedCost(points.slice(0, 1))).toThrow(/at least two/);
    });

    it("weighs every point's relative error alike: 10% noise on the largest model does not swamp the smallest", () => {
        const truth = {effectiveBandwidth: 28e9, secondsPerLayer: 60e-6};
        const shapes = [
            {bytesPerToken: 0.14e9, layers: 30},
            {bytesPerToken: 1.1e9, layers: 22},
            {bytesPerToken: 2.5e9, layers: 36}
        ];
        // The largest model measured 10% slow (a busy round): its milliseconds dwarf the smallest model's.
        const noisy = shapes.map((point, index) => ({
            ...point,
            tokensPerSecond:
                calibratedTokensPerSecond(truth, point.bytesPerToken, point.layers) * (index === 2 ? 0.9 : 1)
        }));
        const fit = fitCalibratedCost(noisy);
        const errors = noisy.map((point) =>
            Math.abs(calibratedTokensPerSecond(fit, point.bytesPerToken, point.layers) / point.tokensPerSecond - 1)
        );
        // Spread over the three rather than put on the smallest: none is off by more than the noise.
        for (const error of errors) expect(error).toBeLessThan(0.1);
        const unweightedSmall = (() => {
            // The same data fitted without weights (ordinary least squares on time): the smallest model takes the error.
            let [sll, slb, sbb, slt, sbt] = [0, 0, 0, 0, 0];
            for (const point of noisy) {
                const time = 1 / point.tokensPerSecond;
                sll += point.layers ** 2;
                slb += point.layers * point.bytesPerToken;
                sbb += point.bytesPerToken ** 2;
                slt += point.layers * time;
                sbt += point.bytesPerToken * time;
            }
            const determinant = sll * sbb - slb * slb;
            const cost = {
                secondsPerLayer: (slt * sbb - slb * sbt) / determinant,
                effectiveBandwidth: determinant / (sll * sbt - slb * slt)
            };
            const small = noisy[0]!;
            return Math.abs(
                calibratedTokensPerSecond(cost, small.bytesPerToken, small.layers) / small.tokensPerSecond - 1
            );
        })();
        expect(errors[0]!).toBeLessThan(unweightedSmall);
    });

    it("fits when the need is within the usable share, only just within the capacity, else not", () => {
        const need = memoryNeed({
            weightBytes: 10e9,
            kvBytesPerToken: 131072,
            context: 4096,
            overheadBytes: 0.5 * 2 ** 30
        });
        expect(need.kvBytes).toBe(131072 * 4096);
        expect(need.totalBytes).toBe(10e9 + 131072 * 4096 + 0.5 * 2 ** 30);
        expect(fitOutcome(10e9, 12 * 2 ** 30, 0.95)).toBe("fits");
        expect(fitOutcome(12.5e9, 12 * 2 ** 30, 0.95)).toBe("tight");
        expect(fitOutcome(13e9, 12 * 2 ** 30, 0.95)).toBe("does-not-fit");
    });
});

describe("speed verdicts on named hardware", async () => {
    const hardware = await loadHardware({path: defaultHardwarePath});
    const q4 = llama8b("Q4_K_M", 4.92e9);

    it("refutes a generation speed above the bound on a 4090, with the numbers", () => {
        const judgement = judgeSpeedClaim({
            model: q4,
            claimedTokensPerSecond: 300,
            target: findHardware(hardware, "a 4090")!,
            hardware
        });
        expect(judgement.verdict).toBe("refuted");
        expect(judgement.reason).toBe("above-bound");
        const bytes = q4.bytes.readBytesPerToken + q4.bytes.kvBytesPerToken! * 63.5;
        expect(judgement.boundTokensPerSecond).toBeCloseTo(1008e9 / bytes, 6);
        expect(judgement.needed.bandwidthBytesPerSecond).toBeCloseTo(300 * bytes, 0);
        expect(judgement.figuresUsed.map((figure) => figure.figure)).toContain("bandwidth");
        const note = renderSpeedNote(judgement);
        expect(note).toContain("needs 1.39 TB/s of weight reads");
        expect(note).toContain("NVIDIA GeForce RTX 4090 has 1.01 TB/s");
        expect(note).toContain("Ada GPU architecture whitepaper");
    });

    it("leaves a speed within the bound inconclusive, with the typical range and the command", () => {
        const judgement = judgeSpeedClaim({
            model: q4,
            claimedTokensPerSecond: 120,
            target: findHardware(hardware, "RTX 4090")!,
            hardware
        });
        expect(judgement.verdict).toBe("inconclusive");
        expect(judgement.typicalRange!.low).toBeCloseTo(judgement.boundTokensPerSecond! * 0.45, 6);
        expect(judgement.measureCommand).toBe("llmproof bench meta-llama-3-8b-instruct:Q4_K_M -p 0 -n 128");
        expect(renderSpeedNote(judgement)).toContain("llmproof bench meta-llama-3-8b-instruct:Q4_K_M -p 0 -n 128");
    });

    it("judges a class by its fastest member and names the class's members", () => {
        const gamingGpu = findHardware(hardware, "gaming GPU")!;
        const aboveAll = judgeSpeedClaim({model: q4, claimedTokensPerSecond: 500, target: gamingGpu, hardware});
        expect(aboveAll.verdict).toBe("refuted");
        expect(aboveAll.boundDevice!.id).toBe("rtx-5090");
        const aboveSome = judgeSpeedClaim({model: q4, claimedTokensPerSecond: 100, target: gamingGpu, hardware});
        expect(aboveSome.verdict).toBe("inconclusive");
        expect(renderSpeedNote(aboveAll)).toContain("consumer GPU (10 profiles: rtx-4060, rtx-3070");
    });

    it("cannot bound prompt processing where a member has no published compute figure", () => {
        const gamingGpu = findHardware(hardware, "gaming GPU")!;
        const judgement = judgeSpeedClaim({
            model: q4,
            claimedTokensPerSecond: 1e6,
            phase: "pp",
            target: gamingGpu,
            hardware
        });
        expect(judgement.reason).toBe("no-bound");
        expect(judgement.verdict).toBe("inconclusive");
        const onPi = judgeSpeedClaim({
            model: q4,
            claimedTokensPerSecond: 500,
            phase: "pp",
            target: findHardware(hardware, "Raspberry Pi 5")!,
            hardware
        });
        // 0.61 int8 TOPS / (2 x 7.5B) = 41 tokens/s at most.
        expect(onPi.verdict).toBe("refuted");
        expect(onPi.boundTokensPerSecond).toBeCloseTo(0.61e12 / (2 * q4.bytes.activeParameters), 6);
    });

    it("gives catalog-only facts a margin before refuting", () => {
        const bytes = bytesPerTokenFromCatalogFacts({
            fileBytes: 48.7e9,
            parameters: 79.67e9,
            activeParameters: 3e9,
            moe: null
        });
        const model: EstimateModel = {...q4, label: "Qwen3-Next", bytes, layers: null};
        const target = findHardware(hardware, "Ryzen AI 9 HX 370")!;
        const bound = 120e9 / bytes.readBytesPerToken;
        expect(judgeSpeedClaim({model, claimedTokensPerSecond: bound * 1.05, target, hardware}).verdict).toBe(
            "inconclusive"
        );
        expect(judgeSpeedClaim({model, claimedTokensPerSecond: bound * 1.15, target, hardware}).verdict).toBe(
            "refuted"
        );
    });
});

describe("speed-up between quantizations", () => {
    const f16 = bytesPerTokenFromShape(LLAMA_3_8B, "F16");
    const q4 = bytesPerTokenFromShape(LLAMA_3_8B, "Q4_K_M");

    it("refutes a speed-up above the ratio of bytes per token", () => {
        const judgement = judgeSpeedupRatio({
            faster: {label: "Q4_K_M", bytes: q4},
            slower: {label: "F16", bytes: f16},
            claimedRatio: 6
        });
        expect(judgement.verdict).toBe("refuted");
        expect(judgement.maxRatio).toBeGreaterThan(3.2);
        expect(judgement.maxRatio).toBeLessThan(3.3);
        expect(renderSpeedupNote(judgement)).toMatch(
            /A 6\.0x speed-up is more than memory allows: F16 reads 15\.0\d GB/
        );
    });

    it("accepts the llama.cpp README's measured 2.47x as within the bound", () => {
        const judgement = judgeSpeedupRatio({
            faster: {label: "Q4_K_M", bytes: q4},
            slower: {label: "F16", bytes: f16},
            claimedRatio: 71.93 / 29.17
        });
        expect(judgement.verdict).toBe("inconclusive");
        expect(judgement.reason).toBe("within-bytes-ratio");
    });
});

describe("fit on named hardware", async () => {
    const hardware = await loadHardware({path: defaultHardwarePath});
    const next80b: EstimateModel = {
        label: "Qwen3-Next-80B-A3B Q4_K_M",
        source: "catalog:qwen3-next-80b-a3b-instruct:Q4_K_M",
        quant: "Q4_K_M",
        fileBytes: 48.7e9,
        fileBytesSource: "test",
        layers: null,
        contextLength: null,
        bytes: bytesPerTokenFromCatalogFacts({fileBytes: 48.7e9, parameters: 79.67e9, activeParameters: 3e9, moe: null})
    };

    it("fits the 80B MoE on no consumer GPU, and says on which Macs it does", () => {
        const gpus = judgeFit({
            model: next80b,
            context: 4096,
            target: findHardware(hardware, "consumer GPU")!,
            hardware
        });
        expect(gpus.coverage).toBe("none");
        expect(gpus.needBytes).toBe(48.7e9 + 0.5 * 2 ** 30);
        expect(renderFitNote(gpus)).toContain("It fits on no profile of consumer GPU");
        const macs = judgeFit({model: next80b, context: 4096, target: findHardware(hardware, "Mac")!, hardware});
        expect(macs.coverage).toBe("some");
        const fits = macs.fitsOn.map((member) => `${member.deviceId}:${member.memoryGiB}`);
        // 49.2 GB needed, KV cache unknown (no shape), so 10% to spare: within 90% of 75% of 96 GiB (69.6 GB);
        // above that share of 64 GiB (46.4 GB) and of 48 GiB, but within them: tight.
        expect(fits).toContain("apple-m2-max:96");
        expect(fits).not.toContain("apple-m2-max:64");
        expect(fits).not.toContain("apple-m2-max:32");
        expect(macs.tightOn.map((member) => `${member.deviceId}:${member.memoryGiB}`)).toEqual(
            expect.arrayContaining(["apple-m2-max:64", "apple-m3-max:48", "apple-m4-pro:48", "apple-m4-max:48"])
        );
        expect(renderFitNote(macs)).toContain("10% to spare");
        expect(macs.members.find((m) => m.deviceId === "apple-m3-pro" && m.memoryGiB === 36)!.outcome).toBe(
            "does-not-fit"
        );
    });

    it("calls it tight above the usable share but within the capacity", () => {
        const need = memoryNeed({weightBytes: 23e9, kvBytesPerToken: 131072, context: 0, overheadBytes: 0.5 * 2 ** 30});
        const judgement = judgeFit({need, target: findHardware(hardware, "RTX 4090")!, hardware});
        // 23.5 GB is within 95% of 24 GiB (24.5 GB); 24.9 GB is above it but within 25.8 GB.
        expect(judgement.coverage).toBe("all");
        // The same need with the KV cache unknown must leave 10% of the usable share spare (22.0 GB): tight.
        const unknownKv = memoryNeed({
            weightBytes: 23e9,
            kvBytesPerToken: null,
            context: 0,
            overheadBytes: 0.5 * 2 ** 30
        });
        expect(judgeFit({need: unknownKv, target: findHardware(hardware, "RTX 4090")!, hardware}).coverage).toBe(
            "some"
        );
        const tight = judgeFit({
            need: memoryNeed({weightBytes: 24.9e9, kvBytesPerToken: 131072, context: 0, overheadBytes: 0}),
            target: findHardware(hardware, "RTX 4090")!,
            hardware
        });
        expect(tight.tightOn).toHaveLength(1);
        expect(renderFitNote(tight)).toContain("only just fits");
    });
});

function sampleCalibration(overrides: Partial<Calibration> = {}): Calibration {
    return {
        schemaVersion: CALIBRATION_SCHEMA_VERSION,
        date: "2026-12-03T18:00:00.000Z",
        provenance: {
            llmproofVersion: "0.1.0",
            nodeLlamaCppVersion: "3.22.1",
            llamaCppRelease: "b7000",
            nodeVersion: "v20.0.0",
            cpu: {model: "Test CPU", physicalCores: 2, logicalCores: 2},
            ramBytes: 24 * 2 ** 30,
            gpus: [],
            os: {platform: "linux", distro: "", release: "", kernel: "", arch: "x64"}
        },
        backend: "cpu",
        threads: 2,
        kernel: {method: "test kernel", bytesPerSecond: 28e9, passes: [28e9]},
        points: [
            {
                label: "a",
                quant: "Q4_0",
                fileBytes: 350e6,
                bytesPerToken: 0.35e9,
                layers: 24,
                nGen: 64,
                tokensPerSecond: 1 / (24 * 40e-6 + 0.35e9 / 18e9),
                samples: [1],
                activeParameters: 0.5e9,
                nPrompt: 128,
                ppTokensPerSecond: 100
            },
            {
                label: "b",
                quant: "Q8_0",
                fileBytes: 1.17e9,
                bytesPerToken: 1.17e9,
                layers: 22,
                nGen: 64,
                tokensPerSecond: 1 / (22 * 40e-6 + 1.17e9 / 18e9),
                samples: [1],
                activeParameters: 1.1e9,
                nPrompt: 128,
                ppTokensPerSecond: 40
            }
        ],
        fit: {effectiveBandwidth: 18e9, secondsPerLayer: 40e-6, fractionOfKernel: 18 / 28},
        ppOpsPerSecond: {low: 88e9, high: 100e9},
        ...overrides
    };
}

describe("this machine's calibration", async () => {
    const hardware = await loadHardware({path: defaultHardwarePath});

    it("is stored atomically under the cache folder and read back", async () => {
        const dir = await mkdtemp(join(tmpdir(), "llmproof-calibration-test-"));
        expect(calibrationPath({XDG_CACHE_HOME: dir, HOME: dir})).toBe(
            process.platform === "linux"
                ? join(dir, "llmproof", "calibration.json")
                : calibrationPath({XDG_CACHE_HOME: dir})
        );
        const env = {LLMPROOF_CALIBRATION: join(dir, "sub", "calibration.json")};
        expect(await loadCalibration(env)).toBeNull();
        await saveCalibration(sampleCalibration(), env);
        expect(await loadCalibration(env)).toEqual(sampleCalibration());
        await writeFile(env.LLMPROOF_CALIBRATION, "{not json");
        expect(await loadCalibration(env)).toBeNull();
    });

    it("notices a calibration made on other hardware or another llama.cpp", () => {
        const calibration = sampleCalibration();
        const same = {
            cpu: calibration.provenance.cpu,
            ramBytes: calibration.provenance.ramBytes,
            llamaCppRelease: "b7000"
        };
        expect(calibrationMismatch(calibration, same)).toBeNull();
        expect(calibrationMismatch(calibration, {...same, llamaCppRelease: "b8000"})).toContain("llama.cpp b7000");
        expect(
            calibrationMismatch(calibration, {...same, cpu: {model: "Other", physicalCores: 8, logicalCores: 16}})
        ).toContain("Test CPU");
    });

    it("predicts from the calibrated cost, bounded by the measured bandwidth", () => {
        const model = llama8b("Q4_K_M", 4.92e9);
        const result = estimateOnThisMachine(model, sampleCalibration(), hardware);
        const member = result.members[0]!;
        const bytes = result.bytesPerGeneratedToken;
        expect(member.tg.bound).toBeCloseTo(28e9 / bytes, 9);
        const expected = 1 / (32 * 40e-6 + bytes / 18e9);
        expect(member.tg.typical.low).toBeCloseTo(expected * 0.95, 9);
        expect(member.tg.basis).toBe("calibrated");
        expect(member.pp.typical!.high).toBeCloseTo(100e9 / (2 * model.bytes.activeParameters), 9);
        expect(member.fit[0]!.memoryGiB).toBe(24);
        // 4.6 GB per token against a largest twin of 1.17 GB: an extrapolation, and the output says so.
        expect(result.calibration?.beyondBytes).toBe(1.17e9);
        expect(renderEstimateTable(result)).toContain("beyond the calibrated sizes");
    });

    it("calls a prediction inside the calibrated sizes an interpolation (no note)", () => {
        const small = {...llama8b("Q4_K_M", 0.9e9), layers: 16};
        small.bytes = {...small.bytes, readBytesPerToken: 0.9e9, kvBytesPerToken: 32768};
        const result = estimateOnThisMachine(small, sampleCalibration(), hardware);
        expect(result.bytesPerGeneratedToken).toBeLessThan(1.17e9 * 1.25);
        expect(result.calibration?.beyondBytes).toBeNull();
        expect(renderEstimateTable(result)).not.toContain("beyond the calibrated sizes");
    });

    it("estimates a profile's members one by one", () => {
        const result = estimateOnTarget(llama8b("Q4_K_M", 4.92e9), findHardware(hardware, "16GB Mac")!, hardware, {
            context: 8192
        });
        expect(result.members.map((member) => member.deviceId)).toEqual([
            "apple-m1",
            "apple-m1-pro",
            "apple-m2",
            "apple-m2-pro",
            "apple-m3",
            "apple-m4"
        ]);
        expect(result.need.kvBytes).toBe(131072 * 8192);
        for (const member of result.members) expect(member.fit.map((fit) => fit.memoryGiB)).toEqual([16]);
    });
});

describe("calibrating a machine (tiny twins, real llama.cpp runs)", () => {
    it("measures, fits and stores a calibration that estimate can use", async () => {
        const {calibrate} = await import("../src/estimate/calibration.js");
        const dir = await mkdtemp(join(tmpdir(), "llmproof-calibrate-test-"));
        const env = {LLMPROOF_CALIBRATION: join(dir, "calibration.json")};
        const tiny = findShapePreset("tiny-test").shape;
        const {calibration, path} = await calibrate({
            threads: 1,
            nGen: 4,
            nPrompt: 8,
            repetitions: 1,
            rounds: 1,
            twins: [
                {label: "tiny-test Q8_0", shape: tiny, quant: "Q8_0"},
                {label: "tiny-test F32", shape: tiny, quant: "F32"}
            ],
            env
        });
        expect(path).toBe(env.LLMPROOF_CALIBRATION);
        expect(await loadCalibration(env)).toEqual(calibration);
        expect(calibration.points.map((point) => point.label)).toEqual(["tiny-test Q8_0", "tiny-test F32"]);
        // The F32 twin reads about 3.8x the bytes of the Q8_0 one, by the same rule the estimator uses.
        const [q8, f32] = calibration.points;
        expect(f32!.bytesPerToken / q8!.bytesPerToken).toBeGreaterThan(3.5);
        for (const point of calibration.points) {
            expect(point.tokensPerSecond).toBeGreaterThan(0);
            expect(point.ppTokensPerSecond).toBeGreaterThan(0);
        }
        expect(calibration.kernel.bytesPerSecond).toBeGreaterThan(0);
        expect(calibration.fit.effectiveBandwidth).toBeGreaterThan(0);
        expect(calibration.fit.secondsPerLayer).toBeGreaterThanOrEqual(0);
        expect(calibration.ppOpsPerSecond!.low).toBeLessThanOrEqual(calibration.ppOpsPerSecond!.high);
        expect(calibration.backend).toBe("cpu");
    });
});
