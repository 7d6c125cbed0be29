import { DurableObject } from "cloudflare:workers";
import type { Env } from "../worker/env";

/** Placeholder: one customer thread (issue 2). */
export class ConversationDO extends DurableObject<Env> {}
