/**
 * Bad input never costs a 5xx or the process: at least 5,000 generated malformed bodies — signed
 * webhooks (mutations of every fixture and of generated payloads) and bodies/queries for every
 * operation of the REST API, taken from the app's own OpenAPI document so new routes are covered
 * as they land — each answered below 500, with `{ error: { code, message } }` on a 4xx; bodies
 * over the limit get 413; forged, unsigned and replayed-with-a-changed-body signatures get 401 and
 * create nothing. The server still answers a good webhook at the end.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startDevServer, type DevServer } from "../node/dev-server";
import { ChorusClient } from "./harness/chorus-client";
import { pool, seededRandom } from "./harness/history";
import { encodeWeird, mutate, weirdValue, type Random } from "./harness/malformed";
import { envelope, newWamid, postWebhook, signature, statusValue, textWebhook } from "./harness/meta";

const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
const WEBHOOK_BODIES = 3000;
const API_BODIES = 2200;
const fixturesDir = path.resolve(import.meta.dirname, "../fixtures/whatsapp");

let server: DevServer;
let owner: ChorusClient;
let conversationId: string;

beforeAll(async () => {
  server = await startDevServer();
  owner = new ChorusClient(server.url);
  await owner.setupOwner();
  const res = await postWebhook(server.url, server.appSecret, textWebhook({ waId: "15555000001", name: "Fuzz Target" }, "start"));
  if (res.status !== 200) throw new Error(`seed webhook failed: ${res.status} ${res.body}`);
  conversationId = (await owner.allConversations())[0]!.id;
});

afterAll(async () => {
  await server?.stop();
});

interface Outcome {
  label: string;
  status: number;
  body: string;
}

/** The server's own error lines (with their stacks), to name the cause when a check fails. */
function serverErrors(): string {
  const lines = server.output().split("\n");
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (/\[ERROR\]|Uncaught|unhandled error/.test(line)) out.push(...lines.slice(i, i + 8));
  });
  return out.slice(0, 60).join("\n");
}

/**
 * A 502/503/504 that names an upstream failure (e.g. `template_sync_failed` when the local Graph
 * simulator lacks an endpoint) is Meta's side failing, not Chorus failing on bad input: allowed,
 * counted and printed. Anything else at 500 or above — above all `internal_error` — is a failure.
 */
function upstreamFailure(o: Outcome): string | null {
  if (![502, 503, 504].includes(o.status)) return null;
  try {
    const code = JSON.parse(o.body)?.error?.code;
    return typeof code === "string" && code !== "internal_error" ? code : null;
  } catch {
    return null;
  }
}

/** What is wrong with an answer to a bad request (null: nothing). */
function problem(o: Outcome): string | null {
  if (o.status === 0) return `no answer (${o.body})`;
  if (upstreamFailure(o)) return null;
  if (o.status >= 500) return `${o.status} ${o.body.slice(0, 200)}`;
  if (o.status >= 400 && o.status !== 426) {
    try {
      const json = JSON.parse(o.body);
      if (typeof json?.error?.code !== "string" || typeof json?.error?.message !== "string") return `${o.status} without {error:{code,message}}: ${o.body.slice(0, 120)}`;
    } catch {
      return `${o.status} not JSON: ${o.body.slice(0, 120)}`;
    }
  }
  return null;
}

// ---- example bodies from the OpenAPI document's JSON Schemas ----------------------------------

function resolve(doc: any, schema: any): any {
  if (schema?.$ref) return resolve(doc, schema.$ref.split("/").slice(1).reduce((node: any, key: string) => node?.[key], doc));
  return schema ?? {};
}

