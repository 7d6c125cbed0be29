/**
 * The Conversation DO's own rules: statuses only move forward (in any arrival order), a status
 * waits for its message, the window's alarm, the version-guarded D1 index (and its catch-up after
 * a D1 failure), and live events that never fail ingest.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { WINDOW_WARNING_MS, type ConversationDO } from "../../durable-objects/conversation";
import type { Message } from "../../worker/contracts/api";
import type { LiveEvent } from "../../worker/contracts/events";
import type { Env } from "../../worker/env";
import { writeConversationIndex, type ConversationIndexRow } from "../../worker/services/conversation-index";
import { useFakeGraph } from "./helpers/fake-graph";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { conversationOf, inbound, phone, postWebhook, statusUpdate, wamid } from "./helpers/webhook";

const graph = useFakeGraph();
const HOUR = 60 * 60 * 1000;

async function newThread(at?: number) {
  const from = phone();
  await postWebhook(inbound({ from, at }));
  const id = (await conversationOf({ waId: from }))!;
  return { id, from, stub: env.CONVERSATION.getByName(id) };
}

/** Send a reply that Meta accepts with `wamidValue`. */
async function reply(id: string, wamidValue: string): Promise<Message> {
  const owner = await signedIn("owner");
  graph.answerNext({ kind: "ok", wamid: wamidValue });
  const res = await exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/messages`, {
    method: "POST",
    headers: owner.headers,
    body: JSON.stringify({ text: "Here you go" }),
  });
  if (res.status !== 201) throw new Error(`send answered ${res.status}`);
  return ((await res.json()) as { message: Message }).message;
}

async function message(id: string, messageId: string): Promise<Message> {
  const page = await env.CONVERSATION.getByName(id).listMessages({ cursor: null, limit: 100 });
  return page!.messages.find((m) => m.id === messageId)!;
}

async function indexRow(id: string) {
  return env.DB.prepare("SELECT version, window_ends_at, unread_count, last_message_preview FROM conversations WHERE id = ?")
    .bind(id)
    .first<{ version: number; window_ends_at: number | null; unread_count: number; last_message_preview: string }>();
}

describe("delivery statuses", () => {
  it("ends at read when read, delivered and sent arrive in reverse order", async ({ expect }) => {
    const { id, from } = await newThread();
    const w = wamid();
    const sent = await reply(id, w);
    for (const status of ["read", "delivered", "sent"] as const) {
      expect((await postWebhook(statusUpdate({ id: w, status, recipient: from }))).status).toBe(200);
    }
    expect(await message(id, sent.id)).toMatchObject({ status: "read", error: null });
  });

  it("routes statuses by callback data, and by recipient when there is none (phone or BSUID)", async ({ expect }) => {
    const { id, from } = await newThread();
    const w = wamid();
    const sent = await reply(id, w);
    await postWebhook(statusUpdate({ id: w, status: "delivered", callbackData: `${id}:${sent.id}` }));
    expect((await message(id, sent.id)).status).toBe("delivered");
    await postWebhook(statusUpdate({ id: w, status: "read", recipient: from }));
    expect((await message(id, sent.id)).status).toBe("read");
    await postWebhook(statusUpdate({ id: w, status: "played", callbackData: id }));
    expect((await message(id, sent.id)).status).toBe("played");
  });

  it("keeps failed final, with Meta's code, title and a sentence", async ({ expect }) => {
    const { id, from } = await newThread();
    const w = wamid();
    const sent = await reply(id, w);
    const error = { code: 131049, title: "This message was not delivered to maintain healthy ecosystem engagement." };
    await postWebhook(statusUpdate({ id: w, status: "failed", recipient: from, error }));
    await postWebhook(statusUpdate({ id: w, status: "delivered", recipient: from }));
    await postWebhook(statusUpdate({ id: w, status: "read", recipient: from }));
    expect(await message(id, sent.id)).toMatchObject({
      status: "failed",
      error: { code: 131049, title: error.title, reason: "ecosystem_limited", message: expect.stringMatching(/too many/) },
    });
  });

  it("ignores a late failed for a message the customer already read", async ({ expect }) => {
    const { id, from } = await newThread();
    const w = wamid();
    const sent = await reply(id, w);
    await postWebhook(statusUpdate({ id: w, status: "read", recipient: from }));
    await postWebhook(statusUpdate({ id: w, status: "failed", recipient: from, error: { code: 131026, title: "Undeliverable" } }));
    expect(await message(id, sent.id)).toMatchObject({ status: "read", error: null });
  });

  it("keeps a status that arrives before its message and applies it when the wamid appears", async ({ expect }) => {
    const { id, from, stub } = await newThread();
    const w = wamid();
    const early = await postWebhook(statusUpdate({ id: w, status: "delivered", recipient: from }));
    expect(await early.json()).toMatchObject({ statusesPending: 1 });
    await postWebhook(statusUpdate({ id: w, status: "read", recipient: from }));
    const sent = await reply(id, w);
    expect(sent.status).toBe("read");
    expect(await message(id, sent.id)).toMatchObject({ wamid: w, status: "read" });
    const left = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM pending_statuses").one().n,
    );
    expect(left).toBe(0);
  });

  it("never lets a status change an inbound message", async ({ expect }) => {
    const from = phone();
    const w = wamid();
    await postWebhook(inbound({ from, id: w }));
    await postWebhook(statusUpdate({ id: w, status: "read", recipient: from }));
    const id = (await conversationOf({ waId: from }))!;
    const page = await env.CONVERSATION.getByName(id).listMessages({ cursor: null, limit: 10 });
    expect(page!.messages[0]).toMatchObject({ wamid: w, direction: "in", status: "received" });
  });
});

describe("the customer-service window", () => {
  it("stores the window end (Meta's timestamp + 24 h), sets the alarm, and on closing bumps the version and updates the index", async ({ expect }) => {
    const at = Date.now() - HOUR;
    const { id, stub } = await newThread(at);
    const end = Math.floor(at / 1000) * 1000 + 24 * HOUR;
    const before = (await indexRow(id))!;
    expect(before.window_ends_at).toBe(end);
    // Issue 5: the closing-soon alert comes first (nobody holds this thread: nothing to tell).
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).toBe(end - WINDOW_WARNING_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await indexRow(id))!.version).toBe(before.version);
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBe(end);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = (await indexRow(id))!;
    expect(after.version).toBe(before.version + 1);
    expect(after.window_ends_at).toBe(end);
    const timers = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec("SELECT * FROM timers").toArray());
    expect(timers).toEqual([]);
    // Alarms are at-least-once: running again changes nothing.
    await runDurableObjectAlarm(stub);
    expect((await indexRow(id))!.version).toBe(after.version);
  });

  it("extends the window with each inbound message and never shortens it for an older one", async ({ expect }) => {
    const from = phone();
    const now = Date.now();
    await postWebhook(inbound({ from, at: now - 2 * HOUR }));
    await postWebhook(inbound({ from, at: now - HOUR }));
    await postWebhook(inbound({ from, at: now - 3 * HOUR }));
    const id = (await conversationOf({ waId: from }))!;
    expect((await indexRow(id))!.window_ends_at).toBe(Math.floor((now - HOUR) / 1000) * 1000 + 24 * HOUR);
  });
});

describe("the D1 index", () => {
  it("never lets an older version overwrite a newer row", async ({ expect }) => {
    const row: ConversationIndexRow = {
      id: "cnv_indexguardtest00000",
      channelId: "chn_x",
      contactId: "ctc_x",
      status: "open",
      assigneeId: null,
      teamId: null,
      lastMessageAt: 2,
      lastMessagePreview: "newer",
      lastMessageDirection: "in",
      unreadCount: 2,
      windowEndsAt: null,
      version: 5,
      createdAt: 1,
      updatedAt: 2,
    };
    expect(await writeConversationIndex(env.DB, row)).toBe(true);
    expect(await writeConversationIndex(env.DB, { ...row, version: 4, lastMessagePreview: "older" })).toBe(false);
    expect(await writeConversationIndex(env.DB, row)).toBe(false);
    expect((await indexRow(row.id))!.last_message_preview).toBe("newer");
    expect(await writeConversationIndex(env.DB, { ...row, version: 6, lastMessagePreview: "newest" })).toBe(true);
    expect((await indexRow(row.id))!).toMatchObject({ version: 6, last_message_preview: "newest" });
  });

  it("catches up from the alarm when the index write failed, without failing the webhook", async ({ expect }) => {
    const { id, from, stub } = await newThread();
    const brokenDb = { prepare: () => ({ bind: () => ({ run: () => Promise.reject(new Error("D1 is down")) }) }) };
    await runInDurableObject(stub, (instance: ConversationDO) => {
      (instance as unknown as { env: Env }).env = { ...env, DB: brokenDb as unknown as D1Database };
    });
    const res = await postWebhook(inbound({ from, text: "while D1 was down" }));
    expect(res.status).toBe(200);
    expect((await indexRow(id))!.last_message_preview).not.toBe("while D1 was down");
    const timer = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec("SELECT kind FROM timers WHERE kind = 'index_sync'").toArray(),
    );
    expect(timer).toEqual([{ kind: "index_sync" }]);

    await runInDurableObject(stub, (instance: ConversationDO) => {
      (instance as unknown as { env: Env }).env = env;
    });
    // The index_sync timer is due in about a second, long before the window's: it runs first.
    await runDurableObjectAlarm(stub);
    expect(await indexRow(id)).toMatchObject({ last_message_preview: "while D1 was down", unread_count: 2 });
  });
});

describe("live events", () => {
  it("publishes message.created and conversation.updated with the thread's version", async ({ expect }) => {
    const { id, from, stub } = await newThread();
    const published: LiveEvent[] = [];
    await runInDurableObject(stub, (instance: ConversationDO) => {
      const hub = { publishMany: async (events: LiveEvent[]) => void published.push(...events) };
      (instance as unknown as { env: Env }).env = { ...env, HUB: { getByName: () => hub } as unknown as Env["HUB"] };
    });
    await postWebhook(inbound({ from, text: "live" }));
    await expect.poll(() => published.length).toBe(2);
    const version = (await indexRow(id))!.version;
    expect(published).toMatchObject([
      { type: "message.created", conversationId: id, version, message: { text: "live", direction: "in" } },
      { type: "conversation.updated", conversationId: id, version, conversation: { id, unreadCount: 2, version } },
    ]);
  });

  it("stores the message even when the Hub fails", async ({ expect }) => {
    const { id, from, stub } = await newThread();
    await runInDurableObject(stub, (instance: ConversationDO) => {
      const hub = { publish: () => Promise.reject(new Error("hub down")) };
      (instance as unknown as { env: Env }).env = { ...env, HUB: { getByName: () => hub } as unknown as Env["HUB"] };
    });
    const res = await postWebhook(inbound({ from, text: "no hub" }));
    expect(res.status).toBe(200);
    expect((await indexRow(id))!.last_message_preview).toBe("no hub");
  });
});
