import {fork} from "node:child_process";
import {fileURLToPath} from "node:url";
import {UserError, errorMessage} from "../util/errors.js";
import {NativeWorkerMessageSchema, type NativeJob} from "./native-protocol.js";

/**
 * Run one native job (native-protocol.ts) in a fresh child process and return its result. Whatever
 * the child does wrong (an abort in llama.cpp, an out-of-memory kill, a hang, an invalid answer)
 * becomes one UserError sentence naming `label`; the child's own log lines never reach the
 * terminal (set LLMPROOF_DEBUG to see them).
 */

export interface NativeChildOptions {
    /** What the job reads, for messages ("the model x.gguf"). */
    label: string;
    /** Kill the child after this long (ms); at most Node's timer limit. */
    timeoutMs: number;
    onProgress?: (message: string) => void;
    /** Path of the compiled worker (tests). */
    workerPath?: string;
}

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); longer values fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function nativeWorkerPath(): string {
    const here = import.meta.url;
    return fileURLToPath(
        here.endsWith(".ts") ? new URL("../../dist/system/native-worker.js", here) : new URL("./native-worker.js", here)
    );
}

const STDERR_TAIL_CHARS = 4000;

export function runNativeJob(job: NativeJob, options: NativeChildOptions): Promise<unknown> {
    return new Promise((resolve, reject) => {
        let settled = false;
        let answered = false;
        let timedOut = false;
        let stderrTail = "";
        const child = fork(options.workerPath ?? nativeWorkerPath(), [], {
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            serialization: "advanced"
        });
        const keep = (chunk: Buffer) => {
            const text = chunk.toString("utf8");
            if (process.env.LLMPROOF_DEBUG) process.stderr.write(text);
            stderrTail = (stderrTail + text).slice(-STDERR_TAIL_CHARS);
        };
        child.stdout?.on("data", keep);
        child.stderr?.on("data", keep);
        const timer = setTimeout(
            () => {
                timedOut = true;
                child.kill("SIGKILL");
            },
            Math.min(options.timeoutMs, MAX_TIMER_MS)
        );
        const finish = (error: Error | null, result?: unknown) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            if (error) reject(error);
            else resolve(result);
        };
        // Ctrl-C or kill of llmproof ends the child too.
        const forward = () => child.kill("SIGKILL");
        process.once("exit", forward);
        child.on("message", (raw) => {
            const parsed = NativeWorkerMessageSchema.safeParse(raw);
            if (!parsed.success) {
                child.kill("SIGKILL");
                finish(new UserError(`The native child working on ${options.label} sent an invalid message.`));
                return;
            }
            if (parsed.data.type === "progress") {
                options.onProgress?.(parsed.data.message);
                return;
            }
            answered = true;
            const answer = parsed.data.answer;
            if (answer.ok) finish(null, answer.result);
            else
                finish(
                    new UserError(
                        answer.userError
                            ? answer.reason
                            : `llama.cpp could not process ${options.label}: ${answer.reason}`
                    )
                );
        });
        child.on("error", (error) =>
            finish(new UserError(`Could not start a native child for ${options.label} (${errorMessage(error)}).`))
        );
        child.on("close", (code, signal) => {
            process.off("exit", forward);
            if (answered) return finish(null, undefined);
            const detail = nativeDetail(stderrTail);
            if (timedOut)
                return finish(
                    new UserError(
                        `Working on ${options.label} took longer than ${Math.round(options.timeoutMs / 1000)} s, so it was stopped.`
                    )
                );
            if (signal === "SIGKILL")
                return finish(
                    new UserError(`Working on ${options.label} was killed (SIGKILL), most likely for lack of memory.`)
                );
            if (signal != null)
                return finish(
                    new UserError(
                        `llama.cpp aborted on ${options.label} (${signal}${detail ? `: ${detail}` : ""}); the file is probably corrupt.`
                    )
                );
            finish(
                new UserError(
                    `The native child working on ${options.label} exited with code ${code}${detail ? ` (${detail})` : ""}.`
                )
            );
        });
        child.send({type: "job", job}, (error) => {
            if (error)
                finish(
                    new UserError(
                        `Could not send a job to the native child for ${options.label} (${errorMessage(error)}).`
                    )
                );
        });
    });
}

/** The most telling line of a native child's stderr (an assertion, an error), shortened, on one line. */
export function nativeDetail(stderr: string): string {
    const lines = stderr
        .split(/\r?\n/)
        .map((line) => line.replace(/^\[node-llama-cpp\]\s*/, "").trim())
        .filter((line) => line !== "");
    const telling =
        lines.filter((line) => /assert|error|failed|abort|exception|what\(\)/i.test(line)).pop() ?? lines.pop() ?? "";
    const cleaned = telling.replace(/^.*?(GGML_ASSERT|error:|what\(\):)/i, "$1").replace(/\s+/g, " ");
    return cleaned.length > 200 ? `${cleaned.slice(0, 197)}...` : cleaned;
}
