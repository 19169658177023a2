import {z} from "zod";
import {errorMessage} from "../util/errors.js";

// llama-bench's JSON output (-o json): an array with one object per test (tools/llama-bench/llama-bench.cpp,
// json_printer). Only the fields llmproof reads are required; the rest pass through.

export const LlamaBenchTestSchema = z.looseObject({
    build_commit: z.string(),
    build_number: z.number(),
    cpu_info: z.string(),
    backends: z.string(),
    model_filename: z.string(),
    model_type: z.string(),
    model_size: z.number(),
    model_n_params: z.number(),
    n_batch: z.number().int(),
    n_ubatch: z.number().int(),
    n_threads: z.number().int(),
    n_gpu_layers: z.number().int(),
    flash_attn: z.union([z.number(), z.boolean(), z.string()]),
    /** -mmp of older builds; a JSON boolean. */
    use_mmap: z.boolean().optional(),
    /** -lm of newer builds (auto, none, mmap, mlock, mmap+mlock, dio), which replaced -mmp. */
    load_mode: z.string().optional(),
    n_prompt: z.number().int(),
    n_gen: z.number().int(),
    n_depth: z.number().int(),
    test_time: z.string(),
    avg_ns: z.number(),
    stddev_ns: z.number(),
    avg_ts: z.number(),
    stddev_ts: z.number(),
    samples_ns: z.array(z.number()),
    samples_ts: z.array(z.number())
});
export type LlamaBenchTest = z.infer<typeof LlamaBenchTestSchema>;
export const LlamaBenchOutputSchema = z.array(LlamaBenchTestSchema);

/** Parse llama-bench's `-o json` output; throws with the first schema problem. */
export function parseLlamaBenchJson(text: string): LlamaBenchTest[] {
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (error) {
        throw new Error(`llama-bench did not print JSON (${errorMessage(error)})`);
    }
    const parsed = LlamaBenchOutputSchema.safeParse(data);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
            `unexpected llama-bench JSON at ${issue?.path.join(".") || "top level"}: ${issue?.message ?? "unknown"}`
        );
    }
    return parsed.data;
}

/** llama-bench's test name: pp512, tg128, pp512+tg128; "@ d<depth>" when the KV cache is prefilled. */
export function llamaBenchTestName(test: Pick<LlamaBenchTest, "n_prompt" | "n_gen" | "n_depth">): string {
    const base =
        test.n_prompt > 0 && test.n_gen === 0
            ? `pp${test.n_prompt}`
            : test.n_gen > 0 && test.n_prompt === 0
              ? `tg${test.n_gen}`
              : `pp${test.n_prompt}+tg${test.n_gen}`;
    return test.n_depth > 0 ? `${base} @ d${test.n_depth}` : base;
}

// ---------------------------------------------------------------------------------------------
// Every output llama-bench writes (tools/llama-bench/llama-bench.cpp, its printers), read into one
// record shape for `llmproof compare`:
// - `-o json`: an array of tests, with the raw samples (samples_ns, samples_ts);
// - `-o jsonl`: one test object per line, with the raw samples;
// - `-o csv`: a header of test::get_fields() and one row per test, every value quoted; NO samples;
// - `-o sql`: `CREATE TABLE IF NOT EXISTS llama_bench (...)` then one `INSERT INTO llama_bench`
//   per test (values quoted as text); NO samples. Piped into sqlite3 it becomes a database file
//   that accumulates runs of many builds (scripts/compare-llama-bench.py reads it).
// CSV and SQL rows keep only the mean and standard deviation (avg_ts, stddev_ts), not the
// repetition count, so a significance test on them needs the count from the user.

const numberLike = z.union([z.number(), z.string().trim().min(1)]).pipe(z.coerce.number());
const intLike = numberLike.pipe(z.number().int());

/** One llama-bench test from any of its outputs; samples are null where the format has none. */
export const LlamaBenchRecordSchema = z.looseObject({
    build_commit: z.string(),
    build_number: intLike.optional(),
    cpu_info: z.string().optional(),
    gpu_info: z.string().optional(),
    backends: z.string().optional(),
    model_filename: z.string(),
    model_type: z.string().optional(),
    model_size: numberLike.optional(),
    n_batch: intLike,
    n_ubatch: intLike,
    n_threads: intLike,
    n_gpu_layers: intLike,
    flash_attn: z.union([z.number(), z.boolean(), z.string()]),
    /** -mmp: a boolean in JSON, "1"/"0" in CSV and SQL; absent from newer outputs (load_mode) and very old ones (mmap was on). */
    use_mmap: z.union([z.number(), z.boolean(), z.string()]).nullable().optional(),
    /** -lm, which replaced -mmp: auto, none, mmap, mlock, mmap+mlock or dio. */
    load_mode: z.string().nullable().optional(),
    n_prompt: intLike,
    n_gen: intLike,
    n_depth: intLike.default(0),
    test_time: z.string().optional(),
    avg_ts: numberLike,
    stddev_ts: numberLike,
    samples_ts: z.array(z.number()).nullable().default(null)
});
export type LlamaBenchRecord = z.infer<typeof LlamaBenchRecordSchema>;

export type LlamaBenchFormat = "json" | "jsonl" | "csv" | "sql" | "sqlite";

