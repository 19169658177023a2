import {execFileSync} from "node:child_process";
import {fileURLToPath} from "node:url";

/** Tests that spawn the CLI run the compiled dist/, so compile once before any test file runs. */
export default function setup(): void {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    execFileSync(process.execPath, [fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url)), "-p", "tsconfig.json"], {
        cwd: root,
        stdio: "inherit"
    });
}
