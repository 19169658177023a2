import {CUES} from "../lexicon/cues.js";
import {finding} from "../findings.js";
import {baselineSize, judgeAgainstBaselines, referenceBaselineBits, referenceBits} from "./baseline.js";
import {fromBand, judgeBand, modelLabel, noModel, TOLERANCE} from "./shared.js";
import type {KindModule} from "./types.js";

/**
 * "3.3x smaller than the 16-bit checkpoint", "a third of the size of the F16 original", "the F16
 * is over three times bigger": baseline size / file size. A fraction of the size is its inverse
 * ("a quarter" = 4x smaller).
 */
export const sizeRatio: KindModule<"size-ratio"> = {
    kind: "size-ratio",
    description: "how many times smaller a quantized file is than a baseline (16-bit unless another is named)",
    evidence: ["catalog", "header"],
    needsQuant: true,
    survey: true,
    detect(context) {
        const q = context.quantity;
        const near = `${context.label} ${context.before.split(" ").slice(-5).join(" ")} ${context.after.split(" ").slice(0, 6).join(" ")}`;
        if (q.family === "ratio") {
            if (/\b(faster|slower|quicker|speed\w*|throughput|latency|tokens?)\b/.test(near)) return null;
            if (
                CUES.popularity.pattern.test(context.after.split(" ").slice(0, 3).join(" ")) &&
                !/\b(smaller|bigger|larger)\b/.test(near)
            )
                return null;
            if (CUES.smaller.pattern.test(near)) return {score: 0.85, claimed: {direction: "smaller"}};
            if (/\b(bigger|larger|heavier|the size)\b/.test(near)) return {score: 0.85, claimed: {direction: "bigger"}};
            if (/\b(cheaper|more efficient)\b/.test(near)) return null;
            return null;
        }
        if (q.family === "fraction") {
            // "a third of the size", "half the size of its BF16 file", "at a quarter of its BF16 size".
            const after = context.after.split(" ").slice(0, 6).join(" ");
            if (
                /^(?:of\s+)?(?:the|its|their|a|an)?\s*(?:\w+\s+){0,2}(size|file|footprint|weights|download)\b/.test(
                    after
                ) &&
                !/\bby$/.test(context.before)
            ) {
                return {score: 0.85, claimed: {value: 1 / q.value, unit: "x", numberText: null, direction: "smaller"}};
            }
        }
        return null;
    },
    judge(input) {
        const {claim, link, catalog} = input;
        const claimedValue = claim.claimed.value ?? 0;
        const quant = link.quant;
        const claimedAmount = {value: claimedValue, unit: "x" as const};
        if (claim.subject.type === "quant" && quant) {
            const reference = referenceBits(catalog, quant);
            const base = reference ? referenceBaselineBits(claim.claimed.baseline, reference.sixteen) : null;
            if (!reference || !base)
                return finding({
                    verdict: "inconclusive",
                    reason: "no-facts",
                    subject: `${quant} in general`,
                    claimed: claimedAmount
                });
            const actual = base.bits / reference.bits;
            return fromBand(judgeBand(actual, claimedValue, claim.claimed, TOLERANCE.ratio), {
                subject: `${quant} against ${base.name} (${reference.bits} vs ${base.bits} bits per weight on ${reference.model})`,
                actual: {value: actual, unit: "x"},
                claimed: claimedAmount,
                baseline: base.name,
                basis: [
                    {
                        what: `${quant} bits per weight on ${reference.model}`,
                        amount: {value: reference.bits, unit: "bpw"},
                        level: "catalog",
                        source: reference.source,
                        how: null
                    }
                ]
            });
        }
        const facts = input.gathered.facts[0];
        if (!facts) return noModel(input, "this ratio");
        // No quantization shrinks a file more than FP32 → 2 bits (16x): a bigger ratio compares something else (two models).
        if (claimedValue > 16.5)
            return finding({
                verdict: "inconclusive",
                reason: "no-facts",
                subject: `a ${claimedValue}x ratio (no quantization shrinks a file that much; it likely compares two models)`,
                claimed: claimedAmount
            });
        const file = quant ? facts.fileBytes.get(quant) : undefined;
        const base = baselineSize(facts, claim.claimed.baseline);
        if (!file || !base || !quant)
            return finding({
                verdict: "inconclusive",
                reason: "no-facts",
                subject: `${modelLabel(facts)}${quant ? ` at ${quant}` : ""}`,
                claimed: claimedAmount,
                command: `llmproof inspect ${facts.measured.id}`
            });
        return judgeAgainstBaselines({
            claimedAmount,
            facts,
            quant,
            file,
            base,
            unit: "x",
            measure: (fileBytes, baselineBytes) => baselineBytes / fileBytes,
            band: (value) => judgeBand(value, claimedValue, claim.claimed, TOLERANCE.ratio),
            subject: `the ${quant} file of ${modelLabel(facts)} against ${base.name}`
        });
    },
    examples: [
        {
            text: "Meta-Llama-3-8B-Instruct's Q4_K_M file is 3.3x smaller than the 16-bit checkpoint",
            value: 3.3,
            unit: "x"
        },
        {text: "Llama 3.2 1B's Q4_K_M build is a third of the size of the F16 original", value: 3, unit: "x"},
        {text: "Qwen3-4B shrinks threefold from its BF16 weights at Q4_K_M", value: 3, unit: "x"},
        {
            text: "DeepSeek Math 7B: the Q4_K_M weighs 3.6 GB, and the F16 is over three times bigger",
            value: 3,
            unit: "x",
            comparator: "at-least"
        }
    ],
    counterExamples: ["Q4_K_M generates tokens 2.5x faster than F16", "downloaded three times more often"]
};
