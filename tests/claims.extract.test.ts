import {describe, expect, it} from "vitest";
import {extractClaims, splitBoxLine} from "../src/claims/extract.js";
import {splitSentences} from "../src/claims/text.js";

/** Extraction only: which claims a text holds, of which kind, about what. No catalog involved. */

function kindsOf(text: string): string[] {
    return extractClaims(text).claims.map((claim) => claim.kind);
}

function only(text: string, kind: string) {
    const claims = extractClaims(text).claims.filter((claim) => claim.kind === kind);
    expect(claims, `one ${kind} claim in: ${text}`).toHaveLength(1);
    return claims[0]!;
}

describe("sentences", () => {
    it("does not split at decimals, versions or abbreviations", () => {
        const sentences = splitSentences("Qwen 3.5 is big, e.g. 397B. It has 17B active vs. 80B in others. Done.", 1);
        expect(sentences.map((sentence) => sentence.text)).toEqual([
            "Qwen 3.5 is big, e.g. 397B.",
            "It has 17B active vs. 80B in others.",
            "Done."
        ]);
    });
});

describe("claim kinds from number and unit patterns", () => {
    it("file sizes and memory are told apart by the words next to them", () => {
        const text = "Testlm-7B at Q4_K_M weighs 4.2 GB and needs about 5 GB of RAM to run.";
        expect(only(text, "file-size").claimed).toMatchObject({value: 4.2, byteUnit: "GB"});
        const memory = only(text, "hardware-fit");
        expect(memory.claimed.hardware).toMatchObject({class: "memory", memoryBytes: 5e9, memoryKind: "ram"});
    });

    it("a percentage with a reduction word is a size reduction, with the baseline it names", () => {
        expect(only("The Q4_K_M build is 70% smaller than the FP16 weights.", "size-reduction").claimed).toMatchObject({
            value: 70,
            baseline: "F16"
        });
        expect(
            only("Quantizing cuts the download by roughly 84% versus FP32.", "size-reduction").claimed
        ).toMatchObject({value: 84, baseline: "FP32", approximate: true});
        expect(only("Half-precision checkpoints shrink by 47% at Q8_0.", "size-reduction").claimed.baseline).toBe(
            "16-bit"
        );
        expect(only("Q4_K_M trims the file by 69%.", "size-reduction").claimed.baseline).toBeNull();
    });

    it("ratios come with digits or number words", () => {
        expect(only("The GGUF is 3.3x smaller than the original.", "size-ratio").claimed).toMatchObject({
            value: 3.3,
            baseline: "original"
        });
        expect(only("It ends up three times smaller on disk.", "size-ratio").claimed.value).toBe(3);
        expect(only("Generation is 2.5× faster at Q4_K_M.", "speed").claimed).toMatchObject({value: 2.5, unit: "x"});
    });

    it("parameter counts in many spellings, but not sizes that are part of a name", () => {
        expect(only("The 80-billion parameter model is huge.", "parameter-count").claimed.value).toBe(80);
        expect(only("It packs 310M parameters.", "parameter-count").claimed.value).toBeCloseTo(0.31);
        expect(only("Despite its massive 397 billion parameters, it loads.", "parameter-count").claimed.value).toBe(
            397
        );
        // Qwen3-4B, Llama3-8B-OT and Qwen 3.5-397B-A17B are names, not claims.
        expect(kindsOf("We tried Qwen3-4B, Llama3-8B-OT and Qwen 3.5-397B-A17B today.")).not.toContain(
            "parameter-count"
        );
    });

    it("active parameters need an active word next to the figure", () => {
        const claims = extractClaims(
            "It holds 30 billion parameters but activates only 3B parameters per token."
        ).claims;
        expect(claims.map((claim) => [claim.kind, claim.claimed.value])).toEqual([
            ["parameter-count", 30],
            ["active-parameters", 3]
        ]);
    });

    it("bits per weight only when the text says per weight, not for a '4-bit' quant name", () => {
        expect(only("Q4_K_M stores 4.5 bits per weight.", "bits-per-weight").claimed.value).toBe(4.5);
        expect(kindsOf("The 4-bit quantization is popular.")).not.toContain("bits-per-weight");
    });

    it("tokens per second, with comparators", () => {
        expect(only("It streams over 40 tokens/sec on a laptop.", "speed").claimed).toMatchObject({
            value: 40,
            comparator: "at-least",
            unit: "tok/s"
        });
    });

    it("hardware phrases become fit claims only when about something", () => {
        expect(only("Testlm-7B runs on consumer hardware.", "hardware-fit").claimed.hardware?.class).toBe("consumer");
        expect(only("The model fits in a 24 GB card.", "hardware-fit").claimed.hardware).toMatchObject({
            memoryBytes: 24e9,
            memoryKind: "vram"
        });
        expect(only("Pico-1B is small enough for a smartphone.", "hardware-fit").claimed.hardware?.class).toBe(
            "smartphone"
        );
        // No subject: a general remark, not a claim.
        expect(kindsOf("Edge computing demands models that run on smartphones.")).toEqual([]);
    });

    it("quality phrases, graded, only when the sentence is about quantization", () => {
        expect(only("Q8_0 is near-lossless.", "quality-loss").claimed.quality?.strictness).toBe("negligible");
        expect(
            only("Q4_K_M quantization keeps minimal quality loss.", "quality-loss").claimed.quality?.strictness
        ).toBe("minimal");
        expect(
            only("Q4_K_M files lose nothing: no loss in quality at all.", "quality-loss").claimed.quality?.strictness
        ).toBe("lossless");
        expect(kindsOf("Our fine-tune maintains accuracy on math tasks.")).not.toContain("quality-loss");
    });

    it("lists downloads, stars, trends, dates and costs as unverifiable, with the reason", () => {
        const downloads = only("Testlm-7B passed 12k downloads in its first week.", "unverifiable");
        expect(downloads.unverifiableReason).toMatch(/download/);
        expect(downloads.unverifiableReason).toMatch(/date|timeline/);
        expect(only("The repo climbed to 160K stars.", "unverifiable").unverifiableReason).toMatch(/stars/);
        expect(only("Pico-1B is trending at #1 on the hub.", "unverifiable").unverifiableReason).toMatch(/trend/);
        expect(only("Training it cost $4 million.", "unverifiable").unverifiableReason).toMatch(/cost/);
    });
});

