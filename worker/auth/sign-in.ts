import type { Context } from "hono";
import type { AppEnv, Env, SessionUser } from "../env";
import { createSession, SESSION_ABSOLUTE_MS, sessionCookie } from "./sessions";

/** Start a fresh session for `user` and set its cookie on the response. */
export async function startSession(c: Context<AppEnv>, user: SessionUser): Promise<void> {
  const session = await createSession(c.env.DB, user.id, {
    userAgent: c.req.header("User-Agent"),
    ip: c.req.header("CF-Connecting-IP") ?? null,
  });
  c.header("Set-Cookie", sessionCookie(session.token, Math.floor(SESSION_ABSOLUTE_MS / 1000)), { append: true });
  c.header("Cache-Control", "no-store");
}

/**
 * End a user's sessions (all, or all but one) and close their live sockets at once. Used on
 * deactivation, password change and password reset.
 */
export async function endSessions(env: Env, userId: string, options: { except?: string } = {}): Promise<void> {
  const { results } = await env.DB.prepare("DELETE FROM sessions WHERE user_id = ? AND id != ? RETURNING id")
    .bind(userId, options.except ?? "")
    .all<{ id: string }>();
  const hub = env.HUB.getByName("workspace");
  if (options.except === undefined) {
    await hub.disconnectUser(userId);
  } else {
    for (const { id } of results) await hub.disconnectSession(id);
  }
}
