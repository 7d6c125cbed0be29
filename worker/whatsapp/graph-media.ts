/**
 * Meta's media endpoints (Cloud API): look a media id up (GET /{media-id} → a short-lived URL),
 * download that URL with the same token, and upload a file for sending (POST /{phone-number-id}/media).
 * Outcomes are values; `retryable` says whether a later attempt may succeed without anyone changing
 * anything (Meta's lookups fail transiently — Chorus issue map: chatwoot#15754).
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media
 */

export interface MediaLookup {
  url: string;
  mimeType: string | null;
  sha256: string | null;
  fileSize: number | null;
}

export type MediaOutcome<T> = { ok: true; value: T } | { ok: false; retryable: boolean; status: number; error: string };

/** Meta's per-type limits for media a business sends: shared with the web composer. */
export { MEDIA_LIMITS } from "../contracts/media-limits";

/** Inbound media can be as large as a document (100 MB); Chorus stores up to that. */
export const INBOUND_MEDIA_MAX_BYTES = 100 * 1024 * 1024;

function trimBase(base: string): string {
  return base.replace(/\/+$/, "");
}

async function graphError(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string; code?: number } };
    if (body?.error?.message) return `${body.error.code ?? response.status} ${body.error.message}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return `HTTP ${response.status}`;
}

/** 429, 5xx and network errors are temporary; so is a lookup 4xx (Meta's lookups fail and recover). */
function retryableStatus(status: number, lookup: boolean): boolean {
  if (status === 401 || status === 403) return false;
  return lookup || status === 0 || status === 408 || status === 429 || status >= 500;
}

async function timedFetch(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  // A timer we clear ourselves: AbortSignal.timeout would keep a Durable Object busy after the answer.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("Graph API call timed out")), timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** GET {base}/{mediaId}: the download URL (valid about five minutes) and what Meta knows of the file. */
export async function lookupMedia(base: string, token: string, mediaId: string, timeoutMs = 15_000): Promise<MediaOutcome<MediaLookup>> {
  let response: Response;
  try {
    response = await timedFetch(`${trimBase(base)}/${encodeURIComponent(mediaId)}`, { headers: { Authorization: `Bearer ${token}` } }, timeoutMs);
  } catch (err) {
    return { ok: false, retryable: true, status: 0, error: err instanceof Error ? err.message : "Network error" };
  }
  if (!response.ok) return { ok: false, retryable: retryableStatus(response.status, true), status: response.status, error: await graphError(response) };
  const body = (await response.json().catch(() => null)) as { url?: unknown; mime_type?: unknown; sha256?: unknown; file_size?: unknown } | null;
  if (!body || typeof body.url !== "string" || !body.url) {
    return { ok: false, retryable: true, status: response.status, error: "Meta's media lookup had no url" };
  }
  return {
    ok: true,
    value: {
      url: body.url,
      mimeType: typeof body.mime_type === "string" ? body.mime_type : null,
      sha256: typeof body.sha256 === "string" ? body.sha256 : null,
      fileSize: typeof body.file_size === "number" ? body.file_size : typeof body.file_size === "string" ? Number(body.file_size) || null : null,
    },
  };
}

/** GET the lookup's URL with the token (Meta refuses it without). The body is left to the caller to stream. */
export async function downloadMedia(url: string, token: string, timeoutMs = 60_000): Promise<MediaOutcome<Response>> {
  let response: Response;
  try {
    response = await timedFetch(url, { headers: { Authorization: `Bearer ${token}` } }, timeoutMs);
  } catch (err) {
    return { ok: false, retryable: true, status: 0, error: err instanceof Error ? err.message : "Network error" };
  }
  if (!response.ok) {
    await response.body?.cancel();
    // The URL expired (it lives minutes): a new lookup gives a new one, so a 404 is worth retrying too.
    return { ok: false, retryable: response.status !== 401 && response.status !== 403, status: response.status, error: `download: HTTP ${response.status}` };
  }
  return { ok: true, value: response };
}

/** POST {base}/{phoneNumberId}/media (multipart): Meta's media id for sending. */
export async function uploadMedia(
  base: string,
  token: string,
  phoneNumberId: string,
  file: { bytes: ArrayBuffer; mimeType: string; filename: string },
  timeoutMs = 60_000,
): Promise<MediaOutcome<{ id: string }>> {
  const form = new FormData();
  form.append("messaging_product", "whatsapp");
  form.append("type", file.mimeType);
  form.append("file", new File([file.bytes], file.filename, { type: file.mimeType }));
  let response: Response;
  try {
    response = await timedFetch(
      `${trimBase(base)}/${encodeURIComponent(phoneNumberId)}/media`,
      { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: form },
      timeoutMs,
    );
  } catch (err) {
    return { ok: false, retryable: true, status: 0, error: err instanceof Error ? err.message : "Network error" };
  }
  if (!response.ok) return { ok: false, retryable: retryableStatus(response.status, false), status: response.status, error: await graphError(response) };
  const body = (await response.json().catch(() => null)) as { id?: unknown } | null;
  if (!body || typeof body.id !== "string") return { ok: false, retryable: true, status: response.status, error: "Meta's upload answer had no id" };
  return { ok: true, value: { id: body.id } };
}
