/**
 * Saved views (/api/views): a user's named filter sets for the inbox — personal, so every route
 * works on the caller's own views only (someone else's view id answers 404).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { CreateSavedViewBody, UpdateSavedViewBody, ViewFilters, type SavedView } from "../contracts/collaboration";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { validate } from "../validation";
import { ensureUser, isUniqueViolation, personOnly } from "./collab-auth";

const IdParam = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });
/** Enough for every way of slicing an inbox; a bound keeps one user from filling D1. */
const MAX_VIEWS_PER_USER = 100;

interface Row {
  id: string;
  name: string;
  filters: string;
  created_at: number;
  updated_at: number;
}

function toView(row: Row): SavedView {
  // Stored filters were validated on the way in; parse again so a shape that changed since
  // reads as "no filter" for that field instead of breaking the list.
  const parsed = v.safeParse(ViewFilters, JSON.parse(row.filters));
  return { id: row.id, name: row.name, filters: parsed.success ? parsed.output : {}, createdAt: row.created_at, updatedAt: row.updated_at };
}

const notFound = () => new ApiError(404, "not_found", "There is no such view.");
const nameTaken = () => new ApiError(409, "view_exists", "You already have a view with this name.");

async function findOwn(db: D1Database, userId: string, id: string): Promise<Row | null> {
  return db.prepare("SELECT id, name, filters, created_at, updated_at FROM saved_views WHERE id = ? AND user_id = ?").bind(id, userId).first<Row>();
}

export const viewRoutes = new Hono<AppEnv>()
  .use(ensureUser)
  .get("/", async (c) => {
    const { results } = await c.env.DB.prepare(
      "SELECT id, name, filters, created_at, updated_at FROM saved_views WHERE user_id = ? ORDER BY lower(name), id",
    )
      .bind(c.var.user.id)
      .all<Row>();
    return c.json({ views: results.map(toView) });
  })
  .post("/", validate("json", CreateSavedViewBody), async (c) => {
    personOnly(c);
    const body = c.req.valid("json");
    const now = Date.now();
    const row: Row = { id: newId("view"), name: body.name, filters: JSON.stringify(body.filters), created_at: now, updated_at: now };
    let inserted: D1Result;
    try {
      // Inserted only while the user is under the limit: one statement, no race between count and insert.
      inserted = await c.env.DB.prepare(
        `INSERT INTO saved_views (id, user_id, name, filters, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?5 WHERE (SELECT count(*) FROM saved_views WHERE user_id = ?2) < ?6`,
      )
        .bind(row.id, c.var.user.id, row.name, row.filters, now, MAX_VIEWS_PER_USER)
        .run();
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken();
      throw err;
    }
    if (!inserted.meta.changes) throw new ApiError(409, "too_many_views", `You can keep at most ${MAX_VIEWS_PER_USER} views; delete one first.`);
    return c.json({ view: toView(row) }, 201);
  })
  .patch("/:id", validate("param", IdParam), validate("json", UpdateSavedViewBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const existing = await findOwn(c.env.DB, c.var.user.id, id);
    if (!existing) throw notFound();
    const row: Row = {
      ...existing,
      name: body.name ?? existing.name,
      filters: body.filters !== undefined ? JSON.stringify(body.filters) : existing.filters,
      updated_at: Date.now(),
    };
    try {
      await c.env.DB.prepare("UPDATE saved_views SET name = ?, filters = ?, updated_at = ? WHERE id = ? AND user_id = ?")
        .bind(row.name, row.filters, row.updated_at, id, c.var.user.id)
        .run();
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken();
      throw err;
    }
    return c.json({ view: toView(row) });
  })
  .delete("/:id", validate("param", IdParam), async (c) => {
    const { id } = c.req.valid("param");
    const result = await c.env.DB.prepare("DELETE FROM saved_views WHERE id = ? AND user_id = ?").bind(id, c.var.user.id).run();
    if (!result.meta.changes) throw notFound();
    return c.body(null, 204);
  });
