import {BOUNDS, BOUNDS_AFTER, NEGATIONS, type Closeness, type Comparator} from "./lexicon/bounds.js";
import {
    FRACTION_DENOMINATORS,
    NUMBER_WORDS,
    PHRASE_QUANTITIES,
    UNITS,
    type QuantityFamily,
    type UnitEntry
} from "./lexicon/units.js";

/**
 * The quantity tokenizer: every figure in a sentence with its unit, comparator and closeness,
 * read from the data in ./lexicon (units, number words, fractions, bounds). One left-to-right
 * scan with a single global regex; each figure looks at most 48 characters back and 24 ahead,
 * so the work is linear in the sentence length.
 */

export interface Quantity {
    family: QuantityFamily;
    /** Canonical unit ("GB", "%", "x", "B", "bpw", "tok/s"), or "" for a bare number or a fraction. */
    unit: string;
    /** The value in `unit` (80 for "80B", 2.5 for "2.5 gigs", 1/3 for "a third"). */
    value: number;
    /** The value in the family's base unit (bytes, parameters); equals `value` for %, x, bpw, tok/s. */
    baseValue: number;
    /** The number as written ("80", "2.5", "eight", "a third"), which sets the rounding band. */
    numberText: string;
    /** Offsets of the whole figure (number and unit) in the text scanned. */
    start: number;
    end: number;
    text: string;
    comparator: Comparator;
    closeness: Closeness;
    /** The bound or hedge words as written ("no more than"), or null. */
    boundText: string | null;
    /** Written with a minus sign ("-69%"). */
    negative: boolean;
    /** Whether the number was written in digits. */
    digits: boolean;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const byLength = (a: string, b: string): number => b.length - a.length;

const DIGITS = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+`;
const WORD_NUMBER_NAMES = Object.keys(NUMBER_WORDS).sort(byLength);
const TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
const ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const WORD_NUMBER = `(?:(?:${TENS.join("|")})[-\\s](?:${ONES.join("|")})|${WORD_NUMBER_NAMES.join("|")})`;
const NUMERATORS = ["a", "an", ...ONES].sort(byLength);
const DENOMINATORS = Object.keys(FRACTION_DENOMINATORS).sort(byLength);
const FRACTION = `(?:(?:${NUMERATORS.join("|")})[-\\s]+(?:${DENOMINATORS.join("|")})|half)`;
const PHRASES = PHRASE_QUANTITIES.map((entry) => escapeRegExp(entry.phrase)).sort(byLength);

/** One scan finds every place a figure starts: set phrases first, then fractions, digits and number words. */
const FIGURE_START = new RegExp(
    `(?<![\\p{L}\\p{N}_.])(?:(?<phrase>${PHRASES.join("|")})|(?<fraction>${FRACTION})|` +
        `(?<sign>[-−])?(?<digits>${DIGITS})|(?<word>${WORD_NUMBER}))(?![\\p{L}_]{0,12}\\p{N})`,
    "giu"
);

interface UnitSpelling {
    spelling: string;
    entry: UnitEntry;
}
const SPELLINGS: UnitSpelling[] = UNITS.flatMap((entry) => entry.spellings.map((spelling) => ({spelling, entry}))).sort(
    (a, b) => byLength(a.spelling, b.spelling)
);
const SINGLE_LETTER = /^[a-z]$/i;
/** A unit right after a number: words may follow a space or hyphen ("4-bit", "2.5 gigs"), letters must touch ("80B"). */
const UNIT_AFTER = new RegExp(
    `(?:${SPELLINGS.map(({spelling}) => {
        const body = escapeRegExp(spelling);
        if (SINGLE_LETTER.test(spelling)) return `(?<![\\s-])${body}`;
        if (/^[%×]$/.test(spelling)) return `\\s?${body}`;
        return `[\\s-]?${body}`;
    }).join("|")})(?![\\p{L}\\p{N}_/])`,
    "iuy"
);
const SPELLING_INDEX = new Map(SPELLINGS.map((item) => [item.spelling.toLowerCase(), item.entry]));
/** Single letters that are units only in this case ("80B", "135M", "9.8k"; not "5m" minutes). */
const CASED_LETTERS = new Map([
    ["b", "B"],
    ["m", "M"],
    ["t", "T"],
    ["k", "k"],
    ["x", "x"]
]);

const BOUND_PHRASES = BOUNDS.flatMap((entry) => entry.phrases.map((phrase) => ({phrase, entry}))).sort((a, b) =>
    byLength(a.phrase, b.phrase)
);
const BOUND_BEFORE = new RegExp(
    `(?:^|(?<![\\p{L}\\p{N}]))(?<bound>${BOUND_PHRASES.map(({phrase}) => escapeRegExp(phrase)).join("|")})[\\s"“'‘(]*$`,
    "iu"
);
const BOUND_INDEX = new Map(BOUND_PHRASES.map(({phrase, entry}) => [phrase.toLowerCase(), entry]));
const NEGATION_BEFORE = new RegExp(
    `(?<![\\p{L}])(?:${[...NEGATIONS.phrases].sort(byLength).map(escapeRegExp).join("|")})[\\s"“'‘(]*$`,
    "iu"
);
const AFTER_PHRASES = BOUNDS_AFTER.flatMap((entry) => entry.phrases.map((phrase) => ({phrase, entry}))).sort((a, b) =>
    byLength(a.phrase, b.phrase)
);
const BOUND_AFTER = new RegExp(
    `\\s*(?:${AFTER_PHRASES.map(({phrase}) => escapeRegExp(phrase)).join("|")})(?![\\p{L}\\p{N}])`,
    "iuy"
);

const LOOK_BEHIND = 48;

/** "1,234.5" → 1234.5, "eight" → 8, "twenty-five" → 25; null when not a number. */
export function parseNumberText(text: string): number | null {
    const cleaned = text.trim().toLowerCase().replace(/−/g, "-");
    if (/^-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)$/.test(cleaned)) {
        const value = Number(cleaned.replace(/,/g, ""));
        return Number.isFinite(value) ? value : null;
    }
    const parts = cleaned.split(/[-\s]+/);
    let total = 0;
    for (const part of parts) {
        const value = NUMBER_WORDS[part];
        if (value === undefined) return null;
        total = value === 100 ? Math.max(total, 1) * 100 : total + value;
    }
    return parts.length > 0 ? total : null;
}

