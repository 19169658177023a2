import {CUES} from "../lexicon/cues.js";
import {finding, type Reading} from "../findings.js";
import {
    baselineSize,
    judgeAgainstBaselines,
    READING_BASELINES,
    referenceBaselineBits,
    referenceBits
} from "./baseline.js";
import {fromBand, judgeBand, modelLabel, noModel, TOLERANCE} from "./shared.js";
import type {KindModule} from "./types.js";

/** "Q4_K_M vs BF16 -69%", "saves well over 60% vs BF16", "trims roughly 75% off FP32 weights": percent smaller than a baseline. */
export const sizeReduction: KindModule<"size-reduction"> = {
    kind: "size-reduction",
    description: "how much smaller a quantized file is than a baseline (16-bit unless another is named), in percent",
    evidence: ["catalog", "header"],
    needsQuant: true,
    survey: true,
    detect(context) {
        const q = context.quantity;
        const near = `${context.label} ${context.before.split(" ").slice(-6).join(" ")} ${context.after.split(" ").slice(0, 6).join(" ")}`;
        if (q.family === "percent") {
            if (CUES.speed.pattern.test(near) && /\b(faster|slower|speed|throughput|latency)\b/.test(near)) return null;
            if (/\b(perplexity|ppl|accuracy|quality|kld|divergence)\b/.test(near)) return null;
            if (CUES.reduction.pattern.test(near)) return {score: 0.85};
            if (q.negative && /\b(vs\.?|versus|than|against|bf16|f16|fp16|fp32)\b/.test(near)) return {score: 0.85};
            return null;
        }
        // "slimmed down by two thirds": a fraction taken off is a reduction.
        if (q.family === "fraction" && /\bby$/.test(context.before) && CUES.reduction.pattern.test(context.before))
            return {score: 0.8, claimed: {value: q.value * 100, unit: "%", numberText: null}};
        return null;
    },
    judge(input) {
        const {claim, link, catalog} = input;
        const claimedValue = claim.claimed.value ?? 0;
        const quant = link.quant;
        const claimedAmount = {value: claimedValue, unit: "%" as const};
        if (claim.subject.type === "quant" && quant) {
            const reference = referenceBits(catalog, quant);
            if (!reference)
                return finding({
                    verdict: "inconclusive",
                    reason: "no-facts",
                    subject: `${quant} in general`,
                    claimed: claimedAmount
                });
            const base = referenceBaselineBits(claim.claimed.baseline, reference.sixteen);
            if (!base)
                return finding({
                    verdict: "inconclusive",
                    reason: "no-facts",
                    subject: `${quant} in general`,
                    claimed: claimedAmount
                });
            const actual = (1 - reference.bits / base.bits) * 100;
            const readings: Reading[] = [];
            for (const other of READING_BASELINES) {
                const alt = referenceBaselineBits(other, reference.sixteen);
                if (!alt || alt.name === base.name || (alt.bits === base.bits && other === "16-bit")) continue;
                const value = (1 - reference.bits / alt.bits) * 100;
                readings.push({
                    label: `against ${alt.name}`,
                    actual: {value, unit: "%"},
                    holds:
                        judgeBand(value, claimedValue, claim.claimed, TOLERANCE.percent, 1, true).verdict ===
                        "supported"
                });
            }
            return fromBand(judgeBand(actual, claimedValue, claim.claimed, TOLERANCE.percent, 1, true), {
                subject: `${quant}'s saving against ${base.name} (${reference.bits} vs ${base.bits} bits per weight on ${reference.model})`,
                actual: {value: actual, unit: "%"},
                claimed: claimedAmount,
                baseline: base.name,
                readings,
                basis: [
                    {
                        what: `${quant} bits per weight on ${reference.model}`,
                        amount: {value: reference.bits, unit: "bpw"},
                        level: "catalog",
                        source: reference.source,
                        how: null
                    }
                ],
                command: null
            });
        }
        const facts = input.gathered.facts[0];
        if (!facts) return noModel(input, "this saving");
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
            unit: "%",
            measure: (fileBytes, baselineBytes) => (1 - fileBytes / baselineBytes) * 100,
            band: (value) => judgeBand(value, claimedValue, claim.claimed, TOLERANCE.percent, 1, true),
            subject:
                `the ${quant} file of ${modelLabel(facts)} against ` +
                `${base.name}${claim.claimed.baseline ? "" : " (no baseline named: the released 16-bit weights)"}`
        });
    },
    examples: [
        {text: "Qwen3-Next Q4_K_M vs BF16 -69%", value: 69, unit: "%"},
        {text: "Gemma 3 1B's Q4_K_M saves well over 60% vs BF16", value: 60, unit: "%", comparator: "at-least"},
        {text: "Q4_K_M trims roughly 75% off FP32 weights", value: 75, unit: "%"},
        {text: "quantization cuts Qwen3-4B's download by 85% at Q4_K_M", value: 85, unit: "%"}
    ],
    counterExamples: ["Q4_K_M pushed perplexity up by 10%", "Q4_K_M is 40% faster"]
};
