import {open} from "node:fs/promises";
import type {FileHandle} from "node:fs/promises";
import {z} from "zod";
import {ggmlTypeById, tensorBytes} from "./ggml-types.js";
import {UserError, errorMessage} from "../util/errors.js";

/**
 * Tensor-by-tensor comparison of two GGUF files (names, shapes, types, data bytes), e.g. llmproof's
 * quantization of a model against llama-quantize's: the same F32 rows quantized with the same
 * reference code must give identical bytes.
 */

export const TensorComparisonSchema = z.object({
    name: z.string(),
    typeA: z.string().nullable(),
    typeB: z.string().nullable(),
    bytes: z.number().int().nonnegative(),
    /** "identical", or why not */
    status: z.enum(["identical", "different-bytes", "different-type", "different-shape", "only-in-a", "only-in-b"]),
    /** Bytes that differ, when types and shapes match */
    differingBytes: z.number().int().nonnegative().nullable()
});

export const GgufTensorComparisonSchema = z.object({
    pathA: z.string(),
    pathB: z.string(),
    tensors: z.array(TensorComparisonSchema),
    identicalTensors: z.number().int().nonnegative(),
    allIdentical: z.boolean()
});

export type TensorComparison = z.infer<typeof TensorComparisonSchema>;
export type GgufTensorComparison = z.infer<typeof GgufTensorComparisonSchema>;

interface TensorLocation {
    name: string;
    dimensions: number[];
    type: string;
    bytes: number;
    fileOffset: number;
}

async function tensorLocations(path: string): Promise<TensorLocation[]> {
    const {readGgufFileInfo} = await import("node-llama-cpp");
    try {
        const info = await readGgufFileInfo(path, {readTensorInfo: true, spliceSplitFiles: false});
        return (info.fullTensorInfo ?? info.tensorInfo ?? []).map((tensor) => {
            const type = ggmlTypeById(tensor.ggmlType);
            const dimensions = tensor.dimensions.map(Number);
            const elements = dimensions.reduce((product, dimension) => product * dimension, 1);
            return {
                name: tensor.name,
                dimensions,
                type: type?.name ?? `type ${tensor.ggmlType}`,
                bytes: type ? tensorBytes(type, elements) : 0,
                fileOffset: Number(tensor.fileOffset)
            };
        });
    } catch (error) {
        throw new UserError(`Could not read the GGUF header of ${path}: ${errorMessage(error)}`, {cause: error});
    }
}

export async function compareGgufTensors(pathA: string, pathB: string): Promise<GgufTensorComparison> {
    const [tensorsA, tensorsB] = await Promise.all([tensorLocations(pathA), tensorLocations(pathB)]);
    const byNameB = new Map(tensorsB.map((tensor) => [tensor.name, tensor]));
    const handleA = await open(pathA, "r");
    const handleB = await open(pathB, "r");
    try {
        const tensors: TensorComparison[] = [];
        for (const a of tensorsA) {
            const b = byNameB.get(a.name);
            byNameB.delete(a.name);
            if (!b) {
                tensors.push({
                    name: a.name,
                    typeA: a.type,
                    typeB: null,
                    bytes: a.bytes,
                    status: "only-in-a",
                    differingBytes: null
                });
                continue;
            }
            const base = {name: a.name, typeA: a.type, typeB: b.type, bytes: a.bytes};
            if (a.dimensions.join("x") !== b.dimensions.join("x"))
                tensors.push({...base, status: "different-shape", differingBytes: null});
            else if (a.type !== b.type) tensors.push({...base, status: "different-type", differingBytes: null});
            else {
                const differingBytes = await countDifferingBytes(handleA, a.fileOffset, handleB, b.fileOffset, a.bytes);
                tensors.push({...base, status: differingBytes === 0 ? "identical" : "different-bytes", differingBytes});
            }
        }
        for (const b of byNameB.values())
            tensors.push({
                name: b.name,
                typeA: null,
                typeB: b.type,
                bytes: b.bytes,
                status: "only-in-b",
                differingBytes: null
            });
        const identicalTensors = tensors.filter((tensor) => tensor.status === "identical").length;
        return GgufTensorComparisonSchema.parse({
            pathA,
            pathB,
            tensors,
            identicalTensors,
            allIdentical: identicalTensors === tensors.length
        });
    } finally {
        await handleA.close();
        await handleB.close();
    }
}

async function countDifferingBytes(
    handleA: FileHandle,
    offsetA: number,
    handleB: FileHandle,
    offsetB: number,
    length: number
): Promise<number> {
    const slab = 1 << 22;
    const bufferA = Buffer.alloc(Math.min(slab, length));
    const bufferB = Buffer.alloc(Math.min(slab, length));
    let differing = 0;
    for (let done = 0; done < length; done += slab) {
        const size = Math.min(slab, length - done);
        const [readA, readB] = await Promise.all([
            handleA.read(bufferA, 0, size, offsetA + done),
            handleB.read(bufferB, 0, size, offsetB + done)
        ]);
        if (readA.bytesRead !== size || readB.bytesRead !== size)
            throw new UserError("A GGUF file ends before its tensor data does; it is truncated.");
        for (let i = 0; i < size; i++) if (bufferA[i] !== bufferB[i]) differing++;
    }
    return differing;
}
