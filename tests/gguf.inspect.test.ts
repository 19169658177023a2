import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {existsSync} from "node:fs";
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {inspectGguf, splitPartSources} from "../src/gguf/inspect.js";
import {GgufFactsSchema, type GgufFacts} from "../src/gguf/facts.js";
import {ggmlTypeByName, tensorBytes} from "../src/gguf/ggml-types.js";
// Imported under another name: vitest's transform confuses a binding called `meta` with `import.meta`.
import {meta as entry, writeGguf, type GgufMetadataEntry, type GgufWriteResult} from "../src/gguf/writer.js";
import {UserError} from "../src/util/errors.js";
import {startRangeServer, type RangeServer} from "./helpers/range-server.js";
import {makeTestTwinReport} from "./helpers/models.js";

const STORIES_260K = resolve(dirname(fileURLToPath(import.meta.url)), "../../shared/models/stories260K.gguf");

interface TensorPlan {
    name: string;
    dimensions: number[];
    type: string;
}

/**
 * A GGUF with the given tensors (zero-filled: inspect reads only the header) written by the project's
 * GGUF writer, so every expectation below is computed from the plan, not read back from the file.
 */
async function writePlannedGguf(
    path: string,
    tensors: TensorPlan[],
    metadata: GgufMetadataEntry[]
): Promise<GgufWriteResult> {
    return await writeGguf(path, {
        metadata,
        tensors: tensors.map((tensor) => ({
            ...tensor,
            data: () => [new Uint8Array(plannedBytes(tensor))]
        }))
    });
}

function plannedElements(tensor: TensorPlan): number {
    return tensor.dimensions.reduce((product, dimension) => product * dimension, 1);
}

function plannedBytes(tensor: TensorPlan): number {
    return tensorBytes(ggmlTypeByName(tensor.type)!, plannedElements(tensor));
}

function llamaMetadata(extra: GgufMetadataEntry[] = []): GgufMetadataEntry[] {
    return [
        entry.string("general.architecture", "llama"),
        entry.string("general.name", "inspect test model"),
        entry.u32("llama.context_length", 1024),
        entry.u32("llama.embedding_length", 256),
        entry.u32("llama.block_count", 2),
        entry.u32("llama.vocab_size", 96),
        ...extra
    ];
}

/** A small dense llama-like tensor set with several ggml types (K-quant rows are multiples of 256). */
const MIXED_TENSORS: TensorPlan[] = [
    {name: "token_embd.weight", dimensions: [256, 96], type: "Q8_0"},
    {name: "output_norm.weight", dimensions: [256], type: "F32"},
    {name: "output.weight", dimensions: [256, 96], type: "Q6_K"},
    ...[0, 1].flatMap((layer) => [
        {name: `blk.${layer}.attn_norm.weight`, dimensions: [256], type: "F32"},
        {name: `blk.${layer}.attn_q.weight`, dimensions: [256, 256], type: "Q4_0"},
        {name: `blk.${layer}.attn_k.weight`, dimensions: [256, 64], type: "Q4_0"},
        {name: `blk.${layer}.attn_v.weight`, dimensions: [256, 64], type: "F16"},
        {name: `blk.${layer}.attn_output.weight`, dimensions: [256, 256], type: "Q4_0"},
        {name: `blk.${layer}.ffn_norm.weight`, dimensions: [256], type: "F32"},
        {name: `blk.${layer}.ffn_gate.weight`, dimensions: [256, 512], type: "Q4_K"},
        {name: `blk.${layer}.ffn_up.weight`, dimensions: [256, 512], type: "Q4_K"},
        {name: `blk.${layer}.ffn_down.weight`, dimensions: [512, 256], type: "Q6_K"}
    ])
];

/** Expected per-type sums, computed from the plan alone. */
function expectedTypeMix(tensors: TensorPlan[]): Map<string, {tensors: number; parameters: number; bytes: number}> {
    const mix = new Map<string, {tensors: number; parameters: number; bytes: number}>();
    for (const tensor of tensors) {
        const entry = mix.get(tensor.type) ?? {tensors: 0, parameters: 0, bytes: 0};
        entry.tensors++;
        entry.parameters += plannedElements(tensor);
        entry.bytes += plannedBytes(tensor);
        mix.set(tensor.type, entry);
    }
    return mix;
}

function sum(values: number[]): number {
    return values.reduce((total, value) => total + value, 0);
}

