import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, watch} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ExitCode} from "../../src/util/exit-codes.js";
import {startHfServer, type HfServer} from "../helpers/hf-server.js";
import {makeTestTwin} from "../helpers/models.js";
import {BEHAVIOURS, startBadServer, type BadServer} from "./bad-server.js";
import {forLevel, runCase, type FuzzCase} from "./harness.js";

/**
 * `inspect` and `pull` against a server that misbehaves: every case ends within its time bound with
 * one sentence, and `pull` never leaves a partial or foreign file under the final `.gguf` name.
 */

const model = await makeTestTwin({quant: "Q8_0"});
const body = readFileSync(model);
const dir = mkdtempSync(join(tmpdir(), "llmproof-fuzz-http-"));
let server: BadServer;
let hub: HfServer;
/** Short network timeouts, so that a stall ends in seconds. */
// HF_ENDPOINT on another host: node-llama-cpp treats URLs on the hub's host name as hub URLs.
const env = {LLMPROOF_HTTP_TIMEOUT: "3", HF_ENDPOINT: "http://hub.invalid", HF_TOKEN: ""};

beforeAll(async () => {
    server = await startBadServer(body);
    hub = await startHfServer([
        {repo: "fuzz/wrong-sha", files: [{path: "model-Q8_0.gguf", source: model, listedSha256: "0".repeat(64)}]},
        {repo: "fuzz/escape", files: [{path: "../escape-Q8_0.gguf", source: model}]}
    ]);
});
afterAll(async () => {
    await server?.close();
    await hub?.close();
    rmSync(dir, {recursive: true, force: true});
});

/** A file under the final name must be the whole, right file. */
function finalFileProblem(folder: string, name: string): string | null {
    const path = join(folder, name);
    if (!existsSync(path)) return null;
    const bytes = readFileSync(path);
    return bytes.equals(body) ? null : `${name} holds ${bytes.length} bytes that are not the served model`;
}

const cases: (FuzzCase & {needsServer: "bad" | "hub"; path?: string})[] = [];
for (const behaviour of BEHAVIOURS.filter((name) => name !== "trickle")) {
    const expect =
        behaviour === "good" || behaviour === "range-200" ? (behaviour === "good" ? "ok" : "either") : "error";
    cases.push({
        cls: "http",
        name: `inspect ${behaviour}`,
        needsServer: "bad",
        path: `/${behaviour}/model.gguf`,
        args: ["inspect", "--no-estimate"],
        env,
        expect,
        timeoutMs: 25_000
    });
    const folder = join(dir, `pull-${behaviour}`);
    cases.push({
        cls: "http",
        name: `pull ${behaviour}`,
        needsServer: "bad",
        path: `/${behaviour}/model.gguf`,
        args: ["pull", "--quiet", "--dir", folder],
        env,
        expect: behaviour === "good" || behaviour === "range-200" ? "ok" : "error",
        timeoutMs: 25_000,
        checkFiles: () => finalFileProblem(folder, "model.gguf")
    });
}
const shaFolder = join(dir, "wrong-sha");
cases.push({
    cls: "http",
    name: "pull wrong SHA-256",
    needsServer: "hub",
    args: ["pull", "hf:fuzz/wrong-sha/model-Q8_0.gguf", "--quiet", "--dir", shaFolder],
    env,
    expect: "error",
    exitCode: 3,
    checkFiles: () =>
        existsSync(join(shaFolder, "model-Q8_0.gguf")) ? "a file with the wrong SHA-256 kept its final name" : null
});
cases.push({
    cls: "http",
    name: "pull ../ in a hub listing",
    needsServer: "hub",
    args: ["pull", "hf:fuzz/escape:Q8_0", "--quiet", "--dir", join(dir, "escape", "inside")],
    env,
    expect: "error",
    checkFiles: () =>
        readdirSync(join(dir)).some((entry) => entry.startsWith("escape-")) ? "a file escaped its folder" : null
});
const termFolder = join(dir, "sigterm");
cases.push({
    cls: "http",
    name: "pull SIGTERM while stalled mid-body",
    needsServer: "bad",
    path: "/stall-mid/model.gguf",
    args: ["pull", "--quiet", "--dir", termFolder],
    env: {...env, LLMPROOF_HTTP_TIMEOUT: "60"},
    expect: "error",
    signal: {name: "SIGTERM", afterMs: 2500},
    timeoutMs: 9_000,
    checkFiles: () => finalFileProblem(termFolder, "model.gguf")
});

