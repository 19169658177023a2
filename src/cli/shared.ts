import {InvalidArgumentError} from "commander";
import type {z} from "zod";
import {UserError} from "../util/errors.js";
import {ExitCode} from "../util/exit-codes.js";

/**
 * Bounds that keep option values physically plausible: a figure outside them is a typo (or an
 * attack) and would only produce an absurd result or exhaust memory.
 */
export const OPTION_BOUNDS = {
    /** Token counts: contexts, prompts, generations, depths, batches (4 Mi tokens). */
    tokens: 4 * 1024 * 1024,
    threads: 1024,
    repetitions: 100_000,
    chunks: 1_000_000,
    /** Node's timers hold at most 2^31-1 ms (about 24.8 days). */
    timeoutSeconds: Math.floor((2 ** 31 - 1) / 1000),
    /** bench's child timeout is 3 × --max-time plus a margin, which must stay under Node's timer limit. */
    maxTimeSeconds: 600_000
} as const;

function decimalInteger(value: string): number | null {
    const text = value.trim();
    if (!/^-?\d+$/.test(text)) return null;
    const number = Number(text);
    return Number.isSafeInteger(number) ? number : null;
}

/** A commander parser for an integer from `min` to `max` (decimal digits only: no 1e3, 0x10, 1.5). */
export function intInRange(min: number, max: number, expected?: string): (value: string) => number {
    return (value: string) => {
        const number = decimalInteger(value);
        if (number == null || number < min || number > max)
            throw new InvalidArgumentError(
                `expected ${expected ?? `a whole number from ${min} to ${max}`}, got "${value}"`
            );
        return number;
    };
}

/** Parse a positive integer option value for commander (at most 2^31 - 1). */
export const parsePositiveInt = intInRange(1, 2 ** 31 - 1, "a positive integer");

/** A commander parser for a comma list of integers from `min` to `max` ("1,2,4"); empty items ("1,,2") are refused. */
export function intListInRange(min: number, max: number): (value: string) => number[] {
    return (value: string) => {
        const items = value.split(",").map((item) => item.trim());
        const numbers = items.map(decimalInteger);
        if (items.length === 0 || numbers.some((number) => number == null || number < min || number > max))
            throw new InvalidArgumentError(
                `expected a comma list of whole numbers from ${min} to ${max}, got "${value}"`
            );
        return numbers as number[];
    };
}

/** Parse a comma list of non-negative integers ("1,2,4"), as llama-bench's sweep options do. */
export const parseIntList = intListInRange(0, 2 ** 31 - 1);

/** A commander parser for a number of seconds above 0 and at most `max` (decimals allowed). */
export function secondsInRange(max: number): (value: string) => number {
    return (value: string) => {
        const number = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
        if (!Number.isFinite(number) || number <= 0 || number > max)
            throw new InvalidArgumentError(`expected a number of seconds above 0 and at most ${max}, got "${value}"`);
        return number;
    };
}

/** A commander parser for a number from `min` to `max` (decimals allowed). */
export function numberInRange(min: number, max: number): (value: string) => number {
    return (value: string) => {
        const number = /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
        if (!Number.isFinite(number) || number < min || number > max)
            throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${value}"`);
        return number;
    };
}

/** Validate already-parsed CLI options with a zod schema; a failure is the user's to fix. */
export function validateOptions<T extends z.ZodTypeAny>(schema: T, options: unknown): z.infer<T> {
    const result = schema.safeParse(options);
    if (!result.success) {
        const issue = result.error.issues[0];
        // The option's name, without the index of a list item ("--fa", not "--fa.0").
        const path = issue?.path.filter((part) => typeof part === "string") ?? [];
        const where = path.length > 0 ? `--${path.join(".")}: ` : "";
        throw new UserError(`Invalid option ${where}${issue?.message ?? "invalid value"}.`, {exitCode: ExitCode.usage});
    }
    return result.data;
}

/** Write data (tables, JSON, CSV) to stdout. */
export function printData(text: string): void {
    process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
