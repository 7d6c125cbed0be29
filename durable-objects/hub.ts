import { DurableObject } from "cloudflare:workers";
import type { Env } from "../worker/env";
import type { LiveEvent } from "../worker/contracts/events";

/** Placeholder: live fan-out to every signed-in browser (issue 2). */
export class HubDO extends DurableObject<Env> {
  /** Push one event to every connected socket that may see it. */
  async publish(_event: LiveEvent): Promise<void> {}
}
