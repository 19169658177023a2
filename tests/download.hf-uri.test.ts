import {describe, expect, it} from "vitest";
import {join} from "node:path";
import {
    assertSafeRepoPath,
    formatHfRef,
    hubFileUrl,
    parseHfUri,
    parseHubFileUrl,
    splitPartInfo,
    splitPartPaths
} from "../src/download/hf-uri.js";
import {cachePlaceForHubFile, cachePlaceForUrl} from "../src/download/cache.js";
import {fileNameHasQuant, ggufModelsIn} from "../src/download/plan.js";
import {UserError} from "../src/util/errors.js";

describe("hf: URIs", () => {
    it("reads the file forms, with the revision as @rev or node-llama-cpp's #rev", () => {
        expect(parseHfUri("hf:user/repo/sub/model-Q4_K_M.gguf")).toEqual({
            kind: "file",
            repo: "user/repo",
            revision: "main",
            path: "sub/model-Q4_K_M.gguf"
        });
        expect(parseHfUri("hf:user/repo@v1.0/model.gguf")).toEqual({
            kind: "file",
            repo: "user/repo",
            revision: "v1.0",
            path: "model.gguf"
        });
        expect(parseHfUri("hf:user/repo/model.gguf#refs%2Fpr%2F3")).toEqual({
            kind: "file",
            repo: "user/repo",
            revision: "refs/pr/3",
            path: "model.gguf"
        });
        for (const prefix of ["hf://", "huggingface:", "huggingface://", "hf.co/", "huggingface.co/"])
            expect(parseHfUri(`${prefix}user/repo/model.gguf`)).toEqual(parseHfUri("hf:user/repo/model.gguf"));
    });

    it("reads the quantization forms (upper-cased) and a bare repo", () => {
        expect(parseHfUri("hf:unsloth/Qwen3-0.6B-GGUF:q8_0")).toEqual({
            kind: "quant",
            repo: "unsloth/Qwen3-0.6B-GGUF",
            revision: "main",
            quant: "Q8_0"
        });
        expect(parseHfUri("hf:user/repo@abc123:Q4_K_M")).toEqual({
            kind: "quant",
            repo: "user/repo",
            revision: "abc123",
            quant: "Q4_K_M"
        });
        expect(parseHfUri("hf:user/repo")).toEqual({kind: "quant", repo: "user/repo", revision: "main", quant: null});
    });

    it("writes references back in canonical form", () => {
        expect(formatHfRef(parseHfUri("hf://user/repo/a/b.gguf#dev"))).toBe("hf:user/repo@dev/a/b.gguf");
        expect(formatHfRef(parseHfUri("hf:user/repo:q4_0"))).toBe("hf:user/repo:Q4_0");
        expect(hubFileUrl("http://127.0.0.1:9/", "user/repo", "refs/pr/1", "dir/a b.gguf")).toBe(
            "http://127.0.0.1:9/user/repo/resolve/refs%2Fpr%2F1/dir/a%20b.gguf"
        );
    });

    it("refuses paths that could leave the cache folder, with one sentence naming the problem", () => {
        const refused: [string, RegExp][] = [
            [
                "hf:user/repo/../../etc/passwd.gguf",
                /Refusing the file path "\.\.\/\.\.\/etc\/passwd\.gguf": it contains a "\.\." segment\./
            ],
            ["hf:user/repo/sub/../../x.gguf", /"\.\." segment/],
            ["hf:user/repo/%2e%2e/x.gguf", /"\.\." segment/],
            ["hf:user/repo//etc/x.gguf", /absolute path/],
            ["hf:user/repo/a\\..\\x.gguf", /backslash/],
            ["hf:user/repo/./x.gguf", /"\." segment/]
        ];
        for (const [uri, message] of refused) {
            const error = (() => {
                try {
                    parseHfUri(uri);
                } catch (caught) {
                    return caught;
                }
                return undefined;
            })();
            expect(error, uri).toBeInstanceOf(UserError);
            expect((error as Error).message, uri).toMatch(message);
        }
        expect(() => assertSafeRepoPath("C:/windows/x.gguf")).toThrow(/absolute path/);
        expect(() => parseHfUri("hf:user/..@main/x.gguf")).toThrow(UserError);
        expect(() => parseHfUri("hf:user/repo@../x.gguf")).toThrow(/not a valid revision/);
        expect(() => parseHfUri("hf:user")).toThrow(/expected hf:user\/repo/);
        expect(() => parseHfUri("hf:user/repo:Q4 K")).toThrow(/not a quantization name/);
    });

    it("recognises hub URLs (resolve and blob) on the endpoint or huggingface.co, and nothing else", () => {
        const endpoint = "http://127.0.0.1:8080";
        expect(
            parseHubFileUrl("https://huggingface.co/user/repo/resolve/main/dir/m.gguf?download=true", endpoint)
        ).toEqual({kind: "file", repo: "user/repo", revision: "main", path: "dir/m.gguf"});
        expect(parseHubFileUrl("http://127.0.0.1:8080/user/repo/blob/v2/m.gguf", endpoint)).toEqual({
            kind: "file",
            repo: "user/repo",
            revision: "v2",
            path: "m.gguf"
        });
        expect(parseHubFileUrl("https://example.com/user/repo/resolve/main/m.gguf", endpoint)).toBeUndefined();
        expect(() =>
            parseHubFileUrl("https://huggingface.co/user/repo/resolve/main/..%2F..%2Fm.gguf", endpoint)
        ).toThrow(/"\.\." segment/);
    });
});

