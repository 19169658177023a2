import type {Command} from "commander";

// Placeholder until the synth command lands; it registers nothing.
export function registerSynthCommand(_program: Command): void {}
