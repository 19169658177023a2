import {basename, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {parseDocument} from "yaml";
import type {z} from "zod";
import {UserError, errorMessage} from "../util/errors.js";
import {readTextFile} from "../util/fs.js";
import {CatalogSchema, type Catalog} from "./schema.js";
import {findKeyProblems} from "./lookup.js";

/** The catalog shipped with llmproof: models.yaml at the package root (two levels above src/catalog and dist/catalog). */
export const defaultCatalogPath = fileURLToPath(new URL("../../models.yaml", import.meta.url));

/** Largest catalog file read (the shipped one is a few hundred KB). */
export const MAX_CATALOG_BYTES = 16 * 2 ** 20;

export interface LoadCatalogOptions {
    /** Catalog file to read; wins over LLMPROOF_CATALOG and the shipped models.yaml. */
    path?: string;
    env?: NodeJS.ProcessEnv;
}

/** Which catalog file to read: the option, then LLMPROOF_CATALOG, then the shipped one. */
export function catalogPath(options: LoadCatalogOptions = {}): string {
    const fromEnv = (options.env ?? process.env).LLMPROOF_CATALOG;
    if (options.path != null && options.path !== "") return resolve(options.path);
    if (fromEnv != null && fromEnv !== "") return resolve(fromEnv);
    return defaultCatalogPath;
}

export async function loadCatalog(pathOrOptions?: string | LoadCatalogOptions): Promise<Catalog> {
    const options = typeof pathOrOptions === "string" ? {path: pathOrOptions} : (pathOrOptions ?? {});
    const path = catalogPath(options);
    // A regular file only (a FIFO would hang the read), of a plausible size, with no NUL bytes.
    const text = await readTextFile(path, {
        label: "the model catalog",
        verb: "load",
        maxBytes: MAX_CATALOG_BYTES,
        strictText: true
    });
    return parseCatalog(text, path === defaultCatalogPath ? basename(path) : path);
}

/** Parse and validate catalog YAML; `label` names the file in error messages. */
export function parseCatalog(text: string, label = "models.yaml"): Catalog {
    if (text.includes("\u0000"))
        throw new UserError(`${label}: the file contains NUL bytes; it is not a YAML text file.`);
    let document: ReturnType<typeof parseDocument>;
    let raw: unknown;
    try {
        document = parseDocument(text);
        raw = document.errors.length > 0 ? undefined : document.toJS({maxAliasCount: 1000});
    } catch (error) {
        // The yaml library stops alias bombs ("Excessive alias count") and deep nesting overflows the stack.
        const why =
            error instanceof RangeError
                ? "its nesting is too deep"
                : /alias/i.test(errorMessage(error))
                  ? "it expands aliases too many times (a YAML alias bomb)"
                  : errorMessage(error);
        throw new UserError(`${label}: invalid YAML: ${why}.`, {cause: error});
    }
    const yamlError = document.errors[0];
    if (yamlError != null) {
        const position = yamlError.linePos?.[0];
        const where = position == null ? "" : ` at line ${position.line}, column ${position.col}`;
        const message = yamlError.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        throw new UserError(`${label}: invalid YAML${where}: ${message}.`);
    }
    const result = CatalogSchema.safeParse(raw);
    if (!result.success) throw new UserError(`${label}: ${describeIssues(result.error.issues, raw)}`);

    const keyProblems = findKeyProblems(result.data.models);
    if (keyProblems.length > 0) {
        const first = keyProblems[0]!;
        const more =
            keyProblems.length > 1
                ? ` (and ${keyProblems.length - 1} more problem${keyProblems.length > 2 ? "s" : ""})`
                : "";
        throw new UserError(
            `${label}: model "${result.data.models[first.modelIndex]!.id}" → aliases: ${first.message}${more}.`
        );
    }
    return result.data;
}

type Issue = z.core.$ZodIssue;

/** "model "qwen3-4b" → files.Q4_K_M.sizeBytes: expected a number, got "big" (and 2 more problems)." */
function describeIssues(issues: readonly Issue[], raw: unknown): string {
    const first = issues[0];
    if (first == null) return "invalid catalog.";
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
    return `${describeLocation(first.path, raw)}: ${describeIssue(first, raw)}${more}.`;
}

function describeLocation(path: readonly PropertyKey[], raw: unknown): string {
    if (path[0] === "models" && typeof path[1] === "number") {
        const entry = valueAt(raw, path.slice(0, 2));
        const id =
            typeof entry === "object" && entry != null && typeof (entry as {id?: unknown}).id === "string"
                ? `model "${(entry as {id: string}).id}"`
                : `model #${path[1] + 1}`;
        const rest = formatPath(path.slice(2));
        return rest === "" ? id : `${id} → ${rest}`;
    }
    return path.length === 0 ? "top level" : formatPath(path);
}

function formatPath(path: readonly PropertyKey[]): string {
    return path
        .map((key, index) => (typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`))
        .join("");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let value = root;
    for (const key of path) {
        if (value == null || typeof value !== "object") return undefined;
        value = (value as Record<PropertyKey, unknown>)[key];
    }
    return value;
}

const typeNames: Record<string, string> = {
    number: "a number",
    int: "a whole number",
    string: "text",
    boolean: "true or false",
    array: "a list",
    object: "a mapping",
    record: "a mapping",
    null: "null"
};

function describeValue(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    if (typeof value === "object") return "a mapping";
    if (typeof value === "string") return `"${value.length > 40 ? `${value.slice(0, 37)}...` : value}"`;
    return String(value);
}

function describeIssue(issue: Issue, raw: unknown): string {
    const value = valueAt(raw, issue.path);
    switch (issue.code) {
        case "invalid_type":
            return value === undefined
                ? `is missing (expected ${typeNames[issue.expected] ?? issue.expected})`
                : `expected ${typeNames[issue.expected] ?? issue.expected}, got ${describeValue(value)}`;
        case "unrecognized_keys":
            return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => `"${key}"`).join(", ")}`;
        case "invalid_value":
            return `expected one of ${issue.values.map((option) => JSON.stringify(option)).join(", ")}, got ${describeValue(value)}`;
        case "custom":
            return issue.message;
        default:
            return `${issue.message.replace(/^Invalid input: /, "")}${value === undefined ? "" : `, got ${describeValue(value)}`}`;
    }
}
