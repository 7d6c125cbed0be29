/**
 * The OpenAPI document and the docs page: the registry lists exactly the routes the app mounts,
 * /api/openapi.json is OpenAPI 3.1 generated from the valibot contracts, and /api/docs renders it
 * from a same-origin script under a CSP without inline script.
 */
import { toJsonSchemaDefs } from "@valibot/to-json-schema";
import { exports } from "cloudflare:workers";
import * as v from "valibot";
import { describe, it } from "vitest";
import { app } from "../../worker/app";
import { buildOpenApiDocument, conversionConfig, namedSchemas, pathParameterNames, type OpenApiDocument } from "../../worker/openapi/generate";
import { routes, type RouteDoc } from "../../worker/openapi/registry";
import { SCALAR_SCRIPT_PATH } from "../../worker/routes/openapi";
import * as contracts from "../../worker/contracts/api";

/** "GET /api/conversations/{id}" for a Hono route (`:id`, `:id{regex}`, trailing slash) or a registry entry. */
function routeKey(method: string, path: string): string {
  const openApiPath = path
    .replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}")
    .replace(/(.)\/+$/, "$1");
  return `${method.toUpperCase()} ${openApiPath}`;
}

/** Routes the app really answers: middleware (ALL, `*`) and the never-shipped simulator left out. */
function mountedRoutes(): Set<string> {
  const keys = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL") continue;
    if (route.path.includes("*")) continue;
    if (route.path === "/simulator" || route.path.startsWith("/simulator/")) continue;
    keys.add(routeKey(route.method, route.path));
  }
  return keys;
}

async function fetchDocument(): Promise<OpenApiDocument> {
  const res = await exports.default.fetch("http://example.com/api/openapi.json");
  if (res.status !== 200) throw new Error(`openapi.json answered ${res.status}`);
  return (await res.json()) as OpenApiDocument;
}

function collectRefs(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) collectRefs(item, into);
  else if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      if (key === "$ref" && typeof child === "string") into.push(child);
      else collectRefs(child, into);
    }
  }
  return into;
}

describe("the route registry", () => {
  it("lists every route the Hono app mounts (simulator excepted)", ({ expect }) => {
    const registered = new Set(routes.map((r) => routeKey(r.method, r.path)));
    const missing = [...mountedRoutes()].filter((key) => !registered.has(key)).sort();
    expect(missing, "mounted in worker/app.ts but missing from worker/openapi/registry.ts").toEqual([]);
  });

  it("lists no route the Hono app does not mount", ({ expect }) => {
    const mounted = mountedRoutes();
    const extra = routes.map((r) => routeKey(r.method, r.path)).filter((key) => !mounted.has(key)).sort();
    expect(extra, "in worker/openapi/registry.ts but not mounted in worker/app.ts").toEqual([]);
  });

  it("has one entry per method and path, unique operation ids, and path parameters that match the path", ({ expect }) => {
    const keys = routes.map((r) => routeKey(r.method, r.path));
    expect(new Set(keys).size).toBe(keys.length);
    const ids = routes.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const route of routes) {
      const declared = Object.keys(route.request?.params?.entries ?? {});
      for (const name of declared) expect(pathParameterNames(route.path), `${route.path} declares {${name}}`).toContain(name);
    }
  });
});

