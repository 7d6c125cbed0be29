/**
 * Issue 5, sending discipline: each number's sends are paced to its throughput (80/s by default,
 * the channel's messagesPerSecond when set) across all its threads; after Meta's 131056 (pair rate
 * limit) a thread retries no sooner than 6 s and spaces its next sends 6 s apart; order is kept.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { Message } from "../../worker/contracts/api";
import { PAIR_RATE_BURST, PAIR_RATE_INTERVAL_MS, pairRateSlot } from "../../worker/whatsapp/rate-limits";
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

describe("the pair rate limit, kept before Meta has to say 131056", () => {
  it("GCRA: a burst of 45 to one customer goes at once, then one every 6 s, and the credit comes back with time", ({ expect }) => {
    const t0 = 1_000_000;
    let tat = 0;
    const waits: number[] = [];
    for (let i = 0; i < 47; i++) {
      const slot = pairRateSlot(tat, t0);
      waits.push(slot.wait);
      if (slot.wait === 0) tat = slot.tat;
    }
    expect(waits.slice(0, PAIR_RATE_BURST)).toEqual(Array(PAIR_RATE_BURST).fill(0));
    expect(waits.slice(PAIR_RATE_BURST)).toEqual([PAIR_RATE_INTERVAL_MS, PAIR_RATE_INTERVAL_MS]);
    // After 6 s one more message may go; after 270 s the whole burst again.
    expect(pairRateSlot(tat, t0 + PAIR_RATE_INTERVAL_MS).wait).toBe(0);
    expect(pairRateSlot(tat, t0 + PAIR_RATE_BURST * PAIR_RATE_INTERVAL_MS).tat).toBe(t0 + PAIR_RATE_BURST * PAIR_RATE_INTERVAL_MS + PAIR_RATE_INTERVAL_MS);
  });

  it("under a burst of 47 replies to one customer: 45 reach Meta at once, the rest wait 6 s each in order, and Meta never says 131056", async ({ expect }) => {
    const owner = await signedIn("owner");
    const from = phone();
    await postWebhook(inbound({ from }));
    const id = (await conversationOf({ waId: from }))!;
    const stub = env.CONVERSATION.getByName(id);
    const statuses: number[] = [];
    for (let i = 0; i < 47; i++) statuses.push((await send(owner, id, `burst ${i}`)).status);
    expect(statuses).toEqual(Array(47).fill(201));

    const sent = () => graph.sends().map((c) => (c.body as { text: { body: string } }).text.body);
    expect(sent()).toEqual(Array.from({ length: PAIR_RATE_BURST }, (_, i) => `burst ${i}`));
    const outbox = () =>
      runInDurableObject(stub, (_i, state) =>
        state.storage.sql
          .exec<{ text: string; next_attempt_at: number }>("SELECT m.text, o.next_attempt_at FROM outbox o JOIN messages m ON m.id = o.message_id ORDER BY m.seq")
          .toArray(),
      );
    const waiting = await outbox();
    expect(waiting.map((r) => r.text)).toEqual(["burst 45", "burst 46"]);
    // The 46th is due one pair interval after the burst's credit ran out (about 6 s from the first send).
    const firstSentAt = graph.sends()[0]!.at;
    expect(waiting[0]!.next_attempt_at - firstSentAt).toBeGreaterThanOrEqual(PAIR_RATE_INTERVAL_MS - 50);

    // An alarm that fires early (as the test runs it at once) still keeps the pace: nothing more
    // reaches Meta before its time, and the order stays.
    await runDurableObjectAlarm(stub);
    expect(sent()).toHaveLength(PAIR_RATE_BURST);
    expect((await outbox()).map((r) => r.text)).toEqual(["burst 45", "burst 46"]);
    // Meta was never pushed into a 131056: every send it got was accepted on the first try.
    expect(graph.sends()).toHaveLength(new Set(graph.sends().map((c) => JSON.stringify(c.body))).size);
  });
});
