/**
 * /api/conversations: the inbox list and one thread (from the D1 index), its messages and replies
 * (from the thread's Conversation DO, the source of truth). Every route needs a signed-in user.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { requireUser } from "../auth/middleware";
import { ConversationListQuery, MessageListQuery, SendMessageBody, type SendMessageBody as SendBody } from "../contracts/api";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { isConversationId } from "../services/conversation-id";
import { conversationChannelId, getConversationDetail, listConversations } from "../services/conversation-queries";
import { findTemplate, placeholderCount, renderTemplate } from "../services/templates";
import { validate } from "../validation";
import type { OutboundContent } from "../whatsapp/graph-client";

export const conversationRoutes = new Hono<AppEnv>();

conversationRoutes.use("*", requireUser);

const IdParam = v.object({ id: v.pipe(v.string(), v.maxLength(64)) });
const IdempotencyKey = v.pipe(v.string(), v.minLength(1), v.maxLength(255));

function notFound(): ApiError {
  return new ApiError(404, "not_found", "There is no such conversation.");
}

/** A page size from the query: 1–100, default 50. */
function pageSize(limit: string | undefined): number {
  if (limit === undefined) return 50;
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new ApiError(400, "invalid_request", "limit: limit is a number from 1 to 100");
  }
  return n;
}

function badCursor(): ApiError {
  return new ApiError(400, "invalid_request", "cursor: this cursor is not one the server gave out.");
}

conversationRoutes.get("/", validate("query", ConversationListQuery), async (c) => {
  const query = c.req.valid("query");
  const result = await listConversations(c.env.DB, c.var.user, { ...query, limit: pageSize(query.limit) });
  if (!result.ok) throw badCursor();
  return c.json({ conversations: result.conversations, nextCursor: result.nextCursor });
});

conversationRoutes.get("/:id", validate("param", IdParam), async (c) => {
  const { id } = c.req.valid("param");
  const detail = isConversationId(id) ? await getConversationDetail(c.env.DB, c.var.user, id) : null;
  if (!detail) throw notFound();
  return c.json(detail);
});

conversationRoutes.get("/:id/messages", validate("param", IdParam), validate("query", MessageListQuery), async (c) => {
  const { id } = c.req.valid("param");
  const query = c.req.valid("query");
  const limit = pageSize(query.limit);
  if (!isConversationId(id) || !(await getConversationDetail(c.env.DB, c.var.user, id))) throw notFound();
  const page = await c.env.CONVERSATION.getByName(id).listMessages({ cursor: query.cursor ?? null, limit });
  if (!page) throw badCursor();
  return c.json(page);
});

conversationRoutes.post("/:id/messages", validate("param", IdParam), validate("json", SendMessageBody), async (c) => {
  const { id } = c.req.valid("param");
  const body: SendBody = c.req.valid("json");
  const keyHeader = c.req.header("Idempotency-Key");
  const key = keyHeader === undefined ? null : v.safeParse(IdempotencyKey, keyHeader);
  if (key && !key.success) throw new ApiError(400, "invalid_request", "Idempotency-Key: use 1 to 255 characters.");
  const channelId = isConversationId(id) ? await conversationChannelId(c.env.DB, id) : null;
  if (!channelId) throw notFound();

  let content: OutboundContent;
  let text: string;
  if ("text" in body) {
    content = { kind: "text", text: body.text };
    text = body.text;
  } else {
    const { name, language, parameters } = body.template;
    const template = await findTemplate(c.env.DB, name, language, channelId);
    if (!template) throw new ApiError(404, "template_not_found", `There is no template "${name}" in ${language}.`);
    if (template.status !== "APPROVED") {
      throw new ApiError(422, "template_not_approved", `The template "${name}" (${language}) is not approved by Meta yet.`);
    }
    const needed = placeholderCount(template.body);
    if (parameters.length !== needed) {
      throw new ApiError(
        422,
        "template_parameters_mismatch",
        `The template "${name}" needs ${needed} value${needed === 1 ? "" : "s"}; ${parameters.length} given.`,
      );
    }
    content = { kind: "template", name, language, parameters };
    text = renderTemplate(template.body, parameters);
  }

  const user = c.var.user;
  const result = await c.env.CONVERSATION.getByName(id).send({
    author: { id: user.id, name: user.name, role: user.role },
    content,
    text,
    idempotencyKey: key ? key.output : null,
  });
  if (result.ok) {
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    return c.json({ message: result.message }, 201);
  }
  switch (result.reason) {
    case "not_found":
      throw notFound();
    case "locked":
      throw new ApiError(409, "locked", `${result.holder.name || "Another agent"} is replying to this conversation.`, {
        holder: result.holder,
      });
    case "window_closed":
      throw new ApiError(
        422,
        "window_closed",
        "The 24-hour window is closed: the customer has not written in the last 24 hours. Send an approved template instead.",
        { windowEndsAt: result.windowEndsAt },
      );
    case "idempotency_conflict":
      throw new ApiError(409, "idempotency_conflict", "This Idempotency-Key was already used for a different message.");
  }
});

conversationRoutes.post("/:id/read", validate("param", IdParam), async (c) => {
  const { id } = c.req.valid("param");
  if (!isConversationId(id) || !(await getConversationDetail(c.env.DB, c.var.user, id))) throw notFound();
  await c.env.CONVERSATION.getByName(id).markRead();
  // markRead has written the index row before answering: read it back with channel and lock holder.
  const detail = await getConversationDetail(c.env.DB, c.var.user, id);
  if (!detail) throw notFound();
  return c.json(detail);
});
