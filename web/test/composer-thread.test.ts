/**
 * The thread store's side of the composer (issue 5): a file send is optimistic, reports its upload
 * progress, keeps one Idempotency-Key across retries (the server then uploads and sends it once),
 * says why the server refused it by code (413/422), and a reply to a message is sent once and
 * forgotten. XMLHttpRequest (the upload, for its progress events) is replaced by a scripted fake.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Message } from "$lib/api";
import { ThreadStore } from "$lib/thread.svelte";
import { sendFile, sendInteractive, sendLocation, sendText, sendVoice, type Sender } from "$lib/components/composer/send";

class FakeXhr {
  static sent: FakeXhr[] = [];
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: FormData | null = null;
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  withCredentials = false;
  status = 0;
  statusText = "";
  responseText = "";
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: FormData) {
    this.body = body;
    FakeXhr.sent.push(this);
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

const CONVERSATION = "cnv_test";

function message(patch: Partial<Message>): Message {
  return {
    id: "msg_1",
    conversationId: CONVERSATION,
    seq: 1,
    wamid: "wamid.1",
    direction: "out",
    type: "image",
    text: "Our shop",
    template: null,
    timestamp: Date.now(),
    status: "sent",
    error: null,
    author: { id: "u1", name: "Aiko" },
    ...patch,
  } as Message;
}

let store: ThreadStore;

beforeEach(() => {
  FakeXhr.sent = [];
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
  store = new ThreadStore(CONVERSATION, { onSummary: () => {}, onUnauthorized: () => {} });
});
afterEach(() => {
  store.dispose();
  vi.unstubAllGlobals();
});

describe("sending a file from the composer", () => {
  it("shows it at once with its progress, and replaces it by the server's message", async () => {
    const file = new Blob([new Uint8Array(10)], { type: "image/png" });
    const done = store.sendMedia({ file, filename: "shop.png", fields: { kind: "image", caption: "Our shop" } }, "📷 shop.png — Our shop");
    expect(store.pending).toHaveLength(1);
    expect(store.pending[0]!.state).toBe("sending");
    const xhr = FakeXhr.sent[0]!;
    expect([xhr.method, xhr.url]).toEqual(["POST", `/api/conversations/${CONVERSATION}/media`]);
    expect(xhr.body!.get("kind")).toBe("image");
    expect(xhr.body!.get("caption")).toBe("Our shop");
    expect((xhr.body!.get("file") as File).name).toBe("shop.png");
    xhr.progress(1, 4);
    expect(store.pending[0]!.progress).toBe(0.25);
    xhr.respond(201, { message: message({}) });
    await done;
    expect(store.pending).toHaveLength(0);
    expect(store.messages.map((m) => m.id)).toEqual(["msg_1"]);
  });

  it("retries with the same Idempotency-Key, so the file is uploaded and sent once", async () => {
    const file = new Blob([new Uint8Array(10)], { type: "audio/ogg" });
    const first = store.sendMedia({ file, filename: "voice.ogg", fields: { kind: "audio", voice: true } }, "🎤 Voice note");
    FakeXhr.sent[0]!.respond(503, { error: { code: "media_upload_failed", message: "WhatsApp did not accept the file (timeout). Try again in a moment.", retryAfter: 5 } });
    await first;
    const pending = store.pending[0]!;
    expect(pending.state).toBe("failed");
    expect(pending.error).toMatchObject({ status: 503, code: "media_upload_failed" });
    expect(FakeXhr.sent[0]!.body!.get("voice")).toBe("true");

    const again = store.retry(pending);
    expect(store.pending[0]!.state).toBe("sending");
    FakeXhr.sent[1]!.respond(201, { message: message({ id: "msg_2", type: "audio", text: "" }) });
    await again;
    expect(FakeXhr.sent[1]!.headers["Idempotency-Key"]).toBe(FakeXhr.sent[0]!.headers["Idempotency-Key"]);
    expect(FakeXhr.sent[0]!.headers["Idempotency-Key"]).toBeTruthy();
    expect(store.pending).toHaveLength(0);
  });

  it("keeps the server's 413 and 422 codes for the sentence, and a proxy's bare 413 too", async () => {
    const file = new Blob([new Uint8Array(10)], { type: "image/jpeg" });
    const a = store.sendMedia({ file, filename: "a.jpg", fields: {} }, "a");
    FakeXhr.sent[0]!.respond(422, { error: { code: "media_type_unsupported", message: "WhatsApp does not accept…" } });
    await a;
    expect(store.pending[0]!.error?.code).toBe("media_type_unsupported");
    const b = store.sendMedia({ file, filename: "b.jpg", fields: {} }, "b");
    const bare = FakeXhr.sent[1]!;
    bare.status = 413;
    bare.responseText = "<html>Request Entity Too Large</html>";
    bare.onload?.();
    await b;
    expect(store.pending[1]!.error).toMatchObject({ status: 413, code: "media_too_large" });
  });
});

describe("replying to a message", () => {
  it("hands the quoted message's wamid to the next send only", () => {
    store.replyTo = message({ id: "msg_in", direction: "in", wamid: "wamid.customer", text: "Do you have it?" });
    expect(store.takeReplyTo()).toBe("wamid.customer");
    expect(store.replyTo).toBeNull();
    expect(store.takeReplyTo()).toBeUndefined();
  });
});

describe("what each composer piece sends", () => {
  function recorder(replyTo?: string) {
    const calls: Array<{ body?: unknown; upload?: { filename: string; fields: unknown }; preview: string }> = [];
    let quoted = replyTo;
    const sender: Sender = {
      send: async (body, preview) => void calls.push({ body, preview }),
      sendMedia: async (upload, preview) => void calls.push({ upload: { filename: upload.filename, fields: upload.fields }, preview }),
      takeReplyTo: () => {
        const wamid = quoted;
        quoted = undefined;
        return wamid;
      },
    };
    return { sender, calls };
  }

  it("text asks for a link preview only when it holds a link and the agent left it on", async () => {
    const { sender, calls } = recorder();
    await sendText(sender, "See https://example.com/x", true);
    await sendText(sender, "See https://example.com/x", false);
    await sendText(sender, "No link", true);
    expect(calls.map((c) => c.body)).toEqual([{ text: "See https://example.com/x", previewUrl: true }, { text: "See https://example.com/x" }, { text: "No link" }]);
  });

  it("the quoted message goes with the next send of any kind, once", async () => {
    const { sender, calls } = recorder("wamid.customer");
    await sendLocation(sender, { latitude: 35.6812, longitude: 139.7671, name: "Tokyo Station" });
    await sendInteractive(sender, { type: "button", body: "Pick", buttons: [{ id: "btn_1", title: "Today" }] });
    expect(calls[0]).toEqual({ body: { location: { latitude: 35.6812, longitude: 139.7671, name: "Tokyo Station" }, replyTo: "wamid.customer" }, preview: "📍 Tokyo Station" });
    expect(calls[1]!.body).toEqual({ interactive: { type: "button", body: "Pick", buttons: [{ id: "btn_1", title: "Today" }] } });
  });

  it("a file goes with its kind and caption; a voice note as Ogg audio with voice", async () => {
    const { sender, calls } = recorder("wamid.q");
    await sendFile(sender, new File([new Uint8Array(3)], "mug.png", { type: "image/png" }), "image", "In stock");
    await sendVoice(sender, new Blob([new Uint8Array(3)], { type: "audio/ogg; codecs=opus" }), "Voice note", new Date("2026-11-25T10:00:00Z"));
    expect(calls[0]).toEqual({ upload: { filename: "mug.png", fields: { kind: "image", caption: "In stock", replyTo: "wamid.q" } }, preview: "📷 mug.png — In stock" });
    expect(calls[1]).toEqual({ upload: { filename: "voice-note-2026-11-25T10-00-00-000Z.ogg", fields: { kind: "audio", voice: true } }, preview: "🎤 Voice note" });
  });
});
