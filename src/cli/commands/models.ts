import type {Command} from "commander";

// Placeholder until the models command lands; it registers nothing.
export function registerModelsCommand(_program: Command): void {}
