import {spawn} from "node:child_process";
import {appendFileSync} from "node:fs";
import {projectRoot} from "../helpers/cli.js";

/**
 * The fuzz suite's one oracle: run the built CLI as a hostile user would and classify how it ended.
 * A case passes only when the outcome is `clean`: the expected exit code, the error as one
 * `llmproof: ...` sentence on stderr, no stack trace, no raw dump, no `[node-llama-cpp]` log
 * line, no signal, within its time bound, and (where the case says so) no partial or foreign file
 * under a final name.
 */

/**
 * How much to run (FUZZ_LEVEL): "quick" (the default, inside `npm test`: a sample of every class,
 * under a minute), "full" (`npm run fuzz -- --full`: every case of every generator) and "long"
 * (`--long`: full, plus a truncation at every field boundary, bench and quality on every malformed
 * file, a 20 MB issue and 50k-deep YAML).
 */
export const LEVEL = (["quick", "full", "long"] as const).find((level) => level === process.env.FUZZ_LEVEL) ?? "quick";
export const LONG = LEVEL === "long";
export const FULL = LEVEL !== "quick";

/** The cases of a level: all of them from "full" on, else those whose name matches `quick`. */
export function forLevel<T extends {name: string}>(cases: readonly T[], quick: RegExp): T[] {
    return FULL ? [...cases] : cases.filter((fuzzCase) => quick.test(fuzzCase.name));
}

export type OutcomeKind =
    | "clean"
    | "stack"
    | "unclean"
    | "hang"
    | "signal"
    | "wrong-success"
    | "wrong-exit"
    | "corrupt";

export interface FuzzCase {
    /** The class of input (gguf, yaml, cli, http, text, durability). */
    cls: string;
    name: string;
    args: string[];
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** "error": a non-zero exit with one sentence; "ok": exit 0; "either": exit 0, or a clean error. */
    expect: "error" | "ok" | "either";
    /** A specific non-zero exit code, when the case knows it. */
    exitCode?: number;
    /** Kill the command (whole process group) after this long and call it a hang. */
    timeoutMs?: number;
    /** After the run: a description of a partial or foreign file under a final name, or null. */
    checkFiles?: () => string | null | Promise<string | null>;
    /**
     * Send this signal after `afterMs` (durability cases); with `when`, at the first check (every 50 ms
     * from then on) where it returns true, so that a kill lands mid-run however loaded the machine is.
     */
    signal?: {name: NodeJS.Signals; afterMs: number; when?: () => boolean};
}

export interface CaseOutcome {
    kind: OutcomeKind;
    detail: string;
    code: number | null;
    signal: NodeJS.Signals | null;
    ms: number;
    stdout: string;
    stderr: string;
}

const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$/m;

export async function runCase(fuzzCase: FuzzCase): Promise<CaseOutcome> {
    const timeoutMs = fuzzCase.timeoutMs ?? 20_000;
    const started = performance.now();
    const result = await new Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
        stdout: string;
        stderr: string;
        timedOut: boolean;
    }>((resolve, reject) => {
        const child = spawn(process.execPath, [`${projectRoot}/bin/llmproof.js`, ...fuzzCase.args], {
            cwd: fuzzCase.cwd ?? projectRoot,
            env: {...process.env, LLMPROOF_DEBUG: "", ...fuzzCase.env},
            detached: true,
            stdio: ["ignore", "pipe", "pipe"]
        });
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        child.stdout.on("data", (chunk: Buffer) => {
            if (stdout.length < 1_000_000) stdout += chunk.toString();
        });
        child.stderr.on("data", (chunk: Buffer) => {
            if (stderr.length < 1_000_000) stderr += chunk.toString();
        });
        const killGroup = (signal: NodeJS.Signals) => {
            try {
                process.kill(-child.pid!, signal);
            } catch {
                // already gone
            }
        };
        const timer = setTimeout(() => {
            timedOut = true;
            killGroup("SIGKILL");
        }, timeoutMs);
        let signalTimer: NodeJS.Timeout | undefined;
        const sendSignal = () => {
            const {name, when} = fuzzCase.signal!;
            if (when == null || when()) child.kill(name);
            else signalTimer = setTimeout(sendSignal, 50);
        };
        if (fuzzCase.signal != null) signalTimer = setTimeout(sendSignal, fuzzCase.signal.afterMs);
        child.on("error", reject);
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            clearTimeout(signalTimer);
            // Children of the command (measuring workers) must not outlive it.
            killGroup("SIGKILL");
            resolve({code, signal, stdout, stderr, timedOut});
        });
    });
    const ms = performance.now() - started;
    const outcome = await classify(fuzzCase, result, ms);
    if (process.env.FUZZ_SUMMARY)
        appendFileSync(
            process.env.FUZZ_SUMMARY,
            `${JSON.stringify({cls: fuzzCase.cls, name: fuzzCase.name, kind: outcome.kind, ms: Math.round(ms), detail: outcome.detail.slice(0, 300)})}\n`
        );
    return outcome;
}

