/**
 * The notification centre (/api/notifications): the signed-in user's notifications, newest
 * first, with the unread count; marking some or all read. New notifications arrive live as
 * `notification.created`; reads are pushed as `notifications.read` so the user's other tabs and
 * devices update their count.
 */
import { Hono } from "hono";
import { MarkNotificationsReadBody, NotificationListQuery } from "../contracts/collaboration";
import type { AppEnv } from "../env";
import { decodeCursor, encodeCursor } from "../services/cursor";
import { pushToUser, toNotification } from "../services/notifications";
import { validate } from "../validation";
import { badCursor, ensureUser, pageSize } from "./collab-auth";

interface Row {
  id: string;
  kind: "assigned" | "mentioned" | "new_message";
  conversation_id: string;
  note_id: string | null;
  actor_id: string | null;
  actor_name: string | null;
  preview: string;
  contact_name: string | null;
  created_at: number;
  read_at: number | null;
}

export const notificationRoutes = new Hono<AppEnv>()
  .use(ensureUser)
  .get("/", validate("query", NotificationListQuery), async (c) => {
    const query = c.req.valid("query");
    const limit = pageSize(query.limit, 30);
    const userId = c.var.user.id;
    const where = ["n.user_id = ?1"];
    const binds: unknown[] = [userId];
    if (query.unread === "true") where.push("n.read_at IS NULL");
    if (query.cursor) {
      const key = decodeCursor(query.cursor, ["n", "s"]);
      if (!key) throw badCursor();
      binds.push(key[0], key[1]);
      where.push(`(n.created_at < ?${binds.length - 1} OR (n.created_at = ?${binds.length - 1} AND n.id < ?${binds.length}))`);
    }
    binds.push(limit + 1);
    const [page, count] = await c.env.DB.batch([
      c.env.DB.prepare(
        `SELECT n.id, n.kind, n.conversation_id, n.note_id, n.actor_id, n.actor_name, n.preview, n.created_at, n.read_at, ct.name AS contact_name
         FROM notifications n
         LEFT JOIN conversations c ON c.id = n.conversation_id
         LEFT JOIN contacts ct ON ct.id = c.contact_id
         WHERE ${where.join(" AND ")}
         ORDER BY n.created_at DESC, n.id DESC
         LIMIT ?${binds.length}`,
      ).bind(...binds),
      c.env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE user_id = ? AND read_at IS NULL").bind(userId),
    ]);
    const rows = (page?.results ?? []) as Row[];
    const shown = rows.slice(0, limit);
    const last = shown[shown.length - 1];
    return c.json({
      notifications: shown.map(toNotification),
      unreadCount: (count?.results[0] as { n: number } | undefined)?.n ?? 0,
      nextCursor: rows.length > limit && last ? encodeCursor([last.created_at, last.id]) : null,
    });
  })
  .post("/read", validate("json", MarkNotificationsReadBody), async (c) => {
    const body = c.req.valid("json");
    const userId = c.var.user.id;
    const now = Date.now();
    // Only the caller's own rows: an id of someone else's notification changes nothing.
    const update =
      "all" in body
        ? c.env.DB.prepare("UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL RETURNING id").bind(userId, now)
        : c.env.DB.prepare(
            "UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL AND id IN (SELECT value FROM json_each(?3)) RETURNING id",
          ).bind(userId, now, JSON.stringify(body.ids));
    const [updated, count] = await c.env.DB.batch([
      update,
      c.env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE user_id = ? AND read_at IS NULL").bind(userId),
    ]);
    const unreadCount = (count?.results[0] as { n: number } | undefined)?.n ?? 0;
    const ids = ((updated?.results ?? []) as Array<{ id: string }>).map((r) => r.id);
    if (ids.length > 0) await pushToUser(c.env, userId, { type: "notifications.read", ids: "all" in body ? "all" : ids, unreadCount });
    return c.json({ unreadCount });
  });