function example(doc: any, raw: any, depth = 0): unknown {
  const schema = resolve(doc, raw);
  if (depth > 6) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  for (const key of ["anyOf", "oneOf"]) if (schema[key]) return example(doc, schema[key][0], depth + 1);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s: any) => example(doc, s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== "null") : schema.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = example(doc, v, depth + 1);
      return out;
    }
    case "array":
      return schema.items ? [example(doc, schema.items, depth + 1)] : [];
    case "string":
      if (schema.format === "email") return "someone@example.com";
      return "x".repeat(Math.max(schema.minLength ?? 1, 1));
    case "integer":
    case "number":
      return schema.minimum ?? 1;
    case "boolean":
      return true;
    default:
      return null;
  }
}

/** Operations we must not fuzz with the Owner's own session: they end it. */
const SKIP = new Set(["DELETE /api/session", "POST /api/session/password", "GET /api/events"]);

function pathValue(random: Random, name: string, route: string): string {
  const r = random();
  if (route.startsWith("/api/conversations/") && name === "id" && r < 0.5) return conversationId;
  if (r < 0.7) return `${name}_${Math.floor(random() * 1e6)}`;
  const weird = weirdValue(random);
  return encodeWeird(typeof weird === "string" ? weird.slice(0, 300) : JSON.stringify(weird)?.slice(0, 300) ?? "null", random);
}

