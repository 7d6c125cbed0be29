/**
 * Deploy entry: composition only. Hono answers /api, /webhooks and /simulator; SvelteKit's
 * generated worker answers everything else; the Durable Object classes are re-exported.
 */
import { app, isAppPath } from "./app";
import type { Env } from "./env";
import { consumeDeferred, type DeferredWrite } from "./reports/deferred";
// Written by `vite build` (adapter-cloudflare); `npm start`/`npm run deploy` build it first.
import sveltekit from "../.svelte-kit/cloudflare/_worker.js";

export default {
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (isAppPath(pathname)) return app.fetch(request, env, ctx);
    return (sveltekit as ExportedHandler<Env>).fetch!(request as never, env, ctx);
  },
  // Report facts and search rows from the Conversation DOs (issue 7).
  queue(batch, env) {
    return consumeDeferred(batch as MessageBatch<DeferredWrite>, env);
  },
} satisfies ExportedHandler<Env>;

export { ConversationDO } from "../durable-objects/conversation";
export { HubDO } from "../durable-objects/hub";
export { SimulatorDO } from "./simulator/simulator-do";
export { SendRateDO } from "../durable-objects/send-rate";
