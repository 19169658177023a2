import {readdir, readFile, stat} from "node:fs/promises";
import {basename, extname, join} from "node:path";
import {parse as parseYaml} from "yaml";
import {findModel, findModelsInText, modelById} from "../catalog/lookup.js";
import type {Catalog} from "../catalog/schema.js";
import {UserError} from "../util/errors.js";
import {logInfo} from "../util/log.js";
import {EvidenceCache, gatherEvidence, type EvidenceOptions, type GatheredEvidence, type Sourced} from "./evidence.js";
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
import {judgeClaim, type Comparison} from "./verdict.js";
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
}

/** Twins above this are skipped by default: a check (and `npm run demo`) must stay quick. */
export const DEFAULT_TWIN_MAX_BYTES = 0.25e9;

export async function checkIssue(text: string, options: CheckOptions): Promise<IssueReport> {
    const evidenceOptions: EvidenceOptions = {
        offline: options.offline ?? false,
        measure: options.measure ?? false,
        twins: options.twins ?? true,
        twinMaxBytes: options.twinMaxBytes ?? DEFAULT_TWIN_MAX_BYTES,
        env: options.env
    };
    const cache = options.cache ?? new EvidenceCache();
    const extracted = extractClaims(text);
    const boxes = extracted.boxes.map((box) => ({...box, items: [...box.items]}));
    const claims = [
        ...extracted.claims,
        ...sidecarToClaims(options.sidecarClaims ?? [], extracted.claims.length, boxes)
    ];

    const links = claims.map((claim) => linkClaim(claim, options.catalog));
    const gathered: GatheredEvidence[] = [];
    for (const [index, claim] of claims.entries())
        gathered.push(
            await gatherEvidence(claim, links[index]!, {catalog: options.catalog, options: evidenceOptions, cache})
        );

    const checked: CheckedClaim[] = claims.map((claim, index) => {
        const link = links[index]!;
        const comparison =
            claim.kind === "size-ratio" ? findComparison(claim, index, claims, links, gathered, options) : null;
        const verdict = judgeClaim({claim, link, gathered: gathered[index]!, catalog: options.catalog, comparison});
        return {claim, link, evidence: gathered[index]!.evidence, missing: gathered[index]!.missing, verdict};
    });
    const warnings = [...new Set(gathered.flatMap((item) => item.warnings))];
    return IssueReportSchema.parse({
        issue: options.issueName ?? "<text>",
        title: extracted.title,
        mode: {offline: evidenceOptions.offline, measure: evidenceOptions.measure},
        claims: checked,
        boxes,
        verifiedNumbers: verifiedNumbers(boxes, checked),
        counts: countVerdicts(checked),
        warnings
    });
}

export function countVerdicts(checked: readonly CheckedClaim[]): VerdictCounts {
    const counts: VerdictCounts = {supported: 0, refuted: 0, inconclusive: 0, unverifiable: 0};
    for (const item of checked) counts[item.verdict.verdict]++;
    return counts;
}

/**
 * The two models a ratio compares: two catalog models named in its sentence, the sidecar's
 * `comparedTo`, or the two parameter counts beside it in the same metric box ("4B", "72B",
 * "18x smaller").
 */
function findComparison(
    claim: Claim,
    index: number,
    claims: Claim[],
    links: ClaimLink[],
    gathered: GatheredEvidence[],
    options: CheckOptions
): Comparison | null {
    const paramsOf = (modelId: string): {name: string; params: Sourced<number>} | null => {
        const model = modelById(options.catalog, modelId);
        if (!model) return null;
        const proxy = model.proxy ? modelById(options.catalog, model.proxy) : undefined;
        const paramsB = model.paramsB ?? proxy?.paramsB;
        if (paramsB != null) return {name: model.name, params: {value: paramsB * 1e9, level: "catalog", how: null}};
        return model.nominalParamsB != null
            ? {name: model.name, params: {value: model.nominalParamsB * 1e9, level: "catalog", how: "by name"}}
            : null;
    };
    if (claim.subject.comparedMention && claim.subject.modelId) {
        const a = findModel(options.catalog, claim.subject.modelId);
        const b = findModel(options.catalog, claim.subject.comparedMention);
        const pa = a ? paramsOf(a.id) : null;
        const pb = b ? paramsOf(b.id) : null;
        return pa && pb ? {a: pa, b: pb} : null;
    }
    const inQuote = [
        ...new Map(
            findModelsInText(options.catalog, claim.quote).map((mention) => [mention.model.id, mention.model])
        ).values()
    ];
    if (inQuote.length >= 2 && claim.source !== "metric-box") {
        const pa = paramsOf(inQuote[0]!.id);
        const pb = paramsOf(inQuote[1]!.id);
        return pa && pb ? {a: pa, b: pb} : null;
    }
    if (claim.box) {
        const siblings = claims
            .map((other, otherIndex) => ({other, otherIndex}))
            .filter(
                ({other, otherIndex}) =>
                    otherIndex !== index &&
                    other.box?.box === claim.box!.box &&
                    other.kind === "parameter-count" &&
                    links[otherIndex]!.models.length > 0
            );
        const distinct = [
            ...new Map(siblings.map(({otherIndex}) => [links[otherIndex]!.models[0]!.id, otherIndex])).values()
        ];
        if (distinct.length === 2) {
            const facts = distinct.map((otherIndex) => gathered[otherIndex]!.facts[0]);
            const sides = distinct.map((otherIndex, side) => {
                const modelFacts = facts[side];
                return modelFacts?.params
                    ? {name: modelFacts.named.name, params: modelFacts.params}
                    : paramsOf(links[otherIndex]!.models[0]!.id);
            });
            if (sides[0] && sides[1]) return {a: sides[0], b: sides[1]};
        }
    }
    return null;
}

