/**
 * Live events pushed over GET /api/events. Every thread event carries the thread's `version`
 * so the browser applies them in order and refetches the thread when it sees a gap.
 */
import type { ConversationSummary, Message } from "./api";

/**
 * Who may see the thread a message event belongs to (its holder and team), so the Hub can apply
 * the role rules without a lookup. Notes and activity items are message events too (by `type`).
 */
export interface ThreadAccess {
  assigneeId: string | null;
  teamId: string | null;
}

export type LiveEvent =
  | { type: "hello"; userId: string }
  | { type: "message.created"; conversationId: string; version: number; message: Message; access?: ThreadAccess }
  | { type: "message.updated"; conversationId: string; version: number; message: Message; access?: ThreadAccess }
  | { type: "conversation.updated"; conversationId: string; version: number; conversation: ConversationSummary };

/** What a person is doing in a thread, as others see it (issue 4: "Anna is replying"). */
export type PresenceState = "viewing" | "typing";

/**
 * Browser → server on the /api/events socket: `{type:"presence", conversationId, state}` with state
 * "viewing" | "typing" | "idle", re-sent every ~10 s while it holds ("idle" when leaving the thread).
 * Server → browser: who is in a thread now. An entry not refreshed within PRESENCE_TTL_MS is gone.
 */
export interface PresenceEvent {
  type: "presence";
  conversationId: string;
  users: { id: string; name: string; state: PresenceState }[];
}

export const PRESENCE_TTL_MS = 30_000;
