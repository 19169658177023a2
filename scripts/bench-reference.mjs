#!/usr/bin/env node
// npm run bench:reference — hold llmproof's measuring engine to llama.cpp's llama-bench (same
// llama.cpp release) on a Qwen2.5-0.5B-shaped Q4_0 twin at 1 and 2 threads, interleaved, and print
// the ratio table (llmproof / llama-bench, pass within ±3%). Needs the compiled dist/ (npm run build).
//
// On Linux it also runs llama-bench on the very llama.cpp libraries llmproof's engine loaded, which
// tells a measuring difference from a binary-build difference (node-llama-cpp's prebuilt CPU binaries
// vs. a native llama-bench build).
//
// options: --model PATH (default: a twin written once under the temp dir)  --threads 1,2  -p 512  -n 128
//          -r 5 (repetitions per call)  --rounds 3 (interleaved rounds)  --reference-only (skip the
//          same-libraries column)  --json
// env:     LLAMA_BENCH=/path/to/llama-bench (else built from node-llama-cpp's bundled llama.cpp source)
import {parseArgs} from "node:util";
import Table from "cli-table3";

const {values} = parseArgs({
    options: {
        model: {type: "string"},
        threads: {type: "string", default: "1,2"},
        "n-prompt": {type: "string", short: "p", default: "512"},
        "n-gen": {type: "string", short: "n", default: "128"},
        repetitions: {type: "string", short: "r", default: "5"},
        rounds: {type: "string", default: "3"},
        "reference-only": {type: "boolean", default: false},
        json: {type: "boolean", default: false}
    }
});

const positiveInteger = (text, name) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
        process.stderr.write(`bench:reference: ${name} must be a positive integer, got ${text}\n`);
        process.exit(2);
    }
    return value;
};

const {findLlamaBench} = await import("../dist/system/llama-tools.js");
const {ensureReferenceTwin, compareWithLlamaBench, AGREEMENT_TOLERANCE} = await import(
    "../dist/bench/reference-harness.js"
);

try {
    const llamaBench = await findLlamaBench({build: true});
    const modelPath = await ensureReferenceTwin(values.model);
    const report = await compareWithLlamaBench({
        modelPath,
        llamaBench,
        threads: values.threads.split(",").map((part) => positiveInteger(part.trim(), "--threads")),
        nPrompt: positiveInteger(values["n-prompt"], "-p"),
        nGen: positiveInteger(values["n-gen"], "-n"),
        repetitions: positiveInteger(values.repetitions, "-r"),
        rounds: positiveInteger(values.rounds, "--rounds"),
        sameLibraries: process.platform === "linux" && !values["reference-only"]
    });

    if (values.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
        const mean = (list) => (list.length === 0 ? null : list.reduce((sum, value) => sum + value, 0) / list.length);
        const format = (value) => (value === null ? "—" : value.toFixed(2));
        const sameLibraries = report.rows.some((row) => row.llamaBenchOnEngineLibraries.length > 0);
        const head = [
            "test",
            "threads",
            "llama-bench t/s",
            "llmproof t/s",
            "ratio",
            `within ±${AGREEMENT_TOLERANCE * 100}%`,
            "ratio per round"
        ];
        if (sameLibraries) head.push("llama-bench on llmproof's libraries t/s", "ratio to it");
        const table = new Table({head});
        for (const row of report.rows) {
            const cells = [
                row.test,
                row.threads,
                `${format(mean(row.llamaBench))} (n=${row.llamaBench.length})`,
                `${format(mean(row.llmproof))} (n=${row.llmproof.length})`,
                row.ratio === null ? "—" : row.ratio.toFixed(3),
                row.pass ? "pass" : "FAIL",
                row.roundRatios.map((ratio) => ratio.toFixed(3)).join(" ")
            ];
            if (sameLibraries)
                cells.push(
                    `${format(mean(row.llamaBenchOnEngineLibraries))} (n=${row.llamaBenchOnEngineLibraries.length})`,
                    row.ratioSameLibraries === null ? "—" : row.ratioSameLibraries.toFixed(3)
                );
            table.push(cells);
        }
        process.stdout.write(
            `model: ${report.modelPath}\nllama-bench: ${report.llamaBench} (build ${report.llamaBenchBuild ?? "?"})\n`
        );
        if (report.engine)
            process.stdout.write(
                `llmproof engine: node-llama-cpp ${report.engine.nodeLlamaCppVersion}, ` +
                    `llama.cpp ${report.engine.llamaCppRelease}, ${report.engine.backend} ${report.engine.buildType}` +
                    `${report.engineLibraries ? ` (${report.engineLibraries})` : ""}; ${report.engine.notes[0]}\n`
            );
        process.stdout.write(`${table.toString()}\n`);
    }
    for (const failure of report.failures) process.stderr.write(`bench:reference: ${failure}\n`);
    if (report.failures.length > 0 || report.rows.some((row) => !row.pass)) process.exitCode = 1;
} catch (error) {
    process.stderr.write(`bench:reference: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
}
