import type { Env as WorkerEnv } from "../../worker/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
    // Types `exports.default` from "cloudflare:workers" in tests as the worker-tests entry.
    interface GlobalProps {
      mainModule: typeof import("../../worker/api-entry");
    }
  }
}
