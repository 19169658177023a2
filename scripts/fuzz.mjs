#!/usr/bin/env node
/**
 * `npm run fuzz [-- --full | --long] [-- <vitest filters>]`: the fuzz suite (tests/fuzz), then a table of
 * outcomes per class of input: clean, stack trace, unclean message (raw dump, "unexpected error",
 * leaked log lines), hang, signal, wrong success, wrong exit code, corrupt file.
 * The default (quick) run is a sample of every class, under a minute on 2 cores (npm test runs it
 * too, without the check-text file); --full runs every case; --long adds the slow, scaled-up ones.
 */
import {spawnSync} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";

const args = process.argv.slice(2);
const level = args.includes("--long") ? "long" : args.includes("--full") ? "full" : "quick";
const filters = args.filter((arg) => arg !== "--long" && arg !== "--full");
const summaryDir = mkdtempSync(join(tmpdir(), "llmproof-fuzz-summary-"));
const summary = join(summaryDir, "outcomes.jsonl");
const started = Date.now();
const run = spawnSync(
    process.execPath,
    ["node_modules/vitest/vitest.mjs", "run", "--config", "vitest.fuzz.config.ts", ...filters],
    {stdio: "inherit", env: {...process.env, FUZZ_LEVEL: level, FUZZ_SUMMARY: summary}}
);
const kinds = ["clean", "stack", "unclean", "hang", "signal", "wrong-success", "wrong-exit", "corrupt"];
let lines = [];
try {
    lines = readFileSync(summary, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
} catch {
    // no case ran
}
const byClass = new Map();
for (const line of lines) {
    const row = byClass.get(line.cls) ?? Object.fromEntries([["cases", 0], ...kinds.map((kind) => [kind, 0])]);
    row.cases++;
    row[line.kind]++;
    byClass.set(line.cls, row);
}
const header = ["class", "cases", ...kinds];
const rows = [...byClass.entries()].map(([cls, row]) => [cls, row.cases, ...kinds.map((kind) => row[kind])]);
const widths = header.map((name, index) => Math.max(name.length, ...rows.map((row) => String(row[index]).length)));
const format = (cells) => cells.map((cell, index) => String(cell).padStart(widths[index])).join("  ");
process.stdout.write(`\n${format(header)}\n${rows.map(format).join("\n")}\n`);
for (const line of lines.filter((entry) => entry.kind !== "clean"))
    process.stdout.write(`  ${line.kind.padEnd(13)} ${line.cls}: ${line.name} (${line.ms} ms): ${line.detail}\n`);
process.stdout.write(`${lines.length} cases in ${((Date.now() - started) / 1000).toFixed(0)} s, level ${level}\n`);
rmSync(summaryDir, {recursive: true, force: true});
process.exit(run.status ?? 1);
