/**
 * Deferred writes (issue 7): report facts and search rows leave the webhook's acknowledgement path.
 * The Conversation DO keeps them in its own SQLite with the change, ships them through the DEFERRED
 * queue after answering, and the consumer writes a batch from many threads in one D1 transaction
 * with a grouped fold into the rollups. These tests prove the work lands, lands once when a message
 * is delivered again, survives a failed shipment, and that one bad message cannot hold back a batch.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import worker from "../../worker/api-entry";
import type { DeferredWrite } from "../../worker/reports/deferred";
import type { Env } from "../../worker/env";
import { channelIdOf, customerWrites, newNumber } from "./helpers/inbox";
import { eventually, HOUR, MIN, playThread } from "./helpers/reports";

const deferredRows = (id: string) =>
  runInDurableObject(env.CONVERSATION.getByName(id), (_i, state) => ({
    facts: state.storage.sql.exec("SELECT count(*) AS n FROM report_pending").one().n as number,
    search: state.storage.sql.exec("SELECT count(*) AS n FROM search_pending").one().n as number,
  }));

async function factKinds(conversationId: string): Promise<string[]> {
  const rows = await env.DB.prepare("SELECT kind FROM report_facts WHERE conversation_id = ? ORDER BY kind").bind(conversationId).all<{ kind: string }>();
  return rows.results.map((r) => r.kind);
}

/** The rollups of one channel, as comparable rows (counts, sums and histograms). */
async function channelRollups(channelId: string): Promise<Array<Record<string, unknown>>> {
  const rows = await env.DB.prepare(
    "SELECT grain, dim, slot, metric, n, total, hist FROM report_rollup WHERE dim = 'channel' AND dim_id = ? ORDER BY grain, slot, metric",
  )
    .bind(channelId)
    .all();
  return rows.results;
}

