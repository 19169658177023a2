import type {Nodes, Root, Table} from "mdast";
import {fromMarkdown} from "mdast-util-from-markdown";
import {gfmFromMarkdown} from "mdast-util-gfm";
import {gfm} from "micromark-extension-gfm";

/**
 * The text layer: an issue (Markdown or plain text) as the units a reader sees, in reading order.
 * Markdown goes through a real parser (mdast with GFM tables): a table cell is read with its
 * column header and its row's first cell, list items and headings keep their kind, code is
 * skipped. Plain text gets the same treatment for `label value` boxes, `>` quotes and indented
 * replies. Prose is cut into sentences with Intl.Segmenter. Nothing here knows about claims.
 */

export type UnitWhere = "body" | "box" | "table" | "heading";

export interface TextUnit {
    /** The sentence, box line or table cell as read ("Q8_0 Bits per weight: 8.50" for a cell). */
    text: string;
    where: UnitWhere;
    /** 1-based line in the issue where the unit starts. */
    line: number;
    /** Offset in the issue where the unit's text (or, for a cell, the cell) starts. */
    offset: number;
    /** For box lines and table cells: the label part (row label and column header) and where the value starts. */
    label: string | null;
    valueStart: number;
    /** The verbatim cell or line, for quoting. */
    quote: string;
    /** Inside a quotation (`>`) that repeats text said earlier in the issue. */
    repeat: boolean;
    /** Index of the paragraph, list item, comment or table row the unit belongs to. */
    block: number;
    /** Index of the section (a new heading starts one). */
    section: number;
    /** For table cells: the text above the table (its caption), once per table. */
    caption: string | null;
}

export interface IssueDocument {
    title: string | null;
    units: TextUnit[];
    /** `key: value` pairs of a YAML front matter block (base_model, model_name ...). */
    frontMatter: Record<string, string>;
    /** Box headings: the title of each run of box lines, by the block index of its first line. */
    boxTitles: Map<number, string>;
}

/** Abbreviations after which Intl.Segmenter may cut but a sentence does not end. */
export const ABBREVIATIONS = [
    "e.g.",
    "i.e.",
    "vs.",
    "etc.",
    "approx.",
    "no.",
    "fig.",
    "cf.",
    "dr.",
    "mr.",
    "ms.",
    "mrs.",
    "inc.",
    "ltd.",
    "st.",
    "ca.",
    "c.",
    "v."
];
const ABBREVIATION_END = new RegExp(
    `(?:^|\\s|\\()(?:${ABBREVIATIONS.map((item) => item.replace(/\./g, "\\.")).join("|")})\\s*$`,
    "i"
);

const segmenter = new Intl.Segmenter("en", {granularity: "sentence"});

/** Characters handed to the segmenter at a time: V8's sentence iterator slows down badly on long strings (8k sentences take seconds). */
const SEGMENT_WINDOW = 8192;

/**
 * ICU's sentence segments of `text`, read a window at a time so that the cost stays linear. The
 * last segment of a window may be cut short by the window's end, so the next window starts at it;
 * a single "sentence" longer than a window (no break in 8 KB of text) is cut at the window's end.
 */
export function* sentenceSegments(text: string): Generator<{segment: string; index: number}> {
    let base = 0;
    while (base < text.length) {
        const end = Math.min(text.length, base + SEGMENT_WINDOW);
        const segments = [...segmenter.segment(text.slice(base, end))];
        const last = segments.length - 1;
        const keep = end === text.length || last === 0 ? segments.length : last;
        for (let index = 0; index < keep; index++) {
            const segment = segments[index]!;
            yield {segment: segment.segment, index: base + segment.index};
        }
        base = keep === segments.length ? end : base + segments[last]!.index;
    }
}

/** Sentences of a stretch of prose, with their offsets in it. */
export function splitSentences(text: string): {text: string; start: number}[] {
    const result: {text: string; start: number}[] = [];
    let pending: {text: string; start: number} | null = null;
    // A line break inside a paragraph is not a sentence end (ICU would cut there); same length, so offsets hold.
    for (const segment of sentenceSegments(text.replace(/[\r\n]/g, " "))) {
        if (pending) {
            pending = {text: pending.text + segment.segment, start: pending.start};
        } else {
            pending = {text: segment.segment, start: segment.index};
        }
        // The tail only (no abbreviation is 16 characters long): testing the whole pending text would be quadratic.
        if (ABBREVIATION_END.test(pending.text.trimEnd().slice(-16))) continue;
        const trimmed = pending.text.trimEnd();
        const lead = trimmed.length - trimmed.trimStart().length;
        if (trimmed.trim()) result.push({text: trimmed.trim(), start: pending.start + lead});
        pending = null;
    }
    if (pending && pending.text.trim()) {
        const lead = pending.text.length - pending.text.trimStart().length;
        result.push({text: pending.text.trim(), start: pending.start + lead});
    }
    return result;
}

