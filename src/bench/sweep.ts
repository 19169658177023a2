import type {BenchConfig} from "../results/config.js";

/**
 * The test matrix, as llama-bench builds it (tools/llama-bench/llama-bench.cpp,
 * get_cmd_params_instances): every option takes a list, and every combination runs.
 *
 * Like llama-bench, prompt processing and generation are SEPARATE tests: each entry of
 * `nPrompt` gives a pp test (nGen = 0) and each entry of `nGen` gives a tg test (nPrompt = 0);
 * a 0 in either list is skipped. So `-p 512 -n 128` is two tests, "pp512" and "tg128", and the
 * numbers line up one to one with llama-bench's rows. TTFT is measured in pp tests (a prompt of
 * nPrompt tokens, then the first sampled token).
 *
 * The order follows llama-bench's loops (gpu layers, mmap, batch, ubatch, flash attention, threads,
 * depth, then the pp tests followed by the tg tests) so that results are listed in the same order.
 */
export interface SweepLists {
    threads: number[];
    nPrompt: number[];
    nGen: number[];
    depth: number[];
    batchSize: number[];
    ubatchSize: number[];
    gpuLayers: number[];
    flashAttention: boolean[];
    /** Load the weights through mmap (llama-bench -mmp); false reads them into anonymous memory. */
    useMmap: boolean[];
}

/** llama-bench's defaults, except threads and gpu layers, which depend on the machine. */
export const SWEEP_DEFAULTS = {
    nPrompt: [512],
    nGen: [128],
    depth: [0],
    batchSize: [2048],
    ubatchSize: [512],
    /** node-llama-cpp's default; llama-bench's "auto" resolves per device. */
    flashAttention: [false],
    /** llama-bench's -mmp 1. */
    useMmap: [true],
    repetitions: 5,
    warmup: 1
} as const;

/** Offload every layer on a GPU (llama-bench's 99), none on a CPU-only machine. */
export function defaultGpuLayers(hasGpu: boolean): number {
    return hasGpu ? 99 : 0;
}

export interface SweepDefaultsContext {
    /** Physical cores of this machine (llama-bench uses the "math" cores, physical on most CPUs). */
    physicalCores: number;
    hasGpu: boolean;
}

/** Fill the lists the user left out with the defaults. */
export function resolveSweepLists(partial: Partial<SweepLists>, context: SweepDefaultsContext): SweepLists {
    return {
        threads: partial.threads ?? [Math.max(1, context.physicalCores)],
        nPrompt: partial.nPrompt ?? [...SWEEP_DEFAULTS.nPrompt],
        nGen: partial.nGen ?? [...SWEEP_DEFAULTS.nGen],
        depth: partial.depth ?? [...SWEEP_DEFAULTS.depth],
        batchSize: partial.batchSize ?? [...SWEEP_DEFAULTS.batchSize],
        ubatchSize: partial.ubatchSize ?? [...SWEEP_DEFAULTS.ubatchSize],
        gpuLayers: partial.gpuLayers ?? [defaultGpuLayers(context.hasGpu)],
        flashAttention: partial.flashAttention ?? [...SWEEP_DEFAULTS.flashAttention],
        useMmap: partial.useMmap ?? [...SWEEP_DEFAULTS.useMmap]
    };
}

/** Every configuration of the matrix, in llama-bench's order. Duplicate list entries are dropped. */
export function expandSweep(lists: SweepLists): BenchConfig[] {
    const configs: BenchConfig[] = [];
    for (const gpuLayers of unique(lists.gpuLayers))
        for (const useMmap of unique(lists.useMmap))
            for (const batchSize of unique(lists.batchSize))
                for (const ubatchSize of unique(lists.ubatchSize))
                    for (const flashAttention of unique(lists.flashAttention))
                        for (const threads of unique(lists.threads))
                            for (const depth of unique(lists.depth)) {
                                const common = {
                                    threads,
                                    depth,
                                    batchSize,
                                    ubatchSize,
                                    gpuLayers,
                                    flashAttention,
                                    useMmap
                                };
                                for (const nPrompt of unique(lists.nPrompt))
                                    if (nPrompt > 0) configs.push({...common, nPrompt, nGen: 0});
                                for (const nGen of unique(lists.nGen))
                                    if (nGen > 0) configs.push({...common, nPrompt: 0, nGen});
                            }
    return configs;
}

/** llama-bench's test label: "pp512", "tg128", "pp512+tg128", with " @ d1024" when there is depth. */
export function testName(config: Pick<BenchConfig, "nPrompt" | "nGen" | "depth">): string {
    let name: string;
    if (config.nPrompt > 0 && config.nGen === 0) name = `pp${config.nPrompt}`;
    else if (config.nGen > 0 && config.nPrompt === 0) name = `tg${config.nGen}`;
    else name = `pp${config.nPrompt}+tg${config.nGen}`;
    return config.depth > 0 ? `${name} @ d${config.depth}` : name;
}

/** The context a test needs, as llama-bench: n_ctx = n_prompt + n_gen + n_depth. */
export function contextSizeFor(config: Pick<BenchConfig, "nPrompt" | "nGen" | "depth">): number {
    return config.nPrompt + config.nGen + config.depth;
}

function unique<T>(values: readonly T[]): T[] {
    return [...new Set(values)];
}
