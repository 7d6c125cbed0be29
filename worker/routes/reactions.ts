/**
 * POST /api/conversations/:id/reactions {messageId, emoji} — the business reacts to a message
 * (issue 5). The reaction shows on that message (never as a new bubble); "" removes it. The reply
 * lock and the 24-hour window apply as for any free-form message.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { requireUser } from "../auth/middleware";
import { isSingleEmoji, REACTION_EMOJI_RULE } from "../contracts/whatsapp";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { isConversationId } from "../services/conversation-id";
import { conversationAccess } from "../services/conversation-queries";
import { validate } from "../validation";
import { explainMetaError } from "../whatsapp/error-sentences";
import { ReactionBody } from "../whatsapp/outbound";

const IdParam = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });

export const reactionRoutes = new Hono<AppEnv>();
reactionRoutes.use("*", requireUser);

reactionRoutes.post("/:id/reactions", validate("param", IdParam), validate("json", ReactionBody), async (c) => {
  const { id } = c.req.valid("param");
  const { messageId, emoji } = c.req.valid("json");
  // Meta refuses anything but one emoji after the fact (a 502); say so now, before calling it.
  if (emoji !== "" && !isSingleEmoji(emoji)) throw new ApiError(400, "invalid_request", `emoji: ${REACTION_EMOJI_RULE}`);
  const found = isConversationId(id) ? (await conversationAccess(c.env.DB, c.var.user, [id])).get(id) : undefined;
  if (!found || !(found.visible || found.inQueue)) throw new ApiError(404, "not_found", "There is no such conversation.");
  const user = c.var.user;
  const result = await c.env.CONVERSATION.getByName(id).react({ actor: { id: user.id, name: user.name, role: user.role }, messageId, emoji });
  if (result.ok) return c.json({ message: result.message });
  switch (result.reason) {
    case "not_found":
      throw new ApiError(404, "not_found", "There is no such conversation.");
    case "message_not_found":
      throw new ApiError(404, "message_not_found", "There is no message with a WhatsApp id to react to in this conversation.");
    case "window_closed":
      throw new ApiError(422, "window_closed", "The 24-hour window is closed: the customer has not written in the last 24 hours.");
    case "locked":
      throw new ApiError(409, "locked", `${result.holder.name || "Another agent"} is replying to this conversation.`, { holder: result.holder });
    case "whatsapp_error":
      // `reason` (Meta's code as a stable word) lets the web app say it in the agent's language.
      throw new ApiError(502, "whatsapp_error", result.message, { metaCode: result.code, reason: explainMetaError(result.code).reason });
  }
});
