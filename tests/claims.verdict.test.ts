import {describe, expect, it} from "vitest";
import {checkIssue} from "../src/claims/check.js";
import type {CheckedClaim, IssueReport} from "../src/claims/schema.js";
import {renderVerifiedNumbersMarkdown} from "../src/claims/verified-numbers.js";
import {claimsTestCatalog} from "./claims.fixtures.js";

/**
 * Verdicts on issues written for these tests, checked offline against the test catalog
 * (tests/claims.fixtures.ts): Testlm-7B 6.8B, Q4_K_M 4.15 GB, Q8_0 7.23 GB, F16 13.6 GB;
 * Sparse-30B-A3B 30.5B (3B active), Q4_K_M 18.6 GB, BF16 61 GB; Pico-1B 1.24B, Q4_K_M 0.8 GB, F16 2.48 GB.
 */

const catalog = claimsTestCatalog();

async function check(text: string): Promise<IssueReport> {
    return await checkIssue(text, {catalog, offline: true, twins: false});
}

function find(report: IssueReport, quotePart: string, kind?: string): CheckedClaim {
    const found = report.claims.filter(
        (item) => item.claim.quote.includes(quotePart) && (kind === undefined || item.claim.kind === kind)
    );
    expect(
        found.length,
        `a ${kind ?? ""} claim quoting "${quotePart}" among:\n${report.claims.map((item) => `${item.claim.kind}: ${item.claim.quote}`).join("\n")}`
    ).toBeGreaterThanOrEqual(1);
    return found[0]!;
}

const percentOff = (quant: number, baseline: number) => ((1 - quant / baseline) * 100).toFixed(1);

describe("parameter counts", () => {
    it("reads a figure with the precision it is written in, and accepts a name's own rounding", async () => {
        const report = await check(
            [
                "Testlm-7B has 7 billion parameters.",
                "Testlm-7B has 9 billion parameters, more than its rivals.",
                "Pico-1B has 1 billion parameters.",
                "TinyAdapter has 7B parameters.",
                "EncoderBase has 110M parameters.",
                "Zorblax-13B has 13 billion parameters."
            ].join("\n\n")
        );
        expect(find(report, "has 7 billion").verdict).toMatchObject({
            verdict: "supported",
            actual: "6.8B",
            evidenceLevel: "catalog"
        });
        const wrong = find(report, "9 billion", "parameter-count").verdict;
        expect(wrong).toMatchObject({verdict: "refuted", correctedValue: "6.8B"});
        expect(wrong.tolerance).toMatch(/±/);
        const named = find(report, "Pico-1B has").verdict;
        expect(named.verdict).toBe("supported");
        expect(named.tolerance).toBe("naming convention");
        expect(named.note).toMatch(/1\.24B/);
        const adapter = find(report, "TinyAdapter");
        expect(adapter.verdict.verdict).toBe("supported");
        expect(adapter.verdict.note).toMatch(/adapter.*Testlm-7B stands in/i);
        expect(find(report, "EncoderBase").verdict).toMatchObject({verdict: "supported", actual: "110M"});
        const unknown = find(report, "Zorblax").verdict;
        expect(unknown.verdict).toBe("inconclusive");
        expect(unknown.command).toMatch(/^llmproof inspect/);
    });

    it("active parameters of a mixture of experts", async () => {
        const report = await check(
            "Sparse-30B-A3B activates only 3B parameters per token.\n\nSparse-30B-A3B uses 10B active parameters per token."
        );
        expect(find(report, "only 3B").verdict.verdict).toBe("supported");
        expect(find(report, "10B active").verdict).toMatchObject({verdict: "refuted", correctedValue: "3B"});
        expect(find(report, "only 3B").verdict.note).toMatch(/"A3B" means about 3B parameters active per token/);
    });
});

describe("file sizes: GB and GiB", () => {
    it("supports a figure only under a stated unit reading and corrects the rest", async () => {
        const report = await check(
            [
                "Testlm-7B at Q4_K_M is a 4.15 GB download.",
                "Testlm-7B at Q4_K_M is a 3.9 GB download.",
                "Testlm-7B at Q4_K_M is a 6 GB download."
            ].join("\n\n")
        );
        expect(find(report, "4.15 GB").verdict.verdict).toBe("supported");
        const binary = find(report, "3.9 GB").verdict;
        expect(binary.verdict).toBe("supported");
        expect(binary.note).toMatch(/GiB/);
        expect(binary.note).toMatch(/4\.15 GB/);
        expect(find(report, "6 GB").verdict).toMatchObject({verdict: "refuted", correctedValue: "4.15 GB"});
    });
});

