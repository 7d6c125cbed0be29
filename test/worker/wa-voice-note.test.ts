/**
 * Issue 5: a voice note recorded in the composer goes out as WhatsApp's voice message — Ogg Opus
 * audio with Meta's `audio.voice: true` — and only Ogg Opus may claim to be one. Meta's limits are
 * one module shared with the web composer (worker/contracts/media-limits.ts).
 */
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { Message } from "../../worker/contracts/api";
import { checkOutboundMedia, MEDIA_LIMITS, mediaKindForType } from "../../worker/contracts/media-limits";
import { sampleOggOpus } from "../../worker/simulator/sample-media";
import { MEDIA_LIMITS as GRAPH_MEDIA_LIMITS } from "../../worker/whatsapp/graph-media";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { useWaGraph } from "./helpers/wa-graph";
import { conversationOf, inbound, phone, postWebhook } from "./helpers/webhook";

const graph = useWaGraph();

type Session = Awaited<ReturnType<typeof signedIn>>;

async function thread(): Promise<string> {
  const from = phone();
  await postWebhook(inbound({ from, text: "Can you call me back?" }));
  return (await conversationOf({ waId: from }))!;
}

function upload(session: Session, id: string, file: File, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.append("file", file);
  for (const [k, value] of Object.entries(fields)) form.append(k, value);
  return exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/media`, {
    method: "POST",
    headers: { Cookie: session.headers.Cookie!, Origin: TEST_ORIGIN },
    body: form,
  });
}

describe("voice notes", () => {
  it("sends Ogg Opus with voice=true as a voice message (audio.voice) and shows it as one", async ({ expect }) => {
    const owner = await signedIn("owner");
    const id = await thread();
    const res = await upload(owner, id, new File([sampleOggOpus(1)], "voice-note.ogg", { type: "audio/ogg; codecs=opus" }), { voice: "true" });
    expect(res.status).toBe(201);
    const { message } = (await res.json()) as { message: Message };
    expect(message.content).toMatchObject({ kind: "audio", media: { mimeType: "audio/ogg", voice: true, state: "ready" } });
    const send = graph.sends()[0]!;
    expect(send.body).toMatchObject({ type: "audio", audio: { voice: true } });
    const stored = await env.MEDIA.get(`media/${id}/${message.id}`);
    expect(new TextDecoder().decode(new Uint8Array(await stored!.arrayBuffer()).slice(0, 4))).toBe("OggS");
  });

  it("an uploaded audio file without voice goes as plain audio (no voice flag)", async ({ expect }) => {
    const owner = await signedIn("owner");
    const id = await thread();
    const res = await upload(owner, id, new File([sampleOggOpus(1)], "song.ogg", { type: "audio/ogg" }));
    expect(res.status).toBe(201);
    const { message } = (await res.json()) as { message: Message };
    expect(message.content).toMatchObject({ kind: "audio", media: { voice: false } });
    expect((graph.sends()[0]!.body!.audio as Record<string, unknown>).voice).toBeUndefined();
  });

  it("refuses voice=true for anything but Ogg audio (422), and a bad voice value (400), before uploading", async ({ expect }) => {
    const owner = await signedIn("owner");
    const id = await thread();
    const mp3 = await upload(owner, id, new File([new Uint8Array(64).fill(1)], "a.mp3", { type: "audio/mpeg" }), { voice: "true" });
    expect(mp3.status).toBe(422);
    expect(((await mp3.json()) as { error: { code: string } }).error.code).toBe("media_type_unsupported");
    const bad = await upload(owner, id, new File([sampleOggOpus(1)], "a.ogg", { type: "audio/ogg" }), { voice: "yes" });
    expect(bad.status).toBe(400);
    expect(graph.calls.filter((c) => c.path.endsWith("/media"))).toHaveLength(0);
  });

  it("the limits the web composer imports are the ones the Graph client and the route use", ({ expect }) => {
    expect(GRAPH_MEDIA_LIMITS).toBe(MEDIA_LIMITS);
    expect(mediaKindForType("image/jpeg")).toBe("image");
    expect(mediaKindForType("audio/ogg; codecs=opus")).toBe("audio");
    expect(mediaKindForType("application/zip")).toBe("document");
    expect(checkOutboundMedia("image/png", 5 * 1024 * 1024 + 1)).toMatchObject({ ok: false, status: 413, code: "media_too_large", kind: "image", maxBytes: 5 * 1024 * 1024 });
    expect(checkOutboundMedia("text/html", 10, "video")).toMatchObject({ ok: false, status: 422, code: "media_type_unsupported" });
  });
});
