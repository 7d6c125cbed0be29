/**
 * Issue 5, outbound kinds: a reply to a specific customer message (context.message_id), text with
 * a link preview, interactive reply buttons, lists and call-to-action links, a location, reactions
 * (on the message, not a bubble), and "mark as read" on WhatsApp when an agent opens the thread
 * (a workspace setting). The simulator's Graph fake accepts and shows each of them.
 */
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { Message } from "../../worker/contracts/api";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { useWaGraph } from "./helpers/wa-graph";
import { conversationOf, inbound, phone, postWebhook, wamid } from "./helpers/webhook";

const graph = useWaGraph();
type Session = Awaited<ReturnType<typeof signedIn>>;

async function thread(options: { at?: number } = {}) {
  const from = phone();
  const customerWamid = wamid();
  await postWebhook(inbound({ from, id: customerWamid, text: "Which sizes do you have?", at: options.at }));
  const id = (await conversationOf({ waId: from }))!;
  const customerMessage = (await env.CONVERSATION.getByName(id).listMessages({ cursor: null, limit: 5 }))!.messages[0]!;
  return { id, from, customerWamid, customerMessage };
}

function send(session: Session, id: string, body: unknown) {
  return exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/messages`, { method: "POST", headers: session.headers, body: JSON.stringify(body) });
}

async function sent(res: Response): Promise<Message> {
  if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { message: Message }).message;
}

function react(session: Session, id: string, messageId: string, emoji: string) {
  return exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/reactions`, {
    method: "POST",
    headers: session.headers,
    body: JSON.stringify({ messageId, emoji }),
  });
}

describe("replies and text", () => {
  it("quotes the customer message it answers (context.message_id) and can ask for a link preview", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, customerWamid, customerMessage } = await thread();
    const message = await sent(await send(owner, id, { text: "S, M and L: https://shop.example/sizes", replyTo: customerWamid, previewUrl: true }));
    expect(graph.sends()[0]!.body).toMatchObject({
      type: "text",
      context: { message_id: customerWamid },
      text: { body: "S, M and L: https://shop.example/sizes", preview_url: true },
    });
    expect(message.content).toMatchObject({
      kind: "text",
      context: { quote: { wamid: customerWamid, messageId: customerMessage.id, direction: "in", text: "Which sizes do you have?" } },
    });
  });
});

describe("link previews", () => {
  it("a link goes without a preview unless asked for: preview_url false when previewUrl is absent or false, true when true", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await thread();
    await sent(await send(owner, id, { text: "Catalogue: https://shop.example/a" }));
    await sent(await send(owner, id, { text: "Catalogue: https://shop.example/b", previewUrl: false }));
    await sent(await send(owner, id, { text: "Catalogue: https://shop.example/c", previewUrl: true }));
    expect(graph.sends().map((s) => s.body!.text)).toEqual([
      { body: "Catalogue: https://shop.example/a", preview_url: false },
      { body: "Catalogue: https://shop.example/b", preview_url: false },
      { body: "Catalogue: https://shop.example/c", preview_url: true },
    ]);
  });
});

