/**
 * /api/conversations: the inbox list and its view counts (from the D1 index), one thread, its
 * messages and replies, its assignment, status and internal notes (through the thread's
 * Conversation DO, the source of truth). Every route needs a signed-in user, and every route that
 * names a thread first checks that the user may see it (404 otherwise, exactly like a thread that
 * does not exist; see worker/services/conversation-queries.ts).
 */
import { Hono, type Context } from "hono";
import * as v from "valibot";
import { auditStatement, clientAddress } from "../audit";
import { requireUser } from "../auth/middleware";
import {
  AssignmentBody,
  BulkAssignmentBody,
  ConversationCountsQuery,
  ConversationListQuery,
  MessageListQuery,
  NoteBody,
  SendMessageBody,
  StatusBody,
  type Message,
  type NoteMentions,
  type SendMessageBody as SendBody,
} from "../contracts/api";
import type { AppEnv, SessionUser } from "../env";
import { ApiError } from "../errors";
import { resolveAssignmentTarget, type AssignmentTarget } from "../services/assignment-targets";
import { isConversationId } from "../services/conversation-id";
import {
  agentsSeeAll,
  conversationAccess,
  countConversations,
  getConversationDetail,
  listConversations,
  type ConversationAccess,
} from "../services/conversation-queries";
import { markConversationNotificationsRead, notifyMentions, parseMentions } from "../services/notifications";
import { prepareTemplateSend } from "../services/templates-submit";
import { validate } from "../validation";
import type { OutboundContent } from "../whatsapp/graph-client";
import { richSend } from "../whatsapp/outbound";
import type { AssignResult, Person } from "../../durable-objects/conversation/types";

export const conversationRoutes = new Hono<AppEnv>();

conversationRoutes.use("*", requireUser);

const IdParam = v.object({ id: v.pipe(v.string(), v.maxLength(64)) });
const IdempotencyKey = v.pipe(v.string(), v.minLength(1), v.maxLength(255));

function notFound(): ApiError {
  return new ApiError(404, "not_found", "There is no such conversation.");
}

