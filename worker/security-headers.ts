import type { MiddlewareHandler } from "hono";

/**
 * Headers on every Hono answer. JSON answers get a CSP that allows nothing; HTML pages served by
 * Hono (API docs, simulator) set their own stricter-than-default policy where they render.
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "same-origin");
  c.header("X-Frame-Options", "DENY");
  if (!c.res.headers.has("Content-Security-Policy")) {
    c.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  }
};
