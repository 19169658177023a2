import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {spawn} from "node:child_process";
import {createHash} from "node:crypto";
import {existsSync} from "node:fs";
import {mkdtemp, readdir, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {PullResultSchema, STAGING_FOLDER} from "../src/download/pull.js";
import {GgufFactsSchema} from "../src/gguf/facts.js";
import {writeTwinGguf} from "../src/gguf/synth.js";
import {findShapePreset} from "../src/gguf/shape-presets.js";
import {startHfServer, type HfServer} from "./helpers/hf-server.js";
import {makeTestTwinReport} from "./helpers/models.js";

/**
 * The `pull` and `inspect` commands as a user runs them (`node bin/llmproof.js`, compiled by the
 * global setup), against a Hugging Face–compatible server on 127.0.0.1 named by HF_ENDPOINT.
 */

interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

const GATED_TOKEN = "hf_cli_gated_token_0123456789";
let server: HfServer;
let workDir: string;
let tinyQ8: string;
let tinyF16: string;
let storiesF32: string;
let big: {path: string; fileBytes: number; headerBytes: number};

function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        LLMPROOF_DEBUG: "",
        HF_ENDPOINT: server.url,
        LLMPROOF_MODELS_DIR: join(workDir, "models"),
        HF_TOKEN_PATH: join(workDir, "no-token-file"),
        ...extra
    };
    if (extra.HF_TOKEN == null) delete env.HF_TOKEN;
    return env;
}

function runCli(
    args: string[],
    env: NodeJS.ProcessEnv = cliEnv(),
    onStart?: (child: ReturnType<typeof spawn>) => void
): Promise<CliResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["bin/llmproof.js", ...args], {cwd: process.cwd(), env});
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        // Never leave a stuck child behind.
        const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({code, stdout, stderr});
        });
        onStart?.(child);
    });
}

function sha256(data: Buffer): string {
    return createHash("sha256").update(data).digest("hex");
}

function expectOneLineError(result: CliResult, message: RegExp): void {
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(
        result.stderr
            .trimEnd()
            .split("\n")
            .filter((line) => line.startsWith("llmproof:"))
    ).toHaveLength(1);
    expect(result.stderr).not.toContain("    at ");
}

beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "llmproof-pull-cli-"));
    tinyQ8 = (await makeTestTwinReport({quant: "Q8_0"})).path;
    tinyF16 = (await makeTestTwinReport({quant: "F16"})).path;
    // ~98 MB: many of the downloader's 5 MiB chunks, so a pull stopped half way has several to keep.
    storiesF32 = (await makeTestTwinReport({preset: "stories15m", quant: "F32"})).path;
    // A Qwen2.5-0.5B-shaped Q4_0 twin: ~350 MB, written in a few seconds and deleted with workDir.
    const report = await writeTwinGguf({
        shape: findShapePreset("qwen2.5-0.5b").shape,
        quant: "Q4_0",
        outputPath: join(workDir, "big-Q4_0.gguf")
    });
    big = {path: report.path, fileBytes: report.fileBytes, headerBytes: report.headerBytes};
    server = await startHfServer([
        {
            repo: "test/tiny",
            files: [
                {path: "tiny-Q8_0.gguf", source: tinyQ8},
                {path: "tiny-F16.gguf", source: tinyF16}
            ]
        },
        {repo: "test/stories", files: [{path: "stories-F32.gguf", source: storiesF32}]},
        {repo: "test/bad", files: [{path: "tiny-Q8_0.gguf", source: tinyQ8, listedSha256: "cd".repeat(32)}]},
        {repo: "test/gated", gatedToken: GATED_TOKEN, files: [{path: "tiny-Q8_0.gguf", source: tinyQ8}]},
        {repo: "test/big-model", files: [{path: "big-Q4_0.gguf", source: big.path}]}
    ]);
});

afterAll(async () => {
    await server?.close();
    // The ~98 MB twin is not worth keeping until the worker exits.
    if (storiesF32 != null) await rm(storiesF32, {force: true});
    await rm(workDir, {recursive: true, force: true});
});

