import {readdir, stat} from "node:fs/promises";
import {basename, extname, join} from "node:path";
import {parse as parseYaml} from "yaml";
import {findModel, modelById} from "../catalog/lookup.js";
import type {Catalog} from "../catalog/schema.js";
import {errorMessage, UserError} from "../util/errors.js";
import {readTextFile} from "../util/fs.js";
import {logInfo, logWarning} from "../util/log.js";
import {type CatalogEstimator, makeEstimator} from "./estimator.js";
import {EvidenceCache, gatherEvidence, type EvidenceOptions, type GatheredEvidence} from "./evidence.js";
import {extractClaims, parseClaimedFigure} from "./extract.js";
import {linkClaim} from "./link.js";
import {
    ClaimSchema,
    IssueReportSchema,
    SidecarFileSchema,
    type CheckedClaim,
    type Claim,
    type ClaimLink,
    type IssueReport,
    type MetricBox,
    type SidecarClaim,
    type SidecarFile,
    type VerdictCounts
} from "./schema.js";
import type {Finding} from "./findings.js";
import {judgeClaim} from "./judge.js";
import {fromBand, judgeBand, TOLERANCE} from "./kinds/shared.js";
import {hardwareAfterFigure} from "./kinds/speed.js";
import {renderVerdict} from "./render.js";
import {verifiedNumbers} from "./verified-numbers.js";

/**
 * `checkIssue`: issue text → claims → catalog links → evidence → verdicts → report.
 * Evidence work (header reads, twins, benchmarks) is shared across the claims of a run.
 */

export interface CheckOptions extends Partial<EvidenceOptions> {
    catalog: Catalog;
    /** Claims an editor states explicitly (from a sidecar file); they join the extracted ones. */
    sidecarClaims?: SidecarClaim[];
    /** Name shown for the issue (its path); "<text>" by default. */
    issueName?: string;
    /** Shared across issues of one run so that evidence is gathered once. */
    cache?: EvidenceCache;
    /** The physics estimator (hardware.yaml + calibration), made once per run; null turns it off. */
    estimator?: CatalogEstimator | null;
}

/** Twins above this are skipped by default: a check (and `npm run demo`) must stay quick. */
export const DEFAULT_TWIN_MAX_BYTES = 0.25e9;

/** Issues above this size are refused: a newsletter issue is kilobytes; this is a thousand times more. */
export const MAX_ISSUE_BYTES = 50 * 1024 * 1024;

export async function checkIssue(text: string, options: CheckOptions): Promise<IssueReport> {
    if (text.length > MAX_ISSUE_BYTES)
        throw new UserError(
            `The issue ${options.issueName ?? "text"} is ${Math.round(text.length / 1024 / 1024)} MB; check reads issues up to ` +
                `${MAX_ISSUE_BYTES / 1024 / 1024} MB.`
        );
    const evidenceOptions: EvidenceOptions = {
        offline: options.offline ?? false,
        measure: options.measure ?? false,
        twins: options.twins ?? true,
        twinMaxBytes: options.twinMaxBytes ?? DEFAULT_TWIN_MAX_BYTES,
        env: options.env
    };
    const cache = options.cache ?? new EvidenceCache();
    const extracted = extractClaims(text, options.catalog, options.issueName);
    const boxes = extracted.boxes.map((box) => ({...box, items: [...box.items]}));
    const claims = [
        ...extracted.claims,
        ...sidecarToClaims(options.sidecarClaims ?? [], extracted.claims.length, boxes, options.catalog)
    ];

    // A speed figure whose sentence was cut at a line break: the hardware named right after it in the issue.
    for (const claim of claims)
        if (claim.kind === "speed" && claim.speed.form === "tokens-per-second" && !claim.speed.hardware && claim.span)
            claim.speed.hardware = hardwareAfterFigure(text.slice(claim.span[1], claim.span[1] + 160));

    const links = claims.map((claim) => linkClaim(claim, options.catalog));
    const gathered: GatheredEvidence[] = [];
    for (const [index, claim] of claims.entries())
        gathered.push(
            await gatherEvidence(claim, links[index]!, {catalog: options.catalog, options: evidenceOptions, cache})
        );

    // Speed and fit claims about hardware llmproof has not measured: the estimator's bytes per token, per model and quant.
    const estimator =
        options.estimator !== undefined ? options.estimator : await makeEstimator(options.catalog, options.env);
    if (estimator)
        for (const [index, claim] of claims.entries())
            if (claim.kind === "speed" || claim.kind === "hardware-fit")
                for (const facts of gathered[index]!.facts)
                    await estimator.prepare(facts.named.id, facts.fileBytes.keys());

    // Parameter counts by metric box, so a ratio in a box finds its box's counts without a scan of every claim.
    const boxCounts = new Map<number, ClaimLink[]>();
    claims.forEach((claim, index) => {
        if (claim.kind !== "parameter-count" || claim.box == null) return;
        const list = boxCounts.get(claim.box.box) ?? [];
        list.push(links[index]!);
        boxCounts.set(claim.box.box, list);
    });
    const checked: CheckedClaim[] = claims.map((claim, index) => {
        const link = links[index]!;
        const comparison = claim.kind === "size-ratio" ? boxComparison(claim, boxCounts, options.catalog) : null;
        const verdict = comparison
            ? renderVerdict(comparison, claim, link)
            : judgeClaim({claim, link, gathered: gathered[index]!, catalog: options.catalog, estimator});
        return {claim, link, evidence: gathered[index]!.evidence, missing: gathered[index]!.missing, verdict};
    });
    const warnings = [...new Set(gathered.flatMap((item) => item.warnings))];
    // Every claim was validated when it was made; the report is assembled, not re-parsed (177k claims would take minutes).
    const report: IssueReport = {
        issue: options.issueName ?? "<text>",
        title: extracted.title,
        mode: {offline: evidenceOptions.offline, measure: evidenceOptions.measure},
        claims: checked,
        boxes,
        verifiedNumbers: verifiedNumbers(boxes, checked),
        counts: countVerdicts(checked),
        warnings,
        error: null
    };
    return report;
}