describe("interactive messages", () => {
  it("reply buttons", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await thread();
    const message = await sent(
      await send(owner, id, {
        interactive: { type: "button", header: "Delivery", body: "When should we deliver?", footer: "Reply with a button", buttons: [{ id: "today", title: "Today" }, { id: "tomorrow", title: "Tomorrow" }] },
      }),
    );
    expect(graph.sends()[0]!.body).toMatchObject({
      type: "interactive",
      interactive: {
        type: "button",
        header: { type: "text", text: "Delivery" },
        body: { text: "When should we deliver?" },
        footer: { text: "Reply with a button" },
        action: { buttons: [{ type: "reply", reply: { id: "today", title: "Today" } }, { type: "reply", reply: { id: "tomorrow", title: "Tomorrow" } }] },
      },
    });
    expect(message).toMatchObject({ type: "interactive", text: "When should we deliver?", content: { kind: "interactive", interactiveType: "button", buttons: [{ id: "today" }, { id: "tomorrow" }] } });
  });

  it("a list and a call-to-action URL button", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await thread();
    await sent(
      await send(owner, id, {
        interactive: {
          type: "list",
          body: "Pick a size",
          listButton: "Sizes",
          sections: [{ title: "Tops", rows: [{ id: "s", title: "Small", description: "Chest 86–91 cm" }, { id: "m", title: "Medium" }] }],
        },
      }),
    );
    await sent(await send(owner, id, { interactive: { type: "cta_url", body: "Track your parcel", cta: { displayText: "Track", url: "https://track.example/123" } } }));
    const [list, cta] = graph.sends();
    expect(list!.body).toMatchObject({
      interactive: { type: "list", action: { button: "Sizes", sections: [{ title: "Tops", rows: [{ id: "s", title: "Small", description: "Chest 86–91 cm" }, { id: "m", title: "Medium" }] }] } },
    });
    expect(cta!.body).toMatchObject({ interactive: { type: "cta_url", action: { name: "cta_url", parameters: { display_text: "Track", url: "https://track.example/123" } } } });
  });

  it("checks Meta's rules before sending (400 naming the field)", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await thread();
    const rows = Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));
    const cases = [
      { interactive: { type: "button", body: "x" } },
      { interactive: { type: "button", body: "x", buttons: [1, 2, 3, 4].map((n) => ({ id: `b${n}`, title: `B${n}` })) } },
      { interactive: { type: "button", body: "x", buttons: [{ id: "b", title: "A title far too long for WhatsApp" }] } },
      { interactive: { type: "list", body: "x", sections: [{ rows }] } },
      { interactive: { type: "button", body: "x", buttons: [{ id: "same", title: "A" }, { id: "same", title: "B" }] } },
      { interactive: { type: "cta_url", body: "x", cta: { displayText: "Go", url: "javascript:alert(1)" } } },
      { location: { latitude: 91, longitude: 0 } },
    ];
    for (const body of cases) {
      const res = await send(owner, id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    }
    expect(graph.sends()).toHaveLength(0);
  });
});

describe("location", () => {
  it("sends a pin with its name and address", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await thread();
    const message = await sent(await send(owner, id, { location: { latitude: 35.6812, longitude: 139.7671, name: "Tokyo Station", address: "1 Chome Marunouchi, Chiyoda City" } }));
    expect(graph.sends()[0]!.body).toMatchObject({ type: "location", location: { latitude: 35.6812, longitude: 139.7671, name: "Tokyo Station" } });
    expect(message).toMatchObject({ type: "location", text: "Tokyo Station, 1 Chome Marunouchi, Chiyoda City", content: { kind: "location", latitude: 35.6812 } });
  });

  it("needs the 24-hour window, like every free-form kind", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id } = await thread({ at: Date.now() - 25 * 60 * 60 * 1000 });
    expect((await send(owner, id, { location: { latitude: 1, longitude: 2 } })).status).toBe(422);
    expect((await send(owner, id, { interactive: { type: "button", body: "x", buttons: [{ id: "a", title: "A" }] } })).status).toBe(422);
    expect(graph.sends()).toHaveLength(0);
  });
});

describe("reactions from the business", () => {
  it("show on the customer's message (not as a bubble), are sent to WhatsApp, and can be removed", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, customerWamid, customerMessage } = await thread();
    const res = await react(owner, id, customerMessage.id, "👍");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { message: Message }).message.reactions).toEqual([{ emoji: "👍", direction: "out", at: expect.any(Number) }]);
    expect(graph.sends()[0]!.body).toMatchObject({ type: "reaction", reaction: { message_id: customerWamid, emoji: "👍" } });
    const messages = (await env.CONVERSATION.getByName(id).listMessages({ cursor: null, limit: 10 }))!.messages;
    expect(messages).toHaveLength(1);

    const removed = await react(owner, id, customerMessage.id, "");
    expect(((await removed.json()) as { message: Message }).message.reactions).toBeUndefined();
    expect(graph.sends()[1]!.body).toMatchObject({ reaction: { message_id: customerWamid, emoji: "" } });
  });

  it("a refusal from WhatsApp takes the reaction back (502 with Meta's reason); unknown message 404", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, customerMessage } = await thread();
    graph.answerNext({ status: 400, code: 131009, title: "Parameter value is not valid" });
    const res = await react(owner, id, customerMessage.id, "🎉");
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "whatsapp_error",
      message: expect.stringMatching(/rejected a value/),
      // The web app words it in the agent's language by this reason.
      metaCode: 131009,
      reason: "invalid_request",
    });
    const after = (await env.CONVERSATION.getByName(id).listMessages({ cursor: null, limit: 10 }))!.messages[0]!;
    expect(after.reactions).toBeUndefined();
    const missing = await react(owner, id, "msg_nope", "👍");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("message_not_found");
  });
});

