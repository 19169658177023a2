import {findModel, findModelsInText, modelKeys, normalizeQuant, type ModelMention} from "../catalog/lookup.js";
import type {Catalog, CatalogModel} from "../catalog/schema.js";
import {readDocument, type TextUnit} from "./document.js";
import {KINDS, PHRASE_DETECTORS} from "./kinds/index.js";
import type {Detection, FigureContext} from "./kinds/types.js";
import {LABEL_UNITS} from "./lexicon/units.js";
import {PERSON_CUES, SIZE_REFERENCE} from "./lexicon/entities.js";
import {findQuantities, type Quantity} from "./quantities.js";
import {ClaimSchema, type Baseline, type Claim, type ClaimKind, type MetricBox} from "./schema.js";

/**
 * Claim extraction: issue text → document units (./document.ts) → figures (./quantities.ts) →
 * each claim kind (./kinds/) says how sure it is that a figure is its claim; the surest wins.
 * Models are linked here, because the text around a claim is here: a catalog name or alias
 * on word boundaries in the claim's clause, its box label or table row, a name the issue gave
 * the model ("the Pro engine uses Qwen3-4B"), or the nearest model mentioned before it in the
 * same section. Hardware, people and organisations are never models (./lexicon/entities.ts).
 * Every stage walks the text once; lookbacks are bounded, so the work is linear.
 */

export interface ExtractedIssue {
    title: string | null;
    claims: Claim[];
    boxes: MetricBox[];
}

// Quantization types as llama.cpp names them, and "16-bit"/"FP32" baselines.
const QUANT_TYPE =
    /(?<![\p{L}\p{N}_])(I?Q[1-8]_(?:K_(?:XL|[SML])|K|[01]|XXS|XS|NL|S|M)|TQ[12]_0|MXFP4|BF16|FP16|F16|FP32|F32|FP8)(?![\p{L}\p{N}_])/giu;
