import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * An error with a stable snake_case code that the one `onError` handler turns into
 * `{ "error": { "code", "message" } }` with the right status (design.md, "Public contract").
 */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(status, { message });
  }
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details ?? {}) } };
}

/** The single error mapper for the Hono app: known errors keep their status; unknown ones become a generic 500. */
export function handleError(err: Error, c: Context) {
  if (err instanceof ApiError) {
    if (typeof err.details?.retryAfter === "number") c.header("Retry-After", String(err.details.retryAfter));
    return c.json(errorBody(err.code, err.message, err.details), err.status);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = status === 400 ? "invalid_request" : status === 413 ? "payload_too_large" : status === 401 ? "unauthorized" : status === 403 ? "forbidden" : "http_error";
    return c.json(errorBody(code, err.message || "The request could not be handled."), status);
  }
  console.error("unhandled error", err);
  return c.json(errorBody("internal_error", "Something went wrong on our side. Please try again."), 500);
}
