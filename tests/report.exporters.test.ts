import {beforeAll, describe, expect, it} from "vitest";
import {exportRuns, REPORT_FORMATS} from "../src/report/index.js";
import {csvHeader} from "../src/report/csv.js";
import {BenchReportSchema, BenchRunSchema, type BenchRun} from "../src/results/schema.js";
import {exampleRuns} from "./helpers/bench-runs.js";

let runs: BenchRun[];
beforeAll(async () => {
    runs = await exampleRuns();
});

/** A strict RFC 4180 reader, to check the writer's quoting. */
function parseCsv(text: string): string[][] {
    const rows: string[][] = [];
    let row: string[] = [];
    let cell = "";
    let quoted = false;
    for (let index = 0; index < text.length; index++) {
        const char = text[index]!;
        if (quoted) {
            if (char === '"' && text[index + 1] === '"') {
                cell += '"';
                index++;
            } else if (char === '"') quoted = false;
            else cell += char;
        } else if (char === '"') quoted = true;
        else if (char === ",") {
            row.push(cell);
            cell = "";
        } else if (char === "\r" && text[index + 1] === "\n") {
            row.push(cell);
            rows.push(row);
            row = [];
            cell = "";
            index++;
        } else cell += char;
    }
    if (cell !== "" || row.length > 0) {
        row.push(cell);
        rows.push(row);
    }
    return rows;
}

describe("exporters", () => {
    it("json prints a report that validates and round-trips", () => {
        const report = BenchReportSchema.parse(JSON.parse(exportRuns(runs, "json")));
        expect(report.runs).toEqual(runs);
    });

    it("jsonl prints one valid run per line", () => {
        const lines = exportRuns(runs, "jsonl").trimEnd().split("\n");
        expect(lines).toHaveLength(runs.length);
        expect(lines.map((line) => BenchRunSchema.parse(JSON.parse(line)).id)).toEqual(runs.map((run) => run.id));
    });

    it("csv has flat columns, one row per run, and quotes commas and quotes", () => {
        const rows = parseCsv(exportRuns(runs, "csv"));
        expect(rows[0]).toEqual(csvHeader());
        expect(rows).toHaveLength(runs.length + 1);
        for (const row of rows) expect(row).toHaveLength(csvHeader().length);
        const column = (name: string) => csvHeader().indexOf(name);
        expect(rows[1]![column("test")]).toBe("pp512");
        expect(rows[1]![column("pp_tps_samples")]).toBe("410.5;402.25;415");
        expect(Number(rows[1]![column("pp_tps_mean")])).toBeCloseTo(runs[0]!.pp!.tokensPerSecond.mean, 10);
        expect(rows[1]![column("tg_tps_mean")]).toBe("");
        expect(rows[2]![column("test")]).toBe("tg128 @ d1024");
        expect(rows[3]![column("model_file")]).toBe('broken, "model".gguf');
        expect(rows[3]![column("failure_reason")]).toBe(runs[2]!.failure!.reason);
        expect(rows[3]![column("status")]).toBe("failed");
    });

    it("table shows llama-bench-like columns without colour codes", () => {
        const table = exportRuns(runs, "table");
        expect(table).not.toMatch(/\u001b\[/);
        for (const title of [
            "model",
            "size",
            "params",
            "backend",
            "threads",
            "test",
            "t/s",
            "TTFT ms",
            "load ms",
            "peak RSS",
            "status"
        ])
            expect(table).toContain(title);
        const pp = runs[0]!.pp!.tokensPerSecond;
        expect(table).toContain(`${pp.mean.toFixed(2)} ± ${pp.stddev!.toFixed(2)}`);
        expect(table).toContain("tg128 @ d1024");
        expect(table).toContain("failed (crash)");
        expect(table).toContain("494.03M");
        // Configuration columns that are the same in every row are left out.
        expect(table).not.toContain("n_batch");
        expect(exportRuns([runs[0]!, {...runs[1]!, config: {...runs[1]!.config, batchSize: 512}}], "table")).toContain(
            "n_batch"
        );
    });

    it("shows an mmap column when a row ran without mmap or the rows differ in it, and always writes use_mmap to CSV", () => {
        const withoutMmap = (run: BenchRun): BenchRun => ({...run, config: {...run.config, useMmap: false}});
        const titles = (selection: BenchRun[]) =>
            exportRuns(selection, "md")
                .split("\n")[0]!
                .split("|")
                .map((cell) => cell.trim());
        expect(titles(runs)).not.toContain("mmap");
        expect(titles([runs[0]!, withoutMmap(runs[1]!)])).toContain("mmap");
        expect(titles([withoutMmap(runs[0]!)])).toContain("mmap");
        expect(exportRuns([withoutMmap(runs[0]!)], "table")).toMatch(/mmap/);
        const [header, ...rows] = parseCsv(exportRuns([runs[0]!, withoutMmap(runs[1]!)], "csv"));
        const column = header!.indexOf("use_mmap");
        expect(column).toBe(header!.indexOf("flash_attention") + 1);
        expect(rows.map((row) => row[column])).toEqual(["true", "false"]);
    });

    it("md prints a Markdown table with escaped pipes", () => {
        const withPipe = {...runs[2]!, failure: {...runs[2]!.failure!, reason: "a | b"}};
        const lines = exportRuns([runs[0]!, runs[1]!, withPipe], "md").trimEnd().split("\n");
        expect(lines).toHaveLength(2 + 3);
        expect(lines[0]).toMatch(/^\| model \| size \|/);
        expect(lines[1]).toMatch(/^\| --- \| ---: \|/);
        expect(lines[4]).toContain("a \\| b");
        const cells = (line: string) => line.split(/(?<!\\)\|/).length;
        expect(new Set(lines.map(cells)).size).toBe(1);
    });

    it("shows llama-bench's numbers and the ratio beside ours when cross-checked", () => {
        const ours = runs[0]!;
        const reference = {
            tool: "llama-bench" as const,
            binary: "/opt/llama-bench",
            build: "abc123",
            pp: {tokensPerSecond: {...ours.pp!.tokensPerSecond, mean: 400, stddev: 2}, samples: [398, 400, 402]},
            tg: null,
            ratio: {pp: ours.pp!.tokensPerSecond.mean / 400, tg: null}
        };
        const table = exportRuns([{...ours, reference}, runs[1]!], "table");
        expect(table).toContain("llama-bench t/s");
        expect(table).toContain("400.00 ± 2.00");
        expect(table).toContain((ours.pp!.tokensPerSecond.mean / 400).toFixed(3));
        expect(exportRuns(runs, "table")).not.toContain("llama-bench t/s");
    });

    it("renders every format for an empty list", () => {
        for (const format of REPORT_FORMATS) expect(typeof exportRuns([], format)).toBe("string");
        expect(JSON.parse(exportRuns([], "json"))).toEqual({schemaVersion: 1, runs: []});
    });
});
