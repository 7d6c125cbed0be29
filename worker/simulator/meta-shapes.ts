/**
 * Meta's wire shapes, built the way Meta builds them: inbound message webhooks, status webhooks,
 * Graph API success answers and Graph API errors. Field names and nesting follow Meta's webhook
 * reference and the samples in /work/shared/fixtures/whatsapp (inbound-text.json,
 * inbound-text-bsuid-username-no-phone.json, status-*.json).
 */
import { SIM_DISPLAY_PHONE_NUMBER, SIM_PHONE_NUMBER_ID, SIM_WABA_ID } from "./constants";

/** A simulated customer as Meta knows them: a phone (wa_id) and/or a business-scoped user id. */
export interface SimCustomerIdentity {
  waId: string | null;
  userId: string;
  username: string | null;
  name: string;
}

/** `played`: the customer listened to a voice note the business sent (after `read`). */
export type OutboundStatus = "sent" | "delivered" | "read" | "played";

export interface Pricing {
  billable: boolean;
  pricing_model: "PMP";
  type: "regular" | "free_customer_service";
  category: string;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** A fresh WhatsApp message id in Meta's format ("wamid." + base64). */
export function newWamid(): string {
  return `wamid.${base64(crypto.getRandomValues(new Uint8Array(36)))}`;
}

/** Meta's fbtrace_id: a short opaque string support can look up. */
export function newFbtraceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(11));
  let out = "";
  for (const b of bytes) out += B64[b % 62];
  return out;
}

/** Epoch seconds as a string: Meta's webhook `timestamp` format. */
export function metaTimestamp(ms: number): string {
  return String(Math.floor(ms / 1000));
}

function envelope(value: Record<string, unknown>, field: "messages" | "smb_message_echoes" = "messages") {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: SIM_WABA_ID,
        changes: [
          {
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: SIM_DISPLAY_PHONE_NUMBER, phone_number_id: SIM_PHONE_NUMBER_ID },
              ...value,
            },
            field,
          },
        ],
      },
    ],
  };
}

/**
 * The webhook Meta POSTs when a customer writes text. A customer with a phone number carries
 * `wa_id`/`from`; every customer carries the business-scoped `user_id`/`from_user_id` (Meta adds it
 * to every message webhook since 2026); a username, when set, rides in `profile.username`.
 */
export function inboundTextWebhook(customer: SimCustomerIdentity, message: { wamid: string; at: number; text: string }) {
  return inboundWebhook(customer, { wamid: message.wamid, at: message.at, type: "text", content: { body: message.text } });
}

/**
 * Any inbound message kind (issue 5): `type` and its object exactly as Meta nests them
 * (`{"type":"image","image":{…}}`), plus an optional `context` (a reply, a product inquiry, a
 * forward), `referral` (a click-to-WhatsApp ad) and message-level `errors` (an `unsupported`
 * message). A `system` notice comes without `contacts`, as in Meta's reference.
 */
export function inboundWebhook(
  customer: SimCustomerIdentity,
  message: {
    wamid: string;
    at: number;
    type: string;
    content: unknown;
    context?: Record<string, unknown>;
    referral?: Record<string, unknown>;
    errors?: unknown[];
  },
) {
  const contact: Record<string, unknown> = {
    profile: customer.username ? { name: customer.name, username: customer.username } : { name: customer.name },
  };
  if (customer.waId) contact.wa_id = customer.waId;
  contact.user_id = customer.userId;

  const msg: Record<string, unknown> = {};
  if (customer.waId) msg.from = customer.waId;
  msg.from_user_id = customer.userId;
  Object.assign(msg, { id: message.wamid, timestamp: metaTimestamp(message.at) });
  if (message.context) msg.context = message.context;
  if (message.referral) msg.referral = message.referral;
  if (message.errors) msg.errors = message.errors;
  Object.assign(msg, { type: message.type, [message.type]: message.content });

  return envelope(message.type === "system" ? { messages: [msg] } : { contacts: [contact], messages: [msg] });
}

/**
 * The webhook Meta POSTs when the owner writes to a customer from the WhatsApp Business app
 * (coexistence): field `smb_message_echoes`, `message_echoes[]` with `from` = the business number,
 * `to` = the customer's phone (left out without one) and `to_user_id` = their business-scoped id.
 */
export function echoWebhook(customer: SimCustomerIdentity, message: { wamid: string; at: number; type: string; content: unknown }) {
  const echo: Record<string, unknown> = { from: SIM_DISPLAY_PHONE_NUMBER };
  if (customer.waId) echo.to = customer.waId;
  echo.to_user_id = customer.userId;
  Object.assign(echo, { id: message.wamid, timestamp: metaTimestamp(message.at), type: message.type, [message.type]: message.content });
  return envelope({ message_echoes: [echo] }, "smb_message_echoes");
}