function fractionValue(text: string): number | null {
    const words = text.toLowerCase().split(/[-\s]+/);
    const denominator = FRACTION_DENOMINATORS[words[words.length - 1]!];
    if (denominator === undefined) return null;
    if (words.length === 1) return 1 / denominator;
    const numerator = words[0] === "a" || words[0] === "an" ? 1 : NUMBER_WORDS[words[0]!];
    return numerator === undefined ? null : numerator / denominator;
}

/** Every figure in `text`, in order. */
export function findQuantities(text: string): Quantity[] {
    const found: Quantity[] = [];
    FIGURE_START.lastIndex = 0;
    for (let match = FIGURE_START.exec(text); match !== null; match = FIGURE_START.exec(text)) {
        const groups = match.groups ?? {};
        const start = match.index;
        let end = start + match[0].length;
        let family: QuantityFamily;
        let unit = "";
        let value: number | null;
        let scale = 1;
        let numberText: string;
        if (groups.phrase) {
            const entry = PHRASE_QUANTITIES.find((item) => item.phrase === groups.phrase!.toLowerCase())!;
            family = entry.family;
            unit = entry.unit;
            value = entry.value;
            scale = UNITS.find((item) => item.unit === unit)?.scale ?? 1;
            numberText = groups.phrase;
        } else if (groups.fraction) {
            family = "fraction";
            value = fractionValue(groups.fraction);
            numberText = groups.fraction;
        } else {
            numberText = groups.digits ?? groups.word!;
            value = parseNumberText(numberText);
            family = "number";
            UNIT_AFTER.lastIndex = end;
            const unitMatch = UNIT_AFTER.exec(text);
            if (unitMatch) {
                const written = unitMatch[0].replace(/^[\s-]/, "");
                const cased = CASED_LETTERS.get(written.toLowerCase());
                const entry = SPELLING_INDEX.get(written.toLowerCase());
                // Single letters keep their case meaning: "5m" is not millions, "4b" is fine only as billions.
                const letterOk = !cased || written === cased || written.toLowerCase() === "b" || cased === "x";
                if (entry && letterOk) {
                    family = entry.family;
                    unit = entry.unit;
                    scale = entry.scale;
                    end = unitMatch.index + unitMatch[0].length;
                }
            }
            // "twice" and "double" are ratios by themselves; other number words need a unit.
            if (groups.word && family === "number") {
                if (/^(twice|thrice|double|triple|quadruple)$/i.test(groups.word)) {
                    family = "ratio";
                    unit = "x";
                } else continue;
            }
        }
        if (value === null || !Number.isFinite(value)) continue;
        const before = text.slice(Math.max(0, start - LOOK_BEHIND), start);
        // Money is never a claim figure here ("$4.99 a month").
        if (/[$€£¥]\s?$/.test(before)) continue;
        let comparator: Comparator = "eq";
        let closeness: Closeness = "plain";
        let boundText: string | null = null;
        const bound = BOUND_BEFORE.exec(before);
        if (bound?.groups?.bound) {
            const entry = BOUND_INDEX.get(bound.groups.bound.toLowerCase())!;
            comparator = entry.comparator;
            closeness = entry.closeness;
            boundText = bound.groups.bound;
        } else if (NEGATION_BEFORE.test(before)) {
            comparator = "not";
            boundText = "not";
        }
        BOUND_AFTER.lastIndex = end;
        const after = BOUND_AFTER.exec(text);
        if (after && comparator === "eq" && closeness === "plain") {
            const written = after[0].trim().toLowerCase();
            const entry = AFTER_PHRASES.find(({phrase}) => phrase === written);
            if (entry) {
                comparator = entry.entry.comparator;
                boundText = written;
                end = after.index + after[0].length;
            }
        }
        found.push({
            family,
            unit,
            value,
            baseValue: value * scale,
            numberText,
            start,
            end,
            text: text.slice(start, end),
            comparator,
            closeness,
            boundText,
            negative: Boolean(groups.sign),
            digits: Boolean(groups.digits)
        });
        FIGURE_START.lastIndex = Math.max(FIGURE_START.lastIndex, end);
    }
    return found;
}

/**
 * The rounding band a figure written this way implies: half a unit in its last significant
 * digit ("80" → ±5, "79.7" → ±0.05, "4.89" → ±0.005). Trailing zeros of a whole number are read
 * as not significant, the usual reading of round figures in prose; words ("eight") round to ±0.5.
 */
export function roundingHalfUnit(numberText: string, value: number): number {
    if (!/\d/.test(numberText)) return Number.isInteger(value) ? 0.5 : Math.abs(value) * 0.05;
    const cleaned = numberText.replace(/,/g, "").replace(/^[-−]/, "");
    const decimal = /\.(\d+)$/.exec(cleaned);
    if (decimal) return 0.5 * 10 ** -decimal[1]!.length;
    const trailingZeros = /(0*)$/.exec(cleaned)?.[1]?.length ?? 0;
    const significant = cleaned.length - trailingZeros;
    return 0.5 * 10 ** (significant > 0 ? trailingZeros : 0);
}

/** Every regex the tokenizer runs, for the ReDoS check (tests/claims.redos.test.ts). */
export const TOKENIZER_REGEXES: readonly RegExp[] = [
    FIGURE_START,
    UNIT_AFTER,
    BOUND_BEFORE,
    NEGATION_BEFORE,
    BOUND_AFTER
];
