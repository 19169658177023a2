import {checkSync} from "recheck";
import {describe, expect, it} from "vitest";
import {DOCUMENT_REGEXES} from "../src/claims/document.js";
import {EXTRACT_REGEXES} from "../src/claims/extract.js";
import {FIT_VERB} from "../src/claims/kinds/hardware-fit.js";
import {SPEED_QUALITATIVE} from "../src/claims/kinds/index.js";
import {QUALITY_PHRASES} from "../src/claims/kinds/quality-loss.js";
import {CUES, UNVERIFIABLE_PHRASES} from "../src/claims/lexicon/cues.js";
import {HARDWARE_CLASSES, MEMORY_NOUN, PERSON_CUES} from "../src/claims/lexicon/entities.js";
import {LABEL_UNITS} from "../src/claims/lexicon/units.js";
import {TOKENIZER_REGEXES} from "../src/claims/quantities.js";

/**
 * Every regex the claims engine runs over issue text goes through recheck, a ReDoS checker:
 * none may be vulnerable to catastrophic backtracking. (Linear time is also measured on a
 * 20 MB issue by hand; see docs/check.md.)
 */
const regexes: [string, RegExp][] = [
    ...TOKENIZER_REGEXES.map((pattern, index): [string, RegExp] => [`tokenizer #${index}`, pattern]),
    ...EXTRACT_REGEXES.map((pattern, index): [string, RegExp] => [`extract #${index}`, pattern]),
    ...DOCUMENT_REGEXES.map((pattern, index): [string, RegExp] => [`document #${index}`, pattern]),
    ["FIT_VERB", FIT_VERB],
    ["SPEED_QUALITATIVE", SPEED_QUALITATIVE],
    ["MEMORY_NOUN", MEMORY_NOUN],
    ...QUALITY_PHRASES.map((entry): [string, RegExp] => [`quality ${entry.strictness}`, entry.pattern]),
    ...Object.entries(CUES).map(([name, cue]): [string, RegExp] => [`cue ${name}`, cue.pattern]),
    ...UNVERIFIABLE_PHRASES.map((entry): [string, RegExp] => [`unverifiable: ${entry.reason}`, entry.pattern]),
    ...HARDWARE_CLASSES.map((entry): [string, RegExp] => [`hardware ${entry.id}`, entry.pattern]),
    ...PERSON_CUES.map((entry, index): [string, RegExp] => [`person #${index}`, entry.pattern]),
    ...LABEL_UNITS.map((entry): [string, RegExp] => [`label unit ${entry.unit}`, entry.pattern])
];

/**
 * Patterns the engine only ever runs on bounded text: a lookbehind slice of at most 60
 * characters, a sticky match at one position, a clause, or a unit of at most MAX_PHRASE_UNIT
 * characters (src/claims/extract.ts). recheck may call them polynomial; on a bounded input a
 * polynomial is a constant. None may be exponential.
 */
const BOUNDED = new Set([
    "tokenizer #2",
    "tokenizer #3",
    "tokenizer #4",
    "extract #1",
    "extract #4",
    "extract #5",
    // the front matter pattern is anchored at the start of the issue, with a bounded body
    "document #1",
    "FIT_VERB",
    "SPEED_QUALITATIVE",
    "MEMORY_NOUN",
    ...QUALITY_PHRASES.map((entry) => `quality ${entry.strictness}`),
    ...Object.keys(CUES).map((name) => `cue ${name}`),
    ...UNVERIFIABLE_PHRASES.map((entry) => `unverifiable: ${entry.reason}`),
    ...HARDWARE_CLASSES.map((entry) => `hardware ${entry.id}`),
    ...LABEL_UNITS.map((entry) => `label unit ${entry.unit}`)
]);

describe("no regex of the claims engine can backtrack catastrophically", () => {
    for (const [name, pattern] of regexes)
        it(name, () => {
            const result = checkSync(pattern.source, pattern.flags.replace(/[gyd]/g, ""), {timeout: 20_000});
            if (result.status !== "vulnerable") return;
            const complexity = result.complexity as {type: string};
            expect(complexity.type, `${name} is exponential: ${pattern.source.slice(0, 120)}`).not.toBe("exponential");
            expect(
                BOUNDED.has(name),
                `${name} is ${complexity.type} and runs on unbounded text: ${pattern.source.slice(0, 120)}`
            ).toBe(true);
        }, 60_000);
});
