#!/usr/bin/env node
// npm run bench:claims — extraction and verdict accuracy of `check` on annotated corpora.
// Runs `check` (offline, no twins) on every document of a corpus folder holding a truth.yaml
// (schema: tests/fixtures/claims-corpus/README.md) and prints, per claim kind and overall:
// recall (annotated claims found), kind right, precision (extracted claims of that kind that
// match an annotation of that kind), verdict accuracy, false-supported and false-refuted.
// Needs the compiled dist/ (npm run build).
//
// options: --corpus DIR (repeatable; default: tests/fixtures/claims-corpus, and
//          tests/fixtures/claims-heldout when present, each scored on its own)
//          --verbose (list every miss, wrong verdict, extra claim and distractor hit)  --json
import {readFile} from "node:fs/promises";
import {existsSync} from "node:fs";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {parse as parseYaml} from "yaml";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const {values} = parseArgs({
    options: {
        corpus: {type: "string", multiple: true},
        verbose: {type: "boolean", short: "v", default: false},
        json: {type: "boolean", default: false}
    }
});
const dist = (path) => import(new URL(`../dist/${path}`, import.meta.url).href);
const {loadCatalog} = await dist("catalog/load.js");
const {checkIssue} = await dist("claims/check.js");
const {toJsonClaim} = await dist("claims/report.js");
const {TruthFileSchema, scoreDocument, summarize, renderScoreTable} = await dist("claims/corpus-score.js");

const defaults = ["tests/fixtures/claims-corpus", "tests/fixtures/claims-heldout"].filter((dir) =>
    existsSync(join(projectRoot, dir, "truth.yaml"))
);
const corpora = (values.corpus ?? defaults).map((dir) => resolve(projectRoot, dir));
const catalog = await loadCatalog();
const results = [];
for (const corpus of corpora) {
    const truth = TruthFileSchema.parse(parseYaml(await readFile(join(corpus, "truth.yaml"), "utf8")));
    const documents = [];
    let distractors = 0;
    const started = performance.now();
    for (const [name, entry] of Object.entries(truth)) {
        const text = await readFile(join(corpus, name), "utf8");
        const report = await checkIssue(text, {catalog, offline: true, twins: false, issueName: name});
        const claims = report.claims.map((item) => {
            const json = toJsonClaim(item);
            return {...json, modelId: item.link?.models?.[0]?.id ?? null};
        });
        documents.push(scoreDocument(name, text, entry, claims));
        distractors += entry.not_claims.length;
    }
    const score = summarize(documents, distractors);
    results.push({corpus, score, seconds: (performance.now() - started) / 1000});
}

if (values.json) {
    process.stdout.write(
        `${JSON.stringify(
            results.map(({corpus, score}) => ({corpus, rows: score.rows, total: score.total})),
            null,
            2
        )}\n`
    );
} else {
    for (const {corpus, score, seconds} of results) {
        process.stdout.write(
            `\n## ${corpus.slice(projectRoot.length)} (${score.documents.length} documents, ${seconds.toFixed(1)} s)\n\n`
        );
        process.stdout.write(`${renderScoreTable(score)}\n`);
        if (values.verbose) {
            for (const document of score.documents) {
                const lines = [];
                for (const outcome of document.outcomes) {
                    const t = outcome.truth;
                    if (!outcome.found) lines.push(`  MISS   ${t.id} ${t.kind} ${t.verdict}: ${t.quote}`);
                    else if (!outcome.kindRight || !outcome.verdictRight)
                        lines.push(
                            `  WRONG  ${t.id} want ${t.kind}/${t.verdict}, got ${outcome.found.kind}/${outcome.found.verdict} ` +
                                `[${outcome.found.claimed}] ${outcome.found.actual ?? ""} :: ${outcome.found.note?.slice(0, 160) ?? ""}`
                        );
                }
                for (const claim of document.extra)
                    lines.push(
                        `  EXTRA  ${claim.kind}/${claim.verdict} [${claim.claimed}] in: ${claim.quote.slice(0, 100)}`
                    );
                for (const claim of document.duplicates)
                    lines.push(
                        `  DUP    ${claim.kind}/${claim.verdict} [${claim.claimed}] in: ${claim.quote.slice(0, 100)}`
                    );
                for (const hit of document.distractorHits)
                    lines.push(
                        `  DISTR  "${hit.quote}" became ${hit.claim.kind}/${hit.claim.verdict} [${hit.claim.claimed}]`
                    );
                if (lines.length > 0) process.stdout.write(`\n${document.document}\n${lines.join("\n")}\n`);
            }
        }
    }
}
