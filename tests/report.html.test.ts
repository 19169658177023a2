import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {existsSync} from "node:fs";
import {copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {pathToFileURL} from "node:url";
import {buildRun} from "../src/bench/index.js";
import {markParetoFront, qualityMetricFor} from "../src/ladder/pareto.js";
import {recommendQuant} from "../src/ladder/recommend.js";
import {LadderDocumentSchema, LadderRungSchema, type LadderDocument} from "../src/ladder/schema.js";
import {summarize} from "../src/bench/stats.js";
import {
    addDocument,
    benchCharts,
    escapeHtml,
    jsonForScript,
    loadReportInputs,
    renderHtmlReport,
    type ReportInputs
} from "../src/report/html/index.js";
import type {BenchRun} from "../src/results/schema.js";
import {UserError} from "../src/util/errors.js";
import {
    exampleConfig,
    exampleModel,
    examplePolicy,
    exampleProvenance,
    exampleRuns,
    exampleSuccess
} from "./helpers/bench-runs.js";
import {runCli} from "./helpers/cli.js";

/** A model name an attacker controls: it tries to close the data script, open its own, and fetch. */
const HOSTILE = `</script><script>window.__pwned=1</script><img src="http://127.0.0.1:9/x" onerror="window.__pwned=2">`;

let workDir: string;

beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "llmproof-report-"));
});
afterAll(async () => {
    await rm(workDir, {recursive: true, force: true});
});

/** Runs over two models, two thread counts and two depths (so the depth and thread charts exist), one failed. */
async function sweepRuns(): Promise<BenchRun[]> {
    const provenance = await exampleProvenance();
    const runs: BenchRun[] = [];
    const models = [
        {...exampleModel, fileName: "tiny-q4_0.gguf", modelName: "Tiny", quantType: "MOSTLY_Q4_0"},
        {
            ...exampleModel,
            fileName: "hostile.gguf",
            modelName: HOSTILE,
            quantType: "MOSTLY_Q8_0",
            fileBytes: 600_000_000
        }
    ];
    for (const [modelIndex, facts] of models.entries())
        for (const threads of [1, 2])
            for (const depth of [0, 512]) {
                const speed = (100 + 80 * threads - depth / 20) / (modelIndex + 1);
                for (const phase of ["pp", "tg"] as const) {
                    const config = exampleConfig({
                        threads,
                        depth,
                        nPrompt: phase === "pp" ? 128 : 0,
                        nGen: phase === "tg" ? 32 : 0
                    });
                    const samples = [speed, speed * 1.02, speed * 0.99].map((value) =>
                        phase === "tg" ? value / 5 : value
                    );
                    runs.push(
                        buildRun({
                            request: {
                                modelPath: facts.path,
                                config,
                                policy: examplePolicy,
                                measureTtft: phase === "pp",
                                measureLoad: true,
                                gpu: "auto"
                            },
                            outcome: exampleSuccess({
                                ppTokensPerSecond: phase === "pp" ? samples : [],
                                tgTokensPerSecond: phase === "tg" ? samples : [],
                                ttftMs: phase === "pp" ? [300, 310, 305] : [],
                                peakRssBytes: facts.fileBytes + 90_000_000
                            }),
                            facts,
                            provenance
                        })
                    );
                }
            }
    return [...runs, ...(await exampleRuns())];
}

/** A ladder document made by the ladder's own front and recommendation code from measured-looking rungs. */
function exampleLadder(runs: BenchRun[]): LadderDocument {
    const rung = (
        quant: string,
        fileBytes: number,
        tg: number[],
        kld: number | null,
        source: "file" | "twin" = "file"
    ) =>
        LadderRungSchema.parse({
            quant,
            source,
            path: `/m/${quant}.gguf`,
            fileName: `${quant}.gguf`,
            fileBytes,
            parameterCount: 600_000_000,
            bitsPerWeight: (fileBytes * 8) / 600_000_000,
            reductionVs16Bit: 1 - fileBytes / 1.2e9,
            reductionVsF32: 1 - fileBytes / 2.4e9,
            status: "ok",
            failure: null,
            pp: summarize(tg.map((value) => value * 6)),
            tg: summarize(tg),
            ttftMs: summarize([400, 410, 405]),
            peakRssBytes: fileBytes + 80e6,
            quality:
                kld === null
                    ? null
                    : kld === 0
                      ? {isBaseline: true, perplexity: {value: 12, uncertainty: 0.2}, klDivergence: null, sameTop: null}
                      : {
                            isBaseline: false,
                            perplexity: {value: 12 + kld * 40, uncertainty: 0.2},
                            klDivergence: {value: kld, uncertainty: kld / 10},
                            sameTop: {value: 1 - kld * 3, uncertainty: 0.01}
                        },
            front: false,
            dominatedBy: []
        });
    const raw = [
        rung("F16", 1.2e9, [14, 14.2, 13.9], 0),
        rung("Q8_0", 0.64e9, [24, 24.3, 23.8], 0.0006),
        rung("Q6_K", 0.5e9, [21, 21.2, 20.9], 0.004),
        rung("Q4_K_M", 0.4e9, [29, 29.4, 28.9], 0.03),
        rung("Q4_0", 0.38e9, [31, 31.3, 30.8], 0.06)
    ];
    const metric = qualityMetricFor(raw);
    const rungs = markParetoFront(raw, metric);
    return LadderDocumentSchema.parse({
        kind: "llmproof-ladder",
        schemaVersion: 1,
        createdAt: new Date(0).toISOString(),
        model: {id: "qwen3-0.6b", name: `Qwen3 ${HOSTILE}`, architecture: "qwen3", parameterCount: 600_000_000},
        settings: {
            nPrompt: 128,
            nGen: 32,
            threads: 2,
            repetitions: 3,
            warmup: 1,
            qualityContext: 256,
            qualityChunks: 8
        },
        provenance: runs[0]!.provenance,
        qualityMetric: metric,
        baseline: "F16",
        rungs,
        skipped: [],
        recommendation: recommendQuant({rungs, metric, freeMemoryBytes: 16e9}),
        warnings: [],
        runs: runs.slice(0, 2)
    });
}

