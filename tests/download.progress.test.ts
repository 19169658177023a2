import {afterEach, describe, expect, it, vi} from "vitest";
import {ProgressLine, formatDuration} from "../src/download/progress.js";

/** A stand-in terminal that records what is written to it. */
function fakeTerminal(columns: number): {stream: NodeJS.WriteStream; lines: () => string[]} {
    const writes: string[] = [];
    const stream = {columns, write: (text: string) => writes.push(text) > 0} as unknown as NodeJS.WriteStream;
    // Each redraw starts with a carriage return and "erase line"; keep the last text of each.
    return {
        stream,
        lines: () =>
            writes
                .join("")
                .split("\r\x1b[2K")
                .filter((line) => line !== "")
    };
}

afterEach(() => {
    vi.useRealTimers();
});

describe("download progress line", () => {
    it("shows bar, bytes, the recent speed and the time left, within the terminal width", () => {
        vi.useFakeTimers();
        vi.setSystemTime(0);
        const terminal = fakeTerminal(100);
        const line = new ProgressLine("model-Q4_K_M.gguf", terminal.stream);
        const mib = 1024 * 1024;
        line.update(0, 100 * mib);
        vi.setSystemTime(1000);
        line.update(10 * mib, 100 * mib);
        vi.setSystemTime(2000);
        line.update(20 * mib, 100 * mib);
        const last = terminal.lines().at(-1)!;
        expect(last).toMatch(
            /^model-Q4_K_M\.gguf \[#+-+\] {2}20\.0% 20\.00 MiB \/ 100\.00 MiB {2}10\.00 MiB\/s {2}ETA 00:08$/
        );
        expect(last.length).toBeLessThan(100);
        line.finish();
        expect(terminal.lines().at(-1)).toMatch(/\n$/);
    });

    it("drops the bar, then shortens the name, on a narrow terminal", () => {
        vi.useFakeTimers();
        vi.setSystemTime(0);
        const terminal = fakeTerminal(60);
        const line = new ProgressLine("a-rather-long-model-file-name-Q4_K_M.gguf", terminal.stream);
        line.update(512, 1024);
        const last = terminal.lines().at(-1)!;
        expect(last).not.toContain("[");
        expect(last).toContain(" 50.0% 512 B / 1.00 KiB");
        expect(last.length).toBeLessThanOrEqual(59);
    });

    it("redraws at most every 200 ms, except for the last update", () => {
        vi.useFakeTimers();
        vi.setSystemTime(0);
        const terminal = fakeTerminal(120);
        const line = new ProgressLine("m.gguf", terminal.stream);
        for (let done = 1; done <= 99; done++) line.update(done, 100);
        line.update(100, 100);
        expect(terminal.lines()).toHaveLength(2);
        expect(terminal.lines()[1]).toContain("100.0%");
    });

    it("formats durations as mm:ss or h:mm:ss", () => {
        expect(formatDuration(8.4)).toBe("00:08");
        expect(formatDuration(754)).toBe("12:34");
        expect(formatDuration(3 * 3600 + 65)).toBe("3:01:05");
    });
});
