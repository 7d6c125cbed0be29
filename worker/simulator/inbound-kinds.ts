/**
 * What a simulated customer can send besides text (issue 5), turned into Meta's message object:
 * `type` and its nested object exactly as the webhook reference documents them. Sample files are
 * stored where the Graph fake serves media from, under a fresh media id.
 */
import * as v from "valibot";
import type { Env } from "../env";
import { SIM_DISPLAY_PHONE_NUMBER } from "./constants";
import { newMediaId, simulatorMediaKey } from "./graph-routes";
import { SAMPLE_FILES } from "./sample-media";
import type { SimCustomer, SimJson } from "./simulator-do";

const Text = (max: number) => v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(max));
const Wamid = v.pipe(v.string(), v.minLength(1), v.maxLength(256));
/** A phone number as people type it → Meta's wa_id (digits, country code first). */
const Phone = v.pipe(
  v.string(),
  v.trim(),
  v.transform((s) => s.replace(/[\s().-]/g, "").replace(/^\+/, "")),
  v.regex(/^[1-9][0-9]{7,14}$/, "Enter the phone number with its country code: 8 to 15 digits, e.g. 15551234567."),
);

export const CustomerSendKindBody = v.variant("kind", [
  v.object({
    kind: v.literal("text"),
    text: Text(4096),
    /** Reply to a message of the chat (its wamid): the webhook carries `context`. */
    replyTo: v.optional(Wamid),
    /** Came from a click-to-WhatsApp ad: the webhook carries a `referral`. */
    fromAd: v.optional(v.boolean()),
    forwarded: v.optional(v.boolean()),
  }),
  v.object({ kind: v.literal("media"), sample: v.picklist(Object.keys(SAMPLE_FILES) as [string, ...string[]]), caption: v.optional(Text(1024)) }),
  v.object({
    kind: v.literal("location"),
    latitude: v.pipe(v.number(), v.minValue(-90), v.maxValue(90)),
    longitude: v.pipe(v.number(), v.minValue(-180), v.maxValue(180)),
    name: v.optional(Text(200)),
    address: v.optional(Text(500)),
  }),
  v.object({ kind: v.literal("contacts"), name: Text(100), phone: v.pipe(v.string(), v.regex(/^\+?[0-9 ()-]{6,20}$/, "Enter a phone number.")) }),
  v.object({ kind: v.literal("button_reply"), id: Text(256), title: Text(20), replyTo: v.optional(Wamid) }),
  v.object({ kind: v.literal("list_reply"), id: Text(200), title: Text(24), description: v.optional(Text(72)), replyTo: v.optional(Wamid) }),
  v.object({ kind: v.literal("flow_reply"), answers: v.record(v.pipe(v.string(), v.maxLength(64)), v.pipe(v.string(), v.maxLength(500))), replyTo: v.optional(Wamid) }),
  v.object({ kind: v.literal("template_button"), text: Text(25), payload: v.optional(Text(256)), replyTo: v.optional(Wamid) }),
  /** emoji "" removes the customer's reaction. */
  v.object({ kind: v.literal("reaction"), messageId: Wamid, emoji: v.pipe(v.string(), v.maxLength(16)) }),
  v.object({
    kind: v.literal("order"),
    text: v.optional(Text(500)),
    items: v.pipe(
      v.array(v.object({ productRetailerId: Text(100), quantity: v.pipe(v.number(), v.integer(), v.minValue(1)), price: v.number(), currency: v.pipe(v.string(), v.regex(/^[A-Z]{3}$/)) })),
      v.minLength(1),
    ),
  }),
  /** A question about a catalog product: text with `context.referred_product`. */
  v.object({
    kind: v.literal("product_inquiry"),
    text: Text(4096),
    productRetailerId: v.optional(Text(100)),
    catalogId: v.optional(v.pipe(v.string(), v.regex(/^[0-9]{1,20}$/, "A catalog id is digits."))),
    /** The product message asked about (a wamid of the chat); a fresh id when left out. */
    replyTo: v.optional(Wamid),
  }),
  /** Forwarded text: `context.forwarded`, or `context.frequently_forwarded` (forwarded more than 5 times). */
  v.object({ kind: v.literal("forwarded"), text: Text(4096), frequently: v.optional(v.boolean()) }),
  /** Meta's `system` notice that the customer changed number (a fresh number when left out). */
  v.object({ kind: v.literal("system"), newPhone: v.optional(Phone) }),
  /** A message WhatsApp does not deliver to the API (e.g. a poll): `type: "unsupported"` with error 131051. */
  v.object({ kind: v.literal("unsupported"), metaType: v.optional(v.pipe(v.string(), v.regex(/^[a-z_]{1,40}$/, "Lowercase letters and underscores."))) }),
  /** The owner answers from the WhatsApp Business app (coexistence): an `smb_message_echoes` webhook. */
  v.object({ kind: v.literal("echo"), text: Text(4096) }),
]);
export type CustomerSendKindBody = v.InferOutput<typeof CustomerSendKindBody>;

