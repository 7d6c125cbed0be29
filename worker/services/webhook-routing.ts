/**
 * Webhook commands → Conversation DOs. Commands are grouped by thread so each DO gets one RPC per
 * webhook (in payload order), and all DOs are called in parallel; the caller answers Meta only
 * after every call resolved.
 *
 * Statuses route by our own `biz_opaque_callback_data` (conversation id, no lookup at all); a
 * status without it (a message sent before Chorus, or by another tool) falls back to its
 * recipient (recipient_id / recipient_user_id) → contact → conversation, and is dropped with a
 * log line when that customer never wrote to us: there is no thread it could belong to.
 */
import type { Env } from "../env";
import type { IngestItem, IngestResult, ThreadIdentity } from "../../durable-objects/conversation/types";
import type { WebhookCommand } from "../whatsapp/normalise";
import { resolveChannel } from "./channels";
import { findContact, resolveContact } from "./contacts";
import { linkIdentifiers, prepareCustomer } from "./contact-identity";
import { conversationIdFor, parseCallbackData } from "./conversation-id";

interface Group {
  identity: ThreadIdentity | null;
  items: IngestItem[];
}

export interface RoutingOutcome {
  stored: number;
  duplicates: number;
  statusesApplied: number;
  statusesPending: number;
  /** Statuses that belong to no thread Chorus knows. */
  unrouted: number;
}

export async function routeCommands(env: Env, commands: WebhookCommand[], now = Date.now()): Promise<RoutingOutcome> {
  const groups = new Map<string, Group>();
  const group = (id: string) => {
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { identity: null, items: [] }));
    return g;
  };
  let unrouted = 0;

  for (const command of commands) {
    if (command.kind === "inbound") {
      const channel = await resolveChannel(env.DB, command.channel, now);
      // Issue 5: one contact per person — number variants, changed numbers/user ids, merges.
      const customer = await prepareCustomer(env.DB, command.customer, command.message, now);
      const contact = await linkIdentifiers(env.DB, await resolveContact(env.DB, customer, now), customer, now);
      const conversationId = await conversationIdFor(channel.id, contact.id);
      const g = group(conversationId);
      g.identity = { conversationId, channel, contact };
      g.items.push({ kind: "message", message: command.message });
      continue;
    }
    const callback = parseCallbackData(command.status.callbackData);
    if (callback) {
      group(callback.conversationId).items.push({ kind: "status", status: command.status, messageId: callback.messageId });
      continue;
    }
    const contact = await findContact(env.DB, command.recipient, now);
    if (!contact) {
      unrouted++;
      console.info("status for a customer with no thread", command.status.wamid, command.status.status);
      continue;
    }
    const channel = await resolveChannel(env.DB, command.channel, now);
    const conversationId = await conversationIdFor(channel.id, contact.id);
    group(conversationId).items.push({ kind: "status", status: command.status, messageId: null });
  }

  const results = await Promise.all(
    [...groups].map(([id, g]) => env.CONVERSATION.getByName(id).ingest({ identity: g.identity, items: g.items })),
  );
  const outcome: RoutingOutcome = { stored: 0, duplicates: 0, statusesApplied: 0, statusesPending: 0, unrouted };
  for (const r of results as IngestResult[]) {
    outcome.stored += r.stored;
    outcome.duplicates += r.duplicates;
    outcome.statusesApplied += r.statusesApplied;
    outcome.statusesPending += r.statusesPending;
    outcome.unrouted += r.skipped;
  }
  return outcome;
}
