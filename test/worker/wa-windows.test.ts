/**
 * Issue 5, windows: the "closing soon" alert to the holder (an hour before, from the DO alarm), the
 * free entry point window (ad or post, answered within 24 hours: 72 hours free), and Meta's 131047
 * closing the window in Chorus too — synchronously or as a failed status.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { WINDOW_WARNING_MS, windowWarningMs } from "../../durable-objects/conversation";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { useWaGraph } from "./helpers/wa-graph";
import { conversationOf, inbound, phone, postWebhook, seconds, statusUpdate, wamid } from "./helpers/webhook";

const graph = useWaGraph();
const HOUR = 60 * 60 * 1000;
type Session = Awaited<ReturnType<typeof signedIn>>;

async function threadAt(at: number, options: { referral?: boolean } = {}) {
  const from = phone();
  const res = await postWebhook(inbound({ from, at, referral: options.referral }));
  if (res.status !== 200) throw new Error(`webhook ${res.status}`);
  const id = (await conversationOf({ waId: from }))!;
  return { id, from, stub: env.CONVERSATION.getByName(id) };
}

async function assign(owner: Session, id: string, userId: string) {
  const res = await exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/assignment`, {
    method: "POST",
    headers: owner.headers,
    body: JSON.stringify({ userId }),
  });
  if (res.status !== 200) throw new Error(`assignment ${res.status}`);
}

async function windowAlerts(userId: string, conversationId: string): Promise<number> {
  // notify() runs after the alarm's answer (waitUntil): give it a moment.
  let n = 0;
  for (let i = 0; i < 40; i++) {
    n = (await env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE user_id = ? AND conversation_id = ? AND kind = 'window_closing'")
      .bind(userId, conversationId)
      .first<{ n: number }>())!.n;
    if (n > 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return n;
}

async function send(session: Session, id: string, body: unknown) {
  return exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/messages`, { method: "POST", headers: session.headers, body: JSON.stringify(body) });
}

describe("the closing-soon alert", () => {
  it("tells the holder once, an hour before the window closes", async ({ expect }) => {
    const owner = await signedIn("owner");
    const agent = await signedIn("agent");
    const { id, stub } = await threadAt(Date.now() - 23.5 * HOUR);
    await assign(owner, id, agent.user.id);
    for (let i = 0; i < 3; i++) await runDurableObjectAlarm(stub);
    expect(await windowAlerts(agent.user.id, id)).toBe(1);
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/notifications`, { headers: agent.headers });
    const body = (await res.json()) as { notifications: Array<{ kind: string; conversationId: string }> };
    expect(body.notifications).toContainEqual(expect.objectContaining({ kind: "window_closing", conversationId: id }));
    for (let i = 0; i < 2; i++) await runDurableObjectAlarm(stub);
    expect(await windowAlerts(agent.user.id, id)).toBe(1);
  });

  it("is scheduled WINDOW_WARNING_MS before the end; nobody is alerted for a thread nobody holds", async ({ expect }) => {
    const { id, stub } = await threadAt(Date.now());
    const summary = (await stub.summary())!;
    const due = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ due_at: number }>("SELECT due_at FROM timers WHERE kind = 'window_warn'").one().due_at,
    );
    expect(due).toBe(summary.windowEndsAt! - WINDOW_WARNING_MS);
    for (let i = 0; i < 3; i++) await runDurableObjectAlarm(stub);
    const n = (await env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE conversation_id = ?").bind(id).first<{ n: number }>())!.n;
    expect(n).toBe(0);
  });
});

describe("the closing-soon lead time (WINDOW_WARNING_MINUTES)", () => {
  it("is one hour unless the var names a whole number of minutes within the window", ({ expect }) => {
    expect(windowWarningMs(undefined)).toBe(WINDOW_WARNING_MS);
    expect(WINDOW_WARNING_MS).toBe(60 * 60_000);
    expect(windowWarningMs("30")).toBe(30 * 60_000);
    expect(windowWarningMs("180")).toBe(3 * 60 * 60_000);
    expect(windowWarningMs("1380")).toBe(23 * 60 * 60_000);
    for (const bad of ["", "0", "-5", "1.5", "1381", "two hours"]) expect(windowWarningMs(bad), bad).toBe(WINDOW_WARNING_MS);
  });
});

describe("the free entry point window", () => {
  it("opens 72 hours when an ad thread is answered from the Business app within 24 hours", async ({ expect }) => {
    const { from, stub } = await threadAt(Date.now() - HOUR, { referral: true });
    const before = Date.now();
    await postWebhook({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "102290129340398",
          changes: [
            {
              field: "smb_message_echoes",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "15550783881", phone_number_id: "106540352242922" },
                message_echoes: [{ from: "15550783881", to: from, id: wamid(), timestamp: seconds(before), type: "text", text: { body: "Hi! Thanks for your interest." } }],
              },
            },
          ],
        },
      ],
    });
    const summary = (await stub.summary())!;
    expect(summary.freeEntryEndsAt).toBe(Math.floor(before / 1000) * 1000 + 72 * HOUR);
    expect(summary.windowEndsAt).toBeLessThan(Date.now() + 24 * HOUR);
  });

  it("does not open when the first answer comes after 24 hours, nor for a thread without a referral", async ({ expect }) => {
    const owner = await signedIn("owner");
    const late = await threadAt(Date.now() - 25 * HOUR, { referral: true });
    expect((await send(owner, late.id, { template: { name: "hello_world", language: "en_US" } })).status).toBe(201);
    expect((await late.stub.summary())!.freeEntryEndsAt).toBeUndefined();
    const plain = await threadAt(Date.now() - HOUR);
    expect((await send(owner, plain.id, { text: "Hello" })).status).toBe(201);
    expect((await plain.stub.summary())!.freeEntryEndsAt).toBeUndefined();
  });
});

describe("131047 closes the window in Chorus", () => {
  it("when Meta answers the send with 131047", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, stub } = await threadAt(Date.now() - HOUR);
    graph.answerNext({ status: 400, code: 131047, title: "Re-engagement message" });
    const res = await send(owner, id, { text: "Are you there?" });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { message: { status: string; error: { reason: string } } }).message).toMatchObject({ status: "failed", error: { reason: "window_closed" } });
    expect((await stub.summary())!.windowEndsAt!).toBeLessThanOrEqual(Date.now());
    expect((await send(owner, id, { text: "Again" })).status).toBe(422);
  });

  it("when a failed status webhook carries 131047", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, from, stub } = await threadAt(Date.now() - HOUR);
    const sent = (await (await send(owner, id, { text: "Hello" })).json()) as { message: { wamid: string; id: string } };
    const res = await postWebhook(
      statusUpdate({ id: sent.message.wamid, status: "failed", recipient: from, callbackData: `${id}:${sent.message.id}`, error: { code: 131047, title: "Re-engagement message" } }),
    );
    expect(res.status).toBe(200);
    expect((await stub.summary())!.windowEndsAt!).toBeLessThanOrEqual(Date.now());
    expect((await send(owner, id, { text: "Again" })).status).toBe(422);
  });
});
