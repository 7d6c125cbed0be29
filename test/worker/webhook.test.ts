/**
 * POST/GET /webhooks/whatsapp end to end: handshake, signatures, size and shape checks, every
 * sample payload, batching, duplicates, and customers known by phone or only by BSUID.
 */
import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { app } from "../../worker/app";
import type { Message } from "../../worker/contracts/api";
import { signWebhookBody } from "../../worker/whatsapp/signature";
import {
  APP_SECRET,
  conversationOf,
  envelope,
  inbound,
  inboundValue,
  phone,
  postWebhook,
  seconds,
  statusUpdate,
  wamid,
  WEBHOOK_URL,
} from "./helpers/webhook";

const fixtures = import.meta.glob<Record<string, unknown>>("../fixtures/whatsapp/*.json", { eager: true, import: "default" });

async function messagesOf(conversationId: string): Promise<Message[]> {
  const page = await env.CONVERSATION.getByName(conversationId).listMessages({ cursor: null, limit: 100 });
  return page?.messages ?? [];
}

async function count(table: "channels" | "contacts" | "conversations"): Promise<number> {
  return (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
}

describe("GET /webhooks/whatsapp (Meta's verification handshake)", () => {
  it("echoes hub.challenge as plain text when the verify token matches", async ({ expect }) => {
    const res = await exports.default.fetch(
      `${WEBHOOK_URL}?hub.mode=subscribe&hub.verify_token=test-verify-token&hub.challenge=1158201444`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("1158201444");
  });

  it("answers 403 with a JSON error when the token is wrong or the mode is not subscribe", async ({ expect }) => {
    for (const query of [
      "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1",
      "hub.mode=unsubscribe&hub.verify_token=test-verify-token&hub.challenge=1",
      "hub.challenge=1",
    ]) {
      const res = await exports.default.fetch(`${WEBHOOK_URL}?${query}`);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: { code: "verification_failed", message: expect.any(String) } });
    }
  });
});

describe("POST /webhooks/whatsapp: signatures", () => {
  it("accepts a payload signed with the app secret and stores the message", async ({ expect }) => {
    const from = phone();
    const res = await postWebhook(inbound({ from, text: "hello" }));
    expect(res.status).toBe(200);
    const id = await conversationOf({ waId: from });
    expect(id).not.toBeNull();
    const messages = await messagesOf(id!);
    expect(messages).toMatchObject([{ direction: "in", type: "text", text: "hello", status: "received" }]);
  });

  it("refuses a missing signature with 401 and stores nothing", async ({ expect }) => {
    const before = await Promise.all([count("channels"), count("contacts"), count("conversations")]);
    const res = await postWebhook(inbound({ phoneNumberId: "999000111" }), { signature: null });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "signature_missing", message: expect.any(String) } });
    expect(await Promise.all([count("channels"), count("contacts"), count("conversations")])).toEqual(before);
  });

  it("refuses a forged signature (wrong secret, tampered body, malformed header) and creates nothing in D1", async ({ expect }) => {
    const before = await Promise.all([count("channels"), count("contacts"), count("conversations")]);
    const payload = JSON.stringify(inbound({ phoneNumberId: "999000222" }));
    const forged = [
      await signWebhookBody("not-the-secret", payload),
      // Signed correctly, then a byte changed: the signature covers the raw bytes.
      (await signWebhookBody(APP_SECRET, payload)).replace(/.$/, (ch) => (ch === "0" ? "1" : "0")),
      "sha256=xyz",
      "sha1=" + "0".repeat(40),
      (await signWebhookBody(APP_SECRET, payload)).slice("sha256=".length),
    ];
    for (const signature of forged) {
      const res = await postWebhook(payload, { signature });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("signature_invalid");
    }
    expect(await Promise.all([count("channels"), count("contacts"), count("conversations")])).toEqual(before);
  });

  it("verifies the raw bytes, not a re-serialised JSON (whitespace and key order count)", async ({ expect }) => {
    const from = phone();
    const raw = JSON.stringify(inbound({ from }), null, 2);
    const res = await postWebhook(raw, { signature: await signWebhookBody(APP_SECRET, raw) });
    expect(res.status).toBe(200);
    const tampered = raw.replace("\n", "\n ");
    const res2 = await postWebhook(tampered, { signature: await signWebhookBody(APP_SECRET, raw) });
    expect(res2.status).toBe(401);
  });

  it("refuses every webhook with 503 when WHATSAPP_APP_SECRET is unset", async ({ expect }) => {
    const body = JSON.stringify(inbound({ phoneNumberId: "999000333" }));
    const request = new Request(WEBHOOK_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Hub-Signature-256": await signWebhookBody(APP_SECRET, body) },
      body,
    });
    const res = await app.fetch(request, { ...env, WHATSAPP_APP_SECRET: undefined }, createExecutionContext());
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: "webhook_secret_missing", message: expect.any(String) } });
    expect(await env.DB.prepare("SELECT 1 FROM channels WHERE phone_number_id = '999000333'").first()).toBeNull();
  });
});

