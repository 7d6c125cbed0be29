/**
 * Issue 5, every inbound shape: each payload of Meta's webhook reference (test/fixtures/whatsapp)
 * is stored with a structured `content` the thread renders and a plain-text summary for the list;
 * reactions land on their target; replies quote; ad referrals are kept; system notices update the
 * same contact; unsupported and unknown shapes are kept raw; value-level errors are recorded;
 * played and v24 statuses apply; coexistence echoes are outbound messages from the Business app.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { Message } from "../../worker/contracts/api";
import type { MessageContent } from "../../worker/contracts/whatsapp";
import { conversationOf, envelope, inbound, phone, postWebhook, seconds, wamid } from "./helpers/webhook";
import { useWaGraph } from "./helpers/wa-graph";

useWaGraph();

const fixtures = import.meta.glob<Record<string, unknown>>("../fixtures/whatsapp/**/*.json", { eager: true, import: "default" });
const SAMPLE_CUSTOMER = "16505551234";

/**
 * A fixture with a fresh customer number, fresh wamids and Meta timestamps of now, so each test
 * has its own thread. `ids`: the wamids of its messages (or echoes), in order.
 */
function fixture(name: string, from = phone()): { payload: Record<string, unknown>; from: string; ids: string[] } {
  const text = JSON.stringify(fixtures[`../fixtures/whatsapp/${name}.json`]);
  if (!text) throw new Error(`no fixture ${name}`);
  const fresh = text
    .replaceAll(SAMPLE_CUSTOMER, from)
    .replace(/"id":"wamid\.[^"]+"/g, () => `"id":"${wamid()}"`)
    .replace(/"timestamp":"\d+"/g, () => `"timestamp":"${seconds(Date.now())}"`);
  const payload = JSON.parse(fresh) as { entry: Array<{ changes: Array<{ value: { messages?: Array<{ id: string }>; message_echoes?: Array<{ id: string }> } }> }> };
  const value = payload.entry[0]!.changes[0]!.value;
  const ids = [...(value.messages ?? []), ...(value.message_echoes ?? [])].map((m) => m.id);
  return { payload: payload as unknown as Record<string, unknown>, from, ids };
}

async function messagesOf(conversationId: string): Promise<Message[]> {
  return (await env.CONVERSATION.getByName(conversationId).listMessages({ cursor: null, limit: 100 }))!.messages;
}

