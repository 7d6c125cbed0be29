/**
 * Labels. /api/labels: everyone signed in reads the list; Owner and Manager create, rename,
 * recolour and delete (audited). /api/conversations/:id/labels: anyone who may see the thread
 * reads and changes its labels; every change is pushed live as `conversation.labels`.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { WORKSPACE_HUB } from "../../durable-objects/hub";
import { audit } from "../audit";
import { requireRole } from "../auth/middleware";
import {
  AddConversationLabelBody,
  CreateLabelBody,
  SetConversationLabelsBody,
  UpdateLabelBody,
  type Label,
} from "../contracts/collaboration";
import type { AppEnv, Env } from "../env";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { conversationLabels, getLabel, listLabels, unknownLabelIds } from "../services/labels";
import { canSeeConversation, USER_SEES_THREAD_SQL } from "../services/thread-visibility";
import { validate } from "../validation";
import { ensureUser, isUniqueViolation } from "./collab-auth";

const IdParam = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });
const ThreadLabelParam = v.object({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  labelId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
});

const labelNotFound = () => new ApiError(404, "not_found", "There is no such label.");
const labelExists = () => new ApiError(409, "label_exists", "A label with this name exists already.");
const conversationNotFound = () => new ApiError(404, "not_found", "There is no such conversation.");

export const labelRoutes = new Hono<AppEnv>()
  .use(ensureUser)
  .get("/", async (c) => c.json({ labels: await listLabels(c.env.DB) }))
  .post("/", requireRole("owner", "manager"), validate("json", CreateLabelBody), async (c) => {
    const body = c.req.valid("json");
    const now = Date.now();
    const label: Label = { id: newId("lbl"), name: body.name, color: body.color };
    try {
      await c.env.DB.prepare("INSERT INTO labels (id, name, color, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(label.id, label.name, label.color, c.var.user.id, now, now)
        .run();
    } catch (err) {
      if (isUniqueViolation(err)) throw labelExists();
      throw err;
    }
    await audit(c, { action: "label.created", targetType: "label", targetId: label.id, details: { name: label.name, color: label.color } });
    return c.json({ label }, 201);
  })
  .patch("/:id", requireRole("owner", "manager"), validate("param", IdParam), validate("json", UpdateLabelBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const existing = await getLabel(c.env.DB, id);
    if (!existing) throw labelNotFound();
    const label: Label = { ...existing, ...(body.name !== undefined ? { name: body.name } : {}), ...(body.color !== undefined ? { color: body.color } : {}) };
    try {
      await c.env.DB.prepare("UPDATE labels SET name = ?, color = ?, updated_at = ? WHERE id = ?").bind(label.name, label.color, Date.now(), id).run();
    } catch (err) {
      if (isUniqueViolation(err)) throw labelExists();
      throw err;
    }
    await audit(c, { action: "label.updated", targetType: "label", targetId: id, details: { from: existing, to: label } });
    return c.json({ label });
  })
  .delete("/:id", requireRole("owner", "manager"), validate("param", IdParam), async (c) => {
    const { id } = c.req.valid("param");
    const existing = await getLabel(c.env.DB, id);
    if (!existing) throw labelNotFound();
    // conversation_labels rows go with it (ON DELETE CASCADE); said explicitly as well so the
    // outcome does not depend on the foreign-key pragma.
    await c.env.DB.batch([
      c.env.DB.prepare("DELETE FROM conversation_labels WHERE label_id = ?").bind(id),
      c.env.DB.prepare("DELETE FROM labels WHERE id = ?").bind(id),
    ]);
    await audit(c, { action: "label.deleted", targetType: "label", targetId: id, details: { name: existing.name } });
    return c.body(null, 204);
  });

/** The labels on one thread, then push them to everyone's inbox. */
async function answerWithLabels(env: Env, conversationId: string, publish: boolean) {
  const labels = await conversationLabels(env.DB, conversationId);
  if (publish) {
    try {
      // Only to people who may see the thread: the Hub's broadcast has no notion of visibility.
      const { results } = await env.DB.prepare(
        `SELECT u.id FROM users u JOIN conversations c ON c.id = ?1 WHERE u.active = 1 AND ${USER_SEES_THREAD_SQL}`,
      )
        .bind(conversationId)
        .all<{ id: string }>();
      await env.HUB.getByName(WORKSPACE_HUB).publishToUsers(
        results.map((r) => r.id),
        { type: "conversation.labels", conversationId, labels },
      );
    } catch (err) {
      // The change is stored; a missed live event is caught up by the next refetch.
      console.warn("label push failed", err);
    }
  }
  return { conversationId, labels };
}

async function assertVisible(env: Env, user: AppEnv["Variables"]["user"], conversationId: string) {
  if (!(await canSeeConversation(env.DB, user, conversationId))) throw conversationNotFound();
}

/** Mounted at /api/conversations beside the conversation routes. */
export const conversationLabelRoutes = new Hono<AppEnv>()
  .use("/:id/labels", ensureUser)
  .use("/:id/labels/*", ensureUser)
  .get("/:id/labels", validate("param", IdParam), async (c) => {
    const { id } = c.req.valid("param");
    await assertVisible(c.env, c.var.user, id);
    return c.json(await answerWithLabels(c.env, id, false));
  })
  .put("/:id/labels", validate("param", IdParam), validate("json", SetConversationLabelsBody), async (c) => {
    const { id } = c.req.valid("param");
    const labelIds = [...new Set(c.req.valid("json").labelIds)];
    await assertVisible(c.env, c.var.user, id);
    const unknown = await unknownLabelIds(c.env.DB, labelIds);
    if (unknown.length > 0) throw new ApiError(400, "invalid_request", `labelIds: there is no label ${unknown[0]}.`);
    const now = Date.now();
    await c.env.DB.batch([
      c.env.DB.prepare("DELETE FROM conversation_labels WHERE conversation_id = ? AND label_id NOT IN (SELECT value FROM json_each(?))").bind(
        id,
        JSON.stringify(labelIds),
      ),
      ...labelIds.map((labelId) =>
        c.env.DB.prepare("INSERT INTO conversation_labels (conversation_id, label_id, added_by, added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING").bind(
          id,
          labelId,
          c.var.user.id,
          now,
        ),
      ),
    ]);
    return c.json(await answerWithLabels(c.env, id, true));
  })
  .post("/:id/labels", validate("param", IdParam), validate("json", AddConversationLabelBody), async (c) => {
    const { id } = c.req.valid("param");
    const { labelId } = c.req.valid("json");
    await assertVisible(c.env, c.var.user, id);
    if (!(await getLabel(c.env.DB, labelId))) throw new ApiError(400, "invalid_request", `labelId: there is no label ${labelId}.`);
    const added = await c.env.DB.prepare(
      "INSERT INTO conversation_labels (conversation_id, label_id, added_by, added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
      .bind(id, labelId, c.var.user.id, Date.now())
      .run();
    return c.json(await answerWithLabels(c.env, id, added.meta.changes > 0));
  })
  .delete("/:id/labels/:labelId", validate("param", ThreadLabelParam), async (c) => {
    const { id, labelId } = c.req.valid("param");
    await assertVisible(c.env, c.var.user, id);
    const removed = await c.env.DB.prepare("DELETE FROM conversation_labels WHERE conversation_id = ? AND label_id = ?").bind(id, labelId).run();
    return c.json(await answerWithLabels(c.env, id, removed.meta.changes > 0));
  });
