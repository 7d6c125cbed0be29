/**
 * The built-in WhatsApp simulator (worker/simulator): off unless SIMULATOR=on, a Graph API fake
 * that answers like Meta, and a customer side that sends Meta-shaped, correctly signed webhooks —
 * inbound messages at once, sent → delivered → read statuses from the SimulatorDO's alarm.
 *
 * What the simulator POSTs is captured by swapping the SimulatorDO's `webhookTransport`
 * (runInDurableObject); the end-to-end test points it at the Worker itself instead.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { app } from "../../worker/app";
import { SIM_DISPLAY_PHONE_NUMBER, SIM_PHONE_NUMBER_ID, SIM_WABA_ID, SIMULATOR_DO_NAME } from "../../worker/simulator/constants";
import type { ConversationSummary } from "../../worker/contracts/api";
import type { Env } from "../../worker/env";
import type { SimCustomer, SimMessage, SimulatorDO } from "../../worker/simulator/simulator-do";
import { signedIn } from "./helpers/session";
import { useWaGraph } from "./helpers/wa-graph";

const BASE = "http://example.com";
const GRAPH_MESSAGES = `${BASE}/simulator/graph/v24.0/${SIM_PHONE_NUMBER_ID}/messages`;
const APP_SECRET = "test-app-secret";
const ACCESS_TOKEN = "test-access-token";

interface Captured {
  url: string;
  headers: Headers;
  body: string;
  json: any;
}

function simulator() {
  return env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME);
}

function call(path: string, init: RequestInit = {}, bindings: Partial<Env> = {}) {
  return app.fetch(new Request(`${BASE}${path}`, init), { ...env, ...bindings });
}

function json(method: string, body: unknown): RequestInit {
  return { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

/** Every webhook the simulator sends from now on lands here; `answer` is what "the Worker" replies. */
async function captureWebhooks(answer: () => number = () => 200): Promise<Captured[]> {
  const sent: Captured[] = [];
  await runInDurableObject(simulator(), (instance: SimulatorDO) => {
    instance.webhookTransport = async (url, init) => {
      const body = String(init.body);
      sent.push({ url, headers: new Headers(init.headers), body, json: JSON.parse(body) });
      return new Response("{}", { status: answer() });
    };
  });
  return sent;
}

/** Runs the alarm with every timer made due now: the test's stand-in for waiting. */
async function runDueTimers() {
  await runInDurableObject(simulator(), (_instance, state) => {
    state.storage.sql.exec("UPDATE timers SET due_at = 0");
  });
  await runDurableObjectAlarm(simulator());
}

/**
 * Runs due timers until `done()` holds. Miniflare also fires alarms on its own, so a run may find
 * the alarm already taken and still in flight; a few short rounds absorb that.
 */
