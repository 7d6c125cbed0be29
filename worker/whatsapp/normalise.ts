/**
 * Meta's webhook payload → a flat list of commands for the Conversation DOs. One POST may batch
 * several entries × changes × messages/statuses; each becomes one command, in payload order.
 * "messages" and "smb_message_echoes" (coexistence: the owner answering from the WhatsApp
 * Business app) become thread commands; "message_template_status_update" becomes a template
 * update; other fields (account alerts, …) are reported as ignored and acknowledged.
 */
import * as v from "valibot";
import type { MessageContent } from "../contracts/whatsapp";
import { contentOf, reactionOf, storedType, summaryOf } from "./content";
import {
  MessagesValue,
  WebhookMessage,
  type WebhookContact,
  type WebhookEnvelope,
  type WebhookError,
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
  /** What the thread renders (worker/contracts/whatsapp.ts). */
  content: MessageContent;
  /** Sent by the business from the WhatsApp Business app (smb_message_echoes): stored as outbound. */
  echo: boolean;
  /** A reaction: applied to the message it targets instead of becoming a bubble (emoji null: removed). */
  reaction: { targetWamid: string; emoji: string | null } | null;
  /** The customer came from a click-to-WhatsApp ad or a Facebook/Instagram post (a free entry point). */
  entryPoint: boolean;
}

/** A `message_template_status_update` webhook: Meta approved, rejected, paused or disabled a template. */
export interface TemplateStatusUpdate {
  wabaId: string | null;
  templateId: string | null;
  name: string;
  language: string;
  /** Meta's event: APPROVED, REJECTED, PAUSED, DISABLED, PENDING_DELETION, FLAGGED, … */
  event: string;
  reason: string | null;
  category: string | null;
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
  /** Value-level `errors` Meta reported (recorded per channel; they never fail the webhook). */
  errors: Array<{ phoneNumberId: string; channel: ChannelInfo; error: MetaError }>;
  /** Template approvals, rejections, pauses… (synced into D1 at once). */
  templateUpdates: TemplateStatusUpdate[];
  /** Statuses of a kind we do not track (e.g. "deleted"), acknowledged and logged. */
  ignoredStatuses: string[];
}

export type NormaliseResult = { ok: true; webhook: NormalisedWebhook } | { ok: false; reason: string };

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
  if (type === "reaction") return str(field(field(message, "reaction"), "emoji"));
  return summaryOf(contentOf({ ...message, type } as Record<string, unknown>));
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
  return {
    kind: "inbound",
    channel,
    customer: {
      waId,
      userId,
      username: str(contact?.profile?.username),
      name: str(contact?.profile?.name),
    },
    message: messageData(message, false),
  };
}

/** The stored form of one message object (inbound, or an echo of the owner's own message). */
function messageData(message: WebhookMessage, echo: boolean): InboundMessageData {
  const type = storedType(message.type);
  const content = contentOf(message as Record<string, unknown>);
  if (echo) content.source = "business_app";
  const reaction = reactionOf(message as Record<string, unknown>);
  return {
    wamid: message.id,
    type,
    text: reaction ? reaction.emoji : summaryOf(content),
    timestamp: message.timestamp,
    fromAd: message.referral !== undefined,
    replyTo: str(message.context?.id),
    raw: JSON.stringify(message),
    content,
    echo,
    reaction,
    entryPoint: message.referral !== undefined,
  };
}

/** Meta writes the echo's `to` as it was typed ("+1 650-555-1234"); wa_id is digits only. */
function digitsOnly(value: string | null): string | null {
  if (!value) return null;
  return /^[+0-9 ()\-.]+$/.test(value) ? value.replace(/[^0-9]/g, "") || null : value;
}

/**
 * An echo of a message the owner sent from the WhatsApp Business app (coexistence). `to` is the
 * customer (phone, or a business-scoped user id as `to_user_id`); stored as an outbound message.
 */
function echoCommand(channel: ChannelInfo, message: WebhookMessage): WebhookCommand | string {
  const m = message as WebhookMessage & { to?: unknown; to_user_id?: unknown };
  const waId = digitsOnly(str(m.to));
  const userId = str(m.to_user_id);
  if (!waId && !userId) return `message echo ${message.id} names no customer (to or to_user_id)`;
  const isUserId = waId !== null && !/^[0-9]+$/.test(waId);
  return {
    kind: "inbound",
    channel,
    customer: { waId: isUserId ? null : waId, userId: userId ?? (isUserId ? waId : null), username: null, name: null },
    message: messageData(message, true),
  };
}

const TemplateUpdateValue = v.looseObject({
  event: v.pipe(v.string(), v.minLength(1)),
  message_template_id: v.optional(v.union([v.string(), v.number()])),
  message_template_name: v.pipe(v.string(), v.minLength(1)),
  message_template_language: v.pipe(v.string(), v.minLength(1)),
  reason: v.optional(v.nullable(v.string())),
  message_template_category: v.optional(v.string()),
});

const EchoesValue = v.looseObject({
  ...MessagesValue.entries,
  message_echoes: v.optional(v.array(v.looseObject({ ...WebhookMessage.entries, to: v.optional(v.string()) }))),
});

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
  const webhook: NormalisedWebhook = { commands: [], ignoredFields: [], errors: [], ignoredStatuses: [], templateUpdates: [] };
  for (const [e, entry] of envelope.entry.entries()) {
    for (const [c, change] of (entry.changes ?? []).entries()) {
      const where = `entry.${e}.changes.${c}.value`;
      if (change.field === "message_template_status_update") {
        const parsed = v.safeParse(TemplateUpdateValue, change.value);
        if (!parsed.success) return { ok: false, reason: describeIssue(parsed.issues, where) };
        const value = parsed.output;
        webhook.templateUpdates.push({
          wabaId: str(entry.id),
          templateId: value.message_template_id === undefined ? null : String(value.message_template_id),
          name: value.message_template_name,
          language: value.message_template_language,
          event: value.event.toUpperCase(),
          reason: str(value.reason ?? null),
          category: str(value.message_template_category ?? null),
        });
        continue;
      }
      if (change.field !== "messages" && change.field !== "smb_message_echoes") {
        webhook.ignoredFields.push(change.field);
        continue;
      }
      const parsed = v.safeParse(EchoesValue, change.value);
      if (!parsed.success) return { ok: false, reason: describeIssue(parsed.issues, where) };
      const value = parsed.output;
      const channel: ChannelInfo = {
        phoneNumberId: value.metadata.phone_number_id,
        displayPhoneNumber: str(value.metadata.display_phone_number),
        wabaId: str(entry.id),
      };
      for (const error of value.errors ?? []) {
        webhook.errors.push({ phoneNumberId: channel.phoneNumberId, channel, error: toMetaError(error)! });
      }
      for (const message of value.messages ?? []) {
        const command = inboundCommand(value, channel, message);
        if (typeof command === "string") return { ok: false, reason: `${where}: ${command}` };
        webhook.commands.push(command);
      }
      for (const message of value.message_echoes ?? []) {
        const command = echoCommand(channel, message);
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
