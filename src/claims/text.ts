/**
 * Text plumbing for claim extraction: Markdown to plain lines, blocks, sentences, numbers.
 * Nothing here knows about claims; extract.ts builds on it.
 */

export interface SourceLine {
    /** The line with Markdown markup removed. */
    text: string;
    /** 1-based line number in the issue file. */
    line: number;
    /** Markdown heading level (1-6), 0 otherwise. */
    headingLevel: number;
    /** Cells when the line is a Markdown table row. */
    cells: string[] | null;
    listItem: boolean;
}

export type BlockKind = "heading" | "paragraph" | "lines";

export interface Block {
    kind: BlockKind;
    lines: SourceLine[];
}

/** Inline Markdown removed: links, emphasis, inline code, HTML tags. Underscores inside words (Q4_K_M) stay. */
export function stripInlineMarkdown(text: string): string {
    return text
        .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
        .replace(/<[^>]+>/g, "")
        .replace(/`([^`]*)`/g, "$1")
        .replace(/(^|[^\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?!\w)/g, "$1$2")
        .replace(/(^|[^\w_])__(?=\S)(.+?)(?<=\S)__(?![\w])/g, "$1$2")
        .replace(/(^|[^\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\w)/g, "$1$2")
        .replace(/(^|[^\w_])_(?=\S)(.+?)(?<=\S)_(?![\w])/g, "$1$2")
        .replace(/\s+/g, " ")
        .trim();
}

function parseTableCells(raw: string): string[] | null {
    const trimmed = raw.trim();
    if (!trimmed.startsWith("|") || trimmed.length < 3) return null;
    const cells = trimmed
        .replace(/^\|/, "")
        .replace(/\|\s*$/, "")
        .split("|")
        .map((cell) => stripInlineMarkdown(cell));
    return cells;
}

const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/** Split text into source lines with Markdown block markup (headings, bullets, quotes, tables) removed. */
export function toSourceLines(text: string): SourceLine[] {
    const rawLines = text.replace(/\r\n?/g, "\n").split("\n");
    const lines: SourceLine[] = [];
    let inFence = false;
    rawLines.forEach((raw, index) => {
        const lineNumber = index + 1;
        if (/^\s*(```|~~~)/.test(raw)) {
            inFence = !inFence;
            lines.push({text: "", line: lineNumber, headingLevel: 0, cells: null, listItem: false});
            return;
        }
        // A table's separator row belongs to the table: drop it without breaking the block.
        if (!inFence && TABLE_SEPARATOR.test(raw) && raw.includes("|")) return;
        if (inFence || /^\s*([-*_]\s*){3,}$/.test(raw)) {
            lines.push({text: "", line: lineNumber, headingLevel: 0, cells: null, listItem: false});
            return;
        }
        let body = raw.replace(/^\s*(>\s*)+/, "");
        const heading = /^\s*(#{1,6})\s+(.*?)\s*#*\s*$/.exec(body);
        const headingLevel = heading ? heading[1]!.length : 0;
        if (heading) body = heading[2]!;
        const cells = parseTableCells(body);
        let listItem = false;
        const list = /^\s*(?:[-*+•]|\d{1,2}[.)])\s+(.*)$/.exec(body);
        if (list && !cells) {
            body = list[1]!;
            listItem = true;
        }
        const textLine = cells ? cells.filter((cell) => cell !== "").join(" ") : stripInlineMarkdown(body);
        lines.push({text: textLine, line: lineNumber, headingLevel, cells, listItem});
    });
    return lines;
}

