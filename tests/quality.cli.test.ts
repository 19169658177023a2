import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {runCli} from "./helpers/cli.js";
import {QualityReportSchema} from "../src/quality/schema.js";
import {makeTestModelFromWeights} from "./helpers/models.js";

let dir: string;
let f32Path: string;
let q8Path: string;
let q4Path: string;
beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "llmproof-cli-quality-"));
    f32Path = (await makeTestModelFromWeights({quant: "F32"})).path;
    q8Path = (await makeTestModelFromWeights({quant: "Q8_0"})).path;
    q4Path = (await makeTestModelFromWeights({quant: "Q4_0"})).path;
});
afterAll(async () => {
    await rm(dir, {recursive: true, force: true});
});

const FAST = ["--ctx", "32", "--chunks", "2", "--threads", "1", "--gpu", "cpu"];

describe("llmproof quality", () => {
    it("prints a report that validates against the schema with --json, and writes it with --output", async () => {
        const outputPath = join(dir, "quality.json");
        const result = await runCli(["quality", f32Path, q8Path, q4Path, ...FAST, "--json", "--output", outputPath]);
        expect(result.code, result.stderr).toBe(0);
        const report = QualityReportSchema.parse(JSON.parse(result.stdout));
        expect(report.candidates.map((candidate) => candidate.type)).toEqual(["Q8_0", "Q4_0"]);
        expect(report.method.scoredTokens).toBe(2 * 15);
        // coarser quantization, larger divergence from the baseline
        const [q8, q4] = report.candidates.map((candidate) => candidate.versusBaseline!.klDivergence.mean.value);
        expect(q4!).toBeGreaterThan(q8!);
        expect(JSON.parse(await readFile(outputPath, "utf8"))).toEqual(report);
        // progress went to stderr, not into the JSON
        expect(result.stderr).toContain("chunk 2/2");
    });

    it("prints a table by default and reads --text", async () => {
        const textPath = join(dir, "text.txt");
        await writeFile(textPath, "The cat sat on the mat and looked at the sun. ".repeat(4));
        const result = await runCli(["quality", f32Path, q4Path, ...FAST, "--text", textPath]);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toMatch(/Mean KLD/);
        expect(result.stdout).toMatch(/\(baseline\)/);
        expect(result.stdout).toContain(textPath);
    });

    it("fails with one clear sentence for a missing model or a text too short", async () => {
        const missing = await runCli(["quality", f32Path, join(dir, "nope.gguf"), ...FAST]);
        expect(missing.code).not.toBe(0);
        expect(missing.stderr.trim()).toMatch(/^llmproof: Model file not found: .*nope\.gguf\.$/);

        const textPath = join(dir, "short.txt");
        await writeFile(textPath, "Too short.");
        const short = await runCli(["quality", f32Path, q4Path, ...FAST, "--text", textPath]);
        expect(short.code).not.toBe(0);
        expect(short.stderr).toMatch(
            /llmproof: The evaluation text is \d+ tokens long; a context of 32 needs at least 64/
        );
        expect(short.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
});
