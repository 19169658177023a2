import {spawnSync} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {JsonCheckOutputSchema} from "../src/claims/schema.js";
import {CLAIMS_TEST_CATALOG_YAML} from "./claims.fixtures.js";

/** `llmproof check` end to end: the compiled CLI on issues and a catalog written here. */

const root = new URL("..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "llmproof-check-cli-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const catalogPath = join(dir, "catalog.yaml");
writeFileSync(catalogPath, CLAIMS_TEST_CATALOG_YAML);

const issuePath = join(dir, "issue-1.md");
writeFileSync(
    issuePath,
    [
        "# Test Weekly 1",
        "",
        "Testlm-7B is out. The model has 7 billion parameters and its Q4_K_M file is 4.15 GB.",
        "",
        "It runs on a smartphone, and it passed 9k downloads.",
        "",
        "## By the Numbers",
        "",
        "- **Parameters:** 6.8B",
        "- **Cut vs F16:** 80%",
        ""
    ].join("\n")
);

function llmproof(...args: string[]) {
    const result = spawnSync(process.execPath, ["bin/llmproof.js", ...args], {
        cwd: root,
        encoding: "utf8",
        env: {...process.env, LLMPROOF_CATALOG: catalogPath}
    });
    return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}

describe("llmproof check", () => {
    it("prints JSON with quote, kind, model, claimed, actual, verdict, evidence and note for each claim", () => {
        const run = llmproof("check", issuePath, "--offline", "--json");
        expect(run.code, run.stderr).toBe(0);
        const output = JsonCheckOutputSchema.parse(JSON.parse(run.stdout));
        const [issue] = output.issues;
        expect(issue!.title).toBe("Test Weekly 1");
        const byClaimed = new Map(issue!.claims.map((claim) => [claim.claimed, claim]));
        expect(byClaimed.get("7 billion")).toMatchObject({
            kind: "parameter-count",
            model: "Testlm-7B",
            verdict: "supported",
            actual: "6.8B",
            evidence: "catalog"
        });
        expect(byClaimed.get("4.15 GB")).toMatchObject({kind: "file-size", quant: "Q4_K_M", verdict: "supported"});
        // A phone class without a figure: the need (5.07 GB) is above a common phone's usable memory but
        // below the largest phones', so the verdict says for which members it holds instead of guessing.
        expect(byClaimed.get("runs on a smartphone")).toMatchObject({kind: "hardware-fit", verdict: "inconclusive"});
        expect(byClaimed.get("runs on a smartphone")!.note).toMatch(/true only with (?:about )?\d+ GB/);
        expect(issue!.claims.find((claim) => claim.kind === "unverifiable")!.note).toMatch(/download/);
        for (const claim of issue!.claims) {
            expect(claim.quote.length).toBeGreaterThan(0);
            expect(claim.note.length).toBeGreaterThan(0);
        }
        expect(issue!.verifiedNumbers[0]!.items.map((item) => item.mark)).toEqual(["✔", "✘"]);
        expect(issue!.counts.refuted).toBe(1);
    });

    it("prints a table by default and exits 2 with --strict when a claim is refuted", () => {
        const table = llmproof("check", issuePath, "--offline");
        expect(table.code).toBe(0);
        expect(table.stdout).toContain("✘ refuted");
        expect(table.stdout).toContain("Test Weekly 1");
        expect(llmproof("check", issuePath, "--offline", "--strict").code).toBe(2);
    });

    it("prints the verified numbers ready to paste, and writes a Markdown report", () => {
        const numbers = llmproof("check", issuePath, "--offline", "--verified-numbers");
        expect(numbers.code).toBe(0);
        expect(numbers.stdout).toContain("| Cut vs F16 | 69.5% | ✘ was 80% (catalog) |");
        const reportPath = join(dir, "report.md");
        const withReport = llmproof("check", issuePath, "--offline", "--md", reportPath);
        expect(withReport.code).toBe(0);
        const markdown = readFileSync(reportPath, "utf8");
        expect(markdown).toContain("# Fact-check report");
        expect(markdown).toContain("### Verified numbers");
    });

    it("reads a sidecar given with --claims and validates it", () => {
        const sidecar = join(dir, "extra.yaml");
        writeFileSync(
            sidecar,
            "claims:\n  - quote: Sparse has 3B active\n    kind: active-parameters\n    model: sparse-30b-a3b\n    claimed: 3B\n"
        );
        const run = llmproof("check", issuePath, "--offline", "--json", "--claims", sidecar);
        expect(run.code, run.stderr).toBe(0);
        const claims = JsonCheckOutputSchema.parse(JSON.parse(run.stdout)).issues[0]!.claims;
        expect(claims.find((claim) => claim.source === "sidecar")).toMatchObject({
            kind: "active-parameters",
            verdict: "supported"
        });

        const broken = join(dir, "broken.yaml");
        writeFileSync(broken, "claims:\n  - quote: x\n    kind: vibes\n");
        const bad = llmproof("check", issuePath, "--offline", "--claims", broken);
        expect(bad.code).toBe(1);
        expect(bad.stderr).toMatch(/^llmproof: The claims file .* is invalid: claims\.0\.kind/m);
        expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
    });

    it("fails with one clear sentence for a missing issue file", () => {
        const run = llmproof("check", join(dir, "nope.md"), "--offline");
        expect(run.code).toBe(1);
        expect(run.stderr.trim()).toBe(`llmproof: Issue file or folder not found: ${join(dir, "nope.md")}.`);
        expect(run.stdout).toBe("");
    });

    it("runs the README's demo on the shipped example issues offline", () => {
        const run = spawnSync(
            process.execPath,
            ["bin/llmproof.js", "check", "examples/issues", "--offline", "--json"],
            {cwd: root, encoding: "utf8"}
        );
        expect(run.status, run.stderr).toBe(0);
        const output = JsonCheckOutputSchema.parse(JSON.parse(run.stdout));
        expect(output.issues.length).toBeGreaterThanOrEqual(2);
        const verdicts = output.issues.flatMap((issue) => issue.claims.map((claim) => claim.verdict));
        for (const verdict of ["supported", "refuted", "inconclusive", "unverifiable"] as const)
            expect(verdicts).toContain(verdict);
        expect(output.issues.some((issue) => issue.claims.some((claim) => claim.source === "sidecar"))).toBe(true);
    });
});
