/**
 * Meta's message object (inbound, or an echo of what the owner sent from the WhatsApp Business
 * app) → the structured `content` the thread renders and the plain-text summary the list and
 * search use. Read defensively: Meta adds fields and kinds without notice, so every field is
 * optional here and a kind nobody knows becomes `unsupported` with the raw payload kept by the DO.
 * Shapes: developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/*
 */
import {
  MEDIA_KINDS,
  type ContactCard,
  type MediaKind,
  type MessageContent,
  type MessageContext,
  type Referral,
} from "../contracts/whatsapp";

type Json = Record<string, unknown>;

function obj(value: unknown): Json | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : null;
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function num(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function bool(value: unknown): boolean {
  return value === true || value === "true";
}

/** Kinds of `type` Chorus renders; anything else is stored as "unsupported". */
export const KNOWN_TYPES = new Set<string>([
  "text",
  ...MEDIA_KINDS,
  "button",
  "interactive",
  "location",
  "reaction",
  "contacts",
  "order",
  "system",
  "request_welcome",
  "unsupported",
]);

export function referralOf(raw: unknown): Referral | null {
  const r = obj(raw);
  if (!r) return null;
  return {
    sourceType: str(r.source_type),
    sourceId: str(r.source_id),
    sourceUrl: str(r.source_url),
    headline: str(r.headline),
    body: str(r.body),
    mediaType: str(r.media_type),
    imageUrl: str(r.image_url),
    videoUrl: str(r.video_url),
    thumbnailUrl: str(r.thumbnail_url),
    ctwaClid: str(r.ctwa_clid),
    welcomeMessage: str(obj(r.welcome_message)?.text),
  };
}

/** The context fields that need no lookup (the DO fills in the quoted message itself). */
export function contextOf(raw: unknown): MessageContext | undefined {
  const c = obj(raw);
  if (!c) return undefined;
  const product = obj(c.referred_product);
  const context: MessageContext = {};
  if (bool(c.forwarded)) context.forwarded = true;
  if (bool(c.frequently_forwarded)) {
    context.forwarded = true;
    context.frequentlyForwarded = true;
  }
  if (product) context.referredProduct = { catalogId: str(product.catalog_id), productRetailerId: str(product.product_retailer_id) };
  return Object.keys(context).length ? context : undefined;
}

function contactCard(raw: unknown): ContactCard {
  const c = obj(raw) ?? {};
  const name = obj(c.name);
  const org = obj(c.org);
  const formatted =
    str(name?.formatted_name) ?? ([str(name?.first_name), str(name?.last_name)].filter(Boolean).join(" ") || null);
  return {
    name: formatted,
    phones: arr(c.phones).map((p) => ({ phone: str(obj(p)?.phone), waId: str(obj(p)?.wa_id), type: str(obj(p)?.type) })),
    emails: arr(c.emails).map((e) => ({ email: str(obj(e)?.email), type: str(obj(e)?.type) })),
    organization: [str(org?.company), str(org?.department), str(org?.title)].filter(Boolean).join(" · ") || null,
    urls: arr(c.urls).map((u) => ({ url: str(obj(u)?.url), type: str(obj(u)?.type) })),
    addresses: arr(c.addresses).map((a) => {
      const x = obj(a) ?? {};
      const text = [str(x.street), str(x.city), str(x.state), str(x.zip), str(x.country)].filter(Boolean).join(", ");
      return { text: text || null, type: str(x.type) };
    }),
    birthday: str(c.birthday),
  };
}

/** A Flow's answers as key → text pairs (nested values as JSON), without the flow_token. */
function flowFields(responseJson: string | null): Array<{ key: string; value: string }> {
  if (!responseJson) return [];
  try {
    const parsed = obj(JSON.parse(responseJson));
    if (!parsed) return [];
    return Object.entries(parsed)
      .filter(([key]) => key !== "flow_token")
      .map(([key, value]) => ({ key, value: typeof value === "string" ? value : JSON.stringify(value) }));
  } catch {
    return [];
  }
}

function mediaContent(kind: MediaKind, raw: unknown): MessageContent {
  const m = obj(raw) ?? {};
  return {
    kind,
    media: {
      id: str(m.id),
      mimeType: str(m.mime_type),
      sha256: str(m.sha256),
      size: num(m.file_size),
      filename: str(m.filename),
      caption: str(m.caption),
      ...(kind === "audio" ? { voice: bool(m.voice) } : {}),
      ...(kind === "sticker" ? { animated: bool(m.animated) } : {}),
      // Outbound echoes and inbound media alike are fetched into Chorus's storage by the DO.
      state: str(m.id) ? "pending" : "failed",
      ...(str(m.id) ? {} : { error: "Meta sent no media id." }),
    },
  };
}

/** `type` as Chorus stores it: Meta's type when known, else "unsupported". */
export function storedType(metaType: string | undefined): string {
  return metaType && KNOWN_TYPES.has(metaType) ? metaType : "unsupported";
}

/** The structured content of one message object (without the quote, which needs the thread). */
export function contentOf(message: Json): MessageContent {
  const metaType = str(message.type) ?? "unsupported";
  const type = storedType(metaType);
  const body = message[metaType];
  let content: MessageContent;
  switch (type) {
    case "text":
      content = { kind: "text", body: str(obj(body)?.body) ?? "" };
      break;
    case "image":
    case "video":
    case "audio":
    case "document":
    case "sticker":
      content = mediaContent(type, body);
      break;
    case "location": {
      const l = obj(body) ?? {};
      content = {
        kind: "location",
        latitude: num(l.latitude),
        longitude: num(l.longitude),
        name: str(l.name),
        address: str(l.address),
        url: str(l.url),
      };
      break;
    }
    case "contacts":
      content = { kind: "contacts", contacts: arr(body).map(contactCard) };
      break;
    case "button": {
      const b = obj(body) ?? {};
      content = { kind: "button", text: str(b.text), payload: str(b.payload) };
      break;
    }
    case "interactive": {
      const i = obj(body) ?? {};
      const button = obj(i.button_reply);
      const list = obj(i.list_reply);
      const flow = obj(i.nfm_reply);
      if (button || list) {
        const reply = (button ?? list)!;
        content = {
          kind: "interactive_reply",
          replyType: button ? "button_reply" : "list_reply",
          id: str(reply.id),
          title: str(reply.title),
          description: str(reply.description),
        };
      } else if (flow) {
        const responseJson = str(flow.response_json);
        content = { kind: "flow_reply", name: str(flow.name), body: str(flow.body), fields: flowFields(responseJson), responseJson };
      } else {
        content = unsupported(str(i.type) ?? "interactive", message);
      }
      break;
    }
    case "order": {
      const o = obj(body) ?? {};
      content = {
        kind: "order",
        catalogId: str(o.catalog_id),
        text: str(o.text),
        items: arr(o.product_items).map((p) => ({
          productRetailerId: str(obj(p)?.product_retailer_id),
          quantity: num(obj(p)?.quantity),
          itemPrice: num(obj(p)?.item_price),
          currency: str(obj(p)?.currency),
        })),
      };
      break;
    }
    case "system": {
      const s = obj(body) ?? {};
      content = {
        kind: "system",
        systemType: str(s.type),
        body: str(s.body),
        // Meta has named the new number `wa_id` and, earlier, `new_wa_id`.
        newWaId: str(s.wa_id) ?? str(s.new_wa_id),
        newUserId: str(s.user_id) ?? str(s.new_user_id),
        previousUserId: str(s.previous_user_id),
      };
      break;
    }
    case "request_welcome":
      // The customer opened the chat for the first time (no text): shown as a notice; it opens the window.
      content = { kind: "system", systemType: "request_welcome", body: null, newWaId: null, newUserId: null, previousUserId: null };
      break;
    default:
      content = unsupported(type === "unsupported" ? (str(obj(body)?.type) ?? metaType) : metaType, message);
  }
  const context = contextOf(message.context);
  if (context) content.context = context;
  const referral = referralOf(message.referral);
  if (referral) content.referral = referral;
  return content;
}

function unsupported(metaType: string, message: Json): MessageContent {
  const error = obj(arr(message.errors)[0]);
  return {
    kind: "unsupported",
    metaType,
    errorCode: num(error?.code),
    errorTitle: str(error?.title) ?? str(error?.message),
    errorDetails: str(obj(error?.error_data)?.details),
  };
}

/** The plain text an agent sees in the list and finds in search: body, caption, chosen reply, place… */
export function summaryOf(content: MessageContent): string | null {
  switch (content.kind) {
    case "text":
      return content.body || null;
    case "image":
    case "video":
    case "audio":
    case "sticker":
      return content.media.caption ?? null;
    case "document":
      return content.media.caption ?? content.media.filename ?? null;
    case "location": {
      const parts = [content.name, content.address].filter(Boolean);
      if (parts.length) return parts.join(", ");
      return content.latitude !== null && content.longitude !== null ? `${content.latitude}, ${content.longitude}` : null;
    }
    case "contacts": {
      const names = content.contacts.map((c) => c.name).filter(Boolean);
      return names.length ? names.join(", ") : null;
    }
    case "interactive_reply":
      return content.title ?? content.id;
    case "flow_reply":
      return content.body ?? content.name;
    case "button":
      return content.text ?? content.payload;
    case "order":
      return content.text;
    case "system":
      return content.body;
    case "unsupported":
      return null;
    case "interactive":
      return content.body;
    case "template":
      return null;
  }
}

/** A reaction message: which message it targets and the emoji (null: the customer removed it). */
export function reactionOf(message: Json): { targetWamid: string; emoji: string | null } | null {
  if (message.type !== "reaction") return null;
  const r = obj(message.reaction);
  const target = str(r?.message_id);
  if (!target) return null;
  return { targetWamid: target, emoji: str(r?.emoji) };
}
