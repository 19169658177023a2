import {defineConfig} from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        testTimeout: 120_000,
        hookTimeout: 180_000,
        // Model loads are CPU-heavy on a 2-core machine; run test files one at a time.
        fileParallelism: false,
        globalSetup: ["tests/helpers/global-setup.ts"]
    }
});
