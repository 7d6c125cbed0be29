import type { MiddlewareHandler } from "hono";

// Placeholder: filled in with the session work.
export const csrfGuard: MiddlewareHandler = async (_c, next) => next();