describe("llmproof pull", () => {
    it("prints the result as JSON on stdout, logs on stderr, and nothing on stderr with --quiet", async () => {
        const result = await runCli(["pull", "hf:test/tiny/tiny-Q8_0.gguf", "--json"]);
        expect(result.stderr).toContain("Pulling hf:test/tiny/tiny-Q8_0.gguf");
        expect(result.code).toBe(0);
        const pulled = PullResultSchema.parse(JSON.parse(result.stdout));
        const original = await readFile(tinyQ8);
        expect(pulled.path).toBe(join(workDir, "models", "hf", "test", "tiny", "main", "tiny-Q8_0.gguf"));
        expect(pulled.files[0]).toMatchObject({size: original.length, sha256: sha256(original), check: "verified"});

        const quiet = await runCli([
            "pull",
            "hf:test/tiny:F16",
            "--quiet",
            "--no-verify",
            "--dir",
            join(workDir, "flat")
        ]);
        expect(quiet.code).toBe(0);
        expect(quiet.stderr).toBe("");
        expect(quiet.stdout).toBe(
            [
                join(workDir, "flat", "tiny-F16.gguf"),
                `  size    2.77 MiB (${(await readFile(tinyF16)).length} bytes)`,
                "  sha256  -  not checked (--no-verify)",
                ""
            ].join("\n")
        );
    });

    it("fails with one sentence: gated repo, wrong token (never echoed), checksum mismatch, ../ in a name", async () => {
        const host = new URL(server.url).host;
        expectOneLineError(
            await runCli(["pull", "hf:test/gated/tiny-Q8_0.gguf"]),
            new RegExp(
                `^llmproof: ${host} requires authentication for hf:test/gated/tiny-Q8_0\\.gguf \\(401\\).*set HF_TOKEN`,
                "m"
            )
        );
        const wrongToken = "hf_wrong_cli_token_5555";
        const refused = await runCli(["pull", "hf:test/gated/tiny-Q8_0.gguf"], cliEnv({HF_TOKEN: wrongToken}));
        expectOneLineError(refused, /refused the token in HF_TOKEN/);
        expect(refused.stderr + refused.stdout).not.toContain(wrongToken);

        const mismatch = await runCli(["pull", "hf:test/bad/tiny-Q8_0.gguf", "--json"]);
        expectOneLineError(
            mismatch,
            /^llmproof: Checksum verification failed: hf:test\/bad\/tiny-Q8_0\.gguf has SHA-256 [0-9a-f]{64} but the hub's LFS listing says (cd){32}; the file was kept aside as .*tiny-Q8_0\.gguf\.sha256-mismatch\./m
        );
        expect(mismatch.code).toBe(3);

        expectOneLineError(
            await runCli(["pull", "hf:test/tiny/../secrets.gguf"]),
            /^llmproof: Refusing the file path "\.\.\/secrets\.gguf": it contains a "\.\." segment\.\n$/
        );
    });

    it("stops on Ctrl-C keeping the partial file, and the next run finishes it", async () => {
        const controller = {child: undefined as ReturnType<typeof spawn> | undefined};
        const size = (await readFile(storiesF32)).length;
        // The connection drops half way through the data; the user presses Ctrl-C.
        server.cutAfter("test/stories", "stories-F32.gguf", Math.floor(size / 2), {
            rangedOnly: true,
            onCut: () => controller.child?.kill("SIGINT")
        });
        const stopped = await runCli(
            ["pull", "hf:test/stories/stories-F32.gguf"],
            cliEnv(),
            (child) => (controller.child = child)
        );
        server.restore();
        expect(stopped.code).toBe(130);
        expect(stopped.stderr).toMatch(
            /^llmproof: The download of hf:test\/stories\/stories-F32\.gguf was interrupted; the partial file is kept in .*, so running the same command again resumes it\.$/m
        );
        const folder = join(workDir, "models", "hf", "test", "stories", "main");
        expect(await readdir(folder)).toEqual([STAGING_FOLDER]);
        expect(await readdir(join(folder, STAGING_FOLDER))).toEqual(["stories-F32.gguf.ipull"]);
        const firstRunBytes = server.bytesServed("test/stories", "stories-F32.gguf");

        const finished = await runCli(["pull", "hf:test/stories/stories-F32.gguf", "--json"]);
        const secondRunBytes = server.bytesServed("test/stories", "stories-F32.gguf") - firstRunBytes;
        console.log(
            `CLI resume: file ${size} bytes; first run served ${firstRunBytes} bytes; second run served ${secondRunBytes} bytes`
        );
        expect(finished.code).toBe(0);
        expect(PullResultSchema.parse(JSON.parse(finished.stdout)).files[0]!.check).toBe("verified");
        expect((await readFile(join(folder, "stories-F32.gguf"))).equals(await readFile(storiesF32))).toBe(true);
        expect(secondRunBytes).toBeLessThan(size);
        // The staging folder is gone once its file has its final name.
        expect(await readdir(folder)).toEqual(["stories-F32.gguf", "stories-F32.gguf.sha256"]);
    });
});

describe("llmproof inspect on hf: URIs and catalog ids", () => {
    it("reads only the header of a 350 MB remote file, by hf: URI and by catalog id", async () => {
        expect(big.fileBytes).toBeGreaterThan(250e6);
        const catalogPath = join(workDir, "catalog.yaml");
        await writeFile(
            catalogPath,
            [
                "version: 1",
                "suites: {}",
                "models:",
                "  - id: big-test-model",
                "    name: Big Test Model",
                "    kind: llm",
                "    repo: test/big-model",
                "    benchmarkable: true",
                "    factsRecorded: 2025-01-01",
                "    files:",
                "      Q4_0: {path: big-Q4_0.gguf}",
                ""
            ].join("\n")
        );
        const bytesBefore = {value: 0};
        for (const ref of ["hf:test/big-model/big-Q4_0.gguf", "hf:test/big-model:Q4_0", "big-test-model:Q4_0"]) {
            bytesBefore.value = server.bytesServed("test/big-model", "big-Q4_0.gguf");
            const result = await runCli(
                ["inspect", ref, "--json", "--no-estimate"],
                cliEnv({LLMPROOF_CATALOG: catalogPath})
            );
            expect(result.stderr, ref).toBe("");
            expect(result.code, ref).toBe(0);
            const facts = GgufFactsSchema.parse(JSON.parse(result.stdout));
            expect(facts.remote).toBe(true);
            expect(facts.fileBytes).toBe(big.fileBytes);
            expect(facts.headerBytes).toBe(big.headerBytes);
            const served = server.bytesServed("test/big-model", "big-Q4_0.gguf") - bytesBefore.value;
            console.log(
                `header-only inspect of ${ref}: file ${big.fileBytes} bytes, header ${big.headerBytes} bytes, served ${served} bytes`
            );
            // The header plus node-llama-cpp's read-ahead (4 MiB per request), nowhere near the file.
            expect(served).toBeGreaterThanOrEqual(big.headerBytes);
            expect(served).toBeLessThanOrEqual(big.headerBytes + 6 * 1024 * 1024);
        }
        // Nothing was saved: inspect is not a download.
        expect(existsSync(join(workDir, "models", "hf", "test", "big-model"))).toBe(false);
    });
});