async function post(payload: unknown): Promise<Record<string, unknown>> {
  const res = await postWebhook(payload);
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Post a fixture and return the one message it stored in the customer's thread. */
async function stored(name: string): Promise<{ message: Message; content: MessageContent; conversationId: string; from: string }> {
  const { payload, from, ids } = fixture(name);
  await post(payload);
  const conversationId = (await conversationOf({ waId: from }))!;
  const message = (await messagesOf(conversationId)).find((m) => m.wamid === ids[0]);
  if (!message) throw new Error(`${name}: nothing stored`);
  return { message, content: message.content!, conversationId, from };
}

describe("every inbound message kind of Meta's reference gets a structured content", () => {
  it("text: the body, and the forwarded / frequently forwarded flags", async ({ expect }) => {
    const plain = await stored("inbound-text");
    expect(plain.content).toEqual({ kind: "text", body: "Does it come in another color?" });
    const forwarded = await stored("inbound-text-forwarded");
    expect(forwarded.content).toMatchObject({ kind: "text", body: expect.stringContaining("https://www.example.com/sale"), context: { forwarded: true } });
    expect(forwarded.message.text).toBe("Check this out https://www.example.com/sale");
    const often = await stored("inbound-text-frequently-forwarded");
    expect(often.content.context).toEqual({ forwarded: true, frequentlyForwarded: true });
  });

  it("image, voice note, video, document and sticker: Meta's media id, type and caption, pending until fetched", async ({ expect }) => {
    const image = await stored("inbound-image");
    expect(image.content).toMatchObject({ kind: "image", media: { id: "1003383421387256", mimeType: "image/jpeg", caption: "Taj Mahal", state: "pending" } });
    expect(image.message.text).toBe("Taj Mahal");
    const voice = await stored("inbound-audio-voice");
    expect(voice.content).toMatchObject({ kind: "audio", media: { id: "1003383421387301", mimeType: "audio/ogg; codecs=opus", voice: true } });
    expect(voice.message.type).toBe("audio");
    const video = await stored("inbound-video");
    expect(video.content).toMatchObject({ kind: "video", media: { mimeType: "video/mp4", caption: "Unboxing" } });
    const doc = await stored("inbound-document");
    expect(doc.content).toMatchObject({ kind: "document", media: { filename: "lucky-shrub-invoice.pdf", mimeType: "application/pdf", caption: "Lucky Shrub Invoice" } });
    expect(doc.message.text).toBe("Lucky Shrub Invoice");
    const sticker = await stored("inbound-sticker");
    expect(sticker.content).toMatchObject({ kind: "sticker", media: { mimeType: "image/webp", animated: false } });
    expect(sticker.message.text).toBeNull();
  });

  it("location and shared contact cards", async ({ expect }) => {
    const place = await stored("inbound-location");
    expect(place.content).toMatchObject({ kind: "location", name: "Philz Coffee", address: "101 Forest Ave, Palo Alto, CA 94301" });
    expect(typeof (place.content as { latitude: number }).latitude).toBe("number");
    const cards = await stored("inbound-contacts");
    expect(cards.content).toEqual({
      kind: "contacts",
      contacts: [
        {
          name: "Barbara J. Johnson",
          phones: [{ phone: "+1 (415) 555-0123", waId: "14155550123", type: "WORK" }],
          emails: [{ email: "bjohnson@luckyshrub.com", type: "WORK" }],
          organization: "Lucky Shrub · Legal · Lead Counsel",
          urls: [{ url: "https://www.luckyshrub.com", type: "WORK" }],
          addresses: [{ text: "1 Hacker Way, Menlo Park, CA, 94025, United States", type: "WORK" }],
          birthday: "1999-01-23",
        },
      ],
    });
    expect(cards.message.text).toBe("Barbara J. Johnson");
  });

  it("interactive replies: reply button, list row and a completed Flow (nfm_reply) with its answers", async ({ expect }) => {
    const button = await stored("inbound-interactive-button-reply");
    expect(button.content).toMatchObject({ kind: "interactive_reply", replyType: "button_reply", title: "Cancel" });
    const list = await stored("inbound-interactive-list-reply");
    expect(list.content).toMatchObject({ kind: "interactive_reply", replyType: "list_reply", title: "Priority Mail Express" });
    const flow = await stored("inbound-interactive-nfm-reply");
    expect(flow.content).toMatchObject({
      kind: "flow_reply",
      name: "flow",
      body: "Sent",
      fields: [
        { key: "appointment_date", value: "2025-06-12" },
        { key: "appointment_time", value: "10:30" },
        { key: "notes", value: "Please call first" },
      ],
    });
  });

  it("a template's quick-reply button, an order, and a product inquiry (the product asked about)", async ({ expect }) => {
    const tapped = await stored("inbound-button");
    expect(tapped.content).toMatchObject({ kind: "button", text: "Unsubscribe" });
    const order = await stored("inbound-order");
    expect(order.content).toEqual({
      kind: "order",
      catalogId: "194836987003835",
      text: "Please deliver before Friday",
      items: [
        { productRetailerId: "di9ozbzfi4", quantity: 2, itemPrice: 30, currency: "USD" },
        { productRetailerId: "nqryix03ez", quantity: 1, itemPrice: 25, currency: "USD" },
      ],
    });
    const inquiry = await stored("inbound-product-inquiry");
    expect(inquiry.content).toMatchObject({
      kind: "text",
      body: "Is this available in large?",
      context: { referredProduct: { catalogId: "194836987003835", productRetailerId: "di9ozbzfi4" } },
    });
  });

  it("a click-to-WhatsApp referral keeps the ad's headline, body, source URL and type", async ({ expect }) => {
    const ad = await stored("inbound-referral-ctwa");
    expect(ad.content).toMatchObject({
      kind: "text",
      body: "Can I get more info about this?",
      referral: {
        sourceType: "ad",
        sourceId: "120226305854810726",
        sourceUrl: "https://fb.me/3cr4Wqqkv",
        headline: "Chat with us",
        body: "Summer Succulents are here!",
        mediaType: "image",
        welcomeMessage: "Hi there! Let us know how we can help!",
      },
    });
  });

  it("unsupported: Meta's error title and the kind it could not deliver; request_welcome is a notice", async ({ expect }) => {
    const poll = await stored("inbound-unsupported");
    expect(poll.message.type).toBe("unsupported");
    expect(poll.content).toEqual({
      kind: "unsupported",
      metaType: "poll_creation",
      errorCode: 131051,
      errorTitle: "Message type unknown",
      errorDetails: "Message type is currently not supported.",
    });
    const welcome = await stored("inbound-request-welcome");
    expect(welcome.content).toMatchObject({ kind: "system", systemType: "request_welcome" });
  });

  it("a shape nobody knows is stored raw as unsupported, never dropped and never a 5xx", async ({ expect }) => {
    const from = phone();
    const odd = [
      { from, id: wamid(), timestamp: seconds(Date.now()), type: "hologram", hologram: { depth: 3 } },
      { from, id: wamid(), timestamp: seconds(Date.now()), type: "interactive", interactive: { type: "carousel_reply", carousel_reply: {} } },
      { from, id: wamid(), timestamp: seconds(Date.now()), type: "order", order: { product_items: "not a list" } },
      { from, id: wamid(), timestamp: seconds(Date.now()), type: "image" },
      { from, id: wamid(), timestamp: seconds(Date.now()), type: "contacts", contacts: "??" },
      { from, id: wamid(), timestamp: seconds(Date.now()), type: "location", location: { latitude: "x" } },
    ];
    const res = await postWebhook(envelope({ contacts: [{ profile: { name: "Odd" }, wa_id: from }], messages: odd }));
    expect(res.status).toBe(200);
    const messages = await messagesOf((await conversationOf({ waId: from }))!);
    expect(messages).toHaveLength(odd.length);
    const byWamid = new Map(messages.map((m) => [m.wamid, m]));
    expect(byWamid.get(odd[0]!.id)!.content).toMatchObject({ kind: "unsupported", metaType: "hologram" });
    expect(byWamid.get(odd[1]!.id)!.content).toMatchObject({ kind: "unsupported", metaType: "carousel_reply" });
    expect(byWamid.get(odd[2]!.id)!.content).toMatchObject({ kind: "order", items: [] });
    expect(byWamid.get(odd[3]!.id)!.content).toMatchObject({ kind: "image", media: { id: null, state: "failed" } });
    expect(byWamid.get(odd[4]!.id)!.content).toEqual({ kind: "contacts", contacts: [] });
    expect(byWamid.get(odd[5]!.id)!.content).toMatchObject({ kind: "location", latitude: null });
  });
});

describe("reactions are applied to the message they target, never shown as bubbles", () => {
  it("added, replaced and removed; a duplicate delivery changes nothing", async ({ expect }) => {
    const from = phone();
    const target = wamid();
    await post(inbound({ from, id: target, text: "Your order shipped?" }));
    const id = (await conversationOf({ waId: from }))!;
    const react = (emoji: string | undefined, reactionId = wamid()) =>
      envelope({
        contacts: [{ profile: { name: "R" }, wa_id: from }],
        messages: [{ from, id: reactionId, timestamp: seconds(Date.now()), type: "reaction", reaction: { message_id: target, ...(emoji !== undefined ? { emoji } : {}) } }],
      });
    const first = react("👍");
    await post(first);
    let messages = await messagesOf(id);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.reactions).toEqual([{ emoji: "👍", direction: "in", at: expect.any(Number) }]);

    expect(await post(first)).toMatchObject({ duplicates: 1 });
    await new Promise((r) => setTimeout(r, 1_100));
    await post(react("❤️"));
    messages = await messagesOf(id);
    expect(messages[0]!.reactions).toEqual([{ emoji: "❤️", direction: "in", at: expect.any(Number) }]);

    await new Promise((r) => setTimeout(r, 1_100));
    await post(react(undefined));
    messages = await messagesOf(id);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.reactions).toBeUndefined();
  });

  it("the removed-reaction fixture (no emoji) and a reaction that arrives before its message", async ({ expect }) => {
    const from = phone();
    const target = wamid();
    const early = envelope({
      contacts: [{ profile: { name: "R" }, wa_id: from }],
      messages: [{ from, id: wamid(), timestamp: seconds(Date.now()), type: "reaction", reaction: { message_id: target, emoji: "🎉" } }],
    });
    // The thread exists first (a reaction to a message Chorus does not have is kept, not a bubble).
    await post(inbound({ from, text: "hi" }));
    await post(early);
    const id = (await conversationOf({ waId: from }))!;
    expect((await messagesOf(id)).map((m) => m.text)).toEqual(["hi"]);
    await post(inbound({ from, id: target, text: "late arrival", at: Date.now() - 60_000 }));
    const late = (await messagesOf(id)).find((m) => m.wamid === target)!;
    expect(late.reactions).toEqual([{ emoji: "🎉", direction: "in", at: expect.any(Number) }]);

    const removed = fixture("inbound-reaction-removed");
    expect(await post(removed.payload)).toMatchObject({ stored: 1 });
    const thread = (await conversationOf({ waId: removed.from }))!;
    expect(await messagesOf(thread)).toHaveLength(0);
  });
});

