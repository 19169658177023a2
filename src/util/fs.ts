import {access, constants, stat} from "node:fs/promises";

/** Whether `path` is a regular file this process may execute. */
export async function isExecutableFile(path: string): Promise<boolean> {
    try {
        await access(path, constants.X_OK);
        return (await stat(path)).isFile();
    } catch {
        return false;
    }
}