/** The facts that do not depend on where the file was read from. */
function headerFacts(facts: GgufFacts): Partial<GgufFacts> {
    const {source: _source, fileName: _fileName, remote: _remote, parts: _parts, ...rest} = facts;
    return rest;
}

let dir: string;
let mixedPath: string;
let mixed: GgufWriteResult;
beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "llmproof-inspect-"));
    mixedPath = join(dir, "mixed.gguf");
    mixed = await writePlannedGguf(mixedPath, MIXED_TENSORS, llamaMetadata([entry.u32("general.file_type", 15)]));
});
afterAll(async () => {
    await rm(dir, {recursive: true, force: true});
});

describe("inspectGguf on synth shape-twins", () => {
    /** llama_ftype names, as llama.cpp spells them, for the file_type each recipe writes. */
    const cases: [preset: string, quant: string, fileType: string][] = [
        ["tiny-test", "F32", "ALL_F32"],
        ["tiny-test", "F16", "MOSTLY_F16"],
        ["tiny-test", "BF16", "MOSTLY_BF16"],
        ["tiny-test", "Q8_0", "MOSTLY_Q8_0"],
        ["tiny-test", "Q4_0", "MOSTLY_Q4_0"],
        ["tiny-test", "Q4_K", "MOSTLY_Q4_K_S"],
        ["tiny-test", "Q6_K", "MOSTLY_Q6_K"],
        ["tiny-test", "Q4_K_M", "MOSTLY_Q4_K_M"],
        ["tiny-qwen2", "Q8_0", "MOSTLY_Q8_0"]
    ];
    it.each(cases)(
        "%s %s: reports the parameter count, types and sizes the writer put in",
        async (preset, quant, fileType) => {
            const report = await makeTestTwinReport({preset, quant});
            const facts = await inspectGguf(report.path);

            expect(facts.parameterCount).toBe(report.parameterCount);
            expect(facts.tensorCount).toBe(report.tensorCount);
            expect(facts.fileBytes).toBe(report.fileBytes);
            expect(facts.headerBytes).toBe(report.headerBytes);
            // The writer counts the tensor data with its alignment padding; inspect counts the tensors alone.
            expect(facts.fileBytes - facts.headerBytes!).toBe(report.tensorDataBytes);
            expect(facts.tensorDataBytes).toBe(sum(report.typeMix.map((mix) => mix.bytes)));
            const byType = (a: {type: string}, b: {type: string}) => a.type.localeCompare(b.type);
            expect(
                facts.tensorTypes
                    .map(({type, tensors, parameters, bytes}) => ({type, tensors, parameters, bytes}))
                    .sort(byType)
            ).toEqual([...report.typeMix].sort(byType));
            expect(facts.fileType).toBe(fileType);
            expect(facts.architecture).toBe(report.shape.architecture);
            expect(facts.modelName).toBe(report.name);
            expect(facts.contextLength).toBe(report.shape.contextLength);
            expect(facts.vocabularySize).toBe(report.shape.vocabSize);
            expect(facts.layerCount).toBe(report.shape.layers);
            expect(facts.embeddingLength).toBe(report.shape.hiddenSize);
            expect(facts.description).toMatch(/random/i);
        }
    );

    it("estimates memory with node-llama-cpp for a stated context size", async () => {
        const report = await makeTestTwinReport({preset: "tiny-test", quant: "Q8_0"});
        const small = (await inspectGguf(report.path, {memoryEstimate: {contextSize: 64}})).memoryEstimate!;
        const large = (await inspectGguf(report.path, {memoryEstimate: {contextSize: 256}})).memoryEstimate!;
        expect(small.contextSize).toBe(64);
        expect(small.gpuLayers).toBe(0);
        expect(small.vramBytes).toBe(0);
        expect(small.model!.ramBytes).toBeGreaterThanOrEqual(report.tensorDataBytes * 0.9);
        expect(small.ramBytes).toBe(small.model!.ramBytes + small.context!.ramBytes);
        // A longer context needs a larger KV cache; the weights stay the same.
        expect(large.context!.ramBytes).toBeGreaterThan(small.context!.ramBytes);
        expect(large.model!.ramBytes).toBe(small.model!.ramBytes);
        // Without a stated size the estimate uses the model's own context when it is under 4096.
        expect((await inspectGguf(report.path, {memoryEstimate: {}})).memoryEstimate!.contextSize).toBe(
            report.shape.contextLength
        );
    });
});

