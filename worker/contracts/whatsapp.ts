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

// ---- numbers (channels), their health and errors ------------------------------------------------

export const ChannelHealth = v.object({
  /** When Meta last called the webhook for this number. */
  lastWebhookAt: v.nullable(v.number()),
  lastErrorAt: v.nullable(v.number()),
  lastErrorCode: v.nullable(v.number()),
  lastErrorTitle: v.nullable(v.string()),
});

export const ChannelSettings = v.object({
  id: v.string(),
  phoneNumberId: v.string(),
  displayPhoneNumber: v.nullable(v.string()),
  /** The name agents see for this number. */
  name: v.nullable(v.string()),
  /** The WhatsApp Business Account it belongs to (from the webhook's entry id, or set here). */
  wabaId: v.nullable(v.string()),
  /** The number has its own access token (never returned); false: WHATSAPP_ACCESS_TOKEN is used. */
  hasOwnToken: v.boolean(),
  /** New conversations of this number go to this team's queue. */
  defaultTeamId: v.nullable(v.string()),
  /** Sending rate (messages per second); null: Meta's default, 80. */
  messagesPerSecond: v.nullable(v.number()),
  health: ChannelHealth,
  createdAt: v.number(),
});
export type ChannelSettings = v.InferOutput<typeof ChannelSettings>;
export const ChannelSettingsList = v.object({ channels: v.array(ChannelSettings) });
export const ChannelSettingsResponse = v.object({ channel: ChannelSettings });

export const UpdateChannelBody = v.strictObject({
  name: v.optional(v.nullable(v.pipe(v.string(), v.trim(), v.minLength(1, "Enter a name, or null to clear it."), v.maxLength(100)))),
  wabaId: v.optional(v.nullable(v.pipe(v.string(), v.trim(), v.regex(/^\d{5,25}$/, "A WhatsApp Business Account id is digits.")))),
  /** A system-user access token for this number; null removes it (WHATSAPP_ACCESS_TOKEN is used again). */
  accessToken: v.optional(v.nullable(v.pipe(v.string(), v.trim(), v.minLength(20, "This does not look like an access token."), v.maxLength(2048)))),
  defaultTeamId: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(64)))),
  messagesPerSecond: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)))),
});
export type UpdateChannelBody = v.InferOutput<typeof UpdateChannelBody>;

export const ChannelError = v.object({
  id: v.string(),
  at: v.number(),
  code: v.number(),
  title: v.string(),
  details: v.nullable(v.string()),
  /** webhook (value-level errors Meta sent), media, template_sync. */
  source: v.string(),
});
export const ChannelErrorList = v.object({ errors: v.array(ChannelError) });

// ---- templates sync -----------------------------------------------------------------------------

export const TemplateSyncResponse = v.object({
  synced: v.number(),
  accounts: v.array(
    v.object({ wabaId: v.string(), ok: v.boolean(), synced: v.number(), pages: v.number(), error: v.optional(v.string()) }),
  ),
});

// ---- outbound kinds (issue 5): request shapes of POST /api/conversations/:id/messages and reactions ----

export const WamidRef = v.pipe(v.string(), v.minLength(1), v.maxLength(256), v.description("The wamid of the customer message this replies to."));
const OptionId = v.pipe(v.string(), v.trim(), v.minLength(1, "Give each option an id."), v.maxLength(256));

