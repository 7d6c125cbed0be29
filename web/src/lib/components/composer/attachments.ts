/**
 * Which kind a picked, dropped or pasted file goes as, and whether WhatsApp takes it — with the
 * very numbers the server checks (worker/contracts/media-limits.ts), so an agent learns before
 * uploading anything that a 7 MB photo is too large. The server checks again (413/422).
 */
import { checkOutboundMedia, formatLimit, MEDIA_LIMITS, mediaKindForType, typeForFile } from "$contracts/media-limits";
import type { MediaKind } from "$contracts/whatsapp";

export type { MediaKind };

/** Enough of a File for the checks (tests pass plain objects). */
export interface FileLike {
  name: string;
  type: string;
  size: number;
}

/**
 * The kind a file goes as: its type's kind (JPEG/PNG image, MP4/3GPP video, AAC/AMR/MP3/M4A/Ogg
 * audio, WebP sticker), anything else as a document (which WhatsApp takes only in its document
 * types: checkAttachment says so). A WebP over the sticker limit goes as a document rather than
 * failing: WhatsApp has no WebP image kind. A static sticker's smaller limit (100 KB) needs the
 * file's bytes: the server checks it (413).
 */
export function kindForFile(file: FileLike): MediaKind {
  const kind = mediaKindForType(typeForFile(file.type, file.name));
  if (kind === "sticker" && file.size > MEDIA_LIMITS.sticker.maxBytes) return "document";
  return kind;
}

/** A reason the composer shows in the agent's language: an i18n key and its values. */
export interface Problem {
  key: string;
  values?: Record<string, string | number>;
}

export type AttachmentCheck = { ok: true; kind: MediaKind } | { ok: false; problem: Problem };

/** Meta's rules for this file as `kind` (default: kindForFile). */
export function checkAttachment(file: FileLike, kind: MediaKind = kindForFile(file)): AttachmentCheck {
  const check = checkOutboundMedia(typeForFile(file.type, file.name), file.size, kind);
  if (check.ok) return { ok: true, kind: check.kind };
  if (check.code === "media_empty") return { ok: false, problem: { key: "outbound.attach.empty" } };
  if (check.code === "media_too_large") {
    return { ok: false, problem: { key: `outbound.attach.tooLarge.${check.kind}`, values: { limit: formatLimit(check.maxBytes) } } };
  }
  return { ok: false, problem: { key: `outbound.attach.unsupported.${check.kind}`, values: { type: file.type || file.name } } };
}

/** Audio and stickers carry no caption on WhatsApp. */
export function takesCaption(kind: MediaKind): boolean {
  return kind !== "audio" && kind !== "sticker";
}

/** The first file of a drop or paste, if any. */
export function firstFile(list: FileList | null | undefined): File | null {
  return list && list.length > 0 ? list[0]! : null;
}

/** What the optimistic bubble says while a file is on its way, e.g. "📷 photo.jpg — Here it is". */
export function attachmentPreview(kind: MediaKind, name: string, caption: string, voice = false): string {
  const icon = voice ? "🎤" : { image: "📷", video: "🎬", audio: "🎵", document: "📄", sticker: "🏷️" }[kind];
  return `${icon} ${name}${caption ? ` — ${caption}` : ""}`;
}
