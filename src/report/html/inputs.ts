import {readdir, readFile, stat} from "node:fs/promises";
import {join} from "node:path";
import {z} from "zod";
import {LadderDocumentSchema, type LadderDocument} from "../../ladder/schema.js";
import {BenchRunSchema, type BenchRun} from "../../results/schema.js";
import {UserError, errorMessage} from "../../util/errors.js";
import {logWarning} from "../../util/log.js";

/**
 * What `llmproof report` reads, told apart by content (never by file name): bench results (a
 * saved run, `{runs: [...]}` or JSON lines), `ladder --json` documents (`kind: "llmproof-ladder"`)
 * and `check --json` output (`{tool: "llmproof", issues: [...]}`). A status this version does not
 * know (a newer llmproof's, say) is kept as written and read as ok or failed by its failure field.
 */

/** A run as the report shows it: the validated run, its status as written, and the file it came from. */
export interface ReportRun {
    run: BenchRun;
    status: string;
    source: string;
}

/** The flat claim of `check --json`; only what the report shows is required. */
export const CheckClaimSchema = z.looseObject({
    id: z.string(),
    quote: z.string(),
    kind: z.string(),
    model: z.string().nullable().optional(),
    quant: z.string().nullable().optional(),
    claimed: z.string(),
    actual: z.string().nullable().optional(),
    verdict: z.string(),
    evidence: z.string().nullable().optional(),
    evidenceDetail: z
        .array(
            z.looseObject({level: z.string(), source: z.string().optional(), command: z.string().nullable().optional()})
        )
        .optional(),
    tolerance: z.string().nullable().optional(),
    command: z.string().nullable().optional(),
    note: z.string().nullable().optional()
});
export type CheckClaim = z.infer<typeof CheckClaimSchema>;

export const CheckDocumentSchema = z.looseObject({
    tool: z.literal("llmproof"),
    version: z.string(),
    issues: z.array(
        z.looseObject({
            issue: z.string(),
            title: z.string().nullable().optional(),
            counts: z.record(z.string(), z.number()).optional(),
            claims: z.array(CheckClaimSchema),
            warnings: z.array(z.string()).optional()
        })
    )
});
export type CheckDocument = z.infer<typeof CheckDocumentSchema>;

export interface ReportInputs {
    runs: ReportRun[];
    ladders: {document: LadderDocument; runs: ReportRun[]; source: string}[];
    checks: {document: CheckDocument; source: string}[];
    /** Every file read, in order. */
    files: string[];
    /** Files inside given folders that were not llmproof outputs. */
    skipped: {path: string; reason: string}[];
}

export async function loadReportInputs(paths: readonly string[]): Promise<ReportInputs> {
    if (paths.length === 0) throw new UserError("Give at least one result file or folder to report on.");
    const inputs: ReportInputs = {runs: [], ladders: [], checks: [], files: [], skipped: []};
    for (const path of paths) {
        const info = await stat(path).catch(() => null);
        if (info === null) throw new UserError(`No such file or folder: ${path}`);
        if (info.isDirectory()) {
            for (const file of await filesUnder(path)) {
                try {
                    addDocument(inputs, await readFile(file, "utf8"), file);
                } catch (error) {
                    if (!(error instanceof UserError)) throw error;
                    inputs.skipped.push({path: file, reason: errorMessage(error)});
                    logWarning(`skipped ${file}: ${errorMessage(error)}`);
                }
            }
        } else {
            const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
                throw new UserError(`Cannot read ${path} (${error.code ?? error.message}).`);
            });
            addDocument(inputs, text, path);
        }
    }
    if (inputs.runs.length === 0 && inputs.ladders.length === 0 && inputs.checks.length === 0)
        throw new UserError(
            `No llmproof results in ${paths.join(", ")} (bench JSON/JSONL, ladder JSON or check JSON).`
        );
    return inputs;
}

/** .json and .jsonl files under a folder, sorted, subfolders included. */
async function filesUnder(dir: string): Promise<string[]> {
    const found: string[] = [];
    for (const entry of (await readdir(dir, {withFileTypes: true})).sort((a, b) => a.name.localeCompare(b.name))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) found.push(...(await filesUnder(path)));
        else if (entry.isFile() && /\.jsonl?$/i.test(entry.name)) found.push(path);
    }
    return found;
}

/** Parse one file's text and add what it holds. */
export function addDocument(inputs: ReportInputs, text: string, source: string): void {
    const values = parseJsonValues(text, source);
    for (const value of values) {
        const kind = detectKind(value);
        if (kind === "ladder") {
            const raw = value as {runs?: unknown};
            const runs = Array.isArray(raw.runs) ? raw.runs.map((run) => readRun(run, source)) : [];
            const result = LadderDocumentSchema.safeParse({...(value as object), runs: runs.map((run) => run.run)});
            if (!result.success)
                throw new UserError(
                    `${source} looks like a ladder document but does not match its schema (${firstIssue(result.error)}).`
                );
            inputs.ladders.push({document: result.data, runs, source});
        } else if (kind === "check") {
            const result = CheckDocumentSchema.safeParse(value);
            if (!result.success)
                throw new UserError(
                    `${source} looks like check output but does not match its schema (${firstIssue(result.error)}).`
                );
            inputs.checks.push({document: result.data, source});
        } else if (kind === "bench-report") {
            for (const run of (value as {runs: unknown[]}).runs) inputs.runs.push(readRun(run, source));
        } else if (kind === "bench-run") {
            inputs.runs.push(readRun(value, source));
        } else throw new UserError(`${source} is not an llmproof result (bench, ladder or check JSON).`);
    }
    if (!inputs.files.includes(source)) inputs.files.push(source);
}

type DocumentKind = "ladder" | "check" | "bench-report" | "bench-run" | "unknown";

export function detectKind(value: unknown): DocumentKind {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return "unknown";
    const record = value as Record<string, unknown>;
    if (record.kind === "llmproof-ladder") return "ladder";
    if (record.tool === "llmproof" && Array.isArray(record.issues)) return "check";
    if (Array.isArray(record.runs)) return "bench-report";
    if (typeof record.test === "string" && typeof record.config === "object" && typeof record.model === "object")
        return "bench-run";
    return "unknown";
}

function parseJsonValues(text: string, source: string): unknown[] {
    const trimmed = text.trim();
    if (trimmed === "") throw new UserError(`${source} is empty.`);
    try {
        return [JSON.parse(trimmed)];
    } catch {
        // JSON lines: one run per line.
    }
    try {
        return trimmed
            .split(/\r?\n/)
            .filter((line) => line.trim() !== "")
            .map((line) => JSON.parse(line) as unknown);
    } catch (error) {
        throw new UserError(`${source} is not valid JSON (${errorMessage(error)}).`);
    }
}

/** A run, validated; a status this version does not know is read by its failure field and kept as written. */
function readRun(value: unknown, source: string): ReportRun {
    const raw = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const written = typeof raw.status === "string" ? raw.status : "unknown";
    const status = written === "ok" || written === "failed" ? written : raw.failure == null ? "ok" : "failed";
    const result = BenchRunSchema.safeParse({...raw, status});
    if (!result.success)
        throw new UserError(
            `${source} holds a bench run that does not match the result schema (${firstIssue(result.error)}).`
        );
    return {run: result.data, status: written, source};
}

function firstIssue(error: z.ZodError): string {
    const issue = error.issues[0];
    return `${issue?.path.join(".") || "document"}: ${issue?.message ?? "invalid"}`;
}
