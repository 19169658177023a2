import {readFile} from "node:fs/promises";
import {basename, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {parseDocument} from "yaml";
import type {z} from "zod";
import {UserError} from "../util/errors.js";
import {GiB} from "../util/units.js";
import {nameKey} from "./lookup.js";
import {
    HardwareFileSchema,
    type ComputeFigure,
    type DeviceKind,
    type HardwareClass,
    type HardwareDevice,
    type HardwareFile
} from "./hardware-schema.js";

/** The hardware profiles shipped with llmproof: hardware.yaml at the package root. */
export const defaultHardwarePath = fileURLToPath(new URL("../../hardware.yaml", import.meta.url));

export interface LoadHardwareOptions {
    /** Profiles file to read; wins over LLMPROOF_HARDWARE and the shipped hardware.yaml. */
    path?: string;
    env?: NodeJS.ProcessEnv;
}

export function hardwarePath(options: LoadHardwareOptions = {}): string {
    const fromEnv = (options.env ?? process.env).LLMPROOF_HARDWARE;
    if (options.path != null && options.path !== "") return resolve(options.path);
    if (fromEnv != null && fromEnv !== "") return resolve(fromEnv);
    return defaultHardwarePath;
}

export async function loadHardware(pathOrOptions?: string | LoadHardwareOptions): Promise<HardwareFile> {
    const options = typeof pathOrOptions === "string" ? {path: pathOrOptions} : (pathOrOptions ?? {});
    const path = hardwarePath(options);
    let text: string;
    try {
        text = await readFile(path, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why = code === "ENOENT" ? "it does not exist" : `it cannot be read (${code ?? String(error)})`;
        throw new UserError(`Cannot load the hardware profiles ${path}: ${why}.`, {cause: error});
    }
    return parseHardware(text, path === defaultHardwarePath ? basename(path) : path);
}

/** Parse and validate hardware YAML; a bad figure is one sentence naming the entry and the field. */
export function parseHardware(text: string, label = "hardware.yaml"): HardwareFile {
    const document = parseDocument(text);
    const yamlError = document.errors[0];
    if (yamlError != null) {
        const position = yamlError.linePos?.[0];
        const where = position == null ? "" : ` at line ${position.line}, column ${position.col}`;
        throw new UserError(`${label}: invalid YAML${where}: ${yamlError.message.split("\n")[0]}.`);
    }
    const raw: unknown = document.toJS();
    const result = HardwareFileSchema.safeParse(raw);
    if (!result.success) {
        const issue = result.error.issues[0]!;
        const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problems)` : "";
        throw new UserError(`${label}: ${describeLocation(issue.path, raw)}: ${describeIssue(issue)}${more}.`);
    }
    const problems = findAliasProblems(result.data);
    if (problems.length > 0) throw new UserError(`${label}: ${problems[0]}.`);
    return result.data;
}

function describeLocation(path: readonly PropertyKey[], raw: unknown): string {
    const [section, index, ...rest] = path;
    const field = rest.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("");
    if ((section === "devices" || section === "classes") && typeof index === "number") {
        const entry = (raw as Record<string, unknown[]>)[section]?.[index] as {id?: unknown} | undefined;
        const what = section === "devices" ? "device" : "class";
        const name = typeof entry?.id === "string" ? `${what} "${entry.id}"` : `${what} #${index + 1}`;
        return field === "" ? name : `${name} → ${field.slice(1)}`;
    }
    return path.length === 0 ? "top level" : path.map(String).join(".");
}

function describeIssue(issue: z.core.$ZodIssue): string {
    if (issue.code === "unrecognized_keys") return `unknown field ${issue.keys.map((key) => `"${key}"`).join(", ")}`;
    return issue.message.replace(/^Invalid input: /, "");
}

/** An alias two entries share, after normalising, makes lookups ambiguous: the loader refuses it. */
function findAliasProblems(file: HardwareFile): string[] {
    const owners = new Map<string, string>();
    const problems: string[] = [];
    const entries: {id: string; names: string[]}[] = [
        ...file.devices.map((device) => ({id: device.id, names: [device.id, device.name, ...device.aliases]})),
        ...file.classes.map((entry) => ({id: entry.id, names: [entry.id, entry.name, ...entry.aliases]}))
    ];
    for (const entry of entries) {
        for (const name of entry.names) {
            const key = lookupKey(name);
            const owner = owners.get(key);
            if (key === "") problems.push(`"${entry.id}" has an alias with no letters or digits ("${name}")`);
            else if (owner != null && owner !== entry.id)
                problems.push(`"${entry.id}" → aliases: "${name}" also names "${owner}"`);
            else owners.set(key, entry.id);
        }
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Lookup: "a 4090", "RTX 4090 24GB", "M2 Max 64GB", "a 24 GB GPU", "gaming GPU", "8GB Raspberry Pi"
// ---------------------------------------------------------------------------------------------

/** One device of a target, with the memory sizes the target covers (all it is sold with, or the one named). */
export interface HardwareMember {
    device: HardwareDevice;
    memoryGiB: number[];
}

/** What a hardware phrase resolves to: one device, or a class as its explicit member list. */
export interface HardwareTarget {
    kind: "device" | "class";
    /** The device or class id ("rtx-4090", "consumer-gpu"); "gpu-24gb" for "a 24 GB GPU". */
    id: string;
    /** How the output names it ("NVIDIA GeForce RTX 4090", "consumer GPU", "24 GB GPU"). */
    name: string;
    /** The text it was found from. */
    text: string;
    members: HardwareMember[];
    /** The memory size the text named, GiB; null when none. */
    memoryFilterGiB: number | null;
    /** The class's note (what it covers); null for a device. */
    note: string | null;
}

const LEADING_WORDS = /^(?:a|an|the|one|your|my|any|single|typical|modern|average|cheap|regular|standard|on)\s+/i;
const MEMORY_PHRASE =
    /(\d+(?:\.\d+)?)\s*-?\s*(?:gb|gib|gigabytes?|gigs?)\b(?:\s+(?:of\s+)?(?:v?ram|unified\s+memory|memory))?/i;
const GENERIC_GPU_KEYS = new Set([
    "gpu",
    "gpus",
    "card",
    "cards",
    "graphicscard",
    "graphicscards",
    "videocard",
    "vram"
]);
const TRAILING_GPU_WORDS = /(?:gpu|gpus|card|cards|graphicscard|videocard)$/;

/** Keys compare like model names (case, spaces, hyphens and dots ignored), after dropping leading articles. */
function lookupKey(text: string): string {
    let trimmed = text.normalize("NFKC").trim();
    while (LEADING_WORDS.test(trimmed)) trimmed = trimmed.replace(LEADING_WORDS, "");
    return nameKey(trimmed);
}

interface HardwareIndex {
    devices: Map<string, HardwareDevice>;
    classes: Map<string, HardwareClass>;
    byKey: Map<string, {kind: "device"; device: HardwareDevice} | {kind: "class"; entry: HardwareClass}>;
}

const indexes = new WeakMap<HardwareFile, HardwareIndex>();

function indexOf(file: HardwareFile): HardwareIndex {
    let index = indexes.get(file);
    if (index == null) {
        index = {devices: new Map(), classes: new Map(), byKey: new Map()};
        for (const device of file.devices) {
            index.devices.set(device.id, device);
            for (const name of [device.id, device.name, ...device.aliases])
                index.byKey.set(lookupKey(name), {kind: "device", device});
        }
        for (const entry of file.classes) {
            index.classes.set(entry.id, entry);
            for (const name of [entry.id, entry.name, ...entry.aliases])
                index.byKey.set(lookupKey(name), {kind: "class", entry});
        }
        indexes.set(file, index);
    }
    return index;
}

export function deviceById(file: HardwareFile, id: string): HardwareDevice | undefined {
    return indexOf(file).devices.get(id);
}

export function classById(file: HardwareFile, id: string): HardwareClass | undefined {
    return indexOf(file).classes.get(id);
}

/** A device as a target of its own (every memory size it is sold with, or the one given). */
export function deviceTarget(
    device: HardwareDevice,
    memoryGiB: number | null = null,
    text = device.name
): HardwareTarget {
    return {
        kind: "device",
        id: device.id,
        name: device.name,
        text,
        members: [{device, memoryGiB: memoryGiB == null ? [...device.memoryGiB.value] : [memoryGiB]}],
        memoryFilterGiB: memoryGiB,
        note: null
    };
}

function classTarget(file: HardwareFile, entry: HardwareClass, memoryGiB: number | null, text: string): HardwareTarget {
    const members = entry.members
        .map((id) => deviceById(file, id)!)
        .map((device) => ({
            device,
            memoryGiB: device.memoryGiB.value.filter((size) => memoryGiB == null || sameSize(size, memoryGiB))
        }))
        .filter((member) => member.memoryGiB.length > 0);
    const name = memoryGiB == null ? entry.name : `${formatGiB(memoryGiB)} GB ${entry.name}`;
    const note = memoryGiB == null ? entry.note : `${entry.note} Only those sold with ${formatGiB(memoryGiB)} GB.`;
    return {kind: "class", id: entry.id, name, text, members, memoryFilterGiB: memoryGiB, note};
}

function sameSize(a: number, b: number): boolean {
    return Math.abs(a - b) < 0.01;
}

function formatGiB(value: number): string {
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/**
 * The device or class a phrase names, or undefined. Tolerates case, spacing, hyphens, leading
 * articles ("a 4090"), a memory size anywhere ("M2 Max 64GB", "8GB Raspberry Pi"), and a bare
 * memory size with a GPU word ("a 24 GB GPU": every consumer GPU sold with 24 GB).
 */
export function findHardware(file: HardwareFile, text: string): HardwareTarget | undefined {
    const memoryMatch = text.match(MEMORY_PHRASE);
    const memoryGiB = memoryMatch == null ? null : Number(memoryMatch[1]);
    const rest = memoryMatch == null ? text : text.replace(memoryMatch[0], " ").replace(/\s+(?:with|of|and)\s*$/i, "");
    const key = lookupKey(rest);
    const byKey = indexOf(file).byKey;

    if (memoryGiB != null && (key === "" || GENERIC_GPU_KEYS.has(key))) {
        const gpus = classById(file, "consumer-gpu");
        if (gpus == null) return undefined;
        const target = classTarget(file, gpus, memoryGiB, text);
        return {...target, id: `gpu-${formatGiB(memoryGiB)}gb`, name: `${formatGiB(memoryGiB)} GB GPU`};
    }
    const candidates = [key, key.replace(TRAILING_GPU_WORDS, "")].filter((candidate) => candidate !== "");
    for (const candidate of candidates) {
        const hit = byKey.get(candidate);
        if (hit == null) continue;
        if (hit.kind === "class") return classTarget(file, hit.entry, memoryGiB, text);
        if (memoryGiB != null && !hit.device.memoryGiB.value.some((size) => sameSize(size, memoryGiB)))
            return undefined;
        return deviceTarget(hit.device, memoryGiB == null ? null : memoryGiB, text);
    }
    return undefined;
}

/** Like findHardware, but a miss is the user's to fix: the sentence says why and what exists. */
export function requireHardware(file: HardwareFile, text: string): HardwareTarget {
    const target = findHardware(file, text);
    if (target != null && target.members.length > 0) return target;
    const memoryMatch = text.match(MEMORY_PHRASE);
    if (memoryMatch != null) {
        const withoutMemory = findHardware(file, text.replace(memoryMatch[0], " "));
        if (withoutMemory != null) {
            const sizes = [...new Set(withoutMemory.members.flatMap((member) => member.memoryGiB))].sort(
                (a, b) => a - b
            );
            throw new UserError(
                `No ${withoutMemory.name} profile has ${memoryMatch[1]} GB of memory; hardware.yaml lists ${sizes.map(formatGiB).join(", ")} GB.`
            );
        }
    }
    const key = lookupKey(text);
    const close = [...indexOf(file).byKey.entries()]
        .filter(([candidate]) => key.length >= 2 && (candidate.includes(key) || key.includes(candidate)))
        .map(([, hit]) => (hit.kind === "device" ? hit.device.id : hit.entry.id));
    const hint =
        close.length > 0
            ? ` Did you mean ${[...new Set(close)]
                  .slice(0, 5)
                  .map((id) => `"${id}"`)
                  .join(", ")}?`
            : " Run `llmproof estimate --list-hardware` to list the profiles.";
    throw new UserError(`No hardware profile is called "${text}".${hint}`);
}

export interface HardwareMention {
    target: HardwareTarget;
    text: string;
    start: number;
    end: number;
}

/**
 * Every device or class named in free text ("45 tokens per second on a gaming GPU"), longest
 * first where mentions overlap, in reading order. For the claims engine.
 */
export function findHardwareInText(file: HardwareFile, text: string): HardwareMention[] {
    const candidates: HardwareMention[] = [];
    const {any, each} = mentionPatternsOf(file);
    // Most sentences name no hardware: one scan for any name settles them.
    if (!any.test(text)) return [];
    for (const regex of each) {
        for (const match of text.matchAll(regex)) {
            const target = findHardware(file, match[0]);
            if (target != null && target.members.length > 0)
                candidates.push({target, text: match[0], start: match.index, end: match.index + match[0].length});
        }
    }
    candidates.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
    const chosen: HardwareMention[] = [];
    for (const candidate of candidates)
        if (chosen.every((taken) => candidate.end <= taken.start || candidate.start >= taken.end))
            chosen.push(candidate);
    return chosen.sort((a, b) => a.start - b.start);
}

const mentionPatterns = new WeakMap<HardwareFile, {any: RegExp; each: RegExp[]}>();

/**
 * One pattern per device, class and alias name (a memory size before or after it allowed), compiled
 * once per file, and one that finds whether any name is there at all (each match of a full pattern
 * holds a match of it).
 */
function mentionPatternsOf(file: HardwareFile): {any: RegExp; each: RegExp[]} {
    const cached = mentionPatterns.get(file);
    if (cached) return cached;
    const names = [
        ...file.devices.flatMap((device) => [device.name, ...device.aliases]),
        ...file.classes.flatMap((entry) => [entry.name, ...entry.aliases])
    ].map(namePattern);
    const memory = String.raw`(?:\d+(?:\.\d+)?\s*-?\s*(?:GB|GiB)\s+)?`;
    const memoryAfter = String.raw`(?:\s+(?:with\s+)?\d+(?:\.\d+)?\s*-?\s*(?:GB|GiB))?`;
    const card = String.raw`\d+(?:\.\d+)?\s*-?\s*(?:GB|GiB)\s+(?:GPU|graphics card|video card|card)s?`;
    const bounded = (pattern: string, flags: string) =>
        new RegExp(`(?<![\\p{L}\\p{Nd}])${pattern}(?![\\p{L}\\p{Nd}])`, flags);
    const compiled = {
        any: bounded(`(?:${[...names, card].join("|")})`, "iu"),
        each: [...names.map((name) => `${memory}${name}${memoryAfter}`), card].map((pattern) => bounded(pattern, "giu"))
    };
    mentionPatterns.set(file, compiled);
    return compiled;
}

function namePattern(name: string): string {
    const words = name.normalize("NFKC").match(/[\p{L}\p{Nd}]+|\+/gu) ?? [];
    return words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(String.raw`[\s\-_.]*`);
}

// ---------------------------------------------------------------------------------------------
// Figures the estimator uses
// ---------------------------------------------------------------------------------------------

export function bandwidthBytesPerSecond(device: HardwareDevice): number {
    return device.bandwidthGBps.value * 1e9;
}

export interface PeakCompute {
    /** Operations (FLOP or int8 ops) per second. */
    opsPerSecond: number;
    /** Which published figure: "fp16Tflops", "int8Tops" or "fp32Tflops". */
    figure: keyof Omit<ComputeFigure, "source">;
    value: number;
    source: string;
}

/**
 * The highest published dense compute figure of a device: the upper bound of what any kernel can
 * do (quantized matrix products run on int8 units where they exist, F16 ones on FP16 units).
 */
export function peakCompute(device: HardwareDevice): PeakCompute | null {
    const compute = device.compute;
    if (compute == null) return null;
    const figures: PeakCompute[] = [];
    if (compute.int8Tops != null)
        figures.push({
            opsPerSecond: compute.int8Tops * 1e12,
            figure: "int8Tops",
            value: compute.int8Tops,
            source: compute.source
        });
    if (compute.fp16Tflops != null)
        figures.push({
            opsPerSecond: compute.fp16Tflops * 1e12,
            figure: "fp16Tflops",
            value: compute.fp16Tflops,
            source: compute.source
        });
    if (compute.fp32Tflops != null)
        figures.push({
            opsPerSecond: compute.fp32Tflops * 1e12,
            figure: "fp32Tflops",
            value: compute.fp32Tflops,
            source: compute.source
        });
    return figures.sort((a, b) => b.opsPerSecond - a.opsPerSecond)[0] ?? null;
}

/** Bytes of a memory size in GiB. */
export function gibToBytes(gib: number): number {
    return gib * GiB;
}

/** The share of memory a model may use on this kind of device (the rest: OS, display, other apps). */
export function usableFraction(file: HardwareFile, kind: DeviceKind): {value: number; source: string} {
    return file.assumptions.usableMemoryFraction[kind];
}

/** Every device, for listings. */
export function listDevices(file: HardwareFile): readonly HardwareDevice[] {
    return file.devices;
}
