import type {CheckedClaim, IssueReport, MetricBox, VerifiedBox, VerifiedNumber} from "./schema.js";

/**
 * The verified-numbers block: each metric box of the issue with the same labels, the value to
 * print (confirmed as written, or corrected), and a mark: ✔ confirmed, ✘ corrected, ? not checked.
 */

export function verifiedNumbers(boxes: readonly MetricBox[], checked: readonly CheckedClaim[]): VerifiedBox[] {
    const byId = new Map(checked.map((item) => [item.claim.id, item]));
    return boxes.map((box) => ({
        title: box.title,
        items: box.items.map((item): VerifiedNumber => {
            const checkedClaim = byId.get(item.claimId);
            if (!checkedClaim)
                return {
                    label: item.label,
                    claimed: item.value,
                    verified: item.value,
                    mark: "?",
                    verdict: "inconclusive",
                    claimId: item.claimId,
                    note: "not checked"
                };
            const {claim, verdict} = checkedClaim;
            if (verdict.verdict === "supported")
                return {
                    label: item.label,
                    claimed: item.value,
                    verified: item.value,
                    mark: "✔",
                    verdict: "supported",
                    claimId: claim.id,
                    note: verdict.actual ? `actual ${verdict.actual}` : "confirmed"
                };
            if (verdict.verdict === "refuted")
                return {
                    label: item.label,
                    claimed: item.value,
                    verified: correctedText(
                        claim.claimed.text,
                        claim.claimed.numberSpan,
                        verdict.correctedNumber,
                        verdict.correctedValue
                    ),
                    mark: "✘",
                    verdict: "refuted",
                    claimId: claim.id,
                    note: `was ${item.value}`
                };
            return {
                label: item.label,
                claimed: item.value,
                verified: item.value,
                mark: "?",
                verdict: verdict.verdict,
                claimId: claim.id,
                note: verdict.verdict === "unverifiable" ? "not checkable" : "not confirmed"
            };
        })
    }));
}

/** The claimed text with just its number replaced ("~60% size reduction" → "~69.5% size reduction"). */
function correctedText(
    text: string,
    span: readonly [number, number] | null,
    correctedNumber: string | null,
    correctedValue: string | null
): string {
    if (span && correctedNumber && span[1] <= text.length)
        return text.slice(0, span[0]) + correctedNumber + text.slice(span[1]);
    return correctedValue ?? text;
}

function escapeCell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Markdown, ready to paste: one table per box. */
export function renderVerifiedNumbersMarkdown(report: Pick<IssueReport, "verifiedNumbers" | "claims">): string {
    if (report.verifiedNumbers.length === 0) return "";
    const levels = new Map(report.claims.map((item) => [item.claim.id, item.verdict.evidenceLevel]));
    return `${report.verifiedNumbers
        .map((box) => {
            const lines = [
                `**${box.title}** (verified by llmproof)`,
                "",
                "| Metric | Value | Check |",
                "|---|---|---|"
            ];
            for (const item of box.items) {
                const level = levels.get(item.claimId);
                const exact = item.note.startsWith("actual ") ? ` ${item.note.slice("actual ".length)}` : "";
                const check =
                    item.mark === "✔"
                        ? `✔${exact}${level ? ` (${level})` : ""}`
                        : item.mark === "✘"
                          ? `✘ ${item.note}${level ? ` (${level})` : ""}`
                          : `? ${item.note}`;
                lines.push(`| ${escapeCell(item.label)} | ${escapeCell(item.verified)} | ${escapeCell(check)} |`);
            }
            return lines.join("\n");
        })
        .join("\n\n")}\n`;
}
