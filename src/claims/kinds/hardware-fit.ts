import {GB, GiB} from "../../util/units.js";
import {finding, strongestLevel, type Provenance} from "../findings.js";
import type {FitJudgement} from "../../estimate/verdicts.js";
import type {Finding} from "../findings.js";
import {HARDWARE_CLASSES, profileMentions, type HardwareClass} from "../lexicon/entities.js";
import {isCapacity, isNeed} from "./file-size.js";
import {judgeBand, modelLabel, noModel, provenance, sourceOf, TOLERANCE} from "./shared.js";
import type {FigureContext, JudgeInput, KindModule} from "./types.js";

/**
 * "Runs on a single 24 GB graphics card", "fits in 32 GB of RAM", "needs about 5 GB of RAM",
 * "runs on a Raspberry Pi". Memory needed ≈ file size + 10% + 0.5 GB (KV cache and buffers at
 * a 4k context) unless a header, estimate, twin or run says better; every expert of an MoE
 * model must be resident. A fit is clear when the need is within the usable share of the
 * memory, and clearly fails when it exceeds the memory read as GiB; between the two it is not
 * decided. When an estimator is plugged in (kinds/types.ts `Estimator`) it supplies the need.
 */

/** A run/fit verb tied to the hardware ("runs on", "fits in", "holds", "run … on my"). */
export const FIT_VERB =
    /\b(?:runs?|running|ran|fits?|fitting|works?|loads?|squeez\w*|deploy\w*|usable)\b[^.;]{0,40}?\b(?:on|in|into|inside)\b|\b(?:holds?|handles?|copes with|supports?)\b|\boptimi[sz]ed for\b|\bdesigned for\b|\bbuilt for\b/i;

function classOf(text: string): HardwareClass | null {
    for (const entry of HARDWARE_CLASSES) if (entry.id !== "memory" && entry.pattern.test(text)) return entry;
    // A device only hardware.yaml names ("a Galaxy S24 Ultra", "an M3 Max"): its kind gives the class.
    const device = profileMentions(text).find((item) => item.mention.target.kind === "device" && item.lexicon);
    if (device) return device.lexicon;
    return HARDWARE_CLASSES.find((entry) => entry.id === "memory")!.pattern.test(text)
        ? HARDWARE_CLASSES.find((entry) => entry.id === "memory")!
        : null;
}

/** The hardware.yaml device or class named in a text (the most specific, i.e. the first device), or null. */
function profileOf(text: string): string | null {
    const mentions = profileMentions(text);
    const device = mentions.find((item) => item.mention.target.kind === "device");
    return (device ?? mentions[0])?.mention.text ?? null;
}

/** Memory words for the kinds of device a model fits on. */
const MEMORY_WORDS: Record<string, string> = {
    gpu: "VRAM",
    apple: "unified memory",
    cpu: "RAM",
    sbc: "RAM",
    phone: "RAM"
};

/**
 * A class without a figure, judged on its hardware.yaml members (the estimator): true when every
 * device of the class holds the model in at least one memory size it is sold with (the natural
 * reading of "runs on a phone"), false when none does, otherwise not settled with the members it
 * holds for. The need is the estimator's (weights, KV cache at 4,096 tokens, buffers).
 */
