import type {Command} from "commander";

// Placeholder until the bench command lands; it registers nothing.
export function registerBenchCommand(_program: Command): void {}
