import type {Command} from "commander";

// Placeholder until the check command lands; it registers nothing.
export function registerCheckCommand(_program: Command): void {}
