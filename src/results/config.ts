import {z} from "zod";

/**
 * The schemas that both sides share: the measuring child reports them (src/bench/protocol.ts)
 * and every saved result carries them (src/results/schema.ts). They live here, with the results,
 * so that bench depends on results and never the other way round.
 */
export const BenchConfigSchema = z.object({
    threads: z.number().int().positive(),
    /** Prompt tokens for the pp test; 0 skips pp. */
    nPrompt: z.number().int().nonnegative(),
    /** Generated tokens for the tg test; 0 skips tg. */
    nGen: z.number().int().nonnegative(),
    /** Tokens already in the KV cache before each test (llama-bench -d). */
    depth: z.number().int().nonnegative(),
    batchSize: z.number().int().positive(),
    ubatchSize: z.number().int().positive(),
    gpuLayers: z.number().int().nonnegative(),
    flashAttention: z.boolean(),
    /**
     * Load the weights through mmap (llama-bench -mmp, its JSON field use_mmap); false reads them into
     * anonymous memory. Defaulted for older result files, which all ran with mmap.
     */
    useMmap: z.boolean().default(true)
});
export type BenchConfig = z.infer<typeof BenchConfigSchema>;

export const RepetitionPolicySchema = z.object({
    warmup: z.number().int().nonnegative(),
    /** Fixed mode: exactly this many counted runs. Adaptive mode: at least this many. */
    repetitions: z.number().int().positive(),
    adaptive: z
        .object({
            maxRepetitions: z.number().int().positive(),
            /** Stop once the 95% CI half-width is within this fraction of the mean (0.05 = ±5%). */
            targetRelativeCi: z.number().positive(),
            /** Stop when this much time has been spent on one test. */
            maxSeconds: z.number().positive()
        })
        .nullable()
});
export type RepetitionPolicy = z.infer<typeof RepetitionPolicySchema>;

export const EngineInfoSchema = z.object({
    nodeLlamaCppVersion: z.string(),
    llamaCppRelease: z.string(),
    backend: z.enum(["cpu", "cuda", "vulkan", "metal"]),
    /** "prebuilt" binary from npm, or "localBuild" compiled on this machine. */
    buildType: z.string(),
    /** Custom CMake options of that build ({} for prebuilt binaries); defaulted for older result files. */
    cmakeOptions: z.record(z.string(), z.string()).default({}),
    /** Anything about how the engine ran that changes numbers (e.g. UV_THREADPOOL_SIZE). */
    notes: z.array(z.string())
});
export type EngineInfo = z.infer<typeof EngineInfoSchema>;