describe("POST /webhooks/whatsapp: size and shape", () => {
  it("answers 413 payload_too_large for a body over 1 MB", async ({ expect }) => {
    const huge = JSON.stringify({ object: "whatsapp_business_account", entry: [], pad: "x".repeat(1024 * 1024) });
    const res = await postWebhook(huge);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  it("answers 400 with a reason (never a 5xx) for signed bodies that are not a valid envelope", async ({ expect }) => {
    const noId = inbound();
    delete (noId.entry[0]!.changes[0]!.value as unknown as { messages: Array<{ id?: string }> }).messages[0]!.id;
    const noMetadata = envelope({});
    delete (noMetadata.entry[0]!.changes[0]!.value as { metadata?: unknown }).metadata;
    const noSender = envelope({ messages: [{ id: wamid(), timestamp: seconds(Date.now()), type: "text", text: { body: "?" } }] });
    const badTimestamp = inbound();
    (badTimestamp.entry[0]!.changes[0]!.value as unknown as { messages: Array<{ timestamp: string }> }).messages[0]!.timestamp = "yesterday";
    const cases: Array<[unknown, string, RegExp]> = [
      ["{not json", "invalid_json", /JSON/],
      [{ entry: [] }, "invalid_payload", /object/],
      [{ object: "whatsapp_business_account", entry: "nope" }, "invalid_payload", /entry/],
      [noId, "invalid_payload", /messages\.0\.id/],
      [noMetadata, "invalid_payload", /metadata/],
      [noSender, "invalid_payload", /sender/],
      [badTimestamp, "invalid_payload", /timestamp/],
    ];
    for (const [payload, code, reason] of cases) {
      const res = await postWebhook(payload);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message).toMatch(reason);
    }
  });

  it("applies template status updates with 200 and creates no conversation (issue 5: templates sync instantly)", async ({ expect }) => {
    const before = await count("conversations");
    const res = await postWebhook(fixtures["../fixtures/whatsapp/template-status-update.json"]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 0, ignoredFields: [], templatesUpdated: 1 });
    expect(await count("conversations")).toBe(before);
    const template = await env.DB.prepare("SELECT status FROM templates WHERE name = 'order_confirmation' AND language = 'en_US'").first();
    expect(template).toEqual({ status: "APPROVED" });
  });

  it("acknowledges fields Chorus does not handle (account alerts) with 200 and stores nothing", async ({ expect }) => {
    const before = await count("conversations");
    const res = await postWebhook({
      object: "whatsapp_business_account",
      entry: [{ id: "102290129340398", changes: [{ field: "account_alerts", value: { entity_type: "WABA", alert_info: {} } }] }],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 0, ignoredFields: ["account_alerts"] });
    expect(await count("conversations")).toBe(before);
  });

  it("logs value-level errors without failing the webhook", async ({ expect }) => {
    const payload = envelope({
      errors: [{ code: 131000, title: "Something went wrong", message: "Something went wrong", error_data: { details: "x" } }],
    });
    const res = await postWebhook(payload);
    expect(res.status).toBe(200);
  });
});

