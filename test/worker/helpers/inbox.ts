/**
 * Helpers for the inbox tests (test/worker/inbox-*.test.ts): API calls as a signed-in user,
 * threads from real webhooks, teams through the API, a thread's items straight from its DO.
 */
import { env, exports } from "cloudflare:workers";
import type { Activity, ConversationSummary, Message } from "../../../worker/contracts/api";
import { signedIn, TEST_ORIGIN } from "./session";
import { conversationOf, inbound, phone, postWebhook } from "./webhook";

export type Session = Awaited<ReturnType<typeof signedIn>>;

export async function call(session: Session | null, method: string, path: string, body?: unknown): Promise<Response> {
  return exports.default.fetch(`${TEST_ORIGIN}${path}`, {
    method,
    headers: session ? session.headers : { Origin: TEST_ORIGIN, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The JSON of a response that must have `status` (else the test fails with the body). */
export async function expectStatus<T = unknown>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** A business number of its own, so a test's channel and its policy touch no other test. */
export function newNumber(): string {
  return `9${Math.floor(Math.random() * 1e14).toString().padStart(14, "0")}`;
}

/** A customer writes (a new thread unless `from` wrote before on this number). */
export async function customerWrites(options: { from?: string; text?: string; at?: number; phoneNumberId?: string } = {}) {
  const from = options.from ?? phone();
  const res = await postWebhook(inbound({ from, text: options.text, at: options.at, phoneNumberId: options.phoneNumberId }));
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  const id = (await conversationOf({ waId: from }, options.phoneNumberId))!;
  return { id, from };
}

export async function channelIdOf(phoneNumberId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT id FROM channels WHERE phone_number_id = ?").bind(phoneNumberId).first<{ id: string }>();
  if (!row) throw new Error(`no channel for ${phoneNumberId}`);
  return row.id;
}

/** A team created through the API by `manager`. */
export async function createTeam(manager: Session, members: Session[], name = `Team ${crypto.randomUUID().slice(0, 8)}`) {
  const res = await call(manager, "POST", "/api/teams", { name, memberIds: members.map((m) => m.user.id) });
  return (await expectStatus<{ team: { id: string; name: string } }>(res, 201)).team;
}

export async function setAvailability(session: Session, availability: "online" | "away" | "offline") {
  await expectStatus(await call(session, "PATCH", "/api/session", { availability }), 200);
}

/** Every item of the thread (messages, notes, activity), oldest first. */
export async function items(conversationId: string): Promise<Message[]> {
  const page = await env.CONVERSATION.getByName(conversationId).listMessages({ cursor: null, limit: 100 });
  return [...page!.messages].reverse();
}

export async function activities(conversationId: string): Promise<Activity[]> {
  return (await items(conversationId)).filter((m) => m.type === "activity").map((m) => m.activity!);
}

export async function summary(conversationId: string): Promise<ConversationSummary> {
  return (await env.CONVERSATION.getByName(conversationId).summary())!;
}

export async function indexRow(conversationId: string) {
  return env.DB.prepare(
    "SELECT assignee_id, team_id, status, episode, snoozed_until, waiting_since, version FROM conversations WHERE id = ?",
  )
    .bind(conversationId)
    .first<{
      assignee_id: string | null;
      team_id: string | null;
      status: string;
      episode: number;
      snoozed_until: number | null;
      waiting_since: number | null;
      version: number;
    }>();
}

export async function setAgentsSeeAll(owner: Session, value: boolean) {
  await expectStatus(await call(owner, "PATCH", "/api/settings", { agentsSeeAllConversations: value }), 200);
}
