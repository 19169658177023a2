import {defineConfig} from "vitest/config";

/** `npm run fuzz`: the fuzz suite alone (scripts/fuzz.mjs sets FUZZ_LONG and FUZZ_SUMMARY). */
export default defineConfig({
    test: {
        include: ["tests/fuzz/**/*.test.ts"],
        testTimeout: 300_000,
        hookTimeout: 180_000,
        fileParallelism: false,
        maxConcurrency: 2,
        globalSetup: ["tests/helpers/global-setup.ts"]
    }
});
