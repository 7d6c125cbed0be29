/**
 * Media (issue 5):
 * - GET /api/media/:conversationId/:messageId — a message's file from R2, to a signed-in user who
 *   may see the thread (the conversation routes' visibility rule; 404 otherwise), with its stored
 *   type, a safe Content-Disposition, nosniff and a sandboxing CSP (worker/services/media.ts).
 * - POST /api/conversations/:id/media — multipart `file` (+ `caption`, `kind`, `replyTo`, `voice`):
 *   Meta's type and size rules are checked first (413/422), the file goes to R2, is uploaded to Meta
 *   (POST /{phone-number-id}/media) and sent by its id through the thread's outbox. `voice=true`
 *   sends Ogg Opus audio as a voice note (Meta's `audio.voice`: the customer sees a voice message).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { requireUser } from "../auth/middleware";
import type { MediaKind, MessageContent } from "../contracts/whatsapp";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { accessTokenFor } from "../services/channel-tokens";
import { isConversationId } from "../services/conversation-id";
import { conversationAccess } from "../services/conversation-queries";
import { mediaHeaders, mediaKey, safeContentType, sanitizeFilename } from "../services/media";
import { readFileUpload } from "../uploads";
import { validate } from "../validation";
import { DEFAULT_GRAPH_API_URL } from "../whatsapp/graph-client";
import { uploadMedia } from "../whatsapp/graph-media";
import { isAnimatedWebp, mediaKindForType, typeForFile } from "../contracts/media-limits";
import { checkOutboundMedia } from "../whatsapp/outbound";

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
/** Ids are newId() tokens: letters, digits, "_" and "-" — nothing that could change the R2 key's meaning. */
const TokenId = v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.regex(/^[A-Za-z0-9_-]+$/, "not an id"));
export const MediaParams = v.object({ conversationId: TokenId, messageId: TokenId });
const IdParam = v.object({ id: Id });

/** The text fields of the multipart upload (the `file` part is checked on its own). */
export const MediaUploadFields = v.object({
  caption: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(1024, "A caption has at most 1024 characters."))),
  kind: v.optional(v.picklist(["image", "video", "audio", "document", "sticker"])),
  replyTo: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
  /** "true": a voice note recorded by the agent (Ogg Opus audio only). */
  voice: v.optional(v.picklist(["true", "false"], "voice: use true or false.")),
});

/** Largest upload accepted at all (Meta's document limit); each kind's own limit is checked after. */
export const MEDIA_UPLOAD_MAX_BYTES = 100 * 1024 * 1024;

function notFound(): ApiError {
  return new ApiError(404, "not_found", "There is no such conversation.");
}

export const mediaRoutes = new Hono<AppEnv>();
mediaRoutes.use("*", requireUser);

mediaRoutes.get("/:conversationId/:messageId", validate("param", MediaParams), async (c) => {
  const { conversationId, messageId } = c.req.valid("param");
  const found = isConversationId(conversationId) ? (await conversationAccess(c.env.DB, c.var.user, [conversationId])).get(conversationId) : undefined;
  if (!found?.visible) throw notFound();
  const object = await c.env.MEDIA.get(mediaKey(conversationId, messageId));
  if (!object) {
    const status = await c.env.CONVERSATION.getByName(conversationId).mediaStatus(messageId);
    if (!status) throw new ApiError(404, "not_found", "This message has no media.");
    if (status.state === "failed") {
      throw new ApiError(410, "media_failed", `This file could not be fetched from WhatsApp${status.error ? `: ${status.error}` : "."}`);
    }
    throw new ApiError(409, "media_pending", "This file is still being fetched from WhatsApp. Try again in a moment.", { retryAfter: 2 });
  }
  return new Response(object.body, { status: 200, headers: mediaHeaders(object) });
});

export const conversationMediaRoutes = new Hono<AppEnv>();
conversationMediaRoutes.use("*", requireUser);

