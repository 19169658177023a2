import {stat} from "node:fs/promises";
import {z} from "zod";
import type {Catalog, CatalogModel} from "../catalog/schema.js";
import {benchmarkTarget, defaultQuant, fileForQuant, normalizeQuant, requireModel} from "../catalog/lookup.js";
import {
    BytesPerTokenSchema,
    bytesPerTokenFromCatalogFacts,
    bytesPerTokenFromHeader,
    bytesPerTokenFromShape,
    type BytesPerToken
} from "../gguf/bytes-per-token.js";
import {TWIN_QUANT_NAMES} from "../gguf/twin-layout.js";
import {UserError} from "../util/errors.js";

/** The facts about a model the estimator needs, wherever they came from. */
export const EstimateModelSchema = z.object({
    /** How the output names it. */
    label: z.string(),
    /** The path, URL or catalog reference it was read from. */
    source: z.string(),
    quant: z.string().nullable(),
    /** Bytes the weights take in memory (the file's size; published or computed for catalog models). */
    fileBytes: z.number().positive(),
    fileBytesSource: z.string(),
    layers: z.number().int().positive().nullable(),
    contextLength: z.number().int().positive().nullable(),
    bytes: BytesPerTokenSchema
});
export type EstimateModel = z.infer<typeof EstimateModelSchema>;

/** From a local or remote GGUF header (inspect's reader: split files count as one). */
export async function estimateModelFromGguf(
    source: string,
    options: {headers?: Record<string, string>; label?: string; cacheType?: string} = {}
): Promise<EstimateModel> {
    const {readGgufHeader} = await import("../gguf/inspect.js");
    const header = await readGgufHeader(source, {headers: options.headers});
    const metadata = header.fileInfo.architectureMetadata as Record<string, unknown>;
    const blockCount = Number(metadata.block_count);
    const contextLength = Number(metadata.context_length);
    return {
        label: options.label ?? header.fileInfo.metadata.general?.name ?? source,
        source,
        quant: header.fileTypeName?.replace(/^(MOSTLY|ALL)_/, "") ?? null,
        fileBytes: header.parts.reduce((sum, part) => sum + part.bytes, 0),
        fileBytesSource: "the file's size",
        layers: Number.isInteger(blockCount) && blockCount > 0 ? blockCount : null,
        contextLength: Number.isInteger(contextLength) && contextLength > 0 ? contextLength : null,
        bytes: bytesPerTokenFromHeader(header, {cacheType: options.cacheType})
    };
}

/**
 * From the catalog alone (offline): the shape and llama.cpp's quantization layout when the entry
 * has a shape (the numbers a twin would have), else the published size and active parameters.
 * A LoRA adapter or other stand-in uses its proxy's files, as bench does.
 */
export async function estimateModelFromCatalog(catalog: Catalog, ref: string): Promise<EstimateModel> {
    const colon = ref.lastIndexOf(":");
    const name = colon > 0 ? ref.slice(0, colon) : ref;
    const named = requireModel(catalog, name);
    const model = benchmarkTarget(catalog, named) ?? named;
    const quant = colon > 0 ? normalizeQuant(ref.slice(colon + 1)) : (defaultQuant(model) ?? "Q4_K_M");
    const file = fileForQuant(model, quant);
    const publishedBytes = file?.sizeBytes ?? file?.approxSizeBytes ?? null;
    const label = `${named.name}${model === named ? "" : ` (as ${model.name})`} ${quant}`;

    if (model.shape != null && TWIN_QUANT_NAMES.includes(quant)) {
        const bytes = bytesPerTokenFromShape(model.shape, quant);
        const {estimateTwinGguf} = await import("../gguf/synth.js");
        const twinBytes = estimateTwinGguf({shape: model.shape, quant}).fileBytes;
        return {
            label,
            source: `catalog:${model.id}:${quant}`,
            quant,
            fileBytes: publishedBytes ?? twinBytes,
            fileBytesSource:
                publishedBytes == null
                    ? "computed from the catalog shape (twin layout)"
                    : `published size in models.yaml (${file?.sizeBytes != null ? "exact" : "rounded"})`,
            layers: model.shape.layers,
            contextLength: model.shape.contextLength,
            bytes
        };
    }
    return fromCatalogFacts(model, quant, publishedBytes, label);
}

function fromCatalogFacts(
    model: CatalogModel,
    quant: string,
    publishedBytes: number | null,
    label: string
): EstimateModel {
    const parameters = model.paramsB ?? model.nominalParamsB;
    if (publishedBytes == null || parameters == null)
        throw new UserError(
            `Catalog model "${model.id}" has no shape, and no ${quant} file size or parameter count to estimate from; give a GGUF path or URL instead.`
        );
    const moe =
        model.moe?.experts != null && model.moe.expertsUsed != null
            ? {expertCount: model.moe.experts, expertsUsed: model.moe.expertsUsed}
            : null;
    const bytes: BytesPerToken = bytesPerTokenFromCatalogFacts({
        fileBytes: publishedBytes,
        parameters: parameters * 1e9,
        activeParameters: model.moe?.activeParamsB == null ? null : model.moe.activeParamsB * 1e9,
        moe
    });
    return {
        label,
        source: `catalog:${model.id}:${quant}`,
        quant,
        fileBytes: publishedBytes,
        fileBytesSource: "published size in models.yaml",
        layers: null,
        contextLength: null,
        bytes
    };
}

function looksLikePath(ref: string): boolean {
    return ref.includes("/") || ref.includes("\\") || ref.toLowerCase().endsWith(".gguf");
}

async function isFile(path: string): Promise<boolean> {
    return stat(path).then(
        (info) => info.isFile(),
        () => false
    );
}

/**
 * Any model reference `estimate` takes: a local GGUF, an http(s) URL or `hf:` URI (remote header),
 * or a catalog id[:QUANT] (offline from the catalog, or its remote header with `remote`).
 */
export async function resolveEstimateModel(
    ref: string,
    options: {remote?: boolean; catalog?: Catalog; env?: NodeJS.ProcessEnv} = {}
): Promise<EstimateModel> {
    if (
        /^https?:\/\//i.test(ref) ||
        /^hf:/i.test(ref) ||
        (await isFile(ref)) ||
        (looksLikePath(ref) && !ref.includes(":"))
    ) {
        if (!/^(https?:|hf:)/i.test(ref) && !(await isFile(ref))) throw new UserError(`No such file: ${ref}.`);
    } else if (!options.remote) {
        const catalog = options.catalog ?? (await (await import("../catalog/load.js")).loadCatalog({env: options.env}));
        return estimateModelFromCatalog(catalog, ref);
    }
    const {resolveModelSource} = await import("../download/resolve.js");
    const source = await resolveModelSource(ref, {env: options.env});
    if (source.kind === "local") return estimateModelFromGguf(source.path);
    return estimateModelFromGguf(source.url, {headers: source.headers, label: source.label});
}
