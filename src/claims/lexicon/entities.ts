/**
 * What is not a model: hardware (with the memory it has, shared later with the hardware
 * estimator), people and organisations. A model mention needs a catalog name or alias on word
 * boundaries (src/catalog/lookup.ts); these lists stop hardware, people and companies from
 * being read as models or as claims, and give hardware-fit claims their capacity. Each entry
 * carries example phrases that become tests.
 */

import {readFileSync} from "node:fs";
import type {HardwareFile} from "../../catalog/hardware-schema.js";
import {findHardwareInText, hardwarePath, parseHardware, type HardwareMention} from "../../catalog/hardware.js";

export type MemoryKind = "vram" | "ram" | "unified" | "any";

/** A class of hardware a "runs on …" claim can name, with what its members hold. */
export interface HardwareClass {
    id: string;
    /** How to name it to an editor. */
    label: string;
    pattern: RegExp;
    memoryKind: MemoryKind;
    /** Memory of the members people mean, smallest common to largest sold, in GB as marketed. */
    commonGB: number;
    largestGB: number;
    /** Share of the memory a model may use (the OS and other apps keep the rest). */
    usable: number;
    /**
     * The hardware.yaml class that stands for it when the text names no device (null: no profile
     * spans it, e.g. a data-centre GPU or bare "memory"). The estimator judges against its members.
     */
    profile: string | null;
    examples: string[];
}

export const HARDWARE_CLASSES: HardwareClass[] = [
    {
        id: "single-board",
        label: "a Raspberry Pi or similar board",
        pattern: /\b(raspberry\s?pi(?:\s?\d)?|jetson(?: nano| orin)?|orange pi|single[- ]board computers?)\b/i,
        memoryKind: "ram",
        commonGB: 8,
        largestGB: 16,
        usable: 0.8,
        profile: "raspberry-pi",
        examples: ["runs on a Raspberry Pi 5 with 8 GB", "a Jetson Orin"]
    },
    {
        id: "phone",
        label: "a phone",
        pattern:
            /\b(smart\s?phones?|phones?|iphones?|android (?:phones?|devices?)|pixel \d+|galaxy s\d+|mobile devices?|handsets?)\b/i,
        memoryKind: "ram",
        commonGB: 8,
        largestGB: 24,
        usable: 0.6,
        profile: "phone",
        examples: ["runs on any phone with 8 GB of RAM", "on an iPhone 15 Pro"]
    },
    {
        id: "consumer-gpu",
        label: "a consumer graphics card",
        pattern:
            /\b(graphics cards?|gpus?|video cards?|rtx\s?\d{4}(?:\s?ti)?|gtx\s?\d{3,4}|radeon(?: rx)?\s?\d{4}|rx\s?\d{4}|gaming gpus?|cards?)\b/i,
        memoryKind: "vram",
        commonGB: 12,
        largestGB: 32,
        usable: 0.95,
        profile: "consumer-gpu",
        examples: ["a single 24 GB graphics card", "an RTX 4090", "that 24 GB card"]
    },
    {
        id: "datacenter-gpu",
        label: "a data-centre GPU",
        pattern: /\b(h100|h200|a100|b200|mi300x?|l40s?)\b/i,
        memoryKind: "vram",
        commonGB: 80,
        largestGB: 192,
        usable: 0.95,
        profile: null,
        examples: ["one H100", "an A100 80GB"]
    },
    {
        id: "mac",
        label: "a Mac with unified memory",
        pattern:
            /\b(mac ?books?(?: pro| air)?|mac studio|mac mini|imac|m[1-4](?: pro| max| ultra)?\b(?= (?:mac|chip|laptop))|apple silicon|unified memory)\b/i,
        memoryKind: "unified",
        commonGB: 16,
        largestGB: 512,
        usable: 0.75,
        profile: "mac",
        examples: ["a MacBook Pro with 36 GB", "128 GB of unified memory"]
    },
    {
        id: "laptop",
        label: "a laptop",
        pattern: /\b(laptops?|notebooks?|thinkpads?|ultrabooks?|chromebooks?)\b/i,
        memoryKind: "ram",
        commonGB: 16,
        largestGB: 128,
        usable: 0.8,
        profile: "laptop",
        examples: ["my 8 GB laptop", "a laptop with 16 GB of RAM"]
    },
    {
        id: "desktop",
        label: "a desktop PC",
        pattern: /\b(desktops?|gaming pcs?|home pcs?|workstations?|towers?)\b/i,
        memoryKind: "ram",
        commonGB: 32,
        largestGB: 256,
        usable: 0.85,
        profile: null,
        examples: ["a desktop with 64 GB of RAM"]
    },
    {
        id: "consumer",
        label: "consumer hardware",
        pattern:
            /\b(consumer[- ](?:grade )?(?:hardware|machines?|pcs?|computers?|devices?)|everyday (?:hardware|machines?|computers?)|off-the-shelf hardware|home hardware|commodity hardware)\b/i,
        memoryKind: "any",
        commonGB: 16,
        largestGB: 512,
        usable: 0.8,
        profile: "consumer-hardware",
        examples: ["runs on consumer hardware", "optimized for consumer hardware deployment"]
    },
    {
        id: "edge",
        label: "an edge device",
        pattern: /\b(edge (?:devices?|deployment|hardware)|on-device|iot devices?|embedded devices?)\b/i,
        memoryKind: "ram",
        commonGB: 4,
        largestGB: 16,
        usable: 0.7,
        profile: "edge-device",
        examples: ["optimized for edge deployment", "on-device inference"]
    },
    {
        id: "memory",
        label: "memory",
        pattern: /\b(v?ram|memory|system memory)\b/i,
        memoryKind: "any",
        commonGB: 16,
        largestGB: 512,
        usable: 0.85,
        profile: null,
        examples: ["fits in 32 GB of RAM", "needs about 5 GB of RAM"]
    }
];

