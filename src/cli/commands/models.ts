import type {Command} from "commander";
import {z} from "zod";
import {parsePositiveInt, printData, validateOptions} from "../shared.js";
import {logInfo} from "../../util/log.js";

const ModelsOptionsSchema = z.object({
    issue: z.number().int().positive().optional(),
    suite: z.string().min(1).optional(),
    json: z.boolean().optional(),
    catalog: z.string().min(1).optional()
});

export function registerModelsCommand(program: Command): void {
    program
        .command("models")
        .description("List the model catalog (models.yaml): featured models, their GGUF files, suites.")
        .option("--issue <number>", "only models featured in this newsletter issue", parsePositiveInt)
        .option("--suite <name>", "only models of this suite (smoke, standard, heavy, header-only)")
        .option("--json", "print the full catalog entries as JSON")
        .option("--catalog <path>", "read this catalog file instead of the shipped models.yaml (or LLMPROOF_CATALOG)")
        .action(async (rawOptions: unknown) => {
            const options = validateOptions(ModelsOptionsSchema, rawOptions);
            const {listCatalogModels, formatCatalogTable} = await import("../../catalog/list.js");
            const models = await listCatalogModels({
                issue: options.issue,
                suite: options.suite,
                catalogPath: options.catalog
            });
            if (options.json) {
                printData(JSON.stringify(models, null, 2));
                return;
            }
            if (models.length === 0) logInfo("No catalog model matches these filters.");
            printData(formatCatalogTable(models));
        });
}
