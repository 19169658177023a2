import type {LadderDocument} from "../../ladder/schema.js";
import {speedOf} from "../../ladder/pareto.js";
import type {BenchRun} from "../../results/schema.js";
import {GB, MB} from "../../util/units.js";
import type {ReportRun} from "./inputs.js";

/**
 * The report's charts as plain Chart.js configurations (JSON only: no functions), built here from
 * typed results so they can be tested without a browser. The page's script hands each one to
 * Chart.js; points that carry a `label` get it drawn beside them.
 */

export interface ChartSpec {
    id: string;
    title: string;
    caption: string;
    config: {type: "bar" | "line" | "scatter"; data: {labels?: string[]; datasets: Dataset[]}; options: object};
}

interface Dataset {
    label: string;
    data: (number | null | {x: number; y: number; label?: string})[];
    backgroundColor?: string;
    borderColor?: string;
    showLine?: boolean;
    pointRadius?: number;
    pointStyle?: string;
    borderDash?: number[];
}

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
const color = (index: number) => PALETTE[index % PALETTE.length]!;

/** How a run's model is named in charts: the model name with its quant, else the file name. */
export function modelLabel(run: BenchRun): string {
    const quant = run.model.quantType?.replace(/^(MOSTLY|ALL)_/, "");
    if (run.model.modelName && quant) return `${run.model.modelName} ${quant}`;
    return run.model.fileName;
}

function phaseMean(run: BenchRun): number | null {
    return (run.pp ?? run.tg)?.tokensPerSecond.mean ?? null;
}

/** The test without its depth suffix: "pp512 @ d1024" → "pp512". */
function baseTest(run: BenchRun): string {
    return run.test.replace(/ @ d\d+$/, "");
}

function axis(title: string, extra: object = {}) {
    return {title: {display: true, text: title}, ...extra};
}

function commonOptions(x: object, y: object) {
    return {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {legend: {position: "bottom"}},
        scales: {x, y}
    };
}

/** The latest ok run for each key (repeated runs of one configuration across files: the newest wins). */
function latestBy(runs: readonly BenchRun[], key: (run: BenchRun) => string): Map<string, BenchRun> {
    const map = new Map<string, BenchRun>();
    for (const run of [...runs].sort((a, b) => a.date.localeCompare(b.date))) map.set(key(run), run);
    return map;
}

