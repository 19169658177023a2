import {describe, expect, it} from "vitest";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {stringify} from "yaml";
import {catalogPath, defaultCatalogPath, loadCatalog, parseCatalog} from "../src/catalog/load.js";
import {benchmarkTarget, fileForQuant} from "../src/catalog/lookup.js";
import {UserError} from "../src/util/errors.js";

/** A small valid catalog as plain data, for tests to break one field at a time. */
function validCatalogData(): {version: number; suites: Record<string, unknown>; models: Record<string, unknown>[]} {
    return {
        version: 1,
        suites: {smoke: {description: "small"}},
        models: [
            {
                id: "tiny-base",
                name: "Tiny Base 1B",
                aliases: ["Tiny Base"],
                kind: "llm",
                repo: "someone/Tiny-Base-GGUF",
                files: {Q4_K_M: {path: "tiny-base-Q4_K_M.gguf", sizeBytes: 1000}},
                benchmarkable: true,
                suites: ["smoke"],
                factsRecorded: "2026-01-01"
            },
            {
                id: "tiny-adapter",
                name: "Tiny Adapter",
                kind: "lora-adapter",
                issues: [{number: 7, date: "2026-02-03"}],
                proxy: "tiny-base",
                benchmarkable: true,
                factsRecorded: "2026-01-01"
            }
        ]
    };
}

function errorOf(action: () => unknown): string {
    try {
        action();
    } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        return (error as Error).message;
    }
    throw new Error("expected a UserError");
}

function parseData(data: unknown): ReturnType<typeof parseCatalog> {
    return parseCatalog(stringify(data));
}

describe("shape presets named after catalog models", async () => {
    const {listShapePresets} = await import("../src/gguf/shape-presets.js");
    const {modelById} = await import("../src/catalog/lookup.js");
    const catalog = await loadCatalog({path: defaultCatalogPath});
    for (const preset of listShapePresets()) {
        const model = modelById(catalog, preset.name);
        if (!model?.shape) continue;
        it(`${preset.name}: the preset is the shape models.yaml gives`, () => {
            expect(preset.shape).toEqual(model.shape);
        });
    }
});

