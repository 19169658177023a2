import {UserError} from "../util/errors.js";
import type {Catalog, CatalogFile, CatalogFilePart, CatalogModel} from "./schema.js";

/**
 * Name matching. People write one model many ways ("Qwen 3.5-397B", "qwen3.5 397b",
 * "Qwen3-Next 80-billion"), so names are compared as *keys*: lower-case letters and digits only,
 * with "billion"/"million" after a number shortened to "b"/"m" and possessive "'s" dropped.
 */

interface KeyChar {
    char: string;
    /** Span of the original text this key character came from. */
    start: number;
    end: number;
}

const letterRun = /^\p{L}+$/u;
const digitRun = /^\p{Nd}+$/u;
const alphanumeric = /[\p{L}\p{Nd}]/u;
const apostrophes = new Set(["'", "\u2019"]);

/** Turn one stretch of text (no hard breaks inside) into key characters that point back into it. */
function keyCharsOf(text: string, offset: number): KeyChar[] {
    const result: KeyChar[] = [];
    const tokens = [...text.matchAll(/\p{L}+|\p{Nd}+|[^\p{L}\p{Nd}]/gu)];
    let lastWordKind: "letters" | "digits" | null = null;
    tokens.forEach((token, index) => {
        const value = token[0];
        const start = offset + token.index;
        if (letterRun.test(value)) {
            const lower = value.toLowerCase();
            const previous = tokens[index - 1]?.[0];
            if (
                (lower === "billion" || lower === "million") &&
                lastWordKind === "digits" &&
                (previous == null || digitRun.test(previous) || previous === " " || previous === "-")
            ) {
                result.push({char: lower[0]!, start, end: start + value.length});
            } else if (
                lower === "s" &&
                previous != null &&
                apostrophes.has(previous) &&
                tokens[index - 2] != null &&
                alphanumeric.test(tokens[index - 2]![0])
            ) {
                // possessive: "lejelly's" matches "lejelly"
            } else {
                for (let i = 0; i < value.length; i++)
                    result.push({char: lower[i]!, start: start + i, end: start + i + 1});
            }
            lastWordKind = "letters";
        } else if (digitRun.test(value)) {
            for (let i = 0; i < value.length; i++) result.push({char: value[i]!, start: start + i, end: start + i + 1});
            lastWordKind = "digits";
        }
    });
    return result;
}

/** The comparison key of a name: "Qwen 3.5-397B" → "qwen35397b". */
export function nameKey(name: string): string {
    return keyCharsOf(name.normalize("NFKC"), 0)
        .map((item) => item.char)
        .join("");
}

/** Every key a model answers to: id, name, aliases, and its repo ("owner/name", "name", "name" without -GGUF). */
export function modelKeys(
    model: Pick<CatalogModel, "id" | "name" | "aliases" | "repo">
): {key: string; written: string}[] {
    const written = [model.id, model.name, ...model.aliases];
    if (model.repo != null) {
        const repoName = model.repo.slice(model.repo.indexOf("/") + 1);
        written.push(model.repo, repoName, repoName.replace(/[-_.]gguf$/i, ""));
    }
    const seen = new Set<string>();
    const keys: {key: string; written: string}[] = [];
    for (const text of written) {
        const key = nameKey(text);
        if (key !== "" && !seen.has(key)) {
            seen.add(key);
            keys.push({key, written: text});
        }
    }
    return keys;
}

/** Keys shorter than this match too much noise in running text. */
export const minimumKeyLength = 4;

export interface KeyProblem {
    modelIndex: number;
    written: string;
    message: string;
}

/** Aliases that two models share (after normalising) or that are too short; the loader reports them. */
export function findKeyProblems(
    models: readonly Pick<CatalogModel, "id" | "name" | "aliases" | "repo">[]
): KeyProblem[] {
    const owners = new Map<string, number>();
    const problems: KeyProblem[] = [];
    models.forEach((model, modelIndex) => {
        for (const {key, written} of modelKeys(model)) {
            const owner = owners.get(key);
            if (key.length < minimumKeyLength)
                problems.push({
                    modelIndex,
                    written,
                    message: `"${written}" is too short to match reliably (at least ${minimumKeyLength} letters or digits)`
                });
            else if (owner != null && owner !== modelIndex)
                problems.push({modelIndex, written, message: `"${written}" also names model "${models[owner]!.id}"`});
            else owners.set(key, modelIndex);
        }
    });
    return problems;
}

interface KeyIndex {
    byId: Map<string, CatalogModel>;
    byKey: Map<string, CatalogModel>;
    entries: KeyEntry[];
    /** Entries by the first PREFIX characters of their key, for one pass over a text. */
    byPrefix: Map<string, KeyEntry[]>;
    /** Keys shorter than PREFIX (never in a validated catalog): tried at every position. */
    short: KeyEntry[];
}

interface KeyEntry {
    key: string;
    written: string;
    model: CatalogModel;
}

/** Keys shorter than this are refused by catalog validation, so every validated key has a prefix of this length. */
const PREFIX = minimumKeyLength;

const keyIndexes = new WeakMap<Catalog, KeyIndex>();

