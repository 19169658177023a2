/**
 * Comparators and bounds written before a figure, as data. A claim's figure is judged against
 * what the words say: "no more than 5 GB" holds for 4.92 GB, "well over 60%" needs a clear
 * margin above 60, "nearly 400 billion" must be close to 400 and not above it. Each entry has
 * example phrases that become tests (tests/claims.lexicon.test.ts).
 */

/** eq: the figure itself; at-least / at-most: a bound; not: "not 4-bit" (anything but). */
export type Comparator = "eq" | "at-least" | "at-most" | "not";
/**
 * How close the truth must be: `approximate` widens the band ("about"), `exact` narrows it
 * ("exactly"), `near` makes a bound also require closeness ("just under", "a bit over"),
 * `clear` makes a bound require a margin ("well over").
 */
export type Closeness = "plain" | "approximate" | "exact" | "near" | "clear";

export interface BoundEntry {
    /** The words, lower case, as they stand right before the figure. */
    phrases: string[];
    comparator: Comparator;
    closeness: Closeness;
    examples: string[];
}

export const BOUNDS: BoundEntry[] = [
    {
        phrases: [
            "well over",
            "well above",
            "far more than",
            "far over",
            "way over",
            "comfortably over",
            "well beyond"
        ],
        comparator: "at-least",
        closeness: "clear",
        examples: ["saves well over 60%", "well above 70 percent"]
    },
    {
        phrases: ["well under", "well below", "far less than", "far under", "way under", "comfortably under"],
        comparator: "at-most",
        closeness: "clear",
        examples: ["well under 2 GB", "far less than 10 GB"]
    },
    {
        phrases: [
            "a bit over",
            "a little over",
            "slightly over",
            "just over",
            "just above",
            "slightly more than",
            "a bit more than",
            "a touch over",
            "a tad over"
        ],
        comparator: "at-least",
        closeness: "near",
        examples: ["A bit over 5 GB", "just over 4 GB", "slightly more than 3x"]
    },
    {
        phrases: [
            "just under",
            "just below",
            "just shy of",
            "a bit under",
            "a little under",
            "slightly under",
            "slightly less than",
            "a bit less than",
            "nearly",
            "almost",
            "not quite",
            "shy of",
            "close to but under"
        ],
        comparator: "at-most",
        closeness: "near",
        examples: ["just under 80 billion", "nearly 400 billion", "not quite 5 GB", "almost 70%"]
    },
    {
        phrases: [
            "no more than",
            "not more than",
            "at most",
            "less than",
            "fewer than",
            "under",
            "below",
            "not even",
            "not over",
            "up to",
            "maximum of",
            "<",
            "≤",
            "<="
        ],
        comparator: "at-most",
        closeness: "plain",
        examples: ["no more than 5 GB", "under 2 GB", "not even 500 megs", "less than 0.1%", "up to 75%"]
    },
    {
        phrases: [
            "no less than",
            "not less than",
            "at least",
            "more than",
            "over",
            "above",
            "upwards of",
            "in excess of",
            "exceeding",
            "beyond",
            "north of",
            ">",
            "≥",
            ">="
        ],
        comparator: "at-least",
        closeness: "plain",
        examples: ["over three times bigger", "more than 20 million", "at least 8 GB"]
    },
    {
        phrases: ["exactly", "precisely", "a flat", "an even", "a full"],
        comparator: "eq",
        closeness: "exact",
        examples: ["exactly 4 bits per weight", "precisely 8.5 bpw"]
    },
    {
        phrases: [
            "about",
            "around",
            "roughly",
            "approximately",
            "approx.",
            "approx",
            "circa",
            "some",
            "close to",
            "in the region of",
            "on the order of",
            "more or less",
            "give or take",
            "~",
            "≈",
            "c."
        ],
        comparator: "eq",
        closeness: "approximate",
        examples: ["about 2.5 gigs", "roughly 45 GiB", "~69%", "close to 3x"]
    }
];

/** Words after a figure that make it a bound ("5 GB or less", "8 GB+"). */
export const BOUNDS_AFTER: {phrases: string[]; comparator: Comparator; examples: string[]}[] = [
    {
        phrases: ["or less", "or fewer", "or under", "at most", "tops", "max"],
        comparator: "at-most",
        examples: ["5 GB or less", "8 GB tops"]
    },
    {
        phrases: ["or more", "or over", "or above", "at least", "plus", "+"],
        comparator: "at-least",
        examples: ["8 GB or more", "16 GB+"]
    }
];

/** Negations that turn the figure into "anything but": `is not "4-bit"`, "isn't 4 bits". */
export const NEGATIONS: {phrases: string[]; examples: string[]} = {
    phrases: ["is not", "isn't", "are not", "aren't", "not", "never"],
    examples: ['Q4_K_M is not "4-bit"', "Q8_0 isn't 8 bits per weight"]
};
