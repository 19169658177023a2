import {describe, expect, it} from "vitest";
import {sentenceSegments, splitSentences} from "../src/claims/document.js";

/** The text layer's sentence cutting: windowed so that it stays linear, with the same cuts as one pass of ICU. */

const whole = (text: string) =>
    [...new Intl.Segmenter("en", {granularity: "sentence"}).segment(text)].map(({segment, index}) => ({
        segment,
        index
    }));

describe("sentence segments", () => {
    const sentences = [
        "Qwen3-4B is 2.5 GB.",
        "Q4_K_M cuts memory by 75% against FP16!",
        "Does the 80B model fit in 64 GB?",
        "It runs at 12 tokens per second on a laptop, which is fine.",
        "Gemma 3 1B shrinks by 70% at Q4_0."
    ];
    for (const count of [1, 40, 700, 3000]) {
        const text = Array.from({length: count}, (_, index) => sentences[index % sentences.length]).join(" ");
        it(`${count} sentences (${text.length} characters) cut exactly where one pass of ICU cuts`, () => {
            expect([...sentenceSegments(text)]).toEqual(whole(text));
        });
    }

    it("offsets point into the text, across window edges", () => {
        const text = Array.from({length: 2000}, (_, index) => `Model ${index} is ${index % 9}.5 GB.`).join(" ");
        for (const {segment, index} of sentenceSegments(text))
            expect(text.slice(index, index + segment.length)).toBe(segment);
    });

    it("a run with no sentence end longer than a window is cut, and nothing is lost", () => {
        const text = "word ".repeat(5000);
        const segments = [...sentenceSegments(text)];
        expect(segments.length).toBeGreaterThan(1);
        expect(segments.map((item) => item.segment).join("")).toBe(text);
    });

    it("an abbreviation does not end a sentence, at any length of text before it", () => {
        const long = `${"Filler words here. ".repeat(600)}Small models, e.g. Qwen3-0.6B, run anywhere.`;
        const last = splitSentences(long).at(-1)!;
        expect(last.text).toBe("Small models, e.g. Qwen3-0.6B, run anywhere.");
        expect(splitSentences("It ships a 4-bit build, i.e. Q4_K_M, today. Then more.")).toHaveLength(2);
    });

    it("a line break inside a paragraph is not a sentence end", () => {
        expect(splitSentences("Qwen3-4B at Q4_K_M\nis 2.5 GB on disk. Next one.").map((item) => item.text)).toEqual([
            "Qwen3-4B at Q4_K_M is 2.5 GB on disk.",
            "Next one."
        ]);
    });
});
