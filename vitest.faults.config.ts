import { defineConfig } from "vitest/config";

// The fault suite (issue 7): Node-side scenarios against the real app under `wrangler dev`, each
// file with its own server and — where the Graph API matters — its own recording fake of it.
// One web build for all of them (test/faults/global-setup.ts). See docs/reliability.md.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    environment: "node",
    globalSetup: ["./test/faults/global-setup.ts"],
    testTimeout: 240_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