async function classify(
    fuzzCase: FuzzCase,
    result: {code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; timedOut: boolean},
    ms: number
): Promise<CaseOutcome> {
    const base = {code: result.code, signal: result.signal, ms, stdout: result.stdout, stderr: result.stderr};
    const sentSignal = fuzzCase.signal?.name;
    const lastLines = result.stderr.trim().split("\n").slice(-3).join(" | ").slice(0, 400);
    if (result.timedOut)
        return {...base, kind: "hang", detail: `still running after ${fuzzCase.timeoutMs ?? 20_000} ms: ${lastLines}`};
    if (result.signal != null && result.signal !== sentSignal)
        return {...base, kind: "signal", detail: `died from ${result.signal}: ${lastLines}`};
    if (result.signal != null && sentSignal != null && sentSignal !== "SIGKILL")
        return {...base, kind: "signal", detail: `did not handle ${sentSignal}: it died from it`};
    if (STACK_LINE.test(result.stderr)) return {...base, kind: "stack", detail: lastLines};
    const fileProblem = fuzzCase.checkFiles == null ? null : await fuzzCase.checkFiles();
    if (fileProblem != null) return {...base, kind: "corrupt", detail: fileProblem};
    if (sentSignal === "SIGKILL") return {...base, kind: "clean", detail: "killed as planned"};
    const failed = result.code !== 0;
    if (!failed && fuzzCase.expect === "error")
        return {...base, kind: "wrong-success", detail: `exit 0 (stdout ${result.stdout.slice(0, 200)})`};
    if (failed && fuzzCase.expect === "ok")
        return {...base, kind: "wrong-exit", detail: `exit ${result.code}: ${lastLines}`};
    if (failed) {
        if (fuzzCase.exitCode != null && result.code !== fuzzCase.exitCode)
            return {
                ...base,
                kind: "wrong-exit",
                detail: `exit ${result.code}, expected ${fuzzCase.exitCode}: ${lastLines}`
            };
        const problem = uncleanError(result.stderr);
        if (problem != null) return {...base, kind: "unclean", detail: `${problem}: ${lastLines}`};
    } else if (/\[node-llama-cpp\]/.test(result.stderr)) {
        return {...base, kind: "unclean", detail: `log lines leaked: ${lastLines}`};
    }
    return {...base, kind: "clean", detail: failed ? lastLines : "exit 0"};
}

/** Why an error's stderr is not one clean sentence, or null. */
export function uncleanError(stderr: string): string | null {
    const lines = stderr.split("\n").filter((line) => line.trim() !== "");
    const errors = lines.filter((line) => line.startsWith("llmproof: "));
    if (errors.length === 0) return "no llmproof: sentence";
    if (errors.length > 1) return "more than one error sentence";
    const error = errors[0]!;
    if (/unexpected error/i.test(error)) return "unexpected error";
    if (/"code":|"path":\s*\[|ZodError|\[\s*\{/.test(error)) return "raw dump";
    if (error.length > 600) return "error sentence over 600 characters";
    if (lines.some((line) => line.includes("[node-llama-cpp]"))) return "[node-llama-cpp] log lines";
    if (/LLMPROOF_DEBUG/.test(stderr)) return "debug hint";
    return null;
}