describe("GET /api/openapi.json", () => {
  it("is an OpenAPI 3.1 document with every registered operation", async ({ expect }) => {
    const res = await exports.default.fetch("http://example.com/api/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    const doc = (await res.json()) as OpenApiDocument;

    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: "Chorus API", version: expect.any(String) });
    for (const route of routes) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation).toMatchObject({ operationId: route.operationId, summary: route.summary, tags: [route.tag] });
    }
    const operations = Object.values(doc.paths).flatMap((byMethod) => Object.keys(byMethod));
    expect(operations.length).toBe(routes.length);
  });

  it("documents the JSON body of every route that takes one, from the contract's schema", async ({ expect }) => {
    const doc = await fetchDocument();
    const withBody = routes.filter((route) => route.request?.body);
    expect(withBody.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(["POST /api/setup", "POST /api/session", "POST /api/conversations/{id}/messages", "POST /webhooks/whatsapp"]),
    );
    for (const route of withBody) {
      const operation = doc.paths[route.path]![route.method.toLowerCase()] as {
        requestBody?: { required: boolean; content: Record<string, { schema: { $ref?: string } }> };
      };
      expect(operation.requestBody?.required, `${route.method} ${route.path}`).toBe(true);
      expect(operation.requestBody?.content["application/json"]?.schema.$ref).toMatch(/^#\/components\/schemas\//);
    }
    // The converted contract, not a copy: limits come straight from worker/contracts/api.ts.
    expect(doc.components.schemas.SetupBody).toMatchObject({
      type: "object",
      required: ["name", "email", "password"],
      properties: { email: { type: "string", format: "email", maxLength: 254 }, password: { minLength: 10, maxLength: 256 } },
    });
    expect(doc.components.schemas.SendMessageBody).toMatchObject({
      anyOf: [
        { required: ["text"], additionalProperties: false },
        { required: ["template"], additionalProperties: false },
        // Issue 5: interactive messages and locations.
        { required: ["interactive"], additionalProperties: false },
        { required: ["location"], additionalProperties: false },
      ],
    });
  });

  it("documents query, path and header parameters", async ({ expect }) => {
    const doc = await fetchDocument();
    type Parameter = { name: string; in: string; required: boolean; schema: Record<string, unknown> };
    const params = (path: string, method: string) => (doc.paths[path]![method] as { parameters: Parameter[] }).parameters;

    const list = params("/api/conversations", "get");
    expect(list.map((p) => `${p.in}:${p.name}`)).toEqual(
      Object.keys(contracts.ConversationListQuery.entries).map((name) => `query:${name}`),
    );
    expect(list.every((p) => !p.required)).toBe(true);
    expect(list.find((p) => p.name === "status")!.schema).toEqual({ $ref: "#/components/schemas/ConversationStatus" });

    const send = params("/api/conversations/{id}/messages", "post");
    expect(send).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "id", in: "path", required: true }),
        expect.objectContaining({ name: "Idempotency-Key", in: "header", required: false }),
      ]),
    );
    const handshake = params("/webhooks/whatsapp", "get").map((p) => p.name);
    expect(handshake).toEqual(["hub.mode", "hub.verify_token", "hub.challenge"]);
  });

  it("documents errors with ErrorBody and the security of each route", async ({ expect }) => {
    const doc = await fetchDocument();
    type Operation = { security: unknown[]; responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
    const op = (path: string, method: string) => doc.paths[path]![method] as Operation;
    const errorBody = { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } };

    expect(op("/api/conversations", "get").security).toEqual([{ sessionCookie: [] }, { bearerToken: [] }]);
    expect(op("/api/session", "delete").security).toEqual([{ sessionCookie: [] }]);
    expect(op("/api/tokens", "post")).toMatchObject({ "x-chorus-roles": ["owner"] });
    expect(op("/api/tokens", "post").responses["403"]!.content).toEqual(errorBody);
    expect(op("/api/conversations", "get").responses["401"]!.content).toEqual(errorBody);
    expect(op("/api/setup", "post").security).toEqual([]);
    expect(op("/api/setup", "post").responses["409"]!.content).toEqual(errorBody);
    expect(op("/api/setup", "post").responses["400"]!.content).toEqual(errorBody);
    expect(op("/api/conversations/{id}/messages", "post").responses["422"]!.content).toEqual(errorBody);
    expect(op("/webhooks/whatsapp", "post").security).toEqual([{ webhookSignature: [] }]);
    expect(op("/api/events", "get").responses).toHaveProperty("101");
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: "apiKey", in: "cookie", name: "chorus_session" });
    expect(doc.components.schemas.ErrorBody).toMatchObject({
      properties: { error: { required: ["code", "message"] } },
    });
  });

  it("has no dangling $ref", async ({ expect }) => {
    const doc = await fetchDocument();
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
      expect(name, ref).toBeDefined();
      expect(doc.components.schemas, ref).toHaveProperty([name!]);
    }
  });

  it("converts response contracts identically as input and output (the generator documents input)", ({ expect }) => {
    const responseSchemas = new Set(routes.flatMap((route) => Object.values(route.responses).flatMap((r) => (r.schema ? [r.schema] : []))));
    const named = namedSchemas();
    const responseNames = Object.entries(named).filter(([, schema]) => responseSchemas.has(schema)).map(([name]) => name);
    expect(responseNames).toEqual(expect.arrayContaining(["SessionResponse", "ConversationList", "MessageList", "SendMessageResponse"]));
    const contractsOnly = Object.fromEntries(Object.entries(named).filter(([name]) => name !== "WebhookEnvelope"));
    const asInput = toJsonSchemaDefs(contractsOnly, conversionConfig);
    const asOutput = toJsonSchemaDefs(contractsOnly, { ...conversionConfig, typeMode: "output" });
    for (const name of responseNames) expect(asOutput[name], name).toEqual(asInput[name]);
  });

  it("follows the schemas it is given (generated, not written by hand)", ({ expect }) => {
    const Probe = v.object({ answer: v.pipe(v.number(), v.minValue(42)) });
    const probe: RouteDoc = {
      method: "POST",
      path: "/api/probe/{slot}",
      operationId: "probe",
      summary: "probe",
      tag: "Documentation",
      auth: "user",
      request: { body: Probe },
      responses: { 200: { description: "ok", schema: contracts.SetupStatus } },
    };
    const doc = buildOpenApiDocument([probe]);
    const operation = doc.paths["/api/probe/{slot}"]!.post as Record<string, any>;
    expect(operation.requestBody.content["application/json"].schema).toEqual({
      type: "object",
      properties: { answer: { type: "number", minimum: 42 } },
      required: ["answer"],
    });
    expect(operation.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/SetupStatus" });
    expect(operation.parameters).toEqual([{ name: "slot", in: "path", required: true, schema: { type: "string" } }]);
    expect(Object.keys(operation.responses).sort()).toEqual(["200", "400", "401", "403"]);
  });
});

describe("GET /api/docs", () => {
  it("is an HTML page that loads the API reference from our own origin, with no inline script", async ({ expect }) => {
    const res = await exports.default.fetch("http://example.com/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await res.text();

    expect(SCALAR_SCRIPT_PATH).toMatch(/^\/vendor\/.+\.js$/);
    expect(html).toContain(`<script src="${SCALAR_SCRIPT_PATH}"></script>`);
    expect(html).toContain('data-url="/api/openapi.json"');
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN

    // Every <script> either loads a file or is a JSON data block (never executed).
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(2);
    for (const [, attributes, body] of scripts) {
      const external = /\ssrc="\/[^"]+"/.test(attributes!);
      const dataBlock = /\stype="application\/json"/.test(attributes!);
      expect(external || dataBlock, attributes).toBe(true);
      if (external) expect(body).toBe("");
    }

    const csp: string = res.headers.get("Content-Security-Policy") ?? "";
    const scriptSrc = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src"));
    expect(scriptSrc).toBe("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
  });
});
