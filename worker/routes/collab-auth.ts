/**
 * Small guards shared by the collaboration routes (labels, quick replies, notifications, views,
 * search).
 */
import type { MiddlewareHandler } from "hono";
import { requireUser } from "../auth/middleware";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/**
 * requireUser, unless an earlier middleware on the same path already authenticated the request
 * (the thread-label routes share /api/conversations with the conversation routes): one session
 * lookup per request, not two.
 */
export const ensureUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.get("user")) return next();
  return requireUser(c, next);
};

/**
 * Personal things (saved views, personal quick replies, notifications) belong to a person; an API
 * token is not one.
 */
export function personOnly(c: { var: AppEnv["Variables"] }): void {
  if (c.var.authKind === "token") {
    throw new ApiError(403, "forbidden", "Personal items belong to a signed-in person, not to an API token.");
  }
}

/** A page size from the query: 1–100, default `fallback`. */
export function pageSize(limit: string | undefined, fallback = 50): number {
  if (limit === undefined) return fallback;
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new ApiError(400, "invalid_request", "limit: limit is a number from 1 to 100");
  return n;
}

export function badCursor(): ApiError {
  return new ApiError(400, "invalid_request", "cursor: this cursor is not one the server gave out.");
}

export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && /UNIQUE constraint failed/.test(err.message);
}
