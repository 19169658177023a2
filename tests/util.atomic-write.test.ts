import {execFileSync} from "node:child_process";
import {
    lstatSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    readdirSync,
    rmSync,
    symlinkSync,
    writeFileSync
} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {assertWritableTarget, writeFileAtomic} from "../src/util/atomic-write.js";
import {UserError} from "../src/util/errors.js";
import {readTextFile} from "../src/util/fs.js";
import {removeStaleTempFiles} from "../src/util/temp-files.js";

const dir = mkdtempSync(join(tmpdir(), "llmproof-atomic-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe("writeFileAtomic", () => {
    it("writes and replaces a regular file, leaving no temp file", async () => {
        const path = join(dir, "a.json");
        await writeFileAtomic(path, "1");
        await writeFileAtomic(path, "2");
        expect(readFileSync(path, "utf8")).toBe("2");
        expect(readdirSync(dir).filter((entry) => entry.endsWith(".tmp"))).toEqual([]);
    });

    it("refuses a symlink and a directory at the target, and leaves them as they were", async () => {
        const victim = join(dir, "victim.txt");
        writeFileSync(victim, "precious");
        const link = join(dir, "link.json");
        symlinkSync(victim, link);
        await expect(writeFileAtomic(link, "x")).rejects.toThrow(
            /it is a symbolic link; llmproof replaces only regular files/
        );
        expect(lstatSync(link).isSymbolicLink()).toBe(true);
        expect(readFileSync(victim, "utf8")).toBe("precious");
        const folder = join(dir, "folder");
        mkdirSync(folder);
        await expect(writeFileAtomic(folder, "x")).rejects.toThrow(/it is a directory/);
    });

    it.skipIf(process.getuid?.() !== 0)("refuses a device node", async () => {
        const device = join(dir, "null");
        execFileSync("mknod", [device, "c", "1", "3"]);
        await expect(writeFileAtomic(device, "x")).rejects.toThrow(/it is a device/);
        expect(lstatSync(device).isCharacterDevice()).toBe(true);
    });

    it("names an impossible folder and a shortage of space before any work", async () => {
        const file = join(dir, "plain.txt");
        writeFileSync(file, "");
        await expect(assertWritableTarget(join(file, "x.json"))).rejects.toThrow(UserError);
        await expect(assertWritableTarget(join(dir, "big.gguf"), {bytes: 2 ** 60})).rejects.toThrow(
            /Not enough disk space/
        );
    });

    it("removes the temp files of dead writers, not of live ones", () => {
        const dead = join(dir, ".x.json.999999.abcd.tmp");
        const live = join(dir, `.x.json.${process.pid}.abcd.tmp`);
        writeFileSync(dead, "");
        writeFileSync(live, "");
        removeStaleTempFiles(dir);
        expect(readdirSync(dir)).not.toContain(".x.json.999999.abcd.tmp");
        expect(readdirSync(dir)).toContain(`.x.json.${process.pid}.abcd.tmp`);
        rmSync(live);
    });
});

describe("readTextFile", () => {
    it("refuses a FIFO at once instead of waiting for a writer", async () => {
        const fifo = join(dir, "fifo");
        execFileSync("mkfifo", [fifo]);
        await expect(readTextFile(fifo, {label: "the catalog", maxBytes: 1000})).rejects.toThrow(/FIFO/);
    });

    it("refuses NUL bytes, bad UTF-8 and oversized files with a sentence", async () => {
        const path = join(dir, "t.yaml");
        writeFileSync(path, Buffer.from([0x61, 0, 0x62]));
        await expect(readTextFile(path, {label: "the catalog", maxBytes: 1000, strictText: true})).rejects.toThrow(
            /NUL bytes/
        );
        writeFileSync(path, Buffer.from([0x61, 0xff]));
        await expect(readTextFile(path, {label: "the catalog", maxBytes: 1000, strictText: true})).rejects.toThrow(
            /not valid UTF-8/
        );
        writeFileSync(path, "x".repeat(2000));
        await expect(readTextFile(path, {label: "the catalog", maxBytes: 1000})).rejects.toThrow(/more than/);
    });
});