function judgeOnProfile(
    input: JudgeInput<"hardware-fit">,
    quant: string,
    subject: string,
    basis: Provenance[],
    moeFact: string[]
): Finding | null {
    const {claim, estimator} = input;
    const facts = input.gathered.facts[0];
    if (!estimator || !facts) return null;
    const phrase = claim.hardware.profile ?? hardwareClassById(claim.hardware.class).profile;
    const target = phrase ? estimator.target(phrase) : null;
    if (!target || target === "this-machine") return null;
    const judgement: FitJudgement | null = estimator.fit({modelId: facts.named.id, quant, target});
    if (!judgement || judgement.members.length === 0) return null;
    // The estimator's own outcome (with 10% to spare when the KV cache is unknown), so the verdict and its note agree.
    const holds = (member: FitJudgement["members"][number]) => member.outcome === "fits";
    // The natural reading of "runs on a phone": every device, at its usual (lower-median) memory size.
    const sizes = new Map<string, FitJudgement["members"]>();
    for (const member of judgement.members) sizes.set(member.deviceId, [...(sizes.get(member.deviceId) ?? []), member]);
    const usual = [...sizes.values()].map(
        (list) => [...list].sort((a, b) => a.memoryGiB - b.memoryGiB)[Math.floor((list.length - 1) / 2)]!
    );
    const everyDevice = usual.every(holds);
    const common = {
        subject,
        actual: {value: judgement.needBytes, unit: "bytes" as const, byteUnit: "GB"},
        claimed: null,
        basis: [
            ...basis.slice(0, 1),
            {
                what: "memory needed (weights, KV cache at 4,096 tokens, buffers)",
                amount: {value: judgement.needBytes, unit: "bytes" as const, byteUnit: "GB"},
                level: "estimate" as const,
                source: "hardware.yaml assumptions",
                how: null
            }
        ],
        evidenceLevel: "estimate" as const,
        estimate: judgement,
        bandWhy: `${judgement.target.name}: ${judgement.target.note ?? `${sizes.size} profiles`}`
    };
    if (everyDevice) return finding({...common, verdict: "supported", reason: "fits", facts: moeFact});
    if (judgement.fitsOn.length + judgement.tightOn.length === 0)
        return finding({...common, verdict: "refuted", reason: "class-none", facts: moeFact});
    const holding = judgement.members.filter(holds);
    const enough = holding.length > 0 ? holding : [...judgement.fitsOn, ...judgement.tightOn];
    const smallest = Math.min(...enough.map((member) => member.memoryGiB));
    const kinds = new Set(
        enough.map((member) => input.estimator!.deviceKind(member.deviceId)).filter((kind) => kind != null)
    );
    const words = [...new Set([...kinds].map((kind) => MEMORY_WORDS[kind!] ?? "memory"))];
    const gpuMembers = judgement.members.some((member) => input.estimator!.deviceKind(member.deviceId) === "gpu");
    return finding({
        ...common,
        verdict: "inconclusive",
        reason: "class-partial",
        facts: moeFact,
        partialFit: {
            enoughGB: smallest,
            approximate: false,
            memoryKinds: words,
            needBytes: null,
            noConsumerGpu: gpuMembers && !kinds.has("gpu")
        },
        command: `llmproof estimate ${facts.named.id}:${quant} --hardware ${judgement.target.id}`
    });
}

export function hardwareClassById(id: string): HardwareClass {
    return HARDWARE_CLASSES.find((entry) => entry.id === id) ?? HARDWARE_CLASSES[HARDWARE_CLASSES.length - 1]!;
}

function detectFigure(context: FigureContext) {
    if (context.quantity.family !== "bytes") return null;
    const around = `${context.before} ${context.quantity.text.toLowerCase()} ${context.after}`;
    if (isNeed(context)) {
        const hardware = classOf(`${around} ${context.question}`) ?? hardwareClassById("memory");
        return {
            score: 0.85,
            extra: {
                hardware: {
                    class: hardware.id,
                    memoryBytes: null,
                    memoryKind: hardware.memoryKind,
                    form: "needs",
                    profile: null
                }
            }
        };
    }
    if (!isCapacity(context)) return null;
    const hardware = classOf(around) ?? hardwareClassById("memory");
    const ties = FIT_VERB.test(context.sentence) || context.where !== "body";
    if (!ties) return null;
    return {
        score: 0.8,
        extra: {
            hardware: {
                class: hardware.id,
                memoryBytes: context.quantity.baseValue,
                memoryKind: hardware.memoryKind,
                form: "fits",
                profile: profileOf(around)
            }
        }
    };
}