conversationMediaRoutes.post("/:id/media", validate("param", IdParam), async (c) => {
  const { id } = c.req.valid("param");
  const found = isConversationId(id) ? (await conversationAccess(c.env.DB, c.var.user, [id])).get(id) : undefined;
  // Sending contends for the reply lock: a thread in the user's queue answers 409 locked from the DO.
  if (!found || !(found.visible || found.inQueue)) throw notFound();

  const { form, file } = await readFileUpload(c, {
    maxFileBytes: MEDIA_UPLOAD_MAX_BYTES,
    tooLarge: "WhatsApp accepts files up to 100 MB (documents); this upload is larger.",
  });
  const fields = v.safeParse(MediaUploadFields, {
    ...(form.get("caption") !== null ? { caption: form.get("caption") } : {}),
    ...(form.get("kind") !== null ? { kind: form.get("kind") } : {}),
    ...(form.get("replyTo") !== null ? { replyTo: form.get("replyTo") } : {}),
    ...(form.get("voice") !== null ? { voice: form.get("voice") } : {}),
  });
  if (!fields.success) {
    const issue = fields.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".");
    throw new ApiError(400, "invalid_request", `${path ? `${path}: ` : ""}${issue.message}`);
  }
  const mimeType = typeForFile(safeContentType(file.type), file.name);
  const requested = fields.output.kind as MediaKind | undefined;
  // Meta allows a static sticker 100 KB and an animated one 500 KB: the WebP's header tells which.
  const animated = (requested ?? mediaKindForType(mimeType)) === "sticker" ? isAnimatedWebp(new Uint8Array(await file.slice(0, 4096).arrayBuffer())) : undefined;
  const check = checkOutboundMedia(mimeType, file.size, requested, animated);
  if (!check.ok) throw new ApiError(check.status, check.code, check.message);
  const kind = check.kind;
  const voice = fields.output.voice === "true";
  // Meta plays a voice note only from Ogg Opus; anything else would arrive as a broken voice message.
  if (voice && (kind !== "audio" || mimeType !== "audio/ogg")) {
    throw new ApiError(422, "media_type_unsupported", "A voice note must be Ogg Opus audio (audio/ogg).");
  }
  const caption = kind === "audio" || kind === "sticker" ? null : fields.output.caption || null;
  const filename = sanitizeFilename(file.name, mimeType, kind);

  const stub = c.env.CONVERSATION.getByName(id);
  const keyHeader = c.req.header("Idempotency-Key");
  if (keyHeader !== undefined && (keyHeader.length < 1 || keyHeader.length > 255)) {
    throw new ApiError(400, "invalid_request", "Idempotency-Key: use 1 to 255 characters.");
  }
  // A retried upload with the same key answers the first message without uploading again.
  if (keyHeader) {
    const replay = await stub.idempotentMessage(keyHeader, c.var.user.id);
    if (replay) {
      c.header("Idempotent-Replayed", "true");
      return c.json({ message: replay }, 201);
    }
  }

  const summary = await stub.summary();
  if (!summary) throw notFound();
  // Refuse what the thread would refuse before uploading anything to Meta (the DO decides again).
  if (summary.windowEndsAt === null || summary.windowEndsAt <= Date.now()) {
    throw new ApiError(422, "window_closed", "The 24-hour window is closed: the customer has not written in the last 24 hours. Send an approved template instead.", {
      windowEndsAt: summary.windowEndsAt,
    });
  }
  if (c.var.user.role === "agent" && summary.assigneeId && summary.assigneeId !== c.var.user.id) {
    const holder = { id: summary.assigneeId, name: summary.assigneeName ?? "" };
    throw new ApiError(409, "locked", `${holder.name || "Another agent"} is replying to this conversation.`, { holder });
  }
  const channel = await c.env.DB.prepare("SELECT id, phone_number_id FROM channels WHERE id = ?").bind(summary.channelId).first<{ id: string; phone_number_id: string }>();
  if (!channel) throw notFound();

  const messageId = newId("msg");
  const bytes = await file.arrayBuffer();
  await c.env.MEDIA.put(mediaKey(id, messageId), bytes, {
    httpMetadata: { contentType: mimeType },
    customMetadata: { kind, filename, uploadedBy: c.var.user.id },
  });
  const token = await accessTokenFor(c.env, channel.id);
  const upload = token
    ? await uploadMedia(c.env.GRAPH_API_URL || DEFAULT_GRAPH_API_URL, token, channel.phone_number_id, { bytes, mimeType, filename })
    : { ok: false as const, retryable: false, status: 0, error: "No WhatsApp access token is configured for this number." };
  if (!upload.ok) {
    await c.env.MEDIA.delete(mediaKey(id, messageId));
    throw new ApiError(
      upload.retryable ? 503 : 502,
      "media_upload_failed",
      `WhatsApp did not accept the file (${upload.error}).${upload.retryable ? " Try again in a moment." : ""}`,
      upload.retryable ? { retryAfter: 5 } : undefined,
    );
  }

  const display: MessageContent = {
    kind,
    media: { id: upload.value.id, mimeType, size: bytes.byteLength, filename, caption, state: "ready", ...(kind === "audio" ? { voice } : {}) },
  };
  const user = c.var.user;
  const result = await stub.send({
    author: { id: user.id, name: user.name, role: user.role },
    content: {
      kind,
      mediaId: upload.value.id,
      caption,
      filename: kind === "document" ? filename : null,
      replyTo: fields.output.replyTo ?? null,
      ...(voice ? { voice: true } : {}),
    },
    text: caption ?? "",
    idempotencyKey: keyHeader ?? null,
    messageId,
    display,
  });
  if (result.ok) {
    if (result.replayed) {
      // Another request with this key won the race: keep only its file.
      await c.env.MEDIA.delete(mediaKey(id, messageId));
      c.header("Idempotent-Replayed", "true");
    }
    return c.json({ message: result.message }, 201);
  }
  await c.env.MEDIA.delete(mediaKey(id, messageId));
  switch (result.reason) {
    case "not_found":
      throw notFound();
    case "locked":
      throw new ApiError(409, "locked", `${result.holder.name || "Another agent"} is replying to this conversation.`, { holder: result.holder });
    case "window_closed":
      throw new ApiError(422, "window_closed", "The 24-hour window is closed: the customer has not written in the last 24 hours. Send an approved template instead.", {
        windowEndsAt: result.windowEndsAt,
      });
    case "idempotency_conflict":
      throw new ApiError(409, "idempotency_conflict", "This Idempotency-Key was already used for a different message.");
  }
});
