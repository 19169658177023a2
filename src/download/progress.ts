import {formatBytes} from "../util/format.js";

/**
 * One self-rewriting progress line on stderr: bar, bytes, speed and time left. Speed is measured
 * over the last few seconds (not since the start), so that a resumed download shows its real rate.
 */
export class ProgressLine {
    private readonly samples: {time: number, bytes: number}[] = [];
    private lastDrawTime = 0;
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
        while (this.samples.length > 2 && now - this.samples[0]!.time > this.windowMs)
            this.samples.shift();
        if (now - this.lastDrawTime < this.minIntervalMs && doneBytes < totalBytes)
            return;
        this.lastDrawTime = now;
        this.draw(doneBytes, totalBytes);
    }

    /** Bytes per second over the recent window; 0 until two samples exist. */
    speed(): number {
        const first = this.samples[0];
        const last = this.samples.at(-1);
        if (first == null || last == null || last.time <= first.time)
            return 0;
        return Math.max(0, (last.bytes - first.bytes) * 1000 / (last.time - first.time));
    }

    finish(): void {
        if (this.drawn)
            this.stream.write("\n");
        this.drawn = false;
    }

    private draw(doneBytes: number, totalBytes: number): void {
        const fraction = totalBytes > 0 ? Math.min(1, doneBytes / totalBytes) : 0;
        const width = 24;
        const filled = Math.round(fraction * width);
        const bar = "#".repeat(filled) + "-".repeat(width - filled);
        const speed = this.speed();
        const eta = speed > 0 && totalBytes > doneBytes ? formatDuration((totalBytes - doneBytes) / speed) : "--:--";
        const text = `${this.label} [${bar}] ${(fraction * 100).toFixed(1)}% ` +
            `${formatBytes(doneBytes)} / ${formatBytes(totalBytes)}  ${formatBytes(speed)}/s  ETA ${eta}`;
        const columns = this.stream.columns ?? 120;
        this.stream.write(`\r\x1b[2K${text.length > columns - 1 ? text.slice(0, columns - 1) : text}`);
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
