import type {Command} from "commander";
import {z} from "zod";
import {printData, validateOptions} from "../shared.js";
import {UserError} from "../../util/errors.js";
import {logInfo} from "../../util/log.js";

const EngineOptionsSchema = z.object({
    build: z.boolean().optional(),
    json: z.boolean().optional()
});

export function registerEngineCommand(program: Command): void {
    program
        .command("engine")
        .description(
            "Show which llama.cpp build llmproof measures with; --build compiles the local native build (npm install does this)."
        )
        .option(
            "--build",
            "compile node-llama-cpp's bundled llama.cpp for this CPU if not yet built (offline, ~4 min on 2 cores)"
        )
        .option("--json", "print the engine as JSON")
        .action(async (rawOptions: unknown) => {
            const options = validateOptions(EngineOptionsSchema, rawOptions);
            const {ensureEngineBuild} = await import("../../system/engine-build.js");
            const {currentEngine} = await import("../../system/llama.js");
            if (options.build) {
                const outcome = await ensureEngineBuild();
                if (outcome.status === "failed") throw new UserError(`The engine build failed: ${outcome.reason}.`);
                logInfo(`engine build: ${outcome.status} (${outcome.reason})`);
            }
            const engine = await currentEngine();
            if (options.json) {
                printData(JSON.stringify(engine, null, 2));
                return;
            }
            printData(
                [
                    `backend:   ${engine.backend}`,
                    `build:     ${engine.build}`,
                    `llama.cpp: ${engine.llamaCppRelease}`,
                    `CPU info:  ${engine.systemInfo ?? "?"}`
                ].join("\n")
            );
        });
}