const BASELINE_BEFORE =
    /\b(than|vs\.?|versus|against|compared (?:to|with)|relative to|from|off|over|of)\s+(?:the\s+|an?\s+|its\s+|their\s+)?(?:model's\s+)?(?:released\s+|original\s+)?$/i;

interface QuantMention {
    quant: string;
    start: number;
    end: number;
    asBaseline: boolean;
}

function findQuantMentions(text: string): QuantMention[] {
    const result: QuantMention[] = [];
    QUANT_TYPE.lastIndex = 0;
    for (let match = QUANT_TYPE.exec(text); match !== null; match = QUANT_TYPE.exec(text)) {
        const before = text.slice(Math.max(0, match.index - 40), match.index);
        result.push({
            quant: normalizeQuant(match[1]!),
            start: match.index,
            end: match.index + match[0].length,
            asBaseline: BASELINE_BEFORE.test(before)
        });
    }
    return result;
}

/** Longest sentence the phrase patterns read (a real sentence is a few hundred characters). */
export const MAX_PHRASE_UNIT = 4000;

const SIXTEEN = new Set(["F16", "BF16", "F32", "FP8"]);

/** Baselines named in a stretch of text, first match wins (most specific first). */
const BASELINES: [RegExp, Baseline][] = [
    [/\b(bf16|bfloat16)\b/i, "BF16"],
    [/\b(fp16|f16|float16)\b/i, "F16"],
    [/\b(half[- ]precision|16[- ]bit)\b/i, "16-bit"],
    [/\b(fp32|f32|float32|32[- ]bit|single[- ]precision)\b/i, "FP32"],
    [/\bfull[- ]precision\b/i, "full-precision"],
    [/\b(original|unquantized|un-quantized|uncompressed|full[- ]size[d]?)\b/i, "original"],
    [/\b(?:than|vs\.?|versus|against|compared (?:to|with)|from)\s+(?:the\s+)?(?:q8_0|8[- ]bit)\b/i, "Q8_0"]
];

function findBaseline(text: string): {baseline: Baseline; text: string} | null {
    for (const [pattern, baseline] of BASELINES) {
        const match = pattern.exec(text);
        if (match) return {baseline, text: match[0]};
    }
    return null;
}

/** Clause boundaries: a figure's words never cross these. */
const CLAUSE_BREAK = /[;:,—–(]|\b(?:and|but|while|whereas|which|so|yet|although|though)\b/gi;

function clauseAround(text: string, start: number, end: number): {start: number; end: number} {
    // Only a bounded window around the figure is scanned, so long sentences stay linear.
    const from = Math.max(0, start - 300);
    const to = Math.min(text.length, end + 300);
    const window = text.slice(from, to);
    let clauseStart = from;
    let clauseEnd = to;
    CLAUSE_BREAK.lastIndex = 0;
    for (let match = CLAUSE_BREAK.exec(window); match !== null; match = CLAUSE_BREAK.exec(window)) {
        const at = from + match.index;
        if (at + match[0].length <= start) clauseStart = at + match[0].length;
        else if (at >= end) {
            clauseEnd = at;
            break;
        }
    }
    return {start: clauseStart, end: clauseEnd};
}

/** A quote an editor can read: the sentence, or 200 characters either side of the figure in a very long one. */
function quoteOf(unit: TextUnit, start: number, end: number): string {
    if (unit.quote.length <= 600 || unit.label !== null) return unit.quote;
    const from = Math.max(0, start - 200);
    return `${from > 0 ? "…" : ""}${unit.text.slice(from, Math.min(unit.text.length, end + 200))}${end + 200 < unit.text.length ? "…" : ""}`;
}

function words(text: string, take: number, fromEnd: boolean): string {
    const list = text.toLowerCase().split(/\s+/).filter(Boolean);
    return (fromEnd ? list.slice(-take) : list.slice(0, take)).join(" ");
}

/** Spans of people and handles in a sentence ("said Dana Okafor", "u/quiet_kettle"): nothing inside them is a model. */
function personSpans(text: string): {start: number; end: number}[] {
    const spans: {start: number; end: number}[] = [];
    for (const cue of PERSON_CUES) {
        cue.pattern.lastIndex = 0;
        for (let match = cue.pattern.exec(text); match !== null; match = cue.pattern.exec(text))
            spans.push({start: match.index, end: match.index + match[0].length});
    }
    return spans;
}

const overlapsAny = (spans: readonly {start: number; end: number}[], start: number, end: number): boolean =>
    spans.some((span) => start < span.end && span.start < end);

/** Pronouns and definite references that point back at a model named before. */
const REFERS_BACK =
    /\b(it|its|it's|itself|this one|that one|the model|this model|the file|that file|the weights|the build|the gguf|the (?:same|base|original) model|of it|on it|the q\d\w{0,8}|the [fb]f?16|the download)\b/i;
/** A sentence that opens with a quantization type is about the type, not a model ("Q4_K_M keeps 4.9 bpw"). */
const QUANT_SUBJECT =
    /^(?:[\d]+\/\s*)?(?:[\w ]{0,24}:\s*)?(?:our\s+|the\s+)?(?:I?Q[1-8]_\w+|[2-8][- ]bit(?: quant\w*)?)(?:\s+(?:quant\w*|builds?|files?))?\s+(?!on\b|of\b|for\b|at\b)/i;

/** "The Lite engine is built on Llama 3.2 1B": a name the issue gives a model, with the quant it names. */
const ALIAS_DEFINITION =
    /\b(?:[Tt]he|[Oo]ur|[Ii]ts)\s+((?:[A-Z][\w-]*\s)?[A-Z][\w-]*(?:\s(?:engine|edition|tier|version|app|option|plan|variant|model))?)\s+(?:is built on|is based on|builds on|uses|runs|is powered by|wraps|ships with)\s+$/;

interface ModelRef {
    model: CatalogModel;
    mention: string;
}

interface Alias {
    pattern: RegExp;
    model: CatalogModel;
    quant: string | null;
}

interface State {
    /** The last model named, with where. */
    lastModel: {model: CatalogModel; section: number; block: number; unit: number} | null;
    lastQuant: {quant: string; block: number; unit: number} | null;
    aliases: Alias[];
    /** The document's own subject (front matter base_model, or a model named in its title). */
    docModel: CatalogModel | null;
    docFromFrontMatter: boolean;
    /** The model the whole issue names most often (a box above the story sums up that story). */
    storyModel: CatalogModel | null;
    /** The quantization the issue names most often (one pass over the text). */
    commonQuant: string | null;
    /** A quant the issue says its builds are ("Our Q4_K_M builds"). */
    docQuant: string | null;
    previousText: string;
    /** The last question asked (a thread's answer takes its model and quant), with what it names. */
    lastQuestion: {unit: number; model: CatalogModel | null; quant: string | null} | null;
    /** How often each model has been named so far (a box sums up the story's most-named model). */
    counts: Map<CatalogModel, number>;
}

const prefixSets = new WeakMap<Catalog, Set<string>>();

/**
 * A cheap test before the full name search: whether the text holds the first four letters and
 * digits of any catalog name or alias. One pass over the text with a set lookup per position, so
 * sentences that name no model (most of them) skip the search.
 */
const ASCII = /^[\x00-\x7f]*$/;

function mayNameModel(catalog: Catalog, text: string): boolean {
    let prefixes = prefixSets.get(catalog);
    if (!prefixes) {
        prefixes = new Set<string>();
        for (const model of catalog.models) for (const {key} of modelKeys(model)) prefixes.add(key.slice(0, 4));
        prefixSets.set(catalog, prefixes);
    }
    // NFKC changes nothing in ASCII text, most of an issue; skipping it there saves a copy per sentence.
    const stream = (ASCII.test(text) ? text : text.normalize("NFKC")).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
    for (let index = 0; index + 4 <= stream.length; index++)
        if (prefixes.has(stream.slice(index, index + 4))) return true;
    return false;
}

function mostCommonQuant(text: string): string | null {
    const counts = new Map<string, number>();
    for (const mention of findQuantMentions(text))
        if (!mention.asBaseline && !SIXTEEN.has(mention.quant))
            counts.set(mention.quant, (counts.get(mention.quant) ?? 0) + 1);
    let best: string | null = null;
    for (const [quant, count] of counts) if (best === null || count > counts.get(best)!) best = quant;
    return best;
}

function mostMentioned(state: State): CatalogModel | null {
    let best: CatalogModel | null = null;
    let bestCount = 0;
    for (const [model, count] of state.counts) if (count > bestCount) [best, bestCount] = [model, count];
    return best;
}

function labelUnit(label: string): string | null {
    for (const entry of LABEL_UNITS) if (entry.pattern.test(label)) return entry.unit;
    return null;
}

export function extractClaims(text: string, catalog: Catalog, name?: string): ExtractedIssue {
    const document = readDocument(text, name);
    const claims: Claim[] = [];
    const boxes = new Map<number, MetricBox>();
    // The models each unit names, found once: the story model is counted from them and each unit's claims use them.
    const unitMentions = document.units.map((unit) =>
        mayNameModel(catalog, unit.text) ? findModelsInText(catalog, unit.text) : []
    );
    const state: State = {
        lastModel: null,
        lastQuant: null,
        aliases: [],
        docModel: null,
        docQuant: null,
        previousText: "",
        lastQuestion: null,
        counts: new Map(),
        docFromFrontMatter: false,
        commonQuant: mostCommonQuant(text),
        storyModel: null
    };
    {
        const counts = new Map<CatalogModel, number>();
        for (const mentions of unitMentions)
            for (const mention of mentions) counts.set(mention.model, (counts.get(mention.model) ?? 0) + 1);
        let best = 0;
        for (const [model, count] of counts) if (count > best) [state.storyModel, best] = [model, count];
    }
    const front = document.frontMatter;
    for (const key of ["base_model", "model_name", "model"]) {
        const value = front[key];
        if (value && !state.docModel) state.docModel = findModel(catalog, value) ?? null;
        state.docFromFrontMatter = state.docModel !== null;
    }
    if (!state.docModel && document.title) state.docModel = findModelsInText(catalog, document.title)[0]?.model ?? null;

    document.units.forEach((unit, index) => {
        const made = unitClaims(unit, index, catalog, state, claims.length, unitMentions[index]!);
        for (const claim of made) {
            claims.push(claim);
            if (unit.where === "box" && claim.box) {
                const box = boxes.get(unit.block) ?? {
                    index: boxes.size,
                    title: document.boxTitles.get(unit.block) ?? "Metric box",
                    line: unit.line,
                    items: []
                };
                box.items.push({label: claim.box.label, value: claim.box.value, claimId: claim.id});
                boxes.set(unit.block, box);
                claim.box.box = box.index;
                claim.box.title = box.title;
                claim.box.line = box.items.length - 1;
            }
        }
        state.previousText = unit.text;
    });
    return {title: document.title, claims, boxes: [...boxes.values()]};
}

function unitClaims(
    unit: TextUnit,
    unitIndex: number,
    catalog: Catalog,
    state: State,
    offset: number,
    textMentions: readonly ModelMention[]
): Claim[] {
    const text = unit.text;
    const people = personSpans(text);
    // A box line or table cell names its model in its label ("DeepSeek Math Variant 7B": the label names it, "7B" is the figure).
    const named = unit.label !== null ? unit.label : text;
    const found = named === text ? textMentions : mayNameModel(catalog, named) ? findModelsInText(catalog, named) : [];
    const mentions = found.filter((mention) => !overlapsAny(people, mention.start, mention.end));
    const aliasMentions = aliasesIn(text, state);
    const quants = findQuantMentions(text);
    const asked = state.lastQuestion && unitIndex - state.lastQuestion.unit === 1 ? state.lastQuestion : null;
    const question = asked ? ((asked as {text?: string}).text ?? "") : "";

    // Learn names the issue gives models ("The Pro engine uses Qwen3-4B") and quants it states for its builds.
    for (const mention of mentions) {
        const definition = ALIAS_DEFINITION.exec(text.slice(Math.max(0, mention.start - 80), mention.start));
        if (definition && state.aliases.length < 32) {
            const after = text.slice(mention.end, mention.end + 60);
            const quant = findQuantMentions(after).find((item) => !item.asBaseline)?.quant ?? null;
            const written = definition[1]!.trim();
            state.aliases.push({
                pattern: new RegExp(`\\b${written.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "i"),
                model: mention.model,
                quant
            });
        }
    }
    const ourBuilds = /\b(?:our|these|the)\s+(I?Q[1-8]_\w+)\s+(?:builds|files|quants|models)\b/i.exec(text);
    if (ourBuilds) state.docQuant = normalizeQuant(ourBuilds[1]!);

    const result: Claim[] = [];
    // A question asserts nothing ("Will Qwen3-4B run on my phone?"); its answer may take its model and quant.
    if (unit.repeat || /\?["'”’)]*$/.test(text.trim())) {
        remember(state, unit, unitIndex, mentions, aliasMentions, quants);
        return result;
    }
    const quantities = findQuantities(text).filter((quantity) => {
        if (unit.label !== null && quantity.start < unit.valueStart) return false;
        if (overlapsAny(mentions, quantity.start, quantity.end) || overlapsAny(quants, quantity.start, quantity.end))
            return false;
        if (overlapsAny(people, quantity.start, quantity.end)) return false;
        // Glued to a word by a hyphen ("Qwen3-4B", "Pi-5"): part of a name.
        if (text[quantity.start - 1] === "-" && /[\p{L}\p{N}]/u.test(text[quantity.start - 2] ?? "")) return false;
        return true;
    });
    const lowerSentence = text.toLowerCase();
    const lowerLabel = (unit.label ?? "").toLowerCase();
    const labelMentions = unit.label ? mentions.filter((mention) => mention.end <= unit.valueStart) : [];
    const captionMentions = unit.caption ? findModelsInText(catalog, unit.caption) : [];
    const namesModel = mentions.length > 0 || aliasMentions.length > 0 || captionMentions.length > 0;

    const taken: {start: number; end: number}[] = [];
    for (const quantity of quantities) {
        let figure = quantity;
        // A bare number in a box or table takes the unit its label names ("bpw 4", "Bits per weight: 8.50").
        if (figure.family === "number" && unit.label) {
            const unitName = labelUnit(unit.label);
            if (unitName) figure = withUnit(figure, unitName);
        }
        // A bare number in a sentence that names a unit on its own ("Windows counts in GiB, so you'll see about 2.33").
        if (figure.family === "number" && unit.where === "body") {
            const unitWord = /\b(?:in|counts in|shows?|reports?)\s+(GiB|GB|MiB|MB)\b/i.exec(text);
            if (unitWord && figure.closeness === "approximate") figure = withUnit(figure, unitWord[1]!);
        }
        // "KL divergence against F16 of 0.32": a bare number after a named metric takes the metric as its unit.
        if (
            figure.family === "number" &&
            /\b(?:kl[- ]?divergence|kld)\b[^.]{0,40}$/i.test(text.slice(Math.max(0, figure.start - 60), figure.start))
        )
            figure = {...figure, unit: "kld"};
        if (figure.family === "number" && figure.unit !== "kld") continue;
        const clause = unit.label ? {start: 0, end: text.length} : clauseAround(text, figure.start, figure.end);
        const context: FigureContext = {
            quantity: figure,
            text,
            before: words(text.slice(Math.max(clause.start, figure.start - 120), figure.start), 12, true),
            after: words(text.slice(figure.end, Math.min(clause.end, figure.end + 120)), 12, false),
            // A window of the sentence: every cue test reads bounded text.
            sentence: lowerSentence.slice(Math.max(0, figure.start - 300), figure.end + 300),
            label: lowerLabel,
            where: unit.where,
            namesModel,
            namesQuant: quants.length > 0,
            question
        };
        const best = bestKind(context);
        if (!best) continue;
        taken.push({start: figure.start, end: figure.end});
        const claim = buildClaim({
            unit,
            kind: best.kind,
            detection: best.detection,
            figure,
            clause,
            mentions,
            labelMentions,
            captionMentions,
            aliasMentions,
            quants,
            state,
            catalog,
            id: `c${offset + result.length + 1}`,
            unitIndex
        });
        if (claim) result.push(claim);
    }
    // Claims without a figure ("runs on a Raspberry Pi", "practically lossless", "the best 8B model"). Their
    // patterns are checked for ReDoS but some are polynomial, so they only read sentences of a sane length.
    const reasons = new Set<string>();
    for (const detector of text.length <= MAX_PHRASE_UNIT ? PHRASE_DETECTORS : []) {
        for (const found of detector.find(text, {namesModel, mentions: mentions.length, where: unit.where, question})) {
            if (overlapsAny(taken, found.start, found.end)) continue;
            if (detector.kind !== "unverifiable" && result.some((claim) => claim.kind === detector.kind)) continue;
            const reason = String((found.detection.extra as {reason?: string} | undefined)?.reason ?? "");
            if (detector.kind === "unverifiable" && reasons.has(reason)) continue;
            if (detector.kind === "unverifiable") {
                const clause = clauseAround(text, found.start, found.end);
                if (
                    result.some(
                        (claim) =>
                            claim.kind === "unverifiable" &&
                            claim.span &&
                            claim.span[0] - unit.offset >= clause.start &&
                            claim.span[0] - unit.offset < clause.end
                    )
                )
                    continue;
            }
            // Popularity of something said with a figure already counted as a claim is the same claim.
            if (
                detector.kind === "unverifiable" &&
                result.some(
                    (claim) =>
                        claim.span &&
                        claim.span[0] - unit.offset >= found.start &&
                        claim.span[0] - unit.offset < found.end
                )
            )
                continue;
            const clause = clauseAround(text, found.start, found.end);
            const claim = buildClaim({
                unit,
                kind: detector.kind,
                detection: found.detection,
                figure: null,
                phrase: found,
                clause,
                mentions,
                labelMentions,
                captionMentions,
                aliasMentions,
                quants,
                state,
                catalog,
                id: `c${offset + result.length + 1}`,
                unitIndex
            });
            if (claim) {
                result.push(claim);
                taken.push({start: found.start, end: found.end});
                if (detector.kind === "unverifiable") reasons.add(reason);
            }
        }
    }
    remember(state, unit, unitIndex, mentions, aliasMentions, quants);
    return result;
}

function remember(
    state: State,
    unit: TextUnit,
    unitIndex: number,
    mentions: ModelMention[],
    aliases: {model: CatalogModel; quant: string | null; start: number}[],
    quants: QuantMention[]
): void {
    if (/\?["'”’)]*$/.test(unit.text.trim()))
        state.lastQuestion = {
            unit: unitIndex,
            model: mentions[0]?.model ?? aliases[0]?.model ?? null,
            quant: quants.find((quant) => !quant.asBaseline && !SIXTEEN.has(quant.quant))?.quant ?? null,
            text: unit.text.toLowerCase()
        } as State["lastQuestion"];
    const lastMention = [...mentions, ...aliases.map((alias) => ({...alias, end: alias.start}))]
        .sort((a, b) => a.start - b.start)
        .pop();
    for (const mention of mentions) state.counts.set(mention.model, (state.counts.get(mention.model) ?? 0) + 1);
    if (lastMention)
        state.lastModel = {model: lastMention.model, section: unit.section, block: unit.block, unit: unitIndex};
    const lastQuant = quants.filter((quant) => !quant.asBaseline && !SIXTEEN.has(quant.quant)).pop();
    if (lastQuant) state.lastQuant = {quant: lastQuant.quant, block: unit.block, unit: unitIndex};
    else if (lastMention && state.lastQuant && state.lastQuant.block !== unit.block) state.lastQuant = null;
}

function aliasesIn(
    text: string,
    state: State
): {model: CatalogModel; quant: string | null; start: number; end: number}[] {
    const found: {model: CatalogModel; quant: string | null; start: number; end: number}[] = [];
    for (const alias of state.aliases) {
        const match = alias.pattern.exec(text);
        if (match)
            found.push({
                model: alias.model,
                quant: alias.quant,
                start: match.index,
                end: match.index + match[0].length
            });
    }
    for (const match of text.matchAll(SIZE_REFERENCE.pattern)) {
        const model = modelOfSize(Number(match[1]), state);
        if (model) found.push({model, quant: null, start: match.index, end: match.index + match[0].length});
    }
    return found;
}

/**
 * The model of about this many billion parameters that the issue has named ("the 8B model" after
 * "Llama 3 8B"): the last one named if it is that size, else the most-named of that size; none when
 * the issue names no model of that size.
 */
function modelOfSize(billions: number, state: State): CatalogModel | null {
    const sized = (model: CatalogModel | null | undefined): model is CatalogModel => {
        const size = model?.nominalParamsB ?? model?.paramsB;
        return size != null && Math.abs(size - billions) <= 0.1 * billions;
    };
    if (sized(state.lastModel?.model)) return state.lastModel.model;
    let best: CatalogModel | null = null;
    let bestCount = 0;
    for (const [model, count] of state.counts)
        if (sized(model) && count > bestCount) [best, bestCount] = [model, count];
    if (best) return best;
    return sized(state.storyModel) ? state.storyModel : sized(state.docModel) ? state.docModel : null;
}

function withUnit(quantity: Quantity, unit: string): Quantity {
    const families: Record<string, Quantity["family"]> = {
        bpw: "bits",
        GB: "bytes",
        GiB: "bytes",
        MB: "bytes",
        MiB: "bytes",
        "%": "percent",
        "tok/s": "speed",
        B: "count"
    };
    const scale: Record<string, number> = {GB: 1e9, GiB: 2 ** 30, MB: 1e6, MiB: 2 ** 20, B: 1e9};
    return {...quantity, family: families[unit] ?? "number", unit, baseValue: quantity.value * (scale[unit] ?? 1)};
}

function bestKind(context: FigureContext): {kind: ClaimKind; detection: Detection} | null {
    let best: {kind: ClaimKind; detection: Detection} | null = null;
    let tie = false;
    for (const module of KINDS) {
        const detection = module.detect(context as never);
        if (!detection || detection.score <= 0) continue;
        if (!best || detection.score > best.detection.score) {
            best = {kind: module.kind, detection};
            tie = false;
        } else if (detection.score === best.detection.score) tie = true;
    }
    // Two kinds equally sure: the figure is ambiguous, so it is left out rather than guessed.
    if (!best || tie || best.detection.score < 0.5) return null;
    return best;
}

interface BuildInput {
    unit: TextUnit;
    kind: ClaimKind;
    detection: Detection;
    figure: Quantity | null;
    phrase?: {start: number; end: number; text: string};
    clause: {start: number; end: number};
    mentions: ModelMention[];
    labelMentions: ModelMention[];
    captionMentions: ModelMention[];
    aliasMentions: {model: CatalogModel; quant: string | null; start: number; end: number}[];
    quants: QuantMention[];
    state: State;
    catalog: Catalog;
    id: string;
    unitIndex: number;
}

function buildClaim(input: BuildInput): Claim | null {
    const {unit, kind, detection, figure, clause, state} = input;
    const text = unit.text;
    const position = figure?.start ?? input.phrase!.start;
    const clauseText = text.slice(clause.start, clause.end);

    // Model: named in the clause, the sentence, the label/row, an issue alias, the caption, or the text before.
    let model: ModelRef | null = null;
    let via: "quote" | "label" | "context" | null = null;
    // "Avg Model Size Reduction 75%": an average over models is about a quant type, not the story's model.
    const averaged = /\b(avg|average|averages|typical|typically|on average|median)\b/i.test(
        `${unit.label ?? ""} ${clauseText}`
    );
    const generic = detection.generic === true || averaged;
    const nearest = (list: {start: number; end: number; model: CatalogModel}[]): CatalogModel | null => {
        let chosen: {distance: number; model: CatalogModel} | null = null;
        for (const item of list) {
            const distance = item.end <= position ? position - item.end : (item.start - position) * 1.5;
            if (!chosen || distance < chosen.distance) chosen = {distance, model: item.model};
        }
        return chosen?.model ?? null;
    };
    const inClause = [...input.mentions, ...input.aliasMentions].filter(
        (mention) => mention.start >= clause.start && mention.end <= clause.end
    );
    if (!generic) {
        const fromLabel = nearest(input.labelMentions);
        const fromClause = nearest(inClause);
        const fromSentence = nearest([...input.mentions, ...input.aliasMentions]);
        const quantSubject = QUANT_SUBJECT.test(clauseText.trimStart()) && !REFERS_BACK.test(clauseText);
        if (fromLabel) [model, via] = [{model: fromLabel, mention: fromLabel.name}, "label"];
        else if (fromClause) [model, via] = [{model: fromClause, mention: fromClause.name}, "quote"];
        else if (
            quantSubject &&
            (kind === "bits-per-weight" || kind === "size-reduction" || kind === "speed" || kind === "quality-loss")
        )
            model = null;
        else if (fromSentence) [model, via] = [{model: fromSentence, mention: fromSentence.name}, "quote"];
        else if (nearest(input.captionMentions)) {
            const caption = nearest(input.captionMentions)!;
            [model, via] = [{model: caption, mention: caption.name}, "label"];
        } else if (unit.where === "box" || unit.where === "table") {
            const story = state.docModel ?? mostMentioned(state) ?? state.storyModel;
            if (story) [model, via] = [{model: story, mention: story.name}, "context"];
        } else if (quantSubject) model = null;
        else {
            const pointsBack =
                REFERS_BACK.test(clauseText) ||
                REFERS_BACK.test(text) ||
                // A fragment that opens with a figure describes the item named above it ("7B parameter model for …").
                /^[~≈]?\d/.test(text.trim()) ||
                (input.unit.where === "body" &&
                    state.previousText.trim().endsWith("?") &&
                    !/^[A-Z][a-z]+ [a-z]+ (?:is|are|was|has)\b/.test(text));
            const recent =
                state.lastModel &&
                state.lastModel.section === unit.section &&
                input.unitIndex - state.lastModel.unit <= 6;
            const answer =
                state.lastQuestion &&
                input.unitIndex - state.lastQuestion.unit === 1 &&
                input.unitIndex !== state.lastQuestion.unit
                    ? state.lastQuestion
                    : null;
            if (answer?.model && input.mentions.length === 0)
                [model, via] = [{model: answer.model, mention: answer.model.name}, "context"];
            else if (pointsBack && recent)
                [model, via] = [{model: state.lastModel!.model, mention: state.lastModel!.model.name}, "context"];
            else if (state.docModel && (kind !== "unverifiable" || state.docFromFrontMatter))
                [model, via] = [{model: state.docModel, mention: state.docModel.name}, "context"];
        }
    }

    // Quant: named with the figure (not as its baseline), in the label/row, with an alias, or just before.
    const isBaseline = (mention: QuantMention): boolean =>
        mention.asBaseline ||
        (SIXTEEN.has(mention.quant) && kind !== "file-size" && kind !== "hardware-fit" && kind !== "bits-per-weight");
    const subjectQuants = input.quants.filter((mention) => !isBaseline(mention));
    const clauseQuants = subjectQuants.filter((mention) => mention.start >= clause.start && mention.end <= clause.end);
    let quant: string | null = null;
    let quantSource: "claim" | "context" | "none" = "none";
    const pick = (list: QuantMention[]): string | null => {
        if (list.length === 0) return null;
        return [...list].sort((a, b) => Math.abs(a.start - position) - Math.abs(b.start - position))[0]!.quant;
    };
    const labelQuant = unit.label ? pick(subjectQuants.filter((mention) => mention.end <= unit.valueStart)) : null;
    quant = labelQuant ?? pick(clauseQuants) ?? pick(subjectQuants);
    if (quant) quantSource = "claim";
    if (!quant && unit.caption) {
        quant =
            findQuantMentions(unit.caption).find((mention) => !mention.asBaseline && !SIXTEEN.has(mention.quant))
                ?.quant ?? null;
        if (quant) quantSource = "context";
    }
    const answer =
        state.lastQuestion &&
        input.unitIndex - state.lastQuestion.unit === 1 &&
        input.unitIndex !== state.lastQuestion.unit
            ? state.lastQuestion
            : null;
    if (!quant && answer?.quant && model && answer.model === model.model)
        [quant, quantSource] = [answer.quant, "context"];
    if (!quant) {
        const alias = input.aliasMentions.find((item) => item.quant);
        if (alias?.quant) [quant, quantSource] = [alias.quant, "context"];
    }
    if (
        !quant &&
        model &&
        state.lastQuant &&
        input.unitIndex - state.lastQuant.unit <= 4 &&
        kind !== "parameter-count" &&
        kind !== "active-parameters"
    )
        [quant, quantSource] = [state.lastQuant.quant, "context"];
    if (!quant && !model && state.lastQuant && state.lastQuant.block === unit.block && kind !== "unverifiable")
        [quant, quantSource] = [state.lastQuant.quant, "context"];
    if (!quant && !model && averaged && state.commonQuant && kind !== "unverifiable")
        [quant, quantSource] = [state.commonQuant, "context"];
    if (!quant && model && state.docQuant && kind === "hardware-fit")
        [quant, quantSource] = [state.docQuant, "context"];

    // "Previous Qwen2 Largest 72B", "Qwen3's 4B": a family word before a count, completed with it, may name a model.
    if (figure && (kind === "parameter-count" || kind === "active-parameters") && via !== "label" && !inClause.length) {
        const lead = text
            .slice(Math.max(clause.start, figure.start - 80), figure.start)
            .split(/\s+/)
            .filter(Boolean)
            .slice(-6);
        for (const word of lead) {
            const candidate = findModel(input.catalog, `${word.replace(/['’]s$/, "")} ${figure.text}`);
            if (candidate) {
                [model, via] = [{model: candidate, mention: `${word} ${figure.text}`}, unit.label ? "label" : "quote"];
                break;
            }
        }
    }

    // A count far from the size of a model named outside its clause belongs to another model ("its predecessor's 72B").
    if (
        model &&
        kind === "parameter-count" &&
        figure &&
        via !== "label" &&
        !inClause.some((mention) => mention.model === model!.model)
    ) {
        const nominal = model.model.nominalParamsB ?? model.model.paramsB;
        const ratio = nominal ? figure.baseValue / (nominal * 1e9) : 1;
        if (ratio > 2 || ratio < 0.5) model = null;
    }

    // A figure about models in general, or with nothing to be about, is not a claim.
    const quantMatters = kind !== "parameter-count" && kind !== "active-parameters" && kind !== "unverifiable";
    const subjectType = model ? "model" : quant && quantMatters ? "quant" : "general";
    if (
        kind !== "unverifiable" &&
        subjectType === "general" &&
        !(detection.extra as {keepGeneral?: boolean} | undefined)?.keepGeneral
    )
        return null;
    if (kind === "unverifiable" && !model && !(detection.extra as {keepGeneral?: boolean} | undefined)?.keepGeneral)
        return null;

    const baselineSource = `${unit.label ?? ""} ${clauseText} ${unit.caption ?? ""}`;
    const baseline =
        findBaseline(unit.label ?? "") ??
        findBaseline(clauseText) ??
        findBaseline(text) ??
        (unit.caption ? findBaseline(unit.caption) : null);
    void baselineSource;

    const claimedText = figure
        ? unit.label
            ? text.slice(unit.valueStart)
            : `${figure.boundText && figure.boundText !== "not" ? `${figure.boundText} ` : ""}${figure.text}`
        : input.phrase!.text;
    const numberStart = figure ? claimedText.indexOf(figure.numberText) : -1;
    const extra = (detection.extra ?? {}) as Record<string, unknown>;
    delete extra.keepGeneral;
    const valueBytes = figure?.family === "bytes";
    const claimInput = {
        id: input.id,
        kind,
        quote: quoteOf(unit, position, figure?.end ?? input.phrase!.end),
        subject: {
            type: subjectType,
            mention: model?.mention ?? null,
            quant,
            quantSource,
            modelId: model?.model.id ?? null,
            modelVia: via,
            generic
        },
        claimed: {
            text: claimedText,
            value: figure
                ? figure.family === "bytes"
                    ? figure.baseValue
                    : figure.family === "count"
                      ? figure.baseValue
                      : figure.value
                : null,
            unit: figure ? unitOf(figure) : null,
            byteUnit: valueBytes ? figure!.unit : null,
            numberText: figure?.numberText ?? null,
            numberSpan: numberStart >= 0 && figure ? [numberStart, numberStart + figure.numberText.length] : null,
            comparator: figure?.comparator ?? "eq",
            closeness: figure?.closeness ?? "plain",
            baseline: baseline?.baseline ?? null,
            baselineText: baseline?.text ?? null,
            ...(detection.claimed ?? {})
        },
        source: unit.where === "box" ? "metric-box" : unit.where === "table" ? "table" : "body",
        box:
            unit.where === "box"
                ? {box: 0, line: 0, title: "", label: unit.label ?? "", value: text.slice(unit.valueStart)}
                : null,
        line: unit.line,
        span: figure
            ? [
                  unit.offset + Math.max(0, figure.start - unit.valueStart),
                  unit.offset + Math.max(0, figure.end - unit.valueStart)
              ]
            : [unit.offset, unit.offset + text.length],
        context: [],
        ...extra
    };
    const parsed = ClaimSchema.safeParse(claimInput);
    return parsed.success ? parsed.data : null;
}

function unitOf(figure: Quantity): string {
    switch (figure.family) {
        case "bytes":
            return "bytes";
        case "count":
            return "params";
        case "fraction":
            return "fraction";
        default:
            return figure.unit;
    }
}

/** Parse a figure given in a sidecar ("80B", "~60%", "24 GB", "18x") into a claimed value. */
export function parseClaimedFigure(text: string): Record<string, unknown> {
    const figure = findQuantities(text).find((quantity) => quantity.family !== "number");
    if (!figure) return {text, value: null, unit: null};
    return {
        text,
        value: figure.family === "bytes" || figure.family === "count" ? figure.baseValue : figure.value,
        unit: unitOf(figure),
        byteUnit: figure.family === "bytes" ? figure.unit : null,
        numberText: figure.numberText,
        numberSpan: [figure.start, figure.start + figure.numberText.length],
        comparator: figure.comparator,
        closeness: figure.closeness
    };
}

/** Every regex extraction runs, for the ReDoS check (tests/claims.redos.test.ts). */
export const EXTRACT_REGEXES: readonly RegExp[] = [
    QUANT_TYPE,
    BASELINE_BEFORE,
    CLAUSE_BREAK,
    REFERS_BACK,
    QUANT_SUBJECT,
    ALIAS_DEFINITION,
    ...BASELINES.map(([pattern]) => pattern)
];