/**
 * "Parameter Count 4B / Previous Qwen2 Largest 72B / Efficiency Improvement 18x smaller": a ratio in
 * a metric box beside two parameter counts of two models compares those models, not a file with
 * its 16-bit original.
 */
function boxComparison(claim: Claim, boxCounts: ReadonlyMap<number, ClaimLink[]>, catalog: Catalog): Finding | null {
    if (claim.claimed.value == null || claim.claimed.baseline) return null;
    const counts = new Map<string, {name: string; params: number}>();
    const paramsOf = (id: string | undefined): void => {
        const model = id ? modelById(catalog, id) : undefined;
        const proxy = model?.proxy ? modelById(catalog, model.proxy) : undefined;
        const billions = model?.paramsB ?? proxy?.paramsB ?? model?.nominalParamsB;
        if (model && billions) counts.set(model.id, {name: model.name, params: billions * 1e9});
    };
    // A sidecar's `comparedTo`: the two models it names.
    if (claim.subject.comparedMention && claim.subject.modelId) {
        paramsOf(claim.subject.modelId);
        paramsOf(findModel(catalog, claim.subject.comparedMention)?.id);
    }
    if (counts.size === 0 && !claim.box) return null;
    if (counts.size === 0 && claim.box)
        for (const link of boxCounts.get(claim.box.box) ?? []) paramsOf(link.models[0]?.id);
    if (counts.size !== 2) return null;
    const [a, b] = [...counts.values()].sort((x, y) => y.params - x.params);
    const actual = a!.params / b!.params;
    const result = judgeBand(actual, claim.claimed.value, claim.claimed, TOLERANCE.ratio);
    return fromBand(result, {
        subject: `${b!.name} against ${a!.name} in parameters (the two models compared)`,
        actual: {value: actual, unit: "x"},
        claimed: {value: claim.claimed.value, unit: "x"},
        basis: [
            {
                what: `${a!.name} parameters`,
                amount: {value: a!.params, unit: "params"},
                level: "catalog",
                source: "models.yaml",
                how: null
            },
            {
                what: `${b!.name} parameters`,
                amount: {value: b!.params, unit: "params"},
                level: "catalog",
                source: "models.yaml",
                how: null
            }
        ]
    });
}

export function countVerdicts(checked: readonly CheckedClaim[]): VerdictCounts {
    const counts: VerdictCounts = {supported: 0, refuted: 0, inconclusive: 0, unverifiable: 0};
    for (const item of checked) counts[item.verdict.verdict]++;
    return counts;
}