function sidecarToClaims(items: readonly SidecarClaim[], offset: number, boxes: MetricBox[]): Claim[] {
    return items.map((item, index) => {
        const id = `s${offset + index + 1}`;
        const claimed = item.claimed
            ? parseClaimedFigure(item.claimed, item.kind)
            : {text: item.quote, value: null, unit: null};
        if (item.baseline) claimed.baseline = item.baseline;
        if (item.hardware)
            claimed.hardware = {
                class: item.hardware,
                memoryBytes: claimed.hardware?.memoryBytes ?? null,
                memoryKind: claimed.hardware?.memoryKind ?? "any"
            };
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
        return ClaimSchema.parse({
            id,
            quote: item.quote,
            kind: item.kind,
            subject: {
                type: item.model ? "model" : item.quant ? "quant" : "general",
                mention: item.model ?? null,
                quant: item.quant?.toUpperCase() ?? null,
                modelId: item.model ?? null,
                comparedMention: item.comparedTo ?? null
            },
            claimed,
            source: "sidecar",
            box,
            unverifiableReason:
                item.kind === "unverifiable" ? (item.reason ?? "stated as unverifiable in the sidecar") : null,
            context: []
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Files

const ISSUE_EXTENSIONS = new Set([".md", ".markdown", ".txt", ".text"]);
const SIDECAR_SUFFIXES = [".claims.yaml", ".claims.yml", ".claims.json"];

/** Issue files named on the command line: files as given, folders expanded to their .md/.txt files (sorted). */
export async function expandIssuePaths(paths: readonly string[]): Promise<string[]> {
    const files: string[] = [];
    for (const path of paths) {
        const info = await stat(path).catch(() => null);
        if (!info) throw new UserError(`Issue file or folder not found: ${path}.`);
        if (info.isDirectory()) {
            const entries = (await readdir(path))
                .filter((name) => ISSUE_EXTENSIONS.has(extname(name).toLowerCase()) && !/^readme\./i.test(name))
                .sort();
            if (entries.length === 0) throw new UserError(`No issue files (.md, .txt) in ${path}.`);
            files.push(...entries.map((name) => join(path, name)));
        } else {
            files.push(path);
        }
    }
    return files;
}

export async function loadSidecar(path: string): Promise<SidecarFile> {
    let text: string;
    try {
        text = await readFile(path, "utf8");
    } catch (error) {
        throw new UserError(
            `Cannot read the claims file ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : String(error)}.`,
            {cause: error}
        );
    }
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
}

export async function checkIssueFiles(paths: readonly string[], options: CheckFilesOptions): Promise<IssueReport[]> {
    const files = await expandIssuePaths(paths);
    const explicit = options.sidecarPath ? await loadSidecar(options.sidecarPath) : null;
    const cache = new EvidenceCache();
    const reports: IssueReport[] = [];
    for (const file of files) {
        const text = await readFile(file, "utf8").catch((error: unknown) => {
            throw new UserError(
                `Cannot read the issue ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
                {cause: error}
            );
        });
        const sidecars: SidecarClaim[] = [];
        if (explicit && sidecarApplies(explicit, file)) sidecars.push(...explicit.claims);
        const sibling = await siblingSidecar(file);
        if (sibling && sibling !== options.sidecarPath) sidecars.push(...(await loadSidecar(sibling)).claims);
        logInfo(`checking ${file} …`);
        reports.push(await checkIssue(text, {...options, sidecarClaims: sidecars, issueName: file, cache}));
    }
    return reports;
}
