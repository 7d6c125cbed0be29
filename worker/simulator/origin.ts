import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { SimulatorDO } from "./simulator-do";

/**
 * The origin the simulator POSTs webhooks to (`${origin}/webhooks/whatsapp`): the Worker itself.
 * GRAPH_API_URL pointing at /simulator/graph names it explicitly (npm start sets
 * http://localhost:$PORT/simulator/graph); otherwise the origin the request came in on.
 */
export function webhookOrigin(c: Context<AppEnv>): string {
  const graph = c.env.GRAPH_API_URL;
  if (graph && graph.includes("/simulator/graph")) {
    try {
      return new URL(graph).origin;
    } catch {
      // A malformed GRAPH_API_URL falls back to the request's own origin.
    }
  }
  return new URL(c.req.url).origin;
}

/** Keeps the SimulatorDO's idea of the Worker's origin current, for its alarm-driven webhooks. */
export async function rememberOrigin(c: Context<AppEnv>, simulator: DurableObjectStub<SimulatorDO>): Promise<void> {
  await simulator.rememberOrigin(webhookOrigin(c));
}
