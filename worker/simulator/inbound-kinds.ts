/**
 * What a simulated customer can send besides text (issue 5), turned into Meta's message object:
 * `type` and its nested object exactly as the webhook reference documents them. Sample files are
 * stored where the Graph fake serves media from, under a fresh media id.
 */
import * as v from "valibot";
import type { Env } from "../env";
import { newMediaId, simulatorMediaKey } from "./graph-routes";
import { SAMPLE_FILES } from "./sample-media";
import type { SimJson } from "./simulator-do";

const Text = (max: number) => v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(max));
const Wamid = v.pipe(v.string(), v.minLength(1), v.maxLength(256));

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
]);
export type CustomerSendKindBody = v.InferOutput<typeof CustomerSendKindBody>;

export interface MetaMessageSpec {
  type: string;
  content: SimJson;
  text: string;
  context?: { [key: string]: SimJson };
  referral?: { [key: string]: SimJson };
}

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
export async function metaMessageFor(env: Env, body: CustomerSendKindBody): Promise<MetaMessageSpec> {
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
          catalog_id: "100000000000009",
          ...(body.text ? { text: body.text } : {}),
          product_items: body.items.map((i) => ({ product_retailer_id: i.productRetailerId, quantity: i.quantity, item_price: i.price, currency: i.currency })),
        },
        text: body.text ?? `${body.items.length} item(s)`,
      };
  }
}
