/**
 * Outbound kinds beyond text and templates (issue 5): media (by Meta media id), reply buttons,
 * lists, a call-to-action URL button, a location, a reply to a specific customer message, and
 * reactions. Request shapes (valibot, referenced by SendMessageBody and the OpenAPI registry),
 * Meta's limits checked before anything is sent, and what the thread shows for each.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages
 */
import * as v from "valibot";
import { ApiError } from "../errors";
import { InteractiveBody, LocationBody, type MessageContent } from "../contracts/whatsapp";
export { InteractiveBody, LocationBody, ReactionBody } from "../contracts/whatsapp";
import type { OutboundContent } from "./graph-client";


/** Meta's rules an interactive body's shape cannot express: a message naming the field, or null. */
export function interactiveProblem(i: InteractiveBody): string | null {
  if (i.type === "button" && !i.buttons?.length) return "interactive.buttons: reply buttons need `buttons` (1 to 3).";
  if (i.type === "list" && !i.sections?.length) return "interactive.sections: a list needs `sections`.";
  if (i.type === "list" && (i.sections ?? []).reduce((n, s) => n + s.rows.length, 0) > 10) return "interactive.sections: WhatsApp allows at most 10 rows in a list.";
  if (i.type === "cta_url" && !i.cta) return "interactive.cta: a call-to-action button needs `cta` {displayText, url}.";
  const ids = [...(i.buttons ?? []).map((b) => b.id), ...(i.sections ?? []).flatMap((s) => s.rows.map((r) => r.id))];
  if (new Set(ids).size !== ids.length) return "interactive: every button and row needs its own id.";
  return null;
}

/**
 * A send body of issue 5 (a reply to a message, interactive, location) → what to send and show;
 * null for plain text and templates. Meta's rules the shape cannot express answer 400 here.
 */
export function richSend(body: Record<string, unknown>): { content: OutboundContent; text: string; display: MessageContent } | null {
  if (body.interactive) {
    const problem = interactiveProblem(body.interactive as InteractiveBody);
    if (problem) throw new ApiError(400, "invalid_request", problem);
  }
  return richOutbound(body);
}

/** A rich body → the Graph content, the plain text the list shows, and what the thread renders. */
export function richOutbound(body: Record<string, unknown>): { content: OutboundContent; text: string; display: MessageContent } | null {
  const replyTo = typeof body.replyTo === "string" ? body.replyTo : null;
  if (typeof body.text === "string" && (replyTo || body.previewUrl !== undefined)) {
    return {
      content: { kind: "text", text: body.text, previewUrl: body.previewUrl === true, replyTo },
      text: body.text,
      display: { kind: "text", body: body.text },
    };
  }
  if (body.interactive) {
    const i = body.interactive as InteractiveBody;
    const content: OutboundContent = {
      kind: "interactive",
      interactiveType: i.type,
      header: i.header || null,
      body: i.body,
      footer: i.footer || null,
      ...(i.type === "button" ? { buttons: i.buttons ?? [] } : {}),
      ...(i.type === "list"
        ? {
            listButton: i.listButton ?? null,
            sections: (i.sections ?? []).map((s) => ({
              title: s.title || null,
              rows: s.rows.map((r) => ({ id: r.id, title: r.title, description: r.description || null })),
            })),
          }
        : {}),
      ...(i.type === "cta_url" ? { cta: i.cta ?? null } : {}),
      replyTo,
    };
    const { kind: _kind, replyTo: _r, ...rest } = content;
    return { content, text: i.body, display: { kind: "interactive", ...rest } as MessageContent };
  }
  if (body.location) {
    const l = body.location as v.InferOutput<typeof LocationBody>;
    const name = l.name || null;
    const address = l.address || null;
    return {
      content: { kind: "location", latitude: l.latitude, longitude: l.longitude, name, address, replyTo },
      text: [name, address].filter(Boolean).join(", ") || `${l.latitude}, ${l.longitude}`,
      display: { kind: "location", latitude: l.latitude, longitude: l.longitude, name, address, url: null },
    };
  }
  return null;
}

// Meta's media rules live beside the contracts so the web composer checks the same numbers.
export { checkOutboundMedia, type MediaCheck } from "../contracts/media-limits";
