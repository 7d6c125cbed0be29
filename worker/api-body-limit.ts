/**
 * A size limit for every /api body, enforced while the body streams in (Hono's bodyLimit counts
 * bytes, so a missing or lying Content-Length does not help): a 20 MB "reply" is refused with 413
 * before it is buffered, instead of being read in full and then failing validation.
 *
 * 1 MB is far above any JSON the API takes (a reply is at most 4,096 characters, a template a few
 * KB). File uploads are the exception: POST /api/conversations/:id/media carries files up to
 * WhatsApp's 100 MB document limit and POST /api/templates/media header examples up to 16 MB; each
 * checks its own size (worker/routes/media.ts, worker/routes/templates.ts).
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./env";
import { errorBody } from "./errors";

export const API_BODY_LIMIT = 1024 * 1024;

/**
 * Routes that take files, with their own limits: a file to send (up to WhatsApp's 100 MB for
 * documents) and a template header's example (up to 16 MB).
 */
const UPLOAD_ROUTE = /^\/api\/(conversations\/[^/]+|templates)\/media$/;

const limit = bodyLimit({
  maxSize: API_BODY_LIMIT,
  onError: (c) => c.json(errorBody("payload_too_large", "The request body is larger than 1 MB."), 413),
});

export const apiBodyLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD" || UPLOAD_ROUTE.test(c.req.path)) return next();
  return limit(c, next);
};
