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
import {projectRoot} from "../helpers/cli.js";
import {makeTestTwin} from "../helpers/models.js";
import {forLevel, LONG, runCase, type FuzzCase} from "./harness.js";
import {mountSmallTmpfs, unmount} from "./tmpfs.js";

/**
 * Hostile catalogs and sidecar files (YAML bombs, deep nesting, NUL bytes, implausible figures, a
 * FIFO), bad option values, and output targets that are not regular files.
 */

const dir = mkdtempSync(join(tmpdir(), "llmproof-fuzz-inputs-"));
/** Outputs that would be huge go to a small tmpfs (where mounting is permitted), so a missing size check cannot fill the disk. */
const small = mountSmallTmpfs(join(dir, "small"), "64m");
afterAll(() => {
    if (small != null) unmount(small);
    rmSync(dir, {recursive: true, force: true});
});
const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
};
const shippedCatalog = readFileSync(join(projectRoot, "models.yaml"), "utf8");
const firstParams = shippedCatalog.match(/paramsB: [\d.]+/)![0];

const aliasBomb = [
    "a: &a [x, x, x, x, x, x, x, x, x, x]",
    ...Array.from({length: 9}, (_, level) => {
        const name = String.fromCharCode(98 + level);
        const previous = String.fromCharCode(97 + level);
        return `${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`;
    }),
    "models: *j"
].join("\n");
const depth = LONG ? 50_000 : 5_000;
const hostileYaml: Record<string, string | Buffer> = {
    "alias bomb": aliasBomb,
    "deep sequence nesting": `models: ${"[".repeat(depth)}${"]".repeat(depth)}\n`,
    "deep mapping nesting": `models:\n${Array.from({length: 2000}, (_, level) => `${" ".repeat(level + 1)}k${level}:`).join("\n")} 1\n`,
    "NUL byte in a value": shippedCatalog.replace(/name: ([^\n]+)/, "name: a\u0000b"),
    "NUL bytes raw": Buffer.concat([
        Buffer.from(shippedCatalog.slice(0, 200)),
        Buffer.alloc(64),
        Buffer.from(shippedCatalog.slice(200))
    ]),
    "paramsB 1e30": shippedCatalog.replace(firstParams, "paramsB: 1e30"),
    "paramsB 1e-30": shippedCatalog.replace(firstParams, "paramsB: 1e-30"),
    "sizeBytes 1e30": shippedCatalog.replace(/sizeBytes: \d+/, "sizeBytes: 1000000000000000000000000000000"),
    "not UTF-8": Buffer.concat([
        Buffer.from(shippedCatalog.slice(0, 300)),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from(shippedCatalog.slice(300))
    ]),
    "__proto__ key": `__proto__: {polluted: true}\nmodels: []\n`,
    "duplicate keys": "models: []\nmodels: []\n",
    "tabs and garbage": "\t:::\n- [\n",
    "a scalar": "42\n",
    empty: ""
};

