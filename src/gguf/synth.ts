import {readFile} from "node:fs/promises";
import {resolve as resolvePath} from "node:path";
import {z} from "zod";
import {parse as parseYaml} from "yaml";
import {writeGguf, planGguf, meta} from "./writer.js";
import type {GgufMetadataEntry, GgufTensorSpec} from "./writer.js";
import {byteTokenizerMetadata} from "./tokenizer.js";
import {
    resolveShape,
    twinTensors,
    planTensorTypes,
    findQuantRecipe,
    parameterCount,
    tensorElements
} from "./twin-layout.js";
import type {ResolvedShape, TwinTensor, TypeFallback} from "./twin-layout.js";
import {
    SeededRandom,
    randomBlocks,
    randomBlockBytes,
    isRandomBlockType,
    encodeExact,
    TWIN_WEIGHT_STD,
    EXACT_TYPES
} from "./quantize.js";
import type {RandomBlockType, ExactType} from "./quantize.js";
import {ModelShapeSchema} from "./shape.js";
import type {ModelShape, ModelShapeInput} from "./shape.js";
import {findShapePreset} from "./shape-presets.js";
import {ggmlTypeByName, tensorBytes} from "./ggml-types.js";
import {UserError, errorMessage} from "../util/errors.js";
import {formatBytes, formatCount, formatPercent} from "../util/units.js";

/** What `llmproof synth` reports about the file it wrote. */
export const TwinTypeMixSchema = z.object({
    type: z.string(),
    tensors: z.number().int().nonnegative(),
    parameters: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative()
});

export const TypeFallbackSchema = z.object({
    tensor: z.string(),
    rowLength: z.number().int().positive(),
    wanted: z.string(),
    used: z.string(),
    reason: z.string()
});

export const TwinReportSchema = z.object({
    path: z.string(),
    name: z.string(),
    architecture: z.string(),
    quant: z.string(),
    /** llama_ftype written as general.file_type */
    fileType: z.number().int().nonnegative(),
    /** null when the weights were given rather than random */
    seed: z.number().int().nullable(),
    fileBytes: z.number().int().nonnegative(),
    headerBytes: z.number().int().nonnegative(),
    tensorDataBytes: z.number().int().nonnegative(),
    parameterCount: z.number().int().nonnegative(),
    tensorCount: z.number().int().nonnegative(),
    typeMix: z.array(TwinTypeMixSchema),
    fallbacks: z.array(TypeFallbackSchema),
    shape: z.object({
        architecture: z.string(),
        hiddenSize: z.number().int(),
        layers: z.number().int(),
        heads: z.number().int(),
        kvHeads: z.number().int(),
        headDim: z.number().int(),
        ffnSize: z.number().int(),
        vocabSize: z.number().int(),
        contextLength: z.number().int(),
        tiedEmbeddings: z.boolean(),
        qkvBias: z.boolean(),
        ropeTheta: z.number(),
        rmsNormEps: z.number()
    }),
    writeSeconds: z.number().nonnegative()
});

export type TwinReport = z.infer<typeof TwinReportSchema>;
export type TwinTypeMix = z.infer<typeof TwinTypeMixSchema>;

export interface WriteTwinOptions {
    shape: ModelShapeInput;
    /** A recipe name from TWIN_QUANT_NAMES (or an alias such as Q8_0-F32-norms). */
    quant: string;
    outputPath: string;
    seed?: number;
    /** general.name; defaults to "<architecture> twin". */
    name?: string;
}

export const TWIN_DEFAULT_SEED = 42;

