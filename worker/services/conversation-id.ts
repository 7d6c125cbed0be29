/**
 * A thread's id is derived from (channel id, contact id), so every webhook for the same customer on
 * the same number reaches the same Conversation DO (`env.CONVERSATION.getByName(id)`) without
 * looking anything up, and a replayed webhook can never create a second thread.
 */
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const encoder = new TextEncoder();

export const CONVERSATION_ID_PATTERN = /^cnv_[a-z2-7]{20}$/;

/** `cnv_` + 20 base32 characters (100 bits) of SHA-256(channelId "|" contactId). */
export async function conversationIdFor(channelId: string, contactId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(`${channelId}|${contactId}`)));
  let out = "";
  for (let i = 0; i < 20; i++) out += ALPHABET[digest[i]! & 31];
  return `cnv_${out}`;
}

export function isConversationId(value: string): boolean {
  return CONVERSATION_ID_PATTERN.test(value);
}

/**
 * `biz_opaque_callback_data` for an outbound message: "<conversationId>:<messageId>". Meta echoes
 * it on every status webhook, which then routes straight to the thread (no D1 lookup) and names
 * the message, so a send whose answer was lost (crash, timeout) is reconciled by its first status.
 */
export function callbackDataFor(conversationId: string, messageId: string): string {
  return `${conversationId}:${messageId}`;
}

export function parseCallbackData(data: string | null | undefined): { conversationId: string; messageId: string | null } | null {
  if (!data) return null;
  const [conversationId, messageId, ...rest] = data.split(":");
  if (rest.length || !conversationId || !isConversationId(conversationId)) return null;
  if (messageId !== undefined && !/^msg_[a-z2-7]{20}$/.test(messageId)) return null;
  return { conversationId, messageId: messageId ?? null };
}