describe("size reduction and ratios: the baseline", () => {
    it("judges against the named baseline, or 16-bit when none is named, and says which would make it true", async () => {
        const report = await check(
            [
                "Testlm-7B shrinks by 69% at Q4_K_M compared with FP16.",
                "Testlm-7B at Q4_K_M is 85% smaller.",
                "Testlm-7B at Q4_K_M is 85% smaller than FP32.",
                "Testlm-7B at Q4_K_M is 3.3x smaller than F16.",
                "Testlm-7B at Q4_K_M is 10x smaller than F16."
            ].join("\n\n")
        );
        expect(find(report, "69%").verdict.verdict).toBe("supported");
        const noBaseline = find(report, "85% smaller.").verdict;
        expect(noBaseline).toMatchObject({verdict: "refuted", correctedValue: `${percentOff(4.15, 13.6)}%`});
        expect(noBaseline.note).toMatch(/No baseline is named/);
        expect(noBaseline.note).toMatch(/only against FP32/);
        expect(find(report, "than FP32").verdict.verdict).toBe("supported");
        expect(find(report, "3.3x").verdict.verdict).toBe("supported");
        expect(find(report, "10x").verdict).toMatchObject({verdict: "refuted", correctedValue: "3.3x"});
    });

    it("checks a claim about a quant type against every catalog model of that type", async () => {
        const report = await check(
            "Q4_K_M cuts model size by 75%.\n\nQ4_K_M files are about 70% smaller than F16.\n\nQ4_K_M is 85% smaller than FP32."
        );
        const median = percentOff(4.15, 13.6); // the middle of Pico 67.7%, Testlm 69.5%, Sparse 69.5%
        const wrong = find(report, "by 75%");
        expect(wrong.link.models.every((model) => model.via === "quant-type")).toBe(true);
        expect(wrong.verdict).toMatchObject({verdict: "refuted", correctedValue: `${median}%`});
        expect(wrong.verdict.note).toMatch(/Pico-1B 67\.7%/);
        expect(find(report, "about 70%").verdict.verdict).toBe("supported");
        expect(find(report, "than FP32").verdict.verdict).toBe("supported");
    });

    it("compares two models' parameter counts in a metric box", async () => {
        const report = await check(
            [
                "Pico-1B versus Sparse-30B",
                "",
                "The small Pico-1B faces the big Sparse-30B-A3B this week.",
                "",
                "By the Numbers",
                "",
                "Pico-1B parameters 1.24B",
                "Sparse-30B parameters 30.5B",
                "Size gap 40x smaller",
                ""
            ].join("\n")
        );
        const ratio = find(report, "Size gap");
        expect(ratio.claim.kind).toBe("size-ratio");
        expect(ratio.verdict).toMatchObject({
            verdict: "refuted",
            correctedValue: `${Number((30.5 / 1.24).toFixed(1))}x`
        });
        expect(ratio.verdict.note).toMatch(/different models/);
    });
});

describe("bits per weight, memory, speed, quality", () => {
    it("bits per weight from the file size and parameter count", async () => {
        const report = await check(
            "Testlm-7B at Q4_K_M stores 4 bits per weight.\n\nTestlm-7B at Q4_K_M averages 4.9 bits per weight."
        );
        const bpw = ((4.15e9 * 8) / 6.8e9).toFixed(2);
        expect(find(report, "stores 4 bits").verdict).toMatchObject({verdict: "refuted", correctedValue: `${bpw} bpw`});
        expect(find(report, "4.9 bits").verdict.verdict).toBe("supported");
    });

    it("fits-in and runs-on claims against stated hardware limits", async () => {
        const report = await check(
            [
                "Testlm-7B at Q4_K_M runs on a laptop.",
                "Testlm-7B at Q4_K_M runs on a smartphone.",
                "Sparse-30B-A3B at Q4_K_M fits in a 24 GB card.",
                "Sparse-30B-A3B at Q4_K_M fits in a 16 GB card.",
                "EncoderBase runs on a smartphone."
            ].join("\n\n")
        );
        expect(find(report, "laptop").verdict.verdict).toBe("supported");
        const phone = find(report, "Testlm-7B at Q4_K_M runs on a smartphone").verdict;
        expect(phone.verdict).toBe("refuted");
        expect(phone.note).toMatch(/phone with 8 GB/);
        expect(find(report, "24 GB card").verdict.verdict).toBe("supported");
        expect(find(report, "16 GB card").verdict.verdict).toBe("refuted");
        expect(find(report, "EncoderBase runs").verdict.verdict).toBe("unverifiable");
    });

    it("speed: reference ratios decide relative claims; absolute tok/s needs a measurement here", async () => {
        const report = await check(
            "Q4_K_M speeds up generation a lot.\n\nTestlm-7B at Q4_K_M runs at 30 tokens per second."
        );
        expect(find(report, "speeds up").verdict).toMatchObject({
            verdict: "supported",
            actual: "2.5x faster than 16-bit"
        });
        const absolute = find(report, "30 tokens").verdict;
        expect(absolute.verdict).toBe("inconclusive");
        expect(absolute.command).toMatch(/llmproof/);
    });

    it("quality phrases graded by perplexity and KL divergence", async () => {
        const report = await check(
            [
                "Q8_0 quantization is near-lossless.",
                "Q4_K_M quantization preserves accuracy.",
                "Q4_K_M quantization brings only minimal degradation.",
                "Pico-1B keeps minimal quality loss at Q4_K_M."
            ].join("\n\n")
        );
        expect(find(report, "near-lossless").verdict.verdict).toBe("supported");
        const preserves = find(report, "preserves").verdict;
        expect(preserves.verdict).toBe("refuted");
        expect(preserves.note).toMatch(/\+3\.0%/);
        expect(find(report, "minimal degradation").verdict.verdict).toBe("supported");
        // The reference was measured on another model: a pass is not proof for Pico-1B.
        expect(find(report, "Pico-1B keeps").verdict.verdict).toBe("inconclusive");
    });

    it("lists what it cannot check, with the reason", async () => {
        const report = await check("Testlm-7B passed 40k downloads in a week and 2k stars.");
        const item = find(report, "downloads");
        expect(item.verdict.verdict).toBe("unverifiable");
        expect(item.verdict.note).toMatch(/download/);
    });
});

