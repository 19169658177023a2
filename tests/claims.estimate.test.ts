import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {loadHardware} from "../src/catalog/hardware.js";
import {loadCatalog} from "../src/catalog/load.js";
import {checkIssue} from "../src/claims/check.js";
import {makeEstimator} from "../src/claims/estimator.js";
import {findHardwarePhrase} from "../src/claims/kinds/hardware-fit.js";
import {hardwareAfterFigure} from "../src/claims/kinds/speed.js";
import type {CheckedClaim} from "../src/claims/schema.js";

/**
 * Speed and fit claims about hardware llmproof has not measured, judged by the estimator
 * (hardware.yaml profiles, bytes per token from the catalog): the `estimate` evidence level.
 * Phrasings vary (devices and classes written different ways, figures before and after the
 * hardware); the bounds come from src/estimate, so no figure here is a hard-coded result.
 */

const catalog = await loadCatalog(new URL("../models.yaml", import.meta.url).pathname);
const hardware = await loadHardware();
// No stored calibration: "this machine" claims are not estimated here.
const home = mkdtempSync(join(tmpdir(), "llmproof-claims-estimate-"));
afterAll(() => rmSync(home, {recursive: true, force: true}));
const env = {...process.env, LLMPROOF_CALIBRATION: join(home, "calibration.json")};
const estimator = await makeEstimator(catalog, env);

async function claimsOf(text: string, kind: string): Promise<CheckedClaim[]> {
    const report = await checkIssue(text, {catalog, offline: true, twins: false, env, estimator});
    return report.claims.filter((item) => item.claim.kind === kind);
}

async function one(text: string, kind: string): Promise<CheckedClaim> {
    const found = await claimsOf(text, kind);
    expect(found, text).toHaveLength(1);
    return found[0]!;
}

describe("speed claims on named hardware", () => {
    const above = [
        "Meta-Llama-3-8B-Instruct at Q4_K_M does 300 tokens/s on an RTX 4090.",
        "Llama 3 8B at Q4_K_M generates 300 tokens per second on a GeForce RTX 4090 24GB.",
        "SmolLM2 135M at Q4_K_M generates 200 tokens per second on a\nRaspberry Pi 5, according to its fans.",
        "On a Galaxy S24, Llama 3.2 1B at Q4_K_M manages 150 tokens per second.",
        "Llama 3.2 1B at Q4_K_M reaches 400 tok/s on a phone.",
        "Llama 3 8B at Q4_K_M hits 500 tokens per second on a gaming GPU."
    ];
    for (const text of above)
        it(`refuted above the bound: ${JSON.stringify(text)}`, async () => {
            const item = await one(text, "speed");
            expect(item.verdict.verdict).toBe("refuted");
            expect(item.verdict.evidenceLevel).toBe("estimate");
            // The note names the profile's bandwidth and its source, and the bound it gives.
            expect(item.verdict.note).toMatch(/needs [\d.]+ [TG]B\/s of weight reads/);
            expect(item.verdict.note).toMatch(/so at most [\d.,]+ tokens\/s/);
        });

    const within = [
        "Llama 3 8B at Q4_K_M generates about 120 tokens per second on a 4090.",
        "The Q4_K_M build of Meta-Llama-3-8B-Instruct generates 45 tokens per second on a recent gaming GPU.",
        "SmolLM2 135M at Q4_K_M generates 20 tokens per second on a Raspberry Pi 4."
    ];
    for (const text of within)
        it(`inconclusive within the bound, with range and command: ${JSON.stringify(text)}`, async () => {
            const item = await one(text, "speed");
            expect(item.verdict.verdict).toBe("inconclusive");
            expect(item.verdict.evidenceLevel).toBe("estimate");
            expect(item.verdict.note).toMatch(/typically reaches [\d.,]+–[\d.,]+ tokens\/s/);
            expect(item.verdict.command).toMatch(/^llmproof bench \S+:Q4_K_M -p 0 -n 128$/);
        });

    it("an upper bound ('up to') or no hardware is never refuted on physics", async () => {
        for (const text of [
            "Llama 3 8B at Q4_K_M generates up to 300 tokens/s on an RTX 4090.",
            "Llama 3 8B at Q4_K_M generates 300 tokens per second."
        ]) {
            const item = await one(text, "speed");
            expect(item.verdict.verdict, text).toBe("inconclusive");
            expect(item.verdict.evidenceLevel, text).not.toBe("estimate");
        }
    });

    it("a claim about this machine is not estimated without a calibration", async () => {
        const item = await one("Llama 3 8B at Q4_K_M generates 300 tokens per second on this machine.", "speed");
        expect(item.verdict.evidenceLevel).not.toBe("estimate");
    });

    it("finds the hardware right after a figure, however it is written", () => {
        expect(hardwareAfterFigure("on a Raspberry Pi 5, according to its fans")).toBe("Raspberry Pi 5");
        expect(hardwareAfterFigure("with an RTX 3090")).toBe("RTX 3090");
        expect(hardwareAfterFigure("using a MacBook Pro")).not.toBeNull();
        expect(hardwareAfterFigure("on this machine")).toBe("this machine");
        expect(hardwareAfterFigure(", which is fast. A phone is another story")).toBeNull();
        expect(hardwareAfterFigure("according to one reader")).toBeNull();
    });
});

