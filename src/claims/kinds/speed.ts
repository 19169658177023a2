import {finding, type Provenance} from "../findings.js";
import {baselineSize, referenceBits} from "./baseline.js";
import {fromBand, judgeBand, modelLabel, provenance, sourceOf, TOLERANCE} from "./shared.js";
import type {KindModule} from "./types.js";

/**
 * "generates tokens 2.5x faster than F16", "45 tokens per second", "lower latency". Token
 * generation is memory-bound: each token reads every weight once, so a quantized file can be at
 * most (baseline bytes / file bytes) times faster than its baseline. A claimed speed-up above
 * that ceiling is refuted on physics; one within it is checked against the reference
 * measurement (catalog quantReference.speed), and otherwise left to a run on the reader's
 * machine. Absolute tokens per second depend on the machine: they are settled only by a
 * measurement (or, when it is plugged in, the estimator's `estimate` level).
 */

const FASTER = /\b(faster|quicker|speed-?ups?|speeds? up|more tokens)\b/;
const SLOWER = /\b(slower)\b/;

export const speed: KindModule<"speed"> = {
    kind: "speed",
    description: "token-generation speed: tokens per second, or a speed-up over a baseline",
    evidence: ["catalog", "header", "estimate", "twin", "measured"],
    needsQuant: true,
    survey: true,
    detect(context) {
        const q = context.quantity;
        const near = `${context.label} ${context.before.split(" ").slice(-5).join(" ")} ${context.after.split(" ").slice(0, 5).join(" ")}`;
        if (q.family === "speed") return {score: 0.9, extra: {speed: {form: "tokens-per-second", direction: "faster"}}};
        if (
            (q.family === "ratio" || q.family === "percent") &&
            (FASTER.test(near) || SLOWER.test(near) || /\b(speed|throughput)\b/.test(near))
        )
            return {
                score: 0.88,
                extra: {speed: {form: "ratio", direction: SLOWER.test(near) ? "slower" : "faster"}},
                claimed: q.family === "percent" ? {value: 1 + q.value / 100, unit: "x", numberText: null} : {}
            };
        return null;
    },
    judge(input) {
        const {claim, link, catalog} = input;
        const quant = link.quant;
        const facts = input.gathered.facts[0];
        if (claim.speed.form === "tokens-per-second") {
            const measured = facts?.speed;
            const basis: Provenance[] = measured
                ? [
                      {
                          what: `${quant} generation speed (${measured.value.setting})`,
                          amount: {value: measured.value.tokensPerSecond, unit: "tok/s"},
                          level: measured.level,
                          source: measured.level,
                          how: measured.how
                      }
                  ]
                : [];
            return finding({
                verdict: "inconclusive",
                reason: "needs-measurement",
                subject: facts ? `${modelLabel(facts)}${quant ? ` at ${quant}` : ""}` : "this speed",
                claimed: {value: claim.claimed.value ?? 0, unit: "tok/s"},
                actual: measured ? {value: measured.value.tokensPerSecond, unit: "tok/s"} : null,
                basis,
                evidenceLevel: measured?.level ?? null,
                facts: [
                    "tokens per second depend on the machine; a figure measured elsewhere cannot confirm or refute it"
                ],
                command:
                    facts && quant
                        ? `llmproof pull ${facts.measured.id}:${quant} && llmproof bench <the pulled file>`
                        : "llmproof bench <model.gguf>"
            });
        }
        if (!quant)
            return finding({
                verdict: "inconclusive",
                reason: "no-facts",
                subject: "a speed-up of an unnamed quantization"
            });
        // The physics ceiling: how many times fewer bytes a token reads.
        let ceiling: number | null = null;
        const basis: Provenance[] = [];
        const baselineName = claim.claimed.baseline === "FP32" ? "FP32" : "16-bit";
        if (facts && facts.fileBytes.get(quant)) {
            const file = facts.fileBytes.get(quant)!;
            const base = baselineSize(facts, claim.claimed.baseline);
            if (base) {
                ceiling = base.bytes.value / file.value;
                basis.push(
                    provenance(`${quant} file`, file, "bytes", sourceOf(file.level, facts), "GB"),
                    provenance(`${base.name} size`, base.bytes, "bytes", sourceOf(base.bytes.level, facts), "GB")
                );
            }
        }
        const bits = referenceBits(catalog, quant);
        if (ceiling === null && bits) {
            ceiling = (baselineName === "FP32" ? 32 : bits.sixteen) / bits.bits;
            basis.push({
                what: `${quant} bits per weight on ${bits.model}`,
                amount: {value: bits.bits, unit: "bpw"},
                level: "catalog",
                source: bits.source,
                how: null
            });
        }
        const reference = catalog.quantReference.speed.find(
            (fact) => quant in fact.tokensPerSecond && ("F16" in fact.tokensPerSecond || "BF16" in fact.tokensPerSecond)
        );
        const referenceRatio = reference
            ? reference.tokensPerSecond[quant]! / (reference.tokensPerSecond.F16 ?? reference.tokensPerSecond.BF16!)
            : null;
        if (reference && referenceRatio)
            basis.push({
                what: `${quant} vs 16-bit token generation on ${reference.hardware} (${reference.model})`,
                amount: {value: referenceRatio, unit: "x"},
                level: "catalog",
                source: reference.source,
                how: null
            });
        const subject = `${quant}'s token-generation speed-up over ${baselineName}${facts ? ` for ${modelLabel(facts)}` : ""}`;
        if (claim.claimed.value == null) {
            // "faster inference": a smaller file is faster to generate with, memory-bound.
            if (ceiling !== null && ceiling > 1.2 && claim.speed.direction === "faster")
                return finding({
                    verdict: "supported",
                    reason: "matches",
                    subject,
                    actual: referenceRatio ? {value: referenceRatio, unit: "x"} : {value: ceiling, unit: "x"},
                    basis,
                    evidenceLevel: "catalog"
                });
            return finding({verdict: "inconclusive", reason: "no-facts", subject, basis});
        }
        const claimedValue = claim.speed.direction === "slower" ? 1 / claim.claimed.value : claim.claimed.value;
        const claimedAmount = {value: claim.claimed.value, unit: "x" as const};
        if (
            ceiling !== null &&
            claim.speed.direction === "faster" &&
            claimedValue > ceiling * (1 + TOLERANCE.speed.relative) &&
            claim.claimed.comparator !== "at-most"
        )
            return finding({
                verdict: "refuted",
                reason: "physics-limit",
                subject,
                actual: referenceRatio ? {value: referenceRatio, unit: "x"} : null,
                claimed: claimedAmount,
                band: {low: 0, high: ceiling},
                bandWhy: "token generation is memory-bound: the speed-up cannot exceed the size ratio",
                basis,
                evidenceLevel: "catalog",
                corrected: referenceRatio ? {value: referenceRatio, unit: "x"} : {value: ceiling, unit: "x"}
            });
        if (referenceRatio && baselineName === "16-bit") {
            const result = judgeBand(referenceRatio, claimedValue, claim.claimed, TOLERANCE.speed);
            if (result.verdict === "supported")
                return fromBand(result, {
                    subject,
                    actual: {value: referenceRatio, unit: "x"},
                    claimed: claimedAmount,
                    basis
                });
        }
        return finding({
            verdict: "inconclusive",
            reason: "needs-measurement",
            subject,
            claimed: claimedAmount,
            actual: referenceRatio ? {value: referenceRatio, unit: "x"} : null,
            basis,
            facts: ceiling ? [`the memory-bound ceiling is ${ceiling.toFixed(2)}x`] : [],
            evidenceLevel: basis.length > 0 ? "catalog" : null,
            command: facts
                ? `llmproof bench ${facts.measured.id}:${quant} ${facts.measured.id}:F16`
                : "llmproof bench <quantized.gguf> <f16.gguf>"
        });
    },
    examples: [
        {text: "Q4_K_M generates tokens 2.5x faster than F16", value: 2.5, unit: "x"},
        {text: "Our Q4_K_M builds generate tokens five times faster than F16", value: 5, unit: "x"},
        {text: "Meta-Llama-3-8B-Instruct at Q8_0 decodes about 3x faster than F16", value: 3, unit: "x"},
        {text: "Llama 3 8B at Q8_0 generates 45 tokens per second", value: 45, unit: "tok/s"}
    ],
    counterExamples: ["Qwen3-4B is 3x smaller than BF16"]
};
