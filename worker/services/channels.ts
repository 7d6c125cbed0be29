/**
 * Channel resolution for webhooks: Meta names the receiving number by `metadata.phone_number_id`.
 * A signed webhook for a number Chorus has not seen creates its channel (design.md: a new number
 * works with no extra setup). A channel's id never changes, so each isolate caches the mapping
 * and the hot path costs no D1 round trip after the first webhook.
 */
import type { ChannelInfo } from "../whatsapp/normalise";
import { newId } from "../ids";

export interface ChannelRecord {
  id: string;
  phoneNumberId: string;
  displayPhoneNumber: string | null;
}

const cache = new Map<string, Promise<ChannelRecord>>();

interface ChannelRow {
  id: string;
  phone_number_id: string;
  display_phone_number: string | null;
}

function toRecord(row: ChannelRow): ChannelRecord {
  return { id: row.id, phoneNumberId: row.phone_number_id, displayPhoneNumber: row.display_phone_number };
}

async function upsertChannel(db: D1Database, info: ChannelInfo, now: number): Promise<ChannelRecord> {
  // One round trip whether the row exists or not; the unique index on phone_number_id settles races.
  const row = await db
    .prepare(
      `INSERT INTO channels (id, phone_number_id, display_phone_number, waba_id, created_at, last_webhook_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?5)
       ON CONFLICT (phone_number_id) DO UPDATE SET
         display_phone_number = coalesce(excluded.display_phone_number, channels.display_phone_number),
         waba_id = coalesce(excluded.waba_id, channels.waba_id),
         last_webhook_at = excluded.last_webhook_at
       RETURNING id, phone_number_id, display_phone_number`,
    )
    .bind(newId("chn"), info.phoneNumberId, info.displayPhoneNumber, info.wabaId, now)
    .first<ChannelRow>();
  if (!row) throw new Error(`channel upsert for ${info.phoneNumberId} returned nothing`);
  return toRecord(row);
}

/** The channel for a webhook's phone number id, created on first sight. */
export function resolveChannel(db: D1Database, info: ChannelInfo, now = Date.now()): Promise<ChannelRecord> {
  let pending = cache.get(info.phoneNumberId);
  if (!pending) {
    pending = upsertChannel(db, info, now);
    cache.set(info.phoneNumberId, pending);
    // A failed lookup must not be cached: the next webhook tries again.
    pending.catch(() => cache.delete(info.phoneNumberId));
  }
  return pending;
}

/** Forget cached channels (tests; a future channel-settings route after it edits a channel). */
export function clearChannelCache(): void {
  cache.clear();
}
