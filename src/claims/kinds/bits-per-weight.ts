import {finding} from "../findings.js";
import {referenceBits} from "./baseline.js";
import {fromBand, judgeBand, modelLabel, provenance, sourceOf, TOLERANCE} from "./shared.js";
import type {KindModule} from "./types.js";

/** Words after "4-bit" that make it a type named by its width ("4-bit quantization"), not a bpw figure. */
const TYPE_WIDTH_FOLLOWER =
    /^(quant\w*|gguf|models?|weights|versions?|variants?|files?|builds?|checkpoints?|precision|baseline|original|release|floats?|integers?|kernels?|k-quants?|and|or)\b/;

/** "about 4.9 bits per weight", "8.5 bpw", `Q4_K_M is not "4-bit"`, a "Bits per weight" column. */
export const bitsPerWeight: KindModule<"bits-per-weight"> = {
    kind: "bits-per-weight",
    description: "average bits per weight of a quantized file (file bytes × 8 / parameters)",
    evidence: ["catalog", "header"],
    needsQuant: true,
    survey: true,
    detect(context) {
        const q = context.quantity;
        if (q.family !== "bits") return null;
        const after = context.after.split(" ").slice(0, 2).join(" ");
        const before = context.before.split(" ").slice(-2).join(" ");
        // "4-bit quantization", "than the 16-bit file": a type named by its width, not a bpw figure.
        if (q.comparator !== "not" && /^[a-z]/.test(after) && TYPE_WIDTH_FOLLOWER.test(after)) return null;
        if (/\b(than|vs\.?|versus|from|off|against|of)( the| its)?$/.test(before)) return null;
        if (q.value >= 16 && q.comparator !== "not") return null;
        return {score: context.where === "body" ? 0.85 : 0.9};
    },
    judge(input) {
        const {claim, link, catalog} = input;
        const quant = link.quant;
        const claimed = claim.claimed;
        const claimedAmount = {value: claimed.value ?? 0, unit: "bpw" as const};
        const facts = input.gathered.facts[0];
        if (facts && quant && facts.bitsPerWeight) {
            const result = judgeBand(facts.bitsPerWeight.value, claimed.value ?? 0, claimed, TOLERANCE.bits);
            return fromBand(result, {
                subject: `the ${quant} file of ${modelLabel(facts)}`,
                actual: {value: facts.bitsPerWeight.value, unit: "bpw"},
                claimed: claimedAmount,
                basis: [
                    provenance(
                        "bits per weight",
                        facts.bitsPerWeight,
                        "bpw",
                        sourceOf(facts.bitsPerWeight.level, facts)
                    )
                ]
            });
        }
        if (!quant)
            return finding({
                verdict: "inconclusive",
                reason: "no-facts",
                subject: "bits per weight of an unnamed quantization",
                claimed: claimedAmount
            });
        // A quant type in general (or a model whose size or count is missing): the reference measurement.
        const reference = referenceBits(catalog, quant);
        if (!reference)
            return finding({
                verdict: "inconclusive",
                reason: "no-facts",
                subject: `${quant} in general`,
                claimed: claimedAmount
            });
        const result = judgeBand(reference.bits, claimed.value ?? 0, claimed, TOLERANCE.bits);
        const named = facts ? ` (${facts.named.name}'s own file is not measured)` : "";
        return fromBand(
            {...result, verdict: facts ? "inconclusive" : result.verdict},
            {
                subject: `${quant} on ${reference.model}, the reference measurement${named}`,
                actual: {value: reference.bits, unit: "bpw"},
                claimed: claimedAmount,
                basis: [
                    {
                        what: `${quant} bits per weight on ${reference.model}`,
                        amount: {value: reference.bits, unit: "bpw"},
                        level: "catalog",
                        source: reference.source,
                        how: null
                    }
                ],
                command: facts ? `llmproof inspect ${facts.measured.id}:${quant}` : null
            }
        );
    },
    examples: [
        {text: "On Llama 3 8B Q4_K_M comes to about 4.9 bits per weight", value: 4.9, unit: "bpw"},
        {text: "Q4_K_M stores exactly 4 bits per weight", value: 4, unit: "bpw"},
        {text: 'Q4_K_M is not "4-bit"', value: 4, unit: "bpw", comparator: "not"}
    ],
    counterExamples: ["the 4-bit quantization of Qwen3-4B", "smaller than the 16-bit file"]
};
