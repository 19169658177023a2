#!/usr/bin/env node
// npm run bench:quality — quality loss of real quantizations, held to llama.cpp. Takes a real F32
// model (default ../shared/models/stories260K.gguf), writes its Q8_0 and Q4_0 with llmproof's
// quantizer, checks their tensor bytes against llama-quantize --pure of the same file (must be
// identical), measures perplexity / KL divergence / same-top of each versus the F32 with
// llmproof, and runs llama.cpp's llama-perplexity on the same text and files for comparison.
// Needs the compiled dist/ (npm run build).
//
// options: --model PATH  --ctx 128  --threads 1  --out-dir DIR (default: <tmp>/llmproof-bench-quality)  --json
// env:     LLAMA_PERPLEXITY, LLAMA_QUANTIZE (else ~/.cache/llama-tools/llama.cpp-<tag>/build/bin, as
//          ../shared/tools/build-llama-bench.sh builds them); without them only llmproof's side runs.
import {parseArgs} from "node:util";
import {existsSync} from "node:fs";
import {mkdir, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import Table from "cli-table3";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const {values} = parseArgs({
    options: {
        model: {type: "string", default: join(projectRoot, "..", "shared", "models", "stories260K.gguf")},
        ctx: {type: "string", short: "c", default: "128"},
        threads: {type: "string", short: "t", default: "1"},
        "out-dir": {type: "string", default: join(tmpdir(), "llmproof-bench-quality")},
        json: {type: "boolean", default: false}
    }
});

const fail = (message, code = 2) => {
    process.stderr.write(`bench:quality: ${message}\n`);
    process.exit(code);
};
const positiveInteger = (text, name) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) fail(`${name} must be a positive integer, got ${text}`);
    return value;
};
const log = (message) => process.stderr.write(`${message}\n`);

const modelPath = resolve(values.model);
if (!existsSync(modelPath))
    fail(
        `the F32 model ${modelPath} is absent (it is ../shared/models/stories260K.gguf by default); pass --model PATH to an F32 GGUF.`
    );
const contextSize = positiveInteger(values.ctx, "--ctx");
const threads = positiveInteger(values.threads, "--threads");
const outDir = resolve(values["out-dir"]);
await mkdir(outDir, {recursive: true});

const {quantizeGguf, measureQuality, compareGgufTensors} = await import("../dist/quality/index.js");
const {CHILDREN_STORIES_TEXT} = await import("../dist/quality/texts/children-stories.js");
const reference = await import("../dist/quality/reference.js");
const {findLlamaTool} = await import("../dist/system/llama-tools.js");
const {errorMessage} = await import("../dist/util/errors.js");

