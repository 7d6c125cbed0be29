import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The browser files share one server: the newcomer path must see a workspace nobody has set up,
 * so it runs first; the others (e.g. inbox-lock) then sign in as the owner it created.
 */
class NewcomerFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = (f: TestSpecification) => (f.moduleId.endsWith("newcomer-path.test.ts") ? 0 : 1);
    return [...sorted].sort((a, b) => first(a) - first(b));
  }
}

// Tests that run in Node against the real app under `wrangler dev`: Chromium through
// playwright-core, and the deploy bundle check. They share one build and one server.
export default defineConfig({
  test: {
    include: ["test/node/**/*.test.ts", "test/browser/**/*.test.ts"],
    globalSetup: ["./test/node/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    sequence: { sequencer: NewcomerFirst },
  },
});
