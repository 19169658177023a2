import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {LONG, runCase, type FuzzCase} from "./harness.js";

/**
 * Hostile text for `llmproof check --offline`: ordinary-looking prose at sizes a newsletter never
 * reaches, in shapes that make a quadratic stage show (one huge paragraph, thousands of mentions of
 * one model, thousands of table rows, an absurdly long number). Each must end within its bound with
 * a report or one sentence. Kept in its own file: these measure the claims engine, which another
 * change rewrites; `npm run fuzz` runs them, `npm test` does not until that engine lands.
 */

const dir = mkdtempSync(join(tmpdir(), "llmproof-fuzz-text-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const SENTENCES = [
    "Qwen3-4B at Q4_K_M is 2.5 GB on disk and runs at 40 tokens per second on a laptop.",
    "Llama 3 8B in Q8_0 weighs 8.5 GB, and Q4_K_M cuts memory by 75% against FP16.",
    "The 80B model runs on consumer hardware with 64 GB of RAM, one reader wrote.",
    "Gemma 3 1B shrinks by 70% at Q4_0 and still answers well, with 1,200 votes in our poll.",
    "**Q4_K_M** keeps *most* of the quality, and the download was 4.9 GB for the whole model."
];

function prose(bytes: number, separator: string): string {
    const parts: string[] = [];
    let length = 0;
    for (let index = 0; length < bytes; index++) {
        const sentence = SENTENCES[index % SENTENCES.length]!;
        parts.push(sentence);
        length += sentence.length + separator.length;
    }
    return parts.join(separator);
}

const issue = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
};

const tableRow = (index: number) => `| Qwen3-4B | Q4_K_M | ${(2 + (index % 10) / 10).toFixed(1)} GB |`;

const cases: (FuzzCase & {stdoutMustMention?: string})[] = [];
const add = (
    name: string,
    path: string,
    timeoutMs: number,
    extra: Partial<FuzzCase & {stdoutMustMention: string}> = {}
) => cases.push({cls: "text", name, args: ["check", path, "--offline"], expect: "either", timeoutMs, ...extra});

add("a 107 KB paragraph", issue("para107k.md", `# Issue\n\n${prose(107_000, " ")}\n`), 10_000);
add("a 214 KB paragraph", issue("para214k.md", `# Issue\n\n${prose(214_000, " ")}\n`), 10_000);
add(
    "8k mentions of one model",
    issue("mentions.md", `# Issue\n\n${Array.from({length: 8000}, () => "Qwen3-4B is 2.5 GB.").join(" ")}\n`),
    10_000
);
add(
    "8k table rows",
    issue(
        "table.md",
        `# Issue\n\n| model | quant | size |\n|---|---|---|\n${Array.from({length: 8000}, (_, index) => tableRow(index)).join("\n")}\n`
    ),
    10_000
);
add(
    "a 310-digit number with a unit",
    issue("digits.md", `# Issue\n\nQwen3-4B at Q4_K_M is ${"9".repeat(310)} GB on disk.\n`),
    10_000
);
const folder = join(dir, "folder");
mkdirSync(folder);
writeFileSync(join(folder, "a-digits.md"), `# Issue A\n\nQwen3-4B at Q4_K_M is ${"9".repeat(310)} GB on disk.\n`);
writeFileSync(join(folder, "b-good.md"), "# Issue B\n\nQwen3-4B at Q4_K_M is 2.5 GB on disk.\n");
add("a folder: one 310-digit issue beside a good one", folder, 10_000, {stdoutMustMention: "Issue B"});
add("many short paragraphs (1 MB)", issue("paras.md", `# Issue\n\n${prose(1_000_000, "\n\n")}\n`), 20_000);
add("emphasis soup", issue("emphasis.md", `# Issue\n\n${"**a *b _c ".repeat(20_000)}\n`), 10_000);
add("one 100 KB line of digits", issue("digitline.md", `# Issue\n\n${"1234567890 ".repeat(10_000)}GB\n`), 10_000);
if (LONG) add("a 20 MB issue", issue("big.md", `# Issue\n\n${prose(20_000_000, "\n\n")}\n`), 60_000);

describe.concurrent("fuzz: hostile text for check", () => {
    it.each(cases.map((fuzzCase) => [fuzzCase.name, fuzzCase] as const))("%s", async (_name, fuzzCase) => {
        const outcome = await runCase(fuzzCase);
        expect(outcome.kind, outcome.detail).toBe("clean");
        if (fuzzCase.stdoutMustMention != null) expect(outcome.stdout).toContain(fuzzCase.stdoutMustMention);
    });
});
