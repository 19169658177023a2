/**
 * A native child (compiled to dist/system/native-worker.js, started by native-child.ts): it receives
 * one job, runs it, answers once and exits. llama.cpp may abort on a file it cannot read; then only
 * this process dies, and the parent turns the signal into one sentence.
 */
import {realpathSync} from "node:fs";
import {pathToFileURL} from "node:url";
import {errorMessage, isUserError} from "../util/errors.js";
import {
    NativeParentMessageSchema,
    type NativeAnswer,
    type NativeJob,
    type NativeWorkerMessage
} from "./native-protocol.js";

async function runJob(job: NativeJob, onProgress: (message: string) => void): Promise<unknown> {
    switch (job.kind) {
        case "estimate": {
            const {readGgufFileInfo} = await import("node-llama-cpp");
            const {estimateMemory} = await import("../gguf/inspect.js");
            const fileInfo = await readGgufFileInfo(job.path, {
                readTensorInfo: true,
                spliceSplitFiles: true,
                logWarnings: false
            });
            return await estimateMemory(fileInfo, job.contextSize);
        }
        case "quality": {
            const {runQualityJob} = await import("../quality/jobs.js");
            return await runQualityJob(job.role, job.request, onProgress);
        }
    }
}

function send(message: NativeWorkerMessage): Promise<void> {
    return new Promise((resolve) => {
        if (!process.send || !process.connected) return resolve();
        process.send(message, undefined, {}, () => resolve());
    });
}

async function main(): Promise<void> {
    const raw = await new Promise<unknown>((resolve) => process.once("message", resolve));
    const parsed = NativeParentMessageSchema.safeParse(raw);
    let answer: NativeAnswer;
    if (!parsed.success) answer = {ok: false, reason: "the native child got an invalid job", userError: false};
    else
        try {
            const result = await runJob(parsed.data.job, (message) => void send({type: "progress", message}));
            answer = {ok: true, result};
        } catch (error) {
            answer = {ok: false, reason: errorMessage(error), userError: isUserError(error)};
        }
    await send({type: "answer", answer});
    process.disconnect();
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

if (isEntryScript() && process.send) await main();