async function runTimersUntil(done: () => boolean | Promise<boolean>, beforeEachRound: () => Promise<unknown> = async () => {}) {
  for (let round = 0; round < 40 && !(await done()); round++) {
    await beforeEachRound();
    await runDueTimers();
    if (!(await done())) await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let phoneCounter = 0;
function uniquePhone(): string {
  phoneCounter += 1;
  return `1555${String(Date.now() % 1_000_000).padStart(6, "0")}${phoneCounter}`.slice(0, 15);
}

async function createCustomer(body: Record<string, unknown>): Promise<SimCustomer> {
  const res = await call("/simulator/api/customers", json("POST", body));
  if (res.status !== 201) throw new Error(`creating a customer answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { customer: SimCustomer }).customer;
}

async function chat(customerId: string, open = false): Promise<SimMessage[]> {
  const res = await call(`/simulator/api/customers/${customerId}/messages${open ? "?open=1" : ""}`);
  return ((await res.json()) as { messages: SimMessage[] }).messages;
}

function graphSend(payload: unknown, headers: Record<string, string> = { Authorization: `Bearer ${ACCESS_TOKEN}` }, url = GRAPH_MESSAGES) {
  return call(url.replace(BASE, ""), { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(payload) });
}

function textPayload(to: string, body = "Thanks for writing!", extra: Record<string, unknown> = {}) {
  return { messaging_product: "whatsapp", recipient_type: "individual", to, type: "text", text: { body, preview_url: false }, ...extra };
}

/** Checks X-Hub-Signature-256 the way the receiver must: HMAC-SHA256 of the raw bytes with the app secret. */
async function signatureIsValid(captured: Captured): Promise<boolean> {
  const header = captured.headers.get("X-Hub-Signature-256") ?? "";
  const match = /^sha256=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const mac = new Uint8Array(match[1]!.match(/../g)!.map((h) => parseInt(h, 16)));
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(APP_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(captured.body));
}

function statusesFor(sent: Captured[], wamid: string) {
  return sent.filter((c) => c.json.entry?.[0]?.changes?.[0]?.value?.statuses?.[0]?.id === wamid);
}

describe("the simulator switch", () => {
  it("answers 404 not_found on every /simulator path unless SIMULATOR is on", async ({ expect }) => {
    const requests: Array<[string, RequestInit]> = [
      ["/simulator", {}],
      ["/simulator/assets/simulator.js", {}],
      ["/simulator/api/customers", {}],
      ["/simulator/api/customers", json("POST", { phone: "15550001111" })],
      [`/simulator/graph/v24.0/${SIM_PHONE_NUMBER_ID}/messages`, json("POST", textPayload("15550001111"))],
    ];
    for (const setting of ["off", undefined, "yes"]) {
      for (const [path, init] of requests) {
        const res = await call(path, init, { SIMULATOR: setting });
        expect(res.status, `${init.method ?? "GET"} ${path} with SIMULATOR=${setting}`).toBe(404);
        expect(await res.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
      }
    }
  });
});

describe("the simulator page", () => {
  it("serves HTML, an external script and CSS under a CSP that allows only 'self'", async ({ expect }) => {
    const page = await call("/simulator");
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toContain("text/html");
    const csp = page.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await page.text();
    // Only external scripts, and every element the browser test drives is there.
    for (const tag of html.match(/<script[^>]*>/g) ?? []) expect(tag).toContain('src="/simulator/assets/simulator.js"');
    expect(html).not.toMatch(/<style|style="/);
    for (const id of ["sim-new-customer-phone", "sim-new-customer-username", "sim-create-customer", "sim-compose", "sim-send"]) {
      expect(html).toContain(`data-testid="${id}"`);
    }

    const script = await call("/simulator/assets/simulator.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("Content-Type")).toContain("text/javascript");
    const source = await script.text();
    expect(source).toContain('"sim-message"');
    // Customer text reaches the DOM only as text.
    expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    // Every UI string exists in English and Japanese.
    const keys = (block: string) => [...block.matchAll(/^\s{4}(\w+):/gm)].map((m) => m[1]).sort();
    const en = source.slice(source.indexOf("  en: {"), source.indexOf("  ja: {"));
    const ja = source.slice(source.indexOf("  ja: {"), source.indexOf("\n};"));
    expect(keys(en).length).toBeGreaterThan(20);
    expect(keys(ja)).toEqual(keys(en));

    const css = await call("/simulator/assets/simulator.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("Content-Type")).toContain("text/css");
    expect(await css.text()).toContain("@media (max-width: 720px)");
  });
});

describe("simulated customers", () => {
  it("are created by phone number (normalised to Meta's wa_id) with a business-scoped user id", async ({ expect }) => {
    const customer = await createCustomer({ phone: "+1 (555) 010-2001", name: "Sheena Nelson" });
    expect(customer).toMatchObject({ waId: "15550102001", username: null, name: "Sheena Nelson", chatOpen: false });
    expect(customer.userId).toMatch(/^US\.\d{20}$/);

    const list = (await (await call("/simulator/api/customers")).json()) as { customers: SimCustomer[] };
    expect(list.customers.map((c) => c.id)).toContain(customer.id);
    const one = await call(`/simulator/api/customers/${customer.id}`);
    expect(((await one.json()) as { customer: SimCustomer }).customer).toEqual(customer);
  });

  it("are created by username only, with no phone number", async ({ expect }) => {
    const customer = await createCustomer({ username: "@RealSheena_1" });
    expect(customer).toMatchObject({ waId: null, username: "realsheena_1", name: "realsheena_1" });
    expect(customer.userId).toMatch(/^US\.\d{20}$/);
  });

  it("refuses a duplicate with 409 and bad input with 400 naming the field", async ({ expect }) => {
    await createCustomer({ phone: "15550102002" });
    const dup = await call("/simulator/api/customers", json("POST", { phone: "+1 555 010 2002" }));
    expect(dup.status).toBe(409);
    expect(await dup.json()).toEqual({ error: { code: "customer_exists", message: expect.any(String), field: "phone" } });

    const neither = await call("/simulator/api/customers", json("POST", { name: "Nobody" }));
    expect(neither.status).toBe(400);
    expect(await neither.json()).toMatchObject({ error: { code: "invalid_request", message: expect.stringMatching(/^phone: /) } });

    const badPhone = await call("/simulator/api/customers", json("POST", { phone: "12ab" }));
    expect(badPhone.status).toBe(400);
    expect(await badPhone.json()).toMatchObject({ error: { code: "invalid_request", message: expect.stringMatching(/^phone: /) } });

    const badUsername = await call("/simulator/api/customers", json("POST", { username: "a b" }));
    expect(badUsername.status).toBe(400);
    expect(await badUsername.json()).toMatchObject({ error: { code: "invalid_request", message: expect.stringMatching(/^username: /) } });

    const missing = await call("/simulator/api/customers/simc_nothere/messages", json("POST", { text: "hi" }));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: "customer_not_found", message: expect.any(String) } });

    const empty = await call("/simulator/api/customers/simc_nothere/messages", json("POST", { text: "   " }));
    expect(empty.status).toBe(400);
  });
});

describe("the Graph API fake", () => {
  it("accepts a text message with or without a version segment and answers in Meta's shape", async ({ expect }) => {
    await captureWebhooks();
    const phone = uniquePhone();
    const customer = await createCustomer({ phone, name: "Text Customer" });

    const res = await graphSend(textPayload(phone, "Hello from the business"));
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toEqual({ messaging_product: "whatsapp", contacts: [{ input: phone, wa_id: phone }], messages: [{ id: expect.stringMatching(/^wamid\./) }] });

    const unversioned = await graphSend(textPayload(`+${phone}`, "Second"), undefined, `${BASE}/simulator/graph/${SIM_PHONE_NUMBER_ID}/messages`);
    expect(unversioned.status).toBe(200);
    expect(((await unversioned.json()) as any).contacts).toEqual([{ input: `+${phone}`, wa_id: phone }]);

    const messages = await chat(customer.id);
    expect(messages.map((m) => [m.direction, m.kind, m.text])).toEqual([
      ["out", "text", "Hello from the business"],
      ["out", "text", "Second"],
    ]);
    expect(messages[0]!.id).toBe(body.messages[0].id);
  });

  it("accepts an approved template, renders its parameters, and sends to a business-scoped user id", async ({ expect }) => {
    await captureWebhooks();
    const customer = await createCustomer({ username: "template_fan", name: "Template Fan" });
    const payload = {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      recipient: customer.userId,
      type: "template",
      template: { name: "follow_up", language: { code: "en" }, components: [{ type: "body", parameters: [{ type: "text", text: "Sheena" }] }] },
    };
    const res = await graphSend(payload);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      messaging_product: "whatsapp",
      contacts: [{ input: customer.userId, user_id: customer.userId }],
      messages: [{ id: expect.stringMatching(/^wamid\./), message_status: "accepted" }],
    });
    const [message] = await chat(customer.id);
    expect(message).toMatchObject({ direction: "out", kind: "template", templateName: "follow_up" });
    expect(message!.text).toMatch(/^Hi Sheena, we are following up/);

    // A business-scoped user id in `to` reaches the same customer.
    const viaTo = await graphSend({ ...payload, recipient: undefined, to: customer.userId });
    expect(viaTo.status).toBe(200);
  });

  it("refuses a missing or wrong token with Meta's 401 OAuthException (code 190)", async ({ expect }) => {
    const variants: Array<Record<string, string>> = [{}, { Authorization: "Bearer not-the-token" }, { Authorization: "Basic abc" }];
    for (const headers of variants) {
      const res = await graphSend(textPayload("15550109999"), headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: {
          message: expect.stringContaining("Invalid OAuth access token"),
          type: "OAuthException",
          code: 190,
          error_data: { messaging_product: "whatsapp", details: expect.any(String) },
          fbtrace_id: expect.any(String),
        },
      });
    }
  });

  it("refuses an invalid payload with Meta's 400 (#100) naming the parameter", async ({ expect }) => {
    const cases: Array<[unknown, RegExp]> = [
      [{ recipient_type: "individual", to: "15550109999", type: "text", text: { body: "x" } }, /messaging_product/],
      [{ messaging_product: "whatsapp", type: "text", text: { body: "x" } }, /'to' is required/],
      [{ messaging_product: "whatsapp", to: "15550109999", type: "text" }, /'text' is required/],
      [{ messaging_product: "whatsapp", to: "15550109999", type: "text", text: { body: "" } }, /text\.body/],
      [{ messaging_product: "whatsapp", to: "15550109999", type: "text", text: { body: "x".repeat(4097) } }, /text\.body/],
      [{ messaging_product: "whatsapp", to: "15550109999", type: "template", template: { name: "follow_up" } }, /template\.language/],
      [{ messaging_product: "whatsapp", to: "15550109999", type: "poll", poll: {} }, /'type' is invalid/],
      // Issue 5: media needs an id (uploaded first) or a link.
      [{ messaging_product: "whatsapp", to: "15550109999", type: "sticker", sticker: {} }, /'sticker' needs an id or a link/],
    ];
    for (const [payload, details] of cases) {
      const res = await graphSend(payload);
      expect(res.status, JSON.stringify(payload).slice(0, 80)).toBe(400);
      const body = (await res.json()) as any;
      expect(body.error).toMatchObject({ message: "(#100) Invalid parameter", type: "OAuthException", code: 100, fbtrace_id: expect.any(String) });
      expect(body.error.error_data.details).toMatch(details);
    }
    const notJson = await call(GRAPH_MESSAGES.replace(BASE, ""), { method: "POST", headers: { Authorization: `Bearer ${ACCESS_TOKEN}` }, body: "{" });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).error.code).toBe(100);
  });

  it("refuses an unknown recipient (131026), an unknown number id, an unknown template (132001) and wrong parameters (132000)", async ({ expect }) => {
    const unknown = await graphSend(textPayload("19999999999"));
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      error: {
        message: "(#131026) Message undeliverable",
        type: "OAuthException",
        code: 131026,
        error_data: { messaging_product: "whatsapp", details: expect.stringContaining("19999999999") },
        fbtrace_id: expect.any(String),
      },
    });

    const otherNumber = await graphSend(textPayload("15550109999"), undefined, `${BASE}/simulator/graph/v24.0/123/messages`);
    expect(otherNumber.status).toBe(400);
    expect(((await otherNumber.json()) as any).error).toMatchObject({ code: 100, type: "GraphMethodException", error_subcode: 33 });

    const phone = uniquePhone();
    await createCustomer({ phone });
    const template = (name: string, code: string, params: string[]) => ({
      messaging_product: "whatsapp",
      to: phone,
      type: "template",
      template: { name, language: { code }, components: [{ type: "body", parameters: params.map((text) => ({ type: "text", text })) }] },
    });
    const noSuch = await graphSend(template("no_such_template", "en", []));
    expect(noSuch.status).toBe(404);
    expect(((await noSuch.json()) as any).error).toMatchObject({ code: 132001 });
    const wrongCount = await graphSend(template("follow_up", "en", []));
    expect(wrongCount.status).toBe(400);
    expect(((await wrongCount.json()) as any).error).toMatchObject({ code: 132000 });
  });

  it("answers an unknown Graph path as Graph does", async ({ expect }) => {
    const res = await call(`/simulator/graph/v24.0/${SIM_PHONE_NUMBER_ID}/media`, { headers: { Authorization: `Bearer ${ACCESS_TOKEN}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatchObject({ code: 2500, type: "OAuthException" });
  });
});