const cases: FuzzCase[] = [];
for (const [name, content] of Object.entries(hostileYaml)) {
    const path = file(`catalog-${cases.length}.yaml`, content);
    cases.push({
        cls: "yaml",
        name: `catalog: ${name}`,
        args: ["models"],
        env: {LLMPROOF_CATALOG: path},
        expect: "error",
        timeoutMs: 15_000
    });
}
for (const name of ["alias bomb", "deep sequence nesting", "NUL bytes raw"]) {
    const path = file(`shape-${name.replace(/\W+/g, "-")}.yaml`, hostileYaml[name]!);
    cases.push({
        cls: "yaml",
        name: `synth --shape: ${name}`,
        args: ["synth", "--shape", path, "--dry-run"],
        expect: "error",
        timeoutMs: 15_000
    });
    const claims = file(`claims-${name.replace(/\W+/g, "-")}.yaml`, hostileYaml[name]!);
    cases.push({
        cls: "yaml",
        name: `check --claims: ${name}`,
        args: [
            "check",
            join(projectRoot, "examples/issues/local-inference-letter-14.md"),
            "--offline",
            "--claims",
            claims
        ],
        expect: "error",
        timeoutMs: 20_000
    });
}
const fifo = join(dir, "fifo.yaml");
execFileSync("mkfifo", [fifo]);
cases.push({
    cls: "yaml",
    name: "catalog: a FIFO",
    args: ["models"],
    env: {LLMPROOF_CATALOG: fifo},
    expect: "error",
    timeoutMs: 15_000
});
cases.push({
    cls: "yaml",
    name: "check: a FIFO as the issue",
    args: ["check", fifo, "--offline"],
    expect: "error",
    timeoutMs: 15_000
});
// `check` reads issues, a catalog and claims sidecars: a FIFO in any of those places is refused at
// once, never waited on (a blocked read would also keep the process from exiting on a signal).
const fifoIssue = join(projectRoot, "examples/issues/weights-weekly-7.txt");
cases.push({
    cls: "yaml",
    name: "check: a FIFO catalog (LLMPROOF_CATALOG)",
    args: ["check", fifoIssue, "--offline"],
    env: {LLMPROOF_CATALOG: fifo},
    expect: "error",
    timeoutMs: 15_000
});
cases.push({
    cls: "yaml",
    name: "check --claims a FIFO",
    args: ["check", fifoIssue, "--offline", "--no-twins", "--claims", fifo],
    expect: "error",
    timeoutMs: 15_000
});
const fifoFolder = join(dir, "fifo-issues");
mkdirSync(fifoFolder);
execFileSync("mkfifo", [join(fifoFolder, "a-fifo.md")]);
writeFileSync(join(fifoFolder, "b-issue.md"), "Qwen3 4B runs at 40 tokens per second on an M2 Max.\n");
cases.push({
    cls: "yaml",
    name: "check: a folder holding a FIFO issue",
    args: ["check", fifoFolder, "--offline", "--no-twins"],
    expect: "error",
    exitCode: 1,
    timeoutMs: 15_000
});
cases.push({
    cls: "yaml",
    name: "catalog: a directory",
    args: ["models"],
    env: {LLMPROOF_CATALOG: dir},
    expect: "error",
    timeoutMs: 15_000
});

// Bad option values: each must be refused before any work starts.
const model = await makeTestTwin({quant: "Q8_0"});
const bench = (...options: string[]) => ["bench", model, "--no-save", "-r", "1", "--warmup", "0", ...options];
const badOptions: [string, string[]][] = [
    ["bench -p 1e12", bench("-p", "1e12")],
    ["bench -n 1e12", bench("-n", "1e12")],
    ["bench -d 1e8", bench("-d", "1e8")],
    ["bench -b 1e12", bench("-b", "1e12")],
    ["bench --ubatch 1e12", bench("--ubatch", "1e12")],
    ["bench -t 1,,2", bench("-t", "1,,2")],
    ["bench -t 1e6", bench("-t", "1000000")],
    ["bench -t ,", bench("-t", ",")],
    ["bench -p 1.5", bench("-p", "1.5")],
    ["bench -p 0x10", bench("-p", "0x10")],
    ["bench --timeout 3e6", bench("--timeout", "3000000")],
    ["bench --timeout 1e-9", bench("--timeout", "1e-9")],
    ["bench --adaptive --max-time 1e6", bench("--adaptive", "--max-time", "1000000")],
    ["bench -r 1e9", ["bench", model, "--no-save", "-r", "1000000000"]],
    ["bench --warmup -1", bench("--warmup", "-1")],
    ["inspect --context 1e12", ["inspect", model, "--context", "1000000000000"]],
    ["inspect --context 1e7", ["inspect", model, "--context", "10000000"]],
    ["inspect --context 0", ["inspect", model, "--context", "0"]],
    ["quality --ctx 1e9", ["quality", model, model, "--ctx", "1000000000"]],
    ["quality --chunks 1e12", ["quality", model, model, "--ctx", "16", "--chunks", "1e300"]],
    ["quality --threads 1e6", ["quality", model, model, "--threads", "1000000"]],
    ...(small == null
        ? []
        : ([
              [
                  "synth --hidden 1e8",
                  ["synth", "--preset", "tiny-test", "--hidden", "100000000", "-o", join(small, "huge.gguf")]
              ],
              [
                  "synth --vocab 1e9",
                  ["synth", "--preset", "tiny-test", "--vocab", "1000000000", "-o", join(small, "huge2.gguf")]
              ],
              [
                  "synth --layers 1e6",
                  ["synth", "--preset", "tiny-test", "--layers", "1000000", "-o", join(small, "huge3.gguf")]
              ]
          ] as [string, string[]][])),
    ["synth --seed -1", ["synth", "--preset", "tiny-test", "--seed", "-1", "--dry-run"]],
    ["synth -q Q9_9", ["synth", "--preset", "tiny-test", "-q", "Q9_9", "--dry-run"]]
];
for (const [name, args] of badOptions)
    cases.push({
        cls: "cli",
        name,
        args,
        expect: "error",
        timeoutMs: 20_000,
        // Whatever was refused must not have been written.
        checkFiles: () => {
            const leftovers = small == null ? [] : readdirSync(small).filter((entry) => /^\.?huge/.test(entry));
            return leftovers.length > 0 ? `left ${leftovers.join(", ")}` : null;
        }
    });

