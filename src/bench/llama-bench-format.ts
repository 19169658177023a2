import {z} from "zod";
import {errorMessage} from "../util/errors.js";

// llama-bench's JSON output (-o json): an array with one object per test (tools/llama-bench/llama-bench.cpp,
// json_printer). Only the fields llmproof reads are required; the rest pass through.

export const LlamaBenchTestSchema = z.looseObject({
    build_commit: z.string(),
    build_number: z.number(),
    cpu_info: z.string(),
    backends: z.string(),
    model_filename: z.string(),
    model_type: z.string(),
    model_size: z.number(),
    model_n_params: z.number(),
    n_batch: z.number().int(),
    n_ubatch: z.number().int(),
    n_threads: z.number().int(),
    n_gpu_layers: z.number().int(),
    flash_attn: z.union([z.number(), z.boolean(), z.string()]),
    n_prompt: z.number().int(),
    n_gen: z.number().int(),
    n_depth: z.number().int(),
    test_time: z.string(),
    avg_ns: z.number(),
    stddev_ns: z.number(),
    avg_ts: z.number(),
    stddev_ts: z.number(),
    samples_ns: z.array(z.number()),
    samples_ts: z.array(z.number())
});
export type LlamaBenchTest = z.infer<typeof LlamaBenchTestSchema>;
export const LlamaBenchOutputSchema = z.array(LlamaBenchTestSchema);

/** Parse llama-bench's `-o json` output; throws with the first schema problem. */
export function parseLlamaBenchJson(text: string): LlamaBenchTest[] {
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (error) {
        throw new Error(`llama-bench did not print JSON (${errorMessage(error)})`);
    }
    const parsed = LlamaBenchOutputSchema.safeParse(data);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
            `unexpected llama-bench JSON at ${issue?.path.join(".") || "top level"}: ${issue?.message ?? "unknown"}`
        );
    }
    return parsed.data;
}

/** llama-bench's test name: pp512, tg128, pp512+tg128; "@ d<depth>" when the KV cache is prefilled. */
export function llamaBenchTestName(test: Pick<LlamaBenchTest, "n_prompt" | "n_gen" | "n_depth">): string {
    const base =
        test.n_prompt > 0 && test.n_gen === 0
            ? `pp${test.n_prompt}`
            : test.n_gen > 0 && test.n_prompt === 0
              ? `tg${test.n_gen}`
              : `pp${test.n_prompt}+tg${test.n_gen}`;
    return test.n_depth > 0 ? `${base} @ d${test.n_depth}` : base;
}
