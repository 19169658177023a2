import {CUES} from "../lexicon/cues.js";
import {MEMORY_NOUN} from "../lexicon/entities.js";
import {finding} from "../findings.js";
import {fromBand, judgeBand, modelLabel, noModel, provenance, sourceOf, TOLERANCE} from "./shared.js";
import type {FigureContext, KindModule} from "./types.js";

/** "4.9 GB", "a gig and a half", "no more than 5 GB on disk": the size of one model's file at one quant. */

/** A byte figure that is a device's memory ("a 24 GB card", "8 GB of RAM", "a phone with 8 GB"). */
export function isCapacity(context: FigureContext): boolean {
    if (MEMORY_NOUN.test(context.after)) return true;
    if (/\b(with|has|have|having)$/.test(context.before)) return true;
    if (
        /\b(?:runs?|running|fits?|fitting|works?|loads?)\b(?: \w+){0,2} (?:in|into|on)( (?:a|an|my|one|any|the|just|only))?$/.test(
            context.before
        )
    )
        return true;
    return false;
}

/** A byte figure that is the memory a model needs ("needs about 5 GB of RAM"; an answer to "how much RAM …?"). */
export function isNeed(context: FigureContext): boolean {
    const near = context.before.split(" ").slice(-4).join(" ");
    if (CUES.memoryNeed.pattern.test(near)) return true;
    if (
        /\b(of (?:v?ram|memory)|ram|vram|memory)\b/.test(context.after.split(" ").slice(0, 3).join(" ")) &&
        CUES.memoryNeed.pattern.test(`${context.before} ${context.after}`)
    )
        return true;
    if (
        context.question &&
        /\b(ram|memory|vram)\b/.test(context.question) &&
        /\b(need|take|use|require)/.test(context.question)
    )
        return true;
    return false;
}

export const fileSize: KindModule<"file-size"> = {
    kind: "file-size",
    description: "the size of a model's file at one quantization (GB = 1e9 bytes, GiB = 2^30)",
    evidence: ["catalog", "header"],
    needsQuant: true,
    survey: false,
    detect(context) {
        if (context.quantity.family !== "bytes") return null;
        if (/^\/\s?s\b|^per second|^a second/.test(context.after)) return null;
        if (isCapacity(context) || isNeed(context)) return null;
        let score = 0.6;
        if (
            CUES.file.pattern.test(
                `${context.before.split(" ").slice(-4).join(" ")} ${context.after.split(" ").slice(0, 3).join(" ")}`
            )
        )
            score += 0.2;
        if (context.where !== "body") score += 0.2;
        return {score};
    },
    judge(input) {
        const facts = input.gathered.facts[0];
        const {claim, link} = input;
        if (!facts) return noModel(input, "this file");
        const claimed = claim.claimed;
        const quant = link.quant;
        const sized = quant ? facts.fileBytes.get(quant) : undefined;
        const byteUnit = claimed.byteUnit ?? "GB";
        const claimedAmount = {value: claimed.value ?? 0, unit: "bytes" as const, byteUnit};
        if (!quant || !sized) {
            // No quant named: say which files the figure fits; supported only if the usual one does.
            const readings = [...facts.fileBytes.entries()].map(([name, size]) => {
                const result = judgeBand(size.value, claimed.value ?? 0, claimed, TOLERANCE.size, scaleOf(byteUnit));
                return {
                    label: `the ${name} file`,
                    actual: {value: size.value, unit: "bytes" as const, byteUnit},
                    holds: result.verdict === "supported"
                };
            });
            return finding({
                verdict:
                    readings.length > 0 && readings.every((reading) => !reading.holds) ? "refuted" : "inconclusive",
                reason:
                    readings.length === 0
                        ? "no-facts"
                        : readings.every((reading) => !reading.holds)
                          ? "differs"
                          : "other-quant",
                subject: `a file of ${modelLabel(facts)}`,
                claimed: claimedAmount,
                readings,
                basis: [...facts.fileBytes.entries()].map(([name, size]) =>
                    provenance(`${name} file`, size, "bytes", sourceOf(size.level, facts), byteUnit)
                ),
                evidenceLevel: "catalog",
                command: `llmproof inspect ${facts.measured.id}`
            });
        }
        const result = judgeBand(sized.value, claimed.value ?? 0, claimed, TOLERANCE.size, scaleOf(byteUnit));
        const readings = [];
        if (result.verdict === "refuted") {
            // The other unit, and the other files of the same model: what the figure would fit.
            const otherUnit = byteUnit === "GB" ? "GiB" : byteUnit === "GiB" ? "GB" : null;
            if (otherUnit) {
                const asOther = judgeBand(
                    sized.value,
                    (claimed.value ?? 0) * (scaleOf(otherUnit) / scaleOf(byteUnit)),
                    claimed,
                    TOLERANCE.size,
                    scaleOf(otherUnit)
                );
                if (asOther.verdict === "supported")
                    readings.push({
                        label: `read as ${otherUnit}`,
                        actual: {value: sized.value, unit: "bytes" as const, byteUnit: otherUnit},
                        holds: true
                    });
            }
            for (const [name, size] of facts.fileBytes) {
                if (name === quant) continue;
                if (
                    judgeBand(size.value, claimed.value ?? 0, claimed, TOLERANCE.size, scaleOf(byteUnit)).verdict ===
                    "supported"
                )
                    readings.push({
                        label: `the ${name} file`,
                        actual: {value: size.value, unit: "bytes" as const, byteUnit},
                        holds: true
                    });
            }
        }
        return fromBand(result, {
            subject: `the ${quant} file of ${modelLabel(facts)}`,
            actual: {value: sized.value, unit: "bytes", byteUnit},
            claimed: claimedAmount,
            readings,
            basis: [provenance(`${quant} file`, sized, "bytes", sourceOf(sized.level, facts), byteUnit)],
            command: sized.level === "catalog" ? `llmproof inspect ${facts.measured.id}:${quant}` : null
        });
    },
    examples: [
        {
            text: "bartowski's Q4_K_M build of Qwen3-4B is a single file of roughly 45 GiB",
            value: 45 * 2 ** 30,
            unit: "bytes"
        },
        {text: "Qwen3-4B at Q4_K_M: the file is about 2.5 gigs", value: 2.5e9, unit: "bytes"},
        {text: "Llama 3 8B is no more than 5 GB on disk at Q4_K_M", value: 5e9, unit: "bytes", comparator: "at-most"},
        {text: "Qwen3-0.6B at Q8_0 is not even 500 megs", value: 500e6, unit: "bytes", comparator: "at-most"},
        {text: "Gemma 3 1B's Q8_0 is a gig and a half", value: 1.5e9, unit: "bytes"}
    ],
    counterExamples: [
        "Qwen3-4B runs on a 24 GB graphics card",
        "Qwen3-4B needs about 5 GB of RAM",
        "memory bandwidth of 100 GB/s"
    ]
};

export function scaleOf(byteUnit: string): number {
    return (
        (
            {KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40} as Record<
                string,
                number
            >
        )[byteUnit] ?? 1e9
    );
}
