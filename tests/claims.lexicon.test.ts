import {describe, expect, it} from "vitest";
import {loadCatalog} from "../src/catalog/load.js";
import {extractClaims} from "../src/claims/extract.js";
import {KINDS} from "../src/claims/kinds/index.js";
import {BOUNDS} from "../src/claims/lexicon/bounds.js";
import {CUES, UNVERIFIABLE_PHRASES} from "../src/claims/lexicon/cues.js";
import {HARDWARE_CLASSES, PERSON_CUES, SIZE_REFERENCE} from "../src/claims/lexicon/entities.js";
import {FRACTION_EXAMPLES, LABEL_UNITS, NUMBER_WORD_EXAMPLES, UNITS} from "../src/claims/lexicon/units.js";
import {findQuantities} from "../src/claims/quantities.js";

/** Every entry of the claim vocabulary comes with example phrases; each example is a test. */

describe("units", () => {
    for (const entry of UNITS)
        for (const [text, value] of entry.examples)
            it(`"${text}" reads as ${value} ${entry.unit}`, () => {
                const figure = findQuantities(text).find((quantity) => quantity.family === entry.family);
                expect(figure, text).toBeDefined();
                expect(figure!.unit).toBe(entry.unit);
                expect(figure!.value).toBeCloseTo(value, 6);
            });
    for (const [text, value] of [...NUMBER_WORD_EXAMPLES, ...FRACTION_EXAMPLES])
        it(`"${text}" reads as ${value}`, () => {
            expect(findQuantities(text)[0]?.value).toBeCloseTo(value, 6);
        });
    for (const entry of LABEL_UNITS)
        for (const label of entry.examples)
            it(`label "${label}" gives a bare number the unit ${entry.unit}`, () =>
                expect(entry.pattern.test(label)).toBe(true));
    it("money, dates and names are not figures", () => {
        expect(findQuantities("$4.99 a month")).toEqual([]);
        expect(findQuantities("5m ago").every((quantity) => quantity.family === "number")).toBe(true);
    });
});

describe("bounds", () => {
    for (const entry of BOUNDS)
        for (const example of entry.examples)
            it(`"${example}" is ${entry.comparator} (${entry.closeness})`, () => {
                const figure = findQuantities(example).find((quantity) => quantity.family !== "number");
                expect(figure, example).toBeDefined();
                expect(figure!.comparator).toBe(entry.comparator);
                expect(figure!.closeness).toBe(entry.closeness);
            });
    it("a negation of a figure is 'not'", () => {
        expect(findQuantities('Q4_K_M is not "4-bit"')[0]!.comparator).toBe("not");
    });
});

describe("cue words and entities", () => {
    for (const [name, cue] of Object.entries(CUES))
        for (const example of cue.examples)
            it(`${name}: "${example}"`, () => expect(cue.pattern.test(example.toLowerCase())).toBe(true));
    for (const entry of UNVERIFIABLE_PHRASES)
        for (const example of entry.examples)
            it(`${entry.reason}: "${example}"`, () => expect(entry.pattern.test(example)).toBe(true));
    for (const entry of HARDWARE_CLASSES)
        for (const example of entry.examples)
            it(`hardware ${entry.id}: "${example}"`, () => expect(entry.pattern.test(example)).toBe(true));
    for (const cue of PERSON_CUES)
        for (const example of cue.examples)
            it(`person: "${example}"`, () => {
                cue.pattern.lastIndex = 0;
                expect(cue.pattern.test(example)).toBe(true);
            });
});

describe("a model called by its size", async () => {
    for (const [example, billions] of SIZE_REFERENCE.examples)
        it(`"${example}" refers to a ${billions}B model`, () => {
            const match = [...example.matchAll(SIZE_REFERENCE.pattern)][0];
            expect(match, example).toBeDefined();
            expect(Number(match![1])).toBe(billions);
        });
    for (const example of SIZE_REFERENCE.counterExamples)
        it(`"${example}" is about a size, not a model`, () =>
            expect([...example.matchAll(SIZE_REFERENCE.pattern)]).toHaveLength(0));

    const catalog = await loadCatalog(new URL("../models.yaml", import.meta.url).pathname);
    const speedModel = (text: string) =>
        extractClaims(text, catalog).claims.find((claim) => claim.kind === "speed")?.subject.modelId ?? null;
    it("takes the model of that size the issue named", () => {
        expect(
            speedModel(
                "Qwen3-4B and Llama 3 8B both got new builds.\n\nThe 8B model does 40 tokens per second on an RTX 4090."
            )
        ).toBe("meta-llama-3-8b-instruct");
        expect(
            speedModel("Qwen3-4B and Llama 3 8B both got new builds.\n\nOn a laptop the 4B one manages 12 tokens/s.")
        ).toBe("qwen3-4b");
    });
    it("links nothing when the issue names no model of that size", () => {
        expect(
            speedModel("Qwen3-4B got new builds.\n\nThe 70B model does 40 tokens per second on an RTX 4090.")
        ).not.toBe("qwen3-4b");
    });
});

describe("claim kinds", async () => {
    const catalog = await loadCatalog(new URL("../models.yaml", import.meta.url).pathname);
    for (const module of KINDS) {
        for (const example of module.examples) {
            if (module.kind === "unverifiable") continue;
            it(`${module.kind}: "${example.text}"`, () => {
                const claims = extractClaims(example.text, catalog).claims.filter(
                    (claim) => claim.kind === module.kind
                );
                expect(claims.length, example.text).toBeGreaterThanOrEqual(1);
                if (example.value !== null)
                    expect(claims.map((claim) => claim.claimed.value)).toContainEqual(expect.closeTo(example.value, 3));
                if (example.comparator) expect(claims[0]!.claimed.comparator).toBe(example.comparator);
            });
        }
        for (const counter of module.counterExamples)
            it(`${module.kind} is not read in: "${counter}"`, () => {
                expect(extractClaims(counter, catalog).claims.filter((claim) => claim.kind === module.kind)).toEqual(
                    []
                );
            });
    }
});
