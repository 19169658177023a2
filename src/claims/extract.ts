import {normalizeQuant} from "../catalog/lookup.js";
import {
    ClaimSchema,
    type Baseline,
    type Claim,
    type ClaimInput,
    type ClaimKind,
    type ClaimedValueInput,
    type Comparator,
    type HardwareClass,
    type MemoryKind,
    type MetricBox,
    type QualityStrictness
} from "./schema.js";
import {
    NUMBER_WORD_PATTERN,
    isTitleLike,
    parseNumber,
    splitSentences,
    toBlocks,
    toSourceLines,
    type Block,
    type SourceLine
} from "./text.js";

/**
 * Claim extraction. It works from the shape of a claim, not from any issue's wording:
 * a number with a unit (GB, %, x, B params, bits, tok/s), the words around it (smaller, fits,
 * active, faster, downloads), a quantization type or model name nearby, and a few phrase
 * families without numbers ("runs on consumer hardware", "minimal degradation"). Metric boxes
 * are any run of short `label value` lines, under a heading or not.
 */

export interface ExtractedIssue {
    title: string | null;
    claims: Claim[];
    boxes: MetricBox[];
}

// ---------------------------------------------------------------------------------------------
// Quantities

type QuantityFamily = "bytes" | "percent" | "ratio" | "count" | "bits" | "speed" | "fraction";

interface Quantity {
    family: QuantityFamily;
    /** Offsets in the sentence. */
    start: number;
    end: number;
    text: string;
    numberText: string;
    value: number;
    valueHigh: number | null;
    /** Unit as written (GB, %, x, B, billion, bits, tok/s ...). */
    unit: string;
    approximate: boolean;
    comparator: Comparator;
}

const NUM = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;
const RANGE = String.raw`(?<num>${NUM})(?:\s?(?:-|–|to)\s?(?<high>${NUM}))?`;

const QUANTITY_PATTERNS: {family: QuantityFamily; pattern: RegExp}[] = [
    {
        family: "speed",
        pattern: new RegExp(
            String.raw`(?<![\w.])${RANGE}\s?(?<unit>tokens?\s?(?:\/|per)\s?(?:s|sec|second)\b|tok\/s|t\/s|tps\b|tokens\/sec)`,
            "gi"
        )
    },
    {
        family: "bytes",
        pattern: new RegExp(
            String.raw`(?<![\w.])${RANGE}\s?(?<unit>GiB|MiB|TiB|KiB|GB|MB|TB|KB|gigabytes?|megabytes?|terabytes?)(?![\w\/])`,
            "g"
        )
    },
    {family: "percent", pattern: new RegExp(String.raw`(?<![\w.])${RANGE}\s?(?<unit>%|percent\b|per cent\b)`, "gi")},
    {family: "bits", pattern: new RegExp(String.raw`(?<![\w.])${RANGE}\s?-?\s?(?<unit>bits?\b|bpw\b)`, "gi")},
    {
        family: "ratio",
        pattern: new RegExp(
            String.raw`(?<![\w.])(?:(?<num>${NUM})|(?<word>${NUMBER_WORD_PATTERN}))\s?-?\s?(?<unit>x(?![\w-])|×|times\b|-?fold\b)`,
            "gi"
        )
    },
    {
        family: "count",
        pattern: new RegExp(
            String.raw`(?<![\w.$€£])(?<num>${NUM})\s?-?\s?(?<unit>billion\b|million\b|trillion\b|thousand\b|bn\b|B(?![\w])|M(?![\w])|T(?![\w])|[kK](?![\w]))(?<plus>\+)?`,
            "g"
        )
    },
    {family: "fraction", pattern: /(?<![\w./])(?<num>\d+)\/(?<den>\d+)(?![\w/])/g}
];

const APPROXIMATE_BEFORE =
    /(?:~|≈|\babout|\baround|\broughly|\bapproximately|\bnearly|\balmost|\bsome|\bclose to|\bcirca|\bapprox\.?|\bjust over|\bjust under|\bapp?rox)\s*$/i;
const AT_LEAST_BEFORE =
    /(?:\bover|\bmore than|\babove|\bat least|\bupwards of|\bin excess of|\bexceeding|\bbeyond|>|≥)\s*$/i;
const AT_MOST_BEFORE = /(?:\bunder|\bless than|\bbelow|\bat most|\bno more than|\bfewer than|<|≤)\s*$/i;
const UP_TO_BEFORE = /\bup to\s*$/i;

function findQuantities(sentence: string): Quantity[] {
    const found: Quantity[] = [];
    for (const {family, pattern} of QUANTITY_PATTERNS) {
        pattern.lastIndex = 0;
        let match: RegExpExecArray | null;
        while ((match = pattern.exec(sentence)) !== null) {
            const start = match.index;
            const end = start + match[0].length;
            if (found.some((other) => start < other.end && end > other.start)) continue;
            const groups = match.groups ?? {};
            const numberText = groups.num ?? groups.word ?? "";
            let value = parseNumber(numberText);
            if (value === null) continue;
            if (family === "fraction") {
                const denominator = Number(groups.den);
                if (!denominator) continue;
                value = value / denominator;
            }
            const high = groups.high ? parseNumber(groups.high) : null;
            const before = sentence.slice(Math.max(0, start - 24), start);
            let comparator: Comparator = "eq";
            let approximate = false;
            if (UP_TO_BEFORE.test(before)) comparator = "up-to";
            else if (AT_LEAST_BEFORE.test(before) || groups.plus) comparator = "at-least";
            else if (AT_MOST_BEFORE.test(before)) comparator = "at-most";
            if (APPROXIMATE_BEFORE.test(before) || high !== null) approximate = true;
            found.push({
                family,
                start,
                end,
                text: match[0],
                numberText,
                value,
                valueHigh: high,
                unit: (groups.unit ?? "").trim(),
                approximate,
                comparator
            });
        }
    }
    return found.sort((a, b) => a.start - b.start);
}

/** Words right next to a quantity, not crossing a clause boundary ("and", "but", a comma). */
function clauseAround(
    sentence: string,
    start: number,
    end: number,
    wordsBefore: number,
    wordsAfter: number
): {before: string; after: string} {
    const beforeText =
        sentence
            .slice(0, start)
            .split(/,|;|\b(?:and|but|while|whereas)\b/i)
            .pop() ?? "";
    const afterText = sentence.slice(end).split(/,|;|\b(?:and|but|while|whereas)\b/i)[0] ?? "";
    return {
        before: beforeText.split(/\s+/).filter(Boolean).slice(-wordsBefore).join(" ").toLowerCase(),
        after: afterText.split(/\s+/).filter(Boolean).slice(0, wordsAfter).join(" ").toLowerCase()
    };
}

/** Words around a quantity (same sentence), lower-cased, for deciding what it measures. */
function windowAround(
    sentence: string,
    start: number,
    end: number,
    wordsBefore = 7,
    wordsAfter = 7
): {before: string; after: string; all: string} {
    const beforeWords = sentence.slice(0, start).split(/\s+/).filter(Boolean).slice(-wordsBefore).join(" ");
    const afterWords = sentence.slice(end).split(/\s+/).filter(Boolean).slice(0, wordsAfter).join(" ");
    return {
        before: beforeWords.toLowerCase(),
        after: afterWords.toLowerCase(),
        all: `${beforeWords} ${afterWords}`.toLowerCase()
    };
}

// ---------------------------------------------------------------------------------------------
// Vocabulary (word families, not sentences)

const REDUCTION_WORDS =
    /\b(reduc\w*|smaller|shrink\w*|shrunk|cut\w*|sav(e|es|ing|ings)|compress\w*|lighter|footprint|slash\w*|trim\w*|less (memory|disk|space|storage|vram|ram)|size|leaner|fewer bytes)\b/;