function validateRecords(values: unknown[], where: (index: number) => string): LlamaBenchRecord[] {
    return values.map((value, index) => {
        const parsed = LlamaBenchRecordSchema.safeParse(value);
        if (!parsed.success) {
            const issue = parsed.error.issues[0];
            throw new Error(
                `${where(index)} is not a llama-bench test (${issue?.path.join(".") || "record"}: ${issue?.message ?? "invalid"})`
            );
        }
        return parsed.data;
    });
}

/** `-o json` or `-o jsonl` text. */
export function parseLlamaBenchJsonRecords(text: string, format: "json" | "jsonl"): LlamaBenchRecord[] {
    if (format === "json") {
        const data: unknown = JSON.parse(text);
        if (!Array.isArray(data)) throw new Error("llama-bench JSON is an array of tests");
        return validateRecords(data, (index) => `test ${index + 1}`);
    }
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
    return validateRecords(
        lines.map((line) => JSON.parse(line) as unknown),
        (index) => `line ${index + 1}`
    );
}

/** `-o csv` text (RFC 4180 quoting, as csv_printer writes it). */
export function parseLlamaBenchCsv(text: string): LlamaBenchRecord[] {
    const rows = parseCsv(text).filter((row) => row.some((cell) => cell !== ""));
    const [header, ...body] = rows;
    if (header === undefined || !header.includes("avg_ts")) throw new Error("no llama-bench CSV header");
    const records = body.map((cells) => Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ""])));
    return validateRecords(records, (index) => `CSV row ${index + 2}`);
}

/** Rows of a CSV text; quoted cells may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
    const rows: string[][] = [];
    let row: string[] = [];
    let cell = "";
    let quoted = false;
    for (let index = 0; index < text.length; index++) {
        const char = text[index]!;
        if (quoted) {
            if (char === '"' && text[index + 1] === '"') {
                cell += '"';
                index++;
            } else if (char === '"') quoted = false;
            else cell += char;
        } else if (char === '"') quoted = true;
        else if (char === ",") {
            row.push(cell);
            cell = "";
        } else if (char === "\n" || char === "\r") {
            if (char === "\r" && text[index + 1] === "\n") index++;
            row.push(cell);
            rows.push(row);
            row = [];
            cell = "";
        } else cell += char;
    }
    if (cell !== "" || row.length > 0) {
        row.push(cell);
        rows.push(row);
    }
    return rows;
}

/** `-o sql` text (run in an in-memory SQLite database) or a SQLite database file's bytes: the rows of table llama_bench. */
export async function parseLlamaBenchSql(input: {sql: string} | {database: Uint8Array}): Promise<LlamaBenchRecord[]> {
    const {default: initSqlJs} = await import("sql.js");
    const SQL = await initSqlJs();
    const database = "sql" in input ? new SQL.Database() : new SQL.Database(input.database);
    try {
        if ("sql" in input) database.run(input.sql);
        const tables = database.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'llama_bench'");
        if (tables.length === 0) throw new Error("it has no llama_bench table (llama-bench -o sql writes one)");
        const [result] = database.exec("SELECT * FROM llama_bench");
        if (result === undefined) return [];
        const records = result.values.map((values) =>
            Object.fromEntries(result.columns.map((column, index) => [column, values[index] ?? null]))
        );
        return validateRecords(records, (index) => `llama_bench row ${index + 1}`);
    } finally {
        database.close();
    }
}

/** Which llama-bench output a text is, from its first characters; null when none. */
export function sniffLlamaBenchText(text: string): Exclude<LlamaBenchFormat, "sqlite"> | null {
    const start = text.trimStart();
    if (/^CREATE TABLE IF NOT EXISTS llama_bench\b/i.test(start) || /^INSERT INTO llama_bench\b/i.test(start))
        return "sql";
    if (start.startsWith("[")) return "json";
    if (start.startsWith("{")) return "jsonl";
    if (/^"?build_commit"?,/.test(start)) return "csv";
    return null;
}

/** flash_attn as llama-bench writes it: 0, 1, or -1 / "auto" for automatic. */
export function llamaBenchFlashAttention(value: LlamaBenchRecord["flash_attn"]): "0" | "1" | "auto" {
    if (value === true || value === 1 || value === "1" || value === "true" || value === "on") return "1";
    if (value === false || value === 0 || value === "0" || value === "false" || value === "off") return "0";
    return "auto";
}

/**
 * Whether llama-bench loaded the weights through mmap, "1" or "0", from use_mmap (true/false in JSON,
 * 1/0 in CSV and SQL) or, in builds that replaced -mmp with -lm, load_mode: none, mlock and dio read
 * the file into memory; auto (the default) maps it unless a device cannot, mmap and mmap+mlock map it.
 * "1" when neither is recorded: mmap has always been llama-bench's default.
 */
export function llamaBenchMmap(record: {use_mmap?: unknown; load_mode?: unknown}): "0" | "1" {
    const useMmap = record.use_mmap;
    if (useMmap !== undefined && useMmap !== null)
        return useMmap === false || useMmap === 0 || useMmap === "0" || useMmap === "false" ? "0" : "1";
    const loadMode = typeof record.load_mode === "string" ? record.load_mode.trim().toLowerCase() : "";
    return loadMode === "none" || loadMode === "mlock" || loadMode === "dio" ? "0" : "1";
}