export const hardwareFit: KindModule<"hardware-fit"> = {
    kind: "hardware-fit",
    description: "whether a model fits a device's memory, or how much memory it needs",
    evidence: ["catalog", "header", "estimate", "twin", "measured"],
    needsQuant: true,
    survey: false,
    detect: detectFigure as KindModule<"hardware-fit">["detect"],
    judge(input) {
        const facts = input.gathered.facts[0];
        const {claim, link} = input;
        if (!facts) return noModel(input, "this model");
        // The build judged: the named one; with none named, the smallest file (if even that cannot fit, no build can).
        const named = link.quant ? facts.fileBytes.get(link.quant) : undefined;
        const smallest = [...facts.fileBytes.entries()].sort((a, b) => a[1].value - b[1].value)[0];
        const quant = named ? link.quant! : smallest?.[0];
        const file = named ?? smallest?.[1];
        if (!file || !quant)
            return finding({
                verdict: "inconclusive",
                reason: "no-facts",
                subject: `the files of ${modelLabel(facts)}`,
                command: `llmproof inspect ${facts.measured.id}`
            });
        const needSourced =
            named && facts.memoryBytes && quant === facts.quant
                ? facts.memoryBytes
                : {
                      value: file.value * 1.1 + 0.5 * GB,
                      level: file.level,
                      how: "estimated: file size + 10% + 0.5 GB (KV cache and buffers at a 4k context)"
                  };
        const need = needSourced.value;
        const basis: Provenance[] = [
            provenance(`${quant} file`, file, "bytes", sourceOf(file.level, facts), "GB"),
            provenance("memory needed", needSourced, "bytes", sourceOf(needSourced.level, facts), "GB")
        ];
        const subject = `${modelLabel(facts)} at ${quant}${named ? "" : " (its smallest file)"}`;
        const moe = facts.named.moe ?? facts.measured.moe;
        const moeFact = moe?.activeParamsB
            ? [`only about ${moe.activeParamsB}B parameters are active per token, but every expert must be in memory`]
            : [];

        if (claim.hardware.form === "needs") {
            const result = judgeBand(
                need,
                claim.claimed.value ?? 0,
                claim.claimed,
                {...TOLERANCE.size, relative: 0.1, approximate: 0.15},
                1e9
            );
            return finding({
                verdict:
                    result.verdict === "refuted" && Math.abs(need - (claim.claimed.value ?? 0)) / need < 0.25
                        ? "inconclusive"
                        : result.verdict,
                reason: result.reason,
                subject: `the memory ${subject} needs`,
                actual: {value: need, unit: "bytes", byteUnit: "GB"},
                claimed: {value: claim.claimed.value ?? 0, unit: "bytes", byteUnit: claim.claimed.byteUnit ?? "GB"},
                band: result.band,
                bandWhy: `${result.bandWhy}; the rule of thumb is itself approximate`,
                basis,
                facts: moeFact,
                evidenceLevel: strongestLevel(basis),
                command: `llmproof inspect ${facts.measured.id}:${quant} --context 4096`
            });
        }
        const hardware = hardwareClassById(claim.hardware.class);
        if (claim.hardware.memoryBytes != null) {
            const stated = claim.hardware.memoryBytes;
            const usable = stated * hardware.usable;
            const asBinary = (stated / GB) * GiB;
            const capacity = {value: stated, unit: "bytes" as const, byteUnit: "GB"};
            const common = {
                subject,
                actual: {value: need, unit: "bytes" as const, byteUnit: "GB"},
                claimed: capacity,
                basis,
                evidenceLevel: strongestLevel(basis),
                facts: moeFact
            };
            if (need <= usable)
                return finding({
                    ...common,
                    verdict: "supported",
                    reason: "fits",
                    band: {low: 0, high: usable},
                    bandWhy: `${Math.round(hardware.usable * 100)}% of ${hardware.label}'s memory is usable`
                });
            if (need > asBinary) {
                const smaller = [...facts.fileBytes.entries()]
                    .filter(([, size]) => size.value * 1.1 + 0.5 * GB <= usable)
                    .map(([name]) => name);
                return finding({
                    ...common,
                    verdict: "refuted",
                    reason: "does-not-fit",
                    band: {low: 0, high: asBinary},
                    bandWhy: "the memory read as GiB, the most it can hold",
                    readings: smaller.map((name) => ({
                        label: `at ${name}`,
                        actual: {
                            value: facts.fileBytes.get(name)!.value * 1.1 + 0.5 * GB,
                            unit: "bytes" as const,
                            byteUnit: "GB"
                        },
                        holds: true
                    })),
                    corrected: null
                });
            }
            return finding({
                ...common,
                verdict: "inconclusive",
                reason: "tight-fit",
                band: {low: usable, high: asBinary},
                bandWhy: "too close to the memory to call",
                command: `llmproof bench ${facts.measured.id}:${quant}`
            });
        }
        // A class without a figure: what its members hold, on the hardware.yaml profiles when they span it.
        // A need measured here (twin, run) outranks the estimate: the profile is used only without one.
        const measuredNeed = needSourced.level === "twin" || needSourced.level === "measured";
        const onProfile = measuredNeed ? null : judgeOnProfile(input, quant, subject, basis, moeFact);
        if (onProfile) return onProfile;
        const commonBytes = hardware.commonGB * GB * hardware.usable;
        const largestBytes = hardware.largestGB * GiB;
        const common = {
            subject,
            actual: {value: need, unit: "bytes" as const, byteUnit: "GB"},
            claimed: null,
            basis,
            evidenceLevel: strongestLevel(basis),
            facts: moeFact
        };
        const classFacts = [`${hardware.label} usually has ${hardware.commonGB} GB, at most ${hardware.largestGB} GB`];
        if (need <= commonBytes)
            return finding({
                ...common,
                verdict: "supported",
                reason: "fits",
                bandWhy: classFacts[0]!,
                facts: [...moeFact, ...classFacts]
            });
        if (need > largestBytes)
            return finding({
                ...common,
                verdict: "refuted",
                reason: "class-none",
                bandWhy: classFacts[0]!,
                facts: [...moeFact, ...classFacts]
            });
        const gpus = HARDWARE_CLASSES.find((entry) => entry.id === "consumer-gpu")!;
        const tiers = [8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 512];
        const enough = tiers.find((tier) => tier * GB * hardware.usable >= need) ?? hardware.largestGB;
        return finding({
            ...common,
            verdict: "inconclusive",
            reason: "class-partial",
            bandWhy: classFacts[0]!,
            facts: [...moeFact, ...classFacts],
            partialFit: {
                enoughGB: enough,
                approximate: true,
                memoryKinds: [],
                needBytes: need,
                noConsumerGpu: need > gpus.largestGB * GiB
            }
        });
    },
    examples: [
        {text: "Qwen3-4B runs happily on a single 24 GB graphics card", value: 24e9, unit: "bytes"},
        {text: "Qwen3-Next fits in 32 GB of RAM", value: 32e9, unit: "bytes"},
        {text: "Llama 3.2 1B runs on any phone with 8 GB of RAM", value: 8e9, unit: "bytes"},
        {text: "DeepSeek Math 7B needs about 5 GB of RAM to run", value: 5e9, unit: "bytes"},
        {text: "SmolLM2 135M runs on a Raspberry Pi", value: null}
    ],
    counterExamples: [
        "I have an old ThinkPad with 8 GB of RAM",
        "I also have a Raspberry Pi 5 with 4 GB, but that one runs Home Assistant"
    ]
};

