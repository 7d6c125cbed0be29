/**
 * Quick replies (/api/quick-replies): `/shortcut` → text with {{variables}}, rendered by the
 * composer with worker/contracts/quick-reply-render.ts. The list is the caller's personal ones
 * plus the shared ones. Anyone keeps personal replies; Owner and Manager manage the shared ones
 * (audited). Another user's personal reply does not exist as far as the caller can tell (404).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { audit } from "../audit";
import { CreateQuickReplyBody, QuickReplyListQuery, UpdateQuickReplyBody, type QuickReply } from "../contracts/collaboration";
import { QUICK_REPLY_VARIABLES, unknownVariables } from "../contracts/quick-reply-render";
import type { AppEnv, SessionUser } from "../env";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { validate } from "../validation";
import { ensureUser, isUniqueViolation, personOnly } from "./collab-auth";

const IdParam = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });

interface QuickReplyRow {
  id: string;
  owner_id: string | null;
  shortcut: string;
  text: string;
  created_at: number;
  updated_at: number;
}

const COLUMNS = "id, owner_id, shortcut, text, created_at, updated_at";

function toQuickReply(row: QuickReplyRow): QuickReply {
  return { id: row.id, shortcut: row.shortcut, text: row.text, shared: row.owner_id === null, createdAt: row.created_at, updatedAt: row.updated_at };
}

const notFound = () => new ApiError(404, "not_found", "There is no such quick reply.");
const shortcutTaken = (shared: boolean) =>
  new ApiError(409, "shortcut_taken", shared ? "A shared quick reply already uses this shortcut." : "You already have a quick reply with this shortcut.");

function mayManageShared(user: SessionUser): boolean {
  return user.role === "owner" || user.role === "manager";
}

/** The reply if the caller may see it (their own or a shared one), else null. */
async function findVisible(db: D1Database, user: SessionUser, id: string): Promise<QuickReplyRow | null> {
  return db
    .prepare(`SELECT ${COLUMNS} FROM quick_replies WHERE id = ? AND (owner_id IS NULL OR owner_id = ?)`)
    .bind(id, user.id)
    .first<QuickReplyRow>();
}

/** Throws 403 unless the caller may change `row` (their own, or a shared one as Owner/Manager). */
function assertMayChange(c: { var: AppEnv["Variables"] }, row: QuickReplyRow): void {
  if (row.owner_id === null && !mayManageShared(c.var.user)) {
    throw new ApiError(403, "forbidden", "Only an Owner or a Manager may change shared quick replies.");
  }
  if (row.owner_id !== null) personOnly(c);
}

/** 400 for a variable Chorus cannot fill: a typo would otherwise reach the customer as "{{contct.name}}". */
function assertKnownVariables(text: string | undefined): void {
  const unknown = text === undefined ? [] : unknownVariables(text);
  if (unknown.length > 0) {
    const known = QUICK_REPLY_VARIABLES.map((name) => `{{${name}}}`).join(", ");
    throw new ApiError(400, "invalid_request", `text: Unknown variable {{${unknown[0]}}}; use ${known}.`);
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

export const quickReplyRoutes = new Hono<AppEnv>()
  .use(ensureUser)
  .get("/", validate("query", QuickReplyListQuery), async (c) => {
    const q = c.req.valid("query").q?.trim().replace(/^\//, "").toLowerCase();
    const binds: unknown[] = [c.var.user.id];
    let filter = "";
    if (q) {
      // instr(), not LIKE: D1 refuses LIKE patterns over 50 bytes.
      binds.push(q, q);
      filter = "AND (instr(shortcut, ?2) = 1 OR instr(lower(text), ?3) > 0)";
    }
    // Personal first for the same shortcut: the composer takes the first match.
    const { results } = await c.env.DB.prepare(
      `SELECT ${COLUMNS} FROM quick_replies WHERE (owner_id IS NULL OR owner_id = ?1) ${filter}
       ORDER BY shortcut, owner_id IS NULL, id LIMIT 500`,
    )
      .bind(...binds)
      .all<QuickReplyRow>();
    return c.json({ quickReplies: results.map(toQuickReply) });
  })
  .post("/", validate("json", CreateQuickReplyBody), async (c) => {
    const body = c.req.valid("json");
    assertKnownVariables(body.text);
    if (body.shared && !mayManageShared(c.var.user)) {
      throw new ApiError(403, "forbidden", "Only an Owner or a Manager may create shared quick replies.");
    }
    if (!body.shared) personOnly(c);
    const now = Date.now();
    const row: QuickReplyRow = {
      id: newId("qr"),
      owner_id: body.shared ? null : c.var.user.id,
      shortcut: body.shortcut,
      text: body.text,
      created_at: now,
      updated_at: now,
    };
    try {
      await c.env.DB.prepare("INSERT INTO quick_replies (id, owner_id, shortcut, text, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(row.id, row.owner_id, row.shortcut, row.text, c.var.user.id, now, now)
        .run();
    } catch (err) {
      if (isUniqueViolation(err)) throw shortcutTaken(body.shared);
      throw err;
    }
    if (body.shared) await audit(c, { action: "quick_reply.created", targetType: "quick_reply", targetId: row.id, details: { shortcut: row.shortcut } });
    return c.json({ quickReply: toQuickReply(row) }, 201);
  })
  .patch("/:id", validate("param", IdParam), validate("json", UpdateQuickReplyBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    assertKnownVariables(body.text);
    const existing = await findVisible(c.env.DB, c.var.user, id);
    if (!existing) throw notFound();
    assertMayChange(c, existing);
    const row: QuickReplyRow = { ...existing, shortcut: body.shortcut ?? existing.shortcut, text: body.text ?? existing.text, updated_at: Date.now() };
    try {
      await c.env.DB.prepare("UPDATE quick_replies SET shortcut = ?, text = ?, updated_at = ? WHERE id = ?").bind(row.shortcut, row.text, row.updated_at, id).run();
    } catch (err) {
      if (isUniqueViolation(err)) throw shortcutTaken(row.owner_id === null);
      throw err;
    }
    if (row.owner_id === null) {
      await audit(c, { action: "quick_reply.updated", targetType: "quick_reply", targetId: id, details: { from: existing.shortcut, to: row.shortcut } });
    }
    return c.json({ quickReply: toQuickReply(row) });
  })
  .delete("/:id", validate("param", IdParam), async (c) => {
    const { id } = c.req.valid("param");
    const existing = await findVisible(c.env.DB, c.var.user, id);
    if (!existing) throw notFound();
    assertMayChange(c, existing);
    await c.env.DB.prepare("DELETE FROM quick_replies WHERE id = ?").bind(id).run();
    if (existing.owner_id === null) {
      await audit(c, { action: "quick_reply.deleted", targetType: "quick_reply", targetId: id, details: { shortcut: existing.shortcut } });
    }
    return c.body(null, 204);
  });
