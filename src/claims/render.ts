import {renderFitNote, renderSpeedNote, renderSpeedupNote} from "../estimate/render.js";
import type {SpeedJudgement} from "../estimate/verdicts.js";
import {formatDecimalBytes, GiB} from "../util/units.js";
import type {Amount, Finding, PartialFit, Provenance} from "./findings.js";
import type {Claim, ClaimLink, Verdict} from "./schema.js";

/**
 * The one place that writes English about a verdict. A note is: one plain sentence an editor can
 * print ("False: …", "True: …", "Not settled: …", "Not checkable: …"), then the working (the
 * figures compared, the tolerance, other readings), then the sources. Logic never reads these
 * words back: everything it needs is in the Finding.
 */

function trim(value: number, digits = 3): string {
    if (!Number.isFinite(value)) return String(value);
    const abs = Math.abs(value);
    const fixed =
        abs >= 100
            ? value.toFixed(0)
            : abs >= 10
              ? value.toFixed(1)
              : abs >= 1
                ? value.toFixed(2)
                : value.toPrecision(2);
    return String(Number(Number(fixed).toPrecision(Math.max(digits, 3))));
}

/** An amount as an editor writes it: "2.50 GB", "69.4%", "3.27x", "4.89 bits per weight", "79.67B". */
export function formatAmount(amount: Amount): string {
    switch (amount.unit) {
        case "bytes": {
            const unit = amount.byteUnit ?? "GB";
            if (unit === "GiB") return `${(amount.value / GiB).toFixed(2)} GiB`;
            if (unit === "MiB") return `${Math.round(amount.value / 2 ** 20)} MiB`;
            if (unit === "MB" && amount.value < 1e9) return `${Math.round(amount.value / 1e6)} MB`;
            return formatDecimalBytes(amount.value);
        }
        case "params":
            return amount.value >= 1e9 ? `${trim(amount.value / 1e9)}B` : `${trim(amount.value / 1e6)}M`;
        case "%":
            return `${amount.value.toFixed(1)}%`;
        case "x":
            return `${amount.value.toFixed(2)}x`;
        case "bpw":
            return `${amount.value.toFixed(2)} bits per weight`;
        case "tok/s":
            return `${trim(amount.value)} tokens/s`;
        case "kld":
            return `KL divergence ${trim(amount.value)}`;
        case "fraction":
            return `${(amount.value * 100).toFixed(0)}% of`;
    }
}

/** The number alone, in the claim's own unit, to put in place of the claimed one ("69.5", "4.58"). */
function correctedNumber(amount: Amount, claim: Claim): string | null {
    if (amount.unit === "bytes") {
        const unit = claim.claimed.byteUnit ?? amount.byteUnit ?? "GB";
        const scale = ({MB: 1e6, GB: 1e9, TB: 1e12, MiB: 2 ** 20, GiB: 2 ** 30} as Record<string, number>)[unit] ?? 1e9;
        return trim(amount.value / scale);
    }
    if (amount.unit === "params")
        return trim(amount.value / (claim.claimed.value != null && claim.claimed.value < 1e9 ? 1e6 : 1e9));
    if (amount.unit === "%") return amount.value.toFixed(1);
    if (amount.unit === "x") return amount.value.toFixed(1);
    return trim(amount.value);
}

function sources(basis: readonly Provenance[]): string {
    if (basis.length === 0) return "";
    const parts = basis.map(
        (item) =>
            `${item.what}: ${formatAmount(item.amount)} (${item.level}, ${item.source}${item.how ? `; ${item.how}` : ""})`
    );
    return `Sources: ${parts.join("; ")}.`;
}

