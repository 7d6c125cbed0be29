/** The Conversation DO's RPC inputs and outputs (plain data: they cross the RPC boundary). */
import type { ConversationSummary, Message } from "../../worker/contracts/api";
import type { Role } from "../../worker/env";
import type { OutboundContent } from "../../worker/whatsapp/graph-client";
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
}

export type SendResult =
  | { ok: true; message: Message; replayed: boolean }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "locked"; holder: { id: string; name: string } }
  | { ok: false; reason: "window_closed"; windowEndsAt: number | null }
  | { ok: false; reason: "idempotency_conflict" };

export interface MessagePage {
  messages: Message[];
  nextCursor: string | null;
}

export type { ConversationSummary, Message };
