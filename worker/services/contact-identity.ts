/**
 * One contact per person (issue 5), around the webhook's contact resolution
 * (worker/services/contacts.ts):
 *
 * - numbers are E.164 digits (Meta's wa_id: no "+", no spaces); national variants Meta is known to
 *   send in two forms resolve to the contact already holding one of them — Brazil's mobile ninth
 *   digit (55 AA 9XXXXXXXX ⇄ 55 AA XXXXXXXX), Argentina's mobile 9 (54 9 AA… ⇄ 54 AA…) and Mexico's
 *   old mobile 1 (52 1 … ⇄ 52 …);
 * - Meta's `system` notices (the customer changed number, or their business-scoped user id) update
 *   the SAME contact before anything is looked up, so the new identifier never creates a new one;
 * - when a message names both a phone and a business-scoped user id that two existing rows hold,
 *   the two rows are merged into the older one (it has the longer history): identifiers, name and
 *   username move to it; the other row keeps its thread's history and points to it (merged_into_id).
 */
import type { CustomerInfo, InboundMessageData } from "../whatsapp/normalise";
import { clearContactCache, type ContactRecord } from "./contacts";

/** Digits only, when `value` looks like a phone number; anything else unchanged. */
export function e164Digits(value: string | null): string | null {
  if (!value) return null;
  if (!/^[+0-9 ()\-.]+$/.test(value)) return value;
  const digits = value.replace(/[^0-9]/g, "").replace(/^00/, "");
  return digits || null;
}

/**
 * The forms one mobile number takes in WhatsApp ids, `waId` first. Only the variants Meta is known
 * to send for the same person are produced; any other number is its own only variant.
 */
export function numberVariants(waId: string): string[] {
  const variants = [waId];
  // Brazil: 55 + 2-digit area + 9 + 8 digits (13) ⇄ without the ninth digit (12) for mobiles (6–9).
  let m = /^55(\d{2})9([6-9]\d{7})$/.exec(waId);
  if (m) variants.push(`55${m[1]}${m[2]}`);
  m = /^55(\d{2})([6-9]\d{7})$/.exec(waId);
  if (m) variants.push(`55${m[1]}9${m[2]}`);
  // Argentina: mobiles carry a 9 after the country code in WhatsApp ids (549…, 13 digits) ⇄ 54….
  m = /^549(\d{10})$/.exec(waId);
  if (m) variants.push(`54${m[1]}`);
  m = /^54([1-8]\d{9})$/.exec(waId);
  if (m) variants.push(`549${m[1]}`);
  // Mexico: the old mobile prefix 1 (521 + 10 digits) ⇄ 52 + 10 digits.
  m = /^521(\d{10})$/.exec(waId);
  if (m) variants.push(`52${m[1]}`);
  m = /^52([2-9]\d{9})$/.exec(waId);
  if (m) variants.push(`521${m[1]}`);
  return variants;
}

interface Row {
  id: string;
  wa_id: string | null;
  user_id: string | null;
  username: string | null;
  name: string | null;
  created_at: number;
}

const COLUMNS = "id, wa_id, user_id, username, name, created_at";

function toRecord(row: Row): ContactRecord {
  return { id: row.id, waId: row.wa_id, userId: row.user_id, username: row.username, name: row.name };
}

/** The stored form of a variant number (isolate cache: most customers never hit D1 here twice). */
const variantCache = new Map<string, string>();

async function storedVariant(db: D1Database, waId: string): Promise<string> {
  const variants = numberVariants(waId);
  if (variants.length === 1) return waId;
  const cached = variantCache.get(waId);
  if (cached) return cached;
  const row = await db
    .prepare("SELECT wa_id FROM contacts WHERE wa_id IN (SELECT value FROM json_each(?)) ORDER BY wa_id = ? DESC, created_at LIMIT 1")
    .bind(JSON.stringify(variants), waId)
    .first<{ wa_id: string }>();
  const stored = row?.wa_id ?? waId;
  // Only remember a hit: a number nobody holds yet may be stored by this very message.
  if (row) {
    if (variantCache.size > 10_000) variantCache.clear();
    variantCache.set(waId, stored);
  }
  return stored;
}

async function rowBy(db: D1Database, column: "wa_id" | "user_id", value: string): Promise<Row | null> {
  return db.prepare(`SELECT ${COLUMNS} FROM contacts WHERE ${column} = ?`).bind(value).first<Row>();
}

