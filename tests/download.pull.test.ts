import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {createHash} from "node:crypto";
import {existsSync} from "node:fs";
import {mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile} from "node:fs/promises";
import {createServer} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {STAGING_FOLDER, pullModel, type PullOptions} from "../src/download/pull.js";
import {inspectGguf} from "../src/gguf/inspect.js";
import {meta, writeGguf} from "../src/gguf/writer.js";
import {UserError} from "../src/util/errors.js";
import {startHfServer, type HfServer} from "./helpers/hf-server.js";
import {makeTestTwinReport} from "./helpers/models.js";

/**
 * `pullModel` end to end against a Hugging Face–compatible server on 127.0.0.1: the real planner,
 * hub listing client and node-llama-cpp downloader, with HF_ENDPOINT pointing at the server.
 */

const GATED_TOKEN = "hf_test_gated_token_0123456789";
const savedEnv = {...process.env};
let server: HfServer;
let workDir: string;
let modelsDir: string;
let tinyQ8: string;
let tinyF16: string;
let storiesF32: string;
let splitParts: string[];

function sha256(data: Buffer): string {
    return createHash("sha256").update(data).digest("hex");
}

async function pullError(ref: string, options: PullOptions = {}): Promise<UserError> {
    const error = await pullModel(ref, options).then(
        () => undefined,
        (caught: unknown) => caught
    );
    expect(error, ref).toBeInstanceOf(UserError);
    return error as UserError;
}

/** A split GGUF in llama.cpp's gguf-split layout: three parts, tensor data deterministic but not constant. */
async function writeSplitModel(dir: string): Promise<string[]> {
    const tensorsPerPart = [["token_embd.weight", "output_norm.weight"], ["blk.0.attn_q.weight"], ["output.weight"]];
    const paths: string[] = [];
    for (const [index, names] of tensorsPerPart.entries()) {
        const splitMeta = [
            {key: "split.no", value: {kind: "u16", value: index}},
            {key: "split.count", value: {kind: "u16", value: tensorsPerPart.length}},
            {key: "split.tensors.count", value: {kind: "i32", value: tensorsPerPart.flat().length}}
        ] as const;
        const metadata =
            index === 0
                ? [
                      meta.string("general.architecture", "llama"),
                      meta.string("general.name", "split test model"),
                      meta.u32("llama.context_length", 256),
                      meta.u32("llama.embedding_length", 256),
                      meta.u32("llama.block_count", 1),
                      meta.u32("llama.vocab_size", 1024),
                      ...splitMeta
                  ]
                : [...splitMeta];
        const path = join(dir, `model-Q8_0-0000${index + 1}-of-00003.gguf`);
        await writeGguf(path, {
            metadata,
            tensors: names.map((name, tensorIndex) => {
                const dimensions = name === "output_norm.weight" ? [256] : [256, 1024];
                const count = dimensions.reduce((product, value) => product * value, 1);
                const values = new Float32Array(count);
                for (let i = 0; i < count; i++) values[i] = Math.sin(i * 0.001 + index * 7 + tensorIndex);
                return {name, dimensions, type: "F32", data: () => [new Uint8Array(values.buffer)]};
            })
        });
        paths.push(path);
    }
    return paths;
}

beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "llmproof-pull-"));
    modelsDir = join(workDir, "models");
    tinyQ8 = (await makeTestTwinReport({quant: "Q8_0"})).path;
    tinyF16 = (await makeTestTwinReport({quant: "F16"})).path;
    // ~98 MB: enough 5 MiB chunks that a cut half way leaves several complete ones to resume from.
    storiesF32 = (await makeTestTwinReport({preset: "stories15m", quant: "F32"})).path;
    await mkdir(join(workDir, "split"));
    splitParts = await writeSplitModel(join(workDir, "split"));

    server = await startHfServer([
        {
            repo: "test/tiny",
            files: [
                {path: "tiny-Q8_0.gguf", source: tinyQ8},
                {path: "tiny-F16.gguf", source: tinyF16}
            ]
        },
        {repo: "test/stories", files: [{path: "stories-F32.gguf", source: storiesF32}]},
        {repo: "test/bad", files: [{path: "tiny-Q8_0.gguf", source: tinyQ8, listedSha256: "ab".repeat(32)}]},
        {repo: "test/gated", gatedToken: GATED_TOKEN, files: [{path: "tiny-Q8_0.gguf", source: tinyQ8}]},
        {
            repo: "test/split",
            files: splitParts.map((source, index) => ({path: `q8/model-Q8_0-0000${index + 1}-of-00003.gguf`, source}))
        },
        {repo: "test/evil", files: [{path: "../tiny-Q8_0.gguf", source: tinyQ8}]}
    ]);
    process.env.HF_ENDPOINT = server.url;
    process.env.LLMPROOF_MODELS_DIR = modelsDir;
    // No token from the environment or a `huggingface-cli login` file of whoever runs the tests.
    delete process.env.HF_TOKEN;
    process.env.HF_TOKEN_PATH = join(workDir, "no-token-file");
});

afterAll(async () => {
    await server?.close();
    // The ~98 MB twin is not worth keeping until the worker exits.
    if (storiesF32 != null) await rm(storiesF32, {force: true});
    process.env = savedEnv;
    await rm(workDir, {recursive: true, force: true});
});