const SMALLER_WORDS =
    /\b(smaller|less|lighter|compress\w*|reduc\w*|shrink\w*|fewer|more compact|tinier|leaner|size|efficien\w*)\b/;
const LARGER_WORDS = /\b(larger|bigger|more parameters|heavier)\b/;
const SPEED_WORDS = /\b(faster|speed\w*|throughput|quicker|latency|tokens?|inference speed|generation speed|tok\/s)\b/;
const QUALITY_WORDS =
    /\b(perplexity|ppl|accuracy|quality|degradation|kld|kl divergence|divergence|retain\w*|benchmark score)\b/;
const MEMORY_CONTEXT =
    /\b(vram|ram|memory|card|gpus?|graphics|fits?|fitting|runs?|running|laptops?|desktops?|phones?|smartphones?|devices?|macs?|macbooks?|needs?|requires?|requirement|machines?|system|unified)\b/;
const FILE_CONTEXT = /\b(file|files|download|disk|weighs?|weighing|gguf|on-disk|checkpoint|storage|size)\b/;
const POPULARITY_UNIT =
    /^\s*\+?\s*(downloads?|stars?|likes?|forks?|followers?|users?|views?|installs?|pulls?|citations?|upvotes?|subscribers?|developers?|contributors?|companies|customers|requests?|queries|tokens of|training tokens|examples|images|hours|dollars|usd)\b/;
const MONEY_BEFORE = /[$€£]\s*$/;
const PARAM_WORDS = /\b(param\w*|weights?|model|models|llm|llms|transformer)\b/;
const ACTIVE_WORDS = /\b(active|activated|activates|activating|per token)\b/;

const POPULARITY =
    /(\b\d[\d.,]*\s?[kKmM]?\+?|\b(zero|no|one|two|three|a few|hundreds of|thousands of|millions of))\s*(\w+\s+)?(downloads?|stars?|likes?|forks?|followers?|installs?|pulls?|upvotes?)\b|\b(download|star|like) counts?\b|\bgithub stars\b/i;
