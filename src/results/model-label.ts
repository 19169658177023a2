import type {ModelFacts} from "./schema.js";

/**
 * How every output names a measured model: a shape-twin as `twin:<catalog id>:<QUANT>` (so a twin
 * is never mistaken for the real weights), any other model by its file name.
 */
export function modelLabel(model: Pick<ModelFacts, "fileName" | "twin">): string {
    if (model.twin == null) return model.fileName;
    const parts = ["twin", model.twin.modelId, model.twin.quant].filter((part) => part != null && part !== "");
    return parts.length > 1 ? parts.join(":") : `${model.fileName} (twin)`;
}

/** "twin" for a shape-twin, else "" (a column value for CSV). */
export function twinColumn(model: Pick<ModelFacts, "twin">): string {
    return model.twin == null ? "" : "twin";
}