export interface MetaMessageSpec {
  type: string;
  content: SimJson;
  text: string;
  context?: { [key: string]: SimJson };
  referral?: { [key: string]: SimJson };
  /** Message-level `errors` (Meta puts them on `unsupported` messages). */
  errors?: SimJson[];
  /** `system` user_changed_number: the new wa_id, which the simulated customer has from then on. */
  newWaId?: string;
  /** Sent as an `smb_message_echoes` webhook (business → customer from the Business app). */
  echo?: boolean;
}

/** Thrown for a kind this customer cannot send (the route turns it into a 400). */
export class KindNotPossible extends Error {}

/** A number as WhatsApp writes it in a changed-number notice ("1 650-555-1111"). */
function spokenNumber(digits: string): string {
  if (digits.length === 11 && digits.startsWith("1")) return `1 ${digits.slice(1, 4)}-${digits.slice(4, 7)}-${digits.slice(7)}`;
  return digits;
}

function freshNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(7));
  return `1555${Array.from(bytes, (b) => String(b % 10)).join("")}`;
}

/** The id of a business message Meta would point a product inquiry at, when the chat has none. */
function freshWamid(): string {
  return `wamid.${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(30))))}`;
}

/** The simulated business's product catalog (orders and product inquiries point at it). */
const SIM_CATALOG_ID = "100000000000009";

const AD_REFERRAL = {
  source_url: "https://fb.me/chorus-sim-ad",
  source_id: "120000000000000001",
  source_type: "ad",
  body: "Summer sale: everything 20% off",
  headline: "Chat with us on WhatsApp",
  media_type: "image",
  image_url: "https://example.com/ad.png",
  ctwa_clid: "ARAkLkA8rmlFeiCktEJQ-simulated",
};