/** Whether the issue reads as Markdown: a heading, a table, emphasis or a link written the Markdown way. */
export function looksLikeMarkdown(text: string, name?: string): boolean {
    if (name && /\.(md|markdown)$/i.test(name)) return true;
    if (name && /\.(txt|text)$/i.test(name)) return false;
    const head = text.slice(0, 200_000);
    return (
        /^#{1,6}\s\S/m.test(head) ||
        /^\s*\|.*\|\s*$\n^\s*\|?\s*:?-{3,}/m.test(head) ||
        /\[[^\]\n]{1,200}\]\([^)\s]{1,500}\)/.test(head)
    );
}

const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]{0,20000}?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** Blank out a YAML front matter block (offsets kept) and return its simple `key: value` pairs. */
function takeFrontMatter(text: string): {text: string; pairs: Record<string, string>} {
    const match = FRONT_MATTER.exec(text);
    if (!match) return {text, pairs: {}};
    const pairs: Record<string, string> = {};
    for (const line of match[1]!.split(/\r?\n/)) {
        const pair = /^([\w-]{1,40}):\s*(.{1,300})$/.exec(line.trim());
        if (pair) pairs[pair[1]!.toLowerCase()] = pair[2]!.trim();
    }
    return {text: match[0].replace(/[^\n]/g, " ") + text.slice(match[0].length), pairs};
}

/** Line numbers from offsets, by binary search over line starts (no rescans). */
function lineIndex(text: string): (offset: number) => number {
    const starts = [0];
    for (let index = text.indexOf("\n"); index !== -1; index = text.indexOf("\n", index + 1)) starts.push(index + 1);
    return (offset: number) => {
        let low = 0;
        let high = starts.length - 1;
        while (low < high) {
            const middle = (low + high + 1) >> 1;
            if (starts[middle]! <= offset) low = middle;
            else high = middle - 1;
        }
        return low + 1;
    };
}

/** Block-level HTML read as text: tags that break a line become newlines, the rest go. */
export function htmlToText(html: string): string {
    return html
        .replace(/<(?:br|\/p|\/div|\/li|\/tr|\/h[1-6]|\/td|\/th|\/section|\/article|\/table)\b[^>]{0,500}>/gi, "\n")
        .replace(/<(?:td|th)\b[^>]{0,500}>/gi, " | ")
        .replace(/<[^>]{0,2000}>/g, "")
        .replace(/&nbsp;/g, " ")
        .replace(/&amp;/g, "&")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&#39;|&apos;/g, "'");
}

class Builder {
    readonly units: TextUnit[] = [];
    block = 0;
    section = 0;
    title: string | null = null;
    readonly boxTitles = new Map<number, string>();
    /** The last lone title line, which titles a box right under it. */
    lastTitle: {text: string; block: number} | null = null;
    /** Recent sentences (normalized), to tell a quoted repeat from a new quotation; bounded, so linear. */
    private readonly recent: string[] = [];
    private isRepeat(text: string): boolean {
        const key = normalizeForRepeat(text);
        return key.length > 0 && this.recent.some((sentence) => sentence.includes(key));
    }
    private remember(text: string): void {
        this.recent.push(normalizeForRepeat(text));
        if (this.recent.length > 200) this.recent.shift();
    }

    constructor(private readonly lineOf: (offset: number) => number) {}

    /** Whether the last unit is a box line of the current block (the next box line joins its box). */
    lastUnitIsBox(): boolean {
        const last = this.units[this.units.length - 1];
        return last !== undefined && last.where === "box" && last.block === this.block;
    }

