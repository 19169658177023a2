import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {mkdir, mkdtemp, readdir, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {quantizeGguf} from "../src/gguf/quantize-model.js";
import {LadderDocumentSchema} from "../src/ladder/schema.js";
import {runCli} from "./helpers/cli.js";
import {makeTestModelFromWeights, makeTestTwin} from "./helpers/models.js";

/**
 * `llmproof ladder` end to end on models the test makes: real random weights at F32 quantized to
 * Q8_0 and Q4_0 with quantizeGguf (quality against the F32 baseline), and catalog shape-twins
 * (speed and size only). Small tests (-p 16 -n 8, 2 repetitions, 1 thread) keep it quick.
 */
const FAST = ["-r", "2", "-p", "16", "-n", "8", "-t", "1", "--ctx", "32", "--chunks", "3"];

let workDir: string;
let modelsDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "llmproof-ladder-"));
    modelsDir = join(workDir, "one-model");
    await mkdir(modelsDir);
    const f32 = (await makeTestModelFromWeights({quant: "F32"})).path;
    const {copyFile} = await import("node:fs/promises");
    await copyFile(f32, join(modelsDir, "tiny-F32.gguf"));
    await quantizeGguf(f32, join(modelsDir, "tiny-Q8_0.gguf"), "Q8_0");
    await quantizeGguf(f32, join(modelsDir, "tiny-Q4_0.gguf"), "Q4_0");
    const catalogPath = join(workDir, "catalog.yaml");
    await writeFile(
        catalogPath,
        [
            "version: 1",
            "suites: {}",
            "models:",
            "  - id: tiny-ladder",
            "    name: Tiny Ladder",
            "    kind: llm",
            "    benchmarkable: true",
            "    factsRecorded: 2026-01-01",
            "    repo: test/tiny-ladder-GGUF",
            "    files:",
            "      Q8_0: {path: tiny-ladder-Q8_0.gguf}",
            "    shape: {architecture: llama, hiddenSize: 256, layers: 2, heads: 4, kvHeads: 2, ffnSize: 512, vocabSize: 512, contextLength: 256}",
            ""
        ].join("\n")
    );
    env = {
        ...process.env,
        LLMPROOF_CATALOG: catalogPath,
        LLMPROOF_TWINS_DIR: join(workDir, "twins"),
        LLMPROOF_MODELS_DIR: join(workDir, "models")
    };
});

afterAll(async () => {
    await rm(workDir, {recursive: true, force: true});
});

describe("llmproof ladder --files (real weights)", () => {
    it("measures F32, Q8_0 and Q4_0 of one model side by side, with KL divergence against the F32", async () => {
        const result = await runCli(["ladder", "--files", modelsDir, ...FAST, "--json"], env);
        expect(result.code, result.stderr).toBe(0);
        const document = LadderDocumentSchema.parse(JSON.parse(result.stdout));
        expect(document.rungs.map((rung) => rung.quant)).toEqual(["F32", "Q8_0", "Q4_0"]);
        expect(document.baseline).toBe("F32");
        expect(document.qualityMetric).toBe("kl-divergence");
        const [f32, q8, q4] = document.rungs;
        expect(f32!.quality?.isBaseline).toBe(true);
        expect(f32!.reductionVsF32).toBeCloseTo(0, 5);
        expect(q8!.reductionVs16Bit).toBeGreaterThan(0.4);
        expect(q4!.bitsPerWeight!).toBeLessThan(q8!.bitsPerWeight!);
        const kld = (rung: typeof q8) => rung!.quality!.klDivergence!.value;
        expect(kld(q8)).toBeGreaterThan(0);
        expect(kld(q4)).toBeGreaterThan(kld(q8));
        for (const rung of document.rungs) {
            expect(rung.status, rung.failure ?? "").toBe("ok");
            expect(rung.pp!.n).toBe(2);
            expect(rung.tg!.n).toBe(2);
            expect(rung.ttftMs).not.toBeNull();
            expect(rung.peakRssBytes!).toBeGreaterThan(rung.fileBytes);
            expect(rung.source).toBe("file");
        }
        // Nothing beats the smallest on size or the baseline on quality: both ends are on the front.
        expect(f32!.front).toBe(true);
        expect(q4!.front).toBe(true);
        expect(document.runs).toHaveLength(6);
        expect(document.recommendation.fits).toContain(document.recommendation.pick);
        expect(document.recommendation.sentence).toMatch(/^Pick (F32|Q8_0|Q4_0): /);
        expect(document.provenance?.llamaCppRelease).toBeTruthy();
    }, 600_000);
});

