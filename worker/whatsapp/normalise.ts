/**
 * Meta's webhook payload → a flat list of commands for the Conversation DOs. One POST may batch
 * several entries × changes × messages/statuses; each becomes one command, in payload order.
 * Fields other than "messages" (template status updates, account alerts, …) are reported as
 * ignored so the route can acknowledge them without doing anything yet.
 */
import * as v from "valibot";
import {
  MessagesValue,
  type WebhookContact,
  type WebhookEnvelope,
  type WebhookError,
  type WebhookMessage,
  type WebhookStatus,
} from "./webhook-schema";

export interface ChannelInfo {
  phoneNumberId: string;
  displayPhoneNumber: string | null;
  /** The WhatsApp Business Account id (the entry id). */
  wabaId: string | null;
}

/** How a customer is identified: by phone (wa_id), by business-scoped user id, or both. */
export interface CustomerInfo {
  waId: string | null;
  userId: string | null;
  username: string | null;
  name: string | null;
}

export interface InboundMessageData {
  wamid: string;
  /** Meta's type; "unsupported" for a type Chorus does not know (the raw payload is kept). */
  type: string;
  text: string | null;
  /** Meta's timestamp, epoch ms. */
  timestamp: number;
  /** Came through a click-to-WhatsApp ad: the service window is 72 hours instead of 24. */
  fromAd: boolean;
  /** The wamid this message replies to, if any. */
  replyTo: string | null;
  /** The message object exactly as Meta sent it (JSON). */
  raw: string;
}

export type DeliveryStatus = "sent" | "delivered" | "read" | "played" | "failed";
const DELIVERY_STATUSES = new Set<string>(["sent", "delivered", "read", "played", "failed"]);

export interface MetaError {
  code: number;
  title: string;
  details: string | null;
}

export interface StatusData {
  wamid: string;
  status: DeliveryStatus;
  timestamp: number;
  error: MetaError | null;
  /** Our own `biz_opaque_callback_data`, echoed back by Meta. */
  callbackData: string | null;
}

export type WebhookCommand =
  | { kind: "inbound"; channel: ChannelInfo; customer: CustomerInfo; message: InboundMessageData }
  | { kind: "status"; channel: ChannelInfo; recipient: { waId: string | null; userId: string | null }; status: StatusData };

export interface NormalisedWebhook {
  commands: WebhookCommand[];
  /** Changes acknowledged without action (field name), e.g. message_template_status_update. */
  ignoredFields: string[];
  /** Value-level `errors` Meta reported (logged by the route; they never fail the webhook). */
  errors: Array<{ phoneNumberId: string; error: MetaError }>;
  /** Statuses of a kind we do not track (e.g. "deleted"), acknowledged and logged. */
  ignoredStatuses: string[];
}

export type NormaliseResult = { ok: true; webhook: NormalisedWebhook } | { ok: false; reason: string };

const KNOWN_TYPES = new Set([
  "text",
  "image",
  "video",
  "audio",
  "document",
  "sticker",
  "button",
  "interactive",
  "location",
  "reaction",
  "contacts",
  "order",
  "system",
  "request_welcome",
]);

export function toMetaError(error: WebhookError | undefined): MetaError | null {
  if (!error) return null;
  return {
    code: typeof error.code === "number" ? error.code : 0,
    title: error.title ?? error.message ?? "Unknown error",
    details: error.error_data?.details ?? null,
  };
}