/** Meta: body 1024, header 60, footer 60, button title 20, list row title 24 / description 72, 3 buttons, 10 rows. */
/** Which fields a type needs (buttons, sections, cta) is checked by the route (whatsapp/outbound.ts): the contract stays convertible to JSON Schema. */
export const InteractiveBody = v.strictObject({
  type: v.picklist(["button", "list", "cta_url"]),
  header: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(60, "A header has at most 60 characters."))),
  body: v.pipe(v.string(), v.trim(), v.minLength(1, "Write the message."), v.maxLength(1024, "The body has at most 1024 characters.")),
  footer: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(60, "A footer has at most 60 characters."))),
  buttons: v.optional(
    v.pipe(
      v.array(v.strictObject({ id: OptionId, title: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(20, "A button title has at most 20 characters.")) })),
      v.minLength(1, "Add at least one button."),
      v.maxLength(3, "WhatsApp allows at most 3 reply buttons."),
    ),
  ),
  listButton: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(20, "The list button has at most 20 characters."))),
  sections: v.optional(
    v.pipe(
      v.array(
        v.strictObject({
          title: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(24, "A section title has at most 24 characters."))),
          rows: v.pipe(
            v.array(
              v.strictObject({
                id: OptionId,
                title: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(24, "A row title has at most 24 characters.")),
                description: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(72, "A row description has at most 72 characters."))),
              }),
            ),
            v.minLength(1, "A section needs at least one row."),
          ),
        }),
      ),
      v.minLength(1, "Add at least one section."),
      v.maxLength(10, "WhatsApp allows at most 10 sections."),
    ),
  ),
  cta: v.optional(
    v.strictObject({
      displayText: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(20, "The button text has at most 20 characters.")),
      url: v.pipe(v.string(), v.trim(), v.url("Enter a full URL."), v.regex(/^[Hh][Tt][Tt][Pp][Ss]?:\/\//, "The link must start with http:// or https://."), v.maxLength(2000)),
    }),
  ),
});
export type InteractiveBody = v.InferOutput<typeof InteractiveBody>;

export const LocationBody = v.strictObject({
  latitude: v.pipe(v.number(), v.minValue(-90), v.maxValue(90)),
  longitude: v.pipe(v.number(), v.minValue(-180), v.maxValue(180)),
  name: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(1000))),
  address: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(1000))),
});

/**
 * Whether `text` is exactly one emoji as a person sees it: one grapheme (so 👍🏽, 👨‍👩‍👧, 🇯🇵 and
 * 1️⃣ count, "👍👍" does not) that is pictographic, a flag, or a keycap. Meta refuses anything else
 * with a 502-worthy error after the fact; checking here answers the agent with a 400 instead.
 */
export function isSingleEmoji(text: string): boolean {
  const graphemes = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)];
  if (graphemes.length !== 1) return false;
  // Keycaps (#, *, 0–9 + VS16 + U+20E3) have no pictographic code point of their own.
  return /\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(text) || /^[#*0-9]\uFE0F?\u20E3$/u.test(text);
}

/** What the API answers for a reaction that is not one emoji. */
export const REACTION_EMOJI_RULE = 'A reaction is one emoji (such as 👍), or "" to remove it.';

export const ReactionBody = v.strictObject({
  /** The Chorus message id to react to (an inbound or outbound message with a wamid). */
  messageId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  /**
   * One emoji; "" removes the reaction. The one-emoji rule (isSingleEmoji) is checked by the route:
   * JSON Schema has no words for a grapheme, and the OpenAPI generator documents every action here.
   */
  emoji: v.pipe(
    v.string(),
    v.maxLength(64, REACTION_EMOJI_RULE),
    v.description('Exactly one emoji (👍, ❤️, 👍🏽, 👨‍👩‍👧, 🇯🇵, 1️⃣ …), or "" to remove the reaction. Anything else: 400 invalid_request.'),
  ),
});
export type ReactionBody = v.InferOutput<typeof ReactionBody>;


/**
 * The send bodies of issue 5 for POST /api/conversations/:id/messages (beside {template}): text
 * that may reply to a customer message (`replyTo`: its wamid) and show a link preview; interactive
 * reply buttons, lists and call-to-action links; a location.
 */
export const RichSendBodies = [
  v.strictObject({
    text: v.pipe(v.string(), v.trim(), v.minLength(1, "Write a message."), v.maxLength(4096)),
    replyTo: v.optional(WamidRef),
    /** Let WhatsApp show a preview of the first link. */
    previewUrl: v.optional(v.boolean()),
  }),
  v.strictObject({ interactive: InteractiveBody, replyTo: v.optional(WamidRef) }),
  v.strictObject({ location: LocationBody, replyTo: v.optional(WamidRef) }),
] as const;
