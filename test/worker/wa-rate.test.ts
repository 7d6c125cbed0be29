/**
 * Issue 5, sending discipline: each number's sends are paced to its throughput (80/s by default,
 * the channel's messagesPerSecond when set) across all its threads; after Meta's 131056 (pair rate
 * limit) a thread retries no sooner than 6 s and spaces its next sends 6 s apart; order is kept.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { Message } from "../../worker/contracts/api";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { useWaGraph } from "./helpers/wa-graph";
import { conversationOf, inbound, phone, postWebhook } from "./helpers/webhook";

const graph = useWaGraph();
type Session = Awaited<ReturnType<typeof signedIn>>;

function send(session: Session, id: string, text: string) {
  return exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/messages`, { method: "POST", headers: session.headers, body: JSON.stringify({ text }) });
}

describe("the number's throughput", () => {
  it("admits a second's burst, then one send per 1/rate (GCRA)", async ({ expect }) => {
    const limiter = env.SEND_RATE.getByName(`unit-${crypto.randomUUID()}`);
    const t0 = 1_000_000;
    const waits = [];
    for (let i = 0; i < 8; i++) waits.push(await limiter.reserve("chn_unit", t0, 5));
    expect(waits).toEqual([0, 0, 0, 0, 0, 200, 400, 600]);
    // A second later the bucket has room again.
    expect(await limiter.reserve("chn_unit", t0 + 3_000, 5)).toBe(0);
  });

  it("spreads a burst of replies on one number across its threads to the configured rate", async ({ expect }) => {
    const owner = await signedIn("owner");
    const phoneNumberId = `8${Math.floor(Math.random() * 1e14)}`;
    const threads: string[] = [];
    for (let i = 0; i < 5; i++) {
      const from = phone();
      await postWebhook(inbound({ from, phoneNumberId }));
      threads.push((await conversationOf({ waId: from }, phoneNumberId))!);
    }
    const channel = (await env.DB.prepare("SELECT id FROM channels WHERE phone_number_id = ?").bind(phoneNumberId).first<{ id: string }>())!;
    const patched = await exports.default.fetch(`${TEST_ORIGIN}/api/channels/${channel.id}`, {
      method: "PATCH",
      headers: owner.headers,
      body: JSON.stringify({ messagesPerSecond: 2 }),
    });
    expect(patched.status).toBe(200);

    const results = await Promise.all(threads.map((id, i) => send(owner, id, `Reply ${i}`)));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const times = graph.sends().map((c) => c.at).sort((a, b) => a - b);
    expect(times).toHaveLength(5);
    // 2 at once, then one every 500 ms: the fifth goes about 1.5 s after the first.
    expect(times[4]! - times[0]!).toBeGreaterThanOrEqual(1_400);
    for (let i = 3; i < 5; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(400);
  });
});

describe("the pair rate limit (131056)", () => {
  it("retries no sooner than 6 s, then keeps this customer's next sends 6 s apart, in order", async ({ expect }) => {
    const owner = await signedIn("owner");
    const from = phone();
    await postWebhook(inbound({ from }));
    const id = (await conversationOf({ waId: from }))!;
    const stub = env.CONVERSATION.getByName(id);
    graph.answerNext({ status: 400, code: 131056, title: "(#131056) (Business Account, Consumer Account) pair rate limit hit" });
    const before = Date.now();
    const first = ((await (await send(owner, id, "one")).json()) as { message: Message }).message;
    expect(first.status).toBe("queued");
    const due = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec<{ next_attempt_at: number }>("SELECT next_attempt_at FROM outbox").one().next_attempt_at);
    expect(due - before).toBeGreaterThanOrEqual(6_000);

    const second = ((await (await send(owner, id, "two")).json()) as { message: Message }).message;
    expect(second.status).toBe("queued");
    await runDurableObjectAlarm(stub); // "one" goes
    const afterFirst = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ message_id: string; next_attempt_at: number }>("SELECT message_id, next_attempt_at FROM outbox").toArray(),
    );
    // "two" waits its 6 s behind "one" (paced), back in the outbox rather than sent at once.
    expect(afterFirst).toEqual([{ message_id: second.id, next_attempt_at: expect.any(Number) }]);
    const sentOne = graph.sends().filter((c) => (c.body as { text?: { body: string } }).text?.body === "one");
    expect(sentOne).toHaveLength(2);
    expect(afterFirst[0]!.next_attempt_at - sentOne[1]!.at).toBeGreaterThanOrEqual(5_900);
    await runDurableObjectAlarm(stub);
    const texts = graph.sends().map((c) => (c.body as { text: { body: string } }).text.body);
    expect(texts).toEqual(["one", "one", "two"]);
  });
});
