/**
 * The one call Chorus makes to Meta's Graph API so far: POST {GRAPH_API_URL}/{phoneNumberId}/messages.
 * Outcomes are values, not exceptions, so the outbox can decide: ok (Meta accepted, here is the
 * wamid), retryable (429, 5xx, a throughput code, or the network), permanent (Meta said no).
 * https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
 */
import { explainMetaError } from "./error-sentences";
import { templateSendComponents, type TemplateButtonValue, type TemplateHeaderValue } from "./template-send";

export type SendOutcome =
  | { kind: "ok"; wamid: string }
  /** `status` 0: the request never got an answer (network error or timeout): Meta may have accepted it. */
  | { kind: "retryable"; status: number; code: number | null; title: string | null }
  | { kind: "permanent"; status: number; code: number; title: string; details: string | null };

/** Who to send to. Meta's rule for business-scoped user ids: see `recipientFields`. */
export interface Recipient {
  waId: string | null;
  userId: string | null;
}

export type OutboundMediaKind = "image" | "video" | "audio" | "document" | "sticker";

export type OutboundContent =
  | { kind: "text"; text: string; previewUrl?: boolean; replyTo?: string | null }
  | {
      kind: "template";
      name: string;
      language: string;
      parameters: string[];
      /** Issue 5: the header's value and URL buttons' values (whatsapp/template-send.ts). */
      header?: TemplateHeaderValue;
      buttons?: TemplateButtonValue[];
    }
  /** Media uploaded to Meta first (POST /{phone-number-id}/media), sent by its id (issue 5). */
  | { kind: OutboundMediaKind; mediaId: string; caption?: string | null; filename?: string | null; replyTo?: string | null; voice?: boolean }
  | {
      kind: "interactive";
      interactiveType: "button" | "list" | "cta_url";
      header: string | null;
      body: string;
      footer: string | null;
      buttons?: Array<{ id: string; title: string }>;
      listButton?: string | null;
      sections?: Array<{ title: string | null; rows: Array<{ id: string; title: string; description: string | null }> }>;
      cta?: { displayText: string; url: string } | null;
      replyTo?: string | null;
    }
  | { kind: "location"; latitude: number; longitude: number; name: string | null; address: string | null; replyTo?: string | null }
  | { kind: "reaction"; targetWamid: string; emoji: string };

export interface GraphClientOptions {
  baseUrl: string;
  accessToken: string;
  /** Abort a call that hangs; the outbox treats it like a network error. */
  timeoutMs?: number;
}

export const DEFAULT_GRAPH_API_URL = "https://graph.facebook.com/v24.0";

/**
 * Messages API addressing (Meta, "Business-scoped user IDs", 2026): `to` takes a phone number,
 * the new `recipient` takes a BSUID (or parent BSUID); when both are present `to` wins, and Meta
 * recommends the phone number whenever it is known (so phone fields keep appearing in webhooks).
 * So: phone when we have it, otherwise the business-scoped user id alone.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids/
 */
export function recipientFields(recipient: Recipient): { to: string } | { recipient: string } {
  if (recipient.waId) return { to: recipient.waId };
  if (recipient.userId) return { recipient: recipient.userId };
  throw new Error("A recipient needs a phone number or a business-scoped user id.");
}

/** The JSON body of a send. `callbackData` comes back as `biz_opaque_callback_data` on every status. */
export function buildSendPayload(recipient: Recipient, content: OutboundContent, callbackData: string) {
  const base = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    ...recipientFields(recipient),
    biz_opaque_callback_data: callbackData,
  };
  // A reply to one of the customer's messages quotes it on their phone (Messages API `context`).
  const context = "replyTo" in content && content.replyTo ? { context: { message_id: content.replyTo } } : {};
  if (content.kind === "text") {
    return { ...base, ...context, type: "text", text: { body: content.text, preview_url: content.previewUrl ?? false } };
  }
  if (isMediaContent(content)) {
    const media: Record<string, unknown> = { id: content.mediaId };
    // Meta refuses a caption on audio and stickers.
    if (content.caption && content.kind !== "audio" && content.kind !== "sticker") media.caption = content.caption;
    if (content.kind === "document" && content.filename) media.filename = content.filename;
    // A recorded voice note (Ogg Opus): the customer sees a voice message, not an audio file.
    if (content.kind === "audio" && content.voice) media.voice = true;
    return { ...base, ...context, type: content.kind, [content.kind]: media };
  }
  if (content.kind === "location") {
    return {
      ...base,
      ...context,
      type: "location",
      location: {
        latitude: content.latitude,
        longitude: content.longitude,
        ...(content.name ? { name: content.name } : {}),
        ...(content.address ? { address: content.address } : {}),
      },
    };
  }
  if (content.kind === "reaction") {
    return { ...base, type: "reaction", reaction: { message_id: content.targetWamid, emoji: content.emoji } };
  }
  if (content.kind === "interactive") {
    const interactive: Record<string, unknown> = { type: content.interactiveType, body: { text: content.body } };
    if (content.header) interactive.header = { type: "text", text: content.header };
    if (content.footer) interactive.footer = { text: content.footer };
    if (content.interactiveType === "button") {
      interactive.action = { buttons: (content.buttons ?? []).map((b) => ({ type: "reply", reply: { id: b.id, title: b.title } })) };
    } else if (content.interactiveType === "list") {
      interactive.action = {
        button: content.listButton ?? "Options",
        sections: (content.sections ?? []).map((section) => ({
          ...(section.title ? { title: section.title } : {}),
          rows: section.rows.map((r) => ({ id: r.id, title: r.title, ...(r.description ? { description: r.description } : {}) })),
        })),
      };
    } else {
      interactive.action = { name: "cta_url", parameters: { display_text: content.cta?.displayText ?? "", url: content.cta?.url ?? "" } };
    }
    return { ...base, ...context, type: "interactive", interactive };
  }
  if (content.kind !== "template") throw new Error(`unknown outbound kind ${(content as { kind: string }).kind}`);
  return {
    ...base,
    type: "template",
    template: {
      name: content.name,
      language: { code: content.language },
      ...(templateSendComponents(content).length ? { components: templateSendComponents(content) } : {}),
    },
  };
}

