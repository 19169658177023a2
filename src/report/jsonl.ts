import type {BenchRun} from "../results/schema.js";

/** One run per line (each validated by BenchRunSchema), so a partial file is still readable. */
export function exportJsonLines(runs: readonly BenchRun[]): string {
    return runs.map((run) => `${JSON.stringify(run)}\n`).join("");
}
