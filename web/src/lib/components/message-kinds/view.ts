/**
 * What a thread bubble needs to render a WhatsApp message kind (issue 5): the message's structured
 * `content`, its reactions, and where its file is served (GET /api/media/:conversationId/:messageId,
 * which checks that the viewer may see the thread). Thread.svelte passes `kindView(message)` in its
 * BubbleView as `kind`.
 */
import type * as v from "valibot";
import type * as W from "$contracts/whatsapp";
import type { Message } from "$lib/api";

export type MessageContent = v.InferOutput<typeof W.MessageContent>;
export type Reaction = v.InferOutput<typeof W.Reaction>;

export interface KindView {
  content: MessageContent;
  reactions: Reaction[];
  /** Where the message's file is served from (only meaningful for media). */
  mediaUrl: string;
  direction: "in" | "out";
}

/** The kind view of a message, or undefined when plain text says it all. */
export function kindView(message: Pick<Message, "id" | "conversationId" | "direction" | "content" | "reactions">): KindView | undefined {
  const content = message.content;
  const reactions = message.reactions ?? [];
  if (!content || message.direction === "internal") return undefined;
  const plain = content.kind === "text" && !content.context && !content.referral && !content.source;
  if (plain && reactions.length === 0) return undefined;
  return {
    content,
    reactions,
    mediaUrl: `/api/media/${encodeURIComponent(message.conversationId)}/${encodeURIComponent(message.id)}`,
    direction: message.direction,
  };
}

/** Only http(s) links leave Chorus from customer- or Meta-supplied URLs. */
export function safeHttpUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A map link for coordinates (opens the phone's or browser's maps). */
export function mapUrl(latitude: number, longitude: number): string {
  return `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(`${latitude},${longitude}`)}`;
}

/** "1.2 MB" / "830 KB" / "12 B". */
export function fileSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "";
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}
