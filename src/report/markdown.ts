import type {BenchRun} from "../results/schema.js";
import {displayTable} from "./display.js";

/** A GitHub-flavoured Markdown table, like llama-bench's default output. */
export function exportMarkdown(runs: readonly BenchRun[]): string {
    const {head, rows, numeric} = displayTable(runs);
    const line = (cells: string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
    const rule = `| ${numeric.map((isNumeric) => (isNumeric ? "---:" : "---")).join(" | ")} |`;
    return `${[line(head), rule, ...rows.map(line)].join("\n")}\n`;
}

function escapeCell(text: string): string {
    return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