/** The general.* and <arch>.* metadata llama.cpp reads for these architectures, plus the tokenizer. */
function modelMetadata(
    shape: ResolvedShape,
    options: {
        name: string;
        description: string;
        fileType: number;
        quantized: boolean;
        extra?: GgufMetadataEntry[];
    }
): GgufMetadataEntry[] {
    const arch = shape.architecture;
    const entries: GgufMetadataEntry[] = [
        meta.string("general.architecture", arch),
        meta.string("general.type", "model"),
        meta.string("general.name", options.name),
        meta.string("general.description", options.description),
        meta.u32("general.file_type", options.fileType)
    ];
    if (options.quantized) entries.push(meta.u32("general.quantization_version", 2));
    entries.push(
        meta.u32(`${arch}.vocab_size`, shape.vocabSize),
        meta.u32(`${arch}.context_length`, shape.contextLength),
        meta.u32(`${arch}.embedding_length`, shape.hiddenSize),
        meta.u32(`${arch}.block_count`, shape.layers),
        meta.u32(`${arch}.feed_forward_length`, shape.ffnSize),
        meta.u32(`${arch}.attention.head_count`, shape.heads),
        meta.u32(`${arch}.attention.head_count_kv`, shape.kvHeads),
        meta.f32(`${arch}.attention.layer_norm_rms_epsilon`, shape.rmsNormEps),
        meta.f32(`${arch}.rope.freq_base`, shape.ropeTheta),
        meta.u32(`${arch}.rope.dimension_count`, shape.headDim)
    );
    // Written only when head_dim is not hidden / heads (as convert_hf_to_gguf does), since it
    // changes the q/k/v and output projection shapes.
    if (shape.headDim * shape.heads !== shape.hiddenSize || arch === "qwen3")
        entries.push(
            meta.u32(`${arch}.attention.key_length`, shape.headDim),
            meta.u32(`${arch}.attention.value_length`, shape.headDim)
        );
    entries.push(...byteTokenizerMetadata(shape.vocabSize));
    entries.push(...(options.extra ?? []));
    return entries;
}

function typeMixOf(tensors: readonly TwinTensor[], types: ReadonlyMap<string, string>): TwinTypeMix[] {
    const mix = new Map<string, TwinTypeMix>();
    for (const tensor of tensors) {
        const type = types.get(tensor.name)!;
        const info = ggmlTypeByName(type)!;
        const elements = tensorElements(tensor);
        const entry = mix.get(type) ?? {type, tensors: 0, parameters: 0, bytes: 0};
        entry.tensors++;
        entry.parameters += elements;
        entry.bytes += tensorBytes(info, elements);
        mix.set(type, entry);
    }
    return [...mix.values()].sort((a, b) => b.bytes - a.bytes);
}

function shapeReport(shape: ResolvedShape): TwinReport["shape"] {
    return {
        architecture: shape.architecture,
        hiddenSize: shape.hiddenSize,
        layers: shape.layers,
        heads: shape.heads,
        kvHeads: shape.kvHeads,
        headDim: shape.headDim,
        ffnSize: shape.ffnSize,
        vocabSize: shape.vocabSize,
        contextLength: shape.contextLength,
        tiedEmbeddings: shape.tiedEmbeddings,
        qkvBias: shape.qkvBias,
        ropeTheta: shape.ropeTheta,
        rmsNormEps: shape.rmsNormEps
    };
}

/** File-system failures (no such folder, no permission, disk full) are the user's to fix. */
async function writeGgufOrExplain(path: string, metadata: GgufMetadataEntry[], tensors: GgufTensorSpec[]) {
    try {
        return await writeGguf(resolvePath(path), {metadata, tensors});
    } catch (error) {
        if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string")
            throw new UserError(`Cannot write ${path}: ${errorMessage(error)}.`, {cause: error});
        throw error;
    }
}

/** About 1 MiB of valid random blocks per type; tensors are streamed as slices of it from random offsets. */
const POOL_TARGET_BYTES = 1 << 20;

class RandomBlockPools {
    private readonly pools = new Map<RandomBlockType, Buffer>();

    constructor(private readonly random: SeededRandom) {}

    pool(type: RandomBlockType): Buffer {
        let pool = this.pools.get(type);
        if (!pool) {
            const blockCount = Math.max(1, Math.floor(POOL_TARGET_BYTES / randomBlockBytes(type)));
            pool = randomBlocks(type, blockCount, this.random);
            this.pools.set(type, pool);
        }
        return pool;
    }