function str(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function field(obj: unknown, key: string): unknown {
  return obj && typeof obj === "object" ? (obj as Record<string, unknown>)[key] : undefined;
}

/** The text an agent sees for an inbound message: body, caption, chosen reply, place, emoji… */
export function messageText(message: WebhookMessage, type: string): string | null {
  const content = field(message, type);
  switch (type) {
    case "text":
      return str(field(content, "body"));
    case "image":
    case "video":
    case "audio":
    case "sticker":
      return str(field(content, "caption"));
    case "document":
      return str(field(content, "caption")) ?? str(field(content, "filename"));
    case "button":
      return str(field(content, "text")) ?? str(field(content, "payload"));
    case "interactive": {
      const reply = field(content, "button_reply") ?? field(content, "list_reply") ?? field(content, "nfm_reply");
      return str(field(reply, "title")) ?? str(field(reply, "body")) ?? str(field(reply, "name"));
    }
    case "location": {
      const parts = [str(field(content, "name")), str(field(content, "address"))].filter(Boolean);
      if (parts.length) return parts.join(", ");
      const lat = field(content, "latitude");
      const long = field(content, "longitude");
      return typeof lat === "number" && typeof long === "number" ? `${lat}, ${long}` : null;
    }
    case "reaction":
      return str(field(content, "emoji"));
    case "contacts": {
      if (!Array.isArray(content)) return null;
      const names = content.map((c) => str(field(field(c, "name"), "formatted_name"))).filter(Boolean);
      return names.length ? names.join(", ") : null;
    }
    case "order":
      return str(field(content, "text"));
    case "system":
      return str(field(content, "body"));
    default:
      return null;
  }
}

function findContact(contacts: WebhookContact[] | undefined, waId: string | null, userId: string | null) {
  if (!contacts?.length) return undefined;
  return (
    contacts.find((c) => (userId && c.user_id === userId) || (waId && c.wa_id === waId)) ??
    (contacts.length === 1 ? contacts[0] : undefined)
  );
}

function inboundCommand(value: MessagesValue, channel: ChannelInfo, message: WebhookMessage): WebhookCommand | string {
  const contact = findContact(value.contacts, str(message.from), str(message.from_user_id));
  const waId = str(message.from) ?? str(contact?.wa_id);
  const userId = str(message.from_user_id) ?? str(contact?.user_id);
  if (!waId && !userId) return `message ${message.id} names no sender (from or from_user_id)`;
  const metaType = message.type ?? "unsupported";
  const type = KNOWN_TYPES.has(metaType) ? metaType : "unsupported";
  return {
    kind: "inbound",
    channel,
    customer: {
      waId,
      userId,
      username: str(contact?.profile?.username),
      name: str(contact?.profile?.name),
    },
    message: {
      wamid: message.id,
      type,
      text: messageText(message, type),
      timestamp: message.timestamp,
      fromAd: message.referral !== undefined,
      replyTo: str(message.context?.id),
      raw: JSON.stringify(message),
    },
  };
}

function statusCommand(channel: ChannelInfo, status: WebhookStatus): WebhookCommand | null {
  if (!DELIVERY_STATUSES.has(status.status)) return null;
  return {
    kind: "status",
    channel,
    recipient: { waId: str(status.recipient_id), userId: str(status.recipient_user_id) },
    status: {
      wamid: status.id,
      status: status.status as DeliveryStatus,
      timestamp: status.timestamp,
      error: toMetaError(status.errors?.[0]),
      callbackData: str(status.biz_opaque_callback_data),
    },
  };
}

function describeIssue(issues: v.BaseIssue<unknown>[], where: string): string {
  const issue = issues[0];
  const path = issue?.path?.map((p) => String(p.key)).join(".");
  return `${where}${path ? `.${path}` : ""}: ${issue?.message ?? "invalid"}`;
}

/** Turn a validated envelope into commands; a malformed "messages" value is a reason, not a throw. */
export function normaliseWebhook(envelope: WebhookEnvelope): NormaliseResult {
  const webhook: NormalisedWebhook = { commands: [], ignoredFields: [], errors: [], ignoredStatuses: [] };
  for (const [e, entry] of envelope.entry.entries()) {
    for (const [c, change] of (entry.changes ?? []).entries()) {
      if (change.field !== "messages") {
        webhook.ignoredFields.push(change.field);
        continue;
      }
      const where = `entry.${e}.changes.${c}.value`;
      const parsed = v.safeParse(MessagesValue, change.value);
      if (!parsed.success) return { ok: false, reason: describeIssue(parsed.issues, where) };
      const value = parsed.output;
      const channel: ChannelInfo = {
        phoneNumberId: value.metadata.phone_number_id,
        displayPhoneNumber: str(value.metadata.display_phone_number),
        wabaId: str(entry.id),
      };
      for (const error of value.errors ?? []) {
        webhook.errors.push({ phoneNumberId: channel.phoneNumberId, error: toMetaError(error)! });
      }
      for (const message of value.messages ?? []) {
        const command = inboundCommand(value, channel, message);
        if (typeof command === "string") return { ok: false, reason: `${where}: ${command}` };
        webhook.commands.push(command);
      }
      for (const status of value.statuses ?? []) {
        const command = statusCommand(channel, status);
        if (command) webhook.commands.push(command);
        else webhook.ignoredStatuses.push(status.status);
      }
    }
  }
  return { ok: true, webhook };
}
