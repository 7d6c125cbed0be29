import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { resolveSession, SESSION_COOKIE } from "./sessions";

/**
 * Requires a signed-in user (session cookie). Sets `c.var.user` and `c.var.sessionId`;
 * answers 401 `unauthorized` otherwise.
 */
export const requireUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = getCookie(c, SESSION_COOKIE);
  const session = token ? await resolveSession(c.env, token) : null;
  if (!session) throw new ApiError(401, "unauthorized", "Sign in to continue.");
  c.set("user", session.user);
  c.set("sessionId", session.sessionId);
  await next();
};
