/**
 * GET /api/openapi.json — the API as OpenAPI 3.1, generated from the route registry and the
 * valibot contracts (worker/openapi/). GET /api/docs — the same, browsable, rendered by Scalar's
 * API reference from a static asset (scripts/copy-vendor.mjs): no CDN, works offline, and the
 * 4 MB bundle stays out of the Worker.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { openApiJson } from "../openapi/generate";
import vendor from "../openapi/vendor.json";

export const OPENAPI_PATH = "/api/openapi.json";
export const SCALAR_SCRIPT_PATH = vendor.scalarApiReference.servedAt;

/**
 * Scalar reads its configuration from the `#api-reference` element. It is a JSON data block,
 * which browsers never execute, so the page needs no inline script and its CSP can allow only
 * 'self' scripts. Default fonts, telemetry and the "Ask AI" agent are off: each would call out to
 * scalar.com.
 */
const scalarConfiguration = {
  url: OPENAPI_PATH,
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  metaData: { title: "Chorus API" },
};

const docsPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Chorus API</title>
  </head>
  <body>
    <script id="api-reference" type="application/json" data-url="${OPENAPI_PATH}" data-configuration="${escapeAttribute(JSON.stringify(scalarConfiguration))}"></script>
    <script src="${SCALAR_SCRIPT_PATH}"></script>
  </body>
</html>
`;

/**
 * Scripts only from our origin (no inline script, no eval). Scalar injects its stylesheet at run
 * time and sets inline styles, hence 'unsafe-inline' for styles only. connect-src 'self' covers
 * loading the document and the "try it" client against this same API.
 */
const docsContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const openapiRoutes = new Hono<AppEnv>()
  .get("/openapi.json", (c) => {
    c.header("Cache-Control", "no-cache");
    return c.body(openApiJson(), 200, { "Content-Type": "application/json; charset=utf-8" });
  })
  .get("/docs", (c) => {
    c.header("Content-Security-Policy", docsContentSecurityPolicy);
    c.header("Cache-Control", "no-cache");
    return c.html(docsPage);
  });

function escapeAttribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
