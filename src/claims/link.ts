import {defaultQuant, findModel, findModelsInText, modelKeys, nameKey, modelById} from "../catalog/lookup.js";
import type {Catalog, CatalogModel} from "../catalog/schema.js";
import {findQuantMentions, refersBack} from "./extract.js";
import {ClaimLinkSchema, type Claim, type ClaimLink, type ModelLink} from "./schema.js";

/**
 * Linking: which catalog model (or which quantization type) a claim is about.
 *
 * Order of evidence for the subject: a model named in the quote (nearest the figure) or in the
 * metric-box label; a name written next to the figure completed with it ("Qwen3's 4B" →
 * "Qwen3 4B"); a family name only one catalog model carries ("Qwen 3.5"); then, only for
 * sentences that point back ("the model", "its"), the story around it. A claim about models in
 * general ("Q4_K_M cuts size by 75%", "average reduction") is about a quant type instead.
 */

const SIXTEEN_BIT = new Set(["F16", "BF16", "F32"]);
/** Claims that can be about a quant type in general, checked across the catalog's models of that type. */
const SURVEY_KINDS = new Set(["size-reduction", "bits-per-weight", "quality-loss", "speed"]);

export function linkClaim(claim: Claim, catalog: Catalog): ClaimLink {
    const named = claim.subject.modelId ? findModel(catalog, claim.subject.modelId) : undefined;
    const models: ModelLink[] = [];
    let unknownMention: string | null = null;

    if (named) {
        models.push(toLink(named, "sidecar"));
    } else if (!(claim.kind === "unverifiable" && claim.source === "body" && claim.subject.type === "general")) {
        const fromQuote = modelInQuote(claim, catalog);
        if (fromQuote) {
            models.push(fromQuote);
        } else if (claim.subject.mention && !claim.subject.generic) {
            const family = modelForFamily(catalog, claim.subject.mention);
            if (family) models.push(toLink(family, claim.source === "metric-box" ? "label" : "quote"));
            else if (looksLikeModelName(claim.subject.mention)) unknownMention = claim.subject.mention;
        }
    }

    // "Q4_K_M shrinks a model by 70%": a quant type is the subject of its own sentence unless the sentence
    // ties it to a model ("its Q4_K_M file").
    const aboutQuantType =
        claim.subject.quant !== null &&
        SURVEY_KINDS.has(claim.kind) &&
        !/\b(its|their|the model['’]s|this model['’]s)\b/i.test(claim.quote);
    let contextQuant: string | null = null;
    if (models.length === 0 && unknownMention === null && claim.context.length > 0 && !aboutQuantType) {
        const fromContext = subjectFromContext(claim, catalog);
        if (fromContext.model && !claim.subject.generic) models.push(toLink(fromContext.model, "context"));
        contextQuant = fromContext.quant;
    }

    // A model without files of its own (adapter, unpublished GGUF) is measured through its proxy.
    const primary = models[0] ? modelById(catalog, models[0]!.id) : undefined;
    if (primary && Object.keys(primary.files).length === 0 && primary.proxy) {
        const proxy = modelById(catalog, primary.proxy);
        if (proxy) models.push({...toLink(proxy, "proxy"), note: proxyNote(primary, proxy)});
    }

    let quant = claim.subject.quant;
    let quantSource: ClaimLink["quantSource"] = quant ? "claim" : "none";
    if (!quant && contextQuant) {
        quant = contextQuant;
        quantSource = "context";
    }
    const measured = measuredModel(catalog, models);
    if (quant && measured) quant = resolveQuantFamily(measured, quant);
    if (!quant && measured && needsQuant(claim)) {
        quant = defaultQuant(measured) ?? null;
        if (quant) quantSource = "default";
    }

    // A claim about a quant type in general is checked on every catalog model that has that type and a 16-bit size.
    const relativeSpeed = claim.kind !== "speed" || claim.claimed.speed?.form !== "tokens-per-second";
    if (
        models.length === 0 &&
        unknownMention === null &&
        quant &&
        !SIXTEEN_BIT.has(quant) &&
        SURVEY_KINDS.has(claim.kind) &&
        relativeSpeed
    ) {
        const family = quant;
        for (const model of catalog.models) {
            const resolved = resolveQuantFamily(model, family);
            if (model.files[resolved] && Object.values(model.files).length > 1)
                models.push({
                    ...toLink(model, "quant-type"),
                    note: resolved === family ? null : `${family} read as ${resolved}`
                });
        }
        if (/^Q\d$/.test(family)) quant = `${family}_K_M`;
    }

    const notBenchmarkable = primary && !primary.benchmarkable ? primary.notBenchmarkableReason : null;
    return ClaimLinkSchema.parse({models, compared: null, quant, quantSource, unknownMention, notBenchmarkable});
}

