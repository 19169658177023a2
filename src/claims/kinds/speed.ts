import {finding, type Finding, type Provenance} from "../findings.js";
import {profileMentions} from "../lexicon/entities.js";
import {baselineSize, referenceBits} from "./baseline.js";
import {fromBand, judgeBand, modelLabel, provenance, sourceOf, TOLERANCE} from "./shared.js";
import type {SpeedupJudgement} from "../../estimate/verdicts.js";
import type {FigureContext, JudgeInput, KindModule} from "./types.js";

/**
 * "generates tokens 2.5x faster than F16", "45 tokens per second", "lower latency". Token
 * generation is memory-bound: each token reads every weight once, so a quantized file can be at
 * most (baseline bytes / file bytes) times faster than its baseline. A claimed speed-up above
 * that ceiling is refuted on physics; one within it is checked against the reference
 * measurement (catalog quantReference.speed), and otherwise left to a run on the reader's
 * machine. Absolute tokens per second depend on the machine: a figure on named hardware
 * ("on a Raspberry Pi 5", "on a gaming GPU") is held against that hardware's physical bound
 * (the estimator, `estimate` level): above the bound of every member it is refuted, within it
 * it stays inconclusive with the expected range and the command that measures it.
 */

const FASTER = /\b(faster|quicker|speed-?ups?|speeds? up|more tokens)\b/;
const SLOWER = /\b(slower)\b/;
/** Prompt processing rather than generation: "processes prompts at 900 tokens/s", "prefill". */
const PROMPT = /\b(prompts?|prefill|pp\d*|prompt[- ]processing|ingest\w*|reads? (?:the )?(?:input|context))\b/;
/** A claim about the machine llmproof runs on. */
const THIS_MACHINE = /\bon this (?:machine|computer|box)\b/;

/** Words tying a speed to hardware after the figure: "on a Raspberry Pi 5", "with an RTX 4090", "using a phone". */
const ON_HARDWARE = /^[^.!?;]{0,40}?\b(?:on|with|using|from|across)\b/i;

/**
 * The hardware named right after a speed figure ("… per second on a recent gaming GPU"): the text
 * that follows the figure, up to the end of its sentence. Also used on the issue text itself when
 * the figure's sentence was cut at a line break.
 */
export function hardwareAfterFigure(after: string): string | null {
    const sentence = after.replace(/\s+/g, " ").split(/[.!?;](?:\s|$)/)[0] ?? "";
    if (THIS_MACHINE.test(sentence.toLowerCase())) return "this machine";
    const tie = ON_HARDWARE.exec(sentence);
    if (!tie) return null;
    const mention = profileMentions(sentence).find((item) => item.mention.start >= tie.index);
    return mention && mention.mention.start - (tie.index + tie[0].length) <= 30 ? mention.mention.text : null;
}

/** The hardware a speed figure was stated for: the profile named after it, else before it ("on a Pi 5, it reaches 20 tok/s"). */
function speedHardware(context: FigureContext): string | null {
    if (THIS_MACHINE.test(context.before)) return "this machine";
    const after = hardwareAfterFigure(context.after);
    if (after) return after;
    // "On a Galaxy S24, the 1B model manages 150 tokens per second": the sentence up to the figure.
    const at = context.sentence.indexOf(context.quantity.text.toLowerCase());
    const lead = at > 0 ? context.sentence.slice(0, at) : context.before;
    const before = profileMentions(lead).filter((item) =>
        /\b(?:on|with|using)\s+(?:\S+\s+){0,3}$/.test(lead.slice(0, item.mention.start))
    );
    return before[before.length - 1]?.mention.text ?? null;
}

