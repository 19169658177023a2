import type {Command} from "commander";

// Placeholder until the inspect command lands; it registers nothing.
export function registerInspectCommand(_program: Command): void {}
