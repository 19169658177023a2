import {BYTES_PER_UNIT, COUNT_MULTIPLIER} from "../../util/units.js";

/**
 * The quantity vocabulary of claims, as data: every unit, number word, fraction and set phrase
 * the tokenizer (../quantities.ts) reads, each with example phrases that become tests
 * (tests/claims.lexicon.test.ts). Byte and count multipliers come from src/util/units.ts.
 */

export type QuantityFamily = "bytes" | "percent" | "ratio" | "count" | "bits" | "speed" | "fraction" | "number";

export interface UnitEntry {
    /** Canonical unit: "GB", "GiB", "%", "x", "B" (count), "bpw", "tok/s". */
    unit: string;
    family: QuantityFamily;
    /** Spellings after a number (matched case-insensitively, longest first, on word edges). */
    spellings: string[];
    /** Value of one unit in the family's base (bytes, parameters; 1 for %, x, bpw, tok/s). */
    scale: number;
    /** Phrases that must read as this unit: [text, value in `unit`]. */
    examples: [string, number][];
}

const bytes = (unit: string, spellings: string[], examples: [string, number][]): UnitEntry => ({
    unit,
    family: "bytes",
    spellings,
    scale: BYTES_PER_UNIT[unit.toLowerCase()]!,
    examples
});
const count = (unit: string, spellings: string[], examples: [string, number][]): UnitEntry => ({
    unit,
    family: "count",
    spellings,
    scale: COUNT_MULTIPLIER[unit.toLowerCase()]!,
    examples
});

export const UNITS: UnitEntry[] = [
    bytes(
        "TB",
        ["TB", "terabytes", "terabyte"],
        [
            ["a 1.2 TB checkpoint", 1.2],
            ["two terabytes", 2]
        ]
    ),
    bytes(
        "GB",
        ["GB", "gigabytes", "gigabyte", "gigs", "gig"],
        [
            ["4.9 GB", 4.9],
            ["about 2.5 gigs", 2.5],
            ["3 gigabytes", 3],
            ["a 24GB card", 24],
            ["weighs 5 gig", 5]
        ]
    ),
    bytes(
        "MB",
        ["MB", "megabytes", "megabyte", "megs", "meg"],
        [
            ["808 MB", 808],
            ["500 megs", 500],
            ["650MB", 650]
        ]
    ),
    bytes("KB", ["KB", "kilobytes", "kilobyte"], [["512 KB", 512]]),
    bytes("TiB", ["TiB", "tebibytes"], [["1 TiB", 1]]),
    bytes(
        "GiB",
        ["GiB", "gibibytes", "gibibyte"],
        [
            ["4.58 GiB", 4.58],
            ["45GiB", 45]
        ]
    ),
    bytes("MiB", ["MiB", "mebibytes"], [["610 MiB", 610]]),
    {
        unit: "%",
        family: "percent",
        spellings: ["%", "percent", "per cent", "pct"],
        scale: 1,
        examples: [
            ["69%", 69],
            ["75 percent", 75],
            ["-69%", 69],
            ["roughly 84 per cent", 84]
        ]
    },
    {
        unit: "x",
        family: "ratio",
        spellings: ["x", "×", "times", "-fold", "fold"],
        scale: 1,
        examples: [
            ["3.3x smaller", 3.3],
            ["2.5× faster", 2.5],
            ["five times faster", 5],
            ["threefold", 3],
            ["a 4-fold cut", 4]
        ]
    },
    {
        unit: "bpw",
        family: "bits",
        spellings: ["bits per weight", "bits/weight", "bit per weight", "bits-per-weight", "bpw", "bits", "bit"],
        scale: 1,
        examples: [
            ["4.9 bits per weight", 4.9],
            ["8.5 bpw", 8.5],
            ["4-bit", 4],
            ["exactly 4 bits", 4]
        ]
    },
    {
        unit: "tok/s",
        family: "speed",
        spellings: [
            "tokens per second",
            "token per second",
            "tokens per sec",
            "tokens a second",
            "tokens/second",
            "tokens/sec",
            "tokens/s",
            "token/s",
            "tok/sec",
            "tok/s",
            "t/s",
            "tps"
        ],
        scale: 1,
        examples: [
            ["45 tokens per second", 45],
            ["71.9 tok/s", 71.9],
            ["200 t/s", 200]
        ]
    },
    count("T", ["trillion", "T"], [["1.8 trillion", 1.8]]),
    count(
        "B",
        ["billion", "bn", "B"],
        [
            ["80B", 80],
            ["just under 80 billion", 80],
            ["a 4-billion-parameter model", 4],
            ["an 8B-parameter option", 8],
            ["roughly eight billion", 8]
        ]
    ),
    count(
        "M",
        ["million", "M"],
        [
            ["135M", 135],
            ["20 million", 20]
        ]
    ),
    count(
        "K",
        ["thousand", "k", "K"],
        [
            ["9.8k", 9.8],
            ["300k downloads", 300]
        ]
    )
];