interface GraphErrorBody {
  error?: { message?: string; code?: number; error_subcode?: number; error_data?: { details?: string } };
}

/** Read Meta's answer into an outcome (exported for tests of the classification). */
export async function classifyResponse(response: Response): Promise<SendOutcome> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.ok) {
    const wamid = (body as { messages?: Array<{ id?: unknown }> } | null)?.messages?.[0]?.id;
    if (typeof wamid === "string" && wamid) return { kind: "ok", wamid };
    // A 200 without a wamid is not something Meta documents; retrying is the safe reading.
    return { kind: "retryable", status: response.status, code: null, title: "No message id in Meta's answer" };
  }
  const error = (body as GraphErrorBody | null)?.error;
  const code = typeof error?.code === "number" ? error.code : null;
  const title = error?.message ?? null;
  // A code we know decides (131000 on a 500 is temporary, 131047 on a 400 is not); otherwise the
  // HTTP status does: 429 and 5xx are worth another attempt, other 4xx are not.
  const explanation = code === null ? null : explainMetaError(code, title);
  const retryable =
    explanation && explanation.reason !== "whatsapp_error"
      ? explanation.retryable
      : response.status === 429 || response.status >= 500;
  if (retryable) return { kind: "retryable", status: response.status, code, title };
  return {
    kind: "permanent",
    status: response.status,
    code: code ?? response.status,
    title: title ?? `HTTP ${response.status}`,
    details: error?.error_data?.details ?? null,
  };
}

const MEDIA_KINDS = new Set<string>(["image", "video", "audio", "document", "sticker"]);

export function isMediaContent(content: OutboundContent): content is Extract<OutboundContent, { mediaId: string }> {
  return MEDIA_KINDS.has(content.kind);
}

/** "Mark as read" for an inbound message (Meta marks every earlier message of the chat read too). */
export function buildReadPayload(wamid: string) {
  return { messaging_product: "whatsapp", status: "read", message_id: wamid };
}

export class GraphClient {
  constructor(private readonly options: GraphClientOptions) {}

  /** Mark a customer's message (and the earlier ones) as read on WhatsApp. Never throws. */
  async markRead(phoneNumberId: string, wamid: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(phoneNumberId)}/messages`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("Graph API call timed out")), this.options.timeoutMs ?? 15_000);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { Authorization: `Bearer ${this.options.accessToken}`, "Content-Type": "application/json" },
        body: JSON.stringify(buildReadPayload(wamid)),
        signal: controller.signal,
      });
      const body = (await response.json().catch(() => null)) as { success?: boolean; error?: { message?: string } } | null;
      return response.ok && body?.success === true ? { ok: true } : { ok: false, error: body?.error?.message ?? `HTTP ${response.status}` };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : "Network error" };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Send one message from `phoneNumberId`. Never throws. */
  async sendMessage(phoneNumberId: string, payload: unknown): Promise<SendOutcome> {
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(phoneNumberId)}/messages`;
    // A timer we clear ourselves: AbortSignal.timeout would keep the Durable Object busy (and
    // un-evictable) for the whole timeout after the answer came.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("Graph API call timed out")), this.options.timeoutMs ?? 15_000);
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { Authorization: `Bearer ${this.options.accessToken}`, "Content-Type": "application/json" },
        body: JSON.stringify(payload),
        signal: controller.signal,
      });
      return await classifyResponse(response);
    } catch (err) {
      return { kind: "retryable", status: 0, code: null, title: err instanceof Error ? err.message : "Network error" };
    } finally {
      clearTimeout(timer);
    }
  }
}