function locked(holder: Person): ApiError {
  return new ApiError(409, "locked", `${holder.name || "Another agent"} is replying to this conversation.`, { holder });
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

/**
 * The thread if `user` may see it, else 404. `contend`: the route contends for the reply lock
 * (send, claim), so a thread in the user's queue that someone else holds passes too — the DO then
 * answers 409 `locked` naming the holder (ConversationAccess.inQueue says why).
 */
async function access(c: Context<AppEnv>, id: string, options: { contend?: boolean } = {}): Promise<ConversationAccess> {
  const found = isConversationId(id) ? (await conversationAccess(c.env.DB, c.var.user, [id])).get(id) : undefined;
  if (!found || !(found.visible || (options.contend && found.inQueue))) throw notFound();
  return found;
}

function actorOf(user: SessionUser) {
  return { id: user.id, name: user.name, role: user.role };
}

function targetOrThrow(target: AssignmentTarget): Extract<AssignmentTarget, { ok: true }> {
  if (!target.ok) throw new ApiError(422, target.code, target.message);
  return target;
}

/** What the DO answered, as the API's error (or nothing for a success). */
function assignError(result: Exclude<AssignResult, { ok: true }>): ApiError {
  switch (result.reason) {
    case "not_found":
      return notFound();
    case "locked":
      return locked(result.holder);
    case "forbidden":
      return new ApiError(403, "forbidden", result.message);
  }
}

function reassignedAudit(c: Context<AppEnv>, id: string, from: Person | null, to: Person | null, team: Person | null | undefined) {
  return auditStatement(c.env.DB, {
    action: "conversation.reassigned",
    actorId: c.var.user.id,
    actorName: c.var.user.name,
    ip: clientAddress(c),
    targetType: "conversation",
    targetId: id,
    details: { from, to, ...(team !== undefined ? { team } : {}) },
  });
}

// ---- the list ---------------------------------------------------------------------------------

conversationRoutes.get("/", validate("query", ConversationListQuery), async (c) => {
  const query = c.req.valid("query");
  const user = c.var.user;
  if (query.view === "all" && user.role === "agent" && !(await agentsSeeAll(c.env.DB))) {
    throw new ApiError(403, "forbidden", "Only Managers and Owners see every conversation.");
  }
  const { unread, limit, ...filters } = query;
  const result = await listConversations(c.env.DB, user, {
    ...filters,
    ...(unread !== undefined ? { unread: unread === "true" } : {}),
    limit: pageSize(limit),
  });
  if (!result.ok) throw badCursor();
  return c.json({ conversations: result.conversations, nextCursor: result.nextCursor });
});

conversationRoutes.get("/counts", validate("query", ConversationCountsQuery), async (c) => {
  const { status } = c.req.valid("query");
  return c.json(await countConversations(c.env.DB, c.var.user, status));
});

// ---- bulk assignment --------------------------------------------------------------------------

/**
 * Assign many threads at once (the list's bulk action): the same rules as one at a time, decided
 * by each thread's DO, with one answer per id in the order given. The assignee and team are
 * checked once (422 for the whole request).
 */
conversationRoutes.post("/bulk-assignment", validate("json", BulkAssignmentBody), async (c) => {
  const body = c.req.valid("json");
  const user = c.var.user;
  const target = targetOrThrow(await resolveAssignmentTarget(c.env.DB, body));
  const ids = [...new Set(body.conversationIds)];
  const found = await conversationAccess(c.env.DB, user, ids.filter(isConversationId));
  const results = await Promise.all(
    ids.map(async (id) => {
      const thread = found.get(id);
      if (!thread || !(thread.visible || (thread.inQueue && target.assignee?.id === user.id))) {
        return { id, result: { ok: false, reason: "not_found" } as const };
      }
      const result = await c.env.CONVERSATION.getByName(id).assign({
        actor: actorOf(user),
        mode: "set",
        assignee: target.assignee,
        ...(target.team !== undefined ? { team: target.team } : {}),
      });
      return { id, result };
    }),
  );
  const audits = results.flatMap(({ id, result }) =>
    result.ok && result.reassigned ? [reassignedAudit(c, id, result.previousAssignee, target.assignee, target.team)] : [],
  );
  if (audits.length) await c.env.DB.batch(audits);
  return c.json({
    results: results.map(({ id, result }) => {
      if (result.ok) return { id, ok: true as const, conversation: result.conversation };
      const error = assignError(result);
      return { id, ok: false as const, error: { code: error.code, message: error.message } };
    }),
  });
});

// ---- one thread -------------------------------------------------------------------------------

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
  await access(c, id);
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
  const { channelId } = await access(c, id, { contend: true });

  let content: OutboundContent;
  let text: string;
  // Issue 5: a reply to a customer message, interactive buttons/lists/links, a location (worker/whatsapp/outbound.ts).
  const rich = richSend(body);
  if (rich) {
    content = rich.content;
    text = rich.text;
  } else if ("text" in body) {
    content = { kind: "text", text: body.text };
    text = body.text;
  } else if ("template" in body) {
    // Issue 5: header and URL-button values too (services/templates-submit.ts).
    ({ content, text } = await prepareTemplateSend(c.env.DB, body.template, channelId));
  } else {
    throw new ApiError(400, "invalid_request", "Send text, a template, an interactive message or a location.");
  }

  const user = c.var.user;
  const result = await c.env.CONVERSATION.getByName(id).send({
    author: actorOf(user),
    content,
    text,
    idempotencyKey: key ? key.output : null,
    display: rich?.display ?? null,
  });
  if (result.ok) {
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    // A Manager's or Owner's reply took the thread from its holder: that is a reassignment.
    if (result.tookOver) await reassignedAudit(c, id, result.tookOver, { id: user.id, name: user.name }, undefined).run();
    return c.json({ message: result.message }, 201);
  }
  switch (result.reason) {
    case "not_found":
      throw notFound();
    case "locked":
      throw locked(result.holder);
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
  await access(c, id);
  await c.env.CONVERSATION.getByName(id).markRead();
  // Issue 5: with the sendReadReceipts setting on, WhatsApp shows the customer blue ticks (in the background).
  c.executionCtx.waitUntil(c.env.CONVERSATION.getByName(id).markReadOnWhatsApp().catch(() => undefined));
  // Opening the thread also reads its notifications (never throws).
  await markConversationNotificationsRead(c.env, c.var.user.id, id);
  // markRead has written the index row before answering: read it back with channel and lock holder.
  const detail = await getConversationDetail(c.env.DB, c.var.user, id);
  if (!detail) throw notFound();
  return c.json(detail);
});

// ---- assignment -------------------------------------------------------------------------------

/**
 * {userId} | {teamId} | {userId, teamId} | {} (unassign). Agents may take a thread nobody holds
 * (userId = themselves) and let go of their own; the rest is for Managers and Owners.
 */