/** Number words ("eight", "twenty-five"): value of each word. "hundred" multiplies. */
export const NUMBER_WORDS: Readonly<Record<string, number>> = {
    zero: 0,
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
    // multiplicative adverbs read as numbers before "times"-less ratios ("twice as fast")
    twice: 2,
    thrice: 3,
    double: 2,
    triple: 3,
    quadruple: 4
};
export const NUMBER_WORD_EXAMPLES: [string, number][] = [
    ["eight billion", 8],
    ["three times", 3],
    ["twenty-five percent", 25],
    ["twice as fast", 2]
];

/** Fractions in words: denominators by word (singular and plural), numerators are number words or "a"/"an". */
export const FRACTION_DENOMINATORS: Readonly<Record<string, number>> = {
    half: 2,
    halves: 2,
    third: 3,
    thirds: 3,
    quarter: 4,
    quarters: 4,
    fourth: 4,
    fourths: 4,
    fifth: 5,
    fifths: 5,
    sixth: 6,
    sixths: 6,
    tenth: 10,
    tenths: 10
};
export const FRACTION_EXAMPLES: [string, number][] = [
    ["a third of the size", 1 / 3],
    ["a quarter of its BF16 size", 1 / 4],
    ["half the size", 1 / 2],
    ["two-fifths of the size", 2 / 5],
    ["slimmed down by two thirds", 2 / 3],
    ["three quarters smaller", 3 / 4],
    ["one-half", 1 / 2]
];

/** Set phrases that carry a whole quantity ("a gig and a half"). */
export interface PhraseQuantity {
    phrase: string;
    value: number;
    unit: string;
    family: QuantityFamily;
}
export const PHRASE_QUANTITIES: PhraseQuantity[] = [
    {phrase: "a gig and a half", value: 1.5, unit: "GB", family: "bytes"},
    {phrase: "one and a half gigs", value: 1.5, unit: "GB", family: "bytes"},
    {phrase: "half a gig", value: 0.5, unit: "GB", family: "bytes"},
    {phrase: "a gig", value: 1, unit: "GB", family: "bytes"},
    {phrase: "a couple of gigs", value: 2, unit: "GB", family: "bytes"},
    {phrase: "half a terabyte", value: 0.5, unit: "TB", family: "bytes"}
];

/** Labels or column headers that give a bare number its unit ("bpw 4", a "Size (GB)" column). */
export interface LabelUnit {
    pattern: RegExp;
    unit: string;
    examples: string[];
}
export const LABEL_UNITS: LabelUnit[] = [
    {
        pattern: /\b(bits? per weight|bpw|bits\/weight)\b/i,
        unit: "bpw",
        examples: ["Bits per weight", "bpw", "Q4_K_M bits/weight"]
    },
    {pattern: /\(\s*GiB\s*\)|\bin GiB\b/i, unit: "GiB", examples: ["Size (GiB)", "file size in GiB"]},
    {pattern: /\(\s*GB\s*\)|\bin GB\b/i, unit: "GB", examples: ["Size (GB)", "download in GB"]},
    {pattern: /\(\s*MB\s*\)|\bin MB\b/i, unit: "MB", examples: ["Size (MB)"]},
    {pattern: /\(\s*%\s*\)|\bpercent\b|\bper cent\b/i, unit: "%", examples: ["Reduction (%)", "saving, percent"]},
    {
        pattern: /\b(tok\/s|tokens?\/s|tokens per second|t\/s)\b/i,
        unit: "tok/s",
        examples: ["Speed (tok/s)", "tokens per second"]
    },
    {
        pattern: /\b(smaller|reduction|saving|savings|cut|shrink\w*)\b.*\bby\b\s*$/i,
        unit: "%",
        examples: ["Smaller than the 16-bit file by"]
    },
    {
        pattern: /\b(params|parameters)\s*\(\s*B\s*\)|\bbillions? of param/i,
        unit: "B",
        examples: ["Parameters (B)", "billions of parameters"]
    }
];