    /** Prose: one unit per sentence. */
    prose(text: string, offset: number, where: UnitWhere, quoted = false): void {
        const clean = text.replace(/\s+/g, " ").trim();
        if (!clean) return;
        const repeat = quoted && this.isRepeat(clean);
        for (const sentence of splitSentences(text)) {
            const flat = sentence.text.replace(/\s+/g, " ");
            this.units.push({
                text: flat,
                where,
                line: this.lineOf(offset + sentence.start),
                offset: offset + sentence.start,
                label: null,
                valueStart: 0,
                quote: flat,
                repeat: repeat || (quoted && this.isRepeat(flat)),
                block: this.block,
                section: this.section,
                caption: null
            });
            if (!quoted) this.remember(flat);
        }
    }

    /** A `label value` line of a box or key-facts list. */
    boxLine(label: string, value: string, offset: number, quote: string): void {
        const text = `${label} ${value}`;
        // A box right under a heading or title line is titled by it ("By the Numbers").
        if (!this.boxTitles.has(this.block) && this.lastTitle && this.lastTitle.block === this.block - 1)
            this.boxTitles.set(this.block, this.lastTitle.text);
        this.units.push({
            text,
            where: "box",
            line: this.lineOf(offset),
            offset,
            label,
            valueStart: label.length + 1,
            quote,
            repeat: false,
            block: this.block,
            section: this.section,
            caption: null
        });
    }

    cell(label: string, value: string, offset: number, caption: string | null): void {
        const text = `${label}: ${value}`;
        this.units.push({
            text,
            where: "table",
            line: this.lineOf(offset),
            offset,
            label,
            valueStart: label.length + 2,
            quote: value,
            repeat: false,
            block: this.block,
            section: this.section,
            caption
        });
    }
}

function normalizeForRepeat(text: string): string {
    return text
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]+/gu, " ")
        .trim();
}

// ---------------------------------------------------------------------------------------------
// Box lines (shared by both paths)

/**
 * A `label value` line: "Qwen3-Next Q4_K_M vs BF16 -69%", "Lite engine download: not even 1 GB",
 * "bpw 4". Split at a delimiter (":", tab, " — ", "|", "=") when there is one, else before the
 * last figure. Null for prose.
 */
