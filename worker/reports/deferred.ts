/**
 * Deferred writes (issue 7): what a Conversation DO writes to D1 that nobody needs before Meta's
 * webhook is acknowledged — report facts (with their rollups) and the search index rows of new
 * texts. The conversation index row stays on the acknowledgement path (design.md).
 *
 * Durability, in two steps, nothing lost:
 * 1. the DO records facts (`report_pending`) and texts (`search_pending`) in its own SQLite, in the
 *    same transaction as the change — durable before the webhook is answered;
 * 2. right after the answer (waitUntil) the DO ships them as one message on the DEFERRED queue and
 *    deletes them only once the send resolved; a send that fails or never ran (the instance died)
 *    is retried from the DO's alarm ('deferred' timer).
 * The consumer writes a whole batch — messages from many threads — in ONE D1 transaction: search
 * upserts, facts (INSERT OR IGNORE on their deterministic ids), then a single grouped fold of the
 * newly inserted facts into report_rollup (worker/reports/rollup.ts). A message delivered twice (a
 * retry, or the DO shipping again after a lost answer) inserts nothing and counts nothing twice.
 * Reports and search therefore lag the inbox by the queue's batch wait (max_batch_timeout, 1 s)
 * plus one D1 round trip; the live view is pushed by the Hub on every change and does not wait.
 */
import type { Env } from "../env";
import { searchStatements, type IndexedText } from "../services/search-index";
import { factStatements, type Fact } from "./fact-writer";
import { rollupPendingStatements } from "./rollup";

/** One queue message: what one DO shipped at once. */
export interface DeferredWrite {
  conversationId: string;
  facts: Fact[];
  search: IndexedText[];
}

/** Keep a message well under the queue's 128 KB limit (texts are capped at 10,000 characters each). */
export const MAX_MESSAGE_BYTES = 96_000;

/**
 * The statements for a set of messages, in one transaction. Facts and texts that appear twice (a
 * message shipped again) are written once; for a text the last one shipped wins.
 */
export function deferredStatements(db: D1Database, writes: readonly DeferredWrite[]): D1PreparedStatement[] {
  const facts = new Map<string, Fact>();
  const texts = new Map<string, IndexedText>();
  for (const write of writes) {
    for (const fact of write.facts) if (!facts.has(fact.id)) facts.set(fact.id, fact);
    for (const text of write.search) texts.set(text.messageId, text);
  }
  const statements = [...searchStatements(db, [...texts.values()]), ...factStatements(db, [...facts.values()])];
  if (facts.size) statements.push(...rollupPendingStatements(db));
  return statements;
}

/** Write these messages' facts, rollups and texts (idempotent). */
export async function applyDeferred(db: D1Database, writes: readonly DeferredWrite[]): Promise<void> {
  const statements = deferredStatements(db, writes);
  if (statements.length) await db.batch(statements);
}

/**
 * The queue consumer. The whole batch goes in one transaction; if it fails, each message is tried
 * on its own so one bad message cannot hold back the others (it is retried by the queue, with a
 * growing delay). Then the Hub refreshes the managers' live view (its first-response figures come
 * from the rollups just written).
 */
export async function consumeDeferred(batch: MessageBatch<DeferredWrite>, env: Env): Promise<void> {
  const wroteFacts = batch.messages.some((m) => m.body.facts.length > 0);
  try {
    await applyDeferred(env.DB, batch.messages.map((m) => m.body));
    batch.ackAll();
  } catch (err) {
    console.error("deferred writes: batch failed; trying each message alone", err);
    for (const message of batch.messages) {
      try {
        await applyDeferred(env.DB, [message.body]);
        message.ack();
      } catch (single) {
        console.error("deferred write failed; the queue retries it", message.body.conversationId, single);
        message.retry({ delaySeconds: Math.min(5 * 2 ** Math.max(0, message.attempts - 1), 300) });
      }
    }
  }
  if (wroteFacts) {
    await env.HUB.getByName("workspace")
      .metricsChanged()
      .catch((err: unknown) => console.warn("live metrics push failed", err));
  }
}