export function benchCharts(reportRuns: readonly ReportRun[]): ChartSpec[] {
    const runs = reportRuns.map((entry) => entry.run).filter((run) => run.status === "ok" && phaseMean(run) !== null);
    if (runs.length === 0) return [];
    const charts: ChartSpec[] = [];
    const models = [...new Set(runs.map(modelLabel))];
    const threadCounts = [...new Set(runs.map((run) => run.config.threads))].sort((a, b) => a - b);
    const depths = [...new Set(runs.map((run) => run.config.depth))].sort((a, b) => a - b);
    const maxThreads = threadCounts[threadCounts.length - 1]!;
    const minDepth = depths[0]!;

    // 1. t/s per model and quant: one bar group per model, one bar per test.
    const atDefault = runs.filter((run) => run.config.threads === maxThreads && run.config.depth === minDepth);
    const tests = [...new Set(atDefault.map(baseTest))];
    const byModelTest = latestBy(atDefault, (run) => `${modelLabel(run)}\u0000${baseTest(run)}`);
    charts.push({
        id: "chart-throughput",
        title: "Tokens per second by model and quant",
        caption:
            `Mean of the counted repetitions, ${maxThreads} thread${maxThreads === 1 ? "" : "s"}` +
            `${minDepth > 0 ? `, depth ${minDepth}` : ""}; the statistics table gives the 95% CIs.`,
        config: {
            type: "bar",
            data: {
                labels: models,
                datasets: tests.map((test, index) => ({
                    label: test,
                    data: models.map(
                        (model) => phaseMean(byModelTest.get(`${model}\u0000${test}`) ?? ({} as BenchRun)) ?? null
                    ),
                    backgroundColor: color(index)
                }))
            },
            options: commonOptions(axis("model"), axis("tokens/sec", {beginAtZero: true}))
        }
    });

    // 2. t/s against depth (KV cache already filled), when the runs have several depths.
    if (depths.length > 1) {
        const series = seriesBy(
            runs.filter((run) => run.config.threads === maxThreads),
            (run) => `${modelLabel(run)} ${baseTest(run)}`,
            (run) => run.config.depth
        );
        charts.push({
            id: "chart-depth",
            title: "Tokens per second against context depth",
            caption: `Each line is one model and test at ${maxThreads} thread${maxThreads === 1 ? "" : "s"}; depth = tokens already in the KV cache.`,
            config: {
                type: "line",
                data: {datasets: series},
                options: commonOptions(
                    axis("depth (tokens)", {type: "linear"}),
                    axis("tokens/sec", {beginAtZero: true})
                )
            }
        });
    }

    // 3. t/s against threads, when the runs have several thread counts.
    if (threadCounts.length > 1) {
        const series = seriesBy(
            runs.filter((run) => run.config.depth === minDepth),
            (run) => `${modelLabel(run)} ${baseTest(run)}`,
            (run) => run.config.threads
        );
        charts.push({
            id: "chart-threads",
            title: "Tokens per second against threads",
            caption: "Each line is one model and test; how far it scales with CPU threads.",
            config: {
                type: "line",
                data: {datasets: series},
                options: commonOptions(
                    axis("threads", {type: "linear", ticks: {stepSize: 1}}),
                    axis("tokens/sec", {beginAtZero: true})
                )
            }
        });
    }

    // 4. Memory: peak RSS beside the file size, per model.
    const byModel = latestBy(
        runs.filter((run) => run.peakRssBytes !== null),
        modelLabel
    );
    if (byModel.size > 0) {
        const labels = [...byModel.keys()];
        charts.push({
            id: "chart-memory",
            title: "Memory: peak RSS and file size",
            caption:
                "Peak resident memory of the measuring process (largest configuration of each model) beside the model file.",
            config: {
                type: "bar",
                data: {
                    labels,
                    datasets: [
                        {
                            label: "peak RSS (GB)",
                            data: labels.map((label) => maxRss(runs, label) / GB),
                            backgroundColor: color(0)
                        },
                        {
                            label: "file size (GB)",
                            data: labels.map((label) => byModel.get(label)!.model.fileBytes / GB),
                            backgroundColor: color(1)
                        }
                    ]
                },
                options: commonOptions(axis("model"), axis("GB (10^9 bytes)", {beginAtZero: true}))
            }
        });
    }
    return charts;
}

function maxRss(runs: readonly BenchRun[], label: string): number {
    return Math.max(...runs.filter((run) => modelLabel(run) === label).map((run) => run.peakRssBytes ?? 0));
}

function seriesBy(runs: readonly BenchRun[], name: (run: BenchRun) => string, x: (run: BenchRun) => number): Dataset[] {
    const groups = new Map<string, BenchRun[]>();
    for (const run of runs) groups.set(name(run), [...(groups.get(name(run)) ?? []), run]);
    return [...groups.entries()]
        .filter(([, group]) => new Set(group.map(x)).size > 1)
        .map(([label, group], index) => {
            const latest = latestBy(group, (run) => String(x(run)));
            return {
                label,
                data: [...latest.values()].sort((a, b) => x(a) - x(b)).map((run) => ({x: x(run), y: phaseMean(run)!})),
                borderColor: color(index),
                backgroundColor: color(index)
            };
        });
}

