import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {runCli} from "./helpers/cli.js";
import {GgufFactsSchema} from "../src/gguf/facts.js";
import {makeTestTwinReport} from "./helpers/models.js";
import type {TwinReport} from "../src/gguf/twin-report.js";

let dir: string;
let twin: TwinReport;
beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "llmproof-cli-inspect-"));
    twin = await makeTestTwinReport({preset: "tiny-test", quant: "Q4_K_M"});
});
afterAll(async () => {
    await rm(dir, {recursive: true, force: true});
});

describe("llmproof inspect", () => {
    it("prints the facts as JSON with --json", async () => {
        const result = await runCli(["inspect", twin.path, "--json", "--no-estimate"]);
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        const facts = GgufFactsSchema.parse(JSON.parse(result.stdout));
        expect(facts.parameterCount).toBe(twin.parameterCount);
        expect(facts.fileBytes).toBe(twin.fileBytes);
        expect(facts.fileType).toBe("MOSTLY_Q4_K_M");
        expect(facts.memoryEstimate).toBeNull();
    });

    it("prints tables with identity, sizes in bytes/GB/GiB, reduction, type mix and a memory estimate", async () => {
        const result = await runCli(["inspect", twin.path, "--context", "128"]);
        expect(result.code).toBe(0);
        const out = result.stdout;
        expect(out).toContain(twin.parameterCount.toLocaleString("en-US"));
        expect(out).toMatch(
            new RegExp(`File size\\s+│ ${twin.fileBytes.toLocaleString("en-US")} bytes = [\\d.]+ GB = [\\d.]+ GiB`)
        );
        expect(out).toContain("MOSTLY_Q4_K_M (Q4_K_M)");
        expect(out).toMatch(/Reduction vs 16-bit\s+│ \d+\.\d% smaller/);
        for (const mix of twin.typeMix)
            expect(out).toMatch(
                new RegExp(`│ ${mix.type}\\s+│\\s+${mix.tensors} │\\s+${mix.parameters.toLocaleString("en-US")} │`)
            );
        expect(out).toMatch(/Context size\s+│ 128 tokens/);
        expect(out).toMatch(/RAM\s+│ [\d,]+ bytes/);
    });

    it("fails with exactly one line and no stack trace on bad input", async () => {
        const good = await readFile(twin.path);
        await writeFile(join(dir, "readme.gguf"), "# not a model\n");
        await writeFile(join(dir, "cut.gguf"), good.subarray(0, Math.floor(good.length / 2)));
        await writeFile(join(dir, "cut-header.gguf"), good.subarray(0, 100));

        const cases: [string, RegExp][] = [
            [join(dir, "absent.gguf"), /^llmproof: No such file: .*absent\.gguf\n$/],
            [join(dir, "readme.gguf"), /^llmproof: .*readme\.gguf is not a GGUF file.*\n$/],
            [join(dir, "cut.gguf"), /^llmproof: .*cut\.gguf is truncated or corrupt .*\n$/],
            [join(dir, "cut-header.gguf"), /^llmproof: .*cut-header\.gguf is truncated or corrupt .*\n$/]
        ];
        for (const [path, message] of cases) {
            const result = await runCli(["inspect", path]);
            expect(result.code, path).not.toBe(0);
            expect(result.stdout, path).toBe("");
            expect(result.stderr, path).toMatch(message);
            expect(result.stderr.trimEnd().split("\n"), path).toHaveLength(1);
            expect(result.stderr, path).not.toContain("    at ");
        }
    });

    it("rejects a bad --context value", async () => {
        const result = await runCli(["inspect", twin.path, "--context", "0"]);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/--context/);
        expect(result.stderr).not.toContain("    at ");
    });
});
