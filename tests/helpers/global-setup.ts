import {execFileSync} from "node:child_process";
import {fileURLToPath} from "node:url";

/** Tests that spawn the CLI run the compiled dist/, so compile once before any test file runs. */
export default function setup(): void {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const tsc = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
    try {
        execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], {cwd: root, stdio: "inherit"});
    } catch (error) {
        // In CI a type error fails the run; locally tsc still emits, so tests can go on.
        if (process.env.CI) throw error;
        process.stderr.write("warning: tsc reported type errors; testing the emitted JavaScript anyway\n");
    }
}
