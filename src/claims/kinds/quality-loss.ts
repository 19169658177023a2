import {findModel} from "../../catalog/lookup.js";
import {finding, type Provenance} from "../findings.js";
import type {QualityStrictness} from "../schema.js";
import {fromBand, judgeBand, TOLERANCE} from "./shared.js";
import type {KindModule} from "./types.js";

/**
 * "practically lossless", "zero quality loss", "minimal degradation", "perplexity up by 10%",
 * "KL divergence of 0.32". Judged against the reference measurements in the catalog
 * (quantReference.quality: perplexity and KL divergence against F16 on a named model). A claim
 * about another model than the reference one is not settled by it: `llmproof quality` measures it.
 */

/** What each wording allows: the most perplexity increase (%) and KL divergence it can mean. */
export const QUALITY_LIMITS: Record<
    Exclude<QualityStrictness, "numeric">,
    {pplPercent: number; kld: number; refuteAbove: number}
> = {
    lossless: {pplPercent: 0.1, kld: 0.005, refuteAbove: 0.5},
    negligible: {pplPercent: 0.5, kld: 0.01, refuteAbove: 2},
    minimal: {pplPercent: 1, kld: 0.02, refuteAbove: 5}
};

export const QUALITY_PHRASES: {
    strictness: Exclude<QualityStrictness, "numeric">;
    pattern: RegExp;
    examples: string[];
}[] = [
    {
        strictness: "lossless",
        pattern:
            /\b(zero (?:quality |accuracy )?loss|no (?:quality |accuracy )?loss|lossless(?! compression)|no (?:loss|degradation|drop) in (?:quality|accuracy)|identical (?:quality|outputs?)|without any (?:loss|degradation))\b/i,
        examples: ["with zero quality loss", "runs with no loss in quality"]
    },
    {
        strictness: "negligible",
        pattern:
            /\b((?:practically|virtually|nearly|near|essentially|almost)[- ]lossless|negligible (?:quality |accuracy |performance )?(?:loss|degradation|drop|impact|difference)|loses almost nothing|indistinguishable|preserv\w* (?:the )?(?:model'?s? |full )?(?:accuracy|quality)|maintain\w* (?:the )?(?:model'?s? |full )?(?:accuracy|quality)|without (?:sacrificing|losing|hurting) (?:accuracy|quality))\b/i,
        examples: ["the Q8_0 edition is practically lossless", "near-lossless", "preserve model accuracy"]
    },
    {
        strictness: "minimal",
        pattern:
            /\b((?:minimal|minor|small|slight|little|modest|marginal) (?:performance |quality |accuracy )?(?:degradation|loss|drop|impact|hit|penalty))\b/i,
        examples: ["minimal performance degradation", "a slight quality hit"]
    }
];

