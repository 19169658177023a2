import {resolve as resolvePath} from "node:path";
import {writeGguf, planGguf, meta} from "./writer.js";
import type {GgufMetadataEntry, GgufTensorSpec} from "./writer.js";
import {
    resolveShape,
    twinTensors,
    planTensorTypes,
    findQuantRecipe,
    parameterCount,
    tensorElements
} from "./twin-layout.js";
import type {TwinTensor, TypeFallback} from "./twin-layout.js";
import {SeededRandom, isRandomBlockType, encodeExact, TWIN_WEIGHT_STD, EXACT_TYPES} from "./quantize.js";
import type {ExactType} from "./quantize.js";
import type {ModelShapeInput} from "./shape.js";
import {ggmlTypeByName, tensorBytes} from "./ggml-types.js";
import {UserError, errorMessage} from "../util/errors.js";

import {shapeReport, type TwinReport, TwinReportSchema, typeMixOf} from "./twin-report.js";
import {modelMetadata} from "./twin-metadata.js";
import {RandomBlockPools, repeatedF32} from "./random-weights.js";

/** How a shape-twin's general.description starts, so readers (bench) can tell a twin by its header. */
export const TWIN_DESCRIPTION_PREFIX = "Shape-twin written by llmproof";

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
        `${TWIN_DESCRIPTION_PREFIX}: the weights are RANDOM, not a trained model. ` +
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