describe("inspectGguf on files written by the GGUF writer", () => {
    it("reports exactly the parameters, types, sizes and metadata the writer put in", async () => {
        const written = mixed;
        const facts = await inspectGguf(mixedPath);

        const parameters = sum(MIXED_TENSORS.map(plannedElements));
        const tensorData = sum(MIXED_TENSORS.map(plannedBytes));
        expect(GgufFactsSchema.safeParse(facts).success).toBe(true);
        expect(facts.parameterCount).toBe(parameters);
        expect(facts.tensorCount).toBe(MIXED_TENSORS.length);
        expect(facts.fileBytes).toBe(written.fileBytes);
        expect(facts.headerBytes).toBe(written.headerBytes);
        expect(facts.tensorDataBytes).toBe(tensorData);
        expect(facts.splitParts).toBe(1);
        expect(facts.remote).toBe(false);

        const mix = expectedTypeMix(MIXED_TENSORS);
        expect(facts.tensorTypes.map((share) => share.type).sort()).toEqual([...mix.keys()].sort());
        for (const share of facts.tensorTypes) {
            const expected = mix.get(share.type)!;
            expect(share).toMatchObject(expected);
            expect(share.parameterShare).toBeCloseTo(expected.parameters / parameters, 12);
            expect(share.byteShare).toBeCloseTo(expected.bytes / tensorData, 12);
        }
        // Listed largest first.
        expect(facts.tensorTypes.map((share) => share.bytes)).toEqual(
            [...facts.tensorTypes.map((share) => share.bytes)].sort((a, b) => b - a)
        );

        expect(facts.bitsPerWeight.file).toBeCloseTo((written.fileBytes * 8) / parameters, 12);
        expect(facts.bitsPerWeight.tensorData).toBeCloseTo((tensorData * 8) / parameters, 12);
        expect(facts.sizeAt).toEqual({f32Bytes: parameters * 4, f16Bytes: parameters * 2});
        expect(facts.reduction.vsF32).toBeCloseTo(1 - tensorData / (parameters * 4), 12);
        expect(facts.reduction.vsF16).toBeCloseTo(1 - tensorData / (parameters * 2), 12);

        expect(facts.architecture).toBe("llama");
        expect(facts.modelName).toBe("inspect test model");
        expect(facts.fileType).toBe("MOSTLY_Q4_K_M");
        expect(facts.fileTypeLabel).toBe("Q4_K_M");
        expect(facts.contextLength).toBe(1024);
        expect(facts.embeddingLength).toBe(256);
        expect(facts.layerCount).toBe(2);
        expect(facts.vocabularySize).toBe(96);
        expect(facts.moe).toBeNull();
        expect(facts.memoryEstimate).toBeNull();
    });

    it("counts routed experts as used/count active and shared experts as always active", async () => {
        const expertCount = 8;
        const expertsUsed = 2;
        const tensors: TensorPlan[] = [
            {name: "token_embd.weight", dimensions: [64, 96], type: "F16"},
            {name: "output_norm.weight", dimensions: [64], type: "F32"},
            {name: "blk.0.attn_q.weight", dimensions: [64, 64], type: "Q8_0"},
            {name: "blk.0.ffn_gate_inp.weight", dimensions: [64, expertCount], type: "F32"},
            {name: "blk.0.ffn_gate_exps.weight", dimensions: [64, 32, expertCount], type: "Q4_0"},
            {name: "blk.0.ffn_up_exps.weight", dimensions: [64, 32, expertCount], type: "Q4_0"},
            {name: "blk.0.ffn_down_exps.weight", dimensions: [32, 64, expertCount], type: "Q8_0"},
            {name: "blk.0.ffn_gate_shexp.weight", dimensions: [64, 32], type: "Q8_0"},
            {name: "blk.0.ffn_down_shexp.weight", dimensions: [32, 64], type: "Q8_0"}
        ];
        const path = join(dir, "moe.gguf");
        await writePlannedGguf(
            path,
            tensors,
            llamaMetadata([
                entry.u32("llama.expert_count", expertCount),
                entry.u32("llama.expert_used_count", expertsUsed)
            ])
        );
        const facts = await inspectGguf(path);

        const routed = sum(tensors.filter((tensor) => tensor.name.includes("_exps.")).map(plannedElements));
        const all = sum(tensors.map(plannedElements));
        expect(facts.parameterCount).toBe(all);
        expect(facts.moe).toEqual({
            expertCount,
            expertsUsed,
            expertParameters: routed,
            activeParameters: all - routed + (routed * expertsUsed) / expertCount
        });
    });

    it("treats split files as one model, whichever part is named", async () => {
        const parts = [MIXED_TENSORS.slice(0, 5), MIXED_TENSORS.slice(5, 12), MIXED_TENSORS.slice(12)];
        const written: GgufWriteResult[] = [];
        for (const [index, tensors] of parts.entries()) {
            const splitMetadata = [
                {key: "split.no", value: {kind: "u16", value: index}},
                {key: "split.count", value: {kind: "u16", value: parts.length}},
                {key: "split.tensors.count", value: {kind: "i32", value: MIXED_TENSORS.length}}
            ] satisfies GgufMetadataEntry[];
            const metadata = index === 0 ? llamaMetadata(splitMetadata) : splitMetadata;
            written.push(await writePlannedGguf(join(dir, `split-0000${index + 1}-of-00003.gguf`), tensors, metadata));
        }
        const whole = await inspectGguf(mixedPath);
        for (const named of ["split-00001-of-00003.gguf", "split-00002-of-00003.gguf"]) {
            const facts = await inspectGguf(join(dir, named));
            expect(facts.splitParts).toBe(3);
            expect(facts.parts?.map((part) => part.bytes)).toEqual(written.map((result) => result.fileBytes));
            expect(facts.fileBytes).toBe(sum(written.map((result) => result.fileBytes)));
            expect(facts.headerBytes).toBe(written[0]!.headerBytes);
            expect(facts.tensorCount).toBe(MIXED_TENSORS.length);
            expect(facts.parameterCount).toBe(whole.parameterCount);
            expect(facts.tensorDataBytes).toBe(whole.tensorDataBytes);
            expect(facts.tensorTypes).toEqual(whole.tensorTypes);
            expect(facts.contextLength).toBe(1024);
        }
    });

    it("names the missing part of a split model", async () => {
        await writePlannedGguf(join(dir, "broken-00001-of-00002.gguf"), MIXED_TENSORS.slice(0, 3), llamaMetadata());
        await expect(inspectGguf(join(dir, "broken-00001-of-00002.gguf"))).rejects.toThrow(
            /^No such file: .*broken-00002-of-00002\.gguf \(part 2 of 2\)$/
        );
    });

    it("rejects missing, non-GGUF and truncated files with one sentence", async () => {
        const good = await readFile(mixedPath);
        const headerBytes = (await inspectGguf(mixedPath)).headerBytes!;
        await writeFile(join(dir, "notes.gguf"), "these are not the weights you are looking for\n");
        await writeFile(join(dir, "cut-header.gguf"), good.subarray(0, Math.floor(headerBytes / 2)));
        await writeFile(join(dir, "cut-data.gguf"), good.subarray(0, good.length - 100));

        const cases: [string, RegExp][] = [
            ["absent.gguf", /^No such file: .*absent\.gguf$/],
            ["notes.gguf", /notes\.gguf is not a GGUF file/],
            [
                "cut-header.gguf",
                /cut-header\.gguf is truncated or corrupt \((it ends inside|the header declares|.* claims \d+ bytes but only)/
            ],
            [
                "cut-data.gguf",
                /cut-data\.gguf is truncated or corrupt \(tensor \S+ ends at byte \d+ but the file has \d+\)/
            ]
        ];
        for (const [name, message] of cases) {
            const error = await inspectGguf(join(dir, name)).then(
                () => undefined,
                (thrown: unknown) => thrown
            );
            expect(error, name).toBeInstanceOf(UserError);
            expect((error as Error).message, name).toMatch(message);
            expect((error as Error).message, name).not.toContain("\n");
        }
    });
});

describe("inspectGguf over HTTP", () => {
    let server: RangeServer;
    let bigPath: string;
    let big: GgufWriteResult;
    // Large enough that the header read (the header plus at most 1 MiB of read-ahead) is a small part of it.
    const bigTensors: TensorPlan[] = [
        ...MIXED_TENSORS,
        {name: "blk.9.ffn_up.weight", dimensions: [4096, 1024], type: "F32"},
        {name: "blk.9.ffn_down.weight", dimensions: [4096, 1024], type: "F32"}
    ];

    beforeAll(async () => {
        bigPath = join(dir, "remote", "big.gguf");
        big = await writePlannedGguf(bigPath, bigTensors, llamaMetadata([entry.u32("general.file_type", 0)]));
        server = await startRangeServer({
            rootDir: join(dir, "remote"),
            routes: {"/split-00001-of-00003.gguf": {file: join(dir, "split-00001-of-00003.gguf")}}
        });
    });
    afterAll(async () => {
        await server?.close();
    });

    it("reads only the header of a remote file and reports the same facts as locally", async () => {
        const before = server.bytesServed("/big.gguf");
        const remote = await inspectGguf(`${server.url}/big.gguf`);
        const local = await inspectGguf(bigPath);
        const served = server.bytesServed("/big.gguf") - before;

        expect(remote.remote).toBe(true);
        expect(remote.fileName).toBe("big.gguf");
        expect(remote.fileBytes).toBe(big.fileBytes);
        expect(headerFacts(remote)).toEqual(headerFacts(local));
        expect(served).toBeGreaterThanOrEqual(big.headerBytes);
        // The bounded reader fetches the header in windows of 1 MiB: at most one window past its end.
        expect(served).toBeLessThanOrEqual(big.headerBytes + 2 ** 20);
        // The size came from a HEAD request, which sends no body.
        expect(server.requests.some((request) => request.path === "/big.gguf" && request.method === "HEAD")).toBe(true);
    });

    it("reads every part of a remote split model", async () => {
        for (const part of [2, 3])
            server.setRoute(`/split-0000${part}-of-00003.gguf`, {file: join(dir, `split-0000${part}-of-00003.gguf`)});
        const remote = await inspectGguf(`${server.url}/split-00001-of-00003.gguf`);
        const local = await inspectGguf(join(dir, "split-00001-of-00003.gguf"));
        expect(remote.splitParts).toBe(3);
        expect(headerFacts(remote)).toEqual(headerFacts(local));
    });

    it("turns HTTP errors into a sentence with the status", async () => {
        server.setRoute("/gated.gguf", {body: "no", status: 403});
        await expect(inspectGguf(`${server.url}/missing.gguf`)).rejects.toThrow(
            /Could not read http:\/\/127\.0\.0\.1:\d+\/missing\.gguf: the server answered HTTP 404/
        );
        await expect(inspectGguf(`${server.url}/gated.gguf`)).rejects.toThrow(/HTTP 403.*access denied/);
    });
});

describe("inspectGguf on real llama.cpp files", () => {
    it.skipIf(!existsSync(STORIES_260K))("stories260K: 292,800 F32 parameters in 1,185,376 bytes", async () => {
        const facts = await inspectGguf(STORIES_260K);
        expect(facts.parameterCount).toBe(292_800);
        expect(facts.fileBytes).toBe(1_185_376);
        expect(facts.tensorCount).toBe(48);
        expect(facts.tensorTypes).toEqual([
            {type: "F32", tensors: 48, parameters: 292_800, bytes: 1_171_200, parameterShare: 1, byteShare: 1}
        ]);
        expect(facts.headerBytes).toBe(1_185_376 - 1_171_200);
        expect(facts.bitsPerWeight.tensorData).toBe(32);
        expect(facts.reduction).toEqual({vsF32: 0, vsF16: -1});
        expect(facts.architecture).toBe("llama");
        expect(facts.contextLength).toBe(2048);
        expect(facts.vocabularySize).toBe(512);
        expect(facts.layerCount).toBe(5);
        expect(facts.embeddingLength).toBe(64);
        expect(facts.fileType).toBeNull();
        expect(facts.moe).toBeNull();
    });
});

describe("splitPartSources", () => {
    it("lists every part of a split name, for paths and URLs", () => {
        expect(splitPartSources("/m/a-00002-of-00003.gguf")).toEqual([
            "/m/a-00001-of-00003.gguf",
            "/m/a-00002-of-00003.gguf",
            "/m/a-00003-of-00003.gguf"
        ]);
        expect(splitPartSources("https://example.org/x/a-00001-of-00002.gguf?download=1")).toEqual([
            "https://example.org/x/a-00001-of-00002.gguf?download=1",
            "https://example.org/x/a-00002-of-00002.gguf?download=1"
        ]);
        expect(splitPartSources("/m/plain.gguf")).toEqual(["/m/plain.gguf"]);
        expect(splitPartSources("/m/odd-00004-of-00003.gguf")).toEqual(["/m/odd-00004-of-00003.gguf"]);
    });
});