describe("speed-up ratios between quantizations", () => {
    it("refutes a speed-up above the ratio of bytes per token, whatever the wording", async () => {
        for (const text of [
            "Meta-Llama-3-8B-Instruct at Q4_K_M generates tokens six times faster than F16.",
            "Llama 3 8B: Q4_K_M decodes 5x faster than the F16 file."
        ]) {
            const item = await one(text, "speed");
            expect(item.verdict.verdict, text).toBe("refuted");
            expect(item.verdict.evidenceLevel, text).toBe("estimate");
            expect(item.verdict.note).toMatch(/reads [\d.]+ GB per generated token/);
        }
    });

    it("leaves a speed-up within the bytes ratio alone", async () => {
        const item = await one("Meta-Llama-3-8B-Instruct at Q4_K_M generates tokens 2.5x faster than F16.", "speed");
        expect(item.verdict.verdict).not.toBe("refuted");
    });
});

describe("fit claims on a class or device", () => {
    it("supported when every device of the class holds it", async () => {
        for (const text of [
            "Gemma 3 1B at BF16 runs on a phone without trouble.",
            "SmolLM2 135M is so small that it runs on a Raspberry Pi.",
            "Llama 3.2 1B at Q4_K_M runs fine on a Galaxy S24 Ultra."
        ]) {
            const item = await one(text, "hardware-fit");
            expect(item.verdict.verdict, text).toBe("supported");
            expect(item.verdict.evidenceLevel, text).toBe("estimate");
            expect(item.verdict.note, text).toMatch(/It needs about [\d.]+ [GM]B \(/);
        }
    });

    it("a class the model fits only partly says for which members, and no GPU contradiction", async () => {
        const text =
            "Qwen3-Next-80B-A3B runs on consumer hardware. Its Q4_K_M file runs on a single 24 GB graphics card.";
        const [cls, card] = await claimsOf(text, "hardware-fit");
        expect(cls!.verdict.verdict).toBe("inconclusive");
        expect(cls!.verdict.summary).toMatch(/true only with \d+ GB or more of RAM/);
        expect(cls!.verdict.summary).toContain("no consumer graphics card holds it");
        // The 24 GB card claim in the same run is refuted: the two verdicts agree.
        expect(card!.verdict.verdict).toBe("refuted");
    });

    it("refuted when no member of the class holds it", async () => {
        const item = await one("Qwen3-Next-80B-A3B runs on a phone.", "hardware-fit");
        expect(item.verdict.verdict).toBe("refuted");
        expect(item.verdict.summary).toContain("no phone profile holds that");
    });
});

describe("one hardware list: hardware.yaml drives the claims lexicon", () => {
    // A name with a memory size ("RTX 4090 24GB") makes a figure claim, judged on the figure: not a phrase.
    const withoutFigure = (name: string) => !/\d\s?GB\b/i.test(name);
    const names = [
        ...hardware.devices.flatMap((device) => [device.name, ...device.aliases]),
        ...hardware.classes.flatMap((entry) => [entry.name, ...entry.aliases])
    ].filter(withoutFigure);
    it("every device and class name of hardware.yaml is recognised as hardware after a run verb", () => {
        const missed = names.filter((name) => findHardwarePhrase(`The model runs on a ${name}.`) === null);
        expect(missed).toEqual([]);
    });
    it("every named device resolves to its profile for the estimator", () => {
        for (const device of hardware.devices)
            for (const name of [device.name, ...device.aliases].filter(withoutFigure)) {
                const found = findHardwarePhrase(`It runs on a ${name}.`);
                expect(found?.profile, name).not.toBeNull();
                const target = estimator!.target(found!.profile!);
                expect(target, name).not.toBeNull();
            }
    });
    it("hardware is never a model", async () => {
        const report = await checkIssue(
            "The RTX 4090 has 24 GB. A Raspberry Pi 5 has 8 GB. The Galaxy S24 Ultra ships with 12 GB.",
            {catalog, offline: true, twins: false, env, estimator}
        );
        expect(report.claims.filter((item) => item.claim.subject.modelId !== null)).toEqual([]);
    });
});