function keyIndexOf(catalog: Catalog): KeyIndex {
    let index = keyIndexes.get(catalog);
    if (index == null) {
        index = {byId: new Map(), byKey: new Map(), entries: [], byPrefix: new Map(), short: []};
        for (const model of catalog.models) {
            index.byId.set(model.id, model);
            for (const {key, written} of modelKeys(model)) {
                if (!index.byKey.has(key)) index.byKey.set(key, model);
                const entry = {key, written, model};
                index.entries.push(entry);
                if (key.length < PREFIX) index.short.push(entry);
                else {
                    const prefix = key.slice(0, PREFIX);
                    index.byPrefix.set(prefix, [...(index.byPrefix.get(prefix) ?? []), entry]);
                }
            }
        }
        keyIndexes.set(catalog, index);
    }
    return index;
}

/** The entry with exactly this id (ids are unique), or undefined. */
export function modelById(catalog: Catalog, id: string): CatalogModel | undefined {
    return keyIndexOf(catalog).byId.get(id);
}

/**
 * The entry a name, alias, id or repo refers to, or undefined. Tolerates case, spaces,
 * hyphens, underscores and dots, "80-billion" for "80B", an `hf:` prefix and a "-GGUF" suffix.
 */
export function findModel(catalog: Catalog, nameOrAlias: string): CatalogModel | undefined {
    const byKey = keyIndexOf(catalog).byKey;
    const text = nameOrAlias.trim().replace(/^hf:/i, "");
    const candidates = [text, text.replace(/[-_.\s]gguf$/i, "")];
    for (const candidate of candidates) {
        const model = byKey.get(nameKey(candidate));
        if (model != null) return model;
    }
    return undefined;
}

/** Like findModel, but a miss is the user's to fix: the error names close matches. */
export function requireModel(catalog: Catalog, nameOrAlias: string): CatalogModel {
    const model = findModel(catalog, nameOrAlias);
    if (model != null) return model;
    const key = nameKey(nameOrAlias);
    const close =
        key === ""
            ? []
            : [
                  ...new Set(
                      keyIndexOf(catalog)
                          .entries.filter((entry) => entry.key.includes(key) || key.includes(entry.key))
                          .map((entry) => entry.model.id)
                  )
              ].slice(0, 5);
    const hint =
        close.length > 0
            ? ` Did you mean ${close.map((id) => `"${id}"`).join(", ")}?`
            : " Run `llmproof models` to list the catalog.";
    throw new UserError(`No catalog model is called "${nameOrAlias}".${hint}`);
}

export interface ModelMention {
    model: CatalogModel;
    /** The text as it appears in the input. */
    text: string;
    /** The catalog name or alias that matched. */
    matchedAlias: string;
    /** Offsets into the input: text === input.slice(start, end). */
    start: number;
    end: number;
}

