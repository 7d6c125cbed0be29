/**
 * Several numbers in one workspace (issue 5): each channel's display name, WhatsApp Business
 * Account id, own access token (encrypted, see channel-tokens.ts), default team (the channel row of
 * assignment_policies, shared with automatic assignment), sending rate and health.
 */
import type { ChannelRef } from "../contracts/api";
import type { ChannelSettings, UpdateChannelBody } from "../contracts/whatsapp";
import { clearChannelCache } from "./channels";
import { clearChannelTokenCache, encryptChannelToken } from "./channel-tokens";

interface Row {
  id: string;
  phone_number_id: string;
  display_phone_number: string | null;
  name: string | null;
  waba_id: string | null;
  access_token_encrypted: string | null;
  messages_per_second: number | null;
  last_webhook_at: number | null;
  last_error_at: number | null;
  last_error_code: number | null;
  last_error_title: string | null;
  created_at: number;
  default_team_id: string | null;
}

const SELECT = `SELECT ch.id, ch.phone_number_id, ch.display_phone_number, ch.name, ch.waba_id, ch.access_token_encrypted,
  ch.messages_per_second, ch.last_webhook_at, ch.last_error_at, ch.last_error_code, ch.last_error_title, ch.created_at,
  p.default_team_id
  FROM channels ch LEFT JOIN assignment_policies p ON p.scope = 'channel' AND p.scope_id = ch.id`;

function toSettings(row: Row): ChannelSettings {
  return {
    id: row.id,
    phoneNumberId: row.phone_number_id,
    displayPhoneNumber: row.display_phone_number,
    name: row.name,
    wabaId: row.waba_id,
    hasOwnToken: row.access_token_encrypted !== null,
    defaultTeamId: row.default_team_id,
    messagesPerSecond: row.messages_per_second,
    health: {
      lastWebhookAt: row.last_webhook_at,
      lastErrorAt: row.last_error_at,
      lastErrorCode: row.last_error_code,
      lastErrorTitle: row.last_error_title,
    },
    createdAt: row.created_at,
  };
}

export async function listChannelSettings(db: D1Database): Promise<ChannelSettings[]> {
  const { results } = await db.prepare(`${SELECT} ORDER BY ch.created_at, ch.id`).all<Row>();
  return results.map(toSettings);
}

/** Every number's id, name and phone, for anyone signed in (the inbox's channel filter and labels). */
export async function listChannelDirectory(db: D1Database): Promise<ChannelRef[]> {
  const { results } = await db
    .prepare("SELECT id, phone_number_id, display_phone_number, name FROM channels ORDER BY created_at, id")
    .all<{ id: string; phone_number_id: string; display_phone_number: string | null; name: string | null }>();
  return results.map((r) => ({ id: r.id, phoneNumberId: r.phone_number_id, displayPhoneNumber: r.display_phone_number, name: r.name }));
}

export async function getChannelSettings(db: D1Database, id: string): Promise<ChannelSettings | null> {
  const row = await db.prepare(`${SELECT} WHERE ch.id = ?`).bind(id).first<Row>();
  return row ? toSettings(row) : null;
}

export type UpdateChannelResult =
  | { ok: true; channel: ChannelSettings; changed: string[] }
  | { ok: false; reason: "not_found" | "invalid_team" | "token_key_missing" };

/** Apply a PATCH: only the fields given change. The token is encrypted before it reaches D1. */
export async function updateChannel(
  db: D1Database,
  tokenKey: string | undefined,
  id: string,
  body: UpdateChannelBody,
  now = Date.now(),
): Promise<UpdateChannelResult> {
  const current = await getChannelSettings(db, id);
  if (!current) return { ok: false, reason: "not_found" };
  const sets: string[] = [];
  const binds: unknown[] = [];
  const changed: string[] = [];
  const set = (column: string, value: unknown, field: string) => {
    sets.push(`${column} = ?`);
    binds.push(value);
    changed.push(field);
  };
  if (body.name !== undefined) set("name", body.name, "name");
  if (body.wabaId !== undefined) set("waba_id", body.wabaId, "wabaId");
  if (body.messagesPerSecond !== undefined) set("messages_per_second", body.messagesPerSecond, "messagesPerSecond");
  if (body.accessToken !== undefined) {
    if (body.accessToken === null) set("access_token_encrypted", null, "accessToken");
    else {
      if (!tokenKey) return { ok: false, reason: "token_key_missing" };
      set("access_token_encrypted", await encryptChannelToken(tokenKey, id, body.accessToken), "accessToken");
    }
  }
  const statements: D1PreparedStatement[] = [];
  if (sets.length) {
    statements.push(db.prepare(`UPDATE channels SET ${sets.join(", ")}, updated_at = ? WHERE id = ?`).bind(...binds, now, id));
  }
  if (body.defaultTeamId !== undefined) {
    if (body.defaultTeamId !== null) {
      const team = await db.prepare("SELECT 1 AS x FROM teams WHERE id = ?").bind(body.defaultTeamId).first();
      if (!team) return { ok: false, reason: "invalid_team" };
    }
    statements.push(
      db
        .prepare(
          `INSERT INTO assignment_policies (scope, scope_id, strategy, capacity, default_team_id, updated_at)
           VALUES ('channel', ?1, 'manual', NULL, ?2, ?3)
           ON CONFLICT (scope, scope_id) DO UPDATE SET default_team_id = excluded.default_team_id, updated_at = excluded.updated_at`,
        )
        .bind(id, body.defaultTeamId, now),
    );
    changed.push("defaultTeamId");
  }
  if (statements.length) await db.batch(statements);
  clearChannelCache();
  clearChannelTokenCache(id);
  return { ok: true, channel: (await getChannelSettings(db, id))!, changed };
}
