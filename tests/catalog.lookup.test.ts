import {describe, expect, it} from "vitest";
import {loadCatalog} from "../src/catalog/load.js";
import {
    benchmarkTarget,
    defaultQuant,
    fileForQuant,
    findModel,
    findModelsInText,
    modelsByIssue,
    modelsBySuite,
    nameKey,
    requireModel,
    resolveCatalogRef
} from "../src/catalog/lookup.js";
import {UserError} from "../src/util/errors.js";

const catalog = await loadCatalog({path: undefined, env: {}});

function model(id: string) {
    const found = catalog.models.find((entry) => entry.id === id);
    if (found == null) throw new Error(`no ${id} in the catalog`);
    return found;
}

function idsIn(text: string): string[] {
    return findModelsInText(catalog, text).map((mention) => mention.model.id);
}

describe("nameKey", () => {
    it("ignores case, spaces, hyphens, underscores and dots, and reads 'billion' after a number as B", () => {
        expect(nameKey("Qwen 3.5-397B")).toBe("qwen35397b");
        expect(nameKey("qwen3.5 397b")).toBe("qwen35397b");
        expect(nameKey("Qwen3-Next 80-billion")).toBe(nameKey("qwen3_next_80B"));
        expect(nameKey("a 410 million model")).toBe("a410mmodel");
        expect(nameKey("a billion users")).toBe("abillionusers");
        expect(nameKey("lejelly's DeepSeek")).toBe("lejellydeepseek");
    });
});

describe("findModel", () => {
    it.each([
        ["Qwen3-Next-80B", "qwen3-next-80b-a3b-instruct"],
        ["qwen3 next 80 billion", "qwen3-next-80b-a3b-instruct"],
        ["hf:bartowski/Qwen_Qwen3-Next-80B-A3B-Instruct-GGUF", "qwen3-next-80b-a3b-instruct"],
        ["Qwen_Qwen3-Next-80B-A3B-Instruct-GGUF", "qwen3-next-80b-a3b-instruct"],
        ["Qwen 3.5-397B", "qwen3.5-397b-a17b"],
        ["qwen3.5 397b", "qwen3.5-397b-a17b"],
        ["QWEN3.5-397B-A17B", "qwen3.5-397b-a17b"],
        ["DevQuasar/Qwen.Qwen3.5-397B-A17B-GGUF", "qwen3.5-397b-a17b"],
        ["qwen3-4b", "qwen3-4b"],
        ["Qwen/Qwen3-4B-GGUF", "qwen3-4b"],
        ["Gemma 3 1B", "gemma-3-1b-it"],
        ["llama 3.2 1b", "llama-3.2-1b-instruct"],
        ["TounsiLM 8B", "tounsilm-8b"],
        ["llama3 8b ot", "llama3-8b-ot"],
        ["ViSoBERT", "visobert"],
        ["smollm2 135m", "smollm2-135m-instruct"]
    ])("%s → %s", (name, id) => {
        expect(findModel(catalog, name)?.id).toBe(id);
    });

    it("does not guess: near names and other versions miss", () => {
        expect(findModel(catalog, "Qwen3-8B")).toBeUndefined();
        expect(findModel(catalog, "Llama-3.1-8B")).toBeUndefined();
        expect(findModel(catalog, "")).toBeUndefined();
    });

    it("requireModel suggests close ids on a miss", () => {
        expect(() => requireModel(catalog, "qwen3")).toThrow(UserError);
        expect(() => requireModel(catalog, "qwen3")).toThrow(/Did you mean .*"qwen3-4b"/);
        expect(() => requireModel(catalog, "zzz-not-a-model")).toThrow(/llmproof models/);
    });
});

