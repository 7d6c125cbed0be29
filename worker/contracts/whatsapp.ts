/**
 * What a WhatsApp message holds, structured for rendering (issue 5): one `content` shape per kind
 * Meta documents (text, media, location, contacts, interactive replies, template buttons, orders,
 * system notices, unsupported), plus what any message may carry — the message it quotes, the ad it
 * came from, forwarded flags, and whether the owner sent it from the WhatsApp Business app.
 *
 * `Message.text` stays the plain-text summary (list previews, search); `Message.content` is what
 * the thread renders. Reactions are not messages: they are applied to the message they target
 * (`Message.reactions`). Referenced from worker/contracts/api.ts; imported by the web app.
 * Meta's reference: developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
 */
import * as v from "valibot";

const Str = v.nullable(v.string());

/** Where a media file is: fetched from Meta into Chorus's storage ("ready"), still coming, or given up on. */
export const MediaState = v.picklist(["pending", "ready", "failed"]);
export type MediaState = v.InferOutput<typeof MediaState>;

export const MediaInfo = v.object({
  /** Meta's media id (valid 30 days at Meta); null for outbound media not uploaded yet. */
  id: Str,
  mimeType: Str,
  sha256: v.optional(Str),
  /** Bytes, once stored. */
  size: v.optional(v.nullable(v.number())),
  /** Documents: the file name the customer's phone showed. */
  filename: v.optional(Str),
  caption: v.optional(Str),
  /** Audio recorded as a voice note (push-to-talk) rather than an audio file. */
  voice: v.optional(v.boolean()),
  /** Animated sticker. */
  animated: v.optional(v.boolean()),
  state: MediaState,
  /** Why it failed (e.g. Meta's lookup kept failing, the file was too large). */
  error: v.optional(Str),
});
export type MediaInfo = v.InferOutput<typeof MediaInfo>;

/** The message a reply quotes (`context.id`), as it was when the reply arrived. */
export const Quote = v.object({
  wamid: v.string(),
  /** The quoted message in this thread; null when Chorus does not have it. */
  messageId: Str,
  direction: v.nullable(v.picklist(["in", "out"])),
  type: Str,
  text: Str,
});
export type Quote = v.InferOutput<typeof Quote>;

/** A product the customer asked about (Message Business button on a catalog item). */
export const ReferredProduct = v.object({ catalogId: Str, productRetailerId: Str });

export const MessageContext = v.object({
  quote: v.optional(v.nullable(Quote)),
  forwarded: v.optional(v.boolean()),
  /** Forwarded more than five times. */
  frequentlyForwarded: v.optional(v.boolean()),
  referredProduct: v.optional(v.nullable(ReferredProduct)),
});
export type MessageContext = v.InferOutput<typeof MessageContext>;

/** A click-to-WhatsApp ad or Facebook/Instagram post the customer came from. */
export const Referral = v.object({
  /** "ad" or "post". */
  sourceType: Str,
  sourceId: Str,
  sourceUrl: Str,
  headline: Str,
  body: Str,
  mediaType: Str,
  imageUrl: Str,
  videoUrl: Str,
  thumbnailUrl: Str,
  ctwaClid: Str,
  welcomeMessage: Str,
});
export type Referral = v.InferOutput<typeof Referral>;

/** Fields any content may carry. */
const common = {
  context: v.optional(MessageContext),
  referral: v.optional(v.nullable(Referral)),
  /** "business_app": the owner sent it from the WhatsApp Business app (coexistence echo). */
  source: v.optional(v.picklist(["api", "business_app"])),
} as const;

export const ContactCard = v.object({
  name: Str,
  phones: v.array(v.object({ phone: Str, waId: Str, type: Str })),
  emails: v.array(v.object({ email: Str, type: Str })),
  organization: Str,
  urls: v.array(v.object({ url: Str, type: Str })),
  addresses: v.array(v.object({ text: Str, type: Str })),
  birthday: Str,
});
export type ContactCard = v.InferOutput<typeof ContactCard>;

export const OrderItem = v.object({
  productRetailerId: Str,
  quantity: v.nullable(v.number()),
  itemPrice: v.nullable(v.number()),
  currency: Str,
});

export const InteractiveButton = v.object({ id: v.string(), title: v.string() });
export const InteractiveRow = v.object({ id: v.string(), title: v.string(), description: Str });
export const InteractiveSection = v.object({ title: Str, rows: v.array(InteractiveRow) });

export const MEDIA_KINDS = ["image", "video", "audio", "document", "sticker"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export const MessageContent = v.variant("kind", [
  v.object({ kind: v.literal("text"), body: v.string(), previewUrl: v.optional(v.boolean()), ...common }),
  v.object({ kind: v.picklist(MEDIA_KINDS), media: MediaInfo, ...common }),
  v.object({
    kind: v.literal("location"),
    latitude: v.nullable(v.number()),
    longitude: v.nullable(v.number()),
    name: Str,
    address: Str,
    url: Str,
    ...common,
  }),
  v.object({ kind: v.literal("contacts"), contacts: v.array(ContactCard), ...common }),
  /** The customer tapped a reply button or chose a list row of an interactive message. */
  v.object({
    kind: v.literal("interactive_reply"),
    replyType: v.picklist(["button_reply", "list_reply"]),
    id: Str,
    title: Str,
    description: Str,
    ...common,
  }),
  /** The customer completed a WhatsApp Flow (`nfm_reply`): its answers as key → value text. */
  v.object({
    kind: v.literal("flow_reply"),
    name: Str,
    body: Str,
    fields: v.array(v.object({ key: v.string(), value: v.string() })),
    responseJson: Str,
    ...common,
  }),
  /** The customer tapped a quick-reply button of a template. */
  v.object({ kind: v.literal("button"), text: Str, payload: Str, ...common }),
  v.object({ kind: v.literal("order"), catalogId: Str, text: Str, items: v.array(OrderItem), ...common }),
  /** Meta's notice about the customer (changed number, changed user id). */
  v.object({
    kind: v.literal("system"),
    systemType: Str,
    body: Str,
    newWaId: Str,
    newUserId: Str,
    previousUserId: Str,
    ...common,
  }),
  /** What Meta does not deliver to the Cloud API (or Chorus does not know): Meta's reason. */
  v.object({
    kind: v.literal("unsupported"),
    metaType: Str,
    errorCode: v.nullable(v.number()),
    errorTitle: Str,
    errorDetails: Str,
    ...common,
  }),
  /** Outbound interactive message: reply buttons, a list, or a call-to-action URL button. */
  v.object({
    kind: v.literal("interactive"),
    interactiveType: v.picklist(["button", "list", "cta_url"]),
    header: Str,
    body: v.string(),
    footer: Str,
    buttons: v.optional(v.array(InteractiveButton)),
    listButton: v.optional(Str),
    sections: v.optional(v.array(InteractiveSection)),
    cta: v.optional(v.nullable(v.object({ displayText: v.string(), url: v.string() }))),
    ...common,
  }),
  v.object({ kind: v.literal("template"), name: v.string(), language: v.string(), ...common }),
]);
export type MessageContent = v.InferOutput<typeof MessageContent>;

/** A reaction on a message: the customer's (in) and the business's (out); the latest of each side. */
export const Reaction = v.object({
  emoji: v.string(),
  direction: v.picklist(["in", "out"]),
  at: v.number(),
});
export type Reaction = v.InferOutput<typeof Reaction>;
