import {z} from "zod";

/**
 * The contract between a parent and a native child (src/system/native-worker.ts): everything
 * native that reads a file a user gave (the memory estimate, model loads, quality scoring) runs in
 * a child, so that a llama.cpp abort ends that child, not llmproof. Validated on both sides.
 */

export const EstimateJobSchema = z.object({
    kind: z.literal("estimate"),
    /** A GGUF file (first part of a split set) whose structure the parent has validated. */
    path: z.string().min(1),
    contextSize: z.number().int().positive()
});

export const QualityJobSchema = z.object({
    kind: z.literal("quality"),
    /** The arguments of measureBaseline / measureCandidate (src/quality/jobs.ts), validated there. */
    role: z.enum(["baseline", "candidate"]),
    request: z.unknown()
});

export const NativeJobSchema = z.discriminatedUnion("kind", [EstimateJobSchema, QualityJobSchema]);
export type NativeJob = z.infer<typeof NativeJobSchema>;

export const NativeAnswerSchema = z.discriminatedUnion("ok", [
    z.object({ok: z.literal(true), result: z.unknown()}),
    /** `userError`: the message is already one sentence for the user (a UserError in the child). */
    z.object({ok: z.literal(false), reason: z.string(), userError: z.boolean()})
]);
export type NativeAnswer = z.infer<typeof NativeAnswerSchema>;

export const NativeWorkerMessageSchema = z.discriminatedUnion("type", [
    z.object({type: z.literal("progress"), message: z.string()}),
    z.object({type: z.literal("answer"), answer: NativeAnswerSchema})
]);
export type NativeWorkerMessage = z.infer<typeof NativeWorkerMessageSchema>;

export const NativeParentMessageSchema = z.object({type: z.literal("job"), job: NativeJobSchema});
export type NativeParentMessage = z.infer<typeof NativeParentMessageSchema>;
