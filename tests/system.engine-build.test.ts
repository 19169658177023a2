import {describe, expect, it} from "vitest";
import {
    describeEngineBuild,
    ENGINE_BUILD_CMAKE_OPTIONS,
    engineCmakeOptions,
    enginePreference,
    ensureEngineBuild,
    hasLocalEngineBuild
} from "../src/system/engine-build.js";
import {runCli} from "./helpers/cli.js";

describe("engine build selection", () => {
    it("asks node-llama-cpp for the local build's CMake options unless LLMPROOF_ENGINE=prebuilt", () => {
        expect(enginePreference({})).toBe("local");
        expect(engineCmakeOptions({})).toEqual({GGML_OPENMP: "OFF"});
        expect(engineCmakeOptions({})).toEqual(ENGINE_BUILD_CMAKE_OPTIONS);
        expect(enginePreference({LLMPROOF_ENGINE: " Prebuilt "})).toBe("prebuilt");
        expect(engineCmakeOptions({LLMPROOF_ENGINE: "prebuilt"})).toEqual({});
        expect(enginePreference({LLMPROOF_ENGINE: "local"})).toBe("local");
    });

    it("names a build with its options", () => {
        expect(describeEngineBuild("prebuilt", {})).toBe("prebuilt");
        expect(describeEngineBuild("localBuild", {GGML_OPENMP: "OFF", GGML_BLAS: "ON"})).toBe(
            "localBuild (GGML_BLAS=ON, GGML_OPENMP=OFF)"
        );
    });

    it("skips compiling when the user opts out, without touching node-llama-cpp", async () => {
        const lines: string[] = [];
        const log = (line: string) => lines.push(line);
        expect(await ensureEngineBuild({env: {LLMPROOF_ENGINE_BUILD: "skip"}, log})).toEqual({
            status: "skipped",
            reason: "LLMPROOF_ENGINE_BUILD=skip"
        });
        expect(await ensureEngineBuild({env: {LLMPROOF_ENGINE: "prebuilt"}, log})).toEqual({
            status: "skipped",
            reason: "LLMPROOF_ENGINE=prebuilt"
        });
        expect(lines).toEqual([]);
    });
});

describe("llmproof engine", () => {
    it("prints the engine it measures with as JSON: the local build when it exists, else prebuilt", async () => {
        const localBuild = await hasLocalEngineBuild();
        const result = await runCli(["engine", "--json"]);
        expect(result.code, result.stderr).toBe(0);
        const engine = JSON.parse(result.stdout) as {
            backend: string;
            buildType: string;
            build: string;
            cmakeOptions: Record<string, string>;
            systemInfo: string;
        };
        expect(engine.backend).toBe("cpu");
        expect(engine.buildType).toBe(localBuild ? "localBuild" : "prebuilt");
        if (localBuild) expect(engine.build).toContain("GGML_OPENMP=OFF");
        expect(engine.systemInfo).toMatch(/CPU/);

        const prebuilt = await runCli(["engine", "--json"], {...process.env, LLMPROOF_ENGINE: "prebuilt"});
        expect(prebuilt.code, prebuilt.stderr).toBe(0);
        expect((JSON.parse(prebuilt.stdout) as {buildType: string}).buildType).toBe("prebuilt");
    });
});
