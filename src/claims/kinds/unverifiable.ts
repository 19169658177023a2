import {finding} from "../findings.js";
import {UNVERIFIABLE_PHRASES} from "../lexicon/cues.js";
import type {KindModule} from "./types.js";

/** Downloads, stars, likes, trends, predictions, release dates and opinions: said plainly, never judged. */
export const unverifiable: KindModule<"unverifiable"> = {
    kind: "unverifiable",
    description: "downloads, stars, trends, predictions, dates and opinions: listed with the reason, never judged",
    evidence: [],
    needsQuant: false,
    survey: false,
    detect() {
        return null;
    },
    judge(input) {
        return finding({verdict: "unverifiable", reason: "unverifiable", subject: input.claim.reason});
    },
    examples: UNVERIFIABLE_PHRASES.flatMap((entry) => entry.examples.map((text) => ({text, value: null}))),
    counterExamples: ["Qwen3-4B has 4 billion parameters"]
};
