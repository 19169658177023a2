import {UserError} from "../util/errors.js";
import {ExitCode} from "../util/exit-codes.js";
import {confidenceInterval95, mean} from "../util/stats.js";
import {bytesOf} from "../util/units.js";
import type {PooledGroup} from "./compare.js";
import {
    METRIC_INFO,
    MetricSchema,
    type CompareRow,
    type GateResult,
    type GateRule,
    type GateViolation
} from "./schema.js";

/**
 * The CI gate: `--fail-if "tg<-5%"` (repeatable). A rule names a metric (pp, tg, ttft, load,
 * rss), `<` or `>`, and a threshold:
 * - relative, with `%`: the candidate's change against the baseline (`tg<-5%`: generation got
 *   more than 5% slower; `ttft>+10%`: time to first token grew by more than 10%). It fires only
 *   when the difference is SIGNIFICANT (p < alpha) and its point estimate crosses the threshold,
 *   so noise alone never fails a build. Peak RSS is one number per run, so with too few runs for
 *   a test it is judged on the numbers as they are (memory barely varies between runs).
 * - absolute, without `%`: the candidate's own value in the metric's unit (`tg<50` t/s,
 *   `ttft>800` ms or `ttft>0.8s`, `rss>2GiB`). It fires when the whole 95% CI of the candidate's
 *   mean lies beyond the threshold (with a single sample: the sample itself).
 * Whatever the rules, a candidate row that failed (crash, out-of-memory kill, a model that does not
 * load) fails the gate with its own exit code.
 */

const RULE = /^\s*([a-z]+)\s*([<>])\s*([+-]?\d+(?:\.\d+)?)\s*([a-z%/]*)\s*$/i;

export function parseGateRule(text: string): GateRule {
    const match = RULE.exec(text);
    const problem = (why: string) =>
        new UserError(`Cannot read the gate "${text}": ${why}; write it like "tg<-5%", "ttft>+10%" or "tg<50".`, {
            exitCode: ExitCode.usage
        });
    if (match === null) throw problem("expected <metric><op><threshold>");
    const [, rawMetric, op, rawValue, rawUnit] = match;
    const metric = MetricSchema.safeParse(rawMetric!.toLowerCase());
    if (!metric.success) throw problem(`"${rawMetric}" is not a metric (pp, tg, ttft, load, rss)`);
    const value = Number(rawValue);
    const unit = rawUnit!.toLowerCase();
    const base = {text: text.trim(), metric: metric.data, op: op as "<" | ">"};
    if (unit === "%") return {...base, kind: "relative", value: value / 100};
    const info = METRIC_INFO[metric.data];
    if (unit === "") return {...base, kind: "absolute", value};
    if (info.unit === "t/s" && unit === "t/s") return {...base, kind: "absolute", value};
    if (info.unit === "ms" && (unit === "ms" || unit === "s"))
        return {...base, kind: "absolute", value: unit === "s" ? value * 1000 : value};
    if (info.unit === "bytes") {
        const bytes = bytesOf(value, unit);
        if (bytes !== undefined) return {...base, kind: "absolute", value: bytes};
    }
    throw problem(`"${rawUnit}" is not a unit of ${metric.data} (${info.unit})`);
}

function formatPercent(fraction: number): string {
    return `${fraction >= 0 ? "+" : ""}${(fraction * 100).toFixed(1)}%`;
}

/** "model tg128 t=4", with " mmap=0" when the weights were read into memory. */
function where(row: {model: string; test: string; threads: number; mmap: "0" | "1"}): string {
    return `${row.model} ${row.test} t=${row.threads}${row.mmap === "0" ? " mmap=0" : ""}`;
}

export function evaluateGate(
    rules: readonly GateRule[],
    rows: readonly CompareRow[],
    candidateGroups: readonly PooledGroup[]
): GateResult {
    const violations: GateViolation[] = [];
    for (const group of candidateGroups) {
        if (group.status !== "failed") continue;
        const item = group.first;
        violations.push({
            rule: "model must load and run",
            kind: "model-failed",
            model: item.model,
            test: item.test,
            threads: item.threads,
            message: `${where(item)} failed in the candidate (${group.failure ?? "failed"})`
        });
    }
    for (const rule of rules) {
        if (rule.kind === "relative") {
            for (const row of rows) {
                if (row.metric !== rule.metric || row.change === null) continue;
                const crosses = rule.op === "<" ? row.change < rule.value : row.change > rule.value;
                const judged =
                    row.significance.significant || (row.metric === "rss" && row.significance.method === null);
                if (!crosses || !judged) continue;
                const p = row.significance.pValue === null ? "" : `, p=${row.significance.pValue.toFixed(3)}`;
                violations.push({
                    rule: rule.text,
                    kind: "regression",
                    model: row.model,
                    test: row.test,
                    threads: row.threads,
                    message: `${where(row)}: ${rule.metric} changed ${formatPercent(row.change)} (${rule.text}${p})`
                });
            }
            continue;
        }
        for (const group of candidateGroups) {
            const values = group.metrics[rule.metric];
            if (group.status === "failed" || values === undefined) continue;
            const samples = values.summary === null ? values.samples : [values.summary.mean];
            if (samples.length === 0) continue;
            const average = mean(samples);
            const ci = confidenceInterval95(samples) ?? [average, average];
            const crosses = rule.op === "<" ? ci[1] < rule.value : ci[0] > rule.value;
            if (!crosses) continue;
            violations.push({
                rule: rule.text,
                kind: "regression",
                model: group.first.model,
                test: group.first.test,
                threads: group.first.threads,
                message:
                    `${where(group.first)}: ${rule.metric} is ${average.toPrecision(4)} ${METRIC_INFO[rule.metric].unit}, ` +
                    `95% CI [${ci[0].toPrecision(4)}, ${ci[1].toPrecision(4)}] (${rule.text})`
            });
        }
    }
    return {rules: [...rules], passed: violations.length === 0, violations};
}

/** The exit code a gate result asks for: a failed model first, then a regression. */
export function gateExitCode(gate: GateResult | null): number {
    if (gate === null || gate.passed) return ExitCode.ok;
    return gate.violations.some((violation) => violation.kind === "model-failed")
        ? ExitCode.gateModelFailed
        : ExitCode.gateRegression;
}

export function relativeRulesOf(rules: readonly GateRule[]): GateRule[] {
    return rules.filter((rule) => rule.kind === "relative");
}