function sidecarToClaims(
    items: readonly SidecarClaim[],
    offset: number,
    boxes: MetricBox[],
    catalog: Catalog
): Claim[] {
    return items.map((item, index) => {
        const id = `s${offset + index + 1}`;
        const claimed: Record<string, unknown> = item.claimed
            ? parseClaimedFigure(item.claimed)
            : {text: item.quote, value: null, unit: null};
        claimed.text = item.claimed ?? item.quote;
        if (item.baseline) claimed.baseline = item.baseline;
        let box: Claim["box"] = null;
        if (item.box) {
            let target = boxes.find((candidate) => candidate.title.toLowerCase() === item.box!.title.toLowerCase());
            if (!target) {
                target = {index: boxes.length, title: item.box.title, line: 1, items: []};
                boxes.push(target);
            }
            target.items.push({label: item.box.label, value: item.claimed ?? item.quote, claimId: id});
            box = {
                box: target.index,
                line: target.items.length - 1,
                title: target.title,
                label: item.box.label,
                value: item.claimed ?? item.quote
            };
        }
        const model = item.model ? findModel(catalog, item.model) : undefined;
        const extra: Record<string, unknown> = {};
        if (item.kind === "hardware-fit")
            extra.hardware = {
                class: item.hardware ?? "memory",
                memoryBytes: typeof claimed.value === "number" ? claimed.value : null,
                memoryKind: "any",
                form: "fits"
            };
        if (item.kind === "speed")
            extra.speed = {
                form: claimed.unit === "tok/s" ? "tokens-per-second" : claimed.value == null ? "qualitative" : "ratio",
                direction: "faster"
            };
        if (item.kind === "quality-loss")
            extra.quality =
                claimed.value == null
                    ? {strictness: qualityStrictness(item.claimed ?? item.quote), metric: null}
                    : {strictness: "numeric", metric: "perplexity"};
        if (item.kind === "unverifiable") extra.reason = item.reason ?? "stated as unverifiable in the sidecar";
        return ClaimSchema.parse({
            id,
            quote: item.quote,
            kind: item.kind,
            subject: {
                type: item.model ? "model" : item.quant ? "quant" : "general",
                mention: item.model ?? null,
                quant: item.quant?.toUpperCase() ?? null,
                quantSource: item.quant ? "claim" : "none",
                modelId: model?.id ?? null,
                modelVia: model ? "sidecar" : null,
                comparedMention: item.comparedTo ?? null
            },
            claimed,
            source: "sidecar",
            box,
            context: [],
            ...extra
        });
    });
}

function qualityStrictness(text: string): "lossless" | "negligible" | "minimal" {
    if (/(zero|no|lossless)/i.test(text) && !/(near|nearly|practically|virtually)/i.test(text)) return "lossless";
    if (/(minimal|minor|small|slight)/i.test(text)) return "minimal";
    return "negligible";
}

// ---------------------------------------------------------------------------------------------
// Files

const ISSUE_EXTENSIONS = new Set([".md", ".markdown", ".txt", ".text"]);
const SIDECAR_SUFFIXES = [".claims.yaml", ".claims.yml", ".claims.json"];

/** Issue files named on the command line: files as given, folders expanded to their .md/.txt files (sorted). */
export async function expandIssuePaths(paths: readonly string[]): Promise<string[]> {
    const files: string[] = [];
    for (const path of paths) {
        if (path === "-") {
            files.push("-");
            continue;
        }
        const info = await stat(path).catch(() => null);
        if (!info) throw new UserError(`Issue file or folder not found: ${path}.`);
        if (info.isDirectory()) {
            const entries = (await readdir(path))
                .filter((name) => ISSUE_EXTENSIONS.has(extname(name).toLowerCase()) && !/^readme\./i.test(name))
                .sort();
            if (entries.length === 0) throw new UserError(`No issue files (.md, .txt) in ${path}.`);
            files.push(...entries.map((name) => join(path, name)));
        } else if (!info.isFile()) {
            throw new UserError(`${path} is not a regular file (a FIFO or device cannot be read as an issue).`);
        } else {
            files.push(path);
        }
    }
    return files;
}

/** Largest claims sidecar read (a hand-written list of claims is a few KB). */
export const MAX_SIDECAR_BYTES = 16 * 2 ** 20;

