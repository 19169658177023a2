import {Command, CommanderError} from "commander";
import {isUserError, errorMessage} from "../util/errors.js";
import {ExitCode, exitCodeHelp} from "../util/exit-codes.js";
import {exitCleanlyOnSignals} from "../util/temp-files.js";
import {llmproofVersion} from "../util/version.js";
import {commandRegistrars} from "./commands/index.js";

export function buildProgram(): Command {
    const program = new Command()
        .name("llmproof")
        .description(
            "Benchmark local LLM inference (llama.cpp via node-llama-cpp) and fact-check efficiency claims with verified numbers."
        )
        .version(llmproofVersion(), "-v, --version")
        .showHelpAfterError("(run with --help for usage)")
        .configureOutput({
            writeErr: (text) => process.stderr.write(text),
            // Usage errors read like every other error: one `llmproof: ...` sentence.
            outputError: (text, write) => write(`llmproof: ${text.replace(/^error: /, "")}`)
        })
        .addHelpText("after", `\n${exitCodeHelp()}`)
        // Before the sub-commands are added, so that they inherit it: their usage errors reach main() too.
        .exitOverride();
    for (const register of commandRegistrars) register(program);
    return program;
}

/**
 * Entry point. Command modules import their logic lazily, so `--version` and `--help`
 * never load the native llama.cpp binding.
 */
export async function main(argv: string[]): Promise<void> {
    // SIGINT / SIGTERM: remove unfinished temp files, say so in one sentence, exit 130 / 143.
    exitCleanlyOnSignals();
    const program = buildProgram();
    program.exitOverride();
    try {
        await program.parseAsync(argv);
    } catch (error) {
        if (error instanceof CommanderError) {
            // commander already printed its message (or help/version output); its errors are usage errors.
            process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
            return;
        }
        if (isUserError(error)) {
            process.stderr.write(`llmproof: ${errorMessage(error)}\n`);
            process.exitCode = error.exitCode;
            return;
        }
        process.stderr.write(`llmproof: unexpected error: ${errorMessage(error)}\n`);
        if (process.env.LLMPROOF_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ""}\n`);
        else process.stderr.write("(set LLMPROOF_DEBUG=1 to see the stack trace)\n");
        process.exitCode = ExitCode.internal;
    }
}
