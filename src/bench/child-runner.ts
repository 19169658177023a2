import {fork} from "node:child_process";
import {resolve as resolvePath} from "node:path";
import {fileURLToPath} from "node:url";
import {errorMessage} from "../util/errors.js";
import {
    WorkerToParentMessageSchema,
    type MeasurementFailure,
    type MeasurementOutcome,
    type MeasurementRequest,
    type ParentToWorkerMessage,
    type ProgressStep
} from "./protocol.js";

/**
 * libuv threadpool size for the measuring child. node-llama-cpp runs each llama_decode on a libuv
 * worker, and (no ggml threadpool being attached) llama.cpp starts fresh helper threads for every
 * graph, which spin-wait on the decoding worker at every barrier. With libuv's default 4 workers the
 * decodes rotate over all of them; each arrives with little recent CPU history, and Linux then often
 * starts the new helper on the worker's own core (measured with `perf sched`: half of the helpers at
 * 2 threads, against none with 1 worker), so two spinning threads share one core: ~35-40 instead of
 * ~55 tok/s tg on a Qwen2.5-0.5B-shaped Q4_0 twin, ~140% instead of ~197% CPU. One libuv worker
 * keeps the same busy thread decoding, and the helpers land on the free core as in llama-bench.
 */
export const WORKER_UV_THREADPOOL_SIZE = "1";

export interface ChildRunOptions {
    /** Kill the child and report a timeout after this long. */
    timeoutMs: number;
    /** Extra environment for the child (on top of this process's); UV_THREADPOOL_SIZE here overrides the fix. */
    env?: NodeJS.ProcessEnv;
    /** Progress lines from the child; `step` marks the start of a counted repetition. */
    onProgress?: (message: string, step?: ProgressStep) => void;
    /** Aborting kills the child at once (an interrupt); the outcome is then a failure the caller discards. */
    signal?: AbortSignal;
    /** Path of the compiled worker; defaults to the worker.js next to this file. */
    workerPath?: string;
}

/** The child's environment: this process's, the caller's additions, and the libuv threadpool fix. */
export function workerEnvironment(base: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
        ...base,
        UV_THREADPOOL_SIZE: WORKER_UV_THREADPOOL_SIZE,
        ...extra
    };
}

/** The compiled worker next to this module; from the TypeScript source (tests), the one in dist/. */
export function defaultWorkerPath(): string {
    const here = import.meta.url;
    return fileURLToPath(
        here.endsWith(".ts") ? new URL("../../dist/bench/worker.js", here) : new URL("./worker.js", here)
    );
}

/** How much of the child's stderr to keep for a failure reason. */
const STDERR_TAIL_CHARS = 4000;
/** After the answer, how long the child may take to exit before it is killed (the answer is kept). */
const EXIT_GRACE_MS = 15_000;

/**
 * Run one measurement in a fresh child process. Never throws for what a child can do wrong: a
 * crash, a non-zero exit, a signal (SIGKILL is most often the out-of-memory killer), a timeout or
 * an invalid answer all come back as a MeasurementFailure with a reason.
 */