/** "200 tokens per second on a Raspberry Pi 5": held against the named hardware's bound. */
function estimateSpeed(input: JudgeInput<"speed">): Finding | null {
    const {claim, link, estimator} = input;
    const facts = input.gathered.facts[0];
    const quant = link.quant;
    const value = claim.claimed.value;
    if (!estimator || !facts || !quant || value == null || !claim.speed.hardware) return null;
    // "up to", "under" and "not" bound the speed from above or deny it: an upper bound cannot refute them.
    if (claim.claimed.comparator === "at-most" || claim.claimed.comparator === "not") return null;
    const target = estimator.target(claim.speed.hardware);
    if (!target) return null;
    // A claim about this machine is measured when a run exists.
    if (target === "this-machine" && facts.speed?.level === "measured") return null;
    const tolerance =
        claim.claimed.closeness === "approximate" ? TOLERANCE.speed.approximate : TOLERANCE.speed.relative;
    const judgement = estimator.speed({
        modelId: facts.named.id,
        quant,
        claimedTokensPerSecond: value,
        phase: claim.speed.phase,
        target,
        tolerance
    });
    if (!judgement || judgement.reason === "no-bound" || judgement.boundTokensPerSecond == null) return null;
    return finding({
        verdict: judgement.verdict,
        reason: judgement.reason,
        subject: `${modelLabel(facts)} at ${quant}`,
        claimed: {value, unit: "tok/s"},
        band: {low: 0, high: judgement.boundTokensPerSecond},
        bandWhy:
            judgement.phase === "tg"
                ? "memory bandwidth / bytes read per token"
                : "peak compute / (2 x active parameters)",
        basis: [
            {
                what: "bytes read per generated token",
                amount: {value: judgement.bytesPerGeneratedToken, unit: "bytes", byteUnit: "GB"},
                level: "estimate",
                source: judgement.bytesMethod === "catalog" ? "models.yaml" : "models.yaml shape, llama.cpp layout",
                how: null
            }
        ],
        evidenceLevel: "estimate",
        command: judgement.measureCommand,
        estimate: judgement
    });
}

export const speed: KindModule<"speed"> = {
    kind: "speed",
    description: "token-generation speed: tokens per second, or a speed-up over a baseline",
    evidence: ["catalog", "header", "estimate", "twin", "measured"],
    needsQuant: true,
    survey: true,
    detect(context) {
        const q = context.quantity;
        const near = `${context.label} ${context.before.split(" ").slice(-5).join(" ")} ${context.after.split(" ").slice(0, 5).join(" ")}`;
        if (q.family === "speed")
            return {
                score: 0.9,
                extra: {
                    speed: {
                        form: "tokens-per-second",
                        direction: "faster",
                        phase: PROMPT.test(near) ? "pp" : "tg",
                        hardware: speedHardware(context)
                    }
                }
            };
        if (
            (q.family === "ratio" || q.family === "percent") &&
            (FASTER.test(near) || SLOWER.test(near) || /\b(speed|throughput)\b/.test(near))
        )
            return {
                score: 0.88,
                extra: {
                    speed: {
                        form: "ratio",
                        direction: SLOWER.test(near) ? "slower" : "faster",
                        phase: "tg",
                        hardware: null
                    }
                },
                claimed: q.family === "percent" ? {value: 1 + q.value / 100, unit: "x", numberText: null} : {}
            };
        return null;
    },
    judge(input) {
        const {claim, link, catalog} = input;
        const quant = link.quant;
        const facts = input.gathered.facts[0];
        if (claim.speed.form === "tokens-per-second") {
            const estimated = estimateSpeed(input);
            if (estimated) return estimated;
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
        let estimate: SpeedupJudgement | null = null;
        if (facts && facts.fileBytes.get(quant)) {
            const file = facts.fileBytes.get(quant)!;
            const base = baselineSize(facts, claim.claimed.baseline);
            // The bytes each generated token reads (the estimator: embeddings looked up, not read), else the file sizes.
            if (base && claim.claimed.value != null && claim.speed.direction === "faster")
                estimate =
                    input.estimator?.speedup({
                        modelId: facts.named.id,
                        faster: quant,
                        slower: base.name,
                        claimedRatio: claim.claimed.value,
                        tolerance: TOLERANCE.speed.relative
                    }) ?? null;
            if (base) {
                ceiling = estimate ? estimate.maxRatio : base.bytes.value / file.value;
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
                evidenceLevel: estimate ? "estimate" : "catalog",
                estimate,
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
