/**
 * The measuring child process (compiled to dist/bench/worker.js, started by child-runner.ts).
 * It receives one MeasurementRequest, loads the model, measures, answers with one
 * MeasurementOutcome and exits, so a crash or an out-of-memory kill takes down only this process.
 *
 * - Over IPC (child_process.fork): the parent sends {type: "measure", request}; the worker sends
 *   {type: "progress"} lines and one {type: "outcome"}.
 * - By hand: `node dist/bench/worker.js '<request JSON>'` prints the outcome JSON on stdout.
 */
import {realpathSync} from "node:fs";
import {pathToFileURL} from "node:url";
import {errorMessage} from "../util/errors.js";
import {
    WORKER_TEST_FAULT_ENV,
    MeasurementRequestSchema,
    ParentToWorkerMessageSchema,
    type MeasurementOutcome,
    type ProgressStep,
    type WorkerToParentMessage
} from "./protocol.js";

async function measure(
    rawRequest: unknown,
    onProgress: (message: string, step?: ProgressStep) => void
): Promise<MeasurementOutcome> {
    const parsed = MeasurementRequestSchema.safeParse(rawRequest);
    if (!parsed.success)
        return failure(
            `invalid measurement request: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "request"}: ${issue.message}`).join("; ")}`
        );
    try {
        // Imported here so that a broken native binding becomes a failure outcome, not a crash on import.
        const {measureInProcess} = await import("./engine.js");
        return await measureInProcess(parsed.data, {onProgress});
    } catch (error) {
        return failure(errorMessage(error));
    }
}

function failure(reason: string): MeasurementOutcome {
    return {ok: false, kind: "error", reason, exitCode: null, signal: null};
}

async function injectFault(fault: string, send: (message: unknown) => void): Promise<void> {
    switch (fault) {
        case "signal":
            // SIGTERM rather than abort(): dies from a signal like a native crash, without leaving a core file.
            process.kill(process.pid, "SIGTERM");
            await new Promise(() => setInterval(() => {}, 60_000));
            break;
        case "kill":
            process.kill(process.pid, "SIGKILL");
            break;
        case "exit":
            process.exit(3);
            break;
        case "hang":
            await new Promise(() => setInterval(() => {}, 60_000));
            break;
        case "garbage":
            send({type: "outcome", outcome: {ok: "maybe", tokensPerSecond: "fast"}});
            break;
    }
}

function sendToParent(message: unknown): Promise<void> {
    return new Promise((resolve) => {
        if (!process.send || !process.connected) return resolve();
        process.send(message, undefined, {}, () => resolve());
    });
}

async function runOverIpc(): Promise<void> {
    const raw = await new Promise<unknown>((resolve) => process.once("message", resolve));
    const message = ParentToWorkerMessageSchema.safeParse(raw);
    const fault = process.env[WORKER_TEST_FAULT_ENV];
    if (fault) await injectFault(fault, (value) => void sendToParent(value));

    const outcome = message.success
        ? await measure(
              message.data.request,
              (line, step) => void sendToParent({type: "progress", message: line, step} satisfies WorkerToParentMessage)
          )
        : failure(
              `invalid message from the parent: ${message.error.issues
                  .slice(0, 3)
                  .map((issue) => `${issue.path.join(".") || "message"}: ${issue.message}`)
                  .join("; ")}`
          );
    await sendToParent({type: "outcome", outcome} satisfies WorkerToParentMessage);
    process.disconnect();
}

async function runFromArgv(): Promise<void> {
    const argument = process.argv[2];
    if (!argument) {
        process.stderr.write(
            "usage: node dist/bench/worker.js '<MeasurementRequest JSON>' (normally started by llmproof bench)\n"
        );
        process.exitCode = 2;
        return;
    }
    let request: unknown;
    try {
        request = JSON.parse(argument);
    } catch (error) {
        request = {invalidJson: errorMessage(error)};
    }
    const outcome = await measure(request, (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
    if (!outcome.ok) process.exitCode = 1;
}

function isEntryScript(): boolean {
    const script = process.argv[1];
    if (script === undefined) return false;
    try {
        return import.meta.url === pathToFileURL(realpathSync(script)).href;
    } catch {
        return false;
    }
}

// Only as the entry script: importing this module (tests, tools) must not start a measurement.
if (isEntryScript()) await (process.send ? runOverIpc() : runFromArgv());
