/**
 * Live events pushed over GET /api/events. Every thread event carries the thread's `version`
 * so the browser applies them in order and refetches the thread when it sees a gap.
 */
import type { ConversationSummary, Message } from "./api";

export type LiveEvent =
  | { type: "hello"; userId: string }
  | { type: "message.created"; conversationId: string; version: number; message: Message }
  | { type: "message.updated"; conversationId: string; version: number; message: Message }
  | { type: "conversation.updated"; conversationId: string; version: number; conversation: ConversationSummary };