    /** Exactly `bytes` bytes of valid `type` blocks, as slices of the pool (no copies). */
    *chunks(type: RandomBlockType, bytes: number): Generator<Uint8Array> {
        const pool = this.pool(type);
        const blockBytes = randomBlockBytes(type);
        const poolBlocks = pool.length / blockBytes;
        let remaining = bytes;
        while (remaining > 0) {
            const start = this.random.int(poolBlocks) * blockBytes;
            const length = Math.min(remaining, pool.length - start);
            yield pool.subarray(start, start + length);
            remaining -= length;
        }
    }
}

function* repeatedF32(value: number, count: number): Generator<Uint8Array> {
    const chunkValues = 1 << 16;
    const chunk = Buffer.alloc(Math.min(count, chunkValues) * 4);
    for (let i = 0; i < chunk.length; i += 4) chunk.writeFloatLE(value, i);
    let remaining = count;
    while (remaining > 0) {
        const values = Math.min(remaining, chunkValues);
        yield chunk.subarray(0, values * 4);
        remaining -= values;
    }
}

function prepareTwin(options: Omit<WriteTwinOptions, "outputPath">) {
    const shape = resolveShape(options.shape);
    const recipe = findQuantRecipe(options.quant);
    const seed = options.seed ?? TWIN_DEFAULT_SEED;
    const tensors = twinTensors(shape);
    const plan = planTensorTypes(shape, tensors, recipe);
    const random = new SeededRandom(seed);
    const pools = new RandomBlockPools(random);
    const name = options.name ?? `${shape.architecture} twin`;

    const specs: GgufTensorSpec[] = tensors.map((tensor) => {
        const type = plan.types.get(tensor.name)!;
        const info = ggmlTypeByName(type)!;
        const elements = tensorElements(tensor);
        return {
            name: tensor.name,
            dimensions: tensor.dimensions,
            type: info,
            data: () => {
                if (tensor.kind === "norm" && type === "F32") return repeatedF32(1, elements);
                if (!isRandomBlockType(type))
                    throw new Error(`no random block generator for ${type} (tensor ${tensor.name})`);
                return pools.chunks(type, tensorBytes(info, elements));
            }
        };
    });

    const description =
        `Shape-twin written by llmproof: the weights are RANDOM, not a trained model. ` +
        `Tensor names, shapes and ggml types follow ${name} quantized as ${recipe.name} (${recipe.description}), ` +
        `so llama.cpp speed and memory match the real model; the text it generates is meaningless.`;
    const metadata = modelMetadata(shape, {
        name,
        description,
        fileType: recipe.fileType,
        quantized: recipe.fileType !== 0 && recipe.fileType !== 1 && recipe.fileType !== 32,
        extra: [
            meta.bool("llmproof.twin", true),
            meta.string("llmproof.twin.quant", recipe.name),
            meta.u32("llmproof.twin.seed", seed >>> 0)
        ]
    });

    const report = (
        path: string,
        sizes: {fileBytes: number; headerBytes: number; tensorDataBytes: number},
        seconds: number
    ): TwinReport =>
        TwinReportSchema.parse({
            path,
            name,
            architecture: shape.architecture,
            quant: recipe.name,
            fileType: recipe.fileType,
            seed,
            ...sizes,
            parameterCount: parameterCount(tensors),
            tensorCount: tensors.length,
            typeMix: typeMixOf(tensors, plan.types),
            fallbacks: plan.fallbacks,
            shape: shapeReport(shape),
            writeSeconds: seconds
        });
    return {metadata, specs, report};
}

/**
 * Write a shape-twin: a GGUF with the tensor names, shapes and ggml types a real model of this
 * shape has after llama.cpp's quantizer, and random (valid, finite) weights. Norm weights are 1,
 * so activations keep a sane scale and generation never produces NaN.
 */
export async function writeTwinGguf(options: WriteTwinOptions): Promise<TwinReport> {
    const started = performance.now();
    const twin = prepareTwin(options);
    const written = await writeGgufOrExplain(options.outputPath, twin.metadata, twin.specs);
    return twin.report(written.path, written, (performance.now() - started) / 1000);
}