describe("a reaction is one emoji (Meta refuses anything else after the fact)", () => {
  it("accepts single emoji — skin tones, ZWJ families, flags, keycaps — and sends each to WhatsApp", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, customerWamid, customerMessage } = await thread();
    const accepted = ["👍", "❤️", "👍🏽", "👨‍👩‍👧", "🇯🇵", "1️⃣"];
    for (const emoji of accepted) {
      const res = await react(owner, id, customerMessage.id, emoji);
      expect(res.status, emoji).toBe(200);
      expect(((await res.json()) as { message: Message }).message.reactions).toEqual([{ emoji, direction: "out", at: expect.any(Number) }]);
    }
    expect(graph.sends().map((s) => (s.body as { reaction: { message_id: string; emoji: string } }).reaction)).toEqual(
      accepted.map((emoji) => ({ message_id: customerWamid, emoji })),
    );
  });

  it("refuses words, two emoji and plain letters with 400 invalid_request, and never calls Meta", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, customerMessage } = await thread();
    for (const emoji of ["hello", "👍👍", "a", "1", " 👍", "x".repeat(100)]) {
      const res = await react(owner, id, customerMessage.id, emoji);
      expect(res.status, emoji).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("invalid_request");
      expect(error.message, emoji).toMatch(/one emoji/);
    }
    expect(graph.calls).toHaveLength(0);
    const after = (await env.CONVERSATION.getByName(id).listMessages({ cursor: null, limit: 10 }))!.messages[0]!;
    expect(after.reactions).toBeUndefined();
  });
});

describe("mark as read on WhatsApp", () => {
  async function open(session: Session, id: string) {
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/read`, { method: "POST", headers: session.headers });
    if (res.status !== 200) throw new Error(`read answered ${res.status}`);
    // The Graph call runs after the answer (waitUntil).
    await new Promise((r) => setTimeout(r, 50));
  }

  it("only with the workspace setting on, for the newest customer message, once", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { id, customerWamid } = await thread();
    await open(owner, id);
    expect(graph.sends()).toHaveLength(0);

    const setting = await exports.default.fetch(`${TEST_ORIGIN}/api/settings`, { method: "PATCH", headers: owner.headers, body: JSON.stringify({ sendReadReceipts: true }) });
    expect(setting.status).toBe(200);
    expect(await setting.json()).toMatchObject({ settings: { sendReadReceipts: true } });
    await open(owner, id);
    expect(graph.sends().map((c) => c.body)).toEqual([{ messaging_product: "whatsapp", status: "read", message_id: customerWamid }]);
    await open(owner, id);
    expect(graph.sends()).toHaveLength(1);

    await exports.default.fetch(`${TEST_ORIGIN}/api/settings`, { method: "PATCH", headers: owner.headers, body: JSON.stringify({ sendReadReceipts: false }) });
  });
});

describe("the simulator shows every outbound kind", () => {
  it("accepts interactive, location and reaction payloads and records them in the customer's chat", async ({ expect }) => {
    const created = await exports.default.fetch(`${TEST_ORIGIN}/simulator/api/customers`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ phone: phone(), name: "Sim Kai" }),
    });
    const { customer } = (await created.json()) as { customer: { id: string; waId: string } };
    const graphSend = (payload: Record<string, unknown>) =>
      exports.default.fetch(`${TEST_ORIGIN}/simulator/graph/v24.0/100000000000001/messages`, {
        method: "POST",
        headers: { Authorization: "Bearer test-access-token", "Content-Type": "application/json" },
        body: JSON.stringify({ messaging_product: "whatsapp", to: customer.waId, ...payload }),
      });
    expect((await graphSend({ type: "interactive", interactive: { type: "button", body: { text: "Pick one" }, action: { buttons: [{ type: "reply", reply: { id: "a", title: "A" } }] } } })).status).toBe(200);
    expect((await graphSend({ type: "location", location: { latitude: 35.68, longitude: 139.76, name: "Tokyo Station" } })).status).toBe(200);
    expect((await graphSend({ type: "reaction", reaction: { message_id: "wamid.X", emoji: "👍" } })).status).toBe(200);
    expect((await graphSend({ type: "image", image: { id: "9999999999999999" } })).status).toBe(400);
    const chat = (await (await exports.default.fetch(`${TEST_ORIGIN}/simulator/api/customers/${customer.id}/messages`)).json()) as {
      messages: Array<{ kind: string; text: string; payload: string | null }>;
    };
    expect(chat.messages.map((m) => [m.kind, m.text])).toEqual([
      ["interactive", "Pick one"],
      ["location", "Tokyo Station"],
      ["reaction", "👍"],
    ]);
    expect(JSON.parse(chat.messages[0]!.payload!)).toMatchObject({ type: "button", action: { buttons: [{ reply: { id: "a" } }] } });
  });
});