interface WrittenInputs {
    benchPath: string;
    ladderPath: string;
    checkPath: string;
    runs: BenchRun[];
}

let written: Promise<WrittenInputs> | undefined;

/** The input files, written once per test file. */
function writeInputs(): Promise<WrittenInputs> {
    written ??= writeInputsOnce();
    return written;
}

async function writeInputsOnce(): Promise<WrittenInputs> {
    const runs = await sweepRuns();
    const benchPath = join(workDir, "bench.json");
    await writeFile(benchPath, JSON.stringify({schemaVersion: 1, runs}));
    const ladderPath = join(workDir, "ladder.json");
    await writeFile(ladderPath, JSON.stringify(exampleLadder(runs)));
    // A short issue whose claims need only catalog facts, so `check --offline` is quick.
    const issuePath = join(workDir, "letter.md");
    await writeFile(
        issuePath,
        "# Tiny Test Letter\n\nQwen3-0.6B's Q8_0 file weighs 640 MB. Q4_K_M cuts memory by 75% compared to FP16. It has 3 million downloads.\n"
    );
    const check = await runCli(["check", issuePath, "--offline", "--json"]);
    expect(check.stderr).not.toMatch(/llmproof: /);
    const checkPath = join(workDir, "check.json");
    await writeFile(checkPath, check.stdout);
    return {benchPath, ladderPath, checkPath, runs};
}

describe("report inputs", () => {
    it("tells bench results, JSON lines, saved runs, ladders and check output apart by content", async () => {
        const {benchPath, ladderPath, checkPath, runs} = await writeInputs();
        const folder = join(workDir, "folder");
        await mkdir(folder, {recursive: true});
        await writeFile(
            join(folder, "runs.jsonl"),
            runs
                .slice(0, 3)
                .map((run) => JSON.stringify(run))
                .join("\n")
        );
        await writeFile(join(folder, "one-run.json"), JSON.stringify(runs[3]));
        await writeFile(join(folder, "package.json"), JSON.stringify({name: "not a result"}));
        // A status from a newer llmproof (say "noisy") is kept as written, not refused.
        await writeFile(join(folder, "noisy.json"), JSON.stringify({...runs[4], status: "noisy"}));

        const inputs = await loadReportInputs([benchPath, ladderPath, checkPath, folder]);
        expect(inputs.runs).toHaveLength(runs.length + 5);
        expect(inputs.ladders).toHaveLength(1);
        expect(inputs.checks).toHaveLength(1);
        expect(inputs.checks[0]!.document.issues.length).toBeGreaterThan(0);
        expect(inputs.runs.find((entry) => entry.status === "noisy")?.run.status).toBe("ok");
        expect(inputs.skipped.map((skip) => skip.path)).toEqual([join(folder, "package.json")]);

        await expect(loadReportInputs([join(folder, "package.json")])).rejects.toBeInstanceOf(UserError);
        await expect(loadReportInputs([join(workDir, "missing.json")])).rejects.toThrow(/No such file/);
        const empty: ReportInputs = {runs: [], ladders: [], checks: [], files: [], skipped: []};
        expect(() => addDocument(empty, "{not json", "broken.json")).toThrow(UserError);
    });

    it("charts t/s against depth and threads only when the runs have several", async () => {
        const {runs} = await writeInputs();
        const entries = runs.map((run) => ({run, status: run.status, source: "x"}));
        expect(benchCharts(entries).map((chart) => chart.id)).toEqual([
            "chart-throughput",
            "chart-depth",
            "chart-threads",
            "chart-memory"
        ]);
        const flat = entries.filter((entry) => entry.run.config.threads === 2 && entry.run.config.depth === 0);
        expect(benchCharts(flat).map((chart) => chart.id)).toEqual(["chart-throughput", "chart-memory"]);
    });
});