/**
 * The report writeTwinGguf would return (sizes, type mix, fallbacks) without writing anything:
 * the header is encoded in memory and the tensor data only counted.
 */
export function estimateTwinGguf(options: Omit<WriteTwinOptions, "outputPath">): TwinReport {
    const twin = prepareTwin(options);
    const plan = planGguf(twin.metadata, twin.specs);
    return twin.report(
        "",
        {
            fileBytes: plan.header.length + plan.tensorDataBytes,
            headerBytes: plan.header.length,
            tensorDataBytes: plan.tensorDataBytes
        },
        0
    );
}

/** The tensors (names and ggml-order dimensions) a model of this shape has, in file order. */
export function listModelTensors(shapeInput: ModelShapeInput): TwinTensor[] {
    return twinTensors(resolveShape(shapeInput));
}

/**
 * Random F32 weights for every tensor of a shape (norms 1, everything else uniform with standard
 * deviation TWIN_WEIGHT_STD), to feed writeGgufFromTensors. Deterministic for a seed.
 */
export function makeRandomWeights(shapeInput: ModelShapeInput, seed = TWIN_DEFAULT_SEED): Map<string, Float32Array> {
    const random = new SeededRandom(seed);
    const range = TWIN_WEIGHT_STD * Math.sqrt(3);
    const weights = new Map<string, Float32Array>();
    for (const tensor of listModelTensors(shapeInput)) {
        const values = new Float32Array(tensorElements(tensor));
        if (tensor.kind === "norm") values.fill(1);
        else for (let i = 0; i < values.length; i++) values[i] = random.uniform(-range, range);
        weights.set(tensor.name, values);
    }
    return weights;
}

export interface GgufFromTensorsOptions {
    outputPath: string;
    shape: ModelShapeInput;
    /**
     * Every quantizable weight (2-D, not a norm) is stored in this type, output and embeddings
     * included, the way `llama-quantize --pure` does; norms and biases stay F32. A row that is not
     * a whole number of blocks falls back to F16, as in llama.cpp.
     */
    quant: ExactType;
    /** F32 values of every tensor of the shape (see listModelTensors), row-major in ggml order. */
    weights: ReadonlyMap<string, Float32Array>;
    name?: string;
    description?: string;
}

/** Rows are encoded in slabs of about this many values, so memory stays bounded. */
const ENCODE_SLAB_VALUES = 1 << 20;

/**
 * Write a GGUF from given F32 weights, converted or quantized exactly as llama.cpp's reference
 * code does (quantize_row_q8_0_ref / quantize_row_q4_0_ref, ggml fp16/bf16 rounding), so a model
 * and its quantizations can be compared weight for weight.
 */