/** Two charts per ladder: size against speed, and (with real weights) size against KL divergence; the front is joined by a line. */
export function ladderCharts(document: LadderDocument, index: number): ChartSpec[] {
    const rungs = document.rungs.filter((rung) => rung.status === "ok" && speedOf(rung) !== null);
    if (rungs.length === 0) return [];
    const phase = rungs.some((rung) => rung.tg !== null)
        ? `tg${document.settings.nGen}`
        : `pp${document.settings.nPrompt}`;
    const qualityText = (rung: (typeof rungs)[number]) =>
        rung.quality === null
            ? rung.source === "twin"
                ? " (twin)"
                : ""
            : rung.quality.isBaseline
              ? " (baseline)"
              : ` KLD ${formatKld(rung.quality.klDivergence?.value ?? null)}`;
    const [unit, unitBytes] = rungs.some((rung) => rung.fileBytes >= GB) ? ["GB", GB] : ["MB", MB];
    const point = (rung: (typeof rungs)[number], y: number) => ({
        x: rung.fileBytes / unitBytes,
        y,
        label: `${rung.quant}${qualityText(rung)}${rung.quant === document.recommendation.pick ? " ← pick" : ""}`
    });
    const front = rungs.filter((rung) => rung.front).sort((a, b) => a.fileBytes - b.fileBytes);
    const dominated = rungs.filter((rung) => !rung.front);
    const speedData = (list: typeof rungs) => list.map((rung) => point(rung, speedOf(rung)!.mean));
    const qualityName =
        document.qualityMetric === "kl-divergence"
            ? `KL divergence from ${document.baseline}`
            : "bits per weight (no real weights measured)";
    const charts: ChartSpec[] = [
        {
            id: `chart-ladder-${index}-speed`,
            title: `${document.model.name}: size, speed and quality of each quant`,
            caption:
                `${phase} tokens/sec against file size; the line joins the Pareto front (no other quant is at least as small, ` +
                `as fast and as good, and better in one); quality by ${qualityName}.`,
            config: {
                type: "scatter",
                data: {
                    datasets: nonEmpty([
                        {
                            label: "Pareto front",
                            data: speedData(front),
                            showLine: true,
                            borderColor: color(0),
                            backgroundColor: color(0),
                            pointRadius: 6
                        },
                        {
                            label: "dominated",
                            data: speedData(dominated),
                            borderColor: color(3),
                            backgroundColor: color(3),
                            pointRadius: 5,
                            pointStyle: "crossRot"
                        }
                    ])
                },
                options: scatterOptions(axis(`file size (${unit})`), axis(`${phase} tokens/sec`, {beginAtZero: true}))
            }
        }
    ];
    const withQuality = rungs.filter((rung) => rung.quality !== null);
    if (document.qualityMetric === "kl-divergence" && withQuality.length > 1) {
        const kld = (rung: (typeof rungs)[number]) =>
            rung.quality!.isBaseline ? 0 : (rung.quality!.klDivergence?.value ?? 0);
        charts.push({
            id: `chart-ladder-${index}-quality`,
            title: `${document.model.name}: quality loss against size`,
            caption: `Mean KL divergence from ${document.baseline} (nats; lower is closer to the baseline) against file size; the line joins the Pareto front.`,
            config: {
                type: "scatter",
                data: {
                    datasets: nonEmpty([
                        {
                            label: "Pareto front",
                            data: front.filter((rung) => rung.quality !== null).map((rung) => point(rung, kld(rung))),
                            showLine: true,
                            borderColor: color(2),
                            backgroundColor: color(2),
                            pointRadius: 6
                        },
                        {
                            label: "dominated",
                            data: dominated
                                .filter((rung) => rung.quality !== null)
                                .map((rung) => point(rung, kld(rung))),
                            borderColor: color(3),
                            backgroundColor: color(3),
                            pointRadius: 5,
                            pointStyle: "crossRot"
                        }
                    ])
                },
                options: scatterOptions(axis(`file size (${unit})`), axis("KL divergence (nats)", {beginAtZero: true}))
            }
        });
    }
    return charts;
}

function nonEmpty(datasets: Dataset[]): Dataset[] {
    return datasets.filter((dataset) => dataset.data.length > 0);
}

/** KL divergence for a label: two significant digits, exponent form below 0.001. */
function formatKld(value: number | null): string {
    if (value === null) return "?";
    return value !== 0 && Math.abs(value) < 0.001 ? value.toExponential(1) : value.toPrecision(2);
}

/** Scatter charts leave room on the right and top for the labels drawn beside their points. */
function scatterOptions(x: object, y: object) {
    return {...commonOptions(x, y), layout: {padding: {right: 130, top: 14}}};
}