describe("split parts and quantization names", () => {
    it("lists every part of a split set from any part", () => {
        expect(splitPartInfo("m-00002-of-00003.gguf")).toEqual({part: 2, parts: 3});
        expect(splitPartInfo("m.gguf")).toBeUndefined();
        expect(splitPartInfo("m-00004-of-00003.gguf")).toBeUndefined();
        expect(splitPartPaths("d/m-Q8_0-00002-of-00003.gguf")).toEqual([
            "d/m-Q8_0-00001-of-00003.gguf",
            "d/m-Q8_0-00002-of-00003.gguf",
            "d/m-Q8_0-00003-of-00003.gguf"
        ]);
    });

    it("matches a quantization as a word of the file name", () => {
        expect(fileNameHasQuant("Qwen3-0.6B-Q4_K_M.gguf", "Q4_K_M")).toBe(true);
        expect(fileNameHasQuant("qwen3-0.6b.q8_0-00001-of-00002.gguf", "Q8_0")).toBe(true);
        expect(fileNameHasQuant("model_Q4_0.gguf", "Q4_0")).toBe(true);
        expect(fileNameHasQuant("Qwen3-0.6B-Q4_K_M.gguf", "Q4_K")).toBe(false);
        expect(fileNameHasQuant("Qwen3-0.6B-IQ4_XS.gguf", "Q4_XS")).toBe(false);
    });

    it("groups a listing into models, split sets as one, vision projectors left out", () => {
        const file = (path: string) => ({path, size: 1, sha256: null});
        const models = ggufModelsIn([
            file("README.md"),
            file("m-Q8_0.gguf"),
            file("mmproj-F16.gguf"),
            file("big/m-F16-00002-of-00002.gguf"),
            file("big/m-F16-00001-of-00002.gguf")
        ]);
        expect([...models.keys()]).toEqual(["m-Q8_0.gguf", "big/m-F16-00001-of-00002.gguf"]);
        expect(models.get("big/m-F16-00001-of-00002.gguf")!.map((entry) => entry.path)).toEqual([
            "big/m-F16-00001-of-00002.gguf",
            "big/m-F16-00002-of-00002.gguf"
        ]);
    });
});

describe("cache places", () => {
    it("keeps one folder per repo and revision, and mirrors the repo's folders", () => {
        expect(cachePlaceForHubFile("/models", "user/repo", "main", "sub/m.gguf")).toEqual({
            dir: join("/models", "hf", "user", "repo", "main", "sub"),
            fileName: "m.gguf"
        });
        expect(cachePlaceForHubFile("/models", "user/repo", "refs/pr/1", "m.gguf").dir).toBe(
            join("/models", "hf", "user", "repo", "refs%2Fpr%2F1")
        );
        expect(() => cachePlaceForHubFile("/models", "user/repo", "main", "../m.gguf")).toThrow(/"\.\." segment/);
        expect(cachePlaceForUrl("/models", "https://example.com:8443/a/m%20x.gguf?sig=secret")).toEqual({
            dir: join("/models", "url", "example.com_8443"),
            fileName: "m x.gguf"
        });
        expect(() => cachePlaceForUrl("/models", "https://example.com/a/..%5Cm.gguf")).toThrow(/backslash/);
        expect(() => cachePlaceForUrl("/models", "https://example.com/")).toThrow(/does not end in a file name/);
    });
});
