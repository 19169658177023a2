import {
    closeSync,
    existsSync,
    statSync,
    mkdirSync,
    mkdtempSync,
    openSync,
    readFileSync,
    readdirSync,
    rmSync,
    writeFileSync,
    writeSync
} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {BenchRunSchema} from "../../src/results/schema.js";
import {ExitCode} from "../../src/util/exit-codes.js";
import {projectRoot} from "../helpers/cli.js";
import {makeTestTwin} from "../helpers/models.js";
import {startBadServer, type BadServer} from "./bad-server.js";
import {ggufMutations} from "./gguf-gen.js";
import {FULL, runCase} from "./harness.js";
import {mountSmallTmpfs, unmount} from "./tmpfs.js";

/**
 * Kill -9, SIGINT and SIGTERM in the middle of `pull`, `synth`, `bench` and `quality`, a bad candidate among
 * good ones, and a full disk: nothing partial under a final name, no temp file left behind once the
 * next run has started, and every result already measured kept.
 */

const model = await makeTestTwin({quant: "Q8_0"});
const body = readFileSync(model);
const dir = mkdtempSync(join(tmpdir(), "llmproof-fuzz-durability-"));
const full = mountSmallTmpfs(join(dir, "full"), "1m");
// Filled to the last byte in its test: small outputs (a quality report, a check report) cannot fit.
const zero = mountSmallTmpfs(join(dir, "zero"), "256k");
let server: BadServer;
const env = {LLMPROOF_HTTP_TIMEOUT: "5"};

beforeAll(async () => {
    server = await startBadServer(body);
});
afterAll(async () => {
    await server?.close();
    if (full != null) unmount(full);
    if (zero != null) unmount(zero);
    rmSync(dir, {recursive: true, force: true});
});

/** `llmproof synth --preset llama-3.2-1b -q Q8_0 --dry-run`: the size of the whole twin. */
const TWIN_BYTES = 1_316_995_968;
const tempFiles = (folder: string) =>
    existsSync(folder) ? readdirSync(folder).filter((entry) => /\.tmp$|\.partial$/.test(entry)) : [];

const resultFiles = (folder: string) =>
    existsSync(folder) ? readdirSync(folder).filter((entry) => !entry.startsWith(".")) : [];

/** A result file that is not a whole run by the results schema, or (unless allowed) a temp file left in `folder`; else null. */
function resultFileProblem(folder: string, options: {tempAllowed: boolean}): string | null {
    for (const entry of resultFiles(folder)) {
        if (!entry.endsWith(".json")) return `a foreign file in the results folder: ${entry}`;
        try {
            BenchRunSchema.parse(JSON.parse(readFileSync(join(folder, entry), "utf8")));
        } catch {
            return `${entry} is not a whole result (partial or invalid)`;
        }
    }
    const temps = tempFiles(folder);
    return options.tempAllowed || temps.length === 0 ? null : `temp files left: ${temps.join(", ")}`;
}

/** True from `delayMs` after the first result file appeared in `folder` (polled by the harness). */
function afterFirstResult(folder: string, delayMs: number): () => boolean {
    let firstSeen: number | null = null;
    return () => {
        if (firstSeen == null && resultFiles(folder).length > 0) firstSeen = performance.now();
        return firstSeen != null && performance.now() - firstSeen >= delayMs;
    };
}