export async function writeGgufFromTensors(options: GgufFromTensorsOptions): Promise<TwinReport> {
    const started = performance.now();
    if (!(EXACT_TYPES as readonly string[]).includes(options.quant))
        throw new UserError(
            `Cannot quantize given weights to ${options.quant}; choose one of ${EXACT_TYPES.join(", ")}.`
        );
    const shape = resolveShape(options.shape);
    const tensors = twinTensors(shape);

    const expected = new Set(tensors.map((tensor) => tensor.name));
    for (const key of options.weights.keys())
        if (!expected.has(key))
            throw new Error(
                `weights given for ${key}, which a ${shape.architecture} model of this shape does not have`
            );

    const types = new Map<string, string>();
    const fallbacks: TypeFallback[] = [];
    for (const tensor of tensors) {
        const values = options.weights.get(tensor.name);
        if (!values) throw new Error(`no weights given for ${tensor.name}`);
        if (values.length !== tensorElements(tensor))
            throw new Error(`${tensor.name} needs ${tensorElements(tensor)} values, got ${values.length}`);
        const quantizable = tensor.kind === "weight";
        let type: string = quantizable ? options.quant : "F32";
        const blockSize = ggmlTypeByName(type)!.blockSize;
        if (tensor.dimensions[0]! % blockSize !== 0) {
            fallbacks.push({
                tensor: tensor.name,
                rowLength: tensor.dimensions[0]!,
                wanted: type,
                used: "F16",
                reason: `row length ${tensor.dimensions[0]} is not a multiple of ${blockSize}; llama.cpp must use F16 for this unusual shape`
            });
            type = "F16";
        }
        types.set(tensor.name, type);
    }

    const specs: GgufTensorSpec[] = tensors.map((tensor) => {
        const type = types.get(tensor.name)! as ExactType;
        const values = options.weights.get(tensor.name)!;
        const rowLength = tensor.dimensions[0]!;
        return {
            name: tensor.name,
            dimensions: tensor.dimensions,
            type,
            data: function* () {
                const rowsPerSlab = Math.max(1, Math.floor(ENCODE_SLAB_VALUES / rowLength));
                for (let first = 0; first < values.length; first += rowsPerSlab * rowLength)
                    yield encodeExact(
                        type,
                        values.subarray(first, Math.min(values.length, first + rowsPerSlab * rowLength))
                    );
            }
        };
    });

    const fileTypeByQuant: Record<ExactType, number> = {F32: 0, F16: 1, BF16: 32, Q8_0: 7, Q4_0: 2};
    const name = options.name ?? `${shape.architecture} model`;
    const metadata = modelMetadata(shape, {
        name,
        description:
            options.description ??
            `Written by llmproof from given F32 weights, stored as ${options.quant} (llama.cpp reference rounding).`,
        fileType: fileTypeByQuant[options.quant],
        quantized: options.quant === "Q8_0" || options.quant === "Q4_0"
    });
    const written = await writeGgufOrExplain(options.outputPath, metadata, specs);
    return TwinReportSchema.parse({
        path: written.path,
        name,
        architecture: shape.architecture,
        quant: options.quant,
        fileType: fileTypeByQuant[options.quant],
        seed: null,
        fileBytes: written.fileBytes,
        headerBytes: written.headerBytes,
        tensorDataBytes: written.tensorDataBytes,
        parameterCount: parameterCount(tensors),
        tensorCount: tensors.length,
        typeMix: typeMixOf(tensors, types),
        fallbacks,
        shape: shapeReport(shape),
        writeSeconds: (performance.now() - started) / 1000
    });
}

/** Shape fields that may be given one by one (flags) on top of a preset or a shape file. */
export const ShapeOverridesSchema = ModelShapeSchema.partial();
export type ShapeOverrides = z.infer<typeof ShapeOverridesSchema>;

const REQUIRED_SHAPE_FIELDS: Array<[keyof ShapeOverrides, string]> = [
    ["architecture", "--arch"],
    ["hiddenSize", "--hidden"],
    ["layers", "--layers"],
    ["heads", "--heads"],
    ["ffnSize", "--ffn"],
    ["vocabSize", "--vocab"],
    ["contextLength", "--ctx"]
];

/** Read a shape from a JSON or YAML file holding ModelShape fields (camelCase, as in `synth --json`'s "shape"). */
export async function loadShapeFile(path: string): Promise<ShapeOverrides> {
    let text: string;
    try {
        text = await readFile(path, "utf8");
    } catch (error) {
        throw new UserError(`Cannot read shape file ${path}: ${errorMessage(error)}.`, {cause: error});
    }
    let data: unknown;
    try {
        data = parseYaml(text);
    } catch (error) {
        throw new UserError(`Shape file ${path} is not valid JSON or YAML: ${errorMessage(error)}.`, {cause: error});
    }
    const parsed = ShapeOverridesSchema.strict().safeParse(data);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
        throw new UserError(`Shape file ${path} is invalid: ${where}${issue?.message ?? "invalid value"}.`);
    }
    return parsed.data;
}

export interface SynthShapeRequest {
    preset?: string;
    shapeFile?: string;
    /** Fields given one by one; they override the preset or file. */
    overrides?: ShapeOverrides;
}

