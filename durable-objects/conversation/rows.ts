/** Row shapes of the DO's tables and their mapping to the API contract. */
import type { Activity, ConversationSummary, Message, MessageStatus, NoteMentions } from "../../worker/contracts/api";
import type { ConversationIndexRow } from "../../worker/services/conversation-index";
import type { MessageContent, Reaction } from "../../worker/contracts/whatsapp";

export interface ThreadRow {
  conversation_id: string;
  channel_id: string;
  phone_number_id: string;
  display_phone_number: string | null;
  contact_id: string;
  wa_id: string | null;
  user_id: string | null;
  username: string | null;
  contact_name: string | null;
  status: ConversationIndexRow["status"];
  assignee_id: string | null;
  assignee_name: string | null;
  team_id: string | null;
  team_name: string | null;
  unread_count: number;
  window_ends_at: number | null;
  last_message_at: number | null;
  last_message_preview: string | null;
  last_message_direction: "in" | "out" | null;
  version: number;
  created_at: number;
  updated_at: number;
  episode: number;
  snoozed_until: number | null;
  closed_at: number | null;
  close_note: string | null;
  close_category: string | null;
  /** Waiting for automatic assignment since (null: not waiting). */
  waiting_since: number | null;
  /** Issue 5: the last inbound message that came from a click-to-WhatsApp ad or post. */
  entry_point_at: number | null;
  /** Issue 5: the 72-hour free entry point window, opened by a reply within 24 h of that message. */
  free_entry_started_at: number | null;
  free_entry_ends_at: number | null;
  /** Issue 5: the window end the "closing soon" alert was sent for. */
  window_warned_for: number | null;
}

export interface MessageRow {
  id: string;
  seq: number;
  wamid: string | null;
  /** "internal": notes and activity items, which never leave Chorus. */
  direction: "in" | "out" | "internal";
  type: string;
  text: string | null;
  template: string | null;
  raw: string | null;
  reply_to: string | null;
  timestamp: number;
  status: MessageStatus;
  status_at: number | null;
  error_code: number | null;
  error_title: string | null;
  error_message: string | null;
  error_reason: string | null;
  error_details: string | null;
  author_id: string | null;
  author_name: string | null;
  idempotency_key: string | null;
  request_fingerprint: string | null;
  created_at: number;
  updated_at: number;
  /** JSON of Activity (type "activity"). */
  activity: string | null;
  /** JSON of NoteMentions (type "note"). */
  mentions: string | null;
  episode: number | null;
  /** JSON of MessageContent (worker/contracts/whatsapp.ts; issue 5). */
  content: string | null;
  /** JSON of Reaction[]: the latest reaction of each side. */
  reactions: string | null;
}

export interface OutboxRow {
  message_id: string;
  state: "queued" | "sending";
  attempts: number;
  next_attempt_at: number;
  sending_since: number | null;
  payload: string;
  last_error: string | null;
}

export interface PendingStatusRow {
  wamid: string;
  status: MessageStatus;
  timestamp: number;
  error_code: number | null;
  error_title: string | null;
  error_details: string | null;
}

export function toMessage(row: MessageRow, conversationId: string): Message {
  return {
    id: row.id,
    conversationId,
    seq: row.seq,
    wamid: row.wamid,
    direction: row.direction,
    type: row.type,
    text: row.text,
    template: row.template ? (JSON.parse(row.template) as Message["template"]) : null,
    timestamp: row.timestamp,
    status: row.status,
    error:
      row.status === "failed" || row.error_code !== null
        ? {
            code: row.error_code ?? 0,
            title: row.error_title ?? "",
            message: row.error_message ?? "",
            reason: row.error_reason ?? "whatsapp_error",
          }
        : null,
    author: row.author_id ? { id: row.author_id, name: row.author_name ?? "" } : null,
    ...(row.activity ? { activity: JSON.parse(row.activity) as Activity } : {}),
    ...(row.mentions ? { mentions: JSON.parse(row.mentions) as NoteMentions } : {}),
    ...(row.content ? { content: JSON.parse(row.content) as MessageContent } : {}),
    ...(row.reactions ? { reactions: JSON.parse(row.reactions) as Reaction[] } : {}),
  };
}

export function toSummary(thread: ThreadRow): ConversationSummary {
  return {
    id: thread.conversation_id,
    channelId: thread.channel_id,
    contact: {
      id: thread.contact_id,
      name: thread.contact_name,
      waId: thread.wa_id,
      userId: thread.user_id,
      username: thread.username,
    },
    status: thread.status,
    assigneeId: thread.assignee_id,
    assigneeName: thread.assignee_id ? thread.assignee_name : null,
    lastMessageAt: thread.last_message_at,
    lastMessagePreview: thread.last_message_preview,
    lastMessageDirection: thread.last_message_direction,
    unreadCount: thread.unread_count,
    windowEndsAt: thread.window_ends_at,
    version: thread.version,
    teamId: thread.team_id,
    teamName: thread.team_id ? thread.team_name : null,
    episode: thread.episode,
    snoozedUntil: thread.status === "snoozed" ? thread.snoozed_until : null,
    ...(thread.free_entry_ends_at ? { freeEntryEndsAt: thread.free_entry_ends_at } : {}),
  };
}

export function toIndexRow(thread: ThreadRow): ConversationIndexRow {
  return {
    id: thread.conversation_id,
    channelId: thread.channel_id,
    contactId: thread.contact_id,
    status: thread.status,
    assigneeId: thread.assignee_id,
    teamId: thread.team_id,
    lastMessageAt: thread.last_message_at,
    lastMessagePreview: thread.last_message_preview,
    lastMessageDirection: thread.last_message_direction,
    unreadCount: thread.unread_count,
    windowEndsAt: thread.window_ends_at,
    version: thread.version,
    createdAt: thread.created_at,
    updatedAt: thread.updated_at,
    episode: thread.episode,
    snoozedUntil: thread.status === "snoozed" ? thread.snoozed_until : null,
    waitingSince: thread.waiting_since,
  };
}

/** The list's one-line preview of a message. */
export function previewOf(text: string | null, type: string): string {
  const base = text ?? `[${type}]`;
  return base.length > 200 ? `${base.slice(0, 199)}…` : base;
}