describe("webhooks the simulator sends", () => {
  it("turns a customer's text into Meta's inbound webhook, signed with the app secret", async ({ expect }) => {
    const sent = await captureWebhooks();
    const phone = uniquePhone();
    const customer = await createCustomer({ phone, name: "Sheena Nelson" });
    const before = Math.floor(Date.now() / 1000);

    const res = await call(`/simulator/api/customers/${customer.id}/messages`, json("POST", { text: "hello" }));
    expect(res.status).toBe(201);
    const { message } = (await res.json()) as { message: SimMessage };
    expect(message).toMatchObject({ direction: "in", kind: "text", text: "hello", status: "accepted", webhookStatus: 200 });

    const mine = sent.filter((c) => c.json.entry?.[0]?.changes?.[0]?.value?.messages?.[0]?.id === message.id);
    expect(mine).toHaveLength(1);
    const webhook = mine[0]!;
    expect(webhook.url).toBe(`${BASE}/webhooks/whatsapp`);
    expect(webhook.headers.get("Content-Type")).toBe("application/json");
    expect(await signatureIsValid(webhook)).toBe(true);
    expect(webhook.json).toEqual({
      object: "whatsapp_business_account",
      entry: [
        {
          id: SIM_WABA_ID,
          changes: [
            {
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: SIM_DISPLAY_PHONE_NUMBER, phone_number_id: SIM_PHONE_NUMBER_ID },
                contacts: [{ profile: { name: "Sheena Nelson" }, wa_id: phone, user_id: customer.userId }],
                messages: [
                  { from: phone, from_user_id: customer.userId, id: message.id, timestamp: expect.any(String), type: "text", text: { body: "hello" } },
                ],
              },
              field: "messages",
            },
          ],
        },
      ],
    });
    const timestamp = Number(webhook.json.entry[0].changes[0].value.messages[0].timestamp);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it("sends a username-only customer as Meta does: user_id and username, no wa_id or from", async ({ expect }) => {
    const sent = await captureWebhooks();
    const customer = await createCustomer({ username: "nophone_sheena", name: "Sheena" });
    const res = await call(`/simulator/api/customers/${customer.id}/messages`, json("POST", { text: "Does it come in another color?" }));
    const { message } = (await res.json()) as { message: SimMessage };
    const webhook = sent.find((c) => c.json.entry[0].changes[0].value.messages?.[0]?.id === message.id)!;
    expect(await signatureIsValid(webhook)).toBe(true);
    const value = webhook.json.entry[0].changes[0].value;
    expect(value.contacts).toEqual([{ profile: { name: "Sheena", username: "nophone_sheena" }, user_id: customer.userId }]);
    expect(value.messages[0]).toEqual({
      from_user_id: customer.userId,
      id: message.id,
      timestamp: expect.any(String),
      type: "text",
      text: { body: "Does it come in another color?" },
    });
  });

  it("retries a refused webhook from the alarm with the same bytes", async ({ expect }) => {
    let answer = 500;
    const sent = await captureWebhooks(() => answer);
    const customer = await createCustomer({ phone: uniquePhone() });
    const res = await call(`/simulator/api/customers/${customer.id}/messages`, json("POST", { text: "are you there?" }));
    const { message } = (await res.json()) as { message: SimMessage };
    expect(message).toMatchObject({ status: "retrying", webhookStatus: 500 });

    answer = 200;
    await runTimersUntil(async () => (await chat(customer.id))[0]?.status === "accepted");
    const attempts = sent.filter((c) => c.json.entry[0].changes[0].value.messages?.[0]?.id === message.id);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    expect((await chat(customer.id))[0]).toMatchObject({ status: "accepted", webhookStatus: 200 });
  });

  it("sends sent, delivered and read statuses in order from the alarm while the chat is open", async ({ expect }) => {
    const sent = await captureWebhooks();
    const phone = uniquePhone();
    const customer = await createCustomer({ phone });
    await chat(customer.id, true); // the simulator page shows this chat

    const res = await graphSend(textPayload(phone, "Your order shipped", { biz_opaque_callback_data: "msg_123" }));
    const wamid = ((await res.json()) as any).messages[0].id as string;
    // The page keeps polling while the chat is open.
    await runTimersUntil(() => statusesFor(sent, wamid).length >= 3, () => chat(customer.id, true));

    const statuses = statusesFor(sent, wamid);
    expect(statuses.map((c) => c.json.entry[0].changes[0].value.statuses[0].status)).toEqual(["sent", "delivered", "read"]);
    for (const webhook of statuses) {
      expect(webhook.url).toBe(`${BASE}/webhooks/whatsapp`);
      expect(await signatureIsValid(webhook)).toBe(true);
      const entry = webhook.json.entry[0];
      expect(entry.id).toBe(SIM_WABA_ID);
      expect(entry.changes[0].field).toBe("messages");
      const value = entry.changes[0].value;
      expect(value.metadata).toEqual({ display_phone_number: SIM_DISPLAY_PHONE_NUMBER, phone_number_id: SIM_PHONE_NUMBER_ID });
      expect(value.statuses[0]).toMatchObject({
        id: wamid,
        timestamp: expect.stringMatching(/^\d+$/),
        recipient_id: phone,
        recipient_user_id: customer.userId,
        biz_opaque_callback_data: "msg_123",
      });
    }
    const [sentStatus, deliveredStatus, readStatus] = statuses.map((c) => c.json.entry[0].changes[0].value.statuses[0]);
    expect(sentStatus.pricing).toEqual({ billable: false, pricing_model: "PMP", type: "free_customer_service", category: "service" });
    expect(deliveredStatus.pricing).toBeDefined();
    expect(readStatus.pricing).toBeUndefined();
    expect((await chat(customer.id)).find((m) => m.id === wamid)?.status).toBe("read");
  });

  it("holds back read until the customer opens the chat, and omits biz_opaque_callback_data when none was sent", async ({ expect }) => {
    const sent = await captureWebhooks();
    const customer = await createCustomer({ username: "closed_chat_user" });
    const res = await graphSend({ messaging_product: "whatsapp", recipient: customer.userId, type: "text", text: { body: "ping" } });
    const wamid = ((await res.json()) as any).messages[0].id as string;
    const kinds = () => statusesFor(sent, wamid).map((c) => c.json.entry[0].changes[0].value.statuses[0].status);
    await runTimersUntil(() => kinds().length >= 2);
    // Nothing is left to run: without an open chat there is no read receipt.
    for (let i = 0; i < 3; i++) await runDueTimers();
    expect(kinds()).toEqual(["sent", "delivered"]);

    const status = statusesFor(sent, wamid)[0]!.json.entry[0].changes[0].value.statuses[0];
    expect(status).not.toHaveProperty("recipient_id");
    expect(status).not.toHaveProperty("biz_opaque_callback_data");
    expect(status.recipient_user_id).toBe(customer.userId);

    await chat(customer.id, true); // the customer opens the chat
    await runTimersUntil(() => kinds().length >= 3);
    expect(kinds()).toEqual(["sent", "delivered", "read"]);
  });

  it("marks a customer's message read when the business calls the mark-as-read endpoint", async ({ expect }) => {
    await captureWebhooks();
    const customer = await createCustomer({ phone: uniquePhone() });
    const res = await call(`/simulator/api/customers/${customer.id}/messages`, json("POST", { text: "read me" }));
    const { message } = (await res.json()) as { message: SimMessage };

    const read = await graphSend({ messaging_product: "whatsapp", status: "read", message_id: message.id });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ success: true });
    expect((await chat(customer.id))[0]).toMatchObject({ id: message.id, readByBusiness: true });

    const unknown = await graphSend({ messaging_product: "whatsapp", status: "read", message_id: "wamid.nope" });
    expect(unknown.status).toBe(400);
  });
});