/** Whether a line reads like a title rather than prose: short, no sentence-ending punctuation. */
export function isTitleLike(text: string): boolean {
    const words = text.split(/\s+/).filter(Boolean);
    return words.length > 0 && words.length <= 16 && !/[.!;,]["'”’)]*$/.test(text.trim());
}

/** Group lines into blocks separated by blank lines; Markdown headings are blocks of their own. */
export function toBlocks(lines: SourceLine[]): Block[] {
    const blocks: Block[] = [];
    let current: SourceLine[] = [];
    const flush = (): void => {
        if (current.length === 0) return;
        blocks.push({kind: classifyBlock(current), lines: current});
        current = [];
    };
    for (const line of lines) {
        if (line.text.trim() === "") {
            flush();
            continue;
        }
        if (line.headingLevel > 0) {
            flush();
            blocks.push({kind: "heading", lines: [line]});
            continue;
        }
        // A list or table that starts right under a prose line is its own block.
        const previous = current[current.length - 1];
        if (previous && (line.listItem || line.cells) && !(previous.listItem || previous.cells)) flush();
        current.push(line);
    }
    flush();
    return blocks;
}

function classifyBlock(lines: SourceLine[]): BlockKind {
    if (lines.length === 1 && isTitleLike(lines[0]!.text) && !lines[0]!.listItem && !lines[0]!.cells) return "heading";
    // Lines that are each complete units (lists, table rows, short unpunctuated lines) stay separate;
    // anything else is prose wrapped over several lines.
    const separate = lines.every(
        (line) => line.listItem || line.cells || (line.text.length <= 90 && !/[.!?]["'”’)]*$/.test(line.text))
    );
    return separate && lines.length > 1 ? "lines" : "paragraph";
}

export interface Sentence {
    text: string;
    line: number;
}

const ABBREVIATIONS = new Set([
    "e.g",
    "i.e",
    "vs",
    "etc",
    "dr",
    "mr",
    "mrs",
    "ms",
    "inc",
    "ltd",
    "approx",
    "ca",
    "fig",
    "no",
    "st",
    "jr",
    "sr",
    "u.s",
    "u.k",
    "cf",
    "al"
]);

/** Split prose into sentences; decimals (3.5), abbreviations (e.g., vs.) and initials do not end a sentence. */
export function splitSentences(text: string, line: number): Sentence[] {
    const sentences: Sentence[] = [];
    const boundary = /([.!?]+)(["'”’)\]]*)\s+(?=["'“‘([]?[A-Z0-9#~$])/g;
    let start = 0;
    let match: RegExpExecArray | null;
    while ((match = boundary.exec(text)) !== null) {
        const before = text.slice(start, match.index);
        // The whole last word: "e.g", "vs", an initial "J" — but not the unit of "397B".
        const lastWord = /(?:^|\s)([A-Za-z.]+)$/.exec(before)?.[1]?.toLowerCase() ?? "";
        if (match[1] === "." && (ABBREVIATIONS.has(lastWord) || /^[a-z]$/.test(lastWord))) continue;
        const end = match.index + match[1]!.length + match[2]!.length;
        const sentence = text.slice(start, end).trim();
        if (sentence) sentences.push({text: sentence, line});
        start = boundary.lastIndex;
    }
    const rest = text.slice(start).trim();
    if (rest) sentences.push({text: rest, line});
    return sentences;
}

const NUMBER_WORDS: Record<string, number> = {
    one: 1,
    two: 2,
    three: 3,
    four: 4,
    five: 5,
    six: 6,
    seven: 7,
    eight: 8,
    nine: 9,
    ten: 10,
    eleven: 11,
    twelve: 12,
    thirteen: 13,
    fourteen: 14,
    fifteen: 15,
    sixteen: 16,
    seventeen: 17,
    eighteen: 18,
    nineteen: 19,
    twenty: 20,
    thirty: 30,
    forty: 40,
    fifty: 50,
    sixty: 60,
    seventy: 70,
    eighty: 80,
    ninety: 90,
    hundred: 100,
    a: 1,
    an: 1
};
export const NUMBER_WORD_PATTERN =
    "(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)";

/** "1,234.5" → 1234.5, "three" → 3, "twenty-five" → 25; null when not a number. */
export function parseNumber(text: string): number | null {
    const cleaned = text.trim().toLowerCase();
    if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(cleaned)) return Number(cleaned.replace(/,/g, ""));
    if (/^\d+(\.\d+)?$/.test(cleaned)) return Number(cleaned);
    const parts = cleaned.split(/[-\s]+/);
    let total = 0;
    for (const part of parts) {
        const value = NUMBER_WORDS[part];
        if (value === undefined) return null;
        total = value === 100 ? Math.max(total, 1) * 100 : total + value;
    }
    return parts.length > 0 ? total : null;
}

/**
 * The rounding band a figure written this way implies: half a unit in its last significant
 * digit ("80" → ±5, "79.7" → ±0.05, "397" → ±0.5, "4.89" → ±0.005). Trailing zeros of a whole
 * number are read as not significant, the usual reading of round figures in prose.
 */
export function roundingHalfUnit(numberText: string | null, value: number): number {
    if (numberText === null || !/\d/.test(numberText)) return Math.abs(value) * 0.05;
    const cleaned = numberText.replace(/,/g, "");
    const decimal = /\.(\d+)$/.exec(cleaned);
    if (decimal) return 0.5 * 10 ** -decimal[1]!.length;
    const trailingZeros = /(0*)$/.exec(cleaned)?.[1]?.length ?? 0;
    const significant = cleaned.length - trailingZeros;
    return 0.5 * 10 ** (significant > 0 ? trailingZeros : 0);
}