describe("the shipped models.yaml", async () => {
    const catalog = await loadCatalog({path: defaultCatalogPath});

    it("validates, and every id is unique", () => {
        const ids = catalog.models.map((model) => model.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(Object.keys(catalog.suites).sort()).toEqual(["header-only", "heavy", "smoke", "standard"]);
    });

    it("features every one of the five issues, with their datelines", () => {
        const issues = new Map<number, string>();
        for (const model of catalog.models) for (const issue of model.issues) issues.set(issue.number, issue.date);
        expect(Object.fromEntries(issues)).toEqual({
            1: "2026-03-25",
            20: "2026-02-17",
            32: "2026-03-01",
            81: "2026-04-19",
            100: "2026-05-08"
        });
    });

    it("has exactly the five small real models in the smoke suite, each with a file to fetch", () => {
        const smoke = catalog.models.filter((model) => model.suites.includes("smoke"));
        expect(smoke.map((model) => model.id).sort()).toEqual([
            "gemma-3-1b-it",
            "llama-3.2-1b-instruct",
            "qwen3-0.6b",
            "smollm2-135m-instruct",
            "tinyllama-1.1b-chat"
        ]);
        for (const model of smoke) {
            const withPath = Object.keys(model.files).filter((quant) => fileForQuant(model, quant)?.path != null);
            expect(withPath.length, model.id).toBeGreaterThan(0);
            expect(model.repo, model.id).not.toBeNull();
        }
    });

    it("gives every benchmarkable model something to run, and a reason to every other one", () => {
        for (const model of catalog.models) {
            if (model.benchmarkable) {
                const target = benchmarkTarget(catalog, model);
                expect(target, model.id).toBeDefined();
                expect(Object.keys(target!.files).length, model.id).toBeGreaterThan(0);
            } else {
                expect(model.notBenchmarkableReason, model.id).toMatch(/\w/);
            }
        }
    });

    it("marks the encoders and the audio model as not benchmarkable", () => {
        for (const model of catalog.models.filter((entry) => ["encoder", "audio"].includes(entry.kind)))
            expect(model.benchmarkable, model.id).toBe(false);
        expect(catalog.models.filter((model) => model.kind === "encoder").length).toBeGreaterThanOrEqual(2);
    });

    it("links adapters to a base model that stands in", () => {
        const adapters = catalog.models.filter((model) => model.kind === "lora-adapter");
        expect(adapters.map((model) => [model.id, model.proxy]).sort()).toEqual([
            ["llama3-8b-ot", "meta-llama-3-8b-instruct"],
            ["tounsilm-8b", "aya-expanse-8b"]
        ]);
    });

    it("records the reference numbers quantization claims are checked against", () => {
        const q4 = catalog.quantReference.bitsPerWeight.find((fact) => fact.quant === "Q4_K_M");
        expect(q4?.bitsPerWeight).toBeGreaterThan(4.5);
        expect(
            catalog.quantReference.quality.some((fact) => fact.quant === "Q4_K_M" && fact.klDivergence != null)
        ).toBe(true);
    });

    it("keeps exact sizes apart from published, rounded ones", () => {
        const qwen3 = catalog.models.find((model) => model.id === "qwen3-4b")!;
        expect(qwen3.files.Q4_K_M?.sizeBytes).toBe(2497280256);
        expect(qwen3.files.Q8_0?.sizeBytes).toBeNull();
        expect(qwen3.files.Q8_0?.approxSizeBytes).toBe(4.28e9);
    });
});

describe("catalog validation errors name the entry and the field", () => {
    it("accepts the small valid catalog and fills defaults", () => {
        const catalog = parseData(validCatalogData());
        expect(catalog.models[1]!.files).toEqual({});
        expect(catalog.models[0]!.files.Q4_K_M?.sha256).toBeNull();
    });

    it("a wrong type", () => {
        const data = validCatalogData();
        (data.models[0]!.files as Record<string, Record<string, unknown>>).Q4_K_M!.sizeBytes = "big";
        expect(errorOf(() => parseData(data))).toBe(
            'models.yaml: model "tiny-base" → files.Q4_K_M.sizeBytes: expected a number, got "big".'
        );
    });

    it("a missing field", () => {
        const data = validCatalogData();
        delete data.models[1]!.factsRecorded;
        expect(errorOf(() => parseData(data))).toMatch(
            /^models\.yaml: model "tiny-adapter" → factsRecorded: is missing/
        );
    });

    it("an entry without an id is named by its position", () => {
        const data = validCatalogData();
        delete data.models[1]!.id;
        expect(errorOf(() => parseData(data))).toMatch(/model #2 → id: is missing/);
    });

    it("an unknown field (a typo)", () => {
        const data = validCatalogData();
        data.models[0]!.licence = "mit";
        expect(errorOf(() => parseData(data))).toMatch(/model "tiny-base": unknown field "licence"/);
    });

    it("a bad date, a bad checksum, a path that climbs out of the repo", () => {
        const data = validCatalogData();
        data.models[0]!.factsRecorded = "1 Jan 2026";
        expect(errorOf(() => parseData(data))).toMatch(
            /model "tiny-base" → factsRecorded: expected a date written YYYY-MM-DD/
        );
        const badSha = validCatalogData();
        (badSha.models[0]!.files as Record<string, Record<string, unknown>>).Q4_K_M!.sha256 = "abc";
        expect(errorOf(() => parseData(badSha))).toMatch(/files\.Q4_K_M\.sha256: expected a SHA-256/);
        const climbing = validCatalogData();
        (climbing.models[0]!.files as Record<string, Record<string, unknown>>).Q4_K_M!.path = "../../etc/passwd";
        expect(errorOf(() => parseData(climbing))).toMatch(/files\.Q4_K_M\.path: expected a relative path/);
    });

    it("cross-references: duplicate ids, unknown suites, dangling proxies", () => {
        const duplicate = validCatalogData();
        duplicate.models.push({...duplicate.models[0]!, aliases: []});
        expect(errorOf(() => parseData(duplicate))).toMatch(/model "tiny-base" → id: duplicates the id of entry #1/);
        const suite = validCatalogData();
        suite.models[0]!.suites = ["smoke", "huge"];
        expect(errorOf(() => parseData(suite))).toMatch(/model "tiny-base" → suites\[1\]: names suite "huge"/);
        const proxy = validCatalogData();
        proxy.models[1]!.proxy = "nobody";
        expect(errorOf(() => parseData(proxy))).toMatch(
            /model "tiny-adapter" → proxy: names "nobody", which is not a model id/
        );
    });

    it("rules on benchmarkable", () => {
        const noReason = validCatalogData();
        noReason.models[1]!.benchmarkable = false;
        expect(errorOf(() => parseData(noReason))).toMatch(
            /model "tiny-adapter" → notBenchmarkableReason: is required/
        );
        const nothingToRun = validCatalogData();
        delete nothingToRun.models[1]!.proxy;
        expect(errorOf(() => parseData(nothingToRun))).toMatch(
            /model "tiny-adapter" → benchmarkable: is true but the entry has no files and no proxy/
        );
    });

    it("aliases that two models share once normalised", () => {
        const data = validCatalogData();
        data.models[1]!.aliases = ["tiny base"];
        expect(errorOf(() => parseData(data))).toMatch(
            /model "tiny-adapter" → aliases: "tiny base" also names model "tiny-base"/
        );
    });

    it("invalid YAML says where", () => {
        expect(errorOf(() => parseCatalog("version: 1\nmodels:\n  - id: a\n   name: [unclosed\n"))).toMatch(
            /^models\.yaml: invalid YAML at line \d+, column \d+: /
        );
        expect(errorOf(() => parseCatalog("version: 1\nversion: 2\n"))).toMatch(/invalid YAML at line 2/);
    });

    it("a wrong top level", () => {
        expect(errorOf(() => parseCatalog("- just\n- a list\n"))).toMatch(
            /^models\.yaml: top level: expected a mapping, got a list\.$/
        );
        expect(errorOf(() => parseData({...validCatalogData(), version: 2}))).toMatch(
            /version: expected one of 1, got 2\.$/
        );
    });
});

describe("loadCatalog finds its file", () => {
    it("the shipped file by default, LLMPROOF_CATALOG over it, an explicit path over both", () => {
        expect(catalogPath({env: {}})).toBe(defaultCatalogPath);
        expect(catalogPath({env: {LLMPROOF_CATALOG: "/tmp/other.yaml"}})).toBe("/tmp/other.yaml");
        expect(catalogPath({path: "/tmp/mine.yaml", env: {LLMPROOF_CATALOG: "/tmp/other.yaml"}})).toBe(
            "/tmp/mine.yaml"
        );
    });

    it("reads an override and names it in errors", async () => {
        const folder = await mkdtemp(join(tmpdir(), "llmproof-catalog-"));
        try {
            const good = join(folder, "good.yaml");
            await writeFile(good, stringify(validCatalogData()));
            const catalog = await loadCatalog({env: {LLMPROOF_CATALOG: good}});
            expect(catalog.models.map((model) => model.id)).toEqual(["tiny-base", "tiny-adapter"]);

            const bad = join(folder, "bad.yaml");
            const data = validCatalogData();
            data.models[0]!.kind = "chatbot";
            await writeFile(bad, stringify(data));
            await expect(loadCatalog(bad)).rejects.toThrow(`${bad}: model "tiny-base" → kind: expected one of`);
            await expect(loadCatalog(join(folder, "missing.yaml"))).rejects.toThrow(
                /Cannot load the model catalog .*missing\.yaml: it does not exist/
            );
        } finally {
            await rm(folder, {recursive: true, force: true});
        }
    });
});

describe("catalog bounds and hostile YAML", () => {
    it("refuses figures no real model has", () => {
        const data = validCatalogData();
        data.models[0]!.paramsB = 1e30;
        expect(errorOf(() => parseData(data))).toMatch(/model "tiny-base" → paramsB: expected at most 1000000/);
        const sizes = validCatalogData();
        (sizes.models[0]!.files as Record<string, Record<string, unknown>>).Q4_K_M!.sizeBytes = 1e30;
        expect(errorOf(() => parseData(sizes))).toMatch(/files\.Q4_K_M\.sizeBytes: /);
    });

    it("names an alias bomb, deep nesting and NUL bytes as one sentence with the file", () => {
        const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
        for (let level = 1; level < 10; level++)
            bomb.push(
                `${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10)
                    .fill(`*${String.fromCharCode(96 + level)}`)
                    .join(", ")}]`
            );
        expect(errorOf(() => parseCatalog(bomb.join("\n"), "bomb.yaml"))).toMatch(/^bomb\.yaml: invalid YAML: .*alias/);
        expect(errorOf(() => parseCatalog(`models: ${"[".repeat(5000)}${"]".repeat(5000)}`, "deep.yaml"))).toMatch(
            /^deep\.yaml: /
        );
        expect(errorOf(() => parseCatalog("version: 1\u0000\n", "nul.yaml"))).toMatch(
            /^nul\.yaml: the file contains NUL bytes/
        );
    });
});