/** The Meta message object for one customer action (sample files are stored first). */
export async function metaMessageFor(env: Env, body: CustomerSendKindBody, customer: SimCustomer): Promise<MetaMessageSpec> {
  const context = (replyTo: string | undefined) => (replyTo ? { context: { id: replyTo } } : {});
  switch (body.kind) {
    case "text":
      return {
        type: "text",
        content: { body: body.text },
        text: body.text,
        ...(body.replyTo || body.forwarded ? { context: { ...(body.replyTo ? { id: body.replyTo } : {}), ...(body.forwarded ? { forwarded: true } : {}) } } : {}),
        ...(body.fromAd ? { referral: AD_REFERRAL } : {}),
      };
    case "media": {
      const sample = SAMPLE_FILES[body.sample]!;
      const bytes = sample.bytes();
      const id = newMediaId();
      await env.MEDIA.put(simulatorMediaKey(id), bytes, { httpMetadata: { contentType: sample.mimeType }, customMetadata: { filename: sample.filename } });
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      const media: { [key: string]: SimJson } = { id, mime_type: sample.kind === "audio" ? "audio/ogg; codecs=opus" : sample.mimeType, sha256: btoa(String.fromCharCode(...digest)) };
      if (body.caption && sample.kind !== "audio" && sample.kind !== "sticker") media.caption = body.caption;
      if (sample.kind === "audio") media.voice = true;
      if (sample.kind === "document") media.filename = sample.filename;
      if (sample.kind === "sticker") media.animated = false;
      return { type: sample.kind, content: media, text: body.caption ?? sample.filename };
    }
    case "location":
      return {
        type: "location",
        content: { latitude: body.latitude, longitude: body.longitude, ...(body.name ? { name: body.name } : {}), ...(body.address ? { address: body.address } : {}) },
        text: [body.name, body.address].filter(Boolean).join(", ") || `${body.latitude}, ${body.longitude}`,
      };
    case "contacts":
      return {
        type: "contacts",
        content: [{ name: { formatted_name: body.name, first_name: body.name.split(" ")[0]! }, phones: [{ phone: body.phone, wa_id: body.phone.replace(/[^0-9]/g, ""), type: "CELL" }] }],
        text: body.name,
      };
    case "button_reply":
      return { type: "interactive", content: { type: "button_reply", button_reply: { id: body.id, title: body.title } }, text: body.title, ...context(body.replyTo) };
    case "list_reply":
      return {
        type: "interactive",
        content: { type: "list_reply", list_reply: { id: body.id, title: body.title, ...(body.description ? { description: body.description } : {}) } },
        text: body.title,
        ...context(body.replyTo),
      };
    case "flow_reply":
      return {
        type: "interactive",
        content: { type: "nfm_reply", nfm_reply: { name: "flow", body: "Sent", response_json: JSON.stringify({ flow_token: "simulated", ...body.answers }) } },
        text: "Sent",
        ...context(body.replyTo),
      };
    case "template_button":
      return { type: "button", content: { text: body.text, payload: body.payload ?? body.text }, text: body.text, ...context(body.replyTo) };
    case "reaction":
      return { type: "reaction", content: { message_id: body.messageId, ...(body.emoji ? { emoji: body.emoji } : {}) }, text: body.emoji };
    case "order":
      return {
        type: "order",
        content: {
          catalog_id: SIM_CATALOG_ID,
          ...(body.text ? { text: body.text } : {}),
          product_items: body.items.map((i) => ({ product_retailer_id: i.productRetailerId, quantity: i.quantity, item_price: i.price, currency: i.currency })),
        },
        text: body.text ?? `${body.items.length} item(s)`,
      };
    case "product_inquiry":
      return {
        type: "text",
        content: { body: body.text },
        text: body.text,
        context: {
          from: SIM_DISPLAY_PHONE_NUMBER,
          id: body.replyTo ?? freshWamid(),
          referred_product: { catalog_id: body.catalogId ?? SIM_CATALOG_ID, product_retailer_id: body.productRetailerId ?? "tee-m" },
        },
      };
    case "forwarded":
      return {
        type: "text",
        content: { body: body.text },
        text: body.text,
        // Meta's samples carry one flag or the other, never both.
        context: body.frequently ? { frequently_forwarded: true } : { forwarded: true },
      };
    case "system": {
      if (!customer.waId) throw new KindNotPossible("A customer without a phone number cannot change number.");
      const newWaId = body.newPhone ?? freshNumber();
      if (newWaId === customer.waId) throw new KindNotPossible("The new number is the customer's number already.");
      const notice = `User ${customer.name} changed from ${spokenNumber(customer.waId)} to ${spokenNumber(newWaId)}`;
      return { type: "system", content: { body: notice, wa_id: newWaId, type: "user_changed_number" }, text: notice, newWaId };
    }
    case "unsupported": {
      const metaType = body.metaType ?? "poll_creation";
      return {
        type: "unsupported",
        content: { type: metaType },
        text: `[${metaType}]`,
        errors: [
          { code: 131051, title: "Message type unknown", message: "Message type unknown", error_data: { details: "Message type is currently not supported." } },
        ],
      };
    }
    case "echo":
      return { type: "text", content: { body: body.text }, text: body.text, echo: true };
  }
}
