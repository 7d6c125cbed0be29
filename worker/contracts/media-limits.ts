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
  // 500 KB is the animated sticker's limit; a static one may be 100 KB (STATIC_STICKER_MAX_BYTES).
  sticker: { maxBytes: 500 * 1024, types: ["image/webp"] },
};

/** Meta's limit for a static (not animated) WebP sticker. */
export const STATIC_STICKER_MAX_BYTES = 100 * 1024;

/**
 * Every type WhatsApp's media upload takes (Meta answers "(#100) Param file must be a file with one
 * of the following types" for the rest). A document may be any of them — a PNG sent as a file keeps
 * its full quality — but nothing else: a ZIP or an HTML page never reaches the customer.
 */
export const UPLOADABLE_TYPES: readonly string[] = [...new Set(Object.values(MEDIA_LIMITS).flatMap((l) => l.types))];

/** The document types named for people: what WhatsApp accepts as a file. */
const DOCUMENT_TYPES_SENTENCE = "PDF, plain text, Word, Excel and PowerPoint files (or a JPEG, PNG, WebP, MP4, 3GPP or audio file sent as a document)";

/**
 * Whether a WebP is animated, from its first bytes (RIFF container: "RIFF" size "WEBP", then
 * chunks). An animated WebP is an extended one: a VP8X chunk whose flags byte has the animation bit
 * (0x02) set, followed by an ANIM chunk. Either mark counts; a simple (VP8/VP8L) WebP is static.
 */
export function isAnimatedWebp(bytes: Uint8Array): boolean {
  const ascii = (at: number) => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  if (bytes.length < 16 || ascii(0) !== "RIFF" || ascii(8) !== "WEBP") return false;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const fourcc = ascii(at);
    const size = (bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24)) >>> 0;
    if (fourcc === "VP8X" && at + 8 < bytes.length && (bytes[at + 8]! & 0x02) !== 0) return true;
    if (fourcc === "ANIM" || fourcc === "ANMF") return true;
    // Chunks are padded to an even size.
    at += 8 + size + (size & 1);
  }
  return false;
}

/** "audio/ogg; codecs=opus" → "audio/ogg". */
export function baseMimeType(mimeType: string): string {
  return mimeType.split(";")[0]!.trim().toLowerCase();
}

/** Types by file extension, for the files a browser sends without one (type "" or octet-stream). */
const TYPE_BY_EXTENSION: Record<string, string> = {
  pdf: "application/pdf",
  txt: "text/plain",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ppt: "application/vnd.ms-powerpoint",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
};

/**
 * A file's type: the one it came with, else (none, or application/octet-stream — what browsers
 * send for an .xlsx on some systems) the one its document extension names, so an Office file
 * whose type the browser did not know still goes as that document.
 */
export function typeForFile(mimeType: string, name: string): string {
  const type = baseMimeType(mimeType);
  if (type && type !== "application/octet-stream") return type;
  const extension = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return (extension && TYPE_BY_EXTENSION[extension]) || type || "application/octet-stream";
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
 * accepts for that kind (the kind follows the type unless asked for, e.g. a PNG as a document; a
 * document is one of Meta's document types or another type WhatsApp uploads), and the kind's size
 * limit (image 5 MB, video and audio 16 MB, document 100 MB, sticker 100 KB static / 500 KB
 * animated). `animated` is what the sticker's bytes say (isAnimatedWebp); unknown (the composer,
 * before reading the file) checks the larger limit and leaves the smaller one to the server.
 */
export function checkOutboundMedia(mimeType: string, size: number, requested?: MediaKind, animated?: boolean): MediaCheck {
  const type = baseMimeType(mimeType);
  const kind = requested ?? mediaKindForType(type);
  const limits = kind === "sticker" && animated === false ? { ...MEDIA_LIMITS.sticker, maxBytes: STATIC_STICKER_MAX_BYTES } : MEDIA_LIMITS[kind];
  const fail = (status: 413 | 422, code: "media_type_unsupported" | "media_empty" | "media_too_large", message: string): MediaCheck => ({
    ok: false,
    status,
    code,
    kind,
    maxBytes: limits.maxBytes,
    message,
  });
  if (kind === "document" && !UPLOADABLE_TYPES.includes(type)) {
    return fail(422, "media_type_unsupported", `WhatsApp does not accept ${type || "this file type"} as a document. Accepted: ${DOCUMENT_TYPES_SENTENCE}.`);
  }
  if (kind !== "document" && !limits.types.includes(type)) {
    return fail(
      422,
      "media_type_unsupported",
      `WhatsApp does not accept ${type || "this file type"} as ${kind === "audio" ? "audio" : `a${kind === "image" ? "n" : ""} ${kind}`}. Accepted: ${limits.types.join(", ")}.`,
    );
  }
  if (size === 0) return fail(422, "media_empty", "The file is empty.");
  if (size > limits.maxBytes) {
    const what = kind === "sticker" ? (animated === undefined ? "stickers" : animated ? "animated stickers" : "static stickers") : kind === "document" ? "documents" : kind === "audio" ? "audio" : `${kind}s`;
    return fail(413, "media_too_large", `WhatsApp accepts ${what} up to ${formatLimit(limits.maxBytes)}; this file is larger.`);
  }
  return { ok: true, kind };
}
