import {UserError, errorMessage} from "../util/errors.js";

/**
 * Turn a failure to read a GGUF file (node-llama-cpp's `readGgufFileInfo`, `fs`, `fetch`) into one
 * sentence the user can act on. `displayName` is the path or URL as the user gave it.
 */
export function ggufReadError(displayName: string, error: unknown): UserError {
    if (error instanceof UserError) return error;
    const message = errorMessage(error);
    const code = errorCode(error);

    if (code === "ENOENT") return new UserError(`No such file: ${displayName}`, {cause: error});
    if (code === "EISDIR") return new UserError(`${displayName} is a directory, not a GGUF file.`, {cause: error});
    if (code === "EACCES" || code === "EPERM")
        return new UserError(`Cannot read ${displayName}: permission denied.`, {cause: error});
    if (isInvalidMagicError(error))
        return new UserError(`${displayName} is not a GGUF file (it does not start with the "GGUF" magic bytes).`, {
            cause: error
        });
    if (/GGUF version 1\b/i.test(message))
        return new UserError(`${displayName} is a GGUF version 1 file, which llama.cpp no longer reads.`, {
            cause: error
        });

    const httpStatus = message.match(/Failed to fetch byte range: (\d{3})\b(.*)$/);
    if (httpStatus != null) return httpError(displayName, Number(httpStatus[1]), httpStatus[2]?.trim() ?? "", error);
    if (error instanceof TypeError && message === "fetch failed") {
        const cause = (error as {cause?: unknown}).cause;
        const reason = errorCode(cause) ?? (cause == null ? "network error" : errorMessage(cause));
        return new UserError(`Could not reach ${displayName} (${reason}).`, {cause: error});
    }

    // A header cut short or full of garbage shows up as a read past the end or an impossible value.
    return new UserError(`${displayName} is truncated or corrupt (${message}).`, {cause: error});
}

/** An HTTP error status while reading a remote GGUF file, as one sentence. */
export function httpError(displayName: string, status: number, statusText: string, cause?: unknown): UserError {
    const hint =
        status === 401 || status === 403
            ? " (access denied: the file may be gated or private)"
            : status === 404
              ? " (not found)"
              : "";
    const text = statusText === "" ? "" : ` ${statusText}`;
    return new UserError(`Could not read ${displayName}: the server answered HTTP ${status}${text}${hint}.`, {cause});
}

/** A GGUF whose header or tensor data reaches past the end of the file. */
export function truncatedError(displayName: string, detail: string): UserError {
    return new UserError(`${displayName} is truncated or corrupt (${detail}).`);
}

function isInvalidMagicError(error: unknown): boolean {
    return (
        error instanceof Error &&
        (error.constructor.name === "InvalidGgufMagicError" || error.message.startsWith("Invalid GGUF magic"))
    );
}

function errorCode(error: unknown): string | undefined {
    if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string")
        return error.code;
    return undefined;
}
