import type {Command} from "commander";

// Placeholder until the pull command lands; it registers nothing.
export function registerPullCommand(_program: Command): void {}
