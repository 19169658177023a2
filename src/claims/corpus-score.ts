import {z} from "zod";

/**
 * Scoring `check` against an annotated corpus (tests/fixtures/claims-corpus/truth.yaml and the
 * held-out documents under tests/fixtures/claims-heldout/): which annotated claims were found,
 * with which kind and verdict, which extracted claims match nothing, and which distractors
 * became claims. Pure: it takes the truth and the flat JSON claims, no I/O. Used by
 * `npm run bench:claims` and by the golden tests.
 */

export const TruthClaimSchema = z.object({
    id: z.string(),
    quote: z.string(),
    model: z.string().optional(),
    quant: z.string().optional(),
    kind: z.string(),
    claimed: z.string(),
    verdict: z.enum(["supported", "refuted", "unverifiable"]),
    truth: z.string(),
    where: z.enum(["body", "box", "table"]),
    note: z.string().optional()
});
export type TruthClaim = z.infer<typeof TruthClaimSchema>;

export const TruthFileSchema = z.record(
    z.string(),
    z.object({
        claims: z.array(TruthClaimSchema).default([]),
        not_claims: z.array(z.object({quote: z.string(), why: z.string()})).default([])
    })
);
export type TruthFile = z.infer<typeof TruthFileSchema>;

/** What scoring needs of an extracted claim (the fields of `check --json`, plus `span` when present). */
export interface ScoredClaim {
    quote: string;
    kind: string;
    claimed: string;
    verdict: string;
    modelId?: string | null;
    /** Offsets of the claimed figure in the document, when the engine reports them. */
    span?: [number, number] | null;
}

export interface ClaimOutcome {
    truth: TruthClaim;
    found: ScoredClaim | null;
    kindRight: boolean;
    verdictRight: boolean;
}

export interface DocumentScore {
    document: string;
    outcomes: ClaimOutcome[];
    /** Extracted claims that match no annotation and no distractor. */
    extra: ScoredClaim[];
    /** Extracted claims that overlap a distractor (`not_claims`). */
    distractorHits: {quote: string; claim: ScoredClaim}[];
    /** Extracted claims matching an annotation another claim already matched. */
    duplicates: ScoredClaim[];
}

