// Unit tests of the web app's pure logic (linkify, version ordering, i18n sentences, merging),
// run in Node: `npx vitest run --config web/vitest.config.ts` from the repository root.
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [sveltekit()],
  test: {
    include: ["web/test/**/*.test.ts"],
    environment: "node",
  },
});