/**
 * Watch `folder` (inotify where there is one, and a poll every 10 ms) while a pull runs: whether a
 * file named `name` ever appeared in it, even for a moment (a bad body renamed to its final name and
 * then moved aside is caught by the watcher's rename events).
 */
function watchForName(folder: string, name: string): {seen: () => boolean; stop: () => void} {
    mkdirSync(folder, {recursive: true});
    let seen = false;
    const watcher = watch(folder, (_event, fileName) => {
        if (fileName === name) seen = true;
    });
    const poll = setInterval(() => {
        if (existsSync(join(folder, name))) seen = true;
    }, 10);
    return {
        seen: () => seen || existsSync(join(folder, name)),
        stop: () => {
            watcher.close();
            clearInterval(poll);
        }
    };
}

const badBodies: {name: string; server: "bad" | "hub"; source: string; fileName: string}[] = [
    {name: "a web page", server: "bad", source: "/html/model.gguf", fileName: "model.gguf"},
    {name: "garbage of the right size", server: "bad", source: "/not-gguf/model.gguf", fileName: "model.gguf"},
    {name: "a wrong SHA-256", server: "hub", source: "hf:fuzz/wrong-sha/model-Q8_0.gguf", fileName: "model-Q8_0.gguf"}
];

describe.concurrent("fuzz: a bad body never has the final name, not even for a moment", () => {
    it.each(forLevel(badBodies, /web page/).map((bad) => [bad.name, bad] as const))("pull %s", async (_name, bad) => {
        const folder = join(dir, `never-final-${bad.fileName}-${badBodies.indexOf(bad)}`);
        const watcher = watchForName(folder, bad.fileName);
        const source = bad.server === "hub" ? bad.source : `${server.url}${bad.source}`;
        try {
            const outcome = await runCase({
                cls: "http",
                name: `pull ${bad.name}: never under the final name`,
                args: ["pull", source, "--quiet", "--dir", folder],
                env: {...env, ...(bad.server === "hub" ? {HF_ENDPOINT: hub.url} : {})},
                expect: "error",
                exitCode: ExitCode.checksumMismatch,
                timeoutMs: 25_000,
                checkFiles: () =>
                    watcher.seen() ? `${bad.fileName} appeared under its final name during the pull` : null
            });
            expect(outcome.kind, outcome.detail).toBe("clean");
            // The bad body is kept aside (not lost, not loadable).
            expect(readdirSync(folder).some((entry) => entry.startsWith(`${bad.fileName}.`))).toBe(true);
        } finally {
            watcher.stop();
        }
    });
});

describe.concurrent("fuzz: a misbehaving server", () => {
    const QUICK = /^(pull stall-mid|pull html|inspect redirect-loop)$/;
    it.each(forLevel(cases, QUICK).map((fuzzCase) => [fuzzCase.name, fuzzCase] as const))(
        "%s",
        async (_name, fuzzCase) => {
            const base = fuzzCase.needsServer === "hub" ? hub.url : server.url;
            const args =
                fuzzCase.path == null
                    ? fuzzCase.args
                    : [fuzzCase.args[0]!, `${base}${fuzzCase.path}`, ...fuzzCase.args.slice(1)];
            const outcome = await runCase({
                ...fuzzCase,
                args,
                env: {...fuzzCase.env, ...(fuzzCase.needsServer === "hub" ? {HF_ENDPOINT: hub.url} : {})}
            });
            expect(outcome.kind, outcome.detail).toBe("clean");
        }
    );
});
