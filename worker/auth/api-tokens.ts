/**
 * API tokens for integrations: `Authorization: Bearer chorus_<43 chars>`. The token is shown once;
 * D1 keeps its SHA-256 and an 8-character prefix to recognise it in the list.
 */
import type { Role, SessionUser } from "../env";
import { newId, newSecret } from "../ids";
import { sha256Hex } from "./sessions";

export const TOKEN_PREFIX = "chorus_";
/** Record last use at most this often: a busy integration must not turn every read into a write. */
const LAST_USED_RESOLUTION_MS = 60 * 1000;

export async function createApiToken(
  db: D1Database,
  input: { name: string; role: Role; expiresAt: number | null; createdBy: string },
  now = Date.now(),
) {
  const token = `${TOKEN_PREFIX}${newSecret(32)}`;
  const row = {
    id: newId("tok"),
    name: input.name,
    prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    role: input.role,
    createdBy: input.createdBy,
    createdAt: now,
    expiresAt: input.expiresAt,
  };
  await db
    .prepare(
      "INSERT INTO api_tokens (id, name, token_hash, prefix, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(row.id, row.name, await sha256Hex(token), row.prefix, row.role, row.createdBy, row.createdAt, row.expiresAt)
    .run();
  return { token, ...row };
}

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

/** The principal behind a bearer token, or null when it is unknown, revoked or expired. */
export async function resolveApiToken(db: D1Database, token: string, now = Date.now()): Promise<SessionUser | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return null;
  const row = await db
    .prepare("SELECT id, name, role, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = ?")
    .bind(await sha256Hex(token))
    .first<TokenRow>();
  if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return null;
  if (row.last_used_at === null || now - row.last_used_at > LAST_USED_RESOLUTION_MS) {
    await db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").bind(now, row.id).run();
  }
  return { id: row.id, name: `API token “${row.name}”`, email: "", role: row.role, language: null };
}