/** Run the real queue handler on these bodies, as the queue would deliver them. */
async function deliver(bodies: DeferredWrite[], attempts = 1) {
  const batch = createMessageBatch<DeferredWrite>(
    "chorus-deferred",
    bodies.map((body, i) => ({ id: `m${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env as unknown as Env);
  return getQueueResult(batch, ctx);
}

describe("deferred writes", () => {
  it("a webhook's facts and search row land in D1 after the answer, once, and the DO keeps nothing", async ({ expect }) => {
    const number = newNumber();
    const { id } = await customerWrites({ phoneNumberId: number, text: "Where is parcel zebra-4471?" });
    const channelId = await channelIdOf(number);

    await eventually(async () => {
      expect(await factKinds(id)).toEqual(expect.arrayContaining(["episode_opened", "message_in"]));
      const search = await env.DB.prepare("SELECT text FROM message_search WHERE conversation_id = ?").bind(id).all<{ text: string }>();
      expect(search.results.map((r) => r.text)).toEqual(["Where is parcel zebra-4471?"]);
    });
    expect(await deferredRows(id)).toEqual({ facts: 0, search: 0 });
    const messageIn = await env.DB.prepare("SELECT sum(n) AS n FROM report_rollup WHERE grain = 'day' AND dim = 'channel' AND dim_id = ? AND metric = 'message_in'")
      .bind(channelId)
      .first<{ n: number }>();
    expect(messageIn?.n).toBe(1);
    // Nothing waits to be folded: the fold ran in the transaction that inserted the facts.
    expect((await env.DB.prepare("SELECT count(*) AS n FROM report_rollup_pending").first<{ n: number }>())?.n).toBe(0);
  });

  it("a message delivered again (a retry, or shipped twice) inserts and counts nothing twice", async ({ expect }) => {
    const channelId = `chn_deferred_${crypto.randomUUID().slice(0, 8)}`;
    const t0 = Date.UTC(2026, 2, 3, 9, 0);
    const played = await playThread({
      channelId,
      steps: [{ in: t0 }, { out: t0 + 4 * MIN, by: "usr_ana" }, { in: t0 + HOUR }, { out: t0 + HOUR + 2 * MIN, by: "usr_ana" }, { status: "closed", at: t0 + 2 * HOUR }],
    });
    const body: DeferredWrite = {
      conversationId: played.conversationId,
      facts: played.facts,
      search: [{ conversationId: played.conversationId, messageId: "msg_deferred_1", text: "first words", createdAt: t0 }],
    };
    expect(await deliver([body])).toMatchObject({ ackAll: true, retryMessages: [] });
    const once = await channelRollups(channelId);
    expect(once.length).toBeGreaterThan(0);
    const frt = once.find((r) => r.grain === "day" && r.metric === "frt")!;
    expect(frt).toMatchObject({ n: 1, total: 4 * MIN });

    // Redelivered (the queue retried it), and shipped twice in one batch (an answer lost after the send).
    const result = await deliver([body, body], 2);
    expect(result.retryMessages).toEqual([]);
    expect(await channelRollups(channelId)).toEqual(once);
    const facts = await env.DB.prepare("SELECT count(*) AS n FROM report_facts WHERE conversation_id = ?").bind(played.conversationId).first<{ n: number }>();
    expect(facts?.n).toBe(played.facts.length);
    const search = await env.DB.prepare("SELECT count(*) AS n FROM message_search WHERE message_id = 'msg_deferred_1'").first<{ n: number }>();
    expect(search?.n).toBe(1);
  });

  it("folds a batch of many threads into the same rollups as one thread at a time", async ({ expect }) => {
    const t0 = Date.UTC(2026, 2, 4, 10, 0);
    const script = (offset: number) => [
      { in: t0 + offset },
      { out: t0 + offset + (3 + offset / MIN) * MIN, by: "usr_bo" },
      { status: "closed" as const, at: t0 + offset + HOUR },
    ];
    const together = `chn_together_${crypto.randomUUID().slice(0, 8)}`;
    const apart = `chn_apart_${crypto.randomUUID().slice(0, 8)}`;
    const threads = [0, 1, 2, 3].map((i) => i * MIN);
    const batch: DeferredWrite[] = [];
    for (const offset of threads) {
      const played = await playThread({ channelId: together, steps: script(offset) });
      batch.push({ conversationId: played.conversationId, facts: played.facts, search: [] });
    }
    await deliver(batch);
    for (const offset of threads) {
      const played = await playThread({ channelId: apart, steps: script(offset) });
      await deliver([{ conversationId: played.conversationId, facts: played.facts, search: [] }]);
    }
    // Histograms compare as objects (their key order may differ).
    const strip = (rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> =>
      rows.map(({ hist, ...rest }) => ({ ...rest, hist: hist ? JSON.parse(String(hist)) : null }));
    const a = strip(await channelRollups(together));
    expect(a.find((r) => r.grain === "day" && r.metric === "frt")).toMatchObject({ n: 4 });
    expect(a).toEqual(strip(await channelRollups(apart)));
  });

  it("one bad message does not hold back the batch: the others land, it is retried", async ({ expect }) => {
    const good = await playThread({ channelId: `chn_good_${crypto.randomUUID().slice(0, 8)}`, steps: [{ in: Date.UTC(2026, 2, 5, 8, 0) }] });
    const bad: DeferredWrite = {
      conversationId: "cnv_bad",
      // A malformed body (a text that is not a string) cannot be written.
      facts: [],
      search: [{ conversationId: "cnv_bad", messageId: "msg_bad", text: 42 as unknown as string, createdAt: 0 }],
    };
    const result = await deliver([{ conversationId: good.conversationId, facts: good.facts, search: [] }, bad]);
    expect(result.retryMessages.map((m) => m.msgId)).toHaveLength(1);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages[0]!.msgId).not.toBe(result.explicitAcks[0]);
    expect((await factKinds(good.conversationId)).length).toBe(good.facts.length);
  });

  it("a shipment that fails keeps the writes in the DO and the alarm ships them later", async ({ expect }) => {
    const number = newNumber();
    const first = await customerWrites({ phoneNumberId: number, text: "hello" });
    await eventually(async () => expect(await deferredRows(first.id)).toEqual({ facts: 0, search: 0 }));
    const stub = env.CONVERSATION.getByName(first.id);
    // The queue refuses for a while.
    await runInDurableObject(stub, (instance) => {
      const self = instance as unknown as { env: Env };
      self.env = { ...self.env, DEFERRED: { send: () => Promise.reject(new Error("queue unavailable")), sendBatch: () => Promise.reject(new Error("queue unavailable")) } as unknown as Queue };
    });
    await customerWrites({ phoneNumberId: number, from: first.from, text: "anyone there? quokka" });
    await eventually(async () => {
      const timers = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec("SELECT kind FROM timers WHERE kind = 'deferred'").toArray());
      expect(timers).toEqual([{ kind: "deferred" }]);
    });
    expect(await deferredRows(first.id)).toEqual({ facts: 1, search: 1 });

    // The queue is back; the alarm ships what was kept, and it lands once.
    await runInDurableObject(stub, (instance) => {
      (instance as unknown as { env: Env }).env = env as unknown as Env;
    });
    for (let i = 0; i < 5 && (await deferredRows(first.id)).facts > 0; i++) await runDurableObjectAlarm(stub);
    expect(await deferredRows(first.id)).toEqual({ facts: 0, search: 0 });
    await eventually(async () => {
      expect((await factKinds(first.id)).filter((k) => k === "message_in")).toHaveLength(2);
      const hit = await env.DB.prepare("SELECT count(*) AS n FROM message_search WHERE conversation_id = ? AND text LIKE '%quokka%'").bind(first.id).first<{ n: number }>();
      expect(hit?.n).toBe(1);
    });
  });
});
