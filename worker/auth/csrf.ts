import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for cookie-authenticated writes.
 *
 * Browsers send `Origin` (and `Sec-Fetch-Site`) on every state-changing request and a page on
 * another site cannot forge them, so a write whose Origin is not our own origin — or whose
 * Sec-Fetch-Site says cross-site — is refused. Clients that send neither (curl, server-to-server
 * integrations) are not browsers and cannot be tricked into sending the cookie; they pass.
 * SameSite=Lax on the cookie is the second layer.
 */
export const csrfGuard: MiddlewareHandler = async (c, next) => {
  if (!SAFE_METHODS.has(c.req.method)) {
    const origin = c.req.header("Origin");
    const fetchSite = c.req.header("Sec-Fetch-Site");
    const ownOrigin = new URL(c.req.url).origin;
    const crossOrigin = origin !== undefined && origin !== ownOrigin;
    const crossSite = fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none";
    if (crossOrigin || crossSite) {
      throw new ApiError(403, "csrf_refused", "This request came from another site and was refused.");
    }
  }
  await next();
};
