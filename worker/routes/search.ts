/**
 * GET /api/search?q=: threads whose message or note text (D1 FTS5) or contact name, username or
 * number matches, with snippets — only threads the caller may see, with the inbox filters
 * (status, assignee, team, channel, label, window, unread), newest activity first, paged.
 */
import { Hono } from "hono";
import { SearchQuery } from "../contracts/collaboration";
import type { AppEnv } from "../env";
import { searchThreads } from "../services/search-index";
import { validate } from "../validation";
import { badCursor, ensureUser, pageSize } from "./collab-auth";

export const searchRoutes = new Hono<AppEnv>().use(ensureUser).get("/", validate("query", SearchQuery), async (c) => {
  const { q, cursor, limit, unread, ...filters } = c.req.valid("query");
  const result = await searchThreads(c.env.DB, c.var.user, q, {
    limit: pageSize(limit, 20),
    cursor,
    filters: { ...filters, ...(unread !== undefined ? { unread: unread === "true" } : {}) },
  });
  if (!result.ok) throw badCursor();
  return c.json({ results: result.results, nextCursor: result.nextCursor });
});