describe("end to end through the Worker's own webhook", () => {
  /** The Worker entry itself, as `wrangler dev` reaches it over HTTP at its own origin. */
  const worker = (exports as unknown as { default: Fetcher }).default;

  async function conversationOf(headers: Record<string, string>, match: (c: ConversationSummary) => boolean) {
    // The conversation index is written by the Conversation DO; give it a moment if it lags.
    for (let attempt = 0; attempt < 40; attempt++) {
      const res = await worker.fetch(`${BASE}/api/conversations`, { headers });
      if (res.status !== 200) throw new Error(`GET /api/conversations answered ${res.status}: ${await res.text()}`);
      const found = ((await res.json()) as { conversations: ConversationSummary[] }).conversations.find(match);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return undefined;
  }

  it("shows a simulated customer's message in GET /api/conversations, by phone and by username only", async ({ expect }) => {
    await runInDurableObject(simulator(), (instance: SimulatorDO) => {
      instance.webhookTransport = (url, init) => worker.fetch(new Request(url, init));
    });
    const { headers } = await signedIn("owner");

    const phone = uniquePhone();
    const byPhone = await createCustomer({ phone, name: "Simulated Sheena" });
    const res = await call(`/simulator/api/customers/${byPhone.id}/messages`, json("POST", { text: "hello from the simulator" }));
    expect(res.status).toBe(201);
    expect(((await res.json()) as { message: SimMessage }).message).toMatchObject({ status: "accepted", webhookStatus: 200 });

    const phoneThread = await conversationOf(headers, (c) => c.contact.waId === phone);
    expect(phoneThread).toMatchObject({
      contact: { name: "Simulated Sheena", waId: phone, userId: byPhone.userId },
      lastMessagePreview: "hello from the simulator",
      lastMessageDirection: "in",
    });

    const byUsername = await createCustomer({ username: "e2e_no_phone", name: "No Phone" });
    const res2 = await call(`/simulator/api/customers/${byUsername.id}/messages`, json("POST", { text: "hi, no phone here" }));
    expect(((await res2.json()) as { message: SimMessage }).message).toMatchObject({ status: "accepted", webhookStatus: 200 });
    const usernameThread = await conversationOf(headers, (c) => c.contact.userId === byUsername.userId);
    expect(usernameThread).toMatchObject({
      contact: { waId: null, userId: byUsername.userId, username: "e2e_no_phone" },
      lastMessagePreview: "hi, no phone here",
    });
  });
});

describe("every inbound kind the simulator sends (issue 5)", () => {
  async function send(customerId: string, body: Record<string, unknown>) {
    const res = await call(`/simulator/api/customers/${customerId}/send`, json("POST", body));
    if (res.status !== 201) throw new Error(`send ${JSON.stringify(body)} answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { message: SimMessage }).message;
  }
  const valueOf = (sent: Captured[], wamid: string) =>
    sent.find((c) => {
      const value = c.json.entry?.[0]?.changes?.[0]?.value;
      return value?.messages?.[0]?.id === wamid || value?.message_echoes?.[0]?.id === wamid;
    })!.json.entry[0].changes[0];

  it("a video (MP4) and a sticker (WebP): Meta's media objects, the files kept where the Graph fake serves them", async ({ expect }) => {
    const sent = await captureWebhooks();
    const customer = await createCustomer({ phone: uniquePhone() });
    const video = await send(customer.id, { kind: "media", sample: "clip", caption: "Unboxing" });
    const sticker = await send(customer.id, { kind: "media", sample: "sticker" });
    expect(video).toMatchObject({ direction: "in", kind: "video", status: "accepted" });

    const v = valueOf(sent, video.id).value.messages[0];
    expect(v).toMatchObject({ type: "video", video: { id: expect.stringMatching(/^\d{16}$/), mime_type: "video/mp4", sha256: expect.any(String), caption: "Unboxing" } });
    const s = valueOf(sent, sticker.id).value.messages[0];
    expect(s).toEqual(expect.objectContaining({ type: "sticker", sticker: { id: expect.any(String), mime_type: "image/webp", sha256: expect.any(String), animated: false } }));

    const mp4 = new Uint8Array(await (await env.MEDIA.get(`simulator/media/${v.video.id}`))!.arrayBuffer());
    expect(new TextDecoder().decode(mp4.slice(4, 8))).toBe("ftyp");
    const webp = new Uint8Array(await (await env.MEDIA.get(`simulator/media/${s.sticker.id}`))!.arrayBuffer());
    expect(new TextDecoder().decode(webp.slice(0, 4))).toBe("RIFF");
    expect(new TextDecoder().decode(webp.slice(8, 16))).toBe("WEBPVP8L");

    // The page shows the files same-origin, with their own type.
    const file = await call(`/simulator/api/media/${v.video.id}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("Content-Type")).toBe("video/mp4");
    expect(file.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect((await call("/simulator/api/media/123")).status).toBe(404);
    expect((await call("/simulator/api/media/not-digits")).status).toBe(400);
  });

  it("a product inquiry, forwarded and frequently forwarded text: Meta's context fields", async ({ expect }) => {
    const sent = await captureWebhooks();
    const customer = await createCustomer({ phone: uniquePhone() });
    const inquiry = await send(customer.id, { kind: "product_inquiry", text: "Is this available in large?", productRetailerId: "tee-l" });
    const forwarded = await send(customer.id, { kind: "forwarded", text: "Look at this" });
    const often = await send(customer.id, { kind: "forwarded", text: "Share this!", frequently: true });

    expect(valueOf(sent, inquiry.id).value.messages[0]).toMatchObject({
      type: "text",
      text: { body: "Is this available in large?" },
      context: { from: SIM_DISPLAY_PHONE_NUMBER, id: expect.stringMatching(/^wamid\./), referred_product: { catalog_id: expect.stringMatching(/^\d+$/), product_retailer_id: "tee-l" } },
    });
    expect(valueOf(sent, forwarded.id).value.messages[0].context).toEqual({ forwarded: true });
    expect(valueOf(sent, often.id).value.messages[0].context).toEqual({ frequently_forwarded: true });
  });

  it("a changed number: Meta's system notice from the old number, without contacts; the customer has the new number after", async ({ expect }) => {
    const sent = await captureWebhooks();
    const phone = uniquePhone();
    const customer = await createCustomer({ phone, name: "Sheena Nelson" });
    const notice = await send(customer.id, { kind: "system", newPhone: "+1 219 555 5358" });
    const value = valueOf(sent, notice.id).value;
    expect(value.contacts).toBeUndefined();
    expect(value.messages[0]).toEqual({
      from: phone,
      from_user_id: customer.userId,
      id: notice.id,
      timestamp: expect.stringMatching(/^\d+$/),
      type: "system",
      system: { body: expect.stringMatching(/^User Sheena Nelson changed from .+ to 1 219-555-5358$/), wa_id: "12195555358", type: "user_changed_number" },
    });
    const after = (await (await call(`/simulator/api/customers/${customer.id}`)).json()) as { customer: SimCustomer };
    expect(after.customer).toMatchObject({ waId: "12195555358", userId: customer.userId });

    // Another customer's number, a customer without one: refused, named.
    const other = await createCustomer({ phone: uniquePhone() });
    const taken = await call(`/simulator/api/customers/${other.id}/send`, json("POST", { kind: "system", newPhone: "12195555358" }));
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ error: { code: "customer_exists" } });
    const noPhone = await createCustomer({ username: "no_phone_to_change" });
    const refused = await call(`/simulator/api/customers/${noPhone.id}/send`, json("POST", { kind: "system" }));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: "invalid_request", message: expect.stringContaining("phone number") } });
  });

  it("an unsupported message: type unsupported with error 131051 and the v24 unsupported.type", async ({ expect }) => {
    const sent = await captureWebhooks();
    const customer = await createCustomer({ phone: uniquePhone() });
    const poll = await send(customer.id, { kind: "unsupported" });
    const message = valueOf(sent, poll.id).value.messages[0];
    expect(message.errors).toEqual([
      { code: 131051, title: "Message type unknown", message: "Message type unknown", error_data: { details: "Message type is currently not supported." } },
    ]);
    expect(message).toMatchObject({ type: "unsupported", unsupported: { type: "poll_creation" } });
  });

  it("an echo: the owner answering from the WhatsApp Business app as an smb_message_echoes webhook", async ({ expect }) => {
    const sent = await captureWebhooks();
    const phone = uniquePhone();
    const customer = await createCustomer({ phone });
    const echo = await send(customer.id, { kind: "echo", text: "Hi, the owner here" });
    expect(echo).toMatchObject({ direction: "out", echo: true, kind: "text", status: "accepted", webhookStatus: 200 });
    const change = valueOf(sent, echo.id);
    expect(change.field).toBe("smb_message_echoes");
    expect(change.value.messages).toBeUndefined();
    expect(change.value.message_echoes).toEqual([
      { from: SIM_DISPLAY_PHONE_NUMBER, to: phone, to_user_id: customer.userId, id: echo.id, timestamp: expect.stringMatching(/^\d+$/), type: "text", text: { body: "Hi, the owner here" } },
    ]);
    const webhook = sent.find((c) => c.json.entry[0].changes[0].value.message_echoes?.[0]?.id === echo.id)!;
    expect(await signatureIsValid(webhook)).toBe(true);

    // A customer known only by username: the echo names them by business-scoped user id alone.
    const noPhone = await createCustomer({ username: "echo_no_phone" });
    const echo2 = await send(noPhone.id, { kind: "echo", text: "Hello from the app" });
    expect(valueOf(sent, echo2.id).value.message_echoes[0]).toEqual({
      from: SIM_DISPLAY_PHONE_NUMBER,
      to_user_id: noPhone.userId,
      id: echo2.id,
      timestamp: expect.stringMatching(/^\d+$/),
      type: "text",
      text: { body: "Hello from the app" },
    });
  });

  it("refuses an unknown kind and bad fields with 400", async ({ expect }) => {
    const customer = await createCustomer({ phone: uniquePhone() });
    for (const body of [{ kind: "poll" }, { kind: "forwarded" }, { kind: "unsupported", metaType: "<script>" }, { kind: "system", newPhone: "12" }]) {
      const res = await call(`/simulator/api/customers/${customer.id}/send`, json("POST", body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
  });
});

describe("played, for voice notes", () => {
  it("follows read with played for audio the business sent with voice: true, and only for those", async ({ expect }) => {
    const sent = await captureWebhooks();
    const phone = uniquePhone();
    const customer = await createCustomer({ phone });
    await chat(customer.id, true);
    const audio = (voice: boolean) =>
      graphSend({ messaging_product: "whatsapp", to: phone, type: "audio", audio: { link: "https://example.com/note.ogg", ...(voice ? { voice: true } : {}) } });
    const voiceWamid = ((await (await audio(true)).json()) as any).messages[0].id as string;
    const plainWamid = ((await (await audio(false)).json()) as any).messages[0].id as string;
    const kinds = (wamid: string) => statusesFor(sent, wamid).map((c) => c.json.entry[0].changes[0].value.statuses[0].status);
    await runTimersUntil(() => kinds(voiceWamid).length >= 4 && kinds(plainWamid).length >= 3, () => chat(customer.id, true));
    for (let i = 0; i < 3; i++) await runDueTimers();

    expect(kinds(voiceWamid)).toEqual(["sent", "delivered", "read", "played"]);
    expect(kinds(plainWamid)).toEqual(["sent", "delivered", "read"]);
    const played = statusesFor(sent, voiceWamid)[3]!.json.entry[0].changes[0].value.statuses[0];
    expect(played).toEqual({ id: voiceWamid, status: "played", timestamp: expect.stringMatching(/^\d+$/), recipient_id: phone, recipient_user_id: customer.userId });
    expect((await chat(customer.id)).find((m) => m.id === voiceWamid)?.status).toBe("played");
  });
});

describe("every new simulator kind, stored by Chorus (end to end)", () => {
  // The Conversation DO fetches inbound media from GRAPH_API_URL (graph.test here): Meta's fake
  // answers, so the video and sticker stay pending instead of failing a DNS lookup.
  useWaGraph();
  const worker = (exports as unknown as { default: Fetcher }).default;

  it("stores video, sticker, product inquiry, forwards, unsupported, an echo and a changed number with the right content — one contact throughout", async ({ expect }) => {
    await runInDurableObject(simulator(), (instance: SimulatorDO) => {
      instance.webhookTransport = (url, init) => worker.fetch(new Request(url, init));
    });
    const { headers } = await signedIn("owner");
    const phone = uniquePhone();
    const customer = await createCustomer({ phone, name: "Kinds Kim" });
    const send = async (body: Record<string, unknown>) => {
      const res = await call(`/simulator/api/customers/${customer.id}/send`, json("POST", body));
      const { message } = (await res.json()) as { message: SimMessage };
      expect(message.status, JSON.stringify(body)).toBe("accepted");
      return message;
    };
    await send({ kind: "text", text: "hello" });
    let conversationId: string | undefined;
    for (let i = 0; i < 40 && !conversationId; i++) {
      const list = (await (await worker.fetch(`${BASE}/api/conversations`, { headers })).json()) as { conversations: ConversationSummary[] };
      conversationId = list.conversations.find((c) => c.contact.waId === phone)?.id;
      if (!conversationId) await new Promise((r) => setTimeout(r, 25));
    }
    expect(conversationId).toBeTruthy();

    const video = await send({ kind: "media", sample: "clip", caption: "Unboxing" });
    const sticker = await send({ kind: "media", sample: "sticker" });
    const inquiry = await send({ kind: "product_inquiry", text: "In large?", productRetailerId: "tee-l" });
    const forwarded = await send({ kind: "forwarded", text: "Look at this" });
    const often = await send({ kind: "forwarded", text: "Share this!", frequently: true });
    const poll = await send({ kind: "unsupported" });
    const echo = await send({ kind: "echo", text: "The owner, from the app" });
    const notice = await send({ kind: "system", newPhone: `1219${String(Date.now()).slice(-7)}` });
    const newPhone = ((await (await call(`/simulator/api/customers/${customer.id}`)).json()) as { customer: SimCustomer }).customer.waId!;
    const afterChange = await send({ kind: "text", text: "writing from my new number" });

    type Stored = { wamid: string; direction: string; content: any };
    let messages: Stored[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await worker.fetch(`${BASE}/api/conversations/${conversationId}/messages`, { headers });
      messages = ((await res.json()) as { messages: Stored[] }).messages;
      if (messages.some((m) => m.wamid === afterChange.id)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const byWamid = (wamid: string) => messages.find((m) => m.wamid === wamid);
    expect(byWamid(video.id)?.content).toMatchObject({ kind: "video", media: { mimeType: "video/mp4", caption: "Unboxing" } });
    expect(byWamid(sticker.id)?.content).toMatchObject({ kind: "sticker", media: { mimeType: "image/webp", animated: false } });
    expect(byWamid(inquiry.id)?.content).toMatchObject({ kind: "text", body: "In large?", context: { referredProduct: { productRetailerId: "tee-l" } } });
    expect(byWamid(forwarded.id)?.content).toMatchObject({ kind: "text", context: { forwarded: true } });
    expect(byWamid(often.id)?.content).toMatchObject({ kind: "text", context: { forwarded: true, frequentlyForwarded: true } });
    expect(byWamid(poll.id)?.content).toMatchObject({ kind: "unsupported", metaType: "poll_creation", errorCode: 131051, errorTitle: "Message type unknown" });
    expect(byWamid(echo.id)).toMatchObject({ direction: "out", content: { kind: "text", body: "The owner, from the app", source: "business_app" } });
    expect(byWamid(notice.id)?.content).toMatchObject({ kind: "system", systemType: "user_changed_number", newWaId: newPhone });
    // The new number wrote into the same thread: one contact, now with the new number.
    expect(byWamid(afterChange.id)).toMatchObject({ direction: "in", content: { kind: "text", body: "writing from my new number" } });
    const list = (await (await worker.fetch(`${BASE}/api/conversations`, { headers })).json()) as { conversations: ConversationSummary[] };
    expect(list.conversations.filter((c) => c.contact.userId === customer.userId).map((c) => c.id)).toEqual([conversationId]);
    expect(list.conversations.find((c) => c.id === conversationId)?.contact.waId).toBe(newPhone);
  });
});