function capitalise(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The plain first sentence. */
function headline(result: Finding, claim: Claim, link: ClaimLink): string {
    const actual = result.actual ? formatAmount(result.actual) : null;
    const claimed = claim.claimed.text;
    // A wording rather than a figure ("practically lossless"): say what was measured and what the wording allows.
    if (claim.kind === "quality-loss" && claim.claimed.value == null && actual && result.verdict !== "unverifiable") {
        const measured = `${result.subject} is +${actual} perplexity${result.basis[1] ? `, ${formatAmount(result.basis[1].amount)}` : ""}`;
        const word = result.verdict === "supported" ? "True" : result.verdict === "refuted" ? "False" : "Not settled";
        return `${word}: ${measured}; "${claimed}" allows ${result.bandWhy?.replace(/^"[^"]*" allows /, "") ?? "little loss"}.`;
    }
    switch (result.reason) {
        case "matches":
        case "bound-holds":
        case "negation-holds":
            return (
                `True: ${result.subject} is ` +
                `${actual ?? "as claimed"}${result.reason === "negation-holds" ? `, not ${claimed}` : `, which fits "${claimed}"`}.`
            );
        case "differs":
        case "bound-fails":
        case "negation-fails":
            return `False: ${result.subject} is ${actual ?? "not as claimed"}, not ${claimed}.`;
        case "not-close":
            return result.verdict === "refuted"
                ? `False: ${result.subject} is ${actual}, too far from ${claimed}.`
                : `Not settled: ${result.subject} is ${actual}, between what "${claimed}" allows and what refutes it.`;
        case "no-margin":
            return `False: ${result.subject} is ${actual}, not clearly ${claimed}.`;
        case "fits":
            return `True: ${result.subject} needs about ${actual}, which fits${result.claimed ? ` ${formatAmount(result.claimed)}` : ""} (${claimed}).`;
        case "does-not-fit":
            return `False: ${result.subject} needs about ${actual}; ${result.claimed ? formatAmount(result.claimed) : "that memory"} cannot hold it.`;
        case "tight-fit":
            return (
                `Not settled: ${result.subject} needs about ${actual}, too close to ${result.claimed ? formatAmount(result.claimed) : "the memory"} ` +
                `to call without a run.`
            );
        case "class-partial":
            return `Not settled: ${result.subject} needs about ${actual}; ${partialFitClause(result.partialFit)}.`;
        case "class-none":
            return `False: ${result.subject} needs about ${actual}; no ${
                result.estimate?.kind === "hardware-fit"
                    ? `${result.estimate.target.name} profile`
                    : result.bandWhy
                      ? result.bandWhy.split(" usually")[0]
                      : "such device"
            } holds that.`;
        case "above-bound":
        case "within-bound": {
            const where = speedWhere(result.estimate as SpeedJudgement | null);
            const bound = result.band ? formatAmount({value: result.band.high, unit: "tok/s"}) : "the bound";
            const what = (result.estimate as SpeedJudgement | null)?.phase === "pp" ? "processes prompts" : "generates";
            return result.reason === "above-bound"
                ? `False: ${claimed} is more than ${where} can do: ${result.subject} ${what} at most ${bound} there.`
                : `Not settled: ${claimed} is within what ${where} allows (at most ${bound} for ${result.subject}); only a run on that hardware settles it.`;
        }
        case "physics-limit":
            return (
                `False: ${claimed} is impossible: token generation is memory-bound, so ${result.subject} cannot exceed ` +
                `${result.band ? `${result.band.high.toFixed(2)}x` : "the size ratio"}${actual ? ` (measured: ${actual})` : ""}.`
            );
        case "no-model":
            return `Not settled: the claim names no model or quantization the catalog knows, so there is nothing to check it against.`;
        case "unknown-model":
            return `Not settled: "${result.subject}" is not in the catalog; add it to models.yaml or inspect its GGUF directly.`;
        case "other-model":
            return `Not settled: the figure fits another model than the one linked: ${result.subject}.`;
        case "no-figure":
            return `Not settled: the claim gives no figure to check.`;
        case "no-facts":
            return `Not settled: the catalog lacks the figures for ${result.subject}.`;
        case "needs-measurement":
            return `Not settled: ${result.subject} ${actual ? `is ${actual} in the reference measurement, ` : ""}but only a run settles "${claimed}".`;
        case "other-quant":
            return `Not settled: the claim names no quantization; ${
                result.readings
                    .filter((reading) => reading.holds)
                    .map((reading) => reading.label)
                    .join(" and ") || "no file"
            } fits ${claimed}${link.quant ? "" : ""}.`;
        case "unverifiable":
            return `Not checkable: ${result.subject}; a GGUF header or a benchmark cannot check it.`;
    }
}

/** "the Raspberry Pi 5 (Broadcom BCM2712)", "any consumer GPU", "this machine". */
/** "true only with 12 GB or more of unified memory", "true only with about 64 GB of memory (it needs 47.9 GB)". */
function partialFitClause(partial: PartialFit | null): string {
    if (!partial) return "true only on some of those devices";
    const memory = partial.memoryKinds.join(" or ") || "memory";
    const need =
        partial.needBytes != null ? ` (it needs ${formatAmount({value: partial.needBytes, unit: "bytes"})})` : "";
    const amount = partial.approximate
        ? `about ${partial.enoughGB} GB of ${memory}`
        : `${partial.enoughGB} GB or more of ${memory}`;
    return `true only with ${amount}${need}${partial.noConsumerGpu ? "; no consumer graphics card holds it" : ""}`;
}

function speedWhere(judgement: SpeedJudgement | null): string {
    if (!judgement) return "that hardware";
    if (judgement.target.kind === "this-machine") return "this machine";
    return judgement.target.kind === "class" ? `any ${judgement.target.name}` : `the ${judgement.target.name}`;
}

/** The estimator's working (which profile, which figures, from its one renderer). */
function estimateWorking(result: Finding): string | null {
    const judgement = result.estimate;
    if (!judgement) return null;
    if (judgement.kind === "speed") return renderSpeedNote(judgement);
    if (judgement.kind === "speedup-ratio") return renderSpeedupNote(judgement);
    return renderFitNote(judgement);
}

export function renderVerdict(result: Finding, claim: Claim, link: ClaimLink): Verdict {
    const lines = [headline(result, claim, link)];
    const working = estimateWorking(result);
    if (working) lines.push(working);
    if (
        result.band &&
        !result.estimate &&
        result.reason !== "physics-limit" &&
        result.reason !== "fits" &&
        result.reason !== "does-not-fit" &&
        result.actual
    ) {
        const unit = result.actual;
        const band = [result.band.low, result.band.high].map((value) =>
            Number.isFinite(value) ? formatAmount({...unit, value: Math.max(0, value)}) : value > 0 ? "∞" : "0"
        );
        lines.push(`Allowed range ${band[0]} to ${band[1]} (${result.bandWhy}).`);
    } else if (
        result.bandWhy &&
        !result.estimate &&
        (result.reason === "fits" || result.reason === "does-not-fit" || result.reason === "tight-fit")
    )
        lines.push(`Rule: ${result.bandWhy}.`);
    if (link.quantSource === "default" && link.quant)
        lines.push(`No quantization is named; judged at ${link.quant}, the usual download.`);
    if (link.models.some((model) => model.via === "proxy"))
        lines.push(`${link.models.find((model) => model.via === "proxy")!.note}.`);
    const readings = result.readings.map(
        (reading) => `${reading.label}: ${formatAmount(reading.actual)} (${reading.holds ? "holds" : "does not hold"})`
    );
    if (readings.length > 0) lines.push(`Other readings: ${readings.join("; ")}.`);
    for (const fact of result.facts) if (!lines[0]!.includes(fact)) lines.push(`${capitalise(fact)}.`);
    const source = sources(result.basis);
    if (source) lines.push(source);
    if (result.command && result.verdict !== "supported" && !working?.includes(result.command))
        lines.push(`To settle it: \`${result.command}\`.`);
    const note = lines.join(" ");
    const corrected = result.corrected ?? (result.verdict === "refuted" ? result.actual : null);
    return {
        verdict: result.verdict,
        actual: result.actual ? formatAmount(result.actual) : null,
        correctedValue: corrected ? formatAmount(corrected) : null,
        correctedNumber: corrected && result.verdict === "refuted" ? correctedNumber(corrected, claim) : null,
        note,
        summary: lines[0]!,
        evidenceLevel: result.evidenceLevel,
        tolerance: result.bandWhy,
        command: result.command,
        readings: result.readings.map((reading) => ({
            label: reading.label,
            actual: formatAmount(reading.actual),
            holds: reading.holds
        }))
    };
}
