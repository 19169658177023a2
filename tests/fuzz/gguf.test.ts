import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {readFileSync} from "node:fs";
import {afterAll, describe, expect, it} from "vitest";
import {ExitCode} from "../../src/util/exit-codes.js";
import {makeTestTwin} from "../helpers/models.js";
import {ggufMutations, type GgufMutation} from "./gguf-gen.js";
import {FULL, LONG, runCase, type FuzzCase} from "./harness.js";

/**
 * Malformed GGUF headers against every command that reads one: `inspect` (with its memory
 * estimate), `bench` and `quality` (a sample from --full, all of them in --long). An invalid structure is one sentence
 * and a non-zero exit; a valid structure that llama.cpp rejects may give header facts or a clean
 * error, never an abort, a hang or a stack trace.
 */

const dir = mkdtempSync(join(tmpdir(), "llmproof-fuzz-gguf-"));
// Top-level await: the case list must exist when vitest collects the tests.
const goodPath = await makeTestTwin({quant: "Q8_0"});
const mutations: (GgufMutation & {path: string})[] = ggufMutations(readFileSync(goodPath), LONG).map(
    (mutation, index) => {
        const path = join(dir, `m${String(index).padStart(3, "0")}.gguf`);
        writeFileSync(path, mutation.bytes);
        return {...mutation, path};
    }
);
afterAll(() => rmSync(dir, {recursive: true, force: true}));

function caseFor(mutation: GgufMutation & {path: string}, command: string[]): FuzzCase {
    return {
        cls: "gguf",
        name: `${command[0]} ${mutation.name}`,
        args: [...command, mutation.path],
        expect: mutation.kind === "invalid" ? "error" : "either",
        timeoutMs: 30_000
    };
}

const QUICK = new RegExp(
    [
        "^(truncated at byte (8|24)|version 4|big-endian|key length 2147483653|array length 2\\^27|n_dims 2\\^31",
        "tensor type 40|alignment 0|duplicate tensor names|architecture missing|attention.head_count 0)"
    ].join("|")
);
const indexed = mutations
    .map((mutation, index) => [index, mutation.name] as const)
    .filter(([, name]) => FULL || QUICK.test(name));
/** quality loads the native engine per case: a handful by default, all of them in the long run. */
const sampled = LONG
    ? indexed
    : (FULL ? indexed : []).filter(([, name]) =>
          /key length 2147483653|n_dims 2\^31|array length 2\^27|block_count|head_count 0|empty token list/.test(name)
      );

describe.concurrent("fuzz: malformed GGUF", () => {
    it.each(indexed)("inspect: %i %s", async (index) => {
        const outcome = await runCase(caseFor(mutations[index]!, ["inspect"]));
        expect(outcome.kind, outcome.detail).toBe("clean");
    });
    // bench records a model it cannot read (or that llama.cpp rejects) as failed rows; when every run
    // failed it ends with one sentence naming the model and the reason, and exit 4.
    it.each(FULL ? sampled : indexed.filter(([, name]) => /key length 2147483653/.test(name)))(
        "bench: %i %s",
        async (index) => {
            const mutation = mutations[index]!;
            const outcome = await runCase({
                ...caseFor(mutation, ["bench", "-p", "8", "-n", "4", "-r", "1", "--warmup", "0", "--no-save"]),
                exitCode: mutation.kind === "invalid" ? ExitCode.measurementFailed : undefined
            });
            expect(outcome.kind, outcome.detail).toBe("clean");
        }
    );
    it.each(sampled)("quality: %i %s", async (index) => {
        const mutation = mutations[index]!;
        const outcome = await runCase({
            ...caseFor(mutation, ["quality"]),
            args: ["quality", goodPath, mutation.path, "--ctx", "16", "--chunks", "1"]
        });
        expect(outcome.kind, outcome.detail).toBe("clean");
    });
});
