/**
 * Server-side sessions. The cookie holds 32 random bytes; D1 keeps only their SHA-256, so a
 * leaked table cannot be replayed. Sessions end after SESSION_IDLE_MS without use or
 * SESSION_ABSOLUTE_MS after sign-in, whichever comes first.
 */
import type { Env, Role, SessionUser } from "../env";
import { newSecret } from "../ids";

export const SESSION_COOKIE = "chorus_session";
export const SESSION_IDLE_MS = 7 * 24 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 30 * 24 * 60 * 60 * 1000;
/** Refresh last_seen_at at most this often, so reads don't turn into writes. */
const TOUCH_INTERVAL_MS = 5 * 60 * 1000;

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export interface CreatedSession {
  token: string;
  id: string;
  expiresAt: number;
}

/** A fresh session id at every sign-in (never reuse one the client brought). */
export async function createSession(
  db: D1Database,
  userId: string,
  meta: { userAgent?: string | null; ip?: string | null } = {},
  now = Date.now(),
): Promise<CreatedSession> {
  const token = newSecret(32);
  const id = await sha256Hex(token);
  const expiresAt = now + SESSION_ABSOLUTE_MS;
  await db
    .prepare(
      "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, user_agent, ip) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id, userId, now, now, expiresAt, meta.userAgent?.slice(0, 256) ?? null, meta.ip ?? null)
    .run();
  return { token, id, expiresAt };
}

interface SessionRow {
  session_id: string;
  last_seen_at: number;
  expires_at: number;
  id: string;
  name: string;
  email: string;
  role: Role;
  language: string | null;
  active: number;
}

/** The user behind a cookie token, or null when the session is unknown, expired, idle or the user inactive. */
export async function resolveSession(
  env: Pick<Env, "DB">,
  token: string,
  now = Date.now(),
): Promise<{ user: SessionUser; sessionId: string } | null> {
  if (!token || token.length > 128) return null;
  const id = await sha256Hex(token);
  const row = await env.DB.prepare(
    `SELECT s.id AS session_id, s.last_seen_at, s.expires_at, u.id, u.name, u.email, u.role, u.language, u.active
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`,
  )
    .bind(id)
    .first<SessionRow>();
  if (!row) return null;
  if (!row.active || row.expires_at <= now || row.last_seen_at + SESSION_IDLE_MS <= now) {
    await env.DB.prepare("DELETE FROM sessions WHERE id = ?").bind(id).run();
    return null;
  }
  if (now - row.last_seen_at > TOUCH_INTERVAL_MS) {
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ? WHERE id = ?").bind(now, id).run();
  }
  return {
    sessionId: row.session_id,
    user: { id: row.id, name: row.name, email: row.email, role: row.role, language: row.language },
  };
}

export async function deleteSession(db: D1Database, sessionId: string): Promise<void> {
  await db.prepare("DELETE FROM sessions WHERE id = ?").bind(sessionId).run();
}

/** Set-Cookie value: HttpOnly (no script access), Secure, SameSite=Lax (no cross-site POSTs carry it). */
export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${maxAgeSeconds}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;
}