describe("POST /webhooks/whatsapp: every sample payload", () => {
  it("accepts each file of the shared fixtures with 200 and stores every inbound message with its type", async ({ expect }) => {
    const names = Object.keys(fixtures).sort((a, b) => Number(a.includes("status")) - Number(b.includes("status")));
    expect(names.length).toBeGreaterThanOrEqual(15);
    for (const name of names) {
      // Several samples share Meta's example wamid: give each its own so each one is stored.
      const payload = JSON.parse(JSON.stringify(fixtures[name])) as ReturnType<typeof envelope>;
      const value = payload.entry[0]!.changes[0]!.value as { messages?: Array<{ id: string; type: string }> };
      const sent = value.messages?.map((m) => ({ ...m, id: wamid() }));
      if (value.messages) value.messages = sent!;
      const res = await postWebhook(payload);
      expect(res.status, name).toBe(200);
      // A reaction is not a bubble: it lands on the message it targets (test/worker/wa-inbound.test.ts).
      for (const message of (sent ?? []).filter((m) => m.type !== "reaction")) {
        const customer = name.includes("bsuid") ? { userId: "US.13491208655302741918" } : { waId: "16505551234" };
        const id = await conversationOf(customer);
        const stored = (await messagesOf(id!)).find((m) => m.wamid === message.id);
        expect(stored, name).toMatchObject({ direction: "in", type: message.type, status: "received" });
      }
    }
    const id = await conversationOf({ waId: "16505551234" });
    const texts = (await messagesOf(id!)).map((m) => m.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        "Does it come in another color?",
        "Taj Mahal",
        "Unsubscribe",
        "Cancel",
        "Priority Mail Express",
        "Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301",
        "Yes, Tuesday works for me.",
        "Can I get more info about this?",
      ]),
    );
  });

  it("stores a message type it does not know as unsupported, with Meta's payload kept", async ({ expect }) => {
    const from = phone();
    const id = wamid();
    const payload = envelope({
      contacts: [{ profile: { name: "Kai" }, wa_id: from }],
      messages: [
        { from, id, timestamp: seconds(Date.now()), type: "hologram", hologram: { depth: 3 } },
        {
          from,
          id: wamid(),
          timestamp: seconds(Date.now()),
          type: "unsupported",
          errors: [{ code: 131051, title: "Message type unknown", message: "Message type unknown" }],
        },
      ],
    });
    const res = await postWebhook(payload);
    expect(res.status).toBe(200);
    const messages = await messagesOf((await conversationOf({ waId: from }))!);
    expect(messages.map((m) => m.type)).toEqual(["unsupported", "unsupported"]);
    const stub = env.CONVERSATION.getByName((await conversationOf({ waId: from }))!);
    const raw = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec<{ raw: string }>("SELECT raw FROM messages WHERE wamid = ?", id).one().raw,
    );
    expect(JSON.parse(raw)).toMatchObject({ type: "hologram", hologram: { depth: 3 } });
  });
});

describe("POST /webhooks/whatsapp: batches and duplicates", () => {
  it("handles every entry × change × message and status of one POST", async ({ expect }) => {
    const alice = phone();
    const bob = phone();
    const valueA = inboundValue({ from: alice, text: "one" });
    valueA.messages.push({ ...inboundValue({ from: alice, text: "two" }).messages[0]! });
    const payload = {
      object: "whatsapp_business_account",
      entry: [
        {
          id: "1",
          changes: [
            { field: "messages", value: { messaging_product: "whatsapp", metadata: { phone_number_id: "106540352242922" }, ...valueA } },
            { field: "messages", value: { messaging_product: "whatsapp", metadata: { phone_number_id: "106540352242922" }, ...inboundValue({ from: bob, text: "three" }) } },
          ],
        },
        {
          id: "2",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { phone_number_id: "106540352242922" },
                statuses: [{ id: wamid(), status: "delivered", timestamp: seconds(Date.now()), recipient_id: bob }],
              },
            },
          ],
        },
      ],
    };
    const res = await postWebhook(payload);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 4, stored: 3, statusesPending: 1 });
    expect((await messagesOf((await conversationOf({ waId: alice }))!)).map((m) => m.text)).toEqual(["two", "one"]);
    expect((await messagesOf((await conversationOf({ waId: bob }))!)).map((m) => m.text)).toEqual(["three"]);
  });

  it("shows one message when the same webhook is delivered three times", async ({ expect }) => {
    const from = phone();
    const payload = inbound({ from, text: "only once" });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await postWebhook(payload));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const id = (await conversationOf({ waId: from }))!;
    expect((await messagesOf(id)).map((m) => m.text)).toEqual(["only once"]);
    const row = await env.DB.prepare("SELECT unread_count FROM conversations WHERE id = ?").bind(id).first<{ unread_count: number }>();
    expect(row!.unread_count).toBe(1);
  });

  it("keeps one message when duplicates arrive concurrently", async ({ expect }) => {
    const from = phone();
    const payload = inbound({ from });
    const results = await Promise.all([postWebhook(payload), postWebhook(payload), postWebhook(payload)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await messagesOf((await conversationOf({ waId: from }))!)).toHaveLength(1);
  });

  it("orders the thread by Meta's timestamp, not by arrival, and numbers messages in arrival order", async ({ expect }) => {
    const from = phone();
    const now = Date.now();
    await postWebhook(inbound({ from, text: "second", at: now - 1_000 }));
    await postWebhook(inbound({ from, text: "first", at: now - 60_000 }));
    const id = (await conversationOf({ waId: from }))!;
    const messages = await messagesOf(id);
    expect(messages.map((m) => [m.text, m.seq])).toEqual([
      ["second", 1],
      ["first", 2],
    ]);
    const row = await env.DB.prepare("SELECT last_message_preview, last_message_at FROM conversations WHERE id = ?")
      .bind(id)
      .first<{ last_message_preview: string; last_message_at: number }>();
    expect(row).toEqual({ last_message_preview: "second", last_message_at: Math.floor((now - 1_000) / 1000) * 1000 });
  });
});