describe("replies quote the message they answer", () => {
  it("context.id → the quoted message's text, direction and id; an unknown one keeps only its wamid", async ({ expect }) => {
    const from = phone();
    const original = wamid();
    await post(inbound({ from, id: original, text: "Do you ship to Osaka?", at: Date.now() - 5_000 }));
    const reply = inbound({ from, text: "Also to Kyoto?" });
    const message = (reply.entry[0]!.changes[0]!.value as unknown as { messages: Array<Record<string, unknown>> }).messages[0]!;
    message.context = { from, id: original };
    await post(reply);
    const id = (await conversationOf({ waId: from }))!;
    const [latest, first] = await messagesOf(id);
    expect(latest!.content!.context!.quote).toEqual({ wamid: original, messageId: first!.id, direction: "in", type: "text", text: "Do you ship to Osaka?" });

    const sample = await stored("inbound-reply-context");
    expect(sample.content.context!.quote).toMatchObject({ messageId: null, text: null });
  });
});

describe("system notices update the same contact — never a duplicate", () => {
  it("a changed number moves the contact (and its thread) to the new number", async ({ expect }) => {
    const old = phone();
    const next = phone();
    await post(inbound({ from: old, text: "hello from my old phone" }));
    const before = (await conversationOf({ waId: old }))!;
    const contactsBefore = (await env.DB.prepare("SELECT count(*) AS n FROM contacts").first<{ n: number }>())!.n;
    const text = JSON.stringify(fixtures["../fixtures/whatsapp/identity/system-changed-number.json"]).replaceAll("16505551111", old).replaceAll("12195555358", next);
    const payload = JSON.parse(text.replace(/wamid\.[A-Za-z0-9=+/]+/g, wamid()).replace(/"timestamp":"\d+"/, `"timestamp":"${seconds(Date.now())}"`)) as Record<string, unknown>;
    await post(payload);
    expect(await conversationOf({ waId: next })).toBe(before);
    expect(await env.DB.prepare("SELECT 1 FROM contacts WHERE wa_id = ?").bind(old).first()).toBeNull();
    expect((await env.DB.prepare("SELECT count(*) AS n FROM contacts").first<{ n: number }>())!.n).toBe(contactsBefore);

    await post(inbound({ from: next, text: "hello from my new phone" }));
    const messages = await messagesOf(before);
    expect(messages.map((m) => m.type)).toEqual(["text", "system", "text"]);
    expect(messages[1]!.content).toMatchObject({ kind: "system", systemType: "user_changed_number", newWaId: next });
    // The notice is not the customer writing: one unread per real message.
    const summary = (await env.CONVERSATION.getByName(before).summary())!;
    expect(summary.unreadCount).toBe(2);
    expect(summary.contact.waId).toBe(next);
  });

  it("a changed number the customer already wrote from: the two contacts merge into the older one", async ({ expect }) => {
    const old = phone();
    const next = phone();
    await post(inbound({ from: old, text: "old" }));
    const oldThread = (await conversationOf({ waId: old }))!;
    await post(inbound({ from: next, text: "new, before the notice" }));
    const oldContact = (await env.DB.prepare("SELECT id FROM contacts WHERE wa_id = ?").bind(old).first<{ id: string }>())!;
    const newContact = (await env.DB.prepare("SELECT id FROM contacts WHERE wa_id = ?").bind(next).first<{ id: string }>())!;
    await post(
      envelope({
        messages: [
          { from: old, id: wamid(), timestamp: seconds(Date.now()), type: "system", system: { body: "changed", wa_id: next, type: "user_changed_number" } },
        ],
      }),
    );
    const rows = await env.DB.prepare("SELECT id, wa_id, merged_into_id FROM contacts WHERE id IN (?, ?) ORDER BY created_at").bind(oldContact.id, newContact.id).all();
    expect(rows.results).toEqual([
      { id: oldContact.id, wa_id: next, merged_into_id: null },
      { id: newContact.id, wa_id: null, merged_into_id: oldContact.id },
    ]);
    // From now on the new number writes into the older contact's thread.
    expect(await conversationOf({ waId: next })).toBe(oldThread);
    await post(inbound({ from: next, text: "after the notice" }));
    expect((await messagesOf(oldThread)).map((m) => m.text)).toContain("after the notice");
  });

  it("a changed business-scoped user id keeps the same contact", async ({ expect }) => {
    const previous = `US.1${Math.floor(Math.random() * 1e15)}`;
    const next = `US.2${Math.floor(Math.random() * 1e15)}`;
    await post(inbound({ from: null, userId: previous, username: "kai" }));
    const before = (await conversationOf({ userId: previous }))!;
    const text = JSON.stringify(fixtures["../fixtures/whatsapp/identity/system-changed-user-id.json"])
      .replaceAll("US.10000000000000000001", previous)
      .replaceAll("US.20000000000000000002", next);
    await post(JSON.parse(text.replace(/wamid\.[A-Za-z0-9=+/]+/g, wamid()).replace(/"timestamp":"\d+"/, `"timestamp":"${seconds(Date.now())}"`)));
    expect(await conversationOf({ userId: next })).toBe(before);
    expect(await env.DB.prepare("SELECT 1 FROM contacts WHERE user_id = ?").bind(previous).first()).toBeNull();
    expect((await messagesOf(before)).map((m) => m.type)).toEqual(["system", "text"]);
  });
});

