import {defaultQuant, modelById} from "../catalog/lookup.js";
import type {Catalog, CatalogModel} from "../catalog/schema.js";
import {kindModule} from "./kinds/index.js";
import type {Claim, ClaimLink, ModelLink} from "./schema.js";

/**
 * Linking: the catalog model (and its stand-in) and the quantization a claim is judged at.
 * Extraction already found the model from the text around the claim (./extract.ts); here a
 * model without files of its own gets its proxy, a quant family ("Q4") becomes the member the
 * model has, and a kind that needs a quant and names none gets the catalog's usual one, marked
 * as assumed so the verdict says so.
 */

export function linkClaim(claim: Claim, catalog: Catalog): ClaimLink {
    const models: ModelLink[] = [];
    const named = claim.subject.modelId ? modelById(catalog, claim.subject.modelId) : undefined;
    if (named) {
        models.push({id: named.id, name: named.name, via: claim.subject.modelVia ?? "quote", note: null});
        if (Object.keys(named.files).length === 0 && named.proxy) {
            const proxy = modelById(catalog, named.proxy);
            if (proxy) models.push({id: proxy.id, name: proxy.name, via: "proxy", note: proxyNote(named, proxy)});
        }
    }
    const measured = measuredModel(catalog, models);
    let quant = claim.subject.quant;
    let quantSource: ClaimLink["quantSource"] = quant
        ? claim.subject.quantSource === "context"
            ? "context"
            : "claim"
        : "none";
    if (quant && measured) quant = resolveQuantFamily(measured, quant);
    const module = kindModule(claim.kind);
    if (!quant && measured && module.needsQuant && claim.kind !== "file-size" && claim.kind !== "hardware-fit") {
        quant = defaultQuant(measured) ?? null;
        if (quant) quantSource = "default";
    }
    const notBenchmarkable = named && !named.benchmarkable ? named.notBenchmarkableReason : null;
    return {
        models,
        compared: null,
        quant,
        quantSource,
        unknownMention: null,
        notBenchmarkable: notBenchmarkable ?? null
    };
}

function proxyNote(model: CatalogModel, proxy: CatalogModel): string {
    const what =
        model.kind === "lora-adapter"
            ? `${model.name} is a LoRA/PEFT adapter with no weights of its own`
            : `${model.name} has no GGUF file in the catalog`;
    return `${what}; ${proxy.name} stands in for it`;
}

/** The model whose files are measured: the proxy when the named one has none. */
export function measuredModel(catalog: Catalog, links: readonly ModelLink[]): CatalogModel | undefined {
    const proxy = links.find((link) => link.via === "proxy");
    const chosen = proxy ?? links[0];
    return chosen ? modelById(catalog, chosen.id) : undefined;
}

/** "Q4" or "4-bit" names a family; read it as the family's usual member the model has (Q4_K_M first). */
export function resolveQuantFamily(model: CatalogModel, quant: string): string {
    if (!/^Q\d$/.test(quant)) return quant;
    const quants = Object.keys(model.files);
    const preferred = [`${quant}_K_M`, `${quant}_K_S`, `${quant}_0`, `${quant}_K`];
    return (
        preferred.find((candidate) => quants.includes(candidate)) ??
        quants.find((candidate) => candidate.startsWith(`${quant}_`)) ??
        `${quant}_K_M`
    );
}