/** Punctuation that ends a name: a match never spans these. Dots end one only before a space. */
const hardBreak = /[,;:!?()[\]{}<>"\u201C\u201D\u00AB\u00BB|\u2013\u2014\r\n\t]|\.(?=\s|$)|\s-\s/gu;

function isAlphanumericAt(text: string, index: number): boolean {
    return index >= 0 && index < text.length && alphanumeric.test(text[index]!);
}

/** A name starts and ends at word edges; "3.5" is one number, so a dot between digits is not an edge. */
function isEdge(text: string, before: number, after: number): boolean {
    if (isAlphanumericAt(text, before) || isAlphanumericAt(text, after)) return false;
    const dotBetweenDigits = (dot: number) =>
        text[dot] === "." && /\p{Nd}/u.test(text[dot - 1] ?? "") && /\p{Nd}/u.test(text[dot + 1] ?? "");
    return !dotBetweenDigits(before) && !dotBetweenDigits(after);
}

/**
 * Every mention of a catalog model in free text, in reading order. Where names overlap, the
 * longest wins ("Qwen3-4B-vanilla-checkpoints" is one mention, not also "Qwen3-4B").
 */
export function findModelsInText(catalog: Catalog, text: string): ModelMention[] {
    const {byPrefix, short} = keyIndexOf(catalog);
    const candidates: ModelMention[] = [];
    let segmentStart = 0;
    const segments: {start: number; end: number}[] = [];
    for (const breakMatch of text.matchAll(hardBreak)) {
        segments.push({start: segmentStart, end: breakMatch.index});
        segmentStart = breakMatch.index + breakMatch[0].length;
    }
    segments.push({start: segmentStart, end: text.length});

    for (const segment of segments) {
        const keyChars = keyCharsOf(text.slice(segment.start, segment.end), segment.start);
        if (keyChars.length === 0) continue;
        const stream = keyChars.map((item) => item.char).join("");
        // Every place a key starts: the entries sharing the prefix there, or (never in a valid catalog) a shorter key.
        for (let at = 0; at < stream.length; at++) {
            const sharing = byPrefix.get(stream.slice(at, at + PREFIX));
            for (const entry of short.length === 0 ? (sharing ?? []) : [...(sharing ?? []), ...short]) {
                if (!stream.startsWith(entry.key, at)) continue;
                const start = keyChars[at]!.start;
                const end = keyChars[at + entry.key.length - 1]!.end;
                if (!isEdge(text, start - 1, end)) continue;
                candidates.push({
                    model: entry.model,
                    text: text.slice(start, end),
                    matchedAlias: entry.written,
                    start,
                    end
                });
            }
        }
    }

    candidates.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
    const chosen: ModelMention[] = [];
    for (const candidate of candidates) {
        if (chosen.every((taken) => candidate.end <= taken.start || candidate.start >= taken.end))
            chosen.push(candidate);
    }
    return chosen.sort((a, b) => a.start - b.start);
}

export function suiteNames(catalog: Catalog): string[] {
    return Object.keys(catalog.suites);
}

/** The models of one suite, in catalog order; an unknown suite name is the user's to fix. */
export function modelsBySuite(catalog: Catalog, suite: string): CatalogModel[] {
    if (!(suite in catalog.suites))
        throw new UserError(
            `Unknown suite "${suite}"; the catalog defines ${suiteNames(catalog)
                .map((name) => `"${name}"`)
                .join(", ")}.`
        );
    return catalog.models.filter((model) => model.suites.includes(suite));
}

/** The models an issue features (by the issue number printed on it), in catalog order. */
export function modelsByIssue(catalog: Catalog, issueNumber: number): CatalogModel[] {
    return catalog.models.filter((model) => model.issues.some((issue) => issue.number === issueNumber));
}

/** The model that runs in this one's place: itself when it has files, else its proxy. */
export function benchmarkTarget(catalog: Catalog, model: CatalogModel): CatalogModel | undefined {
    if (!model.benchmarkable) return undefined;
    if (Object.keys(model.files).length > 0) return model;
    return model.proxy == null ? undefined : modelById(catalog, model.proxy);
}

/** A catalog file with the repo and revision filled in from its model. */
export interface ResolvedCatalogFile extends Omit<CatalogFile, "repo" | "revision" | "parts"> {
    modelId: string;
    quant: string;
    repo: string | null;
    /** "main" when the catalog does not pin one. */
    revision: string;
    /** Every part in order; a single-file model has one part (its path), an unnamed file none. */
    parts: CatalogFilePart[];
}

/** The canonical spelling of a quantization type: upper case, "FP16"/"FP32" as llama.cpp's "F16"/"F32". */
export function normalizeQuant(quant: string): string {
    const upper = quant.trim().toUpperCase();
    if (upper === "FP16") return "F16";
    if (upper === "FP32") return "F32";
    return upper;
}

/** The file entry of one quantization (case-insensitive: "q4_k_m" works), or undefined. */
export function fileForQuant(model: CatalogModel, quant: string): ResolvedCatalogFile | undefined {
    const wanted = normalizeQuant(quant);
    const file = model.files[wanted];
    if (file == null) return undefined;
    const parts: CatalogFilePart[] =
        file.parts ?? (file.path == null ? [] : [{path: file.path, sizeBytes: file.sizeBytes, sha256: file.sha256}]);
    return {
        ...file,
        modelId: model.id,
        quant: wanted,
        repo: file.repo ?? model.repo,
        revision: file.revision ?? (file.repo == null ? model.revision : null) ?? "main",
        parts
    };
}

const sixteenBitAndUp = new Set(["F32", "F16", "BF16"]);

/** The quantization to use when none is named: Q4_K_M when present, else the first quantized one. */
export function defaultQuant(model: CatalogModel): string | undefined {
    const quants = Object.keys(model.files);
    if (quants.includes("Q4_K_M")) return "Q4_K_M";
    return quants.find((quant) => !sixteenBitAndUp.has(quant)) ?? quants[0];
}

/**
 * Resolve "catalog-id[:QUANT]" (as `llmproof pull` takes it) to one file. `path` may still be
 * null when the catalog knows the quantization exists but not its file name; the caller then
 * looks the file up in the repo's listing.
 */
export function resolveCatalogRef(catalog: Catalog, ref: string): {model: CatalogModel; file: ResolvedCatalogFile} {
    const colon = ref.lastIndexOf(":");
    const hasQuant = colon > 0 && !/^hf$/i.test(ref.slice(0, colon));
    const name = hasQuant ? ref.slice(0, colon) : ref;
    const model = requireModel(catalog, name);
    if (Object.keys(model.files).length === 0) {
        const standIn = model.proxy == null ? "" : ` Its stand-in is "${model.proxy}": use that instead.`;
        const why = model.benchmarkable ? "" : ` (${model.notBenchmarkableReason})`;
        throw new UserError(`Catalog model "${model.id}" has no GGUF files${why}.${standIn}`);
    }
    const quant = hasQuant ? normalizeQuant(ref.slice(colon + 1)) : defaultQuant(model)!;
    const file = fileForQuant(model, quant);
    if (file == null)
        throw new UserError(
            `Catalog model "${model.id}" has no ${quant} file; it lists ${Object.keys(model.files).join(", ")}.`
        );
    if (file.repo == null)
        throw new UserError(`Catalog model "${model.id}" does not record which repo holds its ${quant} file.`);
    return {model, file};
}
