/** The audit log (Owner only), newest first, filtered by action, actor and time. */
import { Hono } from "hono";
import { requireRole, requireUser } from "../auth/middleware";
import { AuditQuery } from "../contracts/access";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { validate } from "../validation";

const PAGE_SIZE = 100;

function decodeCursor(cursor: string): { at: number; id: string } {
  try {
    const [at, id] = JSON.parse(atob(cursor)) as [number, string];
    if (typeof at === "number" && typeof id === "string") return { at, id };
  } catch {
    // fall through
  }
  throw new ApiError(400, "invalid_request", "cursor: not a cursor this API gave out.");
}

export const auditLogRoutes = new Hono<AppEnv>().use(requireUser, requireRole("owner")).get("/", validate("query", AuditQuery), async (c) => {
  const q = c.req.valid("query");
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.action) {
    where.push("action = ?");
    params.push(q.action);
  }
  if (q.actor) {
    where.push("actor_id = ?");
    params.push(q.actor);
  }
  if (q.from) {
    where.push("at >= ?");
    params.push(Number(q.from));
  }
  if (q.to) {
    where.push("at < ?");
    params.push(Number(q.to));
  }
  if (q.cursor) {
    const { at, id } = decodeCursor(q.cursor);
    where.push("(at < ? OR (at = ? AND id < ?))");
    params.push(at, at, id);
  }
  const { results } = await c.env.DB.prepare(
    `SELECT id, at, actor_id, actor_name, action, target_type, target_id, ip, details FROM audit_log
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY at DESC, id DESC LIMIT ?`,
  )
    .bind(...params, PAGE_SIZE + 1)
    .all<{ id: string; at: number; actor_id: string | null; actor_name: string | null; action: string; target_type: string | null; target_id: string | null; ip: string | null; details: string | null }>();
  const page = results.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  return c.json({
    entries: page.map((r) => ({
      id: r.id,
      at: r.at,
      actorId: r.actor_id,
      actorName: r.actor_name,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      ip: r.ip,
      details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
    })),
    nextCursor: results.length > PAGE_SIZE && last ? btoa(JSON.stringify([last.at, last.id])) : null,
  });
});