/** Meta's answer to GET /{media-id}: a short-lived URL to download the file with the token. */
export function mediaLookupAnswer(id: string, file: { url: string; mimeType: string; size: number; sha256: string }) {
  return { messaging_product: "whatsapp", url: file.url, mime_type: file.mimeType, sha256: file.sha256, file_size: file.size, id };
}

/**
 * The webhook Meta POSTs when an outbound message changes status. `recipient_id` is the phone
 * number and is left out for a customer known only by username; `recipient_user_id` is always
 * there; `biz_opaque_callback_data` comes back exactly as the business sent it.
 */
export function statusWebhook(
  customer: SimCustomerIdentity,
  status: { wamid: string; status: OutboundStatus; at: number; callbackData: string | null; pricing: Pricing | null },
) {
  const s: Record<string, unknown> = { id: status.wamid, status: status.status, timestamp: metaTimestamp(status.at) };
  if (customer.waId) s.recipient_id = customer.waId;
  s.recipient_user_id = customer.userId;
  if (status.callbackData !== null) s.biz_opaque_callback_data = status.callbackData;
  // Meta attaches pricing to sent and delivered, not to read or played (Graph API v24+ dropped `conversation`).
  if (status.pricing && (status.status === "sent" || status.status === "delivered")) s.pricing = status.pricing;
  return envelope({ statuses: [s] });
}

/** Meta's answer to an accepted POST /{phone-number-id}/messages. */
export function sendAccepted(input: string, customer: SimCustomerIdentity, byUserId: boolean, wamid: string, isTemplate: boolean) {
  // Sent by business-scoped user id, Meta does not reveal the phone number behind it.
  const contact = byUserId ? { input, user_id: customer.userId } : { input, wa_id: customer.waId };
  const message: Record<string, unknown> = { id: wamid };
  if (isTemplate) message.message_status = "accepted";
  return { messaging_product: "whatsapp", contacts: [contact], messages: [message] };
}

export interface GraphError {
  status: 400 | 401 | 404 | 500;
  body: {
    error: {
      message: string;
      type: string;
      code: number;
      error_subcode?: number;
      error_data?: { messaging_product: "whatsapp"; details: string };
      fbtrace_id: string;
    };
  };
}

function graphError(status: GraphError["status"], code: number, type: string, message: string, details?: string, subcode?: number): GraphError {
  const error: GraphError["body"]["error"] = { message, type, code, fbtrace_id: newFbtraceId() };
  if (subcode !== undefined) error.error_subcode = subcode;
  if (details !== undefined) error.error_data = { messaging_product: "whatsapp", details };
  return { status, body: { error } };
}

/** The Graph API errors the simulator answers with, worded as Meta words them (WhatsApp error codes table). */
export const graphErrors = {
  missingToken: () =>
    graphError(401, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token", "The request has no Authorization: Bearer token."),
  invalidToken: () =>
    graphError(401, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token", "The access token does not match WHATSAPP_ACCESS_TOKEN."),
  invalidParameter: (details: string) => graphError(400, 100, "OAuthException", "(#100) Invalid parameter", details),
  unknownPhoneNumberId: (id: string) =>
    graphError(
      400,
      100,
      "GraphMethodException",
      `Unsupported post request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      undefined,
      33,
    ),
  undeliverable: (recipient: string) =>
    graphError(
      400,
      131026,
      "OAuthException",
      "(#131026) Message undeliverable",
      `Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number. (No simulated customer is ${recipient}.)`,
    ),
  templateNotFound: (name: string, language: string) =>
    graphError(404, 132001, "OAuthException", "(#132001) Template name does not exist in the translation", `template name (${name}) does not exist in ${language}`),
  mediaLookupFailed: () => graphError(500, 2, "OAuthException", "Service temporarily unavailable", "The simulator was told to fail this media lookup."),
  unknownMedia: (id: string) =>
    graphError(400, 100, "GraphMethodException", `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, undefined, 33),
  templateParamMismatch: (expected: number, got: number) =>
    graphError(
      400,
      132000,
      "OAuthException",
      "(#132000) Number of parameters does not match the expected number of params",
      `body: number of localizable_params (${got}) does not match the expected number of params (${expected})`,
    ),
};

/** HMAC-SHA256 of the raw body with the app secret, as Meta puts it in X-Hub-Signature-256. */
export async function signatureHeader(rawBody: string, appSecret: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(appSecret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(rawBody)));
  let hex = "";
  for (const b of mac) hex += b.toString(16).padStart(2, "0");
  return `sha256=${hex}`;
}
