/**
 * Build Meta-shaped webhook payloads and POST them signed with the test app secret, exactly as
 * Meta would (HMAC-SHA256 of the raw body in X-Hub-Signature-256).
 */
import { env, exports } from "cloudflare:workers";
import { conversationIdFor } from "../../../worker/services/conversation-id";
import { signWebhookBody } from "../../../worker/whatsapp/signature";

export const APP_SECRET = "test-app-secret";
export const PHONE_NUMBER_ID = "106540352242922";
export const WEBHOOK_URL = "http://example.com/webhooks/whatsapp";

/** POST a webhook; `signature: null` sends none, a string sends that header as is. */
export async function postWebhook(
  payload: unknown,
  options: { signature?: string | null; secret?: string } = {},
): Promise<Response> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const signature = options.signature === undefined ? await signWebhookBody(options.secret ?? APP_SECRET, body) : options.signature;
  if (signature !== null) headers["X-Hub-Signature-256"] = signature;
  return exports.default.fetch(WEBHOOK_URL, { method: "POST", headers, body });
}

/** A unique wamid (Meta's look-alike). */
export function wamid(): string {
  return `wamid.TEST${crypto.randomUUID().replace(/-/g, "").toUpperCase()}`;
}

/** A unique customer phone number (wa_id). */
export function phone(): string {
  return `1555${Math.floor(Math.random() * 1e7).toString().padStart(7, "0")}`;
}

export function seconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

export function envelope(value: Record<string, unknown>, phoneNumberId = PHONE_NUMBER_ID) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

export interface InboundOptions {
  from?: string | null;
  userId?: string | null;
  name?: string;
  username?: string;
  id?: string;
  text?: string;
  /** epoch ms; default now. */
  at?: number;
  referral?: boolean;
  phoneNumberId?: string;
}

/** The `value` parts of one inbound text message. */
export function inboundValue(o: InboundOptions = {}) {
  const from = o.from === undefined ? phone() : o.from;
  return {
    contacts: [
      {
        profile: { name: o.name ?? "Sheena Nelson", ...(o.username ? { username: o.username } : {}) },
        ...(from ? { wa_id: from } : {}),
        ...(o.userId ? { user_id: o.userId } : {}),
      },
    ],
    messages: [
      {
        ...(from ? { from } : {}),
        ...(o.userId ? { from_user_id: o.userId } : {}),
        id: o.id ?? wamid(),
        timestamp: seconds(o.at ?? Date.now()),
        type: "text",
        text: { body: o.text ?? "Does it come in another color?" },
        ...(o.referral
          ? { referral: { source_url: "https://fb.me/x", source_id: "1", source_type: "ad", ctwa_clid: "abc" } }
          : {}),
      },
    ],
  };
}

export function inbound(o: InboundOptions = {}) {
  return envelope(inboundValue(o), o.phoneNumberId);
}

export interface StatusOptions {
  id: string;
  status: "sent" | "delivered" | "read" | "played" | "failed";
  recipient?: string | null;
  recipientUserId?: string;
  callbackData?: string;
  at?: number;
  error?: { code: number; title: string; details?: string };
  phoneNumberId?: string;
}

export function statusUpdate(o: StatusOptions) {
  return envelope(
    {
      statuses: [
        {
          id: o.id,
          status: o.status,
          timestamp: seconds(o.at ?? Date.now()),
          ...(o.recipient ? { recipient_id: o.recipient } : {}),
          ...(o.recipientUserId ? { recipient_user_id: o.recipientUserId } : {}),
          ...(o.callbackData ? { biz_opaque_callback_data: o.callbackData } : {}),
          ...(o.error
            ? {
                errors: [
                  { code: o.error.code, title: o.error.title, message: o.error.title, error_data: { details: o.error.details ?? "" } },
                ],
              }
            : {}),
        },
      ],
    },
    o.phoneNumberId,
  );
}

/** The conversation id of a customer on the test number, as the webhook derived it (null: none). */
export async function conversationOf(
  customer: { waId?: string; userId?: string },
  phoneNumberId = PHONE_NUMBER_ID,
): Promise<string | null> {
  const channel = await env.DB.prepare("SELECT id FROM channels WHERE phone_number_id = ?").bind(phoneNumberId).first<{ id: string }>();
  const contact = await env.DB.prepare("SELECT id FROM contacts WHERE wa_id = ?1 OR user_id = ?2")
    .bind(customer.waId ?? null, customer.userId ?? null)
    .first<{ id: string }>();
  if (!channel || !contact) return null;
  return conversationIdFor(channel.id, contact.id);
}