describe("llmproof pull (library)", () => {
    it("pulls a file into the cache byte for byte and verifies the hub's SHA-256", async () => {
        const result = await pullModel("hf:test/tiny/tiny-Q8_0.gguf");
        const expectedPath = join(modelsDir, "hf", "test", "tiny", "main", "tiny-Q8_0.gguf");
        const original = await readFile(tinyQ8);
        expect(result.model).toBe("hf:test/tiny/tiny-Q8_0.gguf");
        expect(result.path).toBe(expectedPath);
        expect((await readFile(expectedPath)).equals(original)).toBe(true);
        expect(result.files).toHaveLength(1);
        expect(result.files[0]).toMatchObject({
            path: expectedPath,
            size: original.length,
            sha256: sha256(original),
            expectedSha256: sha256(original),
            checksumSource: "hub",
            check: "verified",
            url: `${server.url}/test/tiny/resolve/main/tiny-Q8_0.gguf`
        });
        expect(await readFile(`${expectedPath}.sha256`, "utf8")).toBe(`${sha256(original)}  tiny-Q8_0.gguf\n`);

        // A second pull finds the complete file and trusts the earlier check.
        const again = await pullModel("hf:test/tiny/tiny-Q8_0.gguf");
        expect(again.files[0]).toMatchObject({path: expectedPath, sha256: sha256(original), check: "verified-earlier"});
    });

    it("resolves hf:user/repo:QUANT through the repo's file listing", async () => {
        const result = await pullModel("hf:test/tiny:f16");
        expect(result.model).toBe("hf:test/tiny:F16");
        expect(result.path).toBe(join(modelsDir, "hf", "test", "tiny", "main", "tiny-F16.gguf"));
        expect(result.files[0]!.sha256).toBe(sha256(await readFile(tinyF16)));
        const ambiguous = await pullError("hf:test/tiny");
        expect(ambiguous.message).toMatch(
            /^hf:test\/tiny is ambiguous: test\/tiny has 2 matching GGUF files \(tiny-Q8_0\.gguf, tiny-F16\.gguf\)/
        );
        const absent = await pullError("hf:test/tiny:Q2_K");
        expect(absent.message).toBe("test/tiny has no Q2_K GGUF file (its GGUF files: tiny-Q8_0.gguf, tiny-F16.gguf).");
    });

    it("resumes a download cut half way, fetching only what is missing", async () => {
        const size = (await stat(storiesF32)).size;
        const interruption = new AbortController();
        // The connection drops once half the file has been sent; the user then stops the pull (Ctrl-C).
        server.cutAfter("test/stories", "stories-F32.gguf", Math.floor(size / 2), {onCut: () => interruption.abort()});
        const cut = await pullError("hf:test/stories/stories-F32.gguf", {signal: interruption.signal});
        expect(cut.message).toMatch(
            /^The download of hf:test\/stories\/stories-F32\.gguf was interrupted; .* running the same command again resumes it\.$/
        );
        expect(cut.exitCode).toBe(130);
        const folder = join(modelsDir, "hf", "test", "stories", "main");
        // The partial file waits in the staging folder, never under the final name.
        expect(await readdir(folder)).toEqual([STAGING_FOLDER]);
        expect(await readdir(join(folder, STAGING_FOLDER))).toEqual(["stories-F32.gguf.ipull"]);
        // Where versions before the staging folder left it: the next pull still resumes it (download.cli.test.ts resumes a staged one).
        await rename(join(folder, STAGING_FOLDER, "stories-F32.gguf.ipull"), join(folder, "stories-F32.gguf.ipull"));
        const firstRunBytes = server.bytesServed("test/stories", "stories-F32.gguf");

        server.restore();
        const firstRunRequests = server.requests.length;
        const result = await pullModel("hf:test/stories/stories-F32.gguf");
        const secondRunBytes = server.bytesServed("test/stories", "stories-F32.gguf") - firstRunBytes;
        // The downloader's first GET (no Range) only reads the headers; what the server pushed before backpressure counts too.
        const secondRunRanged = server.requests
            .slice(firstRunRequests)
            .filter((request) => request.path.endsWith("/stories-F32.gguf") && request.range != null)
            .reduce((sum, request) => sum + request.bytes, 0);
        console.log(
            `resume: file ${size} bytes; first run served ${firstRunBytes} bytes before the cut; ` +
                `second run served ${secondRunBytes} bytes (${secondRunRanged} in range requests)`
        );
        expect(secondRunBytes).toBeLessThan(size);
        expect(result.files[0]!.check).toBe("verified");
        expect((await readFile(result.path)).equals(await readFile(storiesF32))).toBe(true);
        expect(await readdir(folder)).toEqual(["stories-F32.gguf", "stories-F32.gguf.sha256"]);
    });

    it("pulls a hub URL like its hf: URI, and a plain URL with its SHA-256 reported but nothing to check it against", async () => {
        const original = await readFile(tinyQ8);
        const fromHubUrl = await pullModel(`${server.url}/test/tiny/blob/main/tiny-Q8_0.gguf`, {
            dir: join(workDir, "by-url")
        });
        expect(fromHubUrl.model).toBe("hf:test/tiny/tiny-Q8_0.gguf");
        expect(fromHubUrl.path).toBe(join(workDir, "by-url", "tiny-Q8_0.gguf"));
        expect(fromHubUrl.files[0]).toMatchObject({checksumSource: "hub", check: "verified"});

        // With HF_ENDPOINT elsewhere, the same server is just a web server.
        const plain = await pullModel(`${server.url}/test/tiny/resolve/main/tiny-Q8_0.gguf?signature=secret`, {
            env: {...process.env, HF_ENDPOINT: "http://hub.invalid"}
        });
        const host = new URL(server.url).host;
        expect(plain.model).toBe(`${server.url}/test/tiny/resolve/main/tiny-Q8_0.gguf`);
        expect(plain.path).toBe(join(modelsDir, "url", host.replace(":", "_"), "tiny-Q8_0.gguf"));
        expect(plain.files[0]).toMatchObject({
            sha256: sha256(original),
            expectedSha256: null,
            checksumSource: null,
            check: "no-checksum"
        });
        expect(JSON.stringify(plain)).not.toContain("secret");
        expect((await readFile(plain.path)).equals(original)).toBe(true);
    });

    it("keeps a file whose SHA-256 does not match aside, says so, and fails", async () => {
        const error = await pullError("hf:test/bad/tiny-Q8_0.gguf");
        const actual = sha256(await readFile(tinyQ8));
        const folder = join(modelsDir, "hf", "test", "bad", "main");
        expect(error.message).toContain(`has SHA-256 ${actual} but the hub's LFS listing says ${"ab".repeat(32)}`);
        expect(error.message).toContain(`kept aside as ${join(folder, "tiny-Q8_0.gguf.sha256-mismatch")}`);
        expect(error.exitCode).not.toBe(0);
        expect(await readdir(folder)).toEqual(["tiny-Q8_0.gguf.sha256-mismatch"]);
        expect((await readFile(join(folder, "tiny-Q8_0.gguf.sha256-mismatch"))).equals(await readFile(tinyQ8))).toBe(
            true
        );
    });

    it("explains a 404: an unknown file, an unknown repo, an unknown URL", async () => {
        expect((await pullError("hf:test/tiny/absent.gguf")).message).toBe(
            "test/tiny has no file absent.gguf (its GGUF files: tiny-Q8_0.gguf, tiny-F16.gguf)."
        );
        const host = new URL(server.url).host;
        expect((await pullError("hf:test/nothere/model.gguf")).message).toBe(
            `The file listing of test/nothere was not found on ${host} (404): check the repo, revision and file name.`
        );
        expect((await pullError(`${server.url}/files/absent.gguf`)).message).toBe(
            `${server.url}/files/absent.gguf was not found on ${host} (404): check the repo, revision and file name.`
        );
    });

    it("explains a 401 from a gated repo, never shows the token, and succeeds with the right one", async () => {
        const host = new URL(server.url).host;
        const withoutToken = await pullError("hf:test/gated/tiny-Q8_0.gguf");
        expect(withoutToken.message).toBe(
            `${host} requires authentication for hf:test/gated/tiny-Q8_0.gguf (401): the repo is gated or private (or does not exist); set ` +
                `HF_TOKEN to a token that has access.`
        );
        const wrongToken = "hf_wrong_token_9876543210";
        const refused = await pullError("hf:test/gated/tiny-Q8_0.gguf", {env: {...process.env, HF_TOKEN: wrongToken}});
        expect(refused.message).toBe(
            `${host} refused the token in HF_TOKEN for hf:test/gated/tiny-Q8_0.gguf (401): check that the token is valid.`
        );
        expect(refused.message).not.toContain(wrongToken);

        const result = await pullModel("hf:test/gated/tiny-Q8_0.gguf", {env: {...process.env, HF_TOKEN: GATED_TOKEN}});
        expect(result.files[0]!.check).toBe("verified");
        expect(JSON.stringify(result)).not.toContain(GATED_TOKEN);
        const authorized = server.requests.filter(
            (request) => request.path.startsWith("/test/gated/") && request.status === 206
        );
        expect(authorized.length).toBeGreaterThan(0);
    });

    it("pulls a 3-part split model as one, naming any part or the quantization", async () => {
        const result = await pullModel("hf:test/split/q8/model-Q8_0-00002-of-00003.gguf");
        const folder = join(modelsDir, "hf", "test", "split", "main", "q8");
        expect(result.path).toBe(join(folder, "model-Q8_0-00001-of-00003.gguf"));
        expect(result.files.map((file) => file.path)).toEqual(
            [1, 2, 3].map((part) => join(folder, `model-Q8_0-0000${part}-of-00003.gguf`))
        );
        for (const [index, file] of result.files.entries()) {
            const original = await readFile(splitParts[index]!);
            expect((await readFile(file.path)).equals(original)).toBe(true);
            expect(file).toMatchObject({sha256: sha256(original), check: "verified"});
        }
        expect(result.totalBytes).toBe(result.files.reduce((sum, file) => sum + file.size, 0));
        const facts = await inspectGguf(result.path);
        expect(facts.splitParts).toBe(3);
        expect(facts.tensorCount).toBe(4);

        const byQuant = await pullModel("hf:test/split:Q8_0");
        expect(byQuant.files.map((file) => [file.path, file.check])).toEqual(
            result.files.map((file) => [file.path, "verified-earlier"])
        );
    });

    it("refuses file names with .. before any request, including ones a hub listing sends", async () => {
        const requestsBefore = server.requests.length;
        const error = await pullError("hf:test/tiny/../../outside/tiny-Q8_0.gguf");
        expect(error.message).toBe(
            `Refusing the file path "../../outside/tiny-Q8_0.gguf": it contains a ".." segment.`
        );
        expect(server.requests.length).toBe(requestsBefore);
        expect((await pullError("hf:test/evil:Q8_0")).message).toBe(
            `Refusing the file path "../tiny-Q8_0.gguf": it contains a ".." segment.`
        );
        expect(existsSync(join(modelsDir, "hf", "test", "tiny-Q8_0.gguf"))).toBe(false);
    });

    it("refuses to start when the file will not fit on the disk", async () => {
        const size = (await stat(tinyQ8)).size;
        let askedAbout: string | undefined;
        const error = await pullError("hf:test/tiny/tiny-Q8_0.gguf", {
            dir: join(workDir, "full-disk", "models"),
            freeBytes: async (dir) => {
                askedAbout = dir;
                return 4096;
            }
        });
        expect(askedAbout).toBe(workDir);
        expect(error.message).toMatch(
            new RegExp(
                `^Not enough disk space for hf:test/tiny/tiny-Q8_0\\.gguf: it needs [\\d.]+ [KM]iB more but ${workDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} ` +
                    `has only 4\\.00 KiB free; `
            )
        );
        expect(size).toBeGreaterThan(4096);
        expect(existsSync(join(workDir, "full-disk"))).toBe(false);
    });

    it("says which host it cannot reach", async () => {
        const closedPort = await new Promise<number>((resolvePort) => {
            const probe = createServer().listen(0, "127.0.0.1", () => {
                const {port} = probe.address() as {port: number};
                probe.close(() => resolvePort(port));
            });
        });
        const error = await pullError("hf:test/tiny/tiny-Q8_0.gguf", {
            env: {...process.env, HF_ENDPOINT: `http://127.0.0.1:${closedPort}`}
        });
        expect(error.message).toBe(
            `Cannot reach 127.0.0.1:${closedPort} (ECONNREFUSED); check the network connection and HF_ENDPOINT.`
        );
    });

    it("pulls a catalog id, checking the catalog's facts against the hub's", async () => {
        const original = await readFile(tinyQ8);
        const catalogPath = join(workDir, "catalog.yaml");
        await writeFile(
            catalogPath,
            [
                "version: 1",
                "suites:",
                "  smoke: {description: tiny models}",
                "models:",
                "  - id: tiny-test-model",
                "    name: Tiny Test Model",
                "    kind: llm",
                "    format: gguf",
                "    repo: test/tiny",
                "    benchmarkable: true",
                "    factsRecorded: 2025-01-01",
                "    files:",
                `      Q8_0: {path: tiny-Q8_0.gguf, sizeBytes: ${original.length}, sha256: ${sha256(original)}}`,
                `      F16: {sizeBytes: ${(await stat(tinyF16)).size}}`,
                ""
            ].join("\n")
        );
        const env = {
            ...process.env,
            LLMPROOF_CATALOG: catalogPath,
            LLMPROOF_MODELS_DIR: join(workDir, "catalog-models")
        };
        const result = await pullModel("tiny-test-model:q8_0", {env});
        expect(result.model).toBe("tiny-test-model:Q8_0");
        expect(result.files[0]).toMatchObject({
            sha256: sha256(original),
            expectedSha256: sha256(original),
            check: "verified"
        });
        // No file name in the catalog: the quantization is looked up in the repo's listing.
        const f16 = await pullModel("tiny-test-model:F16", {env});
        expect(f16.files[0]!.path).toBe(join(workDir, "catalog-models", "hf", "test", "tiny", "main", "tiny-F16.gguf"));
        expect((await pullError("tiny-test-model:Q2_K", {env})).message).toMatch(/has no Q2_K file/);
    });
});
