/**
 * Message actions in the thread (issue 5): "Reply" quotes a customer message in the next reply,
 * "React" puts an emoji on a message (POST /api/conversations/:id/reactions). Both are free-form
 * WhatsApp messages, so they follow the server's rules (durable-objects/conversation.ts `react`,
 * and sends): the 24-hour window must be open, and someone else's thread is theirs to answer.
 * These helpers decide what the toolbar offers and apply a reaction at once, taking it back when
 * WhatsApp refuses it.
 */
import { request, toApiError, type ApiError, type ConversationDetail, type Message, type User } from "$lib/api";
import { mergeMessage, type ThreadStore } from "$lib/thread.svelte";

/** WhatsApp's quick reactions, in its order. */
export const COMMON_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"] as const;

export type Reaction = NonNullable<Message["reactions"]>[number];

/** Why the actions are not available right now (null: they are). */
export type ActionBlock = { reason: "window_closed" } | { reason: "locked"; holder: string } | { reason: "gone" } | null;

/**
 * The rule the server applies to replies and reactions: the window is open, and the thread is
 * not held by someone else (the holder, or a Manager who takes it over first, answers it).
 */
export function actionBlock(
  detail: Pick<ConversationDetail, "assigneeId" | "assigneeName"> | null,
  user: Pick<User, "id">,
  windowOpen: boolean,
  gone = false,
): ActionBlock {
  if (gone || !detail) return { reason: "gone" };
  if (detail.assigneeId && detail.assigneeId !== user.id) return { reason: "locked", holder: detail.assigneeName ?? "" };
  if (!windowOpen) return { reason: "window_closed" };
  return null;
}

/** A customer message can be quoted; a business message can only be reacted to. Both need a WhatsApp id. */
export function canQuote(message: Pick<Message, "direction" | "wamid" | "type">): boolean {
  return message.direction === "in" && !!message.wamid && message.type !== "system";
}

export function canReact(message: Pick<Message, "direction" | "wamid" | "type">): boolean {
  return message.direction !== "internal" && !!message.wamid && message.type !== "system";
}

/** The business's current reaction on a message, or null. */
export function ownReaction(message: Pick<Message, "reactions">): string | null {
  return message.reactions?.find((r) => r.direction === "out")?.emoji ?? null;
}

/** The reactions with the business's replaced by `emoji` ("" removes it), the customer's kept. */
export function withOwnReaction(reactions: readonly Reaction[] | undefined, emoji: string, at: number): Reaction[] {
  const others = (reactions ?? []).filter((r) => r.direction !== "out");
  return emoji ? [...others, { emoji, direction: "out", at }] : others;
}

function replaceMessage(thread: ThreadStore, id: string, change: (message: Message) => Message): void {
  // ThreadStore.messages is raw state, always replaced whole.
  thread.messages = thread.messages.map((m) => (m.id === id ? change(m) : m));
}

/**
 * Reacts to a message: shown on it at once, sent, then the server's message replaces ours. A
 * refusal (window closed, lock, WhatsApp's 502 with Meta's reason) puts the previous reaction back
 * and is returned for the bubble to show.
 */
export async function react(thread: ThreadStore, message: Message, emoji: string): Promise<ApiError | null> {
  const before = thread.messages.find((m) => m.id === message.id)?.reactions;
  const optimistic = withOwnReaction(before, emoji, Date.now());
  replaceMessage(thread, message.id, (m) => ({ ...m, reactions: optimistic }));
  try {
    const answer = await request<{ message: Message }>("POST", `/api/conversations/${encodeURIComponent(thread.id)}/reactions`, {
      body: { messageId: message.id, emoji },
    });
    replaceMessage(thread, message.id, (m) => mergeMessage(m, answer.message));
    return null;
  } catch (error) {
    // Only undo what we put there: a live update may have moved on meanwhile.
    replaceMessage(thread, message.id, (m) => (ownReaction(m) === (emoji || null) ? { ...m, reactions: before } : m));
    const failure = toApiError(error);
    // The lock or the window changed under us: show the truth.
    if (failure.code === "locked" || failure.code === "window_closed") void thread.refresh();
    return failure;
  }
}

/** Quote this customer message in the next reply (the composer shows it and sends `replyTo`). */
export function replyTo(thread: ThreadStore, message: Message): void {
  thread.replyTo = message;
}