describe("POST /webhooks/whatsapp: channels and contacts", () => {
  it("creates the channel for a phone number id it has not seen", async ({ expect }) => {
    const res = await postWebhook(inbound({ phoneNumberId: "777000111" }));
    expect(res.status).toBe(200);
    const channel = await env.DB.prepare("SELECT display_phone_number, waba_id FROM channels WHERE phone_number_id = '777000111'").first();
    expect(channel).toEqual({ display_phone_number: "15550783881", waba_id: "102290129340398" });
  });

  it("works for a customer known only by business-scoped user id and username, and keeps name and username current", async ({ expect }) => {
    const userId = `US.${Math.floor(Math.random() * 1e15)}`;
    const res = await postWebhook(inbound({ from: null, userId, username: "realkai", name: "Kai" }));
    expect(res.status).toBe(200);
    const contact = await env.DB.prepare("SELECT wa_id, user_id, username, name FROM contacts WHERE user_id = ?").bind(userId).first();
    expect(contact).toEqual({ wa_id: null, user_id: userId, username: "realkai", name: "Kai" });

    await postWebhook(inbound({ from: null, userId, username: "kai.new", name: "Kai N." }));
    const updated = await env.DB.prepare("SELECT wa_id, username, name FROM contacts WHERE user_id = ?").bind(userId).first();
    expect(updated).toEqual({ wa_id: null, username: "kai.new", name: "Kai N." });
    const id = (await conversationOf({ userId }))!;
    expect(await messagesOf(id)).toHaveLength(2);
    const summary = await env.CONVERSATION.getByName(id).summary();
    expect(summary!.contact).toMatchObject({ userId, waId: null, username: "kai.new", name: "Kai N." });
  });

  it("keeps one contact and one thread when a customer known by phone later also brings a BSUID", async ({ expect }) => {
    const from = phone();
    const userId = `US.${Math.floor(Math.random() * 1e15)}`;
    await postWebhook(inbound({ from }));
    const first = await conversationOf({ waId: from });
    await postWebhook(inbound({ from, userId }));
    const rows = await env.DB.prepare("SELECT id, wa_id, user_id FROM contacts WHERE wa_id = ?1 OR user_id = ?2").bind(from, userId).all();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]).toMatchObject({ wa_id: from, user_id: userId });
    expect(await conversationOf({ userId })).toBe(first);
    expect(await messagesOf(first!)).toHaveLength(2);
  });

  it("drops a status for a customer Chorus never talked to, with 200", async ({ expect }) => {
    const res = await postWebhook(statusUpdate({ id: wamid(), status: "delivered", recipient: phone() }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 1, unrouted: 1 });
  });
});
