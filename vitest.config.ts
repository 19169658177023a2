import {defineConfig} from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // Hostile text for `check` measures the claims engine under rewrite; `npm run fuzz` runs it.
        exclude: ["**/node_modules/**", "tests/fuzz/check-text.test.ts"],
        testTimeout: 120_000,
        hookTimeout: 180_000,
        // Model loads are CPU-heavy on a 2-core machine; run test files one at a time.
        fileParallelism: false,
        // The fuzz cases spawn the CLI and mostly wait on it: two at a time.
        maxConcurrency: 2,
        globalSetup: ["tests/helpers/global-setup.ts"]
    }
});
