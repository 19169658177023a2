import Table from "cli-table3";
import type {BenchRun} from "../results/schema.js";
import {displayTable} from "./display.js";

/** A plain-text table for the terminal (no colour codes, so it can be piped). */
export function exportTable(runs: readonly BenchRun[]): string {
    const {head, rows, numeric} = displayTable(runs);
    const table = new Table({
        head,
        style: {head: [], border: []},
        // No rule between rows: compact, like llama-bench's table.
        chars: {mid: "", "left-mid": "", "mid-mid": "", "right-mid": ""},
        colAligns: numeric.map((isNumeric) => (isNumeric ? "right" : "left"))
    });
    table.push(...rows);
    return `${table.toString()}\n`;
}
