/**
 * Entry without SvelteKit, for the worker tests (they run without a web build):
 * the same Hono app and the same Durable Object classes as worker/index.ts.
 */
import { app } from "./app";
import type { Env } from "./env";
import { consumeDeferred, type DeferredWrite } from "./reports/deferred";

export default {
  fetch(request, env, ctx) {
    return app.fetch(request, env, ctx);
  },
  queue(batch, env) {
    return consumeDeferred(batch as MessageBatch<DeferredWrite>, env);
  },
} satisfies ExportedHandler<Env>;

export { ConversationDO } from "../durable-objects/conversation";
export { HubDO } from "../durable-objects/hub";
export { SimulatorDO } from "./simulator/simulator-do";
export { SendRateDO } from "../durable-objects/send-rate";
