import { defineConfig } from "vitest/config";

// Tests that run in Node against the real app under `wrangler dev`: Chromium through
// playwright-core, and the deploy bundle check. They share one build and one server.
export default defineConfig({
  test: {
    include: ["test/node/**/*.test.ts", "test/browser/**/*.test.ts"],
    globalSetup: ["./test/node/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
