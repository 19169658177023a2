/**
 * The suite's progress bar with an ETA, as hyperfine draws one: on stderr, and only when stderr is
 * a terminal (a CI log or a file gets the plain start/result lines instead, and stdout never gets
 * any of it). The unit of work is one counted repetition; the total is configurations ×
 * repetitions (the minimum with --adaptive), and the ETA is the mean time per repetition so far ×
 * the repetitions left.
 */

export interface ProgressState {
    /** Counted repetitions started so far, over the whole suite. */
    done: number;
    total: number;
    elapsedMs: number;
}

/** Seconds left, or null until one repetition has finished. */
export function etaSeconds(state: ProgressState): number | null {
    const finished = Math.max(0, state.done - 1);
    if (finished === 0 || state.elapsedMs <= 0) return null;
    const perUnit = state.elapsedMs / finished;
    return (Math.max(0, state.total - finished) * perUnit) / 1000;
}

/** "1:05:03", "4:07", "0:09". */
export function formatDuration(seconds: number): string {
    const whole = Math.max(0, Math.round(seconds));
    const hours = Math.floor(whole / 3600);
    const minutes = Math.floor((whole % 3600) / 60);
    const secs = whole % 60;
    const two = (value: number) => String(value).padStart(2, "0");
    return hours > 0 ? `${hours}:${two(minutes)}:${two(secs)}` : `${minutes}:${two(secs)}`;
}

/** "━━━━━━━━╸───────────  12/40 reps  ETA 0:42" for one terminal line. */
export function progressBar(state: ProgressState, width = 20): string {
    const fraction = state.total <= 0 ? 0 : Math.min(1, Math.max(0, state.done - 1) / state.total);
    const filled = Math.round(fraction * width);
    const bar = `${"━".repeat(filled)}${"─".repeat(width - filled)}`;
    const eta = etaSeconds(state);
    return `${bar} ${Math.min(state.done, state.total)}/${state.total} reps  ETA ${eta === null ? "…" : formatDuration(eta)}`;
}

export class SuiteProgress {
    private done = 0;
    private total: number;
    private readonly started = Date.now();

    constructor(total: number) {
        this.total = total;
    }

    /** A counted repetition started (an adaptive run may start more than planned: the total grows with it). */
    step(): void {
        this.done++;
        if (this.done > this.total) this.total = this.done;
    }

    /** A run ended: repetitions it planned but did not start (a failed run) leave the total. */
    finishRun(plannedForRun: number, startedInRun: number): void {
        if (startedInRun < plannedForRun) this.total -= plannedForRun - startedInRun;
    }

    line(): string {
        return progressBar({done: this.done, total: this.total, elapsedMs: Date.now() - this.started});
    }
}