/** The shape `llmproof synth` should write, and a short label for file and model names. */
export async function resolveSynthShape(request: SynthShapeRequest): Promise<{shape: ModelShape; label: string}> {
    if (request.preset && request.shapeFile) throw new UserError("Give either --preset or --shape, not both.");
    const base: ShapeOverrides = request.preset
        ? findShapePreset(request.preset).shape
        : request.shapeFile
          ? await loadShapeFile(request.shapeFile)
          : {};
    const overrides = Object.fromEntries(
        Object.entries(request.overrides ?? {}).filter(([, value]) => value !== undefined)
    );
    const merged: ShapeOverrides = {...base, ...overrides};
    if (merged.kvHeads === undefined && merged.heads !== undefined) merged.kvHeads = merged.heads;
    const missing = REQUIRED_SHAPE_FIELDS.filter(([field]) => merged[field] === undefined).map(([, flag]) => flag);
    if (missing.length > 0)
        throw new UserError(`Give --preset, --shape or a full shape; missing ${missing.join(", ")}.`);
    // resolveShape validates (UserError on a shape llama.cpp cannot load) and fills the defaults.
    const resolved = resolveShape(merged as ModelShapeInput);
    const shape = ModelShapeSchema.parse({...merged, ropeTheta: resolved.ropeTheta, rmsNormEps: resolved.rmsNormEps});
    const label = request.preset
        ? findShapePreset(request.preset).name + (Object.keys(overrides).length > 0 ? "-custom" : "")
        : `${shape.architecture}-h${shape.hiddenSize}-l${shape.layers}`;
    return {
        shape,
        label
    };
}

/** A human-readable summary of a synth report (the CLI prints it; `--json` prints the report itself). */
export function renderTwinReport(report: TwinReport): string {
    const lines: string[] = [];
    const s = report.shape;
    lines.push(`file        ${report.path === "" ? "(dry run: nothing written)" : report.path}`);
    lines.push(
        `size        ${report.fileBytes.toLocaleString("en-US")} bytes (${(report.fileBytes / 1e6).toFixed(1)} MB, ${formatBytes(report.fileBytes)}); header ${report.headerBytes.toLocaleString("en-US")} bytes`
    );
    lines.push(
        `parameters  ${report.parameterCount.toLocaleString("en-US")} (${formatCount(report.parameterCount)}) in ${report.tensorCount} tensors`
    );
    lines.push(
        `quant       ${report.quant} (general.file_type ${report.fileType})${report.seed === null ? "" : `, random weights, seed ${report.seed}`}`
    );
    lines.push(
        `shape       ${s.architecture}: hidden ${s.hiddenSize}, ${s.layers} layers, ${s.heads} heads / ${s.kvHeads} KV heads (head dim ${s.headDim}), ` +
            `FFN ${s.ffnSize}, vocab ${s.vocabSize}, context ${s.contextLength}${s.tiedEmbeddings ? ", tied embeddings" : ""}${s.qkvBias ? ", QKV bias" : ""}`
    );
    lines.push("type mix");
    for (const entry of report.typeMix)
        lines.push(
            `  ${entry.type.padEnd(6)} ${String(entry.tensors).padStart(4)} tensors  ${formatCount(entry.parameters).padStart(8)} params  ` +
                `${formatPercent(entry.parameters / report.parameterCount).padStart(6)} of params  ${formatBytes(entry.bytes).padStart(10)}`
        );
    if (report.fallbacks.length === 0) {
        lines.push("fallbacks   none");
    } else {
        const groups = new Map<string, string[]>();
        for (const fallback of report.fallbacks) {
            const key = `${fallback.wanted} -> ${fallback.used}: ${fallback.reason}`;
            groups.set(key, [...(groups.get(key) ?? []), fallback.tensor]);
        }
        lines.push(`fallbacks   ${report.fallbacks.length} tensors (as llama.cpp's quantizer does)`);
        for (const [key, tensors] of groups)
            lines.push(
                `  ${String(tensors.length).padStart(4)} x ${key}${tensors.length <= 3 ? ` (${tensors.join(", ")})` : ""}`
            );
    }
    if (report.path !== "") lines.push(`written in  ${report.writeSeconds.toFixed(2)} s`);
    return lines.join("\n");
}