// Output targets that are not regular files: refused, and left as they were (each case has its own).
const issue = join(projectRoot, "examples/issues/local-inference-letter-14.md");
let targetCount = 0;
function targetCases(label: string, command: (target: string) => string[]): FuzzCase[] {
    const made: FuzzCase[] = [];
    // A device node needs root (mknod); elsewhere those cases are left out.
    const kinds = (["a device node", "a symlink", "a directory"] as const).filter(
        (kind) => kind !== "a device node" || process.getuid?.() === 0
    );
    for (const kind of kinds) {
        const folder = join(dir, `targets-${targetCount++}`);
        mkdirSync(folder);
        const victim = join(folder, "victim.txt");
        writeFileSync(victim, "precious\n");
        const target = join(folder, "target");
        if (kind === "a device node") execFileSync("mknod", [target, "c", "1", "3"]);
        else if (kind === "a symlink") symlinkSync(victim, target);
        else mkdirSync(target);
        const untouched = (): string | null => {
            const info = lstatSync(target);
            if (kind === "a device node" && !info.isCharacterDevice()) return "the device node was replaced";
            if (kind === "a symlink" && !info.isSymbolicLink()) return "the symlink was replaced";
            if (kind === "a directory" && !info.isDirectory()) return "the directory was replaced";
            if (readFileSync(victim, "utf8") !== "precious\n") return "the symlink's target was overwritten";
            const temps = readdirSync(folder).filter((entry) => entry.endsWith(".tmp"));
            return temps.length > 0 ? `temp files left: ${temps.join(", ")}` : null;
        };
        made.push({
            cls: "cli",
            name: `${label} ${kind}`,
            args: command(target),
            expect: "error",
            checkFiles: untouched
        });
    }
    return made;
}
cases.push(...targetCases("synth -o", (target) => ["synth", "--preset", "tiny-test", "-o", target]));
cases.push(...targetCases("check --md", (target) => ["check", issue, "--offline", "--md", target]));
cases.push(
    ...targetCases("quality --output", (target) => [
        "quality",
        model,
        model,
        "--ctx",
        "16",
        "--chunks",
        "1",
        "--output",
        target
    ])
);
cases.push({
    cls: "cli",
    name: "check --md under a regular file",
    args: ["check", issue, "--offline", "--md", join(shippedCatalogCopy(), "x.md")],
    expect: "error"
});

function shippedCatalogCopy(): string {
    return file("a-file.yaml", shippedCatalog);
}

describe.concurrent("fuzz: hostile files and option values", () => {
    const QUICK =
        /^(catalog: (alias bomb|NUL bytes raw|paramsB 1e30|a FIFO)|check --claims a FIFO|bench -t 1,,2|bench --timeout 3e6|inspect --context 1e12|synth -o a device node)$/;
    it.each(forLevel(cases, QUICK).map((fuzzCase) => [fuzzCase.cls, fuzzCase.name, fuzzCase] as const))(
        "%s: %s",
        async (_cls, _name, fuzzCase) => {
            const outcome = await runCase(fuzzCase);
            expect(outcome.kind, outcome.detail).toBe("clean");
        }
    );
});
