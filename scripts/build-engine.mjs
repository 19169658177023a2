#!/usr/bin/env node
// Runs at the end of `npm install` (the `prepare` script, after tsc): compiles node-llama-cpp's
// bundled llama.cpp source for this CPU so llmproof measures with a native build, like llama-bench.
// Offline; about 4 minutes on 2 cores, once per install. Never fails the install: without cmake or a
// compiler llmproof keeps using the prebuilt binary and says so.
// env: LLMPROOF_ENGINE_BUILD=skip (do not compile)   LLMPROOF_ENGINE=prebuilt (ignore the local build)
import {ensureEngineBuild} from "../dist/system/engine-build.js";

const outcome = await ensureEngineBuild();
const messages = {
    built: "llmproof: engine built; benchmarks now run on the local llama.cpp build.",
    present: "llmproof: the local llama.cpp engine build is already there.",
    skipped: `llmproof: engine build skipped (${outcome.reason}); benchmarks use node-llama-cpp's prebuilt binary.`,
    failed:
        `llmproof: warning: the engine build failed (${outcome.reason}); benchmarks use node-llama-cpp's prebuilt binary, ` +
        "whose prompt processing can trail llama-bench by ~10%."
};
process.stderr.write(`${messages[outcome.status]}\n`);