/**
 * Merge two rows of one person into the older one. Identifiers move (the loser's are cleared first:
 * both are unique), the survivor keeps its own name/username unless it has none. One D1 batch.
 */
export async function mergeContacts(db: D1Database, a: Row, b: Row, now = Date.now()): Promise<ContactRecord> {
  const [survivor, loser] = a.created_at <= b.created_at ? [a, b] : [b, a];
  await db.batch([
    db
      .prepare("UPDATE contacts SET wa_id = NULL, user_id = NULL, merged_into_id = ?, updated_at = ? WHERE id = ?")
      .bind(survivor.id, now, loser.id),
    db
      .prepare(
        `UPDATE contacts SET wa_id = coalesce(wa_id, ?2), user_id = coalesce(user_id, ?3), username = coalesce(username, ?4),
           name = coalesce(name, ?5), updated_at = ?6 WHERE id = ?1`,
      )
      .bind(survivor.id, loser.wa_id, loser.user_id, loser.username, loser.name, now),
    // Anything merged into the loser earlier now points at the survivor.
    db.prepare("UPDATE contacts SET merged_into_id = ?1 WHERE merged_into_id = ?2").bind(survivor.id, loser.id),
  ]);
  clearContactCache();
  variantCache.clear();
  const merged = await db.prepare(`SELECT ${COLUMNS} FROM contacts WHERE id = ?`).bind(survivor.id).first<Row>();
  console.info("contacts merged", loser.id, "into", survivor.id);
  return toRecord(merged ?? survivor);
}

/** Give `row` the identifier `column` = `value`, merging with whichever row holds it already. */
async function moveIdentifier(db: D1Database, row: Row, column: "wa_id" | "user_id", value: string, now: number): Promise<void> {
  if (row[column] === value) return;
  const holder = await rowBy(db, column, value);
  if (holder && holder.id !== row.id) {
    // The customer already wrote with the new identifier: one person, two rows.
    const merged = await mergeContacts(db, row, holder, now);
    await db.prepare(`UPDATE contacts SET ${column} = ?, updated_at = ? WHERE id = ?`).bind(value, now, merged.id).run();
  } else {
    await db.prepare(`UPDATE contacts SET ${column} = ?, updated_at = ? WHERE id = ?`).bind(value, now, row.id).run();
  }
  clearContactCache();
  variantCache.clear();
}

/**
 * The customer as the contact lookup should see them: phone digits, the stored form of a national
 * variant, and — for Meta's "changed number" / "changed user id" notices — the new identifier,
 * after the existing contact has been given it (so the lookup finds that contact, not a new one).
 */
export async function prepareCustomer(
  db: D1Database,
  customer: CustomerInfo,
  message: InboundMessageData,
  now = Date.now(),
): Promise<CustomerInfo> {
  let waId = e164Digits(customer.waId);
  let userId = customer.userId;
  const content = message.content;
  if (content.kind === "system") {
    const newWaId = e164Digits(content.newWaId);
    const newUserId = content.newUserId;
    if (newWaId && waId && newWaId !== waId && /number/.test(content.systemType ?? "user_changed_number")) {
      const row = (await rowBy(db, "wa_id", await storedVariant(db, waId))) ?? (userId ? await rowBy(db, "user_id", userId) : null);
      if (row) await moveIdentifier(db, row, "wa_id", newWaId, now);
      waId = newWaId;
    }
    const previous = content.previousUserId;
    const next = newUserId ?? (previous && userId !== previous ? userId : null);
    if (previous && next && previous !== next) {
      const row = await rowBy(db, "user_id", previous);
      if (row) await moveIdentifier(db, row, "user_id", next, now);
      userId = next;
    }
  }
  if (waId) waId = await storedVariant(db, waId);
  return { ...customer, waId, userId };
}

/**
 * After the lookup: when the message names a phone and a user id that two rows hold (the lookup
 * matched one and could not give it the other), merge them. Free when nothing is split.
 */
export async function linkIdentifiers(db: D1Database, contact: ContactRecord, customer: CustomerInfo, now = Date.now()): Promise<ContactRecord> {
  if (!customer.waId || !customer.userId) return contact;
  if (contact.waId === customer.waId && contact.userId === customer.userId) return contact;
  const [byPhone, byUser] = await Promise.all([rowBy(db, "wa_id", customer.waId), rowBy(db, "user_id", customer.userId)]);
  if (!byPhone || !byUser || byPhone.id === byUser.id) return contact;
  return mergeContacts(db, byPhone, byUser, now);
}
