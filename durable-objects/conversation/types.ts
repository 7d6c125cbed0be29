/** The Conversation DO's RPC inputs and outputs (plain data: they cross the RPC boundary). */
import type { ConversationStatus, ConversationSummary, Message, NoteMentions } from "../../worker/contracts/api";
import type { Role } from "../../worker/env";
import type { OutboundContent } from "../../worker/whatsapp/graph-client";
import type { MessageContent } from "../../worker/contracts/whatsapp";
import type { InboundMessageData, StatusData } from "../../worker/whatsapp/normalise";

/** Who this thread is between; stored on the first call, contact fields kept current. */
export interface ThreadIdentity {
  conversationId: string;
  channel: { id: string; phoneNumberId: string; displayPhoneNumber: string | null };
  contact: { id: string; waId: string | null; userId: string | null; username: string | null; name: string | null };
}

export type IngestItem =
  | { kind: "message"; message: InboundMessageData }
  /** `messageId`: from our callback data, lets a status reconcile a send whose answer was lost. */
  | { kind: "status"; status: StatusData; messageId: string | null };

export interface IngestInput {
  /** Required when `items` holds messages; statuses routed by callback data may come without. */
  identity: ThreadIdentity | null;
  items: IngestItem[];
}

export interface IngestResult {
  stored: number;
  duplicates: number;
  statusesApplied: number;
  /** Statuses for a wamid not known yet, kept until it appears. */
  statusesPending: number;
  /** Items refused because this thread has no identity yet (a status for a thread never created). */
  skipped: number;
}

export interface SendInput {
  author: { id: string; name: string; role: Role };
  content: OutboundContent;
  /** What the thread shows: the text, or the template body with its parameters filled in. */
  text: string;
  idempotencyKey: string | null;
  /** Issue 5: the message id to use (outbound media is stored in R2 under it before the send). */
  messageId?: string;
  /** Issue 5: what the thread renders for it (media, interactive, location…); the DO adds the quote. */
  display?: MessageContent | null;
}

export interface Person {
  id: string;
  name: string;
}

export interface Actor extends Person {
  role: Role;
}

export type SendResult =
  /** `tookOver`: a Manager or Owner replied to a thread this person held, and now holds it. */
  | { ok: true; message: Message; replayed: boolean; tookOver?: Person }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "locked"; holder: { id: string; name: string } }
  | { ok: false; reason: "window_closed"; windowEndsAt: number | null }
  | { ok: false; reason: "idempotency_conflict" };

export interface MessagePage {
  messages: Message[];
  nextCursor: string | null;
}

export type { ConversationSummary, Message };

export interface AssignInput {
  actor: Actor;
  /** "claim": the actor takes the thread. "set": the thread goes to `assignee` (null: nobody). */
  mode: "claim" | "set";
  assignee: Person | null;
  /** Omitted: keep the thread's team; null: no team. */
  team?: Person | null;
}

export type AssignResult =
  | {
      ok: true;
      conversation: ConversationSummary;
      changed: boolean;
      previousAssignee: Person | null;
      /** Someone else held it and no longer does (the route writes the audit log). */
      reassigned: boolean;
    }
  | { ok: false; reason: "not_found" }
  /** An agent reached for a thread someone else holds. */
  | { ok: false; reason: "locked"; holder: Person }
  /** An agent tried what only a Manager or Owner may do (assign others, reassign, move teams). */
  | { ok: false; reason: "forbidden"; message: string };

export interface StatusInput {
  actor: Actor;
  status: ConversationStatus;
  /** snoozed: when it wakes (epoch ms, future). */
  until?: number | null;
  /** closed: the closing note and category. */
  note?: string | null;
  category?: string | null;
}

export type StatusResult =
  | { ok: true; conversation: ConversationSummary; changed: boolean }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "locked"; holder: Person }
  | { ok: false; reason: "snooze_in_past" };

export interface NoteInput {
  author: Person;
  text: string;
  mentions: NoteMentions;
}

export type NoteResult = { ok: true; note: Message } | { ok: false; reason: "not_found" };