export function splitBoxLine(line: string): {label: string; value: string} | null {
    const text = line.trim();
    if (text.length === 0 || text.length > 100 || /[.!?]["'”’)]*$/.test(text)) return null;
    const delimited = /^([^:\t|=—–]{1,60}?)\s*(?::|\t|\||=| — | – )\s*(.{1,60})$/.exec(text);
    if (delimited && delimited[1]!.trim().split(/\s+/).length <= 7 && /\p{N}/u.test(delimited[2]!))
        return {label: delimited[1]!.trim(), value: delimited[2]!.trim()};
    if (/, /.test(text)) return null;
    const tokens = text.split(/\s+/);
    if (tokens.length < 2 || tokens.length > 12) return null;
    let index = -1;
    for (let position = tokens.length - 1; position > 0; position--) {
        if (/^[-−+~≈<>≥≤#↑↓]?\$?\d/.test(tokens[position]!)) {
            index = position;
            // "not even 1 GB", "about 3B": the words of a bound go with the value.
            while (
                index > 1 &&
                /^(about|around|roughly|~|under|over|below|above|not|even|only|just|nearly|up|to|at|least|most)$/i.test(
                    tokens[index - 1]!
                )
            )
                index--;
            break;
        }
    }
    if (index <= 0) return null;
    return {label: tokens.slice(0, index).join(" "), value: tokens.slice(index).join(" ")};
}

// ---------------------------------------------------------------------------------------------
// Markdown

function inlineText(node: Nodes): string {
    // Iterative walk: deep nesting cannot overflow the stack.
    const parts: string[] = [];
    const stack: Nodes[] = [node];
    while (stack.length > 0) {
        const current = stack.pop()!;
        if (current.type === "text" || current.type === "inlineCode") parts.push(current.value);
        else if (current.type === "html") parts.push(htmlToText(current.value));
        else if (current.type === "break") parts.push(" ");
        else if ("children" in current)
            for (let i = current.children.length - 1; i >= 0; i--) stack.push(current.children[i] as Nodes);
    }
    return parts.join("");
}

function readMarkdown(text: string, builder: Builder): void {
    const tree: Root = fromMarkdown(text, {extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()]});
    let lastProse: string | null = null;
    const stack: {node: Nodes; quoted: boolean}[] = [];
    for (let i = tree.children.length - 1; i >= 0; i--) stack.push({node: tree.children[i]!, quoted: false});
    while (stack.length > 0) {
        const {node, quoted} = stack.pop()!;
        const offset = node.position?.start.offset ?? 0;
        switch (node.type) {
            case "heading": {
                const value = inlineText(node).trim();
                builder.section++;
                builder.block++;
                if (builder.title === null && node.depth <= 2) builder.title = value;
                builder.prose(value, offset, "heading", quoted);
                builder.lastTitle = {text: value, block: builder.block};
                lastProse = value;
                break;
            }
            case "paragraph": {
                builder.block++;
                const value = inlineText(node);
                const lines = value.split("\n").filter((line) => line.trim());
                const boxes = lines.map(splitBoxLine);
                if (lines.length >= 2 && boxes.every((box) => box !== null)) {
                    lines.forEach((line, index) => {
                        builder.boxLine(boxes[index]!.label, boxes[index]!.value, offset, line.trim());
                    });
                } else {
                    builder.prose(value, offset, "body", quoted);
                    lastProse = value;
                }
                break;
            }
            case "listItem": {
                const value = inlineText(node).trim();
                const box = /:\s/.test(value) ? splitBoxLine(value) : null;
                // Consecutive `label: value` items of a list are one box (a key-facts list).
                if (!(box && builder.lastUnitIsBox())) builder.block++;
                if (box && !quoted) builder.boxLine(box.label, box.value, offset, value);
                else builder.prose(value, offset, "body", quoted);
                break;
            }
            case "table":
                readTable(node, builder, lastProse);
                lastProse = null;
                break;
            case "html":
                builder.block++;
                readPlainText(htmlToText(node.value), builder, offset, true);
                break;
            case "code":
            case "thematicBreak":
            case "definition":
                break;
            default:
                if ("children" in node) {
                    const inner = quoted || node.type === "blockquote";
                    for (let i = node.children.length - 1; i >= 0; i--)
                        stack.push({node: node.children[i] as Nodes, quoted: inner});
                }
        }
    }
}

function readTable(table: Table, builder: Builder, caption: string | null): void {
    const [head, ...rows] = table.children;
    if (!head) return;
    const headers = head.children.map((cell) => inlineText(cell).trim());
    for (const row of rows) {
        builder.block++;
        const cells = row.children.map((cell) => ({
            text: inlineText(cell).trim(),
            offset: cell.position?.start.offset ?? 0
        }));
        const rowLabel = cells[0]?.text ?? "";
        cells.forEach((cell, index) => {
            if (index === 0 || !cell.text || !/\p{N}/u.test(cell.text)) return;
            const header = headers[index] ?? "";
            // The cell's own offset points at the "|"; the value starts after it and its spaces.
            builder.cell(`${rowLabel} ${header}`.trim(), cell.text, cell.offset, caption);
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Plain text

function readPlainText(text: string, builder: Builder, base: number, fromHtml = false): void {
    // Paragraphs: blank lines, a change of indentation (a reply) or a quote marker start a new one.
    const lines: {text: string; offset: number; indent: number; quoted: boolean}[] = [];
    let position = 0;
    for (const raw of text.split("\n")) {
        const offset = base + position;
        position += raw.length + 1;
        const quoteMatch = /^(\s*)((?:>\s?)+)/.exec(raw);
        const body = quoteMatch ? raw.slice(quoteMatch[0].length) : raw;
        const indent = /^\s*/.exec(raw)![0].length;
        lines.push({
            text: body.replace(/\r$/, ""),
            offset: offset + (raw.length - body.length),
            indent,
            quoted: quoteMatch !== null
        });
    }
    let group: typeof lines = [];
    const flush = (): void => {
        if (group.length === 0) return;
        emitGroup(group, builder, fromHtml);
        group = [];
    };
    for (const line of lines) {
        const previous = group[group.length - 1];
        if (line.text.trim() === "") {
            flush();
            continue;
        }
        if (previous && (previous.indent !== line.indent || previous.quoted !== line.quoted)) flush();
        group.push(line);
    }
    flush();
}

/** Bullet markers of plain-text lists ("- ", "• ", "1. ", "3/ " as in numbered posts). */
const BULLET = /^\s*(?:[-*+•·▪]|\d{1,3}[.)/])\s+/;

function emitGroup(
    group: {text: string; offset: number; quoted: boolean}[],
    builder: Builder,
    fromHtml: boolean
): void {
    const quoted = group[0]!.quoted;
    const stripped = group.map((line) => {
        const bullet = BULLET.exec(line.text);
        return {
            text: bullet ? line.text.slice(bullet[0].length) : line.text,
            offset: line.offset + (bullet?.[0].length ?? 0),
            bullet: bullet !== null
        };
    });
    const split = stripped.map((line) => splitBoxLine(line.text));
    // In a run of box lines, a short line without a figure is a box line too ("Efficiency Trend ↑ Rising").
    const figureLines = split.filter((box) => box !== null).length;
    const boxes = split.map((box, index) => {
        if (box || figureLines < 2 || stripped.length < 3) return box;
        const words = stripped[index]!.text.trim().split(/\s+/);
        if (words.length < 2 || words.length > 8 || /[.!?]["'”’)]*$/.test(stripped[index]!.text.trim())) return null;
        return {label: words.slice(0, -1).join(" "), value: words[words.length - 1]!};
    });
    const isTitle = (line: string): boolean =>
        line.trim().split(/\s+/).length <= 12 && !/[.!?:,;]["'”’)]*$/.test(line.trim());
    // A box: two or more short `label value` lines, maybe under a title line.
    const first = stripped[0]!;
    const rest = stripped.slice(1);
    const titled =
        rest.length >= 2 &&
        isTitle(first.text) &&
        !/\p{N}/u.test(first.text) &&
        boxes.slice(1).every((box) => box !== null);
    const bare = stripped.length >= 2 && boxes.every((box) => box !== null);
    if (!quoted && (titled || bare)) {
        builder.block++;
        if (titled) builder.boxTitles.set(builder.block, first.text.trim());
        else if (builder.lastTitle && builder.lastTitle.block === builder.block - 1)
            builder.boxTitles.set(builder.block, builder.lastTitle.text);
        stripped.forEach((line, index) => {
            if (titled && index === 0) return;
            const box = boxes[index]!;
            builder.boxLine(box.label, box.value, line.offset, line.text.trim());
        });
        return;
    }
    // A lone title line (no sentence punctuation, short): its own heading-like unit.
    if (stripped.length === 1 && isTitle(first.text) && !first.bullet) {
        builder.block++;
        if (/^[\p{Lu}\p{N}\s\p{P}\p{S}]+$/u.test(first.text) && first.text.trim().split(/\s+/).length <= 10)
            builder.section++;
        if (builder.title === null && !fromHtml) builder.title = first.text.trim();
        builder.prose(first.text, first.offset, "heading", quoted);
        builder.lastTitle = {text: first.text.trim(), block: builder.block};
        return;
    }
    // List items are blocks of their own; other lines wrap into one paragraph.
    let paragraph: {text: string; offset: number} | null = null;
    const flushParagraph = (): void => {
        if (paragraph) builder.prose(paragraph.text, paragraph.offset, "body", quoted);
        paragraph = null;
    };
    for (const line of stripped) {
        if (line.bullet) {
            flushParagraph();
            const box = /:\s/.test(line.text) ? splitBoxLine(line.text) : null;
            if (!(box && builder.lastUnitIsBox())) builder.block++;
            if (box && !quoted) builder.boxLine(box.label, box.value, line.offset, line.text.trim());
            else builder.prose(line.text, line.offset, "body", quoted);
            continue;
        }
        if (!paragraph) {
            builder.block++;
            paragraph = {text: line.text, offset: line.offset};
        } else paragraph.text += `\n${line.text}`;
    }
    flushParagraph();
}

// ---------------------------------------------------------------------------------------------

export function readDocument(text: string, name?: string): IssueDocument {
    const normalized = text.replace(/\r\n?/g, "\n");
    const {text: body, pairs} = takeFrontMatter(normalized);
    const builder = new Builder(lineIndex(body));
    if (looksLikeMarkdown(body, name)) readMarkdown(body, builder);
    else readPlainText(body, builder, 0);
    return {title: builder.title, units: builder.units, frontMatter: pairs, boxTitles: builder.boxTitles};
}

/** Every regex of the text layer, for the ReDoS check (tests/claims.redos.test.ts). */
export const DOCUMENT_REGEXES: readonly RegExp[] = [ABBREVIATION_END, FRONT_MATTER, BULLET];
