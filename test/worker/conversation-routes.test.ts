/**
 * GET /api/conversations (filters, search, cursor, role visibility, D1 query budget),
 * GET /api/conversations/:id, GET …/messages and POST …/read.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, it } from "vitest";
import { app } from "../../worker/app";
import type { ConversationDetail, ConversationSummary, Message } from "../../worker/contracts/api";
import { useFakeGraph } from "./helpers/fake-graph";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { conversationOf, inbound, phone, postWebhook } from "./helpers/webhook";

useFakeGraph();

type Session = Awaited<ReturnType<typeof signedIn>>;
type List = { conversations: ConversationSummary[]; nextCursor: string | null };

const LIST_NUMBER = "555000777";
let channelId: string;
let owner: Session;
/** Five customers on their own number, oldest first. */
const people = [
  { name: "Ana Souza", from: "5511987650001", username: "ana.s" },
  { name: "Bruno Lima", from: "5511987650002" },
  { name: "Zed Okafor", from: "2348012340003", username: "zed" },
  { name: "Mei Tanaka", from: "8190123400004" },
  { name: "Lars Berg", from: "4670123400005" },
];
const ids: string[] = [];

async function get(session: Session, path: string): Promise<Response> {
  return exports.default.fetch(`${TEST_ORIGIN}${path}`, { headers: session.headers });
}

async function list(session: Session, query: string): Promise<List> {
  const res = await get(session, `/api/conversations?channel=${channelId}&${query}`);
  if (res.status !== 200) throw new Error(`list answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as List;
}

async function names(session: Session, query: string): Promise<string[]> {
  return (await list(session, query)).conversations.map((c) => c.contact.name!);
}

beforeAll(async () => {
  const now = Date.now();
  for (const [i, person] of people.entries()) {
    await postWebhook(
      inbound({ from: person.from, name: person.name, username: person.username, at: now - (10 - i) * 60_000, phoneNumberId: LIST_NUMBER }),
    );
    ids.push((await conversationOf({ waId: person.from }, LIST_NUMBER))!);
  }
  channelId = (await env.DB.prepare("SELECT id FROM channels WHERE phone_number_id = ?").bind(LIST_NUMBER).first<{ id: string }>())!.id;
  owner = await signedIn("owner");
  // The owner replies to Zed, which assigns Zed's thread to the owner.
  const res = await exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${ids[2]}/messages`, {
    method: "POST",
    headers: owner.headers,
    body: JSON.stringify({ text: "Hello Zed" }),
  });
  if (res.status !== 201) throw new Error(`reply answered ${res.status}`);
});