/** Claims without a figure: "runs on a Raspberry Pi", "optimized for consumer hardware". */
export function findHardwarePhrase(
    text: string
): {start: number; end: number; text: string; hardware: HardwareClass; profile: string | null} | null {
    const verb = FIT_VERB.exec(text);
    if (!verb) return null;
    const rest = text.slice(verb.index);
    for (const entry of HARDWARE_CLASSES) {
        if (entry.id === "memory") continue;
        const match = entry.pattern.exec(rest);
        if (match && match.index <= verb[0].length + 40) {
            const start = verb.index;
            const end = verb.index + match.index + match[0].length;
            // A figure between the verb and the hardware makes it a figure claim, judged above.
            if (/\d\s?(?:gb|gib|gigs?)\b/i.test(text.slice(start, end + 12))) return null;
            // The profile overlapping the match, longest first ("Galaxy S24 Ultra", not "Galaxy S24").
            // A device named before the class word ("an Apple M3 Max (… GPU)") is the hardware meant.
            const mentions = profileMentions(rest);
            const profile =
                mentions.find(
                    (item) => item.mention.start < match.index + match[0].length && item.mention.end > match.index
                ) ??
                mentions.find(
                    (item) => item.mention.target.kind === "device" && item.mention.start < match.index && item.lexicon
                );
            const hardware =
                profile && profile.mention.start < match.index && profile.lexicon ? profile.lexicon : entry;
            return {start, end, text: text.slice(start, end), hardware, profile: profile?.mention.text ?? null};
        }
    }
    // A device only hardware.yaml names ("runs on a Galaxy S24 Ultra").
    const device = profileMentions(rest).find((item) => item.lexicon && item.mention.start <= verb[0].length + 40);
    if (device?.lexicon && device.lexicon.id !== "memory") {
        const start = verb.index;
        const end = verb.index + device.mention.end;
        if (/\d\s?(?:gb|gib|gigs?)\b/i.test(text.slice(start, end + 12))) return null;
        return {start, end, text: text.slice(start, end), hardware: device.lexicon, profile: device.mention.text};
    }
    return null;
}
