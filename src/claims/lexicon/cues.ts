/**
 * Cue words that tell what a figure measures, as data. Each family is one regex over the
 * lower-cased words around a figure (a bounded window, see ../extract.ts), with example phrases
 * that become tests. Kinds (../kinds/*) combine them; nothing here decides a kind alone.
 */

export interface Cue {
    pattern: RegExp;
    examples: string[];
}

const cue = (pattern: RegExp, examples: string[]): Cue => ({pattern, examples});

export const CUES = {
    reduction: cue(
        /\b(smaller|reduc\w*|shrinks?|shrinking|shrunk|cuts?|cutting|sav(?:e|es|ed|ing|ings)|trims?|trimm\w*|slash\w*|slimm\w*|lighter|less (?:memory|disk|space|storage|vram|ram)|compress\w*|off|down by|drops?|leaner)\b/,
        [
            "70% smaller than FP16",
            "saves well over 60% vs BF16",
            "trims roughly 75% off FP32 weights",
            "cuts the download by 85%",
            "slimmed down by two thirds"
        ]
    ),
    smaller: cue(
        /\b(smaller|lighter|tinier|leaner|shrinks?|shrunk|shrinking|compress\w*|less|fewer|reduc\w*|cuts?)\b/,
        ["3.3x smaller", "shrinks threefold"]
    ),
    bigger: cue(/\b(bigger|larger|heavier|more|greater|the size of)\b/, ["the F16 is over three times bigger"]),
    sizeOf: cue(/\b(size|sized|file|files|download|weights|checkpoint|footprint|disk|gguf|on disk|original|build)\b/, [
        "a third of the size",
        "half the size of its BF16 file"
    ]),
    speed: cue(
        /\b(faster|slower|quicker|speed\w*|throughput|latency|generat\w*|decod\w*|tokens?|tok\/s|inference speed|prompt processing|sluggish)\b/,
        ["generates tokens 2.5x faster", "decodes about 3x faster", "speed-up over F16"]
    ),
    quality: cue(
        /\b(perplexity|ppl|accuracy|quality|degradation|kld|kl[- ]divergence|divergence|loss|lossless|benchmark score|mmlu)\b/,
        ["pushed wikitext perplexity up by about 10%", "KL divergence against F16 of 0.32"]
    ),
    file: cue(
        /\b(file|files|download\w*|disk|weighs?|weighing|gguf|on-disk|checkpoint|storage|size|build|quant|edition|upload\w*|is|comes to|lands at)\b/,
        ["the Q4_K_M weighs 3.6 gigs", "Pro engine download: under 2 GB", "no more than 5 GB on disk"]
    ),
    memoryNeed: cue(
        /\b(needs?|needed|requires?|required|uses|using|takes|consumes?|occup\w+|eats|ram usage|memory usage|loaded|to run|context included|peak)\b/,
        ["needs about 5 GB of RAM to run", "how much RAM does it need? A bit over 5 GB"]
    ),
    run: cue(
        /\b(runs?|running|ran|fits?|fitting|fit|holds?|loads?|works?|usable|deploy\w*|serve[sd]?|happily|comfortably|squeeze\w*|on)\b/,
        ["runs happily on a single 24 GB graphics card", "fits in 32 GB of RAM", "that 24 GB card holds Llama 3 8B"]
    ),
    params: cue(/\b(param\w*|weights|model|models|llm|transformer|network|option)\b/, [
        "80 billion parameters",
        "an 8B-parameter option"
    ]),
    active: cue(/\b(active|activat\w*|wakes?|per token|each token|routed|fires?|uses only)\b/, [
        "activates 22B of them per token",
        "wakes only about 3B of them for each token"
    ]),
    bits: cue(/\b(bits? per weight|bpw|bits|bit)\b/, ["4.9 bits per weight"]),
    popularity: cue(
        /\b(downloads?|downloaded|stars?|likes?|liked|forks?|followers?|installs?|pulls?|upvotes?|views?|subscribers?|users?|times|trending|downloads this week)\b/,
        ["9.8k downloads this week", "downloaded more than 20 million times", "has passed 90k stars"]
    ),
    notAboutModel: cue(
        /\b(survey|responses?|readers?|subscri\w*|beta testers?|testers?|countries|price|priced|costs?|a month|per month|thread|this post|this video|votes?|poll|students|employees|issue)\b/,
        ["Reader survey responses 1,412", "Beta testers: 40,000 in 31 countries", "This thread already has 1.2k likes"]
    )
} satisfies Record<string, Cue>;

/** Sentences that claim something no header or benchmark can check, by family. */
export const UNVERIFIABLE_PHRASES: {reason: string; pattern: RegExp; examples: string[]}[] = [
    {
        reason: "a download, star or like count",
        pattern:
            /\b(\d[\d.,]*\s?[kKmM]?\+?\s+(?:[a-z]+\s+)?(?:downloads?|stars?|likes?|forks?|pulls?|upvotes?)|downloaded (?:more than |over |nearly )?[\d.,]+\s?(?:k|m|million|thousand)?\s*times|(?:downloads?|stars?|likes?)\b[^.]{0,30}?(?<![\p{L}_])(?:\d[\d,.]*\s?(?:[kKmM]\b|thousand|million)|\d{1,3}(?:,\d{3})+|\d{3,})|(?:passed|hit|reached|crossed) [\d.,]+\s?[kKmM]? (?:stars|downloads|likes)|more (?:downloads|likes|stars) than|most (?:downloaded|liked|starred))/iu,
        examples: [
            "Qwen3-Next hub downloads this week 9.8k",
            "downloaded more than 20 million times",
            "more likes than any other 4B model",
            "has passed 90k stars"
        ]
    },
    {
        reason: "a trend or popularity claim",
        pattern:
            /\b(trending|top of the trending|tops? (?:the )?(?:charts?|trends)|switched to|switching to|everyone (?:is )?(?:using|asked)|de facto|gaining traction|most popular|the default (?:local )?model)\b/i,
        examples: [
            "sit at the top of the trending page all summer",
            "Half this sub seems to have switched to it already"
        ]
    },
    {
        reason: "a prediction",
        pattern:
            /\b(will (?:be|replace|become|dominate|top|sit|win|remain)|expects? (?:\w+ ){0,6}to\b|(?:is|are) expected to|by (?:19|20)\d\d\b|next year|in the future)\b/i,
        examples: ["will be the default local model for the rest of 2026", "replace most cloud assistants by 2027"]
    },
    {
        reason: "a release date or history",
        pattern:
            /\b(came out|released|launched|announced|added [\w.-]+(?: [\w.-]+)? support|support (?:landed|arrived)|shipped)\b[^.]{0,40}?\b(?:(?:on|in|since)\s+)?(?:(?:early|mid|late)\s+)?(?:\d{1,2}\s+)?(?:january|february|march|april|may|june|july|august|september|october|november|december|(?:19|20)\d\d)\b/i,
        examples: [
            "Qwen3.5 came out on 16 February 2026",
            "Meta released the base model on 18 April 2024",
            "llama.cpp added Qwen3-Next support in late November 2025"
        ]
    },
    {
        reason: "an opinion",
        pattern:
            /\b(the (?:best|smartest|friendliest|nicest|greatest|most capable|most useful|strongest|finest)|(?:best|smartest|friendliest) (?:\w+ ){0,3}(?:model|llm)s?|my favou?rite|in (?:our|my) view)\b/i,
        examples: [
            "the friendliest of the tiny models",
            "the smartest small model we have ever tested",
            "the best model under 10B, full stop"
        ]
    }
];