conversationRoutes.post("/:id/assignment", validate("param", IdParam), validate("json", AssignmentBody), async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const user = c.var.user;
  if (user.role === "agent" && body.userId && body.userId !== user.id) {
    throw new ApiError(403, "forbidden", "Only a Manager or Owner can assign a conversation to someone else.");
  }
  await access(c, id, { contend: body.userId === user.id });
  const target = targetOrThrow(await resolveAssignmentTarget(c.env.DB, body));
  const result = await c.env.CONVERSATION.getByName(id).assign({
    actor: actorOf(user),
    mode: "set",
    assignee: target.assignee,
    ...(target.team !== undefined ? { team: target.team } : {}),
  });
  if (!result.ok) throw assignError(result);
  if (result.reassigned) await reassignedAudit(c, id, result.previousAssignee, target.assignee, target.team).run();
  return c.json({ conversation: result.conversation });
});

/** Take the thread: it becomes the caller's (a Manager or Owner takes it over from its holder). */
conversationRoutes.post("/:id/claim", validate("param", IdParam), async (c) => {
  const { id } = c.req.valid("param");
  const user = c.var.user;
  await access(c, id, { contend: true });
  const result = await c.env.CONVERSATION.getByName(id).assign({ actor: actorOf(user), mode: "claim", assignee: null });
  if (!result.ok) throw assignError(result);
  if (result.reassigned) await reassignedAudit(c, id, result.previousAssignee, { id: user.id, name: user.name }, undefined).run();
  return c.json({ conversation: result.conversation });
});

// ---- status -----------------------------------------------------------------------------------

conversationRoutes.post("/:id/status", validate("param", IdParam), validate("json", StatusBody), async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  if (body.status === "snoozed" && body.until === undefined) {
    throw new ApiError(400, "invalid_request", "until: a snoozed conversation needs the time it wakes up (epoch milliseconds).");
  }
  if (body.status !== "snoozed" && body.until !== undefined) {
    throw new ApiError(400, "invalid_request", "until: only a snoozed conversation has a wake-up time.");
  }
  if (body.status !== "closed" && (body.note !== undefined || body.category !== undefined)) {
    throw new ApiError(400, "invalid_request", `${body.note !== undefined ? "note" : "category"}: only a closed conversation has a closing note and category.`);
  }
  if (body.status === "snoozed" && body.until! <= Date.now()) {
    throw new ApiError(422, "snooze_in_past", "Choose a time in the future to snooze until.");
  }
  await access(c, id);
  const result = await c.env.CONVERSATION.getByName(id).changeStatus({
    actor: actorOf(c.var.user),
    status: body.status,
    until: body.until ?? null,
    note: body.note ?? null,
    category: body.category ?? null,
  });
  if (result.ok) return c.json({ conversation: result.conversation });
  switch (result.reason) {
    case "not_found":
      throw notFound();
    case "locked":
      throw new ApiError(409, "locked", `${result.holder.name || "Another agent"} holds this conversation.`, { holder: result.holder });
    case "snooze_in_past":
      throw new ApiError(422, "snooze_in_past", "Choose a time in the future to snooze until.");
  }
});

// ---- internal notes ---------------------------------------------------------------------------

/** The people and teams a note mentions (`@Name`, `@"Full Name"`, `@Team`), resolved in D1. */
async function mentionsOf(db: D1Database, text: string): Promise<NoteMentions> {
  return parseMentions(db, text);
}

/**
 * After a note is stored: notify the people it mentions (only those who may open the thread;
 * never the author). Never fails the request — the note is already in the thread.
 */
async function onNoteAdded(c: Context<AppEnv>, conversationId: string, note: Message, mentions: NoteMentions): Promise<void> {
  await notifyMentions(c.env, {
    conversationId,
    noteId: note.id,
    author: { id: c.var.user.id, name: c.var.user.name },
    userIds: mentions.userIds,
    teamIds: mentions.teamIds,
    preview: note.text ?? "",
  });
}

/** An internal note: the team sees it in the thread; the customer never does. */
conversationRoutes.post("/:id/notes", validate("param", IdParam), validate("json", NoteBody), async (c) => {
  const { id } = c.req.valid("param");
  const { text } = c.req.valid("json");
  await access(c, id);
  const mentions = await mentionsOf(c.env.DB, text);
  const user = c.var.user;
  const result = await c.env.CONVERSATION.getByName(id).addNote({ author: { id: user.id, name: user.name }, text, mentions });
  if (!result.ok) throw notFound();
  await onNoteAdded(c, id, result.note, mentions);
  return c.json({ note: result.note }, 201);
});