export function runMeasurementInChild(
    request: MeasurementRequest,
    options: ChildRunOptions
): Promise<MeasurementOutcome> {
    return new Promise((resolve) => {
        let outcome: MeasurementOutcome | null = null;
        let invalidMessage: string | null = null;
        let timedOut = false;
        let settled = false;
        let stderrTail = "";
        let graceTimer: NodeJS.Timeout | undefined;

        const child = fork(options.workerPath ?? defaultWorkerPath(), [], {
            env: workerEnvironment(process.env, options.env),
            // stdout is not ours to print (llmproof's stdout carries data only); stderr is kept for failure reasons.
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            serialization: "json"
        });

        const keepStderr = (chunk: Buffer) => {
            stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARS);
        };
        child.stderr?.on("data", keepStderr);
        child.stdout?.on("data", keepStderr);

        const timeoutTimer = setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
        }, options.timeoutMs);
        const onAbort = () => child.kill("SIGKILL");
        if (options.signal?.aborted) onAbort();
        else options.signal?.addEventListener("abort", onAbort, {once: true});

        const finish = (result: MeasurementOutcome) => {
            if (settled) return;
            settled = true;
            clearTimeout(timeoutTimer);
            options.signal?.removeEventListener("abort", onAbort);
            clearTimeout(graceTimer);
            resolve(result);
        };

        child.on("message", (raw) => {
            const parsed = WorkerToParentMessageSchema.safeParse(raw);
            if (!parsed.success) {
                invalidMessage ??= parsed.error.issues
                    .map((issue) => `${issue.path.join(".") || "message"}: ${issue.message}`)
                    .slice(0, 3)
                    .join("; ");
                child.kill("SIGKILL");
                return;
            }
            if (parsed.data.type === "progress") {
                options.onProgress?.(parsed.data.message, parsed.data.step);
                return;
            }
            outcome = parsed.data.outcome;
            // The answer is in; a child that then hangs on native teardown is killed without losing it.
            graceTimer = setTimeout(() => child.kill("SIGKILL"), EXIT_GRACE_MS);
        });

        child.on("error", (error) => {
            // Spawning failed (or a kill failed); "exit" may never come.
            finish(failureOf("error", `could not run the measuring child: ${errorMessage(error)}`, null, null));
        });

        // "close" comes after the exit and after stdio and the IPC channel are drained, so the answer
        // and the last stderr lines are in by then.
        child.on("close", (code, signal) => {
            finish(
                classifyExit({
                    outcome,
                    invalidMessage,
                    timedOut,
                    timeoutMs: options.timeoutMs,
                    code,
                    signal,
                    stderrTail
                })
            );
        });

        // The child shares this working directory, but an absolute path keeps the request self-contained.
        const message: ParentToWorkerMessage = {
            type: "measure",
            request: {...request, modelPath: resolvePath(request.modelPath)}
        };
        child.send(message, (error) => {
            if (error) keepStderr(Buffer.from(`\n(could not send the request: ${errorMessage(error)})`));
        });
    });
}

interface ExitFacts {
    outcome: MeasurementOutcome | null;
    invalidMessage: string | null;
    timedOut: boolean;
    timeoutMs: number;
    code: number | null;
    signal: NodeJS.Signals | null;
    stderrTail: string;
}

/** Turn how the child ended into an outcome (exported for tests). */
export function classifyExit(facts: ExitFacts): MeasurementOutcome {
    const {outcome, code, signal} = facts;
    if (outcome !== null) return outcome;
    const detail = lastLines(facts.stderrTail);
    const withDetail = (reason: string) => (detail ? `${reason}: ${detail}` : reason);
    if (facts.invalidMessage !== null)
        return failureOf(
            "error",
            `the measuring child sent an invalid message (${facts.invalidMessage})`,
            code,
            signal
        );
    if (facts.timedOut)
        return failureOf(
            "timeout",
            `the measuring child ran longer than ${formatSeconds(facts.timeoutMs)} and was killed`,
            code,
            signal
        );
    if (signal === "SIGKILL")
        return failureOf(
            "oom",
            withDetail("the measuring child was killed with SIGKILL, most likely by the out-of-memory killer"),
            code,
            signal
        );
    if (signal !== null) return failureOf("crash", withDetail(`the measuring child died from ${signal}`), code, signal);
    if (code !== 0)
        return failureOf(
            "crash",
            withDetail(`the measuring child exited with code ${code} without a result`),
            code,
            signal
        );
    return failureOf("crash", withDetail("the measuring child exited without a result"), code, signal);
}

function failureOf(
    kind: MeasurementFailure["kind"],
    reason: string,
    exitCode: number | null,
    signal: string | null
): MeasurementFailure {
    return {ok: false, kind, reason, exitCode, signal};
}

/** The last few non-empty stderr lines, on one line, for a failure reason. */
function lastLines(text: string, count = 3): string {
    return text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.length > 0)
        .slice(-count)
        .join(" | ")
        .slice(-600);
}

function formatSeconds(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