describe("malformed input", () => {
  it(`answers ${WEBHOOK_BODIES} malformed signed webhooks below 500 (seed ${SEED})`, { timeout: 180_000 }, async ({ expect }) => {
    const random = seededRandom(SEED);
    const bases: unknown[] = readdirSync(fixturesDir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => JSON.parse(readFileSync(path.join(fixturesDir, f), "utf8")));
    bases.push(textWebhook({ waId: "15555000002", name: "Base" }, "base text"));
    bases.push(envelope([statusValue([{ wamid: newWamid(), status: "read", at: Date.now(), recipient: "15555000002" }])]));
    const outcomes: Outcome[] = [];
    const bodies = Array.from({ length: WEBHOOK_BODIES }, () => mutate(bases[Math.floor(random() * bases.length)], random));
    await pool(bodies, 12, async ({ label, body }) => {
      const res = await postWebhook(server.url, server.appSecret, body);
      outcomes.push({ label, ...res });
    });
    const problems = outcomes.map((o) => [o.label.slice(0, 160), problem(o)]).filter(([, p]) => p);
    expect(problems.slice(0, 20), serverErrors()).toEqual([]);
    expect(outcomes).toHaveLength(WEBHOOK_BODIES);
    const statuses = Object.entries(outcomes.reduce<Record<number, number>>((acc, o) => ({ ...acc, [o.status]: (acc[o.status] ?? 0) + 1 }), {}));
    console.info(`malformed webhooks (seed ${SEED}): ${outcomes.length} bodies → ${statuses.map(([s, n]) => `${s}×${n}`).join(", ")}`);
  });

  it(`answers ${API_BODIES} malformed API requests below 500, on every operation (seed ${SEED})`, { timeout: 180_000 }, async ({ expect }) => {
    const random = seededRandom(SEED + 1);
    const doc = (await owner.expectOk("GET", "/api/openapi.json")) as any;
    const operations: Array<{ method: string; route: string; op: any }> = [];
    for (const [route, ops] of Object.entries<any>(doc.paths)) {
      if (!route.startsWith("/api/")) continue;
      for (const [method, op] of Object.entries<any>(ops)) {
        if (!SKIP.has(`${method.toUpperCase()} ${route}`)) operations.push({ method: method.toUpperCase(), route, op });
      }
    }
    expect(operations.length).toBeGreaterThan(20);
    const outcomes: Outcome[] = [];
    const requests = Array.from({ length: API_BODIES }, (_, i) => {
      const { method, route, op } = operations[i % operations.length]!;
      const url = route.replace(/\{(\w+)\}/g, (_m, name: string) => pathValue(random, name, route));
      const query = (op.parameters ?? [])
        .filter((p: any) => p.in === "query")
        .filter(() => random() < 0.6)
        .map((p: any) => {
          const weird = weirdValue(random);
          const text = typeof weird === "string" ? weird : JSON.stringify(weird) ?? "";
          return `${encodeURIComponent(p.name)}=${encodeWeird(text.slice(0, 5000), random)}`;
        })
        .join("&");
      const schema = op.requestBody?.content?.["application/json"]?.schema;
      const body = schema ? mutate(example(doc, schema), random) : null;
      const contentType = random() < 0.9 ? "application/json" : random() < 0.5 ? "text/plain" : "application/x-www-form-urlencoded";
      const headers: Record<string, string> = { "Content-Type": contentType };
      if (route.endsWith("/messages") && method === "POST" && random() < 0.5) {
        const key = weirdValue(random);
        headers["Idempotency-Key"] = (typeof key === "string" ? key : JSON.stringify(key) ?? "").replace(/[^\x20-\x7e]/g, "?").slice(0, 400);
      }
      return { label: `${method} ${url.slice(0, 80)}${query ? `?${query.slice(0, 60)}` : ""} ${body?.label ?? ""}`, method, url: `${url}${query ? `?${query}` : ""}`, body: body?.body, headers };
    });
    await pool(requests, 12, async (r) => {
      try {
        const res = await fetch(`${server.url}${r.url}`, {
          method: r.method,
          headers: { Origin: server.url, Cookie: owner.cookie, ...r.headers },
          body: r.method === "GET" || r.method === "HEAD" ? undefined : r.body,
          signal: AbortSignal.timeout(30_000),
        });
        outcomes.push({ label: r.label, status: res.status, body: await res.text() });
      } catch (err) {
        outcomes.push({ label: r.label, status: 0, body: String(err) });
      }
    });
    const problems = outcomes.map((o) => [o.label.slice(0, 200), problem(o)]).filter(([, p]) => p);
    expect(problems.slice(0, 20), serverErrors()).toEqual([]);
    expect(outcomes).toHaveLength(API_BODIES);
    const covered = new Set(requests.map((r) => `${r.method} ${r.url.split("?")[0]}`)).size;
    const upstream = outcomes.filter((o) => upstreamFailure(o)).map((o) => `${o.label.split(" ").slice(0, 2).join(" ")} → ${o.status} ${upstreamFailure(o)}`);
    console.info(
      `malformed API (seed ${SEED}): ${outcomes.length} requests over ${operations.length} operations (${covered} distinct URLs)` +
        (upstream.length ? `; upstream failures (allowed): ${[...new Set(upstream)].join("; ")}` : ""),
    );
  });

  it("refuses oversized bodies with 413, webhooks and API alike", { timeout: 60_000 }, async ({ expect }) => {
    const big = JSON.stringify({ object: "whatsapp_business_account", entry: [], pad: "x".repeat(1024 * 1024) });
    const webhook = await postWebhook(server.url, server.appSecret, big);
    expect(webhook.status).toBe(413);
    expect(JSON.parse(webhook.body).error.code).toBe("payload_too_large");
    // Unsigned and huge: the size is refused before anything else is read.
    const unsigned = await postWebhook(server.url, server.appSecret, "y".repeat(5 * 1024 * 1024), { signature: null });
    expect(unsigned.status).toBe(413);
    // Streamed without a Content-Length: the limit still holds.
    const chunk = new TextEncoder().encode("z".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (sent++ >= 40) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const streamed = await fetch(`${server.url}/webhooks/whatsapp`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Hub-Signature-256": `sha256=${"0".repeat(64)}` },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);

    // 2 and 5 MB: a client still uploading tens of MB when the 413 comes back sees wrangler dev reset
    // the connection instead of reading the answer (the refusal itself happens either way).
    for (const size of [2, 5]) {
      const body = JSON.stringify({ text: "t".repeat(size * 1024 * 1024) });
      const res = await owner.request("POST", `/api/conversations/${conversationId}/messages`, body, { "Content-Type": "application/json" });
      // Refused while it streams in (worker/api-body-limit.ts), not read in full and then validated.
      expect(res.status, `${size} MB reply`).toBe(413);
      expect((res.json as { error: { code: string } }).error.code, `${size} MB reply`).toBe("payload_too_large");
    }
  });

  it("refuses forged, unsigned and replayed-with-a-changed-body signatures, and they create nothing", { timeout: 60_000 }, async ({ expect }) => {
    const before = (await owner.allConversations()).length;
    const customer = { waId: "15555000999", name: "Forged Customer" };
    const genuine = JSON.stringify(textWebhook(customer, "genuine body"));
    const changed = JSON.stringify(textWebhook(customer, "changed body"));
    const validSig = signature(server.appSecret, genuine);
    const hex = validSig.slice("sha256=".length);
    const attempts: Array<[string, string, string | null]> = [
      ["forged with another secret", changed, signature("not-the-app-secret", changed)],
      ["unsigned", changed, null],
      ["empty header", changed, ""],
      ["replayed signature, changed body", changed, validSig],
      ["replayed signature, body with a trailing space", `${genuine} `, validSig],
      ["sha1 prefix", changed, `sha1=${hex.slice(0, 40)}`],
      ["no prefix", changed, hex],
      ["truncated hex", changed, validSig.slice(0, -2)],
      ["two signatures", changed, `${signature(server.appSecret, changed).slice(0, 10)}x,${validSig}`],
      ["signature of the empty body", changed, signature(server.appSecret, "")],
      ["non-hex", changed, `sha256=${"z".repeat(64)}`],
    ];
    for (const [label, body, sig] of attempts) {
      const res = await postWebhook(server.url, server.appSecret, body, { signature: sig });
      expect(res.status, label).toBe(401);
      expect(JSON.parse(res.body).error.code, label).toMatch(/^signature_(missing|invalid)$/);
    }
    const after = await owner.allConversations();
    expect(after.length).toBe(before);
    expect(after.some((c) => c.contact.waId === customer.waId)).toBe(false);

    // The genuine body with its own signature is accepted: the refusals were about the signature.
    const ok = await postWebhook(server.url, server.appSecret, genuine, { signature: validSig });
    expect(ok.status).toBe(200);
    expect((await owner.allConversations()).some((c) => c.contact.waId === customer.waId)).toBe(true);
  });

  it("refuses a customer id with a lone surrogate every time (it once failed its second delivery with a 500)", async ({ expect }) => {
    const payload = textWebhook({ waId: "\udfff\ud800", name: "Surrogate" }, "hello");
    for (let i = 0; i < 2; i++) {
      const res = await postWebhook(server.url, server.appSecret, payload);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error.code).toBe("invalid_payload");
    }
  });

  it("answers a long search below 500 on every search route (D1 refuses LIKE patterns over 50 bytes)", async ({ expect }) => {
    // Found by the generator: 17 Japanese characters (51 bytes) or 49 ASCII ones turned into a
    // LIKE pattern made D1 fail with "LIKE or GLOB pattern too complex" → 500, whenever a row
    // was there to compare. A real agent's search, not an attack.
    await owner.request("POST", "/api/quick-replies", { shortcut: "thanks", text: "Thank you for writing to us" });
    const queries = ["配送状況を確認したいのですが注文番号がわかりません", "a".repeat(60)];
    const failures: string[] = [];
    for (const q of queries) {
      for (const route of ["/api/conversations", "/api/search", "/api/quick-replies"]) {
        const res = await owner.request("GET", `${route}?q=${encodeURIComponent(q)}`);
        if (res.status >= 500) failures.push(`${route}?q=(${q.length} chars) → ${res.status}`);
      }
    }
    expect(failures, serverErrors()).toEqual([]);
  });

  it("is still healthy after all of it", async ({ expect }) => {
    expect((await fetch(`${server.url}/api/setup`)).status).toBe(200);
    const res = await postWebhook(server.url, server.appSecret, textWebhook({ waId: "15555000003", name: "After" }, "still here"));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).stored).toBe(1);
  });
});
