import Table from "cli-table3";
import {formatBillions, formatDecimalBytes} from "../util/units.js";
import {loadCatalog} from "./load.js";
import {modelsByIssue, modelsBySuite} from "./lookup.js";
import type {CatalogFile, CatalogModel} from "./schema.js";

export interface ListModelsOptions {
    issue?: number;
    suite?: string;
    catalogPath?: string;
}

/** The catalog entries that pass every given filter, in catalog order. */
export async function listCatalogModels(options: ListModelsOptions): Promise<CatalogModel[]> {
    const catalog = await loadCatalog(options.catalogPath == null ? {} : {path: options.catalogPath});
    let models = options.suite == null ? catalog.models : modelsBySuite(catalog, options.suite);
    if (options.issue != null) {
        const featured = new Set(modelsByIssue(catalog, options.issue));
        models = models.filter((model) => featured.has(model));
    }
    return models;
}

function formatParams(model: CatalogModel): string {
    if (model.paramsB != null) return formatBillions(model.paramsB);
    if (model.nominalParamsB != null) return `~${formatBillions(model.nominalParamsB)}`;
    return "?";
}

function formatMoe(model: CatalogModel): string {
    const moe = model.moe;
    if (moe == null) return "-";
    const active = moe.activeParamsB == null ? "?" : formatBillions(moe.activeParamsB);
    const experts = moe.experts == null ? "" : `, ${moe.expertsUsed ?? "?"}/${moe.experts} experts`;
    return `${active} active${experts}`;
}

function formatFileSize(file: CatalogFile): string {
    const size =
        file.sizeBytes != null
            ? formatDecimalBytes(file.sizeBytes)
            : file.approxSizeBytes != null
              ? `≈${formatDecimalBytes(file.approxSizeBytes)}`
              : "size ?";
    const parts = file.parts?.length ?? file.splitCount;
    return parts == null ? size : `${size}, ${parts} parts`;
}

function formatQuants(model: CatalogModel): string {
    const lines = Object.entries(model.files).map(([quant, file]) => `${quant} ${formatFileSize(file)}`);
    return lines.length === 0 ? "-" : lines.join("\n");
}

function formatBenchmarkable(model: CatalogModel): string {
    if (!model.benchmarkable) return model.kind === "llm" ? "no (no GGUF)" : `no (${model.kind})`;
    if (Object.keys(model.files).length === 0 && model.proxy != null) return `via ${model.proxy}`;
    return "yes";
}

/** A plain (uncoloured) table: stdout may be a file. */
export function formatCatalogTable(models: readonly CatalogModel[]): string {
    const table = new Table({
        head: ["id", "name", "params", "arch", "MoE", "quants (file size)", "suites", "issues", "benchmarkable"],
        style: {head: [], border: []}
    });
    for (const model of models) {
        table.push([
            model.id,
            model.name,
            formatParams(model),
            model.architecture ?? "?",
            formatMoe(model),
            formatQuants(model),
            model.suites.join(", ") || "-",
            model.issues.map((issue) => `#${issue.number}`).join(", ") || "-",
            formatBenchmarkable(model)
        ]);
    }
    return table.toString();
}