const TREND =
    /\b(trending|trends on|top of|#\s?1\b|number one|most (popular|sought[- ]after|downloaded|liked|used)|de facto|gaining traction|rising popularity|growing popularity|dominance|dominat\w+|climb(ed|s)? to|tops\b|topped)\b/i;
const TIMELINE =
    /\b(released|launch(ed|es)?|announced|came out|shipped|debut(ed)?|first (week|day|month|days)|in \d+ days|last (week|month)|this (week|month|year)|since (19|20)\d\d|(january|february|march|april|may|june|july|august|september|october|november|december) \d{4}|(19|20)\d\d (was|is|will|opens|proved|proving))\b/i;
const MONEY =
    /[$€£]\s?\d|\b\d[\d.,]*\s?(k|m|bn|billion|million)?\s*(dollars|usd)\b|\b(hundreds|thousands|millions|billions|tens) of (millions of )?(dollars|usd)\b|\bfraction of the (\w+ )?cost\b|\b\d+(\.\d+)?x cheaper\b/i;
const CAPABILITY =
    /\b(outperform\w*|superior|better (performance|results|quality)|gpt-4[- ]class|state[- ]of[- ]the[- ]art|sota|beats?|surpass\w*|rival\w*|capabilit(y|ies)|instruction[- ]following|reasoning|user experience|winning|wins)\b/i;
const LICENSE = /\b(apache[- ]?2(\.0)?|mit licen[cs]e|gpl|cc[- ]by\S*|licen[cs](e|ed|ing))\b/i;
const HARDWARE_SPEC = /\b\d+(\.\d+)?\s?(GB|TB)\/s\b/;

/** Evaluative words that make a sentence about a named model an opinion worth listing. */
const OPINION =
    /\b(optimi[sz]ed for|(more |highly )?efficient|advanced|powerful|breakthrough|best|leading|impressive|specialized for|game[- ]chang\w+)\b/i;

// Quantization types as llama.cpp names them, plus the "Q4" / "4-bit" families people write.
const QUANT_TYPE =
    /(?<![\w])(I?Q[1-8]_(?:K_(?:XL|[SML])|K|[01]|XXS|XS|NL|S|M)|TQ[12]_0|MXFP4|BF16|FP16|F16|FP32|F32|FP8)(?![\w])/gi;
const QUANT_FAMILY =
    /(?<![\w-])(?:Q([2-8])(?![\w])|([2-8])[- ]bit(?! per)(?:\s+(?:quanti[sz]\w*|gguf|weights?|models?|versions?|variants?)))/gi;

export interface QuantMention {
    quant: string;
    start: number;
    /** Named as what is compared against ("than F16"), not as the subject. */
    asBaseline: boolean;
}

const COMPARISON_BEFORE =
    /\b(than|vs\.?|versus|against|compared (to|with)|relative to|from|over|of the|of an?)\s*(the\s+|an?\s+|its\s+)?$/i;

export function findQuantMentions(sentence: string): QuantMention[] {
    const mentions: QuantMention[] = [];
    for (const match of sentence.matchAll(QUANT_TYPE)) {
        const before = sentence.slice(Math.max(0, match.index - 30), match.index);
        mentions.push({
            quant: normalizeQuant(match[1]!),
            start: match.index,
            asBaseline: COMPARISON_BEFORE.test(before)
        });
    }
    for (const match of sentence.matchAll(QUANT_FAMILY)) {
        if (mentions.some((mention) => Math.abs(mention.start - match.index) < 3)) continue;
        const bits = match[1] ?? match[2]!;
        const before = sentence.slice(Math.max(0, match.index - 30), match.index);
        mentions.push({quant: `Q${bits}`, start: match.index, asBaseline: COMPARISON_BEFORE.test(before)});
    }
    return mentions.sort((a, b) => a.start - b.start);
}

/** Which baseline a size figure is taken against, if the sentence names one. */
function findBaseline(sentence: string): {baseline: Baseline; text: string} | null {
    const lower = sentence.toLowerCase();
    const checks: [RegExp, Baseline][] = [
        [/\b(bf16|bfloat16|bfloat-16)\b/, "BF16"],
        [/\b(fp16|f16|float16)\b/, "F16"],
        [/\bhalf[- ]precision\b|\b16[- ]bit\b/, "16-bit"],
        [/\b(fp32|f32|float32|32[- ]bit|single[- ]precision)\b/, "FP32"],
        [/\bfull[- ]precision\b/, "full-precision"],
        [
            /\b(original|unquantized|un-quantized|uncompressed|non-quantized|base model|full[- ]sized?|full model)\b/,
            "original"
        ],
        [
            /\b(than|vs\.?|versus|against|compared to|compared with|relative to|from)\s+(the\s+)?(q8_0|8[- ]bit)\b/,
            "Q8_0"
        ]
    ];
    for (const [pattern, baseline] of checks) {
        const match = pattern.exec(lower);
        if (!match) continue;
        // A 16-bit or FP32 type named as the subject ("BF16 weights shrink ...") is still the baseline of a reduction.
        const from = Math.max(0, match.index - 20);
        return {baseline, text: sentence.slice(from, match.index + match[0].length).trim()};
    }
    return null;
}

// ---------------------------------------------------------------------------------------------
// Names: model-like tokens (catalog-free), and sizes that are part of a name

/** A token that looks like a model name: letters with digits, CamelCase, or hyphenated capitalised parts. */
const NAME_TOKEN =
    /^(?=.*[A-Za-z])(?:[A-Z][\w.-]*\d[\w.-]*|[A-Za-z]+\d[\w.-]*|[A-Z][a-z]+[A-Z][\w.-]*|[A-Z]{2,}[a-z][\w.-]*)$/;
const GENERIC_LABEL_WORDS = new Set([
    "parameter",
    "parameters",
    "param",
    "params",
    "count",
    "size",
    "model",
    "models",
    "avg",
    "average",
    "efficiency",
    "improvement",
    "reduction",
    "format",
    "advantage",
    "speed",
    "throughput",
    "memory",
    "vram",
    "ram",
    "file",
    "download",
    "downloads",
    "velocity",
    "previous",
    "largest",
    "smallest",
    "total",
    "active",
    "quantization",
    "quant",
    "compression",
    "ratio",
    "footprint",
    "disk",
    "trend",
    "community",
    "interest",
    "stars",
    "trending",
    "the",
    "of",
    "per",
    "token",
    "tokens",
    "second",
    "latency",
    "quality",
    "loss",
    "gain",
    "bits",
    "weight",
    "context",
    "window",
    "length",
    "new",
    "latest",
    "key",
    "figure",
    "variant",
    "optimized",
    "scale",
    "peak",
    "min",
    "max",
    "minimum",
    "maximum",
    "typical"
]);

function stripPossessive(token: string): string {
    return token
        .replace(/['’]s$/i, "")
        .replace(/[,:;!?)"”]+$/, "")
        .replace(/^["“(]+/, "");
}

/** Whether the size at [start, end) is part of a model name ("Qwen3-4B", "8B-OT", "Qwen3-Next 80B", "Llama 3.2 1B"). */
function isPartOfName(sentence: string, start: number, end: number): boolean {
    const charBefore = sentence[start - 1] ?? " ";
    const charAfter = sentence[end] ?? " ";
    if (/[A-Za-z0-9_.]/.test(charBefore) || (charBefore === "-" && /[A-Za-z0-9]/.test(sentence[start - 2] ?? "")))
        return true;
    if (/[A-Za-z0-9_]/.test(charAfter)) return true;
    if (
        charAfter === "-" &&
        /^-[A-Za-z0-9]/.test(sentence.slice(end)) &&
        !/^-(param\w*|scale|class|sized?|level|range|model)/i.test(sentence.slice(end))
    )
        return true;
    const previousTokens = sentence.slice(0, start).trimEnd().split(/\s+/);
    const previous = previousTokens[previousTokens.length - 1] ?? "";
    if (previous === "" || /['’]s$/.test(previous) || /[,.;:]$/.test(previous)) return false;
    if (/^\d+(\.\d+)?$/.test(previous)) {
        const beforeVersion = previousTokens[previousTokens.length - 2] ?? "";
        return /^[A-Z][A-Za-z-]*$/.test(beforeVersion);
    }
    return /[A-Za-z]/.test(previous) && /\d/.test(previous) && /^[A-Z]/.test(previous);
}

/** The nearest model-like name before a position in the sentence (within a few words), possessive removed. */
function nameBefore(sentence: string, position: number, maxWords = 5): string | null {
    const tokens = sentence.slice(0, position).split(/\s+/).filter(Boolean).slice(-maxWords);
    for (let index = tokens.length - 1; index >= 0; index--) {
        const token = stripPossessive(tokens[index]!);
        if (isModelLikeName(token)) {
            // Keep a following version number with it ("Qwen 3.5", "Llama 3.2").
            const next = tokens[index + 1];
            if (next && /^\d{1,2}(\.\d+)?$/.test(stripPossessive(next)) && index + 1 < tokens.length)
                return `${token} ${stripPossessive(next)}`;
            return token;
        }
        if (/^[A-Z][a-z]+$/.test(token) && tokens[index + 1] && /^\d{1,2}(\.\d+)?['’]?s?$/.test(tokens[index + 1]!))
            return `${token} ${stripPossessive(tokens[index + 1]!)}`;
    }
    return null;
}

/** A metric-box label with its generic words removed, if anything name-like is left ("Qwen 3.5 Parameters" → "Qwen 3.5"). */
function labelMention(label: string): string | null {
    const words = label.split(/\s+/).filter((word) => !GENERIC_LABEL_WORDS.has(word.toLowerCase()));
    if (words.length === 0) return null;
    // A name: a model-like word, or a capitalised word with a version ("Qwen 3.5"); "Cut vs F16" has none.
    const hasName = words.some(
        (word, index) =>
            isModelLikeName(word) || (/^[A-Z][a-z]+$/.test(word) && /^\d{1,2}(\.\d+)?$/.test(words[index + 1] ?? ""))
    );
    return hasName ? words.join(" ") : null;
}

/** Names that look like model names but are companies, sites, formats or libraries. */
const NOT_MODEL_NAMES = new Set([
    "huggingface",
    "github",
    "pytorch",
    "tensorflow",
    "openai",
    "chatgpt",
    "iot",
    "safetensors",
    "gguf",
    "lora",
    "qlora",
    "peft",
    "youtube",
    "linkedin",
    "javascript",
    "typescript",
    "iphone",
    "iphones",
    "macbook",
    "macbooks",
    "deepmind",
    "nvidia",
    "amd",
    "apple",
    "google",
    "meta",
    "microsoft",
    "alibaba",
    "anthropic",
    "mistralai",
    "llamacpp",
    "llama.cpp",
    "ollama",
    "lmstudio",
    "vllm",
    "onnx",
    "coreml",
    "mlx",
    "cuda",
    "rocm",
    "vulkan",
    "webgpu",
    "arxiv",
    "reddit",
    "openbb",
    "ai",
    "gpus",
    "cpus",
    "hf",
    "api",
    "apis",
    "usd",
    "faq",
    "ceo",
    "cto",
    "q4",
    "q8",
    "k-quants",
    "imatrix",
    "ggml",
    "gpt-generated",
    "post-chatgpt"
]);

function isModelLikeName(token: string): boolean {
    const cleaned = stripPossessive(token);
    if (!NAME_TOKEN.test(cleaned) || /^\d/.test(cleaned)) return false;
    if (NOT_MODEL_NAMES.has(cleaned.toLowerCase())) return false;
    // A quantization type or a year is not a model name.
    return !/^(I?Q\d_\w+|BF16|F16|FP16|F32|FP32|\d{4}s?)$/i.test(cleaned);
}

function anyNameIn(sentence: string): boolean {
    return sentence.split(/\s+/).some(isModelLikeName);
}

/** The first model-like name in a sentence (usually its grammatical subject). */
function firstNameIn(sentence: string): string | null {
    const tokens = sentence.split(/\s+/).filter(Boolean);
    for (let index = 0; index < tokens.length; index++) {
        const token = stripPossessive(tokens[index]!);
        const next = tokens[index + 1] ? stripPossessive(tokens[index + 1]!) : "";
        const versioned = /^\d{1,2}(\.\d+)?$/.test(next);
        // "Qwen 3.5", "Llama 3": a capitalised word and a version number make a name.
        if (versioned && /^[A-Z][a-z]+$/.test(token) && !SMALL_WORDS.has(token.toLowerCase()) && index > 0)
            return `${token} ${next}`;
        if (!isModelLikeName(tokens[index]!)) continue;
        return versioned ? `${token} ${next}` : token;
    }
    return null;
}

/**
 * Whether a sentence points back at something named earlier ("the model", "its 397 billion
 * parameters", "the 80-billion parameter model") or is a fragment describing the item above it
 * ("80B parameter model optimized for ..."). Only then may a claim borrow its subject from context.
 */
const REFERS_BACK =
    /\b(the|this|that|these|those|its|their)\s+([\w-]+\s+){0,3}(model|models|variant|variants|version|checkpoints?|release|gguf|quant\w*|weights|file|download|llm|network|architecture|format|technique|method|compression|gain|saving|savings)\b|\b(it|its|it's)\b/i;

export function refersBack(sentence: string): boolean {
    if (REFERS_BACK.test(sentence)) return true;
    // A fragment: starts with a figure or a lower-case word, or has no verb-like word ending in s/ed before a figure.
    return (
        /^[\d~≈]/.test(sentence.trim()) ||
        (/^[A-Z][a-z]+\s+[a-z]/.test(sentence.trim()) && !/[.!?]$/.test(sentence.trim()))
    );
}

// ---------------------------------------------------------------------------------------------
// Hardware, speed and quality phrases (no number needed)

const HARDWARE_PHRASES: {pattern: RegExp; class: HardwareClass; memoryKind: MemoryKind}[] = [
    {
        pattern:
            /\bconsumer[- ](?:grade\s+)?(?:gpus?|graphics cards?|cards?)\b|\bgaming gpus?\b|\b(?:a|one) single consumer gpu\b/i,
        class: "consumer-gpu",
        memoryKind: "vram"
    },
    {
        pattern:
            /\b(?:consumer|commodity|everyday|off-the-shelf|home)[- ](?:grade\s+)?(?:hardware|machines?|pcs?|computers?|devices?|laptops?)\b|\bconsumer-grade\b/i,
        class: "consumer",
        memoryKind: "any"
    },
    {pattern: /\b(?:laptops?|notebooks?|macbooks?)\b/i, class: "laptop", memoryKind: "ram"},
    {
        pattern: /\b(?:smartphones?|phones?|mobile devices?|iphones?|android devices?)\b/i,
        class: "smartphone",
        memoryKind: "ram"
    },
    {
        pattern: /\b(?:edge (?:devices?|deployment|hardware|computing)|on-device|iot devices?|raspberry pi)\b/i,
        class: "edge",
        memoryKind: "ram"
    },
    {pattern: /\b(?:desktops?|gaming pcs?|home pcs?|workstations?)\b/i, class: "desktop", memoryKind: "ram"},
    {pattern: /\b(?:a single|one) (?:gpu|graphics card|card|h100|a100)\b/i, class: "single-gpu", memoryKind: "vram"}
];
/** A hardware phrase only counts as a claim when the sentence says the model runs, fits or is built for it. */
const HARDWARE_VERB =
    /\b(runs?|running|run|fits?|fitting|fit|deploy\w*|usable|works?|operat\w+|inference|optimi[sz]ed for|designed for|built for|suited for|enough for|targets?|local(ly)?|on|in|for)\b/i;

const SPEED_QUALITATIVE =
    /\b(latency improvement|lower latency|reduc\w+ latency|faster (inference|generation|responses|decoding|token generation)|speeds? up (inference|generation)|higher throughput|improv\w+ (inference )?(speed|throughput|latency)|runs? faster)\b/i;

const QUALITY_PHRASES: {pattern: RegExp; strictness: QualityStrictness}[] = [
    {
        pattern:
            /\b(near[- ]lossless|nearly lossless|negligible (quality |accuracy |performance )?(loss|degradation|drop|impact|difference)|imperceptible|virtually no (loss|degradation)|preserv\w* (the )?(model'?s? |full )?(accuracy|quality|performance|capabilit\w+)|maintain\w* (the )?(model'?s? |full )?(accuracy|quality|performance|capabilit\w+)|retain\w* (the )?(model'?s? |full )?(accuracy|quality|performance|capabilit\w+)|without (sacrificing|losing|compromising|hurting) (accuracy|quality|performance|capabilit\w+)|same (accuracy|quality|performance))\b/i,
        strictness: "negligible"
    },
    {
        pattern:
            /\b((minimal|minor|small|slight|little|modest|limited|marginal) (performance |quality |accuracy )?(degradation|loss|drop|impact|hit|penalty|decrease))\b/i,
        strictness: "minimal"
    },
    {
        pattern:
            /\b(lossless|no (loss|degradation|drop)( in (quality|accuracy|performance))?|without any (loss|degradation)|identical (quality|accuracy|outputs?))\b/i,
        strictness: "lossless"
    }
];

// ---------------------------------------------------------------------------------------------
// Claim construction

interface Draft {
    kind: ClaimKind;
    quote: string;
    claimedText: string;
    claimed: ClaimedValueInput;
    subjectType: "model" | "quant" | "general";
    mention: string | null;
    quant: string | null;
    reason: string | null;
    /** Generic subject ("a 70B model", "1B-parameter models"): never resolved from surrounding text. */
    generic: boolean;
    /** Where the figure starts in the quote (null for phrases without one). */
    position?: number | null;
}

function memoryKindOf(text: string): MemoryKind {
    if (/\b(vram|gpu|card|graphics)\b/.test(text)) return "vram";
    if (/\bunified\b|\bmac\b|\bmacbook\b/.test(text)) return "unified";
    if (/\b(ram|system memory)\b/.test(text)) return "ram";
    return "any";
}

function hardwareClassOf(text: string): {class: HardwareClass; memoryKind: MemoryKind} | null {
    for (const phrase of HARDWARE_PHRASES)
        if (phrase.pattern.test(text)) return {class: phrase.class, memoryKind: phrase.memoryKind};
    return null;
}

const BYTES_PER_UNIT: Record<string, number> = {
    kb: 1e3,
    mb: 1e6,
    gb: 1e9,
    tb: 1e12,
    kib: 2 ** 10,
    mib: 2 ** 20,
    gib: 2 ** 30,
    tib: 2 ** 40,
    megabyte: 1e6,
    megabytes: 1e6,
    gigabyte: 1e9,
    gigabytes: 1e9,
    terabyte: 1e12,
    terabytes: 1e12
};
const BYTE_UNIT_LABEL: Record<string, string> = {
    megabyte: "MB",
    megabytes: "MB",
    gigabyte: "GB",
    gigabytes: "GB",
    terabyte: "TB",
    terabytes: "TB"
};

function byteUnitOf(unit: string): string {
    return BYTE_UNIT_LABEL[unit.toLowerCase()] ?? unit;
}

const COUNT_MULTIPLIER: Record<string, number> = {
    b: 1e9,
    billion: 1e9,
    bn: 1e9,
    m: 1e6,
    million: 1e6,
    t: 1e12,
    trillion: 1e12,
    k: 1e3,
    thousand: 1e3
};

/** The claimed text: the quantity plus the words that belong to it, trimmed to the clause. */
function claimedSnippet(
    sentence: string,
    quantity: Quantity,
    wordsBefore = 2,
    wordsAfter = 3
): {text: string; numberSpan: [number, number]} {
    const beforeText = sentence.slice(0, quantity.start);
    const beforeTokens = beforeText.split(/(\s+)/);
    let startIndex = quantity.start;
    let taken = 0;
    for (let index = beforeTokens.length - 1; index >= 0 && taken < wordsBefore; index--) {
        const token = beforeTokens[index]!;
        if (/^\s+$/.test(token) || token === "") {
            startIndex -= token.length;
            continue;
        }
        if (
            !/^(~|≈|about|around|roughly|nearly|almost|over|under|up|more|less|than|at|least|most|some|just|approximately)$/i.test(
                token
            ) &&
            !(token.toLowerCase() === "to" && /\bup\s*$/i.test(beforeTokens.slice(0, index).join("")))
        )
            break;
        startIndex -= token.length;
        taken++;
    }
    startIndex = Math.max(0, startIndex);
    while (/\s/.test(sentence[startIndex] ?? "")) startIndex++;
    // Extend over up to `wordsAfter` words that belong to the figure, stopping at a clause boundary.
    let endIndex = quantity.end;
    const wordPattern = /\s*([^\s]+)/y;
    for (let taken = 0; taken < wordsAfter; taken++) {
        wordPattern.lastIndex = endIndex;
        const word = wordPattern.exec(sentence);
        if (!word) break;
        const token = word[1]!;
        const clean = token.replace(/[,.;:!?)"”]+$/, "");
        if (/^(and|while|but|which|that|the|a|an)$/i.test(clean)) break;
        if (
            /^(with|in|for|on|as|to|of|by|from|than|versus|vs|suggests?|might|may|could|is|are|was|were|has|have)$/i.test(
                clean
            ) &&
            taken > 0
        )
            break;
        if (/^(suggests?|might|may|could|is|are|was|were|has|have|will|requiring|represents?)$/i.test(clean)) break;
        endIndex = word.index + word[0].length - (token.length - clean.length);
        if (clean !== token) break;
    }
    const text = sentence.slice(startIndex, endIndex).trim();
    const numberStart = quantity.start - startIndex + quantity.text.indexOf(quantity.numberText);
    return {text, numberSpan: [numberStart, numberStart + quantity.numberText.length]};
}

function quotedSubject(
    sentence: string,
    quantity: Quantity,
    quants: QuantMention[]
): {mention: string | null; quant: string | null} {
    // The quant type named nearest before the figure ("the Q8_0 version is 8.5 GB"), else the first one.
    const subjects = quants.filter((mention) => !mention.asBaseline);
    const before = subjects.filter((mention) => mention.start < quantity.start).pop();
    const subjectQuant = (before ?? subjects[0])?.quant ?? null;
    const mention =
        nameBefore(sentence, quantity.start) ??
        (quantity.family === "count" ? firstNameIn(sentence.slice(quantity.end)) : null);
    return {mention, quant: subjectQuant};
}

function isGenericCount(sentence: string, quantity: Quantity): boolean {
    // "its predecessor's 72B": about another model than the one in context, and unnamed.
    if (
        /\b(predecessor|successor|previous|earlier|older|rival|competitor)s?['’]?s?\s+(\w+\s+)?$/i.test(
            sentence.slice(Math.max(0, quantity.start - 30), quantity.start)
        )
    )
        return true;
    const before = sentence.slice(Math.max(0, quantity.start - 12), quantity.start).toLowerCase();
    const after = sentence.slice(quantity.end, quantity.end + 40).toLowerCase();
    if (/\b(an?|any|every|each|one|some)\s+$/.test(before)) return true;
    if (
        /^[-\s]*(?:param\w*\s+)?(?:[a-z][\w-]*\s+){0,2}(models|llms|giants|variants|networks|transformers|specialists|architectures)\b/.test(
            after
        )
    )
        return true;
    return false;
}

/** Classify one quantity in a sentence; null when it is not something this tool checks or lists. */
function draftFromQuantity(sentence: string, quantity: Quantity, quants: QuantMention[], inBox: boolean): Draft | null {
    const window = windowAround(sentence, quantity.start, quantity.end);
    const wide = inBox ? sentence.toLowerCase() : window.all;
    const afterText = sentence.slice(quantity.end);
    const snippet = claimedSnippet(sentence, quantity);
    const base: ClaimedValueInput = {
        text: snippet.text,
        value: quantity.value,
        unit: null,
        numberText: quantity.numberText,
        numberSpan: snippet.numberSpan,
        approximate: quantity.approximate,
        comparator: quantity.comparator
    };
    const subject = quotedSubject(sentence, quantity, quants);
    const draft = (kind: ClaimKind, claimed: ClaimedValueInput, extra: Partial<Draft> = {}): Draft => ({
        kind,
        quote: sentence,
        claimedText: claimed.text,
        claimed,
        position: quantity.start,
        subjectType: subject.mention ? "model" : subject.quant ? "quant" : "general",
        mention: subject.mention,
        quant: subject.quant,
        reason: null,
        generic: false,
        ...extra
    });
    const unverifiable = (reason: string): Draft => draft("unverifiable", {...base, value: null}, {reason});

    switch (quantity.family) {
        case "speed":
            return draft("speed", {...base, unit: "tok/s", speed: {form: "tokens-per-second", direction: "faster"}});
        case "bytes": {
            if (HARDWARE_SPEC.test(sentence.slice(quantity.start, quantity.end + 3)))
                return unverifiable("a hardware specification (bandwidth), not a property of the model");
            const bytes = quantity.value * (BYTES_PER_UNIT[quantity.unit.toLowerCase()] ?? 1e9);
            const byteUnit = byteUnitOf(quantity.unit);
            // The nearest cue decides: "weighs 4.2 GB and needs about 5 GB of RAM" holds one of each.
            const near = clauseAround(sentence, quantity.start, quantity.end, 3, 4);
            const nearText = `${near.before} ${near.after}`;
            const memoryNear =
                MEMORY_CONTEXT.test(nearText) &&
                !/\b(file|download|disk|weighs?|weighing|gguf|checkpoint)\b/.test(near.before);
            const fileNear =
                /\b(file|files|download|disk|weighs?|weighing|gguf|checkpoint|on-disk|storage)\b/.test(nearText) &&
                !/\b(fits?|vram|ram|card|gpu|memory)\b/.test(near.after);
            const isFile =
                fileNear ||
                (!memoryNear && FILE_CONTEXT.test(window.all) && !/\b(fits?|vram|ram\b|card|gpu)\b/.test(window.all));
            if (!isFile && (memoryNear || MEMORY_CONTEXT.test(wide))) {
                const hardware = hardwareClassOf(sentence);
                const requirement =
                    /\b(needs?|requires?|requirement|uses?|using|consumes?|takes?|occup\w+|footprint)\b/.test(
                        window.before
                    );
                return draft("hardware-fit", {
                    ...base,
                    value: quantity.value,
                    unit: "bytes",
                    byteUnit,
                    comparator: requirement ? quantity.comparator : "at-most",
                    hardware: {
                        class: requirement ? "memory" : (hardware?.class ?? "memory"),
                        memoryBytes: bytes,
                        memoryKind: memoryKindOf(wide)
                    }
                });
            }
            const isBaselineSize = /\bfrom\s*$/i.test(sentence.slice(Math.max(0, quantity.start - 8), quantity.start));
            return draft("file-size", {
                ...base,
                unit: "bytes",
                byteUnit,
                baseline: isBaselineSize ? (findBaseline(sentence)?.baseline ?? "original") : null,
                qualifiers: isBaselineSize ? ["size before quantization"] : []
            });
        }
        case "percent": {
            const baseline = findBaseline(sentence);
            if (QUALITY_WORDS.test(window.all) && !/\b(size|smaller|memory|footprint|disk)\b/.test(window.all))
                return draft("quality-loss", {
                    ...base,
                    unit: "%",
                    quality: {
                        strictness: "numeric",
                        metric: /perplexity|ppl/.test(window.all)
                            ? "perplexity"
                            : /kl/.test(window.all)
                              ? "kld"
                              : "accuracy"
                    }
                });
            if (REDUCTION_WORDS.test(wide))
                return draft("size-reduction", {
                    ...base,
                    unit: "%",
                    baseline: baseline?.baseline ?? null,
                    baselineText: baseline?.text ?? null,
                    qualifiers: /footprint|memory|ram|vram/.test(wide) ? ["memory footprint"] : []
                });
            if (SPEED_WORDS.test(window.all))
                return draft("speed", {
                    ...base,
                    value: 1 + quantity.value / 100,
                    unit: "x",
                    speed: {form: "ratio", direction: /slower/.test(window.all) ? "slower" : "faster"}
                });
            return unverifiable("a percentage that is not about model size, speed or quality");
        }
        case "bits": {
            const perWeight =
                /^\s*(per (weight|parameter|param)|\/\s*(weight|param)|bpw)/i.test(afterText) ||
                /bpw/i.test(quantity.unit) ||
                /bits per weight|bpw|bits\/weight/i.test(wide);
            if (!perWeight) return null; // "4-bit quantization" names a quant family; findQuantMentions handles it
            return draft("bits-per-weight", {...base, unit: "bpw"});
        }
        case "ratio": {
            const ratioWindow = windowAround(sentence, quantity.start, quantity.end, 3, 5).all;
            if (/\b(cheaper|cost|costs|price)\b/.test(ratioWindow))
                return unverifiable("a cost comparison; costs depend on prices this tool does not know");
            if (SPEED_WORDS.test(ratioWindow) && !SMALLER_WORDS.test(ratioWindow.replace(/efficien\w*/g, "")))
                return draft("speed", {
                    ...base,
                    unit: "x",
                    speed: {form: "ratio", direction: /slower/.test(ratioWindow) ? "slower" : "faster"}
                });
            if (SMALLER_WORDS.test(inBox ? wide : ratioWindow) || LARGER_WORDS.test(ratioWindow)) {
                const baseline = findBaseline(sentence);
                return draft("size-ratio", {
                    ...base,
                    unit: "x",
                    baseline: baseline?.baseline ?? null,
                    baselineText: baseline?.text ?? null,
                    qualifiers: LARGER_WORDS.test(ratioWindow) ? ["larger"] : []
                });
            }
            return null;
        }
        case "count": {
            const unitKey = quantity.unit.toLowerCase();
            if (
                POPULARITY_UNIT.test(afterText) ||
                MONEY_BEFORE.test(sentence.slice(Math.max(0, quantity.start - 2), quantity.start))
            )
                return unverifiable(popularityReason(sentence));
            if (unitKey === "k" || unitKey === "thousand") {
                if (
                    inBox &&
                    /star|download|like|fork|follower|velocity|views|user|subscriber|reader|member|vote|visit/i.test(
                        sentence
                    )
                )
                    return unverifiable(popularityReason(sentence, "an audience or popularity count"));
                return null;
            }
            if (!inBox && isPartOfName(sentence, quantity.start, quantity.end)) return null;
            const multiplier = COUNT_MULTIPLIER[unitKey] ?? 1e9;
            // "M" and "T" alone are parameter counts only next to parameter words; "B" is the LLM convention.
            if ((unitKey === "m" || unitKey === "t") && !PARAM_WORDS.test(wide) && !inBox) return null;
            if (/^\s*tokens\b/i.test(afterText))
                return unverifiable("a training-data size (tokens), not recorded in model files");
            const params = (quantity.value * multiplier) / 1e9;
            const near = clauseAround(sentence, quantity.start, quantity.end, 2, 4);
            const active = ACTIVE_WORDS.test(`${near.before} ${near.after}`);
            const generic = isGenericCount(sentence, quantity);
            return draft(
                active ? "active-parameters" : "parameter-count",
                {
                    ...base,
                    value: params,
                    unit: "params",
                    approximate: quantity.approximate,
                    qualifiers: qualifiersAfter(afterText)
                },
                {generic}
            );
        }
        case "fraction":
            return inBox ? unverifiable(popularityReason(sentence, "a count of items in a ranking or list")) : null;
    }
}

function qualifiersAfter(afterText: string): string[] {
    const next = /^\s*(optimi[sz]ed|efficient|quantized|distilled|dense|total)\b/i.exec(afterText);
    return next ? [next[1]!.toLowerCase()] : [];
}

function popularityReason(text: string, fallback = "a popularity figure"): string {
    const lower = text.toLowerCase();
    if (/download/.test(lower)) return "download counts change daily and live on the hub, not in the model files";
    if (/\bstars?\b/.test(lower)) return "GitHub stars change daily and are not a property of a model";
    if (/\blikes?\b/.test(lower)) return "likes change daily and are not a property of a model";
    if (/[$€£]|dollar|usd|cost/.test(lower))
        return "a cost figure; this tool measures size, speed, memory and perplexity, not prices";
    if (/trend|trending|#\s?1|rising/.test(lower))
        return "trends and rankings change daily and are not a property of a model";
    return `${fallback}; not a property of the model files`;
}

/** Reasons a sentence holds something this tool cannot check (listed, never dropped). */
function unverifiableReasons(sentence: string, hasCheckable: boolean): string[] {
    const reasons: string[] = [];
    if (POPULARITY.test(sentence)) reasons.push(popularityReason(sentence.replace(TREND, "")));
    if (
        TREND.test(sentence) &&
        (anyNameIn(sentence) || findQuantMentions(sentence).length > 0 || /#\s?1\b|top of|number one/i.test(sentence))
    )
        reasons.push("trends and rankings change daily and are not a property of a model");
    if (TIMELINE.test(sentence) && (anyNameIn(sentence) || reasons.length > 0))
        reasons.push("dates and timelines are not recorded in model files");
    if (MONEY.test(sentence)) reasons.push("costs depend on prices this tool does not know");
    if (CAPABILITY.test(sentence) && (anyNameIn(sentence) || /\d/.test(sentence)))
        reasons.push("task capability needs task benchmarks; this tool measures size, speed, memory and perplexity");
    if (LICENSE.test(sentence) && anyNameIn(sentence)) reasons.push("licence terms are not checked by this tool");
    if (
        reasons.length === 0 &&
        !hasCheckable &&
        OPINION.test(sentence) &&
        (anyNameIn(sentence) || findQuantMentions(sentence).length > 0)
    )
        reasons.push("an opinion or characterisation, not a measurable figure");
    return [...new Set(reasons)];
}

/** Claims in one sentence (or one metric-box line, with `inBox`). */
function draftsForSentence(sentence: string, inBox: boolean, valueStart = 0): Draft[] {
    const quants = findQuantMentions(sentence);
    const drafts: Draft[] = [];
    // In a metric box only figures in the value count; a size in the label is part of a name.
    for (const quantity of findQuantities(sentence).filter((item) => item.start >= valueStart)) {
        const draft = draftFromQuantity(sentence, quantity, quants, inBox);
        if (draft) drafts.push(draft);
    }
    const subjectQuant = quants.find((mention) => !mention.asBaseline)?.quant ?? null;
    const firstName = firstNameIn(sentence);
    // A phrase with no figure ("runs on smartphones") is a claim only about something: a name, a quant type, or "the model" above.
    const hasSubject = inBox || firstName !== null || subjectQuant !== null || refersBack(sentence);
    const qualitative = (kind: ClaimKind, claimed: ClaimedValueInput): Draft => ({
        kind,
        quote: sentence,
        claimedText: claimed.text,
        claimed,
        subjectType: firstName ? "model" : subjectQuant ? "quant" : "general",
        mention: firstName,
        quant: subjectQuant,
        reason: null,
        generic: false
    });

    if (!drafts.some((draft) => draft.kind === "hardware-fit")) {
        const hardware = hardwareClassOf(sentence);
        if (hardware && hasSubject && HARDWARE_VERB.test(sentence)) {
            const phrase = HARDWARE_PHRASES.find((item) => item.class === hardware.class)!.pattern.exec(sentence)!;
            const generic =
                /\b(models|llms|ai)\s+(that\s+)?(can\s+)?(run|fit)/i.test(sentence) && !firstName && !subjectQuant;
            const draft = qualitative("hardware-fit", {
                text: phraseWithVerb(sentence, phrase.index, phrase[0].length),
                value: null,
                unit: null,
                hardware: {class: hardware.class, memoryBytes: null, memoryKind: hardware.memoryKind}
            });
            drafts.push({...draft, generic});
        }
    }
    if (!drafts.some((draft) => draft.kind === "speed")) {
        const speed = SPEED_QUALITATIVE.exec(sentence);
        if (speed && hasSubject)
            drafts.push(
                qualitative("speed", {
                    text: speed[0],
                    value: null,
                    unit: null,
                    speed: {form: "qualitative", direction: "faster"}
                })
            );
    }
    // Quality phrases are about quantization only when the sentence is; otherwise they are capability talk.
    const aboutQuantization =
        inBox || quants.length > 0 || /\b(quantiz\w*|gguf|compress\w*|\d-bit|low-bit|bits)\b/i.test(sentence);
    if (!drafts.some((draft) => draft.kind === "quality-loss") && aboutQuantization) {
        for (const phrase of QUALITY_PHRASES) {
            const match = phrase.pattern.exec(sentence);
            if (!match || !hasSubject) continue;
            drafts.push(
                qualitative("quality-loss", {
                    text: match[0],
                    value: null,
                    unit: null,
                    quality: {strictness: phrase.strictness, metric: null}
                })
            );
            break;
        }
    }
    // A qualitative size claim ("reduces memory footprint", "much smaller") with a quant type: list it as a size reduction without a figure.
    const checkable = drafts.some((draft) => draft.kind !== "unverifiable");
    const reasons = unverifiableReasons(sentence, checkable);
    const alreadyUnverifiable = drafts.find((draft) => draft.kind === "unverifiable");
    if (reasons.length > 0 && !alreadyUnverifiable) {
        drafts.push({
            kind: "unverifiable",
            quote: sentence,
            claimedText: sentence,
            claimed: {text: sentence, value: null, unit: null},
            subjectType: firstName ? "model" : "general",
            mention: firstName,
            quant: subjectQuant,
            reason: reasons.join("; "),
            generic: false
        });
    } else if (alreadyUnverifiable && reasons.length > 0) {
        alreadyUnverifiable.reason = [...new Set([alreadyUnverifiable.reason!, ...reasons])].join("; ");
    }
    return dedupe(drafts);
}

function phraseWithVerb(sentence: string, start: number, length: number): string {
    const before = sentence.slice(0, start).split(/\s+/).filter(Boolean).slice(-4);
    let from = before.length;
    for (let index = before.length - 1; index >= 0; index--) {
        if (
            /^(runs?|running|run|fits?|fit|deploy\w*|optimi[sz]ed|designed|built|suited|on|in|for|a|an|the|locally|to|into|any|most|modest|single)$/i.test(
                before[index]!
            )
        )
            from = index;
        else break;
    }
    return [...before.slice(from), sentence.slice(start, start + length)].join(" ");
}

function dedupe(drafts: Draft[]): Draft[] {
    const seen = new Set<string>();
    return drafts.filter((draft) => {
        const key = `${draft.kind}|${draft.claimed.value ?? draft.claimedText}|${draft.claimed.unit}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

// ---------------------------------------------------------------------------------------------
// Metric boxes

const BOX_TITLE =
    /\b(by the numbers|numbers|metrics|stats|statistics|spectrum|at a glance|key figures|scorecard|fact ?sheet|facts|figures|in numbers|specs|specifications|data points|snapshot|dashboard|benchmarks?)\b/i;
const VALUE_START = /^(?:[~≈<>≥≤+−-]|↑|↓|→|#|\$|€|£|\d)/;

export interface BoxLine {
    label: string;
    value: string;
}

/**
 * Split a metric-box line into label and value: at a delimiter (":", "|", " — ", tab) if there
 * is one, else before the first figure with a unit or symbol; a bare number only if nothing
 * better ("Qwen 3.5 Parameters 397B" splits before "397B", not "3.5").
 */
export function splitBoxLine(text: string, cells: string[] | null = null): BoxLine | null {
    if (cells && cells.length >= 2) {
        const [label, ...rest] = cells;
        const value = rest.filter((cell) => cell !== "").join(" ");
        return label && value ? {label, value} : null;
    }
    const delimited = /^(.{1,60}?)\s*(?::|\||\t| — | – | - |=)\s*(.+)$/.exec(text);
    if (delimited && delimited[1]!.split(/\s+/).length <= 6)
        return {label: delimited[1]!.trim(), value: delimited[2]!.trim()};
    const tokens = text.split(/\s+/).filter(Boolean);
    if (tokens.length < 2) return null;
    const isUnitFigure = (token: string) =>
        /^[~≈<>≥≤+]?\d[\d.,]*(?:[%xX×]|[kKMBT]\+?|GB|GiB|MB|MiB|TB|bpw|\/\d+)$/.test(token) ||
        /^[↑↓→#$€£~≈]/.test(token);
    // The last figure with a unit: "DeepSeek Math 7B 7B" is label "DeepSeek Math 7B", value "7B".
    let index = -1;
    tokens.forEach((token, position) => {
        if (position > 0 && isUnitFigure(token)) index = position;
    });
    if (index === -1)
        index = tokens.findIndex(
            (token, position) => position > 0 && VALUE_START.test(token) && !/^\d+(\.\d+)?$/.test(token)
        );
    if (index === -1)
        index = tokens.findIndex(
            (token, position) => position > 0 && /^\d/.test(token) && position === tokens.length - 1
        );
    if (index === -1) index = tokens.findIndex((token, position) => position > 0 && /^\d/.test(token));
    if (index === -1) index = tokens.length - 1; // "Format SafeTensors": the last word is the value
    return {label: tokens.slice(0, index).join(" "), value: tokens.slice(index).join(" ")};
}

function looksLikeBoxLine(line: SourceLine): BoxLine | null {
    const text = line.text;
    if (text.length > 80 || /[.!?]["'”’)]*$/.test(text)) return null;
    if (/, /.test(text) && !line.cells) return null;
    const split = splitBoxLine(text, line.cells);
    if (!split) return null;
    if (split.label.split(/\s+/).length > 7 || split.value.split(/\s+/).length > 6) return null;
    return split;
}

function hasFigure(value: string): boolean {
    return /\d|↑|↓|→/.test(value);
}

interface BoxCandidate {
    title: string;
    lines: {line: SourceLine; split: BoxLine}[];
}

function boxFromBlock(block: Block, previous: Block | undefined): BoxCandidate | null {
    if (block.kind === "heading" || (block.lines.length < 2 && !(previous && BOX_TITLE.test(previous.lines[0]!.text))))
        return null;
    let lines = block.lines;
    // A Markdown table's header row ("Metric | Value") is not data.
    if (lines[0]!.cells && lines.length > 1 && lines[1]!.cells && !hasFigure(lines[0]!.cells.join(" ")))
        lines = lines.slice(1);
    const splits = lines.map((line) => ({line, split: looksLikeBoxLine(line)}));
    if (splits.some((item) => item.split === null)) return null;
    const items = splits as {line: SourceLine; split: BoxLine}[];
    const withFigure = items.filter((item) => hasFigure(item.split.value)).length;
    const titled = previous?.kind === "heading" && BOX_TITLE.test(previous.lines[0]!.text);
    if (!titled && (items.length < 2 || withFigure * 2 < items.length || withFigure < 2)) return null;
    if (titled && withFigure === 0) return null;
    const title =
        previous?.kind === "heading" && isTitleLike(previous.lines[0]!.text) ? previous.lines[0]!.text : "Metrics";
    return {title, lines: items};
}

// ---------------------------------------------------------------------------------------------
// The whole issue

interface Unit {
    text: string;
    line: number;
    box: {index: number; title: string; lineIndex: number; split: BoxLine} | null;
    /** Whether claims here may take their subject from the context (see refersBack). */
    refersBack: boolean;
    /** Context entries nearest first, ready when the unit is processed. */
    context: string[];
}

const CONTEXT_ENTRIES = 30;
const SMALL_WORDS = new Set([
    "a",
    "an",
    "the",
    "and",
    "or",
    "of",
    "to",
    "in",
    "on",
    "for",
    "with",
    "at",
    "by",
    "from",
    "vs",
    "is",
    "are",
    "as",
    "but",
    "&"
]);

/** Title Case ("Why the Framework Wars Are Far From Over") rather than a sentence-case fragment. */
function isHeadlineCase(text: string): boolean {
    const words = text.split(/\s+/).filter((word) => word !== "" && !SMALL_WORDS.has(word.toLowerCase()));
    if (words.length === 0) return false;
    const capitalised = words.filter((word) => /^["“'(]?[A-Z#]/.test(word)).length;
    return capitalised / words.length >= 0.6;
}

/**
 * A heading that starts a new story (so earlier models stop being "the model"): a headline of
 * five words or more, or any heading that names something. Short section labels ("Deep Dive",
 * "Analysis", "01") and metric-box titles do not.
 */
function startsStory(text: string): boolean {
    if (BOX_TITLE.test(text) || /^\d{1,3}$/.test(text.trim())) return false;
    return text.split(/\s+/).length >= 5 || anyNameIn(text);
}

export function extractClaims(text: string): ExtractedIssue {
    const blocks = toBlocks(toSourceLines(text));
    const units: Unit[] = [];
    const boxes: MetricBox[] = [];
    let title: string | null = null;
    // Text seen so far in the current story, nearest last; reset after a heading that starts a new story.
    let story: string[] = [];

    blocks.forEach((block, blockIndex) => {
        const previous = blocks[blockIndex - 1];
        const box = boxFromBlock(block, previous);
        if (box) {
            const index = boxes.length;
            boxes.push({index, title: box.title, line: box.lines[0]!.line.line, items: []});
            box.lines.forEach(({line, split}, lineIndex) => {
                units.push({
                    text: `${split.label} ${split.value}`,
                    line: line.line,
                    box: {index, title: box.title, lineIndex, split},
                    refersBack: true,
                    context: contextFrom(story)
                });
            });
            story.push(box.lines.map(({split}) => `${split.label} ${split.value}`).join(". "));
            return;
        }
        const firstLine = block.lines[0]!;
        if (block.kind === "heading" && (firstLine.headingLevel > 0 || isHeadlineCase(firstLine.text))) {
            const headingText = firstLine.text;
            if (title === null && headingText.length > 3) title = headingText;
            if (startsStory(headingText)) story = [];
            units.push({
                text: headingText,
                line: firstLine.line,
                box: null,
                refersBack: false,
                context: contextFrom(story)
            });
            story.push(headingText);
            return;
        }
        const pieces =
            block.kind === "paragraph"
                ? splitSentences(block.lines.map((line) => line.text).join(" "), firstLine.line)
                : block.lines.map((line) => ({text: line.text, line: line.line}));
        for (const piece of pieces) {
            units.push({
                text: piece.text,
                line: piece.line,
                box: null,
                refersBack: refersBack(piece.text),
                context: contextFrom(story)
            });
            story.push(piece.text);
        }
    });

    const claims: Claim[] = [];
    for (const unit of units) {
        const drafts = unit.box ? draftsForBoxLine(unit.box.split) : draftsForSentence(unit.text, false);
        for (const draft of drafts) {
            const id = `c${claims.length + 1}`;
            const claim = toClaim(id, draft, unit);
            claims.push(claim);
            if (unit.box)
                boxes[unit.box.index]!.items.push({
                    label: unit.box.split.label,
                    value: unit.box.split.value,
                    claimId: id
                });
        }
        // Every box line is listed, even one with nothing to check ("Format SafeTensors").
        if (unit.box && drafts.length === 0) {
            const id = `c${claims.length + 1}`;
            const draft: Draft = {
                kind: "unverifiable",
                quote: unit.text,
                claimedText: unit.box.split.value,
                claimed: {text: unit.box.split.value, value: null, unit: null},
                subjectType: "general",
                mention: labelMention(unit.box.split.label),
                quant: null,
                reason: "a label without a figure this tool can measure",
                generic: false
            };
            claims.push(toClaim(id, draft, unit));
            boxes[unit.box.index]!.items.push({label: unit.box.split.label, value: unit.box.split.value, claimId: id});
        }
    }
    return {title, claims, boxes};
}

function contextFrom(story: string[]): string[] {
    return story.slice(-CONTEXT_ENTRIES).reverse();
}

/** One claim per box line: the first checkable reading of "label value", else an unverifiable one. */
function draftsForBoxLine(split: BoxLine): Draft[] {
    const line = `${split.label} ${split.value}`;
    const drafts = draftsForSentence(line, true, line.length - split.value.length);
    const labelName = labelMention(split.label);
    const primary = drafts.find((draft) => draft.kind !== "unverifiable") ?? drafts[0];
    if (!primary) return [];
    const average = /\b(avg|average|typical|mean|median)\b/i.test(split.label);
    const fixed: Draft = {
        ...primary,
        quote: line,
        claimedText: split.value,
        claimed: {
            ...primary.claimed,
            text: split.value,
            numberSpan: spanInValue(split.value, primary.claimed.numberText ?? null)
        },
        mention: labelName ?? primary.mention,
        subjectType: labelName ? "model" : average ? (primary.quant ? "quant" : "general") : primary.subjectType,
        generic: average
    };
    if (fixed.kind === "unverifiable" && !fixed.reason) fixed.reason = popularityReason(line);
    return [fixed];
}

function spanInValue(value: string, numberText: string | null): [number, number] | null {
    if (!numberText) return null;
    const at = value.indexOf(numberText);
    return at === -1 ? null : [at, at + numberText.length];
}

function toClaim(id: string, draft: Draft, unit: Unit): Claim {
    const input: ClaimInput = {
        id,
        quote: draft.quote,
        kind: draft.kind,
        subject: {
            type: draft.subjectType,
            mention: draft.mention,
            quant: draft.quant,
            generic: draft.generic
        },
        claimed: draft.claimed,
        source: unit.box ? "metric-box" : "body",
        box: unit.box
            ? {
                  box: unit.box.index,
                  line: unit.box.lineIndex,
                  title: unit.box.title,
                  label: unit.box.split.label,
                  value: unit.box.split.value
              }
            : null,
        line: unit.line,
        unverifiableReason: draft.kind === "unverifiable" ? (draft.reason ?? "not checkable by this tool") : null,
        // Generic claims ("a 70B model") are about no particular model: give them no context to borrow one from.
        context: unit.refersBack ? unit.context : []
    };
    return ClaimSchema.parse(input);
}

/** Parse a figure as an editor writes it in a sidecar ("80B", "~60%", "24 GB", "18x", "4.9 bpw"). */
export function parseClaimedFigure(text: string, kind: ClaimKind): ClaimedValueInput {
    const drafts = draftsForSentence(text, true);
    const match = drafts.find((draft) => draft.kind === kind) ?? drafts.find((draft) => draft.kind !== "unverifiable");
    if (match) return {...match.claimed, text};
    const number = /(\d[\d.,]*)/.exec(text);
    return {text, value: number ? parseNumber(number[1]!) : null, unit: null, numberText: number?.[1] ?? null};
}