describe("findModelsInText", () => {
    // Sentences written for these tests, one group per issue, in the ways people write the names.
    it.each([
        [
            32,
            "On a 64 GB mini PC the Qwen3-Next 80-billion build loaded fine, " +
                "and bartowski's Qwen3-Next-80B-A3B file took 46 GiB. ViSoBERT is only an encoder; FaceLift is about faces.",
            ["qwen3-next-80b-a3b-instruct", "qwen3-next-80b-a3b-instruct", "visobert", "facelift"]
        ],
        [
            20,
            "Reading the qwen3.5 397b header took a second (Qwen 3.5-397B-A17B has 17B active). " +
                "lejelly's DeepSeek variant, ModernBERT Japanese and Riku Binary Wav2Vec are all smaller.",
            [
                "qwen3.5-397b-a17b",
                "qwen3.5-397b-a17b",
                "deepseek-math-7b-lejelly",
                "modernbert-ja-310m",
                "riku-binary-wav2vec"
            ]
        ],
        [
            1,
            "Qwen3-4B has been public since April 2025, so asparius/Qwen3-4B-vanilla-checkpoints is no preview; " +
                "Qwen2 72B was the largest of its line, and the Kalavai fiction specialist is tiny.",
            ["qwen3-4b", "asparius-qwen3-4b-vanilla-checkpoints", "qwen2-72b", "kalavai-fiction-410m"]
        ],
        [
            81,
            "The ducanhdinh/Llama3-8B-OT repo holds a LoRA: merged, it weighs what Llama 3 8B Instruct weighs.",
            ["llama3-8b-ot", "meta-llama-3-8b-instruct"]
        ],
        [
            100,
            "Nobody found distil-success-h15. The T-Virus Epsilon Ark Q4 build claims one billion parameters, " +
                "TounsiLM-8B is an adapter for aya-expanse-8b, and ACT Pickup moves a robot arm.",
            ["distil-success-h15", "t-virus-epsilon-arklay-1b", "tounsilm-8b", "aya-expanse-8b", "act-pickup"]
        ]
    ])("issue #%i: every featured model is found", (issue, text, expected) => {
        expect(idsIn(text)).toEqual(expected);
        const featured = modelsByIssue(catalog, issue).map((entry) => entry.id);
        for (const id of featured) expect(expected, `issue #${issue} features ${id}`).toContain(id);
    });

    it("reports offsets that slice the input back to the mention", () => {
        const text = "We ran Gemma 3 1B and then Llama-3.2-1B on the same laptop.";
        const mentions = findModelsInText(catalog, text);
        expect(mentions.map((mention) => [mention.model.id, mention.text])).toEqual([
            ["gemma-3-1b-it", "Gemma 3 1B"],
            ["llama-3.2-1b-instruct", "Llama-3.2-1B"]
        ]);
        for (const mention of mentions) expect(text.slice(mention.start, mention.end)).toBe(mention.text);
        expect(mentions[0]!.start).toBe(7);
        expect(mentions[1]!.matchedAlias).toBe("Llama-3.2-1B");
    });

    it("lets the longest name win where names overlap", () => {
        const mentions = findModelsInText(catalog, "Try Llama3-8B-OT, not Llama-3-8B.");
        expect(mentions.map((mention) => [mention.model.id, mention.text])).toEqual([
            ["llama3-8b-ot", "Llama3-8B-OT"],
            ["meta-llama-3-8b-instruct", "Llama-3-8B"]
        ]);
    });

    it("does not match across punctuation, inside other names, or other versions", () => {
        expect(idsIn("Llama-3.1-8B reaches 71.9 tok/s at Q4_K_M.")).toEqual([]);
        expect(idsIn("Qwen3.5-35B-A3B is a different model.")).toEqual([]);
        expect(idsIn("We tested Qwen3. 4B models came later.")).toEqual([]);
        expect(idsIn("Qwen3, 4B")).toEqual([]);
        expect(idsIn("MyQwen3-4B and Qwen3-4Bx are not it.")).toEqual([]);
        expect(idsIn("A billion users will not notice.")).toEqual([]);
    });

    it("finds a name at the very start and end, and after a colon", () => {
        expect(idsIn("TinyLlama")).toEqual(["tinyllama-1.1b-chat"]);
        expect(idsIn("pull hf:Qwen/Qwen3-4B-GGUF now")).toEqual(["qwen3-4b"]);
        expect(idsIn("the checkpoint (Qwen3-4B).")).toEqual(["qwen3-4b"]);
    });
});

