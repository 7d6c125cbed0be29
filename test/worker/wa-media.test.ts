/**
 * Issue 5, media never lost: inbound media is fetched (media id → URL → download with the token)
 * into R2 from the Conversation DO's alarm — not on the webhook's path — retried when Meta's lookup
 * fails, and served only to who may see the thread with safe headers. Outbound media is checked
 * against Meta's limits, stored, uploaded to Meta and sent by id. The simulator's Graph fake serves
 * and fails media the same way.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { MAX_MEDIA_ATTEMPTS } from "../../durable-objects/conversation";
import type { Message } from "../../worker/contracts/api";
import { mediaKey } from "../../worker/services/media";
import { samplePdf, samplePng, sampleOggOpus } from "../../worker/simulator/sample-media";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { useWaGraph } from "./helpers/wa-graph";
import { conversationOf, envelope, inbound, phone, postWebhook, seconds, wamid } from "./helpers/webhook";

const graph = useWaGraph();

type Session = Awaited<ReturnType<typeof signedIn>>;

async function messagesOf(id: string): Promise<Message[]> {
  return (await env.CONVERSATION.getByName(id).listMessages({ cursor: null, limit: 100 }))!.messages;
}

/** A customer sends a file of `type` whose bytes Meta holds under `mediaId`. */
async function inboundMedia(type: string, media: Record<string, unknown>, from = phone()) {
  const id = wamid();
  const res = await postWebhook(
    envelope({
      contacts: [{ profile: { name: "Mia" }, wa_id: from }],
      messages: [{ from, id, timestamp: seconds(Date.now()), type, [type]: media }],
    }),
  );
  if (res.status !== 200) throw new Error(`webhook ${res.status}`);
  const conversationId = (await conversationOf({ waId: from }))!;
  const message = (await messagesOf(conversationId)).find((m) => m.wamid === id)!;
  return { conversationId, message, from, stub: env.CONVERSATION.getByName(conversationId) };
}

/** Run the DO's alarm until the message's media leaves "pending" (or `runs` alarms ran). */
async function settle(conversationId: string, messageId: string, runs = 3): Promise<Message> {
  const stub = env.CONVERSATION.getByName(conversationId);
  for (let i = 0; i < runs; i++) {
    const message = (await messagesOf(conversationId)).find((m) => m.id === messageId)!;
    const state = (message.content as { media?: { state: string } }).media?.state;
    if (state !== "pending") return message;
    await runDurableObjectAlarm(stub);
  }
  return (await messagesOf(conversationId)).find((m) => m.id === messageId)!;
}

function media(message: Message) {
  return (message.content as { media: { state: string; size?: number | null; mimeType: string | null; error?: string | null } }).media;
}

async function getMedia(session: Session | null, conversationId: string, messageId: string) {
  return exports.default.fetch(`${TEST_ORIGIN}/api/media/${conversationId}/${messageId}`, { headers: session ? session.headers : {} });
}