describe("subjects", () => {
    it("keeps the name next to the figure and the quant type nearest before it", () => {
        const claims = extractClaims(
            "As a Q4_K_M file Testlm-7B weighs 4.1 GB, and the Q8_0 version is 7.2 GB."
        ).claims;
        expect(claims.map((claim) => claim.subject.quant)).toEqual(["Q4_K_M", "Q8_0"]);
    });

    it("generic figures about models in general are flagged", () => {
        const claim = only("A 70B parameter model needs a server.", "parameter-count");
        expect(claim.subject.generic).toBe(true);
    });

    it("gives context only to sentences that point back", () => {
        const text = "Testlm-7B is out.\n\nThe model has 7 billion parameters.\n\nMost 9B setups are slow.";
        const claims = extractClaims(text).claims.filter((claim) => claim.kind === "parameter-count");
        expect(claims[0]!.context.length).toBeGreaterThan(0);
        expect(claims[1]!.context).toEqual([]);
    });
});

describe("metric boxes", () => {
    it("splits label and value before the figure with a unit, not a version number", () => {
        expect(splitBoxLine("Qwen 3.5 Parameters 397B")).toEqual({label: "Qwen 3.5 Parameters", value: "397B"});
        expect(splitBoxLine("Download velocity 4.2k in 7 days")).toEqual({
            label: "Download velocity",
            value: "4.2k in 7 days"
        });
        expect(splitBoxLine("Format advantage ~60% size reduction")).toEqual({
            label: "Format advantage",
            value: "~60% size reduction"
        });
        expect(splitBoxLine("Model Format GGUF")).toEqual({label: "Model Format", value: "GGUF"});
        expect(splitBoxLine("Peak speed: 42 tok/s")).toEqual({label: "Peak speed", value: "42 tok/s"});
    });

    it("finds titled and untitled boxes, in plain text and Markdown, and lists every line", () => {
        const plain = [
            "Sparse-30B lands",
            "",
            "Sparse-30B-A3B is here and it is big.",
            "",
            "Quick Stats",
            "",
            "Total weights 30B",
            "Active per token 3B",
            "Q4_K_M size 18.6 GB",
            "Stars 9k",
            ""
        ].join("\n");
        const extracted = extractClaims(plain);
        expect(extracted.boxes).toHaveLength(1);
        expect(extracted.boxes[0]!.title).toBe("Quick Stats");
        expect(extracted.boxes[0]!.items.map((item) => item.label)).toEqual([
            "Total weights",
            "Active per token",
            "Q4_K_M size",
            "Stars"
        ]);
        const kinds = extracted.boxes[0]!.items.map(
            (item) => extracted.claims.find((claim) => claim.id === item.claimId)!.kind
        );
        expect(kinds).toEqual(["parameter-count", "active-parameters", "file-size", "unverifiable"]);

        const markdown =
            "## The Figures\n\n| Metric | Value |\n|---|---|\n| Params | 6.8B |\n| Cut vs F16 | 69% |\n\n## Numbers that matter\n\n- **Download:** 4.15 GB\n- **Speed:** 2.5x faster\n";
        const boxes = extractClaims(markdown).boxes;
        expect(boxes.map((box) => box.title)).toEqual(["The Figures", "Numbers that matter"]);
        expect(boxes[0]!.items.map((item) => item.value)).toEqual(["6.8B", "69%"]);
        expect(boxes[1]!.items.map((item) => item.label)).toEqual(["Download", "Speed"]);
    });

    it("does not take prose or lists of tools for a box", () => {
        const text = "Tools\n\n01\n\nPico Helper\n\nA helper with 3 modes for 2 platforms\n";
        expect(extractClaims(text).boxes).toEqual([]);
    });
});
