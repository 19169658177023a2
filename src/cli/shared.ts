import {InvalidArgumentError} from "commander";
import type {z} from "zod";
import {UserError} from "../util/errors.js";
import {ExitCode} from "../util/exit-codes.js";

/** Parse a positive integer option value for commander. */
export function parsePositiveInt(value: string): number {
    const number = Number(value);
    if (!Number.isInteger(number) || number <= 0)
        throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
    return number;
}

/** Parse a comma list of non-negative integers ("1,2,4"), as llama-bench's sweep options do. */
export function parseIntList(value: string): number[] {
    const items = value
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
    const numbers = items.map(Number);
    if (numbers.length === 0 || numbers.some((number) => !Number.isInteger(number) || number < 0))
        throw new InvalidArgumentError(`expected a comma list of integers, got "${value}"`);
    return numbers;
}

/** Validate already-parsed CLI options with a zod schema; a failure is the user's to fix. */
export function validateOptions<T extends z.ZodTypeAny>(schema: T, options: unknown): z.infer<T> {
    const result = schema.safeParse(options);
    if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue && issue.path.length > 0 ? `--${issue.path.join(".")}: ` : "";
        throw new UserError(`Invalid option ${where}${issue?.message ?? "invalid value"}.`, {exitCode: ExitCode.usage});
    }
    return result.data;
}

/** Write data (tables, JSON, CSV) to stdout. */
export function printData(text: string): void {
    process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
