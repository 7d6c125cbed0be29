/**
 * Replies: POST /api/conversations/:id/messages through the Conversation DO's outbox to the fake
 * Graph API — window, templates, reply lock, Idempotency-Key, retries from the alarm, permanent
 * errors, reconciliation by status webhooks, and eviction.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { ConversationDetail, Message } from "../../worker/contracts/api";
import { MAX_SEND_ATTEMPTS, SENDING_GRACE_MS } from "../../durable-objects/conversation";
import { useFakeGraph } from "./helpers/fake-graph";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { conversationOf, inbound, phone, postWebhook, statusUpdate, PHONE_NUMBER_ID } from "./helpers/webhook";

const graph = useFakeGraph();
const HOUR = 60 * 60 * 1000;

async function newThread(options: { at?: number; referral?: boolean; userId?: string; noPhone?: boolean } = {}) {
  const from = options.noPhone ? null : phone();
  const res = await postWebhook(inbound({ from, userId: options.userId, at: options.at, referral: options.referral, username: options.noPhone ? "someone" : undefined }));
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  const id = (await conversationOf(from ? { waId: from } : { userId: options.userId }))!;
  return { id, from, stub: env.CONVERSATION.getByName(id) };
}

type Session = Awaited<ReturnType<typeof signedIn>>;

async function send(session: Session, id: string, body: unknown, key?: string) {
  const headers = { ...session.headers, ...(key ? { "Idempotency-Key": key } : {}) };
  return exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/messages`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
}

async function sent(res: Response): Promise<Message> {
  if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { message: Message }).message;
}

async function detail(session: Session, id: string): Promise<ConversationDetail> {
  const res = await exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}`, { headers: session.headers });
  return (await res.json()) as ConversationDetail;
}

async function messages(id: string): Promise<Message[]> {
  return (await env.CONVERSATION.getByName(id).listMessages({ cursor: null, limit: 100 }))!.messages;
}

async function outboxSize(stub: DurableObjectStub): Promise<number> {
  return runInDurableObject(stub, (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n);
}

describe("sending text", () => {
  it("writes the message, calls the Graph API once and records the wamid, with the author", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, from } = await newThread();
    const message = await sent(await send(owner, id, { text: "  Yes, in blue.  " }));
    expect(message).toMatchObject({
      conversationId: id,
      direction: "out",
      type: "text",
      text: "Yes, in blue.",
      status: "sent",
      wamid: expect.stringMatching(/^wamid\./),
      author: { id: owner.user.id, name: owner.user.name },
      error: null,
    });
    expect(graph.calls).toHaveLength(1);
    expect(graph.calls[0]).toEqual({
      phoneNumberId: PHONE_NUMBER_ID,
      authorization: "Bearer test-access-token",
      body: {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: from,
        type: "text",
        text: { body: "Yes, in blue.", preview_url: false },
        biz_opaque_callback_data: `${id}:${message.id}`,
      },
    });
    expect((await messages(id))[0]).toEqual(message);
  });

  it("refuses free-form text with 422 window_closed when the customer last wrote over 24 hours ago, before any Graph call", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await newThread({ at: Date.now() - 25 * HOUR });
    const res = await send(owner, id, { text: "Still there?" });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: "window_closed", message: expect.any(String) } });
    expect(graph.calls).toHaveLength(0);
    expect((await messages(id)).map((m) => m.direction)).toEqual(["in"]);
    // Refused sends claim nothing.
    expect((await detail(owner, id)).lockHolder).toBeNull();
  });

  it("a click-to-WhatsApp ad opens the 24-hour window like any message; answering within 24 h opens the 72-hour free entry point (issue 5)", async ({ expect }) => {
    const owner = await signedIn("owner");
    const at = Date.now() - 2 * HOUR;
    const { id, stub } = await newThread({ at, referral: true });
    expect((await detail(owner, id)).windowEndsAt).toBe(Math.floor(at / 1000) * 1000 + 24 * HOUR);
    expect((await stub.summary())!.freeEntryEndsAt).toBeUndefined();
    const before = Date.now();
    await sent(await send(owner, id, { text: "Thanks for clicking our ad" }));
    expect(graph.calls).toHaveLength(1);
    const free = (await stub.summary())!.freeEntryEndsAt!;
    expect(free).toBeGreaterThanOrEqual(before + 72 * HOUR);
    expect(free).toBeLessThanOrEqual(Date.now() + 72 * HOUR);

    // 48 hours after the ad, free-form text needs the customer to write again (Meta: 131047).
    const late = await newThread({ at: Date.now() - 48 * HOUR, referral: true });
    expect((await send(owner, late.id, { text: "Too late" })).status).toBe(422);
  });

  it("addresses a customer known only by business-scoped user id with `recipient` (Meta's 2026 rule)", async ({ expect }) => {
    const owner = await signedIn("owner");
    const userId = `US.${Math.floor(Math.random() * 1e15)}`;
    const { id } = await newThread({ userId, noPhone: true });
    await sent(await send(owner, id, { text: "Hi!" }));
    expect(graph.calls[0]!.body.recipient).toBe(userId);
    expect(graph.calls[0]!.body.to).toBeUndefined();
  });

  it("answers 404 for an unknown conversation and 400 for an empty text", async ({ expect }) => {
    const owner = await signedIn("owner");
    const unknown = await send(owner, "cnv_aaaaaaaaaaaaaaaaaaaa", { text: "hi" });
    expect(unknown.status).toBe(404);
    const { id } = await newThread();
    const empty = await send(owner, id, { text: "   " });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    expect(graph.calls).toHaveLength(0);
  });
});

describe("sending templates", () => {
  it("sends an approved template outside the window and stores the rendered body", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await newThread({ at: Date.now() - 30 * HOUR });
    const message = await sent(await send(owner, id, { template: { name: "follow_up", language: "en", parameters: ["Sheena"] } }));
    expect(message).toMatchObject({
      type: "template",
      status: "sent",
      text: "Hi Sheena, we are following up on your message. Reply to this message to continue the conversation.",
      template: { name: "follow_up", language: "en", parameters: ["Sheena"] },
    });
    expect(graph.calls[0]!.body).toMatchObject({
      type: "template",
      template: {
        name: "follow_up",
        language: { code: "en" },
        components: [{ type: "body", parameters: [{ type: "text", text: "Sheena" }] }],
      },
    });
  });

  it("refuses unknown (404), unapproved (422) and wrongly filled (422) templates without calling the Graph API", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await newThread({ at: Date.now() - 30 * HOUR });
    await env.DB.prepare(
      "INSERT INTO templates (id, name, language, category, body, status, updated_at) VALUES ('tpl_pending', 'promo', 'en', 'MARKETING', 'Sale!', 'PENDING', 0)",
    ).run();
    const cases: Array<[unknown, number, string]> = [
      [{ template: { name: "nope", language: "en" } }, 404, "template_not_found"],
      [{ template: { name: "promo", language: "en" } }, 422, "template_not_approved"],
      [{ template: { name: "follow_up", language: "en", parameters: [] } }, 422, "template_parameters_mismatch"],
    ];
    for (const [body, status, code] of cases) {
      const res = await send(owner, id, body);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect(graph.calls).toHaveLength(0);
  });

  it("lists the approved templates", async ({ expect }) => {
    const owner = await signedIn("owner");
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/templates`, { headers: owner.headers });
    expect(res.status).toBe(200);
    const { templates } = (await res.json()) as { templates: Array<{ name: string; language: string; status: string }> };
    expect(templates.map((t) => `${t.name}/${t.language}`)).toEqual(
      expect.arrayContaining(["hello_world/en_US", "follow_up/en", "follow_up/ja"]),
    );
    expect(templates.every((t) => t.status === "APPROVED")).toBe(true);
    const anonymous = await exports.default.fetch(`${TEST_ORIGIN}/api/templates`);
    expect(anonymous.status).toBe(401);
  });
});

describe("Idempotency-Key", () => {
  it("returns the same message for the same key and reaches the Graph API once", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await newThread();
    const first = await sent(await send(owner, id, { text: "once" }, "key-1"));
    const again = await send(owner, id, { text: "once" }, "key-1");
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await sent(again)).toEqual(first);
    expect(graph.calls).toHaveLength(1);
    expect((await messages(id)).filter((m) => m.direction === "out")).toHaveLength(1);
  });

  it("sends once when the same key arrives concurrently", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await newThread();
    const results: Response[] = await Promise.all([1, 2, 3].map(() => send(owner, id, { text: "racing" }, "key-race")));
    const bodies = await Promise.all(results.map(sent));
    expect(new Set(bodies.map((m) => m.id)).size).toBe(1);
    expect(graph.calls).toHaveLength(1);
  });

  it("refuses a reused key with a different body with 409 idempotency_conflict", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await newThread();
    await sent(await send(owner, id, { text: "first" }, "key-2"));
    const res = await send(owner, id, { text: "second" }, "key-2");
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("idempotency_conflict");
    expect(graph.calls).toHaveLength(1);
  });
});

describe("the outbox: retries and failures", () => {
  it("keeps a message queued after a 500 and sends it from the alarm", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, stub } = await newThread();
    graph.answerNext({ kind: "error", status: 500 });
    const queued = await sent(await send(owner, id, { text: "retry me" }));
    expect(queued).toMatchObject({ status: "queued", wamid: null, error: null });
    expect(graph.calls).toHaveLength(1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(graph.calls).toHaveLength(2);
    expect(graph.calls[1]!.body).toEqual(graph.calls[0]!.body);
    const [message] = await messages(id);
    expect(message).toMatchObject({ id: queued.id, status: "sent", wamid: expect.stringMatching(/^wamid\./) });
    expect(await outboxSize(stub)).toBe(0);
  });

  it("retries after 429 and a throughput error code, then sends", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, stub } = await newThread();
    graph.answerNext({ kind: "error", status: 429 }, { kind: "error", status: 400, code: 130429, title: "Rate limit hit" });
    const queued = await sent(await send(owner, id, { text: "slow down" }));
    expect(queued.status).toBe("queued");
    await runDurableObjectAlarm(stub);
    expect((await messages(id))[0]!.status).toBe("queued");
    await runDurableObjectAlarm(stub);
    expect(graph.calls).toHaveLength(3);
    expect((await messages(id))[0]!.status).toBe("sent");
  });

  it("retries after a network error only once the grace delay has passed", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, stub } = await newThread();
    graph.answerNext({ kind: "network" });
    const before = Date.now();
    const queued = await sent(await send(owner, id, { text: "lost?" }));
    expect(queued.status).toBe("queued");
    const nextAttempt = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ next_attempt_at: number }>("SELECT next_attempt_at FROM outbox").one().next_attempt_at,
    );
    expect(nextAttempt).toBeGreaterThanOrEqual(before + SENDING_GRACE_MS);
    await runDurableObjectAlarm(stub);
    expect(graph.calls).toHaveLength(2);
    expect((await messages(id))[0]!.status).toBe("sent");
  });

  it("lets a status webhook carrying our callback data reconcile a send whose answer was lost (no second send)", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, from, stub } = await newThread();
    graph.answerNext({ kind: "network" });
    const queued = await sent(await send(owner, id, { text: "did it go?" }));
    const res = await postWebhook(
      statusUpdate({ id: "wamid.ACCEPTED1", status: "delivered", recipient: from, callbackData: `${id}:${queued.id}` }),
    );
    expect(res.status).toBe(200);
    expect((await messages(id))[0]).toMatchObject({ id: queued.id, wamid: "wamid.ACCEPTED1", status: "delivered" });
    expect(await outboxSize(stub)).toBe(0);
    await runDurableObjectAlarm(stub);
    expect(graph.calls).toHaveLength(1);
  });

  it("marks a message failed with Meta's code and a sentence an agent understands on a permanent error", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, stub } = await newThread();
    graph.answerNext({ kind: "error", status: 400, code: 131026, title: "Message undeliverable" });
    const message = await sent(await send(owner, id, { text: "hello?" }));
    expect(message).toMatchObject({
      status: "failed",
      error: {
        code: 131026,
        title: "Message undeliverable",
        reason: "undeliverable",
        message: expect.stringMatching(/could not deliver/),
      },
    });
    expect(await outboxSize(stub)).toBe(0);
    expect(await runDurableObjectAlarm(stub)).toBe(true); // only the window timer is left
    expect(graph.calls).toHaveLength(1);
  });

  it("closes the window when Meta answers 131047, so the next text is refused before any call", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await newThread();
    graph.answerNext({ kind: "error", status: 400, code: 131047, title: "Re-engagement message" });
    const message = await sent(await send(owner, id, { text: "hi" }));
    expect(message.error).toMatchObject({ code: 131047, reason: "window_closed" });
    expect((await detail(owner, id)).windowEndsAt).toBeLessThanOrEqual(Date.now());
    const res = await send(owner, id, { text: "hi again" });
    expect(res.status).toBe(422);
    expect(graph.calls).toHaveLength(1);
  });

  it("gives up after the last attempt with a sentence", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, stub } = await newThread();
    graph.answerNext(...Array.from({ length: MAX_SEND_ATTEMPTS }, () => ({ kind: "error" as const, status: 503 })));
    await sent(await send(owner, id, { text: "anyone?" }));
    for (let i = 1; i < MAX_SEND_ATTEMPTS; i++) await runDurableObjectAlarm(stub);
    expect(graph.calls).toHaveLength(MAX_SEND_ATTEMPTS);
    expect((await messages(id))[0]).toMatchObject({
      status: "failed",
      error: { code: 503, reason: "retries_exhausted", message: expect.stringMatching(/several attempts/) },
    });
    expect(await outboxSize(stub)).toBe(0);
  });

  it("keeps replies in order: a message written while an earlier one waits to retry goes after it", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, stub } = await newThread();
    graph.answerNext({ kind: "error", status: 500 });
    const first = await sent(await send(owner, id, { text: "first" }));
    const second = await sent(await send(owner, id, { text: "second" }));
    expect([first.status, second.status]).toEqual(["queued", "queued"]);
    expect(graph.calls).toHaveLength(1);
    await runDurableObjectAlarm(stub);
    expect(graph.calls.map((c) => c.body.text?.body)).toEqual(["first", "first", "second"]);
    const out = (await messages(id)).filter((m) => m.direction === "out");
    expect(out.map((m) => [m.text, m.status])).toEqual([
      ["second", "sent"],
      ["first", "sent"],
    ]);
  });
});

describe("the reply lock", () => {
  it("lets the first sender claim an unassigned thread and refuses another agent with 409 locked naming the holder", async ({ expect }) => {
    const alice = await signedIn("agent");
    const bob = await signedIn("agent");
    const { id } = await newThread();
    await sent(await send(alice, id, { text: "I'll take this one" }));
    expect((await detail(alice, id)).lockHolder).toEqual({ id: alice.user.id, name: alice.user.name });
    const res = await send(bob, id, { text: "me too" });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: { code: "locked", message: expect.stringContaining(alice.user.name), holder: { id: alice.user.id, name: alice.user.name } },
    });
    expect(graph.calls).toHaveLength(1);
    // The holder keeps sending.
    await sent(await send(alice, id, { text: "more" }));
  });

  it("lets a manager send anyway and take the thread over", async ({ expect }) => {
    const alice = await signedIn("agent");
    const manager = await signedIn("manager");
    const { id } = await newThread();
    await sent(await send(alice, id, { text: "mine" }));
    const message = await sent(await send(manager, id, { text: "taking over" }));
    expect(message.author).toEqual({ id: manager.user.id, name: manager.user.name });
    expect((await detail(manager, id)).lockHolder).toEqual({ id: manager.user.id, name: manager.user.name });
    expect((await send(alice, id, { text: "hey" })).status).toBe(409);
  });

  it("claims the thread atomically when two agents send at the same moment", async ({ expect }) => {
    const alice = await signedIn("agent");
    const bob = await signedIn("agent");
    const { id } = await newThread();
    const [a, b] = await Promise.all([send(alice, id, { text: "a" }), send(bob, id, { text: "b" })]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect(graph.calls).toHaveLength(1);
  });
});

describe("after eviction", () => {
  it("keeps messages, statuses, the lock and the dedupe set when the DO is evicted", async ({ expect }) => {
    const alice = await signedIn("agent");
    const bob = await signedIn("agent");
    const { id, from, stub } = await newThread();
    const message = await sent(await send(alice, id, { text: "before eviction" }));
    await evictDurableObject(stub);
    await postWebhook(statusUpdate({ id: message.wamid!, status: "read", recipient: from }));
    await evictDurableObject(env.CONVERSATION.getByName(id));
    const after = await messages(id);
    expect(after.map((m) => [m.direction, m.type, m.status])).toEqual([
      ["out", "text", "read"],
      // The claim by reply is recorded in the thread, just before the reply.
      ["internal", "activity", "sent"],
      ["in", "text", "received"],
    ]);
    expect((await send(bob, id, { text: "mine?" })).status).toBe(409);
    expect((await send(alice, id, { text: "still mine" }, "k")).status).toBe(201);
    await evictDurableObject(env.CONVERSATION.getByName(id));
    expect((await send(alice, id, { text: "still mine" }, "k")).headers.get("Idempotent-Replayed")).toBe("true");
    expect(graph.calls).toHaveLength(2);
  });

  it("still retries a queued message after eviction", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, stub } = await newThread();
    graph.answerNext({ kind: "error", status: 502 });
    await sent(await send(owner, id, { text: "survive" }));
    await evictDurableObject(stub);
    const fresh = env.CONVERSATION.getByName(id);
    expect(await runDurableObjectAlarm(fresh)).toBe(true);
    expect((await messages(id))[0]).toMatchObject({ text: "survive", status: "sent" });
  });
});

describe("a crash in the middle of a send", () => {
  it("leaves the row in 'sending' with the alarm at the grace delay, never retried while the call is alive", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, stub } = await newThread();
    graph.answerNext({ kind: "hold" });
    const pending = send(owner, id, { text: "mid-air" });
    await graph.held();
    // What storage holds at this instant is what a crash right now would leave behind.
    const row = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ state: string; sending_since: number }>("SELECT state, sending_since FROM outbox").one(),
    );
    expect(row.state).toBe("sending");
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBe(row.sending_since + SENDING_GRACE_MS);
    // The alarm comes while the call is still running: no second send.
    await runDurableObjectAlarm(stub);
    expect(graph.calls).toHaveLength(1);
    graph.release();
    const queued = await sent(await pending);
    expect(queued.status).toBe("queued");
    await runDurableObjectAlarm(stub);
    expect(graph.calls).toHaveLength(2);
    expect((await messages(id))[0]).toMatchObject({ text: "mid-air", status: "sent" });
  });

  it("retries a row a dead instance left in 'sending' once the grace delay has passed", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, stub } = await newThread();
    graph.answerNext({ kind: "hold" });
    const pending = send(owner, id, { text: "orphan" });
    await graph.held();
    // A new instance after a crash knows nothing of the call in flight: forget it.
    await runInDurableObject(stub, (instance) => {
      (instance as unknown as { inFlight: Set<string> }).inFlight.clear();
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(graph.calls).toHaveLength(2);
    const [message] = await messages(id);
    expect(message).toMatchObject({ text: "orphan", status: "sent", wamid: expect.stringMatching(/^wamid\./) });
    // The orphaned call finally fails; the message it belonged to is already sent and stays so.
    graph.release();
    await pending;
    expect((await messages(id))[0]).toMatchObject({ id: message!.id, status: "sent", wamid: message!.wamid });
    expect(await outboxSize(stub)).toBe(0);
  });
});
