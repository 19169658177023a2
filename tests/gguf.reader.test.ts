import {readFileSync} from "node:fs";
import {describe, expect, it} from "vitest";
import {readGgufStructure, type ByteSource} from "../src/gguf/reader.js";
import {UserError} from "../src/util/errors.js";
import {ggufMutations, parseGguf, serializeGguf} from "./fuzz/gguf-gen.js";
import {makeTestTwin} from "./helpers/models.js";

/** The bounded reader in-process, over every mutation of the fuzz generator (the long set: every field boundary). */

function bufferSource(bytes: Buffer, label = "test.gguf"): ByteSource & {reads: number} {
    const source = {
        label,
        size: bytes.length,
        reads: 0,
        async read(position: number, length: number) {
            source.reads++;
            // Yield to the event loop, as a real read does, so that a long loop of cases never starves vitest's RPC.
            await new Promise((resolve) => setImmediate(resolve));
            return bytes.subarray(position, Math.min(bytes.length, position + length));
        },
        close: async () => undefined
    };
    return source;
}

const original = readFileSync(await makeTestTwin({quant: "Q8_0"}));

describe("readGgufStructure", () => {
    it("reads a valid file: version, architecture, every key and tensor, the data offset", async () => {
        const structure = await readGgufStructure(bufferSource(original));
        const spec = parseGguf(original);
        expect(structure.version).toBe(3);
        expect(structure.architecture).toBe("llama");
        expect(structure.entries.map((entry) => entry.key)).toEqual(spec.kvs.map((kv) => kv.key.toString()));
        expect(structure.tensors.map((tensor) => tensor.name)).toEqual(
            spec.tensors.map((tensor) => tensor.name.toString())
        );
        expect(structure.dataOffset).toBe(original.length - spec.data.length);
        expect(structure.stringsExact).toBe(true);
    });

    const mutations = ggufMutations(original, true);
    it("refuses every structurally invalid mutation with one sentence naming the file", async () => {
        const invalid = mutations.filter((mutation) => mutation.kind === "invalid");
        expect(invalid.length).toBeGreaterThan(100);
        const problems: string[] = [];
        for (const mutation of invalid) {
            const error = await readGgufStructure(bufferSource(mutation.bytes, "bad.gguf")).catch(
                (caught: unknown) => caught
            );
            if (!(error instanceof UserError))
                problems.push(`${mutation.name}: ${error instanceof Error ? error.message : "accepted"}`);
            else if (!/^bad\.gguf (is|has) /.test(error.message) || error.message.includes("\n"))
                problems.push(`${mutation.name}: ${error.message}`);
        }
        expect(problems).toEqual([]);
    });

    it("never reads more than the file for any mutation (counts and lengths checked before reading)", async () => {
        for (const mutation of mutations) {
            const source = bufferSource(mutation.bytes);
            await readGgufStructure(source).catch(() => undefined);
            // One window read per MiB of header at most, whatever the declared counts.
            expect(source.reads).toBeLessThanOrEqual(2 + Math.ceil(mutation.bytes.length / 2 ** 20));
        }
    });

    it("accepts the structurally valid files that only llama.cpp can judge (they go to a native child)", async () => {
        for (const mutation of mutations.filter((candidate) =>
            /block_count|head_count|embedding_length|context_length|empty token/.test(candidate.name)
        ))
            await expect(readGgufStructure(bufferSource(mutation.bytes))).resolves.toBeTruthy();
    });

    it("round-trips through the generator's own serializer (the oracle agrees with the reader)", async () => {
        const {bytes} = serializeGguf(parseGguf(original));
        const structure = await readGgufStructure(bufferSource(bytes));
        expect(structure.tensors.length).toBe(parseGguf(original).tensors.length);
    });
});
