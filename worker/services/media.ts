/**
 * Media in R2 (env.MEDIA): Meta's media URLs expire within minutes, so every file is downloaded
 * once into Chorus's own bucket, keyed by thread and message, and served from there to signed-in
 * users who may see the thread (worker/routes/media.ts). The headers make a stored file harmless
 * to open: its own type (never sniffed), inline only for images, audio and video, a download with
 * a sanitised name for everything else, and a sandboxing CSP in case anything is HTML or SVG.
 */
import { downloadMedia, INBOUND_MEDIA_MAX_BYTES, lookupMedia } from "../whatsapp/graph-media";

/** The R2 key of a message's file. */
export function mediaKey(conversationId: string, messageId: string): string {
  return `media/${conversationId}/${messageId}`;
}

/** A MIME type we are willing to echo in Content-Type ("type/subtype", no parameters from outside). */
export function safeContentType(value: string | null | undefined): string {
  const base = (value ?? "").split(";")[0]!.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(base) ? base : "application/octet-stream";
}

/** Only these render in the browser; SVG (script-capable) is never inline. */
export function isInlineType(contentType: string): boolean {
  if (contentType === "image/svg+xml") return false;
  return /^(image|audio|video)\//.test(contentType);
}

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "audio/ogg": "ogg",
  "audio/mpeg": "mp3",
  "audio/mp4": "m4a",
  "audio/aac": "aac",
  "audio/amr": "amr",
  "video/mp4": "mp4",
  "video/3gpp": "3gp",
  "application/pdf": "pdf",
  "text/plain": "txt",
};

/**
 * A file name safe in a header and on any disk: no path, no control or quote characters, no
 * leading dots, at most 120 characters; a non-ASCII name keeps its characters through RFC 5987.
 */
export function sanitizeFilename(name: string | null | undefined, contentType: string, fallbackBase = "file"): string {
  let cleaned = (name ?? "")
    .normalize("NFC")
    .replace(/^.*[\\/]/, "")
    .replace(/[\u0000-\u001f\u007f"*:<>?|\\/]+/g, "_")
    .replace(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, "")
    .replace(/^[.\s]+/, "")
    .trim();
  if (cleaned.length > 120) {
    const dot = cleaned.lastIndexOf(".");
    const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : "";
    cleaned = cleaned.slice(0, 120 - ext.length) + ext;
  }
  if (!cleaned) cleaned = `${fallbackBase}.${EXTENSIONS[contentType] ?? "bin"}`;
  return cleaned;
}

/** `Content-Disposition` for a stored file. */
export function contentDisposition(contentType: string, filename: string | null): string {
  if (isInlineType(contentType)) return "inline";
  const name = sanitizeFilename(filename, contentType);
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/[%;]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** The answer headers of GET /api/media/... */
export function mediaHeaders(object: { httpMetadata?: { contentType?: string }; customMetadata?: Record<string, string>; size: number; httpEtag?: string }): Headers {
  const contentType = safeContentType(object.httpMetadata?.contentType);
  const headers = new Headers({
    "Content-Type": contentType,
    "Content-Length": String(object.size),
    "Content-Disposition": contentDisposition(contentType, object.customMetadata?.filename ?? null),
    "X-Content-Type-Options": "nosniff",
    // Even a file that is secretly HTML or SVG runs no script and loads nothing when opened directly.
    "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'",
    "Cache-Control": "private, max-age=3600",
    "Cross-Origin-Resource-Policy": "same-origin",
  });
  if (object.httpEtag) headers.set("ETag", object.httpEtag);
  return headers;
}

export type FetchMediaResult =
  | { ok: true; size: number; mimeType: string; sha256: string | null }
  | { ok: false; retryable: boolean; error: string };

/**
 * Meta media id → lookup → download with the token → R2 under `key`. Never throws: the DO keeps
 * the job and retries with backoff while the answer is retryable.
 */
export async function fetchMediaIntoR2(
  bucket: R2Bucket,
  options: { graphBase: string; token: string; mediaId: string; key: string; mimeType: string | null; filename: string | null; kind: string },
): Promise<FetchMediaResult> {
  if (!options.token) return { ok: false, retryable: false, error: "No WhatsApp access token is configured for this number." };
  const lookup = await lookupMedia(options.graphBase, options.token, options.mediaId);
  if (!lookup.ok) return { ok: false, retryable: lookup.retryable, error: `lookup: ${lookup.error}` };
  if (lookup.value.fileSize !== null && lookup.value.fileSize > INBOUND_MEDIA_MAX_BYTES) {
    return { ok: false, retryable: false, error: `The file is larger than ${INBOUND_MEDIA_MAX_BYTES / 1024 / 1024} MB.` };
  }
  const download = await downloadMedia(lookup.value.url, options.token);
  if (!download.ok) return { ok: false, retryable: download.retryable, error: download.error };
  const response = download.value;
  const mimeType = safeContentType(lookup.value.mimeType ?? options.mimeType ?? response.headers.get("Content-Type"));
  const length = Number(response.headers.get("Content-Length"));
  if (Number.isFinite(length) && length > INBOUND_MEDIA_MAX_BYTES) {
    await response.body?.cancel();
    return { ok: false, retryable: false, error: `The file is larger than ${INBOUND_MEDIA_MAX_BYTES / 1024 / 1024} MB.` };
  }
  try {
    const bytes = await response.arrayBuffer();
    if (bytes.byteLength > INBOUND_MEDIA_MAX_BYTES) return { ok: false, retryable: false, error: "The file is too large." };
    await bucket.put(options.key, bytes, {
      httpMetadata: { contentType: mimeType },
      customMetadata: { kind: options.kind, ...(options.filename ? { filename: options.filename } : {}), mediaId: options.mediaId },
    });
    return { ok: true, size: bytes.byteLength, mimeType, sha256: lookup.value.sha256 };
  } catch (err) {
    return { ok: false, retryable: true, error: `store: ${err instanceof Error ? err.message : String(err)}` };
  }
}
