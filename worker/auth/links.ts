/**
 * Single-use links (invitations and password resets). The link carries a random token in its
 * fragment (`/invite#<token>`), so it never reaches server logs or Referer headers; D1 keeps only
 * the token's SHA-256. A link is consumed atomically: of two simultaneous uses, one wins.
 */
import type { Role } from "../env";
import { newId, newSecret } from "../ids";
import { sha256Hex } from "./sessions";

export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
export const PASSWORD_RESET_LIFETIME_MS = 24 * 60 * 60 * 1000;

export type LinkKind = "invitation" | "password_reset";

export interface LinkRow {
  id: string;
  kind: LinkKind;
  email: string;
  role: Role | null;
  team_ids: string | null;
  user_id: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export function linkState(row: Pick<LinkRow, "used_at" | "revoked_at" | "expires_at">, now = Date.now()) {
  if (row.used_at !== null) return "accepted" as const;
  if (row.revoked_at !== null) return "revoked" as const;
  if (row.expires_at <= now) return "expired" as const;
  return "pending" as const;
}

export async function createLink(
  db: D1Database,
  input: { kind: LinkKind; email: string; role?: Role; teamIds?: string[]; userId?: string; createdBy: string },
  now = Date.now(),
) {
  const token = newSecret(32);
  const id = newId(input.kind === "invitation" ? "inv" : "rst");
  const expiresAt = now + (input.kind === "invitation" ? INVITATION_LIFETIME_MS : PASSWORD_RESET_LIFETIME_MS);
  await db
    .prepare(
      `INSERT INTO user_links (id, kind, token_hash, email, role, team_ids, user_id, created_by, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      id,
      input.kind,
      await sha256Hex(token),
      input.email,
      input.role ?? null,
      input.teamIds ? JSON.stringify(input.teamIds) : null,
      input.userId ?? null,
      input.createdBy,
      now,
      expiresAt,
    )
    .run();
  return { id, token, expiresAt };
}

/** The pending link behind a token, or null when unknown, used, revoked or expired. */
export async function findPendingLink(db: D1Database, kind: LinkKind, token: string, now = Date.now()): Promise<LinkRow | null> {
  const row = await db
    .prepare("SELECT * FROM user_links WHERE token_hash = ? AND kind = ?")
    .bind(await sha256Hex(token), kind)
    .first<LinkRow>();
  if (!row || linkState(row, now) !== "pending") return null;
  return row;
}

/** A statement that marks the link used only if it still is pending; check `meta.changes`. */
export function consumeLinkStatement(db: D1Database, id: string, now = Date.now()) {
  return db
    .prepare("UPDATE user_links SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?")
    .bind(now, id, now);
}

export function linkUrl(requestUrl: string, path: "/invite" | "/reset-password", token: string): string {
  return `${new URL(requestUrl).origin}${path}#${token}`;
}
