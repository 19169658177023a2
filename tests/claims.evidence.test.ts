import {mkdtempSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {parseCatalog} from "../src/catalog/load.js";
import {checkIssue} from "../src/claims/check.js";
import {startHfServer} from "./helpers/hf-server.js";
import {makeTestTwinReport} from "./helpers/models.js";
import {findShapePreset} from "../src/gguf/shape-presets.js";
import {CLAIMS_TEST_CATALOG_YAML} from "./claims.fixtures.js";

/**
 * Evidence above the catalog: a GGUF header read from a (local, fake) hub outranks the catalog's
 * figures; a shape-twin run on this machine answers speed and memory claims. No test asserts a speed.
 */

const dir = mkdtempSync(join(tmpdir(), "llmproof-check-evidence-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe("header evidence (online)", () => {
    it("reads the catalog file's header from the hub and judges on it", async () => {
        const twin = await makeTestTwinReport({quant: "Q8_0"});
        const server = await startHfServer([
            {repo: "example/Testlm-7B-GGUF", files: [{path: "testlm-7b.Q8_0.gguf", source: twin.path}]}
        ]);
        try {
            const catalogPath = join(dir, "catalog.yaml");
            writeFileSync(catalogPath, CLAIMS_TEST_CATALOG_YAML);
            const env = {
                ...process.env,
                HF_ENDPOINT: server.url,
                LLMPROOF_CATALOG: catalogPath,
                HF_TOKEN: "",
                LLMPROOF_MODELS_DIR: join(dir, "models")
            };
            // The catalog says 7.23 GB for this file; the served file (a tiny twin) is what the header reports.
            const report = await checkIssue("Testlm-7B at Q8_0 is a 7.23 GB download.", {
                catalog: parseCatalog(CLAIMS_TEST_CATALOG_YAML),
                offline: false,
                twins: false,
                env
            });
            const claim = report.claims.find((item) => item.claim.kind === "file-size")!;
            expect(claim.evidence.map((evidence) => evidence.level)).toEqual(["catalog", "header"]);
            expect(claim.evidence[1]!.facts.fileBytes).toBe(statSync(twin.path).size);
            expect(claim.verdict).toMatchObject({verdict: "refuted", evidenceLevel: "header"});
            expect(report.warnings).toEqual([]);
        } finally {
            await server.close();
        }
    });

    it("falls back to the catalog with a warning when the hub cannot be reached", async () => {
        const env = {
            ...process.env,
            HF_ENDPOINT: "http://127.0.0.1:9",
            HF_TOKEN: "",
            LLMPROOF_CATALOG: join(dir, "catalog.yaml")
        };
        writeFileSync(join(dir, "catalog.yaml"), CLAIMS_TEST_CATALOG_YAML);
        const report = await checkIssue("Testlm-7B at Q4_K_M is a 4.15 GB download.", {
            catalog: parseCatalog(CLAIMS_TEST_CATALOG_YAML),
            offline: false,
            twins: false,
            env
        });
        const claim = report.claims.find((item) => item.claim.kind === "file-size")!;
        expect(claim.verdict).toMatchObject({verdict: "supported", evidenceLevel: "catalog"});
        expect(claim.missing[0]).toMatchObject({level: "header", command: "llmproof inspect testlm-7b:Q4_K_M"});
        expect(report.warnings.join(" ")).toMatch(/header not read/);
    });
});

describe("twin evidence", () => {
    it("writes a shape-twin from the catalog shape and measures speed and memory on it", async () => {
        const shape = findShapePreset("tiny-test").shape;
        const yaml =
            CLAIMS_TEST_CATALOG_YAML +
            `
  - id: twinny
    name: Twinny
    aliases: [Twinny-Tiny]
    kind: llm
    format: gguf
    repo: example/Twinny-GGUF
    paramsB: 0.0005
    architecture: llama
    files:
      Q8_0: {path: twinny.Q8_0.gguf, sizeBytes: 600000}
    shape: ${JSON.stringify(shape)}
    benchmarkable: true
    factsRecorded: 2026-01-01
`;
        const previousTmp = process.env.TMPDIR;
        process.env.TMPDIR = dir;
        try {
            const report = await checkIssue(
                "Twinny at Q8_0 generates 1 token per second.\n\nTwinny at Q8_0 runs on a smartphone.",
                {catalog: parseCatalog(yaml), offline: true}
            );
            const speed = report.claims.find((item) => item.claim.kind === "speed")!;
            expect(speed.evidence.map((evidence) => evidence.level)).toContain("twin");
            expect(speed.verdict.evidenceLevel).toBe("twin");
            expect(speed.verdict.verdict).not.toBe("refuted");
            expect(
                Number(speed.evidence.find((evidence) => evidence.level === "twin")!.facts.tokensPerSecond)
            ).toBeGreaterThan(0);
            const fit = report.claims.find((item) => item.claim.kind === "hardware-fit")!;
            expect(fit.verdict).toMatchObject({verdict: "supported", evidenceLevel: "twin"});
        } finally {
            if (previousTmp === undefined) delete process.env.TMPDIR;
            else process.env.TMPDIR = previousTmp;
        }
    });

    it("skips a twin over the size limit and says how to get it", async () => {
        const yaml = CLAIMS_TEST_CATALOG_YAML.replace(
            "    baselineQuant: F16\n    benchmarkable: true\n    suites: [test]",
            `    baselineQuant: F16\n    shape: ${JSON.stringify(findShapePreset("tiny-test").shape)}\n    benchmarkable: true\n    suites: [test]`
        );
        const report = await checkIssue("Testlm-7B at Q4_K_M generates 20 tokens per second.", {
            catalog: parseCatalog(yaml),
            offline: true
        });
        const speed = report.claims.find((item) => item.claim.kind === "speed")!;
        expect(speed.verdict.verdict).toBe("inconclusive");
        expect(speed.missing.find((item) => item.level === "twin")!.reason).toMatch(/over the twin limit/);
        expect(speed.verdict.command).toMatch(/llmproof/);
    });
});