try {
    const textPath = join(outDir, "children-stories.txt");
    await writeFile(textPath, CHILDREN_STORIES_TEXT);
    const targets = ["Q8_0", "Q4_0"];

    // 1. llmproof's quantizations
    const ours = {};
    for (const target of targets) {
        const outputPath = join(outDir, `llmproof-${target}.gguf`);
        const result = await quantizeGguf(modelPath, outputPath, target);
        ours[target] = result;
        log(
            `llmproof quantized ${target}: ${outputPath} (${result.outputBytes} bytes, ${result.seconds.toFixed(2)} s)`
        );
    }

    // 2. llama-quantize --pure of the same file, tensor bytes compared
    const llamaQuantize = await findLlamaTool("llama-quantize");
    const byteChecks = [];
    const llamaDefaultMix = {};
    if (!llamaQuantize) {
        log(
            "llama-quantize not found (set LLAMA_QUANTIZE or run ../shared/tools/build-llama-bench.sh): byte comparison skipped"
        );
    } else {
        for (const target of targets) {
            const purePath = join(outDir, `llama-quantize-pure-${target}.gguf`);
            await reference.runLlamaQuantize(llamaQuantize, {
                inputPath: modelPath,
                outputPath: purePath,
                type: target,
                pure: true,
                threads
            });
            const comparison = await compareGgufTensors(ours[target].outputPath, purePath);
            byteChecks.push({target, mix: "--pure", ...summarizeComparison(comparison)});
            // Without --pure llama-quantize picks other types for a few tensors (output.weight); show which.
            const defaultPath = join(outDir, `llama-quantize-default-${target}.gguf`);
            await reference.runLlamaQuantize(llamaQuantize, {
                inputPath: modelPath,
                outputPath: defaultPath,
                type: target,
                pure: false,
                threads
            });
            llamaDefaultMix[target] = defaultPath;
            byteChecks.push({
                target,
                mix: "default",
                ...summarizeComparison(await compareGgufTensors(ours[target].outputPath, defaultPath))
            });
        }
    }

    // 3. llmproof's quality measurement (the llama.cpp default-mix Q4_0 too, when there is one)
    const candidates = [
        ours.Q8_0.outputPath,
        ours.Q4_0.outputPath,
        ...(llamaDefaultMix.Q4_0 ? [llamaDefaultMix.Q4_0] : [])
    ];
    log(`measuring ${candidates.length} candidates against ${modelPath} (ctx ${contextSize}, ${threads} thread(s)) …`);
    const quality = await measureQuality({
        baselinePath: modelPath,
        candidatePaths: candidates,
        text: CHILDREN_STORIES_TEXT,
        textSource: "built-in",
        contextSize,
        threads,
        gpu: false
    });

    // 4. llama-perplexity on the same text and files
    const llamaPerplexity = await findLlamaTool("llama-perplexity");
    const referenceRows = new Map();
    if (!llamaPerplexity) {
        log(
            "llama-perplexity not found (set LLAMA_PERPLEXITY or run ../shared/tools/build-llama-bench.sh): reference skipped"
        );
    } else {
        const baseFile = join(outDir, "f32.kld-base");
        const sameBatching = {contextSize, threads, batchSize: contextSize};
        log("running llama-perplexity …");
        const basePpl = await reference.runLlamaPerplexity(llamaPerplexity, {
            modelPath,
            textPath,
            ...sameBatching,
            klDivergenceBase: baseFile
        });
        const basePplDefault = await reference.runLlamaPerplexity(llamaPerplexity, {
            modelPath,
            textPath,
            contextSize,
            threads
        });
        referenceRows.set(modelPath, {ppl: basePpl, pplDefaultBatch: basePplDefault, kld: null});
        for (const candidate of candidates) {
            const kld = await reference.runLlamaKlDivergence(llamaPerplexity, {
                modelPath: candidate,
                ...sameBatching,
                klDivergenceBase: baseFile
            });
            const pplDefault = await reference.runLlamaPerplexity(llamaPerplexity, {
                modelPath: candidate,
                textPath,
                contextSize,
                threads
            });
            referenceRows.set(candidate, {ppl: kld.perplexity, pplDefaultBatch: pplDefault, kld});
        }
    }

    const models = [quality.baseline, ...quality.candidates];
    const rows = models.map((model) => {
        const ref = referenceRows.get(model.path) ?? null;
        const versus = model.versusBaseline;
        return {
            model: model.fileName,
            type: model.type,
            bytes: model.fileBytes,
            llmproof: {
                perplexity: model.perplexity.perplexity,
                meanKld: versus?.klDivergence.mean ?? null,
                p99Kld: versus?.klDivergence.p99 ?? null,
                sameTopPercent: versus
                    ? {value: versus.sameTop.value * 100, uncertainty: versus.sameTop.uncertainty * 100}
                    : null
            },
            llamaPerplexity: ref && {
                perplexitySameBatching: ref.ppl,
                perplexityDefaultBatching: ref.pplDefaultBatch,
                meanKld: ref.kld?.meanKld ?? null,
                p99Kld: ref.kld?.p99Kld ?? null,
                sameTopPercent: ref.kld?.sameTop ?? null
            }
        };
    });
    const summary = {
        model: modelPath,
        contextSize,
        threads,
        textTokens: quality.method.textTokens,
        scoredTokens: quality.method.scoredTokens,
        byteChecks,
        rows,
        quality
    };

    if (values.json) {
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
        const pm = (estimate, digits) =>
            estimate ? `${estimate.value.toFixed(digits)} ± ${estimate.uncertainty.toFixed(digits)}` : "—";
        const ppl = (result) => (result ? `${result.perplexity.toFixed(4)} ± ${result.uncertainty.toFixed(4)}` : "—");
        const table = new Table({
            head: [
                "model",
                "type",
                "llmproof PPL",
                "llama-perplexity PPL\n(-b ctx)",
                "llama-perplexity PPL\n(default -b 2048)",
                "llmproof KLD",
                "llama.cpp KLD",
                "llmproof same top %",
                "llama.cpp same top %"
            ],
            style: {head: [], border: []},
            chars: {mid: "", "left-mid": "", "mid-mid": "", "right-mid": ""}
        });
        for (const row of rows)
            table.push([
                row.model,
                row.type,
                pm(row.llmproof.perplexity, 4),
                ppl(row.llamaPerplexity?.perplexitySameBatching),
                ppl(row.llamaPerplexity?.perplexityDefaultBatching),
                pm(row.llmproof.meanKld, 6),
                pm(row.llamaPerplexity?.meanKld, 6),
                pm(row.llmproof.sameTopPercent, 2),
                pm(row.llamaPerplexity?.sameTopPercent, 2)
            ]);
        process.stdout.write(
            `model: ${modelPath}\ntext: built-in children's stories, ${quality.method.textTokens} tokens; ctx ${contextSize}: ` +
                `${quality.method.chunks} chunks, ${quality.method.scoredTokens} scored tokens; ${threads} thread(s), CPU\n`
        );
        process.stdout.write(`${table.toString()}\n`);
        for (const check of byteChecks)
            process.stdout.write(
                `llmproof ${check.target} vs llama-quantize ${check.mix} ${check.target}: ${check.identical}/${check.total} tensors byte-identical` +
                    `${check.differences.length > 0 ? ` (differ: ${check.differences.join(", ")})` : ""}\n`
            );
        process.stdout.write(
            "llmproof scores each chunk in one sequence per decode; llama-perplexity packs 2048 / ctx chunks into one decode by default, " +
                "which changes rounding a little, so '-b ctx' is the like-for-like column.\n"
        );
    }
    const pureMismatch = byteChecks.some((check) => check.mix === "--pure" && check.identical !== check.total);
    if (pureMismatch) process.exitCode = 1;
} catch (error) {
    fail(errorMessage(error), 1);
}

function summarizeComparison(comparison) {
    return {
        identical: comparison.identicalTensors,
        total: comparison.tensors.length,
        differences: comparison.tensors
            .filter((tensor) => tensor.status !== "identical")
            .map((tensor) => `${tensor.name} ${tensor.typeA}/${tensor.typeB} ${tensor.status}`)
    };
}
