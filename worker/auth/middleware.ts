import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/**
 * Requires a signed-in user (session cookie). Sets `c.var.user` and `c.var.sessionId`;
 * answers 401 `unauthorized` otherwise. (Placeholder until the session work lands.)
 */
export const requireUser: MiddlewareHandler<AppEnv> = async (_c, _next) => {
  throw new ApiError(401, "unauthorized", "Sign in to continue.");
};