describe("value-level errors, statuses and coexistence echoes", () => {
  it("records value-level errors for the channel's health", async ({ expect }) => {
    const res = await post(fixture("value-errors").payload);
    expect(res).toMatchObject({ errorsRecorded: 1 });
    const channel = (await env.DB.prepare("SELECT id, last_error_code, last_error_title FROM channels WHERE phone_number_id = '106540352242922'").first<{
      id: string;
      last_error_code: number;
      last_error_title: string;
    }>())!;
    expect(channel).toMatchObject({ last_error_code: 131000, last_error_title: "Something went wrong" });
    const errors = await env.DB.prepare("SELECT code, title, details, source FROM channel_errors WHERE channel_id = ?").bind(channel.id).all();
    expect(errors.results).toContainEqual({
      code: 131000,
      title: "Something went wrong",
      details: "Unable to retrieve the message, please try again later.",
      source: "webhook",
    });
  });

  it("an echo is an outbound message marked as sent from the WhatsApp Business app; it leaves unread alone", async ({ expect }) => {
    const from = phone();
    await post(inbound({ from, text: "Do you have the Quest 3?" }));
    const echo = fixture("echo-text", from);
    expect(await post(echo.payload)).toMatchObject({ stored: 1 });
    const id = (await conversationOf({ waId: from }))!;
    const message = (await messagesOf(id)).find((m) => m.wamid === echo.ids[0])!;
    expect(message).toMatchObject({
      direction: "out",
      status: "sent",
      author: null,
      text: "Here's the info you requested! https://www.meta.com/quest/quest-3/",
      content: { kind: "text", source: "business_app" },
    });
    const summary = (await env.CONVERSATION.getByName(id).summary())!;
    expect(summary).toMatchObject({ unreadCount: 1, lastMessageDirection: "out", assigneeId: null });
    expect(await post(echo.payload)).toMatchObject({ duplicates: 1 });

    const image = fixture("echo-image", from);
    await post(image.payload);
    const photo = (await messagesOf(id)).find((m) => m.wamid === image.ids[0])!;
    expect(photo).toMatchObject({ direction: "out", type: "image", content: { kind: "image", source: "business_app", media: { id: "1003383421387305" } } });
  });

  it("applies `played` and the v24 delivered status without pricing to an outbound message", async ({ expect }) => {
    const from = phone();
    await post(inbound({ from, text: "send me a voice note" }));
    const echo = fixture("echo-text", from);
    await post(echo.payload);
    const outbound = echo.ids[0]!;
    const delivered = JSON.parse(JSON.stringify(fixture("status-delivered-v24-no-pricing", from).payload).replace(/wamid\.[A-Za-z0-9=+/]+/, outbound));
    expect(await post(delivered)).toMatchObject({ statusesApplied: 1 });
    const played = JSON.parse(JSON.stringify(fixture("status-played", from).payload).replace(/wamid\.[A-Za-z0-9=+/]+/, outbound));
    expect(await post(played)).toMatchObject({ statusesApplied: 1 });
    const id = (await conversationOf({ waId: from }))!;
    expect((await messagesOf(id)).find((m) => m.wamid === outbound)!.status).toBe("played");
  });

  it("keeps the raw payload of every stored kind", async ({ expect }) => {
    const { conversationId, message } = await stored("inbound-order");
    const raw = await runInDurableObject(env.CONVERSATION.getByName(conversationId), (_i, state) =>
      state.storage.sql.exec<{ raw: string }>("SELECT raw FROM messages WHERE id = ?", message.id).one().raw,
    );
    expect(JSON.parse(raw)).toMatchObject({ type: "order", order: { catalog_id: "194836987003835" } });
  });
});
