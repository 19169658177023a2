/**
 * Progress and diagnostics go to stderr so that stdout carries only data
 * (`llmproof bench --json > out.json` must always be valid JSON).
 */
let quiet = false;

export function setQuiet(value: boolean): void {
    quiet = value;
}

export function isQuiet(): boolean {
    return quiet;
}

export function logInfo(message: string): void {
    if (!quiet) process.stderr.write(`${message}\n`);
}

export function logWarning(message: string): void {
    process.stderr.write(`warning: ${message}\n`);
}
