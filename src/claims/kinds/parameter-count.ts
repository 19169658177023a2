import {CUES} from "../lexicon/cues.js";
import {finding} from "../findings.js";
import {fromBand, judgeBand, modelLabel, noModel, provenance, sourceOf, TOLERANCE} from "./shared.js";
import type {FigureContext, KindModule} from "./types.js";

/** "just under 80 billion parameters", "a 4-billion-parameter model", "an 8B-parameter option", "Parameters 397B". */

/** "a 1B model", "any other 4B model", "the best model under 10B": a size class, not one model's count. */
export function isGenericCount(context: FigureContext): boolean {
    const before = context.before.split(" ").slice(-3).join(" ");
    const after = context.after.split(" ").slice(0, 3).join(" ");
    const classNoun =
        /^(?:-?param\w*\s+)?(?:models?|llms?|class|range|tier|giants?|ones?)\b/.test(after) ||
        /^-param\w*\s+(?:models?|llms?)\b/.test(after);
    const determiner =
        /(?:^|\s)(a|an|any|other|every|each|best|smartest|most|largest|smallest|typical|your|one|successful|specialized|specialised|new)$/.test(
            before
        );
    const classBound =
        /\b(?:models?|anything|everything)\s+(?:under|over|below|above|beyond)$/.test(before) ||
        /^(?:and (?:up|down|below|above)|or (?:less|more|smaller|bigger))/.test(after);
    const superlative = /\b(best|smartest|most|any other|than any|fastest|largest|smallest|biggest)\b/.test(
        context.sentence
    );
    if (classBound) return true;
    if (classNoun && determiner) return !context.namesModel || superlative;
    return false;
}

export const parameterCount: KindModule<"parameter-count"> = {
    kind: "parameter-count",
    description: "a model's total parameter count",
    evidence: ["catalog", "header"],
    needsQuant: false,
    survey: false,
    detect(context) {
        const q = context.quantity;
        if (q.family !== "count" || !["B", "M", "T"].includes(q.unit)) return null;
        const near = `${context.label} ${context.before.split(" ").slice(-4).join(" ")} ${context.after.split(" ").slice(0, 4).join(" ")}`;
        if (
            CUES.popularity.pattern.test(context.after.split(" ").slice(0, 3).join(" ")) ||
            /\b(downloads?|downloaded|users|stars|likes)\b/.test(near)
        )
            return null;
        if (/^(?:tokens?|words|examples|images|hours|dollars|usd|\$)\b/.test(context.after)) return null;
        const generic = isGenericCount(context);
        if (CUES.params.pattern.test(near) || /\bparam/.test(context.label)) return {score: 0.75, generic};
        if (context.where !== "body" && (context.namesModel || /[a-z]\d|\d[a-z]|^[a-z]+ \d/.test(context.label)))
            return {score: 0.6, generic};
        if (q.unit === "B" && context.namesModel) return {score: 0.55, generic};
        return null;
    },
    judge(input) {
        const facts = input.gathered.facts[0];
        if (!facts) return noModel(input, "this model");
        const claimed = input.claim.claimed;
        const params = facts.params;
        const nominal = facts.named.nominalParamsB ?? facts.measured.nominalParamsB;
        const claimedAmount = {value: claimed.value ?? 0, unit: "params" as const};
        if (!params && nominal == null)
            return finding({
                verdict: "inconclusive",
                reason: "no-facts",
                subject: `the parameter count of ${facts.named.name}`,
                claimed: claimedAmount,
                command: `llmproof inspect ${facts.measured.id}`
            });
        const sourced = params ?? {value: nominal! * 1e9, level: "catalog" as const, how: "as its name states it"};
        const result = judgeBand(
            sourced.value,
            claimed.value ?? 0,
            claimed,
            TOLERANCE.params,
            (claimed.value ?? 0) >= 1e9 ? 1e9 : 1e6
        );
        // A count more than twice off is another model's size ("72B" beside Qwen3-4B), not a wrong count: not guessed.
        const ratio = (claimed.value ?? 0) / sourced.value;
        if (result.verdict === "refuted" && (ratio > 2 || ratio < 0.5))
            return finding({
                verdict: "inconclusive",
                reason: "other-model",
                subject: `a ${claimed.text} model (${facts.named.name} has ${Math.round(sourced.value / 1e8) / 10}B, so another model is meant)`,
                claimed: claimedAmount
            });
        return fromBand(result, {
            subject: `the parameter count of ${modelLabel(facts)}`,
            actual: {value: sourced.value, unit: "params"},
            claimed: claimedAmount,
            basis: [provenance("parameters", sourced, "params", sourceOf(sourced.level, facts))]
        });
    },
    examples: [
        {
            text: "Qwen3-Next-80B-A3B carries just under 80 billion parameters",
            value: 80e9,
            unit: "params",
            comparator: "at-most"
        },
        {text: "The Pro engine uses Qwen3-4B, a 4-billion-parameter model", value: 4e9, unit: "params"},
        {
            text: "Meta-Llama-3-8B-Instruct, a dense transformer with roughly eight billion parameters",
            value: 8e9,
            unit: "params"
        }
    ],
    counterExamples: [
        "In a 1B model it is a big slice",
        "Llama 3.2 1B was downloaded more than 20 million times",
        "the best 8B model for English chat"
    ]
};

/** "activates 22B of them per token", "wakes only about 3B of them for each token", "Active per token 3B". */
export const activeParameters: KindModule<"active-parameters"> = {
    kind: "active-parameters",
    description: "parameters active per token (mixture-of-experts models; all of them for a dense model)",
    evidence: ["catalog", "header"],
    needsQuant: false,
    survey: false,
    detect(context) {
        const q = context.quantity;
        if (q.family !== "count" || !["B", "M"].includes(q.unit)) return null;
        const near = `${context.label} ${context.before.split(" ").slice(-4).join(" ")} ${context.after.split(" ").slice(0, 5).join(" ")}`;
        return CUES.active.pattern.test(near) ? {score: 0.9} : null;
    },
    judge(input) {
        const facts = input.gathered.facts[0];
        if (!facts) return noModel(input, "this model");
        const claimed = input.claim.claimed;
        const claimedAmount = {value: claimed.value ?? 0, unit: "params" as const};
        if (!facts.activeParams)
            return finding({
                verdict: "inconclusive",
                reason: "no-facts",
                subject: `the active parameters of ${facts.named.name}`,
                claimed: claimedAmount,
                command: `llmproof inspect ${facts.measured.id}`
            });
        const result = judgeBand(facts.activeParams.value, claimed.value ?? 0, claimed, TOLERANCE.params, 1e9);
        return fromBand(result, {
            subject: `the parameters ${modelLabel(facts)} uses per token`,
            actual: {value: facts.activeParams.value, unit: "params"},
            claimed: claimedAmount,
            basis: [
                provenance("active parameters", facts.activeParams, "params", sourceOf(facts.activeParams.level, facts))
            ]
        });
    },
    examples: [
        {text: "Qwen3.5-397B activates 22B of them per token", value: 22e9, unit: "params"},
        {text: "Qwen3-Next-80B-A3B wakes only about 3B of them for each token", value: 3e9, unit: "params"}
    ],
    counterExamples: ["Qwen3-4B has 4 billion parameters"]
};
