/**
 * An error the user can cause and fix (bad path, bad GGUF, no network, model too big).
 * The CLI prints its message as one sentence on stderr and exits non-zero, with no stack trace.
 */
export class UserError extends Error {
    readonly exitCode: number;

    constructor(message: string, options: {exitCode?: number; cause?: unknown} = {}) {
        super(message, {cause: options.cause});
        this.name = "UserError";
        this.exitCode = options.exitCode ?? 1;
    }
}

export function isUserError(error: unknown): error is UserError {
    return error instanceof UserError;
}

/** The message of any thrown value, on one line. */
export function errorMessage(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return text.replace(/\s*\n\s*/g, " ").trim();
}
