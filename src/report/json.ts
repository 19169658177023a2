import {BENCH_SCHEMA_VERSION, type BenchReport, type BenchRun} from "../results/schema.js";

/** `{ "schemaVersion": 1, "runs": [ ... ] }`, validated by BenchReportSchema. */
export function exportJson(runs: readonly BenchRun[]): string {
    const report: BenchReport = {schemaVersion: BENCH_SCHEMA_VERSION, runs: [...runs]};
    return `${JSON.stringify(report, null, 2)}\n`;
}