describe("inbound media is fetched into R2, off the webhook's path", () => {
  it("stores the message as pending first, then fetches the file with the token and serves it inline", async ({ expect }) => {
    const png = samplePng(8);
    graph.media.set("5550001", { bytes: png, mimeType: "image/png" });
    const { conversationId, message } = await inboundMedia("image", { id: "5550001", mime_type: "image/png", sha256: "x", caption: "Receipt" });
    expect(media(message).state).toBe("pending");

    const ready = await settle(conversationId, message.id);
    expect(media(ready)).toMatchObject({ state: "ready", size: png.byteLength, mimeType: "image/png" });
    const lookup = graph.calls.find((c) => c.method === "GET" && c.path.endsWith("/5550001"))!;
    expect(lookup.authorization).toBe("Bearer test-access-token");
    const download = graph.calls.find((c) => c.path.startsWith("/whatsapp_business/attachments/"))!;
    expect(download.authorization).toBe("Bearer test-access-token");

    const owner = await signedIn("owner");
    const res = await getMedia(owner, conversationId, message.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/png");
    expect(res.headers.get("Content-Disposition")).toBe("inline");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("Content-Security-Policy")).toMatch(/^sandbox/);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(png);
  });

  it("retries after Meta's lookup fails, until the file lands (shown as pending meanwhile)", async ({ expect }) => {
    graph.media.set("5550002", { bytes: sampleOggOpus(1), mimeType: "audio/ogg" });
    graph.failLookups(2);
    const { conversationId, message, stub } = await inboundMedia("audio", { id: "5550002", mime_type: "audio/ogg; codecs=opus", voice: true });
    await runDurableObjectAlarm(stub);
    const after = await settle(conversationId, message.id, 5);
    expect(media(after)).toMatchObject({ state: "ready", mimeType: "audio/ogg" });
    const lookups = graph.calls.filter((c) => c.method === "GET" && c.path.endsWith("/5550002"));
    expect(lookups.length).toBeGreaterThanOrEqual(3);
    const owner = await signedIn("owner");
    const res = await getMedia(owner, conversationId, message.id);
    expect(res.headers.get("Content-Type")).toBe("audio/ogg");
    expect(res.headers.get("Content-Disposition")).toBe("inline");
  });

  it("gives up after the last attempt and says so (410 media_failed); 409 media_pending before", async ({ expect }) => {
    graph.failLookups(1_000);
    const { conversationId, message, stub } = await inboundMedia("image", { id: "5550003", mime_type: "image/jpeg" });
    const owner = await signedIn("owner");
    const pending = await getMedia(owner, conversationId, message.id);
    expect(pending.status).toBe(409);
    expect(((await pending.json()) as { error: { code: string } }).error.code).toBe("media_pending");
    for (let i = 0; i < MAX_MEDIA_ATTEMPTS + 1; i++) await runDurableObjectAlarm(stub);
    const failed = (await messagesOf(conversationId)).find((m) => m.id === message.id)!;
    expect(media(failed)).toMatchObject({ state: "failed", error: expect.stringMatching(/lookup/) });
    const gone = await getMedia(owner, conversationId, message.id);
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("media_failed");
  });

  it("serves documents as attachments with a sanitised name, and anything HTML-like sandboxed", async ({ expect }) => {
    graph.media.set("5550004", { bytes: samplePdf(), mimeType: "application/pdf" });
    const doc = await inboundMedia("document", { id: "5550004", mime_type: "application/pdf", filename: '../../etc/"evil"\r\nname.pdf' });
    await settle(doc.conversationId, doc.message.id);
    const owner = await signedIn("owner");
    const res = await getMedia(owner, doc.conversationId, doc.message.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/pdf");
    const disposition = res.headers.get("Content-Disposition")!;
    expect(disposition).toMatch(/^attachment; filename="_evil_name\.pdf"/);
    expect(disposition).not.toMatch(/[\r\n]|\.\.\//);

    graph.media.set("5550005", { bytes: new TextEncoder().encode("<svg onload=alert(1)></svg>"), mimeType: "image/svg+xml" });
    const svg = await inboundMedia("document", { id: "5550005", mime_type: "image/svg+xml", filename: "pic.svg" });
    await settle(svg.conversationId, svg.message.id);
    const svgRes = await getMedia(owner, svg.conversationId, svg.message.id);
    expect(svgRes.headers.get("Content-Disposition")).toMatch(/^attachment/);
    expect(svgRes.headers.get("Content-Security-Policy")).toMatch(/sandbox/);
    expect(svgRes.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("serves a file only to who may see the thread: 401 signed out, 404 for an agent outside it", async ({ expect }) => {
    graph.media.set("5550006", { bytes: samplePng(4), mimeType: "image/png" });
    const { conversationId, message } = await inboundMedia("image", { id: "5550006", mime_type: "image/png" });
    await settle(conversationId, message.id);
    const holder = await signedIn("agent");
    const other = await signedIn("agent");
    const owner = await signedIn("owner");
    const assign = await exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${conversationId}/assignment`, {
      method: "POST",
      headers: owner.headers,
      body: JSON.stringify({ userId: holder.user.id }),
    });
    expect(assign.status).toBe(200);
    expect((await getMedia(null, conversationId, message.id)).status).toBe(401);
    expect((await getMedia(other, conversationId, message.id)).status).toBe(404);
    expect((await getMedia(holder, conversationId, message.id)).status).toBe(200);
    expect((await getMedia(owner, "cnv_aaaaaaaaaaaaaaaaaaaa", message.id)).status).toBe(404);
  });
});

describe("outbound media", () => {
  async function thread() {
    const from = phone();
    await postWebhook(inbound({ from, text: "Can you send the invoice?" }));
    return (await conversationOf({ waId: from }))!;
  }

  function upload(session: Session, id: string, file: File, fields: Record<string, string> = {}, key?: string) {
    const form = new FormData();
    form.append("file", file);
    for (const [k, value] of Object.entries(fields)) form.append(k, value);
    const headers: Record<string, string> = { Cookie: session.headers.Cookie!, Origin: TEST_ORIGIN, ...(key ? { "Idempotency-Key": key } : {}) };
    return exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/media`, { method: "POST", headers, body: form });
  }

  it("stores the file, uploads it to Meta and sends it by id with its caption; the thread shows it", async ({ expect }) => {
    const owner = await signedIn("owner");
    const id = await thread();
    const png = samplePng(16);
    const res = await upload(owner, id, new File([png], "photo.png", { type: "image/png" }), { caption: "Here it is" });
    expect(res.status).toBe(201);
    const { message } = (await res.json()) as { message: Message };
    expect(message).toMatchObject({ direction: "out", type: "image", text: "Here it is", status: "sent", content: { kind: "image", media: { state: "ready", mimeType: "image/png", caption: "Here it is" } } });
    const uploadCall = graph.calls.find((c) => c.path.endsWith("/media") && c.method === "POST")!;
    expect(uploadCall.form).toMatchObject({ messaging_product: "whatsapp", type: "image/png", file: { type: "image/png", size: png.byteLength } });
    const mediaId = (message.content as { media: { id: string } }).media.id;
    const send = graph.sends()[0]!;
    expect(send.body).toMatchObject({ type: "image", image: { id: mediaId, caption: "Here it is" } });
    const stored = await env.MEDIA.get(mediaKey(id, message.id));
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(png);
    const served = await getMedia(owner, id, message.id);
    expect(served.status).toBe(200);
  });

  it("sends a voice note (OGG Opus, no caption) and a PDF document with its file name", async ({ expect }) => {
    const owner = await signedIn("owner");
    const id = await thread();
    const voice = await upload(owner, id, new File([sampleOggOpus(1)], "voice.ogg", { type: "audio/ogg" }), { caption: "ignored" });
    expect(voice.status).toBe(201);
    const pdf = await upload(owner, id, new File([samplePdf()], "Invoice 1001.pdf", { type: "application/pdf" }), { caption: "Invoice" });
    expect(pdf.status).toBe(201);
    const [audioSend, docSend] = graph.sends();
    expect(audioSend!.body!).toMatchObject({ type: "audio" });
    expect((audioSend!.body!.audio as Record<string, unknown>).caption).toBeUndefined();
    expect(docSend!.body!).toMatchObject({ type: "document", document: { caption: "Invoice", filename: "Invoice 1001.pdf" } });
  });

  it("checks Meta's limits before uploading: 413 too large, 422 wrong type, 400 without a file", async ({ expect }) => {
    const owner = await signedIn("owner");
    const id = await thread();
    const big = await upload(owner, id, new File([new Uint8Array(5 * 1024 * 1024 + 1)], "big.jpg", { type: "image/jpeg" }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("media_too_large");
    const html = await upload(owner, id, new File(["<h1>x</h1>"], "x.html", { type: "text/html" }), { kind: "image" });
    expect(html.status).toBe(422);
    expect(((await html.json()) as { error: { code: string } }).error.code).toBe("media_type_unsupported");
    const bigSticker = await upload(owner, id, new File([new Uint8Array(600 * 1024)], "s.webp", { type: "image/webp" }));
    expect(bigSticker.status).toBe(413);
    const none = await exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/media`, { method: "POST", headers: owner.headers, body: "{}" });
    expect(none.status).toBe(400);
    expect(graph.calls.filter((c) => c.path.endsWith("/media"))).toHaveLength(0);
  });

  it("documents only in the types WhatsApp takes: a ZIP is refused (422 naming what is accepted); Office and text files go", async ({ expect }) => {
    const owner = await signedIn("owner");
    const id = await thread();
    for (const [name, type] of [
      ["backup.zip", "application/zip"],
      ["page.html", "text/html"],
      ["data.bin", "application/octet-stream"],
    ] as const) {
      const res = await upload(owner, id, new File(["PK\x03\x04"], name, { type }), { kind: "document" });
      expect(res.status, name).toBe(422);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("media_type_unsupported");
      expect(error.message).toMatch(/as a document\. Accepted: PDF, plain text, Word, Excel and PowerPoint/);
    }
    // Nothing reached Meta for the refused files.
    expect(graph.calls.filter((c) => c.path.endsWith("/media"))).toHaveLength(0);

    const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    const accepted = [
      new File(["hello"], "notes.txt", { type: "text/plain" }),
      new File(["PK\x03\x04"], "prices.xlsx", { type: xlsx }),
      // A browser that did not know .docx's type: its extension names it.
      new File(["PK\x03\x04"], "letter.docx", { type: "" }),
      // A picture sent as a file keeps its quality: any type WhatsApp uploads may go as a document.
      new File([samplePng(4)], "scan.png", { type: "image/png" }),
    ];
    for (const file of accepted) {
      const res = await upload(owner, id, file, { kind: "document" });
      expect(res.status, file.name).toBe(201);
    }
    const uploads = graph.calls.filter((c) => c.path.endsWith("/media") && c.method === "POST");
    expect(uploads.map((c) => (c.form as { type: string }).type)).toEqual([
      "text/plain",
      xlsx,
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "image/png",
    ]);
    expect(graph.sends().map((s) => (s.body as { type: string; document: { filename: string } }).document.filename)).toEqual([
      "notes.txt",
      "prices.xlsx",
      "letter.docx",
      "scan.png",
    ]);
  });

  it("stickers: a static WebP up to 100 KB, an animated one (VP8X animation flag or ANIM chunk) up to 500 KB", async ({ expect }) => {
    const owner = await signedIn("owner");
    const id = await thread();
    const sticker = (bytes: Uint8Array<ArrayBuffer>, name: string) => upload(owner, id, new File([bytes], name, { type: "image/webp" }));

    const bigStatic = await sticker(webp({ size: 150 * 1024 }), "static.webp");
    expect(bigStatic.status).toBe(413);
    const { error } = (await bigStatic.json()) as { error: { code: string; message: string } };
    expect(error).toEqual({ code: "media_too_large", message: "WhatsApp accepts static stickers up to 100 KB; this file is larger." });
    // An extended (VP8X) WebP without the animation flag — e.g. with alpha — is static too.
    expect((await sticker(webp({ size: 150 * 1024, extended: true }), "alpha.webp")).status).toBe(413);
    expect(graph.calls).toHaveLength(0);

    expect((await sticker(webp({ size: 90 * 1024 }), "small.webp")).status).toBe(201);
    expect((await sticker(webp({ size: 300 * 1024, animated: "flag" }), "dance.webp")).status).toBe(201);
    expect((await sticker(webp({ size: 300 * 1024, animated: "anim-chunk" }), "wave.webp")).status).toBe(201);
    const tooBigAnimated = await sticker(webp({ size: 520 * 1024, animated: "flag" }), "long.webp");
    expect(tooBigAnimated.status).toBe(413);
    expect(((await tooBigAnimated.json()) as { error: { message: string } }).error.message).toBe("WhatsApp accepts animated stickers up to 500 KB; this file is larger.");
    expect(graph.sends().map((s) => (s.body as { type: string }).type)).toEqual(["sticker", "sticker", "sticker"]);
  });

  it("refuses outside the 24-hour window without uploading anything (422 window_closed)", async ({ expect }) => {
    const owner = await signedIn("owner");
    const from = phone();
    await postWebhook(inbound({ from, at: Date.now() - 25 * 60 * 60 * 1000 }));
    const id = (await conversationOf({ waId: from }))!;
    const res = await upload(owner, id, new File([samplePng(4)], "a.png", { type: "image/png" }));
    expect(res.status).toBe(422);
    expect(graph.calls).toHaveLength(0);
  });

  it("a retried upload with the same Idempotency-Key uploads and sends once", async ({ expect }) => {
    const owner = await signedIn("owner");
    const id = await thread();
    const file = () => new File([samplePng(4)], "a.png", { type: "image/png" });
    const first = await upload(owner, id, file(), {}, "upload-1");
    const second = await upload(owner, id, file(), {}, "upload-1");
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(((await first.json()) as { message: Message }).message.id).toBe(((await second.json()) as { message: Message }).message.id);
    expect(graph.calls.filter((c) => c.path.endsWith("/media"))).toHaveLength(1);
    expect(graph.sends()).toHaveLength(1);
  });
});

describe("the simulator's Graph fake serves media like Meta", () => {
  const SIM = `${TEST_ORIGIN}/simulator/graph/v24.0`;
  const auth = { Authorization: "Bearer test-access-token" };

  it("uploads, looks up (URL, type, size) and downloads with the token; fails lookups on demand", async ({ expect }) => {
    const form = new FormData();
    form.append("messaging_product", "whatsapp");
    form.append("type", "application/pdf");
    form.append("file", new File([samplePdf("hello")], "hello.pdf", { type: "application/pdf" }));
    const uploaded = await exports.default.fetch(`${SIM}/100000000000001/media`, { method: "POST", headers: auth, body: form });
    expect(uploaded.status).toBe(200);
    const { id } = (await uploaded.json()) as { id: string };
    expect(id).toMatch(/^\d{16}$/);

    const lookup = await exports.default.fetch(`${SIM}/${id}`, { headers: auth });
    expect(lookup.status).toBe(200);
    const info = (await lookup.json()) as { url: string; mime_type: string; file_size: number };
    expect(info).toMatchObject({ mime_type: "application/pdf", file_size: samplePdf("hello").byteLength });
    expect((await exports.default.fetch(info.url)).status).toBe(401);
    const file = await exports.default.fetch(info.url, { headers: auth });
    expect(new TextDecoder().decode(await file.arrayBuffer())).toMatch(/^%PDF-1\.4/);

    const fail = await exports.default.fetch(`${TEST_ORIGIN}/simulator/api/graph/fail-media-lookups`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ count: 1 }),
    });
    expect(fail.status).toBe(204);
    expect((await exports.default.fetch(`${SIM}/${id}`, { headers: auth })).status).toBe(500);
    expect((await exports.default.fetch(`${SIM}/${id}`, { headers: auth })).status).toBe(200);
    expect((await exports.default.fetch(`${SIM}/123456789`, { headers: auth })).status).toBe(400);
  });

  it("bundles valid sample files (PNG signature and CRCs, Ogg pages, a PDF with its xref)", async ({ expect }) => {
    const png = samplePng(8);
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const ogg = sampleOggOpus(1);
    expect(new TextDecoder().decode(ogg.slice(0, 4))).toBe("OggS");
    expect(new TextDecoder().decode(ogg.slice(28, 36))).toBe("OpusHead");
    const pdf = new TextDecoder().decode(samplePdf());
    const xref = Number(/startxref\n(\d+)/.exec(pdf)![1]);
    expect(pdf.slice(xref, xref + 4)).toBe("xref");
  });
});

/**
 * A WebP of `size` bytes: simple (a VP8L chunk), extended (a VP8X chunk, animation flag off), or
 * animated — by the VP8X animation flag (with ANIM/ANMF chunks, as encoders write it) or by an ANIM
 * chunk alone. The pixels are filler: only the container matters to Meta's size rule.
 */
function webp({ size, extended = false, animated }: { size: number; extended?: boolean; animated?: "flag" | "anim-chunk" }): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) => [...text].forEach((ch, i) => (bytes[at + i] = ch.charCodeAt(0)));
  const chunk = (at: number, fourcc: string, length: number) => {
    ascii(at, fourcc);
    view.setUint32(at + 4, length, true);
    return at + 8 + length;
  };
  ascii(0, "RIFF");
  view.setUint32(4, size - 8, true);
  ascii(8, "WEBP");
  let at = 12;
  if (extended || animated === "flag") {
    bytes[20] = animated === "flag" ? 0x02 | 0x10 : 0x10;
    at = chunk(at, "VP8X", 10);
  }
  if (animated) at = chunk(at, "ANIM", 6);
  chunk(at, animated ? "ANMF" : "VP8L", size - at - 8);
  return bytes;
}
