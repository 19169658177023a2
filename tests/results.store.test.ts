import {mkdtemp, readdir, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {modelSha256} from "../src/bench/model-hash.js";
import {checkResultsDirectory, resolveResultsDirectory} from "../src/results/store.js";
import {writeVerifiedSidecar} from "../src/download/sha256.js";

let workDir: string;
beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "llmproof-results-store-"));
});
afterAll(async () => {
    await rm(workDir, {recursive: true, force: true});
});

describe("where results go", () => {
    it("follows XDG for a user's runs; LLMPROOF_RESULTS_DIR and --results-dir override it", () => {
        if (process.platform === "linux")
            expect(resolveResultsDirectory(undefined, {XDG_DATA_HOME: "/data"})).toBe("/data/llmproof/results");
        expect(resolveResultsDirectory(undefined, {XDG_DATA_HOME: "/data", LLMPROOF_RESULTS_DIR: "/mine"})).toBe(
            "/mine"
        );
        expect(resolveResultsDirectory("/explicit", {LLMPROOF_RESULTS_DIR: "/mine"})).toBe("/explicit");
        expect(resolveResultsDirectory(undefined, {HOME: "/h"})).not.toBe(join(process.cwd(), "results"));
    });

    it("checks the folder is writable and has free space before anything is measured", async () => {
        const good = join(workDir, "new", "results");
        await checkResultsDirectory(good);
        expect(await readdir(good)).toEqual([]);
        const blocker = join(workDir, "file");
        await writeFile(blocker, "x");
        await expect(checkResultsDirectory(join(blocker, "results"))).rejects.toMatchObject({exitCode: 73});
        await expect(checkResultsDirectory(good, {freeBytes: async () => 1000})).rejects.toThrow(
            /only 1000 B is free|only .* is free/
        );
    });
});

describe("model hashes without re-reading the model", () => {
    it("uses pull's sidecar, else a cache keyed by path, size and mtime", async () => {
        const env = {XDG_CACHE_HOME: join(workDir, "cache")};
        const model = join(workDir, "model.gguf");
        await writeFile(model, "GGUF model bytes");
        let hashed = 0;
        const onHashing = () => hashed++;
        const first = await modelSha256(model, {env, onHashing});
        expect(first.source).toBe("computed");
        const second = await modelSha256(model, {env, onHashing});
        expect(second).toEqual({sha256: first.sha256, source: "cache"});
        expect(hashed).toBe(1);
        // A changed file (size and mtime) is hashed again.
        await writeFile(model, "GGUF other bytes, longer");
        const third = await modelSha256(model, {env, onHashing});
        expect(third.source).toBe("computed");
        expect(third.sha256).not.toBe(first.sha256);
        // A sidecar written by pull wins without reading the file.
        await writeVerifiedSidecar(model, "b".repeat(64), "model.gguf");
        expect(await modelSha256(model, {env, onHashing})).toEqual({sha256: "b".repeat(64), source: "sidecar"});
        expect(hashed).toBe(2);
    });
});
