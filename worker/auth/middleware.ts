import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv, Role } from "../env";
import { ApiError } from "../errors";
import { resolveApiToken } from "./api-tokens";
import { resolveSession, SESSION_COOKIE } from "./sessions";

/**
 * Requires a signed-in user: an API token (`Authorization: Bearer …`) or a session cookie.
 * Sets `c.var.user`, `c.var.sessionId` and `c.var.authKind`; answers 401 `unauthorized` otherwise.
 * A request that presents a bearer token is judged by the token alone, never by a cookie beside it.
 */
export const requireUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  const authorization = c.req.header("Authorization");
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const user = match ? await resolveApiToken(c.env.DB, match[1]!) : null;
    if (!user) throw new ApiError(401, "unauthorized", "The API token is not valid, has expired or was revoked.");
    c.set("user", user);
    c.set("sessionId", "");
    c.set("authKind", "token");
    return next();
  }
  const token = getCookie(c, SESSION_COOKIE);
  const session = token ? await resolveSession(c.env, token) : null;
  if (!session) throw new ApiError(401, "unauthorized", "Sign in to continue.");
  c.set("user", session.user);
  c.set("sessionId", session.sessionId);
  c.set("authKind", "session");
  await next();
};

/** After requireUser: only these roles may continue (403 `forbidden` otherwise). */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!roles.includes(c.var.user.role)) {
      throw new ApiError(403, "forbidden", "Your role does not allow this.");
    }
    await next();
  };
}

/** After requireUser: a browser session only (password changes, profile), not an API token. */
export const requireSessionAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.var.authKind !== "session") throw new ApiError(403, "forbidden", "This action needs a signed-in person, not an API token.");
  await next();
};