describe("suites and issues", () => {
    it("modelsBySuite lists members in catalog order and refuses unknown suites", () => {
        expect(modelsBySuite(catalog, "header-only").map((entry) => entry.id)).toEqual([
            "qwen3-next-80b-a3b-instruct",
            "qwen3.5-397b-a17b"
        ]);
        expect(modelsBySuite(catalog, "heavy").map((entry) => entry.id)).toEqual(["qwen3-next-80b-a3b-instruct"]);
        expect(() => modelsBySuite(catalog, "huge")).toThrow(/Unknown suite "huge"; the catalog defines "smoke"/);
    });

    it("modelsByIssue uses the number printed on the issue", () => {
        expect(modelsByIssue(catalog, 81).map((entry) => entry.id)).toEqual(["llama3-8b-ot"]);
        expect(modelsByIssue(catalog, 2)).toEqual([]);
    });

    it("benchmarkTarget follows the proxy of a model without files", () => {
        expect(benchmarkTarget(catalog, model("llama3-8b-ot"))?.id).toBe("meta-llama-3-8b-instruct");
        expect(benchmarkTarget(catalog, model("qwen3-4b"))?.id).toBe("qwen3-4b");
        expect(benchmarkTarget(catalog, model("visobert"))).toBeUndefined();
    });
});

describe("files", () => {
    it("fileForQuant fills in repo and revision and lists the parts", () => {
        const file = fileForQuant(model("qwen3-4b"), "q4_k_m")!;
        expect(file).toMatchObject({
            modelId: "qwen3-4b",
            quant: "Q4_K_M",
            repo: "Qwen/Qwen3-4B-GGUF",
            revision: "main",
            path: "Qwen3-4B-Q4_K_M.gguf",
            sizeBytes: 2497280256
        });
        expect(file.parts).toEqual([{path: "Qwen3-4B-Q4_K_M.gguf", sizeBytes: 2497280256, sha256: null}]);
        expect(fileForQuant(model("qwen3-4b"), "BF16")?.repo).toBe("bartowski/Qwen_Qwen3-4B-GGUF");
        expect(fileForQuant(model("qwen3-4b"), "IQ2_XS")).toBeUndefined();
    });

    it("a split file whose part names are unknown keeps its part count", () => {
        const file = fileForQuant(model("qwen3-next-80b-a3b-instruct"), "Q8_0")!;
        expect(file.path).toBeNull();
        expect(file.splitCount).toBe(3);
        expect(file.parts).toEqual([]);
    });

    it("defaultQuant prefers Q4_K_M, else the first quantized file", () => {
        expect(defaultQuant(model("gemma-3-1b-it"))).toBe("Q4_K_M");
        expect(defaultQuant(model("qwen3-0.6b"))).toBe("Q8_0");
        expect(defaultQuant(model("visobert"))).toBeUndefined();
    });

    it("resolveCatalogRef reads id[:QUANT] and explains what cannot be pulled", () => {
        expect(resolveCatalogRef(catalog, "qwen3-4b:Q8_0").file.path).toBe("Qwen3-4B-Q8_0.gguf");
        expect(resolveCatalogRef(catalog, "Qwen3-4B").file.quant).toBe("Q4_K_M");
        expect(resolveCatalogRef(catalog, "qwen3.5-397b-a17b:q8_0").file.repo).toBe(
            "bartowski/Qwen_Qwen3.5-397B-A17B-GGUF"
        );
        expect(() => resolveCatalogRef(catalog, "llama3-8b-ot")).toThrow(/no GGUF files.*"meta-llama-3-8b-instruct"/);
        expect(() => resolveCatalogRef(catalog, "visobert")).toThrow(/no GGUF files \(A masked-language encoder/);
        expect(() => resolveCatalogRef(catalog, "qwen3-4b:Q2_K")).toThrow(
            /has no Q2_K file; it lists Q4_K_M, Q8_0, BF16/
        );
    });
});
