import {describe, expect, it} from "vitest";
import {mkdtemp, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {bytesPerTokenFromShape} from "../src/gguf/bytes-per-token.js";
import {findShapePreset} from "../src/gguf/shape-presets.js";
import {runCli} from "./helpers/cli.js";
import {makeTestTwinReport} from "./helpers/models.js";

/** A run of `llmproof estimate` with no calibration stored (its own empty cache). */
async function isolatedEnv(): Promise<NodeJS.ProcessEnv> {
    const dir = await mkdtemp(join(tmpdir(), "llmproof-estimate-cli-"));
    return {...process.env, XDG_CACHE_HOME: dir, LLMPROOF_CALIBRATION: join(dir, "calibration.json")};
}

describe("llmproof estimate", () => {
    it("estimates a tiny GGUF on a named GPU as JSON, from its header", async () => {
        const twin = await makeTestTwinReport({preset: "tiny-test", quant: "Q8_0"});
        const result = await runCli(["estimate", twin.path, "--hardware", "a 4090", "--json"], await isolatedEnv());
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        const estimate = JSON.parse(result.stdout);
        const bytes = bytesPerTokenFromShape(findShapePreset("tiny-test").shape, "Q8_0");
        expect(estimate.model.bytes.method).toBe("header");
        expect(estimate.model.bytes.readBytesPerToken).toBe(bytes.readBytesPerToken);
        expect(estimate.model.fileBytes).toBe(twin.fileBytes);
        expect(estimate.hardware).toMatchObject({kind: "device", id: "rtx-4090"});
        const member = estimate.members[0];
        const perToken = bytes.readBytesPerToken + bytes.kvBytesPerToken! * 63.5;
        expect(member.tg.bound).toBeCloseTo(1008e9 / perToken, 6);
        expect(member.fit).toEqual([expect.objectContaining({memoryGiB: 24, outcome: "fits"})]);
        // The tiny model's context is 256 tokens, so the fit uses 256, not 4096.
        expect(estimate.context).toBe(256);
    });

    it("estimates a catalog id offline on a class, listing its members", async () => {
        const result = await runCli(
            ["estimate", "meta-llama-3-8b-instruct:Q4_K_M", "--hardware", "gaming GPU", "--context", "8192", "--json"],
            await isolatedEnv()
        );
        expect(result.code).toBe(0);
        const estimate = JSON.parse(result.stdout);
        expect(estimate.model.bytes.method).toBe("twin-layout");
        expect(estimate.model.fileBytes).toBe(4.92e9);
        expect(estimate.hardware).toMatchObject({kind: "class", id: "consumer-gpu"});
        expect(estimate.members.map((member: {deviceId: string}) => member.deviceId)).toContain("rtx-3060-12gb");
        const rtx4060 = estimate.members.find((member: {deviceId: string}) => member.deviceId === "rtx-4060");
        // 4.92 GB + 8192 x 131,072 B of KV + 0.5 GiB = 6.53 GB: fits in 95% of 8 GiB.
        expect(estimate.need.totalBytes).toBeCloseTo(4.92e9 + 8192 * 131072 + 0.5 * 2 ** 30, 0);
        expect(rtx4060.fit[0].outcome).toBe("fits");
    });

    it("prints a table and Markdown that name the profile and its figures", async () => {
        const env = await isolatedEnv();
        const table = await runCli(["estimate", "qwen3-4b", "--hardware", "Raspberry Pi 5"], env);
        expect(table.code).toBe(0);
        expect(table.stdout).toContain("Raspberry Pi 5");
        expect(table.stdout).toContain("17.1 GB/s");
        expect(table.stdout).toContain("16 GB: fits");
        const markdown = await runCli(["estimate", "qwen3-4b:Q8_0", "--hardware", "M2 Max", "--md"], env);
        expect(markdown.code).toBe(0);
        expect(markdown.stdout).toContain("| Apple M2 Max | 400 GB/s |");
        expect(markdown.stdout).toContain("Apple newsroom, 17 Jan 2023");
    });

    it("uses this machine's stored calibration when no profile is named", async () => {
        const env = await isolatedEnv();
        const missing = await runCli(["estimate", "qwen3-0.6b"], env);
        expect(missing.code).toBe(1);
        expect(missing.stdout).toBe("");
        expect(missing.stderr).toBe(
            "llmproof: This machine is not calibrated yet: run `llmproof estimate --calibrate` (a few minutes), or name a profile with --hardware.\n"
        );
        const calibration = {
            schemaVersion: 1,
            date: "2026-12-03T18:00:00.000Z",
            provenance: {
                llmproofVersion: "0.1.0",
                nodeLlamaCppVersion: "3.22.1",
                llamaCppRelease: "other-release",
                nodeVersion: "v20.0.0",
                cpu: {model: "Some CPU", physicalCores: 2, logicalCores: 2},
                ramBytes: 8 * 2 ** 30,
                gpus: [],
                os: {platform: "linux", distro: "", release: "", kernel: "", arch: "x64"}
            },
            backend: "cpu",
            threads: 2,
            kernel: {method: "test", bytesPerSecond: 20e9, passes: [20e9]},
            points: [
                {
                    label: "a",
                    quant: "Q4_0",
                    fileBytes: 1,
                    bytesPerToken: 3.5e8,
                    layers: 24,
                    nGen: 64,
                    tokensPerSecond: 40,
                    samples: [40],
                    activeParameters: 5e8,
                    nPrompt: 0,
                    ppTokensPerSecond: null
                },
                {
                    label: "b",
                    quant: "Q8_0",
                    fileBytes: 1,
                    bytesPerToken: 1.17e9,
                    layers: 22,
                    nGen: 64,
                    tokensPerSecond: 13,
                    samples: [13],
                    activeParameters: 1.1e9,
                    nPrompt: 0,
                    ppTokensPerSecond: null
                }
            ],
            fit: {effectiveBandwidth: 16e9, secondsPerLayer: 3e-5, fractionOfKernel: 0.8},
            ppOpsPerSecond: null
        };
        await writeFile(env.LLMPROOF_CALIBRATION!, JSON.stringify(calibration));
        const result = await runCli(["estimate", "qwen3-0.6b:Q8_0", "--json"], env);
        expect(result.code).toBe(0);
        const estimate = JSON.parse(result.stdout);
        expect(estimate.hardware.kind).toBe("this-machine");
        expect(estimate.members[0].tg.basis).toBe("calibrated");
        const perToken = estimate.bytesPerGeneratedToken;
        expect(estimate.members[0].tg.bound).toBeCloseTo(20e9 / perToken, 6);
        // The stored calibration was made on another CPU: the estimate says so.
        expect(estimate.calibration.mismatch).toContain("it was made on Some CPU (2 threads)");
    });

    it("explains an unknown profile or a bad option in one sentence", async () => {
        const env = await isolatedEnv();
        const unknown = await runCli(["estimate", "qwen3-0.6b", "--hardware", "RTX 4090 16GB"], env);
        expect(unknown.code).toBe(1);
        expect(unknown.stderr).toBe(
            "llmproof: No NVIDIA GeForce RTX 4090 profile has 16 GB of memory; hardware.yaml lists 24 GB.\n"
        );
        const noModel = await runCli(["estimate"], env);
        expect(noModel.code).toBe(1);
        expect(noModel.stderr).toContain("Name a model to estimate");
        const notFile = await runCli(["estimate", "./missing.gguf", "--hardware", "4090"], env);
        expect(notFile.code).toBe(1);
        expect(notFile.stderr).toBe("llmproof: No such file: ./missing.gguf.\n");
    });

    it("lists the hardware profiles", async () => {
        const result = await runCli(["estimate", "--list-hardware"], await isolatedEnv());
        expect(result.code).toBe(0);
        expect(result.stdout).toContain("rtx-3060-12gb");
        expect(result.stdout).toContain("consumer GPU (consumer-gpu): rtx-4060");
    });
});
