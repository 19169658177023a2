import {mkdtemp, rm, stat} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {stringify} from "yaml";
import {parseCatalog} from "../src/catalog/load.js";
import {modelById} from "../src/catalog/lookup.js";
import type {CatalogModel} from "../src/catalog/schema.js";
import {catalogTwinPath, ensureCatalogTwin} from "../src/gguf/twin-cache.js";
import {UserError} from "../src/util/errors.js";

const tinyShape = {
    architecture: "llama",
    hiddenSize: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    ffnSize: 128,
    vocabSize: 512,
    contextLength: 256,
    tiedEmbeddings: false
};

function catalogWith(shape: unknown): CatalogModel {
    const catalog = parseCatalog(
        stringify({
            version: 1,
            suites: {smoke: {description: "small"}},
            models: [
                {
                    id: "tiny-twin",
                    name: "Tiny Twin",
                    kind: "llm",
                    repo: "someone/Tiny-GGUF",
                    files: {Q8_0: {path: "tiny-Q8_0.gguf"}},
                    shape,
                    benchmarkable: true,
                    factsRecorded: "2026-01-01"
                }
            ]
        })
    );
    return modelById(catalog, "tiny-twin")!;
}

describe("catalog twins in the cache", () => {
    let dir: string;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
        dir = await mkdtemp(join(tmpdir(), "llmproof-twin-cache-"));
        env = {...process.env, LLMPROOF_TWINS_DIR: dir};
    });
    afterAll(async () => {
        await rm(dir, {recursive: true, force: true});
    });

    it("writes a twin once and reuses it afterwards", async () => {
        const model = catalogWith(tinyShape);
        const first = await ensureCatalogTwin(model, "q8_0", {env});
        expect(first.reused).toBe(false);
        expect(first.quant).toBe("Q8_0");
        expect(first.path.startsWith(dir)).toBe(true);
        expect((await stat(first.path)).size).toBe(first.fileBytes);
        const again = await ensureCatalogTwin(model, "Q8_0", {env});
        expect(again).toEqual({...first, reused: true});
    });

    it("names the file after the shape, so an edited shape never reuses an old twin", () => {
        const a = catalogTwinPath(catalogWith(tinyShape), "Q8_0", env);
        const b = catalogTwinPath(catalogWith({...tinyShape, layers: 3}), "Q8_0", env);
        expect(a).not.toBe(b);
        expect(catalogTwinPath(catalogWith(tinyShape), "Q4_0", env)).not.toBe(a);
    });

    it("refuses a twin over the size limit before writing, and a model without a shape", async () => {
        const model = catalogWith(tinyShape);
        await expect(ensureCatalogTwin(model, "F32", {env, maxBytes: 1000})).rejects.toThrow(/over the limit/);
        await expect(stat(catalogTwinPath(model, "F32", env))).rejects.toThrow();
        expect(() => catalogTwinPath(catalogWith(null), "Q8_0", env)).toThrow(UserError);
    });
});
