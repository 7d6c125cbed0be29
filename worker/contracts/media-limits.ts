/**
 * Meta's rules for files a business sends (Cloud API, "Supported media types"), shared by the
 * upload route (worker/routes/media.ts answers 413/422 with them) and the web composer (which
 * checks the same numbers before uploading anything). Pure: no imports beyond types.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media
 */
import type { MediaKind } from "./whatsapp";

/** Per kind: the largest file and the MIME types WhatsApp takes as that kind. */
export const MEDIA_LIMITS: Record<MediaKind, { maxBytes: number; types: readonly string[] }> = {
  image: { maxBytes: 5 * 1024 * 1024, types: ["image/jpeg", "image/png"] },
  video: { maxBytes: 16 * 1024 * 1024, types: ["video/mp4", "video/3gpp"] },
  audio: {
    maxBytes: 16 * 1024 * 1024,
    types: ["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"],
  },
  document: {
    maxBytes: 100 * 1024 * 1024,
    types: [
      "text/plain",
      "application/pdf",
      "application/vnd.ms-excel",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/msword",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.ms-powerpoint",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
  },
  sticker: { maxBytes: 500 * 1024, types: ["image/webp"] },
};

/** "audio/ogg; codecs=opus" → "audio/ogg". */
export function baseMimeType(mimeType: string): string {
  return mimeType.split(";")[0]!.trim().toLowerCase();
}

const KIND_BY_TYPE = new Map<string, MediaKind>();
for (const [kind, limits] of Object.entries(MEDIA_LIMITS) as Array<[MediaKind, (typeof MEDIA_LIMITS)[MediaKind]]>) {
  for (const type of limits.types) if (!KIND_BY_TYPE.has(type)) KIND_BY_TYPE.set(type, kind);
}

/** The kind a file goes as when nobody asks otherwise: its type's kind, else a document. */
export function mediaKindForType(mimeType: string): MediaKind {
  return KIND_BY_TYPE.get(baseMimeType(mimeType)) ?? "document";
}

export type MediaCheck =
  | { ok: true; kind: MediaKind }
  | { ok: false; status: 413 | 422; code: "media_type_unsupported" | "media_empty" | "media_too_large"; kind: MediaKind; maxBytes: number; message: string };

/** "5 MB", "500 KB". */
export function formatLimit(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MB` : `${bytes / 1024} KB`;
}

/**
 * Meta's rules for a file a business sends, checked before anything is uploaded: a type WhatsApp
 * accepts for that kind (the kind follows the type unless asked for, e.g. a PNG as a document), and
 * the kind's size limit (image 5 MB, video and audio 16 MB, document 100 MB, sticker 500 KB).
 */
export function checkOutboundMedia(mimeType: string, size: number, requested?: MediaKind): MediaCheck {
  const type = baseMimeType(mimeType);
  const kind = requested ?? mediaKindForType(type);
  const limits = MEDIA_LIMITS[kind];
  const fail = (status: 413 | 422, code: "media_type_unsupported" | "media_empty" | "media_too_large", message: string): MediaCheck => ({
    ok: false,
    status,
    code,
    kind,
    maxBytes: limits.maxBytes,
    message,
  });
  // Any file may go as a document; other kinds only in their own types.
  if (kind !== "document" && !limits.types.includes(type)) {
    return fail(
      422,
      "media_type_unsupported",
      `WhatsApp does not accept ${type || "this file type"} as ${kind === "audio" ? "audio" : `a${kind === "image" ? "n" : ""} ${kind}`}. Accepted: ${limits.types.join(", ")}.`,
    );
  }
  if (size === 0) return fail(422, "media_empty", "The file is empty.");
  if (size > limits.maxBytes) {
    return fail(413, "media_too_large", `WhatsApp accepts ${kind === "document" ? "documents" : `${kind}s`} up to ${formatLimit(limits.maxBytes)}; this file is larger.`);
  }
  return { ok: true, kind };
}