export const qualityLoss: KindModule<"quality-loss"> = {
    kind: "quality-loss",
    description: "quality lost by quantizing: perplexity increase or KL divergence against 16-bit, or a wording for it",
    evidence: ["catalog", "measured"],
    needsQuant: true,
    survey: true,
    detect(context) {
        const q = context.quantity;
        const near = `${context.label} ${context.before.split(" ").slice(-7).join(" ")} ${context.after.split(" ").slice(0, 4).join(" ")}`;
        if (q.unit === "kld") return {score: 0.9, extra: {quality: {strictness: "numeric", metric: "kld"}}};
        if (q.family === "percent" && /\b(perplexity|ppl)\b/.test(near))
            return {score: 0.9, extra: {quality: {strictness: "numeric", metric: "perplexity"}}};
        if (
            q.family === "percent" &&
            /\b(accuracy|quality)\b/.test(near) &&
            /\b(loss|loses|lost|drop\w*|down|lower|degrad\w*)\b/.test(near)
        )
            return {score: 0.85, extra: {quality: {strictness: "numeric", metric: "accuracy"}}};
        return null;
    },
    judge(input) {
        const {claim, link, catalog} = input;
        const quant = link.quant;
        const facts = input.gathered.facts[0];
        const references = catalog.quantReference.quality.filter((fact) => fact.quant === quant && !fact.imatrix);
        const reference = references[0];
        if (!quant || !reference)
            return finding({
                verdict: "inconclusive",
                reason: "no-facts",
                subject: `${quant ?? "this quantization"}'s quality loss`,
                command: "llmproof quality <base.gguf> <quantized.gguf>"
            });
        const referenceModel = findModel(catalog, reference.model);
        const sameModel =
            !facts ||
            (referenceModel != null &&
                (referenceModel.id === facts.named.id || referenceModel.id === facts.measured.id));
        const pplPercent = ((reference.perplexity - reference.baselinePerplexity) / reference.baselinePerplexity) * 100;
        const basis: Provenance[] = [
            {
                what: `${quant} perplexity increase over ${reference.baselineQuant} (${reference.model}, ${reference.dataset})`,
                amount: {value: pplPercent, unit: "%"},
                level: "catalog",
                source: reference.source,
                how: null
            }
        ];
        if (reference.klDivergence != null)
            basis.push({
                what: `${quant} KL divergence against ${reference.baselineQuant} (${reference.model})`,
                amount: {value: reference.klDivergence, unit: "kld"},
                level: "catalog",
                source: reference.source,
                how: null
            });
        const subject = `${quant}'s quality loss${facts ? ` for ${facts.named.name}` : ""} (measured on ${reference.model})`;
        const command = facts ? `llmproof quality ${facts.measured.id}:F16 ${facts.measured.id}:${quant}` : null;
        let result: {verdict: "supported" | "refuted" | "inconclusive"; finding: ReturnType<typeof finding>};
        if (claim.quality.strictness === "numeric") {
            const actual = claim.quality.metric === "kld" ? reference.klDivergence : pplPercent;
            if (actual == null || claim.quality.metric === "accuracy")
                return finding({verdict: "inconclusive", reason: "no-facts", subject, basis, command});
            const unit = claim.quality.metric === "kld" ? ("kld" as const) : ("%" as const);
            const band = judgeBand(actual, claim.claimed.value ?? 0, claim.claimed, TOLERANCE.quality);
            result = {
                verdict: band.verdict,
                finding: fromBand(band, {
                    subject,
                    actual: {value: actual, unit},
                    claimed: {value: claim.claimed.value ?? 0, unit},
                    basis,
                    command
                })
            };
        } else {
            const limits = QUALITY_LIMITS[claim.quality.strictness];
            const within = pplPercent <= limits.pplPercent && (reference.klDivergence ?? 0) <= limits.kld;
            const verdict = within ? "supported" : pplPercent > limits.refuteAbove ? "refuted" : "inconclusive";
            result = {
                verdict,
                finding: finding({
                    verdict,
                    reason: within ? "matches" : verdict === "refuted" ? "differs" : "not-close",
                    subject,
                    actual: {value: pplPercent, unit: "%"},
                    band: {low: 0, high: limits.pplPercent},
                    bandWhy: `"${claim.quality.strictness}" allows at most +${limits.pplPercent}% perplexity and KL divergence ${limits.kld}`,
                    basis,
                    evidenceLevel: "catalog",
                    command
                })
            };
        }
        if (!sameModel && result.verdict !== "inconclusive")
            return {
                ...result.finding,
                verdict: "inconclusive",
                reason: "needs-measurement",
                facts: [`the reference measurement is of ${reference.model}, not ${facts!.named.name}`],
                command
            };
        return result.finding;
    },
    examples: [
        {text: "Q4_K_M on Llama 3 8B pushed wikitext perplexity up by about 10% over F16", value: 10, unit: "%"},
        {text: "Q4_K_M: KL divergence against F16 of 0.32 on wikitext", value: 0.32, unit: "kld"}
    ],
    counterExamples: ["Q4_K_M is 69% smaller than F16"]
};