export async function loadSidecar(path: string): Promise<SidecarFile> {
    // A regular file only: a FIFO is refused at once, never waited on.
    const text = await readTextFile(path, {label: "the claims file", maxBytes: MAX_SIDECAR_BYTES, strictText: true});
    let raw: unknown;
    try {
        raw = path.toLowerCase().endsWith(".json") ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
        throw new UserError(
            `The claims file ${path} is not valid ${path.toLowerCase().endsWith(".json") ? "JSON" : "YAML"}: ${(error as Error).message.split("\n")[0]}.`,
            {cause: error}
        );
    }
    const result = SidecarFileSchema.safeParse(raw);
    if (!result.success) {
        const issue = result.error.issues[0]!;
        const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
        throw new UserError(`The claims file ${path} is invalid: ${where}${issue.message}.`);
    }
    return result.data;
}

function sidecarApplies(sidecar: SidecarFile, issuePath: string): boolean {
    if (sidecar.issue === undefined) return true;
    const names = Array.isArray(sidecar.issue) ? sidecar.issue : [sidecar.issue];
    return names.some((name) => basename(name) === basename(issuePath));
}

/** The sidecar next to an issue, if any: `issue-12.md` → `issue-12.claims.yaml`. */
async function siblingSidecar(issuePath: string): Promise<string | null> {
    const stem = issuePath.slice(0, issuePath.length - extname(issuePath).length);
    for (const suffix of SIDECAR_SUFFIXES) {
        const candidate = stem + suffix;
        if (
            await stat(candidate).then(
                (info) => info.isFile(),
                () => false
            )
        )
            return candidate;
    }
    return null;
}

export interface CheckFilesOptions extends Omit<CheckOptions, "sidecarClaims" | "issueName" | "cache"> {
    /** A sidecar given with --claims; sidecars next to each issue are read too. */
    sidecarPath?: string;
    /** The text of `-` (standard input). */
    stdinText?: string;
}

export async function checkIssueFiles(paths: readonly string[], options: CheckFilesOptions): Promise<IssueReport[]> {
    const files = await expandIssuePaths(paths);
    const explicit = options.sidecarPath ? await loadSidecar(options.sidecarPath) : null;
    const cache = new EvidenceCache();
    const estimator = await makeEstimator(options.catalog, options.env);
    const reports: IssueReport[] = [];
    for (const file of files) {
        // One issue that cannot be read or checked is reported as such; the others' reports are kept.
        try {
            if (file !== "-") {
                const info = await stat(file);
                if (!info.isFile())
                    throw new UserError(`${file} is not a regular file (a FIFO or device cannot be read as an issue).`);
                if (info.size > MAX_ISSUE_BYTES)
                    throw new UserError(
                        `The issue ${file} is ${Math.round(info.size / 1024 / 1024)} MB; check reads issues up to ${MAX_ISSUE_BYTES / 1024 / 1024} MB.`
                    );
            }
            // Opened non-blocking and checked again: a file swapped for a FIFO since the stat is refused, not waited on.
            const text =
                file === "-"
                    ? (options.stdinText ?? "")
                    : await readTextFile(file, {label: "the issue", maxBytes: MAX_ISSUE_BYTES});
            const sidecars: SidecarClaim[] = [];
            if (explicit && (file === "-" || sidecarApplies(explicit, file))) sidecars.push(...explicit.claims);
            const sibling = file === "-" ? null : await siblingSidecar(file);
            if (sibling && sibling !== options.sidecarPath) sidecars.push(...(await loadSidecar(sibling)).claims);
            logInfo(`checking ${file === "-" ? "standard input" : file} …`);
            reports.push(
                await checkIssue(text, {
                    ...options,
                    sidecarClaims: sidecars,
                    issueName: file === "-" ? "<stdin>" : file,
                    cache,
                    estimator
                })
            );
        } catch (error) {
            if (files.length === 1) throw error;
            const message = error instanceof UserError ? error.message : `unexpected error: ${errorMessage(error)}`;
            logWarning(`${file}: ${message}`);
            reports.push(failedReport(file, message, options));
        }
    }
    return reports;
}

/** The report of an issue that could not be checked: no claims, the reason as `error`. */
function failedReport(file: string, message: string, options: CheckFilesOptions): IssueReport {
    return IssueReportSchema.parse({
        issue: file,
        title: null,
        mode: {offline: options.offline ?? false, measure: options.measure ?? false},
        claims: [],
        boxes: [],
        verifiedNumbers: [],
        counts: {supported: 0, refuted: 0, inconclusive: 0, unverifiable: 0},
        warnings: [message],
        error: message
    });
}
