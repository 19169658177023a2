import {describe, expect, it} from "vitest";
import {spawnSync} from "node:child_process";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {fileURLToPath} from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Run the compiled CLI (tests/helpers/global-setup.ts builds dist/ first). */
function llmproof(args: string[], env: Record<string, string> = {}) {
    const cleanEnv = {...process.env};
    delete cleanEnv.LLMPROOF_CATALOG;
    const result = spawnSync(process.execPath, ["bin/llmproof.js", ...args], {
        cwd: root,
        encoding: "utf8",
        env: {...cleanEnv, ...env}
    });
    return {status: result.status, stdout: result.stdout, stderr: result.stderr};
}

describe("llmproof models", () => {
    it("--json prints every entry as valid JSON on stdout", () => {
        const {status, stdout} = llmproof(["models", "--json"]);
        expect(status).toBe(0);
        const models = JSON.parse(stdout) as {id: string; files: Record<string, unknown>; factsRecorded: string}[];
        expect(models.length).toBeGreaterThanOrEqual(20);
        const qwen3 = models.find((entry) => entry.id === "qwen3-4b");
        expect(qwen3?.files).toHaveProperty("Q4_K_M");
        expect(models.every((entry) => /^\d{4}-\d{2}-\d{2}$/.test(entry.factsRecorded))).toBe(true);
    });

    it("--suite smoke lists exactly the smoke models", () => {
        const {status, stdout} = llmproof(["models", "--suite", "smoke", "--json"]);
        expect(status).toBe(0);
        const ids = (JSON.parse(stdout) as {id: string}[]).map((entry) => entry.id).sort();
        expect(ids).toEqual([
            "gemma-3-1b-it",
            "llama-3.2-1b-instruct",
            "qwen3-0.6b",
            "smollm2-135m-instruct",
            "tinyllama-1.1b-chat"
        ]);
    });

    it("--issue filters by issue number, and combines with --suite", () => {
        const byIssue = JSON.parse(llmproof(["models", "--issue", "100", "--json"]).stdout) as {id: string}[];
        expect(byIssue.map((entry) => entry.id)).toEqual([
            "distil-success-h15",
            "t-virus-epsilon-arklay-1b",
            "tounsilm-8b",
            "act-pickup"
        ]);
        const both = JSON.parse(llmproof(["models", "--issue", "32", "--suite", "heavy", "--json"]).stdout) as {
            id: string;
        }[];
        expect(both.map((entry) => entry.id)).toEqual(["qwen3-next-80b-a3b-instruct"]);
    });

    it("prints a table with sizes, proxies and reasons", () => {
        const {status, stdout} = llmproof(["models", "--issue", "81"]);
        expect(status).toBe(0);
        expect(stdout).toContain("llama3-8b-ot");
        expect(stdout).toContain("via meta-llama-3-8b-instruct");
        const smoke = llmproof(["models", "--suite", "smoke"]).stdout;
        expect(smoke).toContain("Q8_0 639 MB");
        expect(smoke).not.toContain("qwen3-4b");
    });

    it("refuses an unknown suite and a bad issue number without a stack trace", () => {
        const suite = llmproof(["models", "--suite", "huge"]);
        expect(suite.status).not.toBe(0);
        expect(suite.stderr).toMatch(/^llmproof: Unknown suite "huge"/);
        expect(suite.stderr).not.toMatch(/\bat .*\.js:\d+/);
        const issue = llmproof(["models", "--issue", "abc"]);
        expect(issue.status).not.toBe(0);
        expect(issue.stderr).toContain("expected a positive integer");
    });

    it("reads LLMPROOF_CATALOG and names the broken entry and field", async () => {
        const folder = await mkdtemp(join(tmpdir(), "llmproof-models-cli-"));
        try {
            const path = join(folder, "catalog.yaml");
            await writeFile(
                path,
                [
                    "version: 1",
                    "suites: {smoke: {description: small}}",
                    "models:",
                    "  - id: broken-one",
                    "    name: Broken One",
                    "    kind: llm",
                    "    benchmarkable: true",
                    "    factsRecorded: 2026-01-01",
                    "    files:",
                    "      Q4_K_M: {path: broken.gguf, sizeBytes: lots}",
                    ""
                ].join("\n")
            );
            const {status, stdout, stderr} = llmproof(["models", "--json"], {LLMPROOF_CATALOG: path});
            expect(status).toBe(1);
            expect(stdout).toBe("");
            expect(stderr.trim()).toBe(
                `llmproof: ${path}: model "broken-one" → files.Q4_K_M.sizeBytes: expected a number, got "lots".`
            );
        } finally {
            await rm(folder, {recursive: true, force: true});
        }
    });
});