describe("GET /api/conversations", () => {
  it("lists newest activity first, with contact, assignee, last message, unread and window", async ({ expect }) => {
    const { conversations, nextCursor } = await list(owner, "");
    expect(conversations.map((c) => c.contact.name)).toEqual(["Zed Okafor", "Lars Berg", "Mei Tanaka", "Bruno Lima", "Ana Souza"]);
    expect(nextCursor).toBeNull();
    expect(conversations[0]).toMatchObject({
      id: ids[2],
      channelId,
      contact: { name: "Zed Okafor", waId: "2348012340003", username: "zed", userId: null },
      status: "open",
      assigneeId: owner.user.id,
      assigneeName: owner.user.name,
      lastMessagePreview: "Hello Zed",
      lastMessageDirection: "out",
      unreadCount: 0,
      windowEndsAt: expect.any(Number),
      version: expect.any(Number),
    });
    expect(conversations[1]).toMatchObject({ assigneeId: null, assigneeName: null, unreadCount: 1, lastMessageDirection: "in" });
  });

  it("pages with an opaque cursor without gaps or repeats", async ({ expect }) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: List = await list(owner, `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.conversations.length).toBeLessThanOrEqual(2);
      seen.push(...page.conversations.map((c) => c.contact.name!));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(["Zed Okafor", "Lars Berg", "Mei Tanaka", "Bruno Lima", "Ana Souza"]);
  });

  it("filters by assignee: me, unassigned, a user id", async ({ expect }) => {
    expect(await names(owner, "assignee=me")).toEqual(["Zed Okafor"]);
    expect(await names(owner, `assignee=${owner.user.id}`)).toEqual(["Zed Okafor"]);
    expect(await names(owner, "assignee=unassigned")).toEqual(["Lars Berg", "Mei Tanaka", "Bruno Lima", "Ana Souza"]);
  });

  it("filters by status and channel", async ({ expect }) => {
    expect(await names(owner, "status=open")).toHaveLength(5);
    expect(await names(owner, "status=closed")).toEqual([]);
    const other = await get(owner, "/api/conversations?channel=chn_none");
    expect(((await other.json()) as List).conversations).toEqual([]);
  });

  it("searches name, username and number (with or without + and spaces)", async ({ expect }) => {
    expect(await names(owner, "q=tanaka")).toEqual(["Mei Tanaka"]);
    expect(await names(owner, "q=ANA")).toEqual(["Mei Tanaka", "Ana Souza"]);
    expect(await names(owner, "q=zed")).toEqual(["Zed Okafor"]);
    expect(await names(owner, `q=${encodeURIComponent("+46 7012")}`)).toEqual(["Lars Berg"]);
    expect(await names(owner, "q=987650002")).toEqual(["Bruno Lima"]);
    expect(await names(owner, `q=${encodeURIComponent("100%_")}`)).toEqual([]);
  });

  it("shows an agent only their own and unassigned threads", async ({ expect }) => {
    const agent = await signedIn("agent");
    expect(await names(agent, "")).toEqual(["Lars Berg", "Mei Tanaka", "Bruno Lima", "Ana Souza"]);
    expect((await get(agent, `/api/conversations/${ids[2]}`)).status).toBe(404);
    expect((await get(agent, `/api/conversations/${ids[2]}/messages`)).status).toBe(404);
    expect((await get(agent, `/api/conversations/${ids[0]}`)).status).toBe(200);
  });

  it("answers 400 for a bad limit or cursor and 401 without a session", async ({ expect }) => {
    for (const query of ["limit=0", "limit=101", "limit=abc", "cursor=bm9wZQ", "status=maybe"]) {
      const res = await get(owner, `/api/conversations?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    }
    expect((await exports.default.fetch(`${TEST_ORIGIN}/api/conversations`)).status).toBe(401);
  });

  it("uses at most 3 D1 queries whatever the page size", async ({ expect }) => {
    for (const limit of [1, 100]) {
      let queries = 0;
      const db = new Proxy(env.DB, {
        get(target, prop) {
          if (prop === "prepare") {
            return (sql: string) => {
              queries++;
              return target.prepare(sql);
            };
          }
          const value = Reflect.get(target, prop) as unknown;
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const res = await app.fetch(
        new Request(`${TEST_ORIGIN}/api/conversations?limit=${limit}`, { headers: owner.headers }),
        { ...env, DB: db },
        createExecutionContext(),
      );
      expect(res.status).toBe(200);
      expect(queries, `limit=${limit}`).toBeLessThanOrEqual(3);
    }
  });
});

describe("GET /api/conversations/:id", () => {
  it("returns the thread with its channel and lock holder", async ({ expect }) => {
    const res = await get(owner, `/api/conversations/${ids[2]}`);
    expect(res.status).toBe(200);
    const detail = (await res.json()) as ConversationDetail;
    expect(detail).toMatchObject({
      id: ids[2],
      contact: { name: "Zed Okafor" },
      channel: { id: channelId, phoneNumberId: LIST_NUMBER, displayPhoneNumber: "15550783881", name: null },
      lockHolder: { id: owner.user.id, name: owner.user.name },
      assigneeId: owner.user.id,
    });
    const unassigned = (await (await get(owner, `/api/conversations/${ids[0]}`)).json()) as ConversationDetail;
    expect(unassigned.lockHolder).toBeNull();
  });

  it("answers 404 not_found for an unknown id", async ({ expect }) => {
    for (const id of ["cnv_aaaaaaaaaaaaaaaaaaaa", "nope"]) {
      const res = await get(owner, `/api/conversations/${id}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
    }
  });
});

describe("GET /api/conversations/:id/messages", () => {
  it("pages newest first with a cursor", async ({ expect }) => {
    const from = phone();
    const now = Date.now();
    for (const [i, text] of ["one", "two", "three"].entries()) await postWebhook(inbound({ from, text, at: now - (3 - i) * 1000 }));
    const id = (await conversationOf({ waId: from }))!;
    const first = (await (await get(owner, `/api/conversations/${id}/messages?limit=2`)).json()) as {
      messages: Message[];
      nextCursor: string | null;
    };
    expect(first.messages.map((m) => m.text)).toEqual(["three", "two"]);
    expect(first.nextCursor).not.toBeNull();
    const second = (await (
      await get(owner, `/api/conversations/${id}/messages?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`)
    ).json()) as { messages: Message[]; nextCursor: string | null };
    expect(second.messages.map((m) => m.text)).toEqual(["one"]);
    expect(second.nextCursor).toBeNull();
    expect((await get(owner, `/api/conversations/${id}/messages?cursor=garbage`)).status).toBe(400);
    expect((await get(owner, "/api/conversations/cnv_aaaaaaaaaaaaaaaaaaaa/messages")).status).toBe(404);
  });
});

describe("POST /api/conversations/:id/read", () => {
  it("resets the unread count in the thread and the list", async ({ expect }) => {
    const from = phone();
    await postWebhook(inbound({ from, text: "a" }));
    await postWebhook(inbound({ from, text: "b" }));
    const id = (await conversationOf({ waId: from }))!;
    expect(((await (await get(owner, `/api/conversations/${id}`)).json()) as ConversationDetail).unreadCount).toBe(2);
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/read`, { method: "POST", headers: owner.headers });
    expect(res.status).toBe(200);
    expect((await res.json()) as ConversationDetail).toMatchObject({ id, unreadCount: 0, channel: { phoneNumberId: "106540352242922" } });
    const row = await env.DB.prepare("SELECT unread_count FROM conversations WHERE id = ?").bind(id).first<{ unread_count: number }>();
    expect(row!.unread_count).toBe(0);
    const missing = await exports.default.fetch(`${TEST_ORIGIN}/api/conversations/cnv_aaaaaaaaaaaaaaaaaaaa/read`, {
      method: "POST",
      headers: owner.headers,
    });
    expect(missing.status).toBe(404);
  });
});

describe("the inbox's channel filter (several numbers in one workspace)", () => {
  const NUMBER_A = "555000901";
  const NUMBER_B = "555000902";

  async function channelOf(phoneNumberId: string): Promise<string> {
    return (await env.DB.prepare("SELECT id FROM channels WHERE phone_number_id = ?").bind(phoneNumberId).first<{ id: string }>())!.id;
  }

  async function threads(session: Session, query: string): Promise<ConversationSummary[]> {
    const res = await get(session, `/api/conversations?${query}`);
    if (res.status !== 200) throw new Error(`list answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as List).conversations;
  }

  it("?channel= returns only that number's threads — a customer who wrote to both appears once in each", async ({ expect }) => {
    const both = phone();
    const onlyA = phone();
    const onlyB = phone();
    // A webhook for a number Chorus has not seen creates its channel.
    await postWebhook(inbound({ from: both, name: "Ines Both", text: "Hi A", phoneNumberId: NUMBER_A }));
    await postWebhook(inbound({ from: onlyA, name: "Ada Only", text: "Hi A", phoneNumberId: NUMBER_A }));
    await postWebhook(inbound({ from: both, name: "Ines Both", text: "Hi B", phoneNumberId: NUMBER_B }));
    await postWebhook(inbound({ from: onlyB, name: "Olu Only", text: "Hi B", phoneNumberId: NUMBER_B }));
    const [channelA, channelB] = [await channelOf(NUMBER_A), await channelOf(NUMBER_B)];
    expect(channelA).not.toBe(channelB);
    const threadIds = {
      bothA: (await conversationOf({ waId: both }, NUMBER_A))!,
      onlyA: (await conversationOf({ waId: onlyA }, NUMBER_A))!,
      bothB: (await conversationOf({ waId: both }, NUMBER_B))!,
      onlyB: (await conversationOf({ waId: onlyB }, NUMBER_B))!,
    };
    expect(threadIds.bothA).not.toBe(threadIds.bothB);

    for (const session of [owner, await signedIn("agent")]) {
      const a = await threads(session, `channel=${channelA}`);
      expect(a.map((t) => t.id).sort()).toEqual([threadIds.bothA, threadIds.onlyA].sort());
      expect(new Set(a.map((t) => t.channelId))).toEqual(new Set([channelA]));
      const b = await threads(session, `channel=${channelB}`);
      expect(b.map((t) => t.id).sort()).toEqual([threadIds.bothB, threadIds.onlyB].sort());
      expect(new Set(b.map((t) => t.channelId))).toEqual(new Set([channelB]));
      // The filter holds with a search too: Ines on B is not Ines on A.
      expect((await threads(session, `channel=${channelB}&q=ines`)).map((t) => t.id)).toEqual([threadIds.bothB]);
    }
    // Without a filter the inbox shows every number's threads.
    const all = (await threads(owner, "limit=100")).map((t) => t.id);
    expect(all).toEqual(expect.arrayContaining(Object.values(threadIds)));
  });
});
