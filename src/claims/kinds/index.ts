import {UNVERIFIABLE_PHRASES} from "../lexicon/cues.js";
import type {ClaimKind} from "../schema.js";
import {bitsPerWeight} from "./bits-per-weight.js";
import {fileSize} from "./file-size.js";
import {findHardwarePhrase, hardwareFit} from "./hardware-fit.js";
import {activeParameters, parameterCount} from "./parameter-count.js";
import {QUALITY_PHRASES, qualityLoss} from "./quality-loss.js";
import {sizeRatio} from "./size-ratio.js";
import {sizeReduction} from "./size-reduction.js";
import {speed} from "./speed.js";
import type {Detection, KindModule} from "./types.js";
import {unverifiable} from "./unverifiable.js";

/**
 * The claim-kind registry. Extraction asks every kind how sure it is about each figure (the
 * surest wins, a tie is left out), evidence gathering reads each kind's `evidence` and
 * `needsQuant`, and judging calls the kind's `judge`. Adding a kind: one module here, one member
 * in ClaimSchema (schema.ts), its examples become tests automatically.
 */
export const KINDS: readonly KindModule[] = [
    fileSize,
    hardwareFit,
    sizeReduction,
    sizeRatio,
    parameterCount,
    activeParameters,
    bitsPerWeight,
    speed,
    qualityLoss,
    unverifiable
] as unknown as readonly KindModule[];

export function kindModule(kind: ClaimKind): KindModule {
    return KINDS.find((module) => module.kind === kind)!;
}

export interface PhraseContext {
    namesModel: boolean;
    mentions: number;
    where: "body" | "box" | "table" | "heading";
    question: string;
}

export interface PhraseMatch {
    start: number;
    end: number;
    text: string;
    detection: Detection;
}

/** Claims without a figure, per kind: what phrase makes one and what it carries. */
export interface PhraseDetector {
    kind: ClaimKind;
    find(text: string, context: PhraseContext): PhraseMatch[];
}

export const SPEED_QUALITATIVE =
    /\b(latency improvement|lower latency|reduc\w+ latency|faster (?:inference|generation|responses|decoding|token generation)|speeds? up (?:inference|generation)|higher throughput|runs? faster)\b/i;

export const PHRASE_DETECTORS: PhraseDetector[] = [
    {
        kind: "hardware-fit",
        find(text) {
            const found = findHardwarePhrase(text);
            if (!found) return [];
            return [
                {
                    ...found,
                    detection: {
                        score: 1,
                        extra: {
                            hardware: {
                                class: found.hardware.id,
                                memoryBytes: null,
                                memoryKind: found.hardware.memoryKind,
                                form: "fits",
                                profile: found.profile
                            }
                        }
                    }
                }
            ];
        }
    },
    {
        kind: "quality-loss",
        find(text) {
            for (const phrase of QUALITY_PHRASES) {
                const match = phrase.pattern.exec(text);
                if (match)
                    return [
                        {
                            start: match.index,
                            end: match.index + match[0].length,
                            text: match[0],
                            detection: {score: 1, extra: {quality: {strictness: phrase.strictness, metric: null}}}
                        }
                    ];
            }
            return [];
        }
    },
    {
        kind: "speed",
        find(text) {
            const match = SPEED_QUALITATIVE.exec(text);
            return match
                ? [
                      {
                          start: match.index,
                          end: match.index + match[0].length,
                          text: match[0],
                          detection: {score: 1, extra: {speed: {form: "qualitative", direction: "faster"}}}
                      }
                  ]
                : [];
        }
    },
    {
        kind: "unverifiable",
        find(text) {
            const found: PhraseMatch[] = [];
            for (const entry of UNVERIFIABLE_PHRASES) {
                const match = entry.pattern.exec(text);
                if (!match) continue;
                // Stars of a software repository are a claim about that project, with no model.
                const keepGeneral =
                    entry.reason.startsWith("a download") && /\b(repo|repository|project|library)\b/i.test(text);
                found.push({
                    start: match.index,
                    end: match.index + match[0].length,
                    text: match[0],
                    detection: {score: 1, extra: {reason: entry.reason, keepGeneral}}
                });
            }
            return found;
        }
    }
];
