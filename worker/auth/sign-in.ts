import type { Context } from "hono";
import type { AppEnv, SessionUser } from "../env";
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
