import type {Command} from "commander";
import {z} from "zod";
import {OPTION_BOUNDS, intInRange, printData, validateOptions} from "../shared.js";

const InspectCommandOptionsSchema = z.object({
    json: z.boolean().default(false),
    context: z.number().int().positive().optional(),
    estimate: z.boolean().default(true)
});

export function registerInspectCommand(program: Command): void {
    program
        .command("inspect")
        .description(
            "Facts about a GGUF model from its header: parameters, tensor types, bits per weight, size reduction, memory estimate. Remote " +
                "files: only the header is read."
        )
        .argument(
            "<model>",
            "a local .gguf path, an http(s) URL, an hf: URI or a catalog id[:QUANT] (split files: any part)"
        )
        .option("--json", "print the facts as JSON")
        .option(
            "--context <n>",
            "context size (tokens) for the memory estimate (default: 4096, or the model's if smaller)",
            intInRange(1, OPTION_BOUNDS.tokens)
        )
        .option("--no-estimate", "skip the memory estimate (never loads the llama.cpp binding)")
        .action(async (model: string, rawOptions: unknown) => {
            const options = validateOptions(InspectCommandOptionsSchema, rawOptions);
            const {inspectGguf} = await import("../../gguf/inspect.js");
            // hf: URIs and catalog ids become the hub URL (plus the token header for gated repos), or the cached copy.
            const {resolveModelSource} = await import("../../download/resolve.js");
            const source = await resolveModelSource(model);
            const facts = await inspectGguf(source.kind === "local" ? source.path : source.url, {
                headers: source.kind === "remote" ? source.headers : undefined,
                memoryEstimate: options.estimate ? {contextSize: options.context} : undefined
            });
            if (options.json) {
                printData(JSON.stringify(facts, null, 2));
                return;
            }
            const {renderGgufFactsTable} = await import("../../gguf/facts-table.js");
            printData(renderGgufFactsTable(facts));
        });
}
