import type {Command} from "commander";
import {z} from "zod";
import {ExitCode} from "../../util/exit-codes.js";
import {setQuiet} from "../../util/log.js";
import {printData, validateOptions} from "../shared.js";

const PullCommandOptionsSchema = z.object({
    dir: z.string().min(1).optional(),
    quiet: z.boolean().default(false),
    json: z.boolean().default(false),
    verify: z.boolean().default(true)
});

export function registerPullCommand(program: Command): void {
    program
        .command("pull")
        .description(
            "Download a model into the model cache (LLMPROOF_MODELS_DIR) and verify its SHA-256 against the hub's listing or the catalog. " +
                "Resumes an interrupted download; honours HF_ENDPOINT and HF_TOKEN."
        )
        .argument("<model>", "a catalog id[:QUANT], hf:user/repo/file.gguf, hf:user/repo:QUANT, or an http(s) URL")
        .option("--dir <folder>", "save the file(s) straight into this folder instead of the cache")
        .option("--quiet", "no progress bar or log lines on stderr")
        .option("--json", "print the result as JSON")
        .option("--no-verify", "skip the SHA-256 check")
        .action(async (model: string, rawOptions: unknown) => {
            const options = validateOptions(PullCommandOptionsSchema, rawOptions);
            if (options.quiet) setQuiet(true);
            const {pullModel, renderPullResult} = await import("../../download/pull.js");
            // Ctrl-C stops the transfer but keeps the partial file, so the next pull resumes it; a second
            // Ctrl-C quits at once. The listener stays registered while pulling: with none of ours left,
            // a dependency's exit hook would re-raise the signal and kill the process mid-cleanup.
            const interruption = new AbortController();
            const onInterrupt = () => {
                if (interruption.signal.aborted) process.exit(ExitCode.interrupted);
                interruption.abort(new Error("interrupted"));
            };
            process.on("SIGINT", onInterrupt);
            process.on("SIGTERM", onInterrupt);
            try {
                const result = await pullModel(model, {
                    dir: options.dir,
                    verify: options.verify,
                    signal: interruption.signal
                });
                printData(options.json ? JSON.stringify(result, null, 2) : renderPullResult(result));
            } catch (error) {
                // A cancelled or stalled transfer may go on retrying in the downloader for minutes; once
                // main() has printed the message, leave (the partial file is already closed).
                setTimeout(() => process.exit(), 200).unref();
                throw error;
            } finally {
                process.off("SIGINT", onInterrupt);
                process.off("SIGTERM", onInterrupt);
            }
        });
}
