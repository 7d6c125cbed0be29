/**
 * valibot schemas of Meta's webhook envelope (object → entry[] → changes[] → value), loose on
 * purpose: Meta adds fields without notice, so unknown fields pass through and only what Chorus
 * relies on is required (ids, timestamps, the phone number id). Per-type message content is read
 * defensively by the normaliser instead of being validated here, so a message type we have never
 * seen is stored as "unsupported" rather than refused.
 * Reference: developers.facebook.com → WhatsApp Cloud API → Webhooks → Reference → messages.
 */
import * as v from "valibot";

/** Meta sends Unix seconds as a string ("1749416383"); accept a number too. Output: epoch ms. */
const UnixSeconds = v.pipe(
  v.union([v.pipe(v.string(), v.regex(/^\d{1,12}$/, "timestamp must be Unix seconds")), v.number()]),
  v.transform((value) => Number(value) * 1000),
);

const NonEmpty = v.pipe(v.string(), v.minLength(1));

/** A UTF-16 surrogate without its pair: JSON can escape one ("\ud800"), Unicode text cannot hold it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A customer identifier (wa_id, user_id). D1 stores a lone surrogate as U+FFFD, so such an id
 * would never match itself again and its second message failed with a 500 (found by the fault
 * suite's malformed-webhook generator, issue 7). Meta never sends one: refuse it as malformed.
 */
const CustomerId = v.pipe(
  v.string(),
  v.check((value) => !LONE_SURROGATE.test(value), "identifier is not valid Unicode"),
);

export const WebhookError = v.looseObject({
  code: v.optional(v.number()),
  title: v.optional(v.string()),
  message: v.optional(v.string()),
  error_data: v.optional(v.looseObject({ details: v.optional(v.string()) })),
  href: v.optional(v.string()),
});
export type WebhookError = v.InferOutput<typeof WebhookError>;

export const WebhookContact = v.looseObject({
  wa_id: v.optional(CustomerId),
  user_id: v.optional(CustomerId),
  parent_user_id: v.optional(CustomerId),
  profile: v.optional(v.looseObject({ name: v.optional(v.string()), username: v.optional(v.string()) })),
});
export type WebhookContact = v.InferOutput<typeof WebhookContact>;

export const WebhookMessage = v.looseObject({
  id: NonEmpty,
  timestamp: UnixSeconds,
  /** Absent on a few system shapes; the normaliser treats a missing type as "unsupported". */
  type: v.optional(v.string()),
  /** Sender's phone (wa_id); omitted for a customer who hides their number behind a username. */
  from: v.optional(CustomerId),
  /** Sender's business-scoped user id (2026). */
  from_user_id: v.optional(CustomerId),
  from_parent_user_id: v.optional(CustomerId),
  context: v.optional(v.looseObject({ id: v.optional(v.string()), from: v.optional(v.string()) })),
  referral: v.optional(v.looseObject({})),
  errors: v.optional(v.array(WebhookError)),
});
export type WebhookMessage = v.InferOutput<typeof WebhookMessage>;

export const WebhookStatus = v.looseObject({
  id: NonEmpty,
  status: NonEmpty,
  timestamp: UnixSeconds,
  recipient_id: v.optional(CustomerId),
  recipient_user_id: v.optional(CustomerId),
  biz_opaque_callback_data: v.optional(v.string()),
  errors: v.optional(v.array(WebhookError)),
});
export type WebhookStatus = v.InferOutput<typeof WebhookStatus>;

export const MessagesValue = v.looseObject({
  messaging_product: v.optional(v.string()),
  metadata: v.looseObject({
    phone_number_id: NonEmpty,
    display_phone_number: v.optional(v.string()),
  }),
  contacts: v.optional(v.array(WebhookContact)),
  messages: v.optional(v.array(WebhookMessage)),
  statuses: v.optional(v.array(WebhookStatus)),
  errors: v.optional(v.array(WebhookError)),
});
export type MessagesValue = v.InferOutput<typeof MessagesValue>;

const Change = v.looseObject({ field: NonEmpty, value: v.unknown() });

export const WebhookEnvelope = v.looseObject({
  object: NonEmpty,
  entry: v.array(v.looseObject({ id: v.optional(v.string()), changes: v.optional(v.array(Change), []) })),
});
export type WebhookEnvelope = v.InferOutput<typeof WebhookEnvelope>;
