#!/usr/bin/env node
// The line-length limit that the formatter cannot enforce on its own (it never breaks a string):
// every tracked TypeScript/JavaScript source line stays within MAX characters. Run by `npm run lint`.
import {execFileSync} from "node:child_process";
import {readFileSync} from "node:fs";

const MAX = 160;
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.mjs", "*.js"], {
    encoding: "utf8"
})
    .split("\n")
    .filter((file) => file !== "" && !file.includes("/fixtures/") && !file.startsWith("src/quality/texts/"));
const long = [];
for (const file of files) {
    let text;
    try {
        text = readFileSync(file, "utf8");
    } catch {
        continue;
    }
    text.split("\n").forEach((line, index) => {
        // A regular expression literal on a line of its own cannot be wrapped without losing its meaning.
        const regexLiteral = /^\s*\/(?![/*]).*\/[dgimsuvy]*[,;)]?$/.test(line) || /^\s*`\^/.test(line);
        if (line.length > MAX && !regexLiteral) long.push(`${file}:${index + 1}: ${line.length} characters`);
    });
}
if (long.length > 0) {
    process.stderr.write(`${long.length} source line(s) over ${MAX} characters:\n${long.join("\n")}\n`);
    process.exit(1);
}
