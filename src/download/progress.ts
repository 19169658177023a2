import {formatBytes} from "../util/units.js";

/**
 * One self-rewriting progress line on stderr: bar, bytes, speed and time left. Speed is measured
 * over the last few seconds (not since the start), so that a resumed download shows its real rate.
 */
export class ProgressLine {
    private readonly samples: {time: number; bytes: number}[] = [];
    private lastDrawTime = -Infinity;
    private drawn = false;

    constructor(
        private readonly label: string,
        private readonly stream: NodeJS.WriteStream = process.stderr,
        private readonly windowMs = 5_000,
        private readonly minIntervalMs = 200
    ) {}

    update(doneBytes: number, totalBytes: number): void {
        const now = Date.now();
        this.samples.push({time: now, bytes: doneBytes});
        while (this.samples.length > 2 && now - this.samples[0]!.time > this.windowMs) this.samples.shift();
        if (now - this.lastDrawTime < this.minIntervalMs && doneBytes < totalBytes) return;
        this.lastDrawTime = now;
        this.draw(doneBytes, totalBytes);
    }

    /** Bytes per second over the recent window; 0 until two samples exist. */
    speed(): number {
        const first = this.samples[0];
        const last = this.samples.at(-1);
        if (first == null || last == null || last.time <= first.time) return 0;
        return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.time - first.time));
    }

    finish(): void {
        if (this.drawn) this.stream.write("\n");
        this.drawn = false;
    }

    private draw(doneBytes: number, totalBytes: number): void {
        const fraction = totalBytes > 0 ? Math.min(1, doneBytes / totalBytes) : 0;
        const speed = this.speed();
        const eta = speed > 0 && totalBytes > doneBytes ? formatDuration((totalBytes - doneBytes) / speed) : "--:--";
        const figures =
            `${(fraction * 100).toFixed(1).padStart(5)}% ${formatBytes(doneBytes)} / ${formatBytes(totalBytes)}  ${formatBytes(speed)}/s ` +
            ` ETA ${eta}`;
        // Fit one terminal line: the bar takes what is left, and goes (then the label shrinks) on narrow terminals.
        const columns = Math.max(20, (this.stream.columns ?? 80) - 1);
        let label = this.label;
        const barWidth = Math.min(30, columns - label.length - figures.length - 4);
        let text: string;
        if (barWidth >= 8) {
            const filled = Math.round(fraction * barWidth);
            text = `${label} [${"#".repeat(filled)}${"-".repeat(barWidth - filled)}] ${figures}`;
        } else {
            const room = columns - figures.length - 1;
            label = room >= 8 ? (label.length > room ? `${label.slice(0, room - 3)}...` : label) : "";
            text = label === "" ? figures : `${label} ${figures}`;
        }
        this.stream.write(`\r\x1b[2K${text.slice(0, columns)}`);
        this.drawn = true;
    }
}

export function formatDuration(seconds: number): string {
    const total = Math.max(0, Math.round(seconds));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const secs = total % 60;
    const pad = (value: number) => String(value).padStart(2, "0");
    return hours > 0 ? `${hours}:${pad(minutes)}:${pad(secs)}` : `${pad(minutes)}:${pad(secs)}`;
}
