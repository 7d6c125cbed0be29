/**
 * Threads for the collaboration tests, made the real way: a signed customer webhook creates the
 * thread (Conversation DO + D1 index), a reply through the API claims it for the replier.
 */
import { env, exports } from "cloudflare:workers";
import { indexMessageTexts } from "../../../worker/services/search-index";
import type { signedIn } from "./session";
import { TEST_ORIGIN } from "./session";
import type { SocketReader } from "./socket";
import { conversationOf, inbound, phone, postWebhook } from "./webhook";

export type Session = Awaited<ReturnType<typeof signedIn>>;

/** A JSON request as `session` (no session: anonymous, same-origin). */
export function api(session: Session | null, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = session ? { ...session.headers } : { Origin: TEST_ORIGIN, "Content-Type": "application/json" };
  return exports.default.fetch(`${TEST_ORIGIN}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

/** A new customer writes `text`; returns the thread id and the customer's number. */
export async function newThread(o: { name: string; text: string; from?: string; at?: number }): Promise<{ id: string; waId: string }> {
  const from = o.from ?? phone();
  const res = await postWebhook(inbound({ from, name: o.name, text: o.text, at: o.at }));
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  const id = await conversationOf({ waId: from });
  if (!id) throw new Error("the webhook made no thread");
  return { id, waId: from };
}

/** `session` replies (which claims an unassigned thread for them). */
export async function reply(session: Session, conversationId: string, text: string): Promise<void> {
  const res = await api(session, "POST", `/api/conversations/${conversationId}/messages`, { text });
  if (res.status !== 201) throw new Error(`reply answered ${res.status}: ${await res.text()}`);
}

/**
 * Index a thread's messages for search exactly as the Conversation DO does after storing each
 * one (indexMessageText per message; idempotent, so a DO that already did it changes nothing).
 */
export async function indexThread(conversationId: string): Promise<void> {
  const page = await env.CONVERSATION.getByName(conversationId).listMessages({ cursor: null, limit: 100 });
  const items = (page?.messages ?? [])
    .filter((m) => m.text)
    .map((m) => ({ conversationId, messageId: m.id, text: m.text!, createdAt: m.timestamp }));
  await indexMessageTexts(env.DB, items);
}

const COLLABORATION_TYPES = new Set(["notification.created", "notifications.read", "conversation.labels"]);

/**
 * The next collaboration event on a socket (notifications, labels), skipping the thread events
 * (message.*, conversation.updated) that replies in the same test also push.
 */
export async function nextCollaborationEvent<T = { type: string }>(reader: SocketReader, timeoutMs = 2000): Promise<T> {
  for (;;) {
    const event = await reader.next<{ type: string }>({ timeoutMs });
    if (COLLABORATION_TYPES.has(event.type)) return event as T;
  }
}

/** The collaboration events already received and not yet taken (thread events are dropped). */
export async function pendingCollaborationEvents(reader: SocketReader): Promise<Array<{ type: string }>> {
  const events: Array<{ type: string }> = [];
  while (reader.pending() > 0) {
    const event = await reader.next<{ type: string }>();
    if (COLLABORATION_TYPES.has(event.type)) events.push(event);
  }
  return events;
}