describe("llmproof ladder <catalog model> (twins)", () => {
    it("writes twins once into the cache, measures them, and says when nothing fits the memory", async () => {
        const output = join(workDir, "ladder.json");
        const args = ["ladder", "tiny-ladder", "-q", "Q8_0,Q4_0,IQ4_XS", ...FAST, "--free-memory", "0.000001"];
        const result = await runCli([...args, "--csv", "-o", output], env);
        expect(result.code, result.stderr).toBe(0);
        const csv = result.stdout.trim().split("\n");
        expect(csv[0]).toMatch(/^quant,source,file,file_bytes,bits_per_weight/);
        expect(csv.slice(1).map((line) => line.split(",").slice(0, 2).join(","))).toEqual(["Q8_0,twin", "Q4_0,twin"]);
        const document = LadderDocumentSchema.parse(
            JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(output, "utf8")))
        );
        expect(document.model).toMatchObject({id: "tiny-ladder", name: "Tiny Ladder"});
        expect(document.qualityMetric).toBe("bits-per-weight");
        expect(document.rungs.every((rung) => rung.quality === null)).toBe(true);
        expect(document.skipped).toEqual([{quant: "IQ4_XS", reason: expect.stringContaining("cannot write a twin")}]);
        expect(document.recommendation).toMatchObject({rule: "none-fits", pick: null});
        expect(document.recommendation.sentence).toMatch(/^No quant fits: the smallest needs/);
        const twins = await readdir(join(workDir, "twins"));
        expect(twins.sort()).toEqual([
            expect.stringMatching(/^tiny-ladder-Q4_0-/),
            expect.stringMatching(/^tiny-ladder-Q8_0-/)
        ]);

        // The table names the twins and carries the recommendation; the twins are reused, not rewritten.
        const again = await runCli(["ladder", "tiny-ladder", "-q", "Q4_0", ...FAST], env);
        expect(again.code, again.stderr).toBe(0);
        expect(again.stderr).not.toContain("writing a");
        expect(again.stdout).toMatch(/Q4_0 +│ twin/);
        expect(again.stdout).toContain("twin = a shape-twin");
        expect(again.stdout).toMatch(/Pick Q4_0: /);
    }, 600_000);
});

describe("llmproof ladder: mistakes", () => {
    it("refuses files of different models, a missing catalog model, and no model at all, in one sentence", async () => {
        const other = await makeTestTwin({
            quant: "Q8_0",
            shape: {
                architecture: "llama",
                hiddenSize: 64,
                layers: 1,
                heads: 2,
                kvHeads: 2,
                ffnSize: 128,
                vocabSize: 384,
                contextLength: 64
            }
        });
        const mixed = await runCli(["ladder", "--files", join(modelsDir, "tiny-Q8_0.gguf"), other, ...FAST], env);
        expect(mixed.code).not.toBe(0);
        expect(mixed.stderr).toMatch(
            /^llmproof: The files are not quantizations of one model: tiny-Q8_0\.gguf is llama with/m
        );
        expect(mixed.stdout).toBe("");

        const missing = await runCli(["ladder", "no-such-model"], env);
        expect(missing.code).not.toBe(0);
        expect(missing.stderr).toMatch(/^llmproof: No catalog model is called "no-such-model"/m);

        const neither = await runCli(["ladder"], env);
        expect(neither.code).not.toBe(0);
        expect(neither.stderr).toMatch(/^llmproof: Give either a catalog model or --files/m);
        for (const run of [mixed, missing, neither]) expect(run.stderr).not.toMatch(/\n\s+at /);
    }, 300_000);
});
