import { ApiError } from "../errors";
/**
 * Contact resolution. Meta identifies a customer by phone (`wa_id`) and, since 2026, by a
 * business-scoped user id (`user_id`, BSUID); a customer who adopted a username may come with the
 * BSUID alone. We match the BSUID first (Meta's durable key), then the phone, fill in whichever
 * identifier the row lacks, and keep name/username current.
 *
 * The webhook hot path: an isolate cache answers repeat customers with no D1 round trip while
 * nothing changed; otherwise one batched round trip (insert-if-new + select), plus an UPDATE only
 * when a name, username or identifier changed.
 */
import type { CustomerInfo } from "../whatsapp/normalise";
import { newId } from "../ids";

export interface ContactRecord {
  id: string;
  waId: string | null;
  userId: string | null;
  username: string | null;
  name: string | null;
}

interface ContactRow {
  id: string;
  wa_id: string | null;
  user_id: string | null;
  username: string | null;
  name: string | null;
}

const CACHE_TTL_MS = 5 * 60 * 1000;
const CACHE_MAX = 10_000;
const cache = new Map<string, { contact: ContactRecord; at: number }>();

function toRecord(row: ContactRow): ContactRecord {
  return { id: row.id, waId: row.wa_id, userId: row.user_id, username: row.username, name: row.name };
}

function cacheKeys(c: { waId: string | null; userId: string | null }): string[] {
  const keys: string[] = [];
  if (c.userId) keys.push(`u:${c.userId}`);
  if (c.waId) keys.push(`w:${c.waId}`);
  return keys;
}

function remember(contact: ContactRecord, now: number): ContactRecord {
  if (cache.size >= CACHE_MAX) cache.clear();
  for (const key of cacheKeys(contact)) cache.set(key, { contact, at: now });
  return contact;
}

function cached(c: { waId: string | null; userId: string | null }, now: number): ContactRecord | null {
  for (const key of cacheKeys(c)) {
    const hit = cache.get(key);
    if (hit && now - hit.at < CACHE_TTL_MS) return hit.contact;
  }
  return null;
}

/** Nothing in `incoming` would change `known`. */
function unchanged(known: ContactRecord, incoming: CustomerInfo): boolean {
  return (
    (!incoming.waId || incoming.waId === known.waId) &&
    (!incoming.userId || incoming.userId === known.userId) &&
    (!incoming.name || incoming.name === known.name) &&
    (!incoming.username || incoming.username === known.username)
  );
}

function selectStatement(db: D1Database, c: { waId: string | null; userId: string | null }): D1PreparedStatement {
  return db.prepare("SELECT id, wa_id, user_id, username, name FROM contacts WHERE user_id = ?1 OR wa_id = ?2 LIMIT 2").bind(c.userId, c.waId);
}

async function select(db: D1Database, c: { waId: string | null; userId: string | null }): Promise<ContactRow[]> {
  return (await selectStatement(db, c).all<ContactRow>()).results;
}

/** The contact for an inbound message's sender: found, updated or created. */
export async function resolveContact(db: D1Database, customer: CustomerInfo, now = Date.now()): Promise<ContactRecord> {
  // A signed but malformed payload (a blank sender) is the sender's mistake: 400, never a 500.
  if (!customer.waId?.trim() && !customer.userId?.trim()) {
    throw new ApiError(400, "invalid_payload", "A message names no sender: it needs a wa_id or a user_id.");
  }
  const hit = cached(customer, now);
  if (hit && unchanged(hit, customer)) return hit;

  // One round trip for a new or a known customer: try to create the row (a conflict on either
  // unique identifier is a no-op) and read whoever holds the identifiers, in one batch.
  const [inserted, selected] = await db.batch<ContactRow>([
    db
      .prepare(
        `INSERT INTO contacts (id, wa_id, user_id, username, name, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT DO NOTHING
         RETURNING id, wa_id, user_id, username, name`,
      )
      .bind(newId("ctc"), customer.waId, customer.userId, customer.username, customer.name, now),
    selectStatement(db, customer),
  ]);
  const created = inserted?.results[0];
  if (created) return remember(toRecord(created), now);
  const rows = selected?.results ?? [];
  const byUser = customer.userId ? rows.find((r) => r.user_id === customer.userId) : undefined;
  const byPhone = customer.waId ? rows.find((r) => r.wa_id === customer.waId) : undefined;
  const row = byUser ?? byPhone;
  if (!row) throw new Error("contact insert conflicted but no row holds its identifiers");

  const known = toRecord(row);
  if (unchanged(known, customer)) return remember(known, now);

  // Fill in an identifier only when no other contact holds it (two rows for one person — one
  // known by phone, one by BSUID — stay apart until contact merge exists).
  const otherHolds = (column: "wa_id" | "user_id", value: string) =>
    rows.some((r) => r.id !== row.id && r[column] === value);
  const waId =
    customer.waId && customer.waId !== row.wa_id && !otherHolds("wa_id", customer.waId) ? customer.waId : row.wa_id;
  const userId =
    customer.userId && customer.userId !== row.user_id && !otherHolds("user_id", customer.userId)
      ? customer.userId
      : row.user_id;
  const updated = await db
    .prepare(
      `UPDATE contacts SET wa_id = ?2, user_id = ?3, username = ?4, name = ?5, updated_at = ?6
       WHERE id = ?1 RETURNING id, wa_id, user_id, username, name`,
    )
    .bind(row.id, waId, userId, customer.username ?? row.username, customer.name ?? row.name, now)
    .first<ContactRow>();
  return remember(toRecord(updated ?? row), now);
}

/**
 * The contact a status webhook's recipient refers to, without creating one: a status for a
 * customer Chorus never talked to belongs to no thread.
 */
export async function findContact(
  db: D1Database,
  recipient: { waId: string | null; userId: string | null },
  now = Date.now(),
): Promise<ContactRecord | null> {
  if (!recipient.waId && !recipient.userId) return null;
  const hit = cached(recipient, now);
  if (hit) return hit;
  const rows = await select(db, recipient);
  const row = (recipient.userId && rows.find((r) => r.user_id === recipient.userId)) || rows[0];
  return row ? remember(toRecord(row), now) : null;
}

export function clearContactCache(): void {
  cache.clear();
}
