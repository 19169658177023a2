/**
 * Every exit code llmproof uses, in one place. `llmproof --help` and the README list them from
 * here (EXIT_CODE_HELP), and src/cli/main.ts maps errors to them. The numbers follow common
 * practice: 0 success, small numbers for outcomes a script acts on, 64 and 70 from BSD's
 * sysexits.h (EX_USAGE, EX_SOFTWARE), 73 (EX_CANTCREAT) for a result that could not be saved,
 * and 130 (128 + SIGINT) for an interrupt, as shells report it.
 */
export const ExitCode = {
    /** Everything measured, saved and (with a gate) passed. */
    ok: 0,
    /** An error the user can fix that is not a usage error: no network, an unreadable file, a model too big. */
    error: 1,
    /** `check --strict`: at least one claim was refuted. */
    refuted: 2,
    /** `pull`: a downloaded file failed its SHA-256 (or size) check. */
    checksumMismatch: 3,
    /** `bench`: at least one measurement failed (crash, out-of-memory kill, timeout, unloadable model); its row is still printed and saved. */
    measurementFailed: 4,
    /** `compare --fail-if` / `bench --fail-if`: a significant regression crossed a threshold. */
    gateRegression: 5,
    /** The gate could not judge a model because it failed to load or crashed in the candidate run. */
    gateModelFailed: 6,
    /** Bad arguments or options, an unknown model or suite, a missing input file: nothing was measured. */
    usage: 64,
    /** An unexpected internal error (a bug): please report it with LLMPROOF_DEBUG=1. */
    internal: 70,
    /** A result or an --output/--export file could not be written. */
    notSaved: 73,
    /** Interrupted (Ctrl-C / SIGINT, or SIGTERM); what was measured so far is printed and saved. */
    interrupted: 130
} as const;
export type ExitCodeName = keyof typeof ExitCode;

/** One line per code, for `--help` and the README. */
export const EXIT_CODE_DESCRIPTIONS: readonly {code: number; meaning: string}[] = [
    {code: ExitCode.ok, meaning: "success"},
    {code: ExitCode.error, meaning: "an error you can fix (no network, unreadable file, model too big)"},
    {code: ExitCode.refuted, meaning: "check --strict: a claim was refuted"},
    {code: ExitCode.checksumMismatch, meaning: "pull: SHA-256 or size mismatch"},
    {code: ExitCode.measurementFailed, meaning: "bench: a measurement failed (its row is still printed and saved)"},
    {code: ExitCode.gateRegression, meaning: "--fail-if: a significant regression crossed a threshold"},
    {code: ExitCode.gateModelFailed, meaning: "--fail-if: a model failed to load or crashed in the candidate"},
    {
        code: ExitCode.usage,
        meaning: "usage error: bad option, unknown model or suite, missing input (nothing measured)"
    },
    {code: ExitCode.internal, meaning: "internal error (a bug; LLMPROOF_DEBUG=1 shows the stack)"},
    {code: ExitCode.notSaved, meaning: "a result or --output/--export file could not be written"},
    {code: ExitCode.interrupted, meaning: "interrupted (Ctrl-C); results so far are printed and saved"}
];

/** The help text block listing the exit codes. */
export function exitCodeHelp(): string {
    const width = Math.max(...EXIT_CODE_DESCRIPTIONS.map((entry) => String(entry.code).length));
    return [
        "Exit codes:",
        ...EXIT_CODE_DESCRIPTIONS.map((entry) => `  ${String(entry.code).padStart(width)}  ${entry.meaning}`)
    ].join("\n");
}

/**
 * When one run ends in several ways at once, the code a script most needs to see wins:
 * an interrupt, then the gate's verdicts, then failed measurements, then unsaved results.
 */
const PRIORITY: readonly number[] = [
    ExitCode.interrupted,
    ExitCode.gateModelFailed,
    ExitCode.gateRegression,
    ExitCode.measurementFailed,
    ExitCode.notSaved
];

export function mostSevereExitCode(codes: readonly number[]): number {
    for (const code of PRIORITY) if (codes.includes(code)) return code;
    return codes.find((code) => code !== ExitCode.ok) ?? ExitCode.ok;
}