/**
 * The devices and classes of hardware.yaml (src/catalog/hardware.ts), read once per process: the
 * claims engine recognises every profile the estimator knows through findHardwareInText, so the
 * lexicon above and the profiles cannot drift apart (tests/claims.estimate.test.ts checks every
 * alias). Synchronous because detection is; null when the file cannot be read (then only the
 * patterns above apply and no estimate is made).
 */
let profiles: HardwareFile | null | undefined;

export function hardwareProfiles(): HardwareFile | null {
    if (profiles === undefined) {
        try {
            profiles = parseHardware(readFileSync(hardwarePath(), "utf8"));
        } catch {
            profiles = null;
        }
    }
    return profiles;
}

/** The lexicon class a hardware.yaml device or class belongs to (a device by its kind and form). */
export function lexiconClassOf(mention: HardwareMention): HardwareClass | null {
    const target = mention.target;
    const byId = (id: string) => HARDWARE_CLASSES.find((entry) => entry.id === id) ?? null;
    if (target.kind === "class") {
        if (target.id.startsWith("gpu-")) return byId("consumer-gpu");
        return HARDWARE_CLASSES.find((entry) => entry.profile === target.id) ?? null;
    }
    const device = target.members[0]?.device;
    if (!device) return null;
    if (device.kind === "gpu") return byId("consumer-gpu");
    if (device.kind === "apple") return byId("mac");
    if (device.kind === "sbc") return byId("single-board");
    if (device.kind === "phone") return byId("phone");
    return byId(device.form === "laptop" ? "laptop" : "desktop");
}

/** Hardware profiles named in a text, in reading order, with their lexicon class ([] without hardware.yaml). */
export function profileMentions(text: string): {mention: HardwareMention; lexicon: HardwareClass | null}[] {
    const file = hardwareProfiles();
    if (!file) return [];
    return findHardwareInText(file, text).map((mention) => ({mention, lexicon: lexiconClassOf(mention)}));
}

/** Words that say a figure is a device's memory: "24 GB card", "8 GB of RAM", "16GB laptop". */
export const MEMORY_NOUN =
    /^\s*(?:of\s+)?(?:(?:system|unified|gpu|video|graphics)\s+)?(?:v?ram|memory|vram|card|gpu|graphics card|laptop|machine|mac|macbook|phone|device|pc|desktop|board|pi)\b/i;

/** Someone, not something: handles, bylines, titles before a name. Examples become tests. */
export const PERSON_CUES: {pattern: RegExp; examples: string[]}[] = [
    {pattern: /\bu\/[\w-]{2,40}/gi, examples: ["posted by u/quiet_kettle"]},
    {pattern: /(?<![\w.])@[\w.]{2,40}/g, examples: ["thanks to @ggerganov"]},
    {
        pattern:
            /\b(?:[Ss]aid|[Ss]ays|added|wrote|[Aa]ccording to|[Ee]dited by|[Ww]ritten by|[Pp]osted by|by|[Tt]hanks to|[Ss]hout-out to|CEO|CTO|[Ff]ounder|[Yy]ou[Tt]uber|[Ss]treamer|[Ee]ngineer|[Rr]esearcher)\s+(?:the\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?/g,
        examples: [
            "said Dana Okafor",
            "the YouTuber Gemma Lane",
            "edited by Priya Raman",
            "Shout-out to Aya from our Discord"
        ]
    },
    {
        pattern: /\b[A-Z][a-z]+ from (?:our|the) (?:discord|slack|forum|team|community)\b/gi,
        examples: ["Aya from our Discord"]
    }
];

/** Organisations, software and sites that look like names but are not models. */
export const NOT_MODELS = [
    "hugging face",
    "huggingface",
    "github",
    "reddit",
    "discord",
    "youtube",
    "llama.cpp",
    "ollama",
    "lm studio",
    "vllm",
    "pytorch",
    "transformers",
    "openai",
    "anthropic",
    "meta",
    "google",
    "alibaba",
    "microsoft",
    "nvidia",
    "amd",
    "apple",
    "qualcomm",
    "raspberry pi",
    "windows",
    "android",
    "ios",
    "macos",
    "linux"
];

/**
 * A model called by its size ("the 80B model", "the 8B one", "this 4-billion-parameter model"):
 * it refers to a model the issue names, of that size. Indefinite ("an 8B model") and plural
 * ("the 8B and 70B models") phrases are about sizes in general and do not match.
 */
export const SIZE_REFERENCE = {
    pattern:
        /\b(?:the|this|that|our)\s+(\d{1,4}(?:\.\d{1,2})?)\s?-?\s?(?:b|billion)(?:[- ]param(?:eter)?s?)?\s+(?:model|one|version|variant|checkpoint|build|release)\b(?!s)/gi,
    examples: [
        ["The 80B model runs on consumer hardware", 80],
        ["and the 8B one is faster", 8],
        ["this 4-billion-parameter model fits", 4],
        ["our 1.5B version ships today", 1.5],
        ["That 7B checkpoint is 4.4 GB", 7],
        ["the 30B-param variant", 30]
    ] as [string, number][],
    counterExamples: ["an 8B model would need 5 GB", "the 8B and 70B models", "the 8B models", "a 7B checkpoint"]
};