describe("HTML escaping", () => {
    it("escapes markup and keeps the data block from closing its script element", () => {
        expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        const json = jsonForScript({name: HOSTILE, separator: "a\u2028b"});
        expect(json).not.toMatch(/[<>]/);
        expect(JSON.parse(json)).toEqual({name: HOSTILE, separator: "a\u2028b"});
    });

    it("never writes an input string into the page unescaped", async () => {
        const {benchPath, ladderPath, checkPath} = await writeInputs();
        const html = renderHtmlReport(await loadReportInputs([benchPath, ladderPath, checkPath]));
        expect(html).not.toContain(HOSTILE);
        expect(html).not.toContain("<script>window.__pwned");
        expect(html).toContain(escapeHtml(HOSTILE));
        // Exactly three scripts: the data block, Chart.js and the page's own.
        expect(html.match(/<script\b/g)).toHaveLength(3);
        expect(html).toMatch(/Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/);
        expect(html).not.toMatch(/<(link|img|iframe)\b/);
    });
});

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync"
];
if (!existsSync(CHROMIUM))
    process.stderr.write(
        `report.html browser test skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does).\n`
    );

describe.skipIf(!existsSync(CHROMIUM))("the report in headless Chromium", () => {
    it("renders every chart, logs no errors, makes no network request, runs no injected script", async () => {
        const {benchPath, ladderPath, checkPath, runs} = await writeInputs();
        const reportPath = join(workDir, "report.html");
        const cli = await runCli(["report", benchPath, ladderPath, checkPath, "-o", reportPath]);
        expect(cli.stderr).toContain(`report.html: ${runs.length} bench runs, 1 ladder, 1 check report`);
        expect(cli.code).toBe(0);
        expect(cli.stdout).toBe("");

        const {chromium} = await import("playwright-core");
        const userDataDir = await mkdtemp(join(tmpdir(), "llmproof-chromium-"));
        const context = await chromium.launchPersistentContext(userDataDir, {
            executablePath: CHROMIUM,
            headless: true,
            args: CHROMIUM_FLAGS,
            viewport: {width: 1400, height: 1000}
        });
        try {
            const page = await context.newPage();
            const problems: string[] = [];
            const requests: string[] = [];
            page.on("console", (message) => {
                if (message.type() === "error" || message.type() === "warning")
                    problems.push(`${message.type()}: ${message.text()}`);
            });
            page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
            context.on("request", (request) => requests.push(request.url()));
            const url = pathToFileURL(reportPath).href;
            await page.goto(url, {waitUntil: "load"});
            await page.waitForSelector("html[data-charts]");

            const charts = await page.evaluate(() => {
                const registry = (
                    window as unknown as {llmproofCharts: Record<string, {data: {datasets: {data: unknown[]}[]}}>}
                ).llmproofCharts;
                return [...document.querySelectorAll("canvas")].map((canvas) => {
                    const context2d = canvas.getContext("2d")!;
                    const pixels = context2d.getImageData(0, 0, canvas.width, canvas.height).data;
                    let painted = 0;
                    for (let index = 3; index < pixels.length; index += 4) if (pixels[index]! > 0) painted++;
                    const chart = registry[canvas.id];
                    return {
                        id: canvas.id,
                        width: canvas.width,
                        painted: painted / (pixels.length / 4),
                        points: chart
                            ? chart.data.datasets.reduce(
                                  (sum, dataset) => sum + dataset.data.filter((value) => value !== null).length,
                                  0
                              )
                            : -1
                    };
                });
            });
            expect(charts.map((chart) => chart.id).sort()).toEqual(
                [
                    "chart-depth",
                    "chart-ladder-0-quality",
                    "chart-ladder-0-speed",
                    "chart-memory",
                    "chart-threads",
                    "chart-throughput"
                ].sort()
            );
            for (const chart of charts) {
                expect(chart.width, chart.id).toBeGreaterThan(100);
                expect(chart.points, chart.id).toBeGreaterThan(0);
                // Axes, grid, bars/points and labels cover a good part of the canvas; a blank one is 0.
                expect(chart.painted, chart.id).toBeGreaterThan(0.01);
            }
            expect(await page.evaluate(() => (window as unknown as {__pwned?: number}).__pwned)).toBeUndefined();
            expect(await page.locator("h1").innerText()).toContain("llmproof report");
            expect(await page.locator(".pick").innerText()).toMatch(/^Pick Q8_0: /);
            expect(await page.locator("section.check .badge").count()).toBeGreaterThan(0);
            expect(await page.locator("#provenance tbody tr").count()).toBe(runs.length + 2);
            expect(problems).toEqual([]);
            expect(requests).toEqual([url]);

            const screenshot = join(workDir, "report.png");
            await page.screenshot({path: screenshot, fullPage: true});
            expect((await stat(screenshot)).size).toBeGreaterThan(10_000);
            expect((await readFile(screenshot)).subarray(1, 4).toString()).toBe("PNG");
            // To look at it: LLMPROOF_KEEP_SCREENSHOT=/tmp/report.png npx vitest run tests/report.html.test.ts
            if (process.env.LLMPROOF_KEEP_SCREENSHOT) await copyFile(screenshot, process.env.LLMPROOF_KEEP_SCREENSHOT);
        } finally {
            await context.close();
            await rm(userDataDir, {recursive: true, force: true});
        }
    }, 300_000);
});