describe("never supported when false", () => {
    it("every refutable figure moved outside its band is refuted or inconclusive, never supported", async () => {
        const falseClaims = [
            "Testlm-7B has 12 billion parameters.",
            "Testlm-7B at Q4_K_M is a 2 GB download.",
            "Testlm-7B at Q4_K_M is 50% smaller than F16.",
            "Testlm-7B at Q4_K_M is 6x smaller than F16.",
            "Testlm-7B at Q4_K_M stores 3 bits per weight.",
            "Sparse-30B-A3B at Q4_K_M runs on a laptop.",
            "Sparse-30B-A3B activates 8B parameters per token.",
            "Q4_K_M quantization is lossless."
        ];
        const report = await check(falseClaims.join("\n\n"));
        for (const sentence of falseClaims) {
            const verdicts = report.claims
                .filter((item) => item.claim.quote === sentence && item.claim.kind !== "unverifiable")
                .map((item) => item.verdict.verdict);
            expect(verdicts.length, sentence).toBeGreaterThan(0);
            expect(verdicts, sentence).not.toContain("supported");
        }
    });
});

describe("verified numbers", () => {
    it("keeps the labels and marks each value ✔, ✘ with the corrected figure, or ?", async () => {
        const report = await check(
            [
                "Testlm-7B arrives",
                "",
                "Testlm-7B is the model of the week.",
                "",
                "## At a Glance",
                "",
                "- **Parameters:** 6.8B",
                "- **Q4_K_M file:** 4.15 GB",
                "- **Size cut vs F16:** ~60% smaller",
                "- **GitHub stars:** 12k",
                ""
            ].join("\n")
        );
        expect(report.verifiedNumbers).toHaveLength(1);
        const [box] = report.verifiedNumbers;
        expect(box!.title).toBe("At a Glance");
        expect(box!.items.map((item) => [item.label, item.mark, item.verified])).toEqual([
            ["Parameters", "✔", "6.8B"],
            ["Q4_K_M file", "✔", "4.15 GB"],
            ["Size cut vs F16", "✘", `~${percentOff(4.15, 13.6)}% smaller`],
            ["GitHub stars", "?", "12k"]
        ]);
        const markdown = renderVerifiedNumbersMarkdown(report);
        expect(markdown).toContain("| Size cut vs F16 | ~69.5% smaller | ✘ was ~60% smaller (catalog) |");
    });
});

describe("sidecar claims", () => {
    it("joins explicit claims to the extracted ones and puts them in a box when asked", async () => {
        const report = await checkIssue("Nothing checkable here.", {
            catalog,
            offline: true,
            twins: false,
            sidecarClaims: [
                {
                    quote: "Sparse is about 25 times bigger than Pico",
                    kind: "size-ratio",
                    model: "sparse-30b-a3b",
                    comparedTo: "Pico 1B",
                    claimed: "25x"
                },
                {
                    quote: "Pico's Q4_K_M weighs 0.8 GB",
                    kind: "file-size",
                    model: "Pico-1B",
                    quant: "q4_k_m",
                    claimed: "0.8 GB",
                    box: {title: "Editor's figures", label: "Pico file"}
                }
            ]
        });
        expect(report.claims.map((item) => [item.claim.source, item.verdict.verdict])).toEqual([
            ["sidecar", "supported"],
            ["sidecar", "supported"]
        ]);
        expect(report.verifiedNumbers[0]).toMatchObject({
            title: "Editor's figures",
            items: [{label: "Pico file", mark: "✔"}]
        });
    });
});
