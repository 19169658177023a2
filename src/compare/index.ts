import type {BenchRun} from "../results/schema.js";
import {compareSides, type CompareOptions} from "./compare.js";
import {fromRun, loadSide, type LoadSideOptions, type Side} from "./load.js";
import type {CompareReport} from "./schema.js";

export {parseGateRule, gateExitCode, relativeRulesOf} from "./gate.js";
export {loadSide} from "./load.js";
export type {Side} from "./load.js";

export interface RunCompareOptions extends CompareOptions {
    baselineBuild?: string;
    candidateBuild?: string;
    assumeN?: number;
}

/** `llmproof compare <baseline> <candidate>`: read both sides, match their rows, compare, gate. */
export async function runCompare(
    baselineInputs: readonly string[],
    candidateInputs: readonly string[],
    options: RunCompareOptions = {}
): Promise<CompareReport> {
    const baseline = await loadSide(baselineInputs, "baseline", sideOptions(options.baselineBuild, options));
    const candidate = await loadSide(candidateInputs, "candidate", sideOptions(options.candidateBuild, options));
    return compareSides(baseline, candidate, options);
}

/** `bench --baseline … --fail-if …`: the runs just measured against a baseline read from files. */
export function compareRunsWithBaseline(
    baseline: Side | null,
    runs: readonly BenchRun[],
    options: CompareOptions = {}
): CompareReport {
    const candidate: Side = {sources: ["(this run)"], measurements: runs.map((run) => fromRun(run, "(this run)"))};
    return compareSides(baseline ?? {sources: [], measurements: []}, candidate, options);
}

function sideOptions(build: string | undefined, options: RunCompareOptions): LoadSideOptions {
    return {build, assumeN: options.assumeN};
}
