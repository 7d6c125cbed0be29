/**
 * Fault suite (issue 7), the part that needs workerd: D1 failing on the conversation-index write.
 * wrangler dev offers no way to make D1 fail on purpose, so this runs inside the Workers pool with
 * the real Conversation DOs and real D1, and swaps each DO's D1 binding for a wrapper that fails
 * about half of the index writes (`INSERT INTO conversations …`). While it fails, webhooks keep
 * arriving for several threads; every one must still be acknowledged (the DO is the source of
 * truth). Once D1 is healthy again, the DOs' index_sync timers must bring every D1 row to exactly
 * the DO's own state — the index catches up with the DO, never the other way round.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { ConversationDO } from "../../durable-objects/conversation";
import type { Env } from "../../worker/env";
import { conversationOf, inbound, phone, postWebhook } from "./helpers/webhook";

const THREADS = 4;
const MESSAGES = 12;

/** A D1 binding whose conversation-index writes fail when `failing()` says so. */
function flakyIndexDb(real: D1Database, failing: () => boolean, failures: { count: number }): D1Database {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") {
        return (query: string) => {
          if (/^\s*INSERT INTO conversations\b/i.test(query) && failing()) {
            failures.count++;
            const broken: Record<string, unknown> = {};
            const reject = () => Promise.reject(new Error("D1_ERROR: simulated outage (fault suite)"));
            Object.assign(broken, { bind: () => broken, run: reject, first: reject, all: reject, raw: reject });
            return broken;
          }
          return target.prepare(query);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function indexRow(id: string) {
  return env.DB.prepare("SELECT * FROM conversations WHERE id = ?").bind(id).first<Record<string, unknown>>();
}

describe("D1 errors on the index write", () => {
  it("acknowledges every webhook while D1 fails, and the index catches up with every DO afterwards", async ({ expect }) => {
    const threads: Array<{ id: string; from: string; stub: DurableObjectStub<ConversationDO> }> = [];
    for (let i = 0; i < THREADS; i++) {
      const from = phone();
      expect((await postWebhook(inbound({ from, text: "first" }))).status).toBe(200);
      const id = (await conversationOf({ waId: from }))!;
      threads.push({ id, from, stub: env.CONVERSATION.getByName(id) });
    }

    let calls = 0;
    const failures = { count: 0 };
    for (const t of threads) {
      await runInDurableObject(t.stub, (instance: ConversationDO) => {
        (instance as unknown as { env: Env }).env = { ...env, DB: flakyIndexDb(env.DB, () => ++calls % 2 === 1, failures) };
      });
    }

    const base = Date.now() - 60_000;
    const sends = threads.flatMap((t) =>
      Array.from({ length: MESSAGES }, (_, m) => postWebhook(inbound({ from: t.from, text: `during the outage ${m}`, at: base + m * 1000 }))),
    );
    for (const res of await Promise.all(sends)) expect(res.status).toBe(200);
    expect(failures.count).toBeGreaterThan(0);

    // D1 is healthy again; the alarms run the index_sync timers (bounded: a few rounds at most).
    for (const t of threads) {
      await runInDurableObject(t.stub, (instance: ConversationDO) => {
        (instance as unknown as { env: Env }).env = env;
      });
    }
    for (let round = 0; round < 5; round++) {
      let pending = 0;
      for (const t of threads) {
        pending += await runInDurableObject(t.stub, (_i, state) =>
          state.storage.sql.exec("SELECT count(*) AS n FROM timers WHERE kind = 'index_sync'").one().n as number,
        );
      }
      if (pending === 0) break;
      for (const t of threads) await runDurableObjectAlarm(t.stub);
    }

    for (const t of threads) {
      const summary = (await t.stub.summary())!;
      const row = (await indexRow(t.id))!;
      expect(row, t.id).toMatchObject({
        version: summary.version,
        unread_count: summary.unreadCount,
        last_message_at: summary.lastMessageAt,
        last_message_preview: summary.lastMessagePreview,
        status: summary.status,
      });
      expect(summary.unreadCount).toBe(MESSAGES + 1);
      const timers = await runInDurableObject(t.stub, (_i, state) =>
        state.storage.sql.exec("SELECT kind FROM timers WHERE kind = 'index_sync'").toArray(),
      );
      expect(timers).toEqual([]);
    }
  });
});
