import {spawn} from "node:child_process";
import {fileURLToPath} from "node:url";

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

export const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Run the built CLI (`node bin/llmproof.js`, compiled by the global setup) from the project root,
 * as a user would, capturing stdout and stderr separately. Stack traces stay off (LLMPROOF_DEBUG unset).
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["bin/llmproof.js", ...args], {
            cwd: projectRoot,
            env: {...env, LLMPROOF_DEBUG: ""}
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({code, stdout, stderr}));
    });
}