const normalize = (text: string): string =>
    text
        .normalize("NFKC")
        .replace(/[‘’]/g, "'")
        .replace(/[“”]/g, '"')
        .replace(/[*_`>|]/g, " ")
        .replace(/\s+/g, " ")
        .trim()
        .toLowerCase();

interface Located {
    start: number;
    end: number;
}

/** Where a quote sits in the document (first occurrence), in normalized coordinates. */
function locate(normalizedDocument: string, quote: string): Located | null {
    const needle = normalize(quote);
    if (needle === "") return null;
    const at = normalizedDocument.indexOf(needle);
    return at === -1 ? null : {start: at, end: at + needle.length};
}

/** Where the claim's figure sits: its claimed text located inside its quote, else the quote. */
function claimLocation(normalizedDocument: string, claim: ScoredClaim): Located | null {
    const quoteAt = locate(normalizedDocument, claim.quote);
    const claimed = normalize(claim.claimed);
    if (quoteAt) {
        const inside = normalizedDocument.slice(quoteAt.start, quoteAt.end).indexOf(claimed);
        if (claimed !== "" && inside !== -1)
            return {start: quoteAt.start + inside, end: quoteAt.start + inside + claimed.length};
        return quoteAt;
    }
    const claimedAt = claimed.length >= 3 ? locate(normalizedDocument, claim.claimed) : null;
    return claimedAt;
}

const overlaps = (a: Located, b: Located): boolean => a.start < b.end && b.start < a.end;
const contains = (outer: Located, inner: Located): boolean => outer.start <= inner.start && inner.end <= outer.end;

export function scoreDocument(
    document: string,
    text: string,
    truth: TruthFile[string],
    claims: readonly ScoredClaim[]
): DocumentScore {
    const normalizedDocument = normalize(text);
    const annotations = truth.claims.map((item) => ({item, at: locate(normalizedDocument, item.quote)}));
    const distractors = truth.not_claims.map((item) => ({item, at: locate(normalizedDocument, item.quote)}));
    const taken = new Map<string, ScoredClaim>();
    const extra: ScoredClaim[] = [];
    const duplicates: ScoredClaim[] = [];
    const distractorHits: DocumentScore["distractorHits"] = [];

    // The figure of a claim must sit inside the annotated quote; among several, the same kind wins.
    const located = claims.map((claim) => ({claim, at: claimLocation(normalizedDocument, claim)}));
    const ranked = located
        .map(({claim, at}) => {
            const candidates = annotations.filter(
                (annotation) => annotation.at && at && (contains(annotation.at, at) || contains(at, annotation.at))
            );
            // Then an overlap; then the same sentence and the same kind (a figure just outside the quoted words).
            const quoteAt = locate(normalizedDocument, claim.quote);
            const fallback =
                candidates.length > 0
                    ? candidates
                    : annotations.filter((annotation) => annotation.at && at && overlaps(annotation.at, at)).length > 0
                      ? annotations.filter((annotation) => annotation.at && at && overlaps(annotation.at, at))
                      : annotations.filter(
                            (annotation) =>
                                annotation.at &&
                                quoteAt &&
                                annotation.item.kind === claim.kind &&
                                contains(quoteAt, annotation.at)
                        );
            const sorted = [...fallback].sort(
                (a, b) =>
                    Number(b.item.kind === claim.kind) - Number(a.item.kind === claim.kind) ||
                    a.at!.end - a.at!.start - (b.at!.end - b.at!.start)
            );
            return {claim, at, candidates: sorted};
        })
        // Claims whose kind matches an annotation choose first.
        .sort(
            (a, b) =>
                Number(b.candidates[0]?.item.kind === b.claim.kind) -
                Number(a.candidates[0]?.item.kind === a.claim.kind)
        );

    for (const {claim, at, candidates} of ranked) {
        const free = candidates.find((candidate) => !taken.has(candidate.item.id));
        if (free) {
            taken.set(free.item.id, claim);
            continue;
        }
        if (candidates.length > 0) {
            duplicates.push(claim);
            continue;
        }
        const distractor = distractors.find((entry) => entry.at && at && overlaps(entry.at, at));
        if (distractor) distractorHits.push({quote: distractor.item.quote, claim});
        else extra.push(claim);
    }

    const outcomes = truth.claims.map((item) => {
        const found = taken.get(item.id) ?? null;
        return {
            truth: item,
            found,
            kindRight: found !== null && found.kind === item.kind,
            verdictRight: found !== null && found.verdict === item.verdict
        };
    });
    return {document, outcomes, extra, distractorHits, duplicates};
}

export interface KindRow {
    kind: string;
    annotated: number;
    found: number;
    kindRight: number;
    verdictRight: number;
    /** Extracted with this kind (precision's denominator). */
    extracted: number;
    /** Extracted with this kind and matching an annotation of this kind. */
    extractedRight: number;
    falseSupported: number;
    falseRefuted: number;
}

export interface CorpusScore {
    documents: DocumentScore[];
    rows: KindRow[];
    total: KindRow;
    distractors: number;
    distractorHits: number;
    extra: number;
    duplicates: number;
}

function emptyRow(kind: string): KindRow {
    return {
        kind,
        annotated: 0,
        found: 0,
        kindRight: 0,
        verdictRight: 0,
        extracted: 0,
        extractedRight: 0,
        falseSupported: 0,
        falseRefuted: 0
    };
}

/** Per-kind and overall figures. A wrong verdict on a claim that matches nothing annotated counts too. */
export function summarize(documents: DocumentScore[], distractorCount: number): CorpusScore {
    const rows = new Map<string, KindRow>();
    const row = (kind: string): KindRow => {
        let entry = rows.get(kind);
        if (!entry) {
            entry = emptyRow(kind);
            rows.set(kind, entry);
        }
        return entry;
    };
    for (const document of documents) {
        for (const outcome of document.outcomes) {
            const entry = row(outcome.truth.kind);
            entry.annotated++;
            if (outcome.found) {
                entry.found++;
                if (outcome.kindRight) entry.kindRight++;
                if (outcome.verdictRight) entry.verdictRight++;
                const said = outcome.found.verdict;
                if (said === "supported" && outcome.truth.verdict !== "supported") entry.falseSupported++;
                if (said === "refuted" && outcome.truth.verdict !== "refuted") entry.falseRefuted++;
                const extractedRow = row(outcome.found.kind);
                extractedRow.extracted++;
                if (outcome.kindRight) extractedRow.extractedRight++;
            }
        }
        for (const claim of [
            ...document.extra,
            ...document.duplicates,
            ...document.distractorHits.map((h) => h.claim)
        ]) {
            const entry = row(claim.kind);
            entry.extracted++;
            if (claim.verdict === "supported") entry.falseSupported++;
            if (claim.verdict === "refuted") entry.falseRefuted++;
        }
    }
    const sorted = [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind));
    const total = sorted.reduce((sum, entry) => {
        for (const key of Object.keys(entry) as (keyof KindRow)[])
            if (key !== "kind") (sum[key] as number) += entry[key] as number;
        return sum;
    }, emptyRow("all"));
    return {
        documents,
        rows: sorted,
        total,
        distractors: distractorCount,
        distractorHits: documents.reduce((sum, document) => sum + document.distractorHits.length, 0),
        extra: documents.reduce((sum, document) => sum + document.extra.length, 0),
        duplicates: documents.reduce((sum, document) => sum + document.duplicates.length, 0)
    };
}

const pct = (part: number, whole: number): string => (whole === 0 ? "—" : `${((100 * part) / whole).toFixed(0)}%`);

/** The table `bench:claims` prints (Markdown). */
export function renderScoreTable(score: CorpusScore): string {
    const lines = [
        "| kind | annotated | recall | kind right | precision | verdict right | false-supported | false-refuted |",
        "|---|---|---|---|---|---|---|---|"
    ];
    for (const entry of [...score.rows, score.total]) {
        const name = entry.kind === "all" ? "**all**" : entry.kind;
        lines.push(
            `| ${name} | ${entry.annotated} | ${pct(entry.found, entry.annotated)} | ${pct(entry.kindRight, entry.annotated)} | ` +
                `${pct(entry.extractedRight, entry.extracted)} | ${entry.verdictRight}/${entry.annotated} (${pct(entry.verdictRight, entry.annotated)}) | ` +
                `${entry.falseSupported} | ${entry.falseRefuted} |`
        );
    }
    lines.push(
        "",
        `distractors that became claims: ${score.distractorHits} of ${score.distractors}; ` +
            `claims matching nothing annotated: ${score.extra}; duplicates: ${score.duplicates}`
    );
    return lines.join("\n");
}