describe("fuzz: durability", () => {
    it.skipIf(!FULL)(
        "pull: kill -9 mid-download leaves no file under the final name, and the next pull completes it",
        async () => {
            const folder = join(dir, "pull-kill");
            const killed = await runCase({
                cls: "durability",
                name: "pull kill -9 mid-download",
                args: ["pull", `${server.url}/trickle/model.gguf`, "--quiet", "--dir", folder],
                env,
                expect: "error",
                signal: {name: "SIGKILL", afterMs: 2500},
                checkFiles: () =>
                    existsSync(join(folder, "model.gguf")) ? "a partial download has the final name" : null
            });
            expect(killed.kind, killed.detail).toBe("clean");
            const resumed = await runCase({
                cls: "durability",
                name: "pull after kill -9",
                args: ["pull", `${server.url}/good/model.gguf`, "--quiet", "--dir", folder],
                env,
                expect: "ok",
                checkFiles: () =>
                    readFileSync(join(folder, "model.gguf")).equals(body)
                        ? null
                        : "the resumed file differs from the served one"
            });
            expect(resumed.kind, resumed.detail).toBe("clean");
        }
    );

    for (const signal of ["SIGKILL", "SIGINT", "SIGTERM"] as const)
        it.skipIf(!FULL && signal !== "SIGTERM")(
            `synth: ${signal} mid-write leaves no partial file${signal === "SIGKILL" ? " once the next run has started" : ""}`,
            async () => {
                const folder = join(dir, `synth-${signal}`);
                mkdirSync(folder);
                const output = join(folder, "twin.gguf");
                const killed = await runCase({
                    cls: "durability",
                    name: `synth ${signal} mid-write`,
                    args: ["synth", "--preset", "llama-3.2-1b", "-q", "Q8_0", "-o", output],
                    expect: "error",
                    // Mid-write: once the temp file exists (a quiet machine writes the whole twin in about a second).
                    signal: {name: signal, afterMs: 100, when: () => tempFiles(folder).length > 0},
                    checkFiles: () => {
                        // The whole twin may have been written before the signal; a partial one must never be there.
                        if (existsSync(output) && statSync(output).size !== TWIN_BYTES)
                            return "a partial twin has the final name";
                        if (signal !== "SIGKILL" && tempFiles(folder).length > 0)
                            return `temp files left: ${tempFiles(folder).join(", ")}`;
                        return null;
                    }
                });
                expect(killed.kind, killed.detail).toBe("clean");
                if (signal !== "SIGKILL") return;
                const next = await runCase({
                    cls: "durability",
                    name: "synth after kill -9",
                    args: ["synth", "--preset", "tiny-test", "-o", output],
                    expect: "ok",
                    checkFiles: () =>
                        tempFiles(folder).length > 0 ? `stale temp files left: ${tempFiles(folder).join(", ")}` : null
                });
                expect(next.kind, next.detail).toBe("clean");
            }
        );

    it.skipIf(!FULL)(
        "bench: kill -9 mid-suite leaves only valid result files, and the next bench in the same folder works",
        async () => {
            const folder = join(dir, "bench-kill");
            const sizes = "8,12,16,24,32,48,64,96,128,192,256,384";
            const benchArgs = (prompts: string) => [
                "bench",
                model,
                "-p",
                prompts,
                "-n",
                "0",
                "-r",
                "2",
                "--warmup",
                "0",
                "-t",
                "1",
                "--results-dir",
                folder
            ];
            const killed = await runCase({
                cls: "durability",
                name: "bench kill -9 mid-suite",
                args: benchArgs(sizes),
                expect: "error",
                timeoutMs: 60_000,
                // Mid-suite: a moment (0 to 2.5 s) after the first run is saved, different from run to run.
                signal: {name: "SIGKILL", afterMs: 500, when: afterFirstResult(folder, Math.random() * 2500)},
                checkFiles: () => resultFileProblem(folder, {tempAllowed: true})
            });
            expect(killed.kind, killed.detail).toBe("clean");
            const before = resultFiles(folder).length;
            expect(before, "the kill landed mid-suite").toBeGreaterThan(0);
            expect(before, "the kill landed mid-suite").toBeLessThan(sizes.split(",").length);
            const next = await runCase({
                cls: "durability",
                name: "bench after kill -9",
                args: benchArgs("8"),
                expect: "ok",
                timeoutMs: 60_000,
                checkFiles: () =>
                    resultFileProblem(folder, {tempAllowed: false}) ??
                    (resultFiles(folder).length === before + 1
                        ? null
                        : `${resultFiles(folder).length} result files after the re-run, expected ${before + 1}`)
            });
            expect(next.kind, next.detail).toBe("clean");
        }
    );

    it.skipIf(!FULL)("quality: kill -9 mid-run leaves no partial --output", async () => {
        const output = join(dir, "quality-kill.json");
        const outcome = await runCase({
            cls: "durability",
            name: "quality kill -9 mid-run",
            args: ["quality", model, model, model, "--ctx", "64", "--output", output],
            expect: "error",
            signal: {name: "SIGKILL", afterMs: 3000},
            checkFiles: () => {
                if (!existsSync(output)) return null;
                try {
                    JSON.parse(readFileSync(output, "utf8"));
                    return null;
                } catch {
                    return "a partial report has the final name";
                }
            }
        });
        expect(outcome.kind, outcome.detail).toBe("clean");
    });

    it.skipIf(!FULL)("quality: one candidate that aborts llama.cpp does not lose the others", async () => {
        const bad = ggufMutations(body, false).find((mutation) => mutation.name === "attention.head_count 0")!;
        const badPath = join(dir, "bad-candidate.gguf");
        writeFileSync(badPath, bad.bytes);
        const output = join(dir, "quality-bad.json");
        const outcome = await runCase({
            cls: "durability",
            name: "quality with one aborting candidate",
            args: ["quality", model, model, badPath, model, "--ctx", "16", "--chunks", "2", "--output", output],
            expect: "error",
            timeoutMs: 60_000,
            checkFiles: () => {
                if (!existsSync(output)) return "no report was saved";
                const report = JSON.parse(readFileSync(output, "utf8")) as {candidates?: {perplexity?: unknown}[]};
                const measured = (report.candidates ?? []).filter((candidate) => candidate.perplexity != null).length;
                return measured === 2 ? null : `the report holds ${measured} measured candidates, not 2`;
            }
        });
        expect(outcome.kind, outcome.detail).toBe("clean");
    });

    it.skipIf(full == null || !FULL)(
        "a full disk: synth and pull fail with one sentence and leave nothing behind",
        async () => {
            const folder = full!;
            const cases = [
                {
                    name: "synth onto a full disk",
                    args: ["synth", "--preset", "tiny-test", "-o", join(folder, "twin.gguf")],
                    final: "twin.gguf"
                },
                {
                    name: "pull onto a full disk",
                    args: ["pull", `${server.url}/good/model.gguf`, "--quiet", "--dir", folder],
                    final: "model.gguf"
                }
            ];
            // Nearly fill the disk first, so that what is left is smaller than any of the outputs.
            writeFileSync(join(folder, "filler"), Buffer.alloc(700 * 1024));
            for (const fuzzCase of cases) {
                const outcome = await runCase({
                    cls: "durability",
                    name: fuzzCase.name,
                    args: fuzzCase.args,
                    env,
                    expect: "error",
                    checkFiles: () => {
                        const left = readdirSync(folder).filter(
                            (entry) => entry !== "filler" && !entry.endsWith(".ipull")
                        );
                        return left.length > 0 ? `left on the full disk: ${left.join(", ")}` : null;
                    }
                });
                expect(outcome.kind, outcome.detail).toBe("clean");
            }
        }
    );

    it.skipIf(zero == null || !FULL)(
        "a full disk: quality --output and check --md are refused before any work (exit 73), and leave nothing behind",
        async () => {
            const folder = zero!;
            fillDisk(join(folder, "filler"));
            const issue = join(projectRoot, "examples/issues/local-inference-letter-14.md");
            const cases = [
                {
                    name: "quality --output onto a full disk",
                    args: ["quality", model, model, "--ctx", "16", "--chunks", "1", "--output", join(folder, "q.json")],
                    // Progress lines of a measurement: there must be none.
                    work: /chunk \d/
                },
                {
                    name: "check --md onto a full disk",
                    args: ["check", issue, "--offline", "--md", join(folder, "report.md")],
                    work: /^checking /m
                }
            ];
            for (const fuzzCase of cases) {
                const outcome = await runCase({
                    cls: "durability",
                    name: fuzzCase.name,
                    args: fuzzCase.args,
                    expect: "error",
                    exitCode: ExitCode.notSaved,
                    checkFiles: () => {
                        const left = readdirSync(folder).filter((entry) => entry !== "filler");
                        return left.length > 0 ? `left on the full disk: ${left.join(", ")}` : null;
                    }
                });
                expect(outcome.kind, outcome.detail).toBe("clean");
                expect(outcome.stderr, "refused before any work").not.toMatch(fuzzCase.work);
            }
        }
    );
});

/** Write zeros to `path` until the disk is full. */
function fillDisk(path: string): void {
    const fd = openSync(path, "w");
    const block = Buffer.alloc(4096);
    try {
        for (;;) writeSync(fd, block);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
    } finally {
        closeSync(fd);
    }
}