function toLink(model: CatalogModel, via: ModelLink["via"]): ModelLink {
    return {id: model.id, name: model.name, via, note: null};
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

function needsQuant(claim: Claim): boolean {
    return [
        "file-size",
        "size-reduction",
        "size-ratio",
        "bits-per-weight",
        "hardware-fit",
        "speed",
        "quality-loss"
    ].includes(claim.kind);
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

/** Where in the quote the claim's figure or phrase sits, to pick the nearest model mention. */
function claimPosition(claim: Claim): number {
    const at = claim.quote.indexOf(claim.claimed.text);
    if (at === -1) return 0;
    return at + (claim.claimed.numberSpan?.[0] ?? 0);
}

function modelInQuote(claim: Claim, catalog: Catalog): ModelLink | null {
    const via: ModelLink["via"] = claim.source === "metric-box" ? "label" : "quote";
    const sizeSuffix = claim.kind === "parameter-count" && claim.claimed.numberText ? sizeText(claim) : null;
    // A box line is about what its label names; its value is only the figure.
    const searchText = claim.box ? claim.box.label : claim.quote;
    const position = claim.box ? 0 : claimPosition(claim);
    // A claim about models in general names one only as an example ("7B models like X").
    const mentions = findModelsInText(catalog, searchText).filter(
        (mention) =>
            !claim.subject.generic ||
            /^[^.;:]*?\b(like|such as|including|e\.g\.?|for example)\s+$/i.test(
                searchText.slice(position, mention.start)
            )
    );
    if (mentions.length > 0) {
        const nearest = [...mentions].sort((a, b) => distance(a, position) - distance(b, position))[0]!;
        return toLink(nearest.model, via);
    }
    if (claim.subject.mention && sizeSuffix) {
        // "Qwen3's 4B parameters" → "Qwen3 4B"; "Previous Qwen2 Largest 72B" → "Qwen2 72B".
        const candidates = [claim.subject.mention, ...claim.subject.mention.split(/\s+/)].map(
            (name) => findModel(catalog, `${name} ${sizeSuffix}`) ?? findModel(catalog, `${name}-${sizeSuffix}`)
        );
        const found = candidates.find((model) => model !== undefined);
        if (found) return toLink(found, via);
    }
    return null;
}

function sizeText(claim: Claim): string {
    const value = claim.claimed.value ?? 0;
    return value >= 1 ? `${claim.claimed.numberText}B` : `${Math.round(value * 1000)}M`;
}

function distance(mention: {start: number; end: number}, position: number): number {
    if (position >= mention.start && position <= mention.end) return 0;
    // A name before the figure is the usual subject; after it, slightly less likely.
    return position > mention.end ? position - mention.end : (mention.start - position) * 1.5;
}

/** A family name that exactly one catalog model's names start with ("Qwen 3.5" → Qwen3.5-397B-A17B). */
export function modelForFamily(catalog: Catalog, mention: string): CatalogModel | undefined {
    const exact = findModel(catalog, mention);
    if (exact) return exact;
    const key = nameKey(mention);
    if (key.length < 5) return undefined;
    const owners = new Set<CatalogModel>();
    for (const model of catalog.models)
        if (modelKeys(model).some((entry) => entry.key.startsWith(key) && !/^\d/.test(entry.key.slice(key.length))))
            owners.add(model);
    return owners.size === 1 ? [...owners][0] : undefined;
}

function looksLikeModelName(mention: string): boolean {
    return /\d/.test(mention) || /[a-z][A-Z]/.test(mention) || /^[A-Z][a-z]+ [A-Z]/.test(mention);
}

/**
 * The story's subject: walking back from the claim, the first text that names a catalog model or
 * a quant type. In a metric box, the model the story names most often wins (boxes sum up a story).
 */
function subjectFromContext(claim: Claim, catalog: Catalog): {model: CatalogModel | null; quant: string | null} {
    if (claim.source === "metric-box") {
        const counts = new Map<CatalogModel, {count: number; nearest: number}>();
        let quant: string | null = null;
        claim.context.forEach((entry, index) => {
            for (const mention of findModelsInText(catalog, entry)) {
                const current = counts.get(mention.model) ?? {count: 0, nearest: index};
                counts.set(mention.model, {count: current.count + 1, nearest: Math.min(current.nearest, index)});
            }
            quant ??= findQuantMentions(entry).find((mention) => !mention.asBaseline)?.quant ?? null;
        });
        const ranked = [...counts.entries()].sort((a, b) => b[1].count - a[1].count || a[1].nearest - b[1].nearest);
        return {model: ranked[0]?.[0] ?? null, quant};
    }
    // A sentence that only names a quant type and stands on its own ("Q4_K_M keeps quality") makes the
    // claim a general one about that type; one that points further back ("its Q4_K_M file") does not.
    let firstQuant: string | null = null;
    for (const entry of claim.context) {
        const models = findModelsInText(catalog, entry);
        const quant = findQuantMentions(entry).find((mention) => !mention.asBaseline)?.quant ?? null;
        firstQuant ??= quant;
        if (models.length > 0) return {model: models[0]!.model, quant: firstQuant};
        if (quant && SURVEY_KINDS.has(claim.kind) && !refersBack(entry)) return {model: null, quant};
    }
    return {model: null, quant: firstQuant};
}
