/**
 * Meta's side of the wire, from Node: WhatsApp webhook payloads shaped like Meta's, signed like
 * Meta signs them (X-Hub-Signature-256 = HMAC-SHA256 of the raw bytes with the app secret), and
 * POSTed to a running Chorus. Self-contained (node builtins only) so `npm run bench` can import it
 * through Node's type stripping as well as the vitest fault suite.
 */
import { createHmac, randomUUID } from "node:crypto";

export const PHONE_NUMBER_ID = "106540352242922";
export const DISPLAY_PHONE_NUMBER = "15550783881";
export const WABA_ID = "102290129340398";

export function signature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** A unique Meta-looking message id. */
export function newWamid(tag = "F"): string {
  return `wamid.${tag}${randomUUID().replace(/-/g, "").toUpperCase()}`;
}

/** Unix seconds as Meta writes them (a string). */
export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

export interface Customer {
  waId: string;
  name: string;
}

/** One `changes[].value` for the messages field. */
export interface MessagesValue {
  messaging_product: "whatsapp";
  metadata: { display_phone_number: string; phone_number_id: string };
  contacts?: unknown[];
  messages?: unknown[];
  statuses?: unknown[];
}

export function messagesValue(parts: Partial<MessagesValue>, phoneNumberId = PHONE_NUMBER_ID): MessagesValue {
  return {
    messaging_product: "whatsapp",
    metadata: { display_phone_number: DISPLAY_PHONE_NUMBER, phone_number_id: phoneNumberId },
    ...parts,
  };
}

/** A webhook POST body: one entry, one change per value (Meta batches like this). */
export function envelope(values: MessagesValue[]) {
  return {
    object: "whatsapp_business_account",
    entry: [{ id: WABA_ID, changes: values.map((value) => ({ value, field: "messages" })) }],
  };
}

export interface InboundSpec {
  customer: Customer;
  wamid: string;
  /** Meta's timestamp, epoch ms (sent as Unix seconds). */
  at: number;
  type?: string;
  /** The type's content object, e.g. `{ body: "hi" }` for text. */
  content?: unknown;
  referral?: unknown;
}

export function inboundMessage(spec: InboundSpec) {
  const type = spec.type ?? "text";
  return {
    from: spec.customer.waId,
    id: spec.wamid,
    timestamp: unixSeconds(spec.at),
    type,
    [type]: spec.content ?? { body: "hello" },
    ...(spec.referral ? { referral: spec.referral } : {}),
  };
}

/** A value carrying messages from one customer (with their contact card). */
export function inboundValue(specs: InboundSpec[]): MessagesValue {
  const customers = new Map(specs.map((s) => [s.customer.waId, s.customer]));
  return messagesValue({
    contacts: [...customers.values()].map((c) => ({ profile: { name: c.name }, wa_id: c.waId })),
    messages: specs.map(inboundMessage),
  });
}

export function textWebhook(customer: Customer, text: string, at = Date.now(), wamid = newWamid()) {
  return envelope([inboundValue([{ customer, wamid, at, content: { body: text } }])]);
}

export interface StatusSpec {
  wamid: string;
  status: "sent" | "delivered" | "read" | "failed";
  at: number;
  recipient: string;
  callbackData?: string;
}

export function statusValue(statuses: StatusSpec[]): MessagesValue {
  return messagesValue({
    statuses: statuses.map((s) => ({
      id: s.wamid,
      status: s.status,
      timestamp: unixSeconds(s.at),
      recipient_id: s.recipient,
      ...(s.callbackData ? { biz_opaque_callback_data: s.callbackData } : {}),
      ...(s.status === "failed"
        ? { errors: [{ code: 131026, title: "Message undeliverable", message: "Message undeliverable" }] }
        : {}),
    })),
  });
}

export interface PostOptions {
  /** undefined: sign correctly; null: no header; a string: that header as is. */
  signature?: string | null;
  /** Abort after this many ms (default 30 s). */
  timeoutMs?: number;
}

export interface PostResult {
  status: number;
  body: string;
}

/** POST a webhook body to Chorus. Network errors come back as status 0 (Meta would retry). */
export async function postWebhook(baseUrl: string, secret: string, payload: unknown, options: PostOptions = {}): Promise<PostResult> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const sig = options.signature === undefined ? signature(secret, body) : options.signature;
  if (sig !== null) headers["X-Hub-Signature-256"] = sig;
  try {
    const res = await fetch(`${baseUrl}/webhooks/whatsapp`, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { status: 0, body: err instanceof Error ? err.message : String(err) };
  }
}
