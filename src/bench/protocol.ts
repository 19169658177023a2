import {z} from "zod";
import {BenchConfigSchema, EngineInfoSchema, RepetitionPolicySchema} from "../results/config.js";

/**
 * The contract between the benchmark orchestrator (parent) and the measuring child process
 * (src/bench/worker.ts). One request = one model × one configuration of the sweep. Messages
 * crossing the process boundary are validated with these schemas on both sides.
 */
export const MeasurementRequestSchema = z.object({
    modelPath: z.string(),
    config: BenchConfigSchema,
    policy: RepetitionPolicySchema,
    measureTtft: z.boolean(),
    measureLoad: z.boolean(),
    gpu: z.enum(["auto", "cpu", "cuda", "vulkan", "metal"])
});
export type MeasurementRequest = z.infer<typeof MeasurementRequestSchema>;

export const MeasurementSuccessSchema = z.object({
    ok: z.literal(true),
    engine: EngineInfoSchema,
    /** Raw samples, tokens/sec, one per counted repetition (warmups excluded). Empty if skipped. */
    ppTokensPerSecond: z.array(z.number()),
    tgTokensPerSecond: z.array(z.number()),
    /** Prompt of nPrompt tokens then the first sampled token, ms, one per repetition. */
    ttftMs: z.array(z.number()),
    /** File to ready context, ms. */
    loadMs: z.number().nullable(),
    peakRssBytes: z.number().nonnegative(),
    vramBytes: z.number().nonnegative(),
    /** node-llama-cpp's pre-load estimate for this configuration. */
    estimate: z.object({ramBytes: z.number(), vramBytes: z.number()}).nullable()
});
export const MeasurementFailureSchema = z.object({
    ok: z.literal(false),
    kind: z.enum(["crash", "oom", "timeout", "error"]),
    reason: z.string(),
    exitCode: z.number().nullable(),
    signal: z.string().nullable()
});
export const MeasurementOutcomeSchema = z.discriminatedUnion("ok", [
    MeasurementSuccessSchema,
    MeasurementFailureSchema
]);
export type MeasurementSuccess = z.infer<typeof MeasurementSuccessSchema>;
export type MeasurementFailure = z.infer<typeof MeasurementFailureSchema>;
export type MeasurementOutcome = z.infer<typeof MeasurementOutcomeSchema>;

/**
 * Messages over the worker's IPC channel. The parent sends one `measure`; the worker answers with
 * any number of `progress` lines and exactly one `outcome`, then exits.
 */
export const ParentToWorkerMessageSchema = z.object({
    type: z.literal("measure"),
    request: MeasurementRequestSchema
});
export type ParentToWorkerMessage = z.infer<typeof ParentToWorkerMessageSchema>;

/** What a progress line marks, for the parent's progress bar and ETA: the start of a counted pp/tg repetition. */
export const ProgressStepSchema = z.enum(["repetition"]);
export type ProgressStep = z.infer<typeof ProgressStepSchema>;

export const WorkerToParentMessageSchema = z.discriminatedUnion("type", [
    z.object({type: z.literal("progress"), message: z.string(), step: ProgressStepSchema.optional()}),
    z.object({type: z.literal("outcome"), outcome: MeasurementOutcomeSchema})
]);
export type WorkerToParentMessage = z.infer<typeof WorkerToParentMessageSchema>;

/**
 * Test-only fault injection in the worker, so tests can prove that the runner survives a dying
 * child without a model that crashes llama.cpp: "signal" (dies from SIGTERM), "kill" (SIGKILL, as the OOM
 * killer does), "exit" (exit code 3 without an answer), "hang" (never answers), "garbage" (an
 * invalid message).
 */
export const WORKER_TEST_FAULT_ENV = "LLMPROOF_TEST_WORKER_FAULT";
