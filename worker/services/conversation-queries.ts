/**
 * Reads of the D1 conversation index for the REST API: the filtered, paged list, the view counts,
 * one thread's detail, and the access check every conversation route starts with. Each is a single
 * D1 query (index ⋈ contacts ⋈ users ⋈ teams, + channels for the detail), whatever the page size.
 *
 * Visibility (design.md, Roles; issue 3 item 4) is one rule, `visibleToSql` in
 * thread-visibility.ts, applied inside the same statement: Owners and Managers see every thread;
 * an Agent sees the threads assigned to them and the unassigned threads of their teams — and the
 * unassigned threads of no team, because a shop with a single team has no teams at all — or every
 * thread when the workspace setting `agentsSeeAllConversations` is on. A thread a user may not see
 * answers 404, exactly like one that does not exist.
 */
import type { ConversationCounts, ConversationDetail, ConversationStatus, ConversationSummary, ConversationView } from "../contracts/api";
import type { SessionUser } from "../env";
import { decodeCursor, encodeCursor } from "./cursor";
import { threadFilterSql, type ThreadFilters } from "./thread-filters";
import { binder, visibleToSql, type Bind } from "./thread-visibility";

export interface ListFilters extends ThreadFilters {
  view?: ConversationView;
  q?: string;
  cursor?: string;
  limit: number;
}

export type ListResult =
  | { ok: true; conversations: ConversationSummary[]; nextCursor: string | null }
  | { ok: false; reason: "bad_cursor" };

export interface SummaryRow {
  id: string;
  channel_id: string;
  contact_id: string;
  status: ConversationSummary["status"];
  assignee_id: string | null;
  assignee_name: string | null;
  team_id: string | null;
  team_name: string | null;
  episode: number;
  snoozed_until: number | null;
  last_message_at: number | null;
  last_message_preview: string | null;
  last_message_direction: "in" | "out" | null;
  unread_count: number;
  window_ends_at: number | null;
  version: number;
  contact_name: string | null;
  wa_id: string | null;
  user_id: string | null;
  username: string | null;
}

interface DetailRow extends SummaryRow {
  phone_number_id: string;
  display_phone_number: string | null;
  channel_name: string | null;
}

/** Columns of a summary over `conversations c JOIN contacts ct LEFT JOIN users u LEFT JOIN teams t` (see SUMMARY_JOINS). */
export const SUMMARY_COLUMNS = `c.id, c.channel_id, c.contact_id, c.status, c.assignee_id, u.name AS assignee_name,
  c.team_id, t.name AS team_name, c.episode, c.snoozed_until,
  c.last_message_at, c.last_message_preview, c.last_message_direction, c.unread_count, c.window_ends_at, c.version,
  ct.name AS contact_name, ct.wa_id, ct.user_id, ct.username`;

export const SUMMARY_JOINS = `JOIN contacts ct ON ct.id = c.contact_id
  LEFT JOIN users u ON u.id = c.assignee_id
  LEFT JOIN teams t ON t.id = c.team_id`;

export function toSummary(row: SummaryRow): ConversationSummary {
  return {
    id: row.id,
    channelId: row.channel_id,
    contact: { id: row.contact_id, name: row.contact_name, waId: row.wa_id, userId: row.user_id, username: row.username },
    status: row.status,
    assigneeId: row.assignee_id,
    assigneeName: row.assignee_id ? row.assignee_name : null,
    lastMessageAt: row.last_message_at,
    lastMessagePreview: row.last_message_preview,
    lastMessageDirection: row.last_message_direction,
    unreadCount: row.unread_count,
    windowEndsAt: row.window_ends_at,
    version: row.version,
    teamId: row.team_id,
    teamName: row.team_id ? row.team_name : null,
    episode: row.episode,
    snoozedUntil: row.status === "snoozed" ? row.snoozed_until : null,
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** The workspace setting, read inside a statement (settings stores JSON text, see worker/settings.ts). */
const AGENTS_SEE_ALL_SQL = "coalesce((SELECT value FROM settings WHERE key = 'agentsSeeAllConversations'), 'false') = 'true'";

/** `c` is in one of `userId`'s teams. */
function inMyTeamsSql(bind: Bind, userId: string, alias = "c"): string {
  return `EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = ${alias}.team_id AND tm.user_id = ${bind(userId)})`;
}

/** The view's condition (on top of visibility). */
function viewSql(view: ConversationView | undefined, bind: Bind, userId: string): string | null {
  switch (view) {
    case "mine":
      return `c.assignee_id = ${bind(userId)}`;
    case "unassigned":
      return "c.assignee_id IS NULL";
    case "my_teams":
      return inMyTeamsSql(bind, userId);
    default:
      return null;
  }
}

/** One page of the inbox, newest activity first: the threads `user` may see, in the view, filtered. One D1 query. */
export async function listConversations(db: D1Database, user: SessionUser, filters: ListFilters, now = Date.now()): Promise<ListResult> {
  const binds: unknown[] = [];
  const bind = binder(binds);
  const where: string[] = [];
  const visible = visibleToSql(user, bind);
  if (visible !== "1") where.push(visible);
  const view = viewSql(filters.view, bind, user.id);
  if (view) where.push(view);
  where.push(...threadFilterSql(filters, bind, user.id, now));
  const q = filters.q?.trim();
  if (q) {
    // instr(), not LIKE: D1 refuses LIKE patterns over 50 bytes, and a search box takes 200 characters.
    const text = bind(q.toLowerCase());
    // Numbers are stored as digits (wa_id): "+1 555-0100" finds 15550100.
    const digits = q.replace(/[\s()+.-]/g, "");
    const phoneClause = /^\d+$/.test(digits) ? ` OR instr(ct.wa_id, ${bind(digits)}) > 0` : "";
    where.push(
      `(instr(lower(ct.name), ${text}) > 0 OR instr(lower(ct.username), ${text}) > 0 OR instr(ct.wa_id, ${text}) > 0${phoneClause})`,
    );
  }
  if (filters.cursor) {
    const key = decodeCursor(filters.cursor, ["n", "s"]);
    if (!key) return { ok: false, reason: "bad_cursor" };
    const at = bind(key[0]);
    const id = bind(key[1]);
    where.push(`(c.last_message_at < ${at} OR (c.last_message_at = ${at} AND c.id < ${id}))`);
  }
  const limit = bind(filters.limit + 1);
  const { results } = await db
    .prepare(
      `SELECT ${SUMMARY_COLUMNS}
       FROM conversations c
       ${SUMMARY_JOINS}
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY c.last_message_at DESC, c.id DESC
       LIMIT ${limit}`,
    )
    .bind(...binds)
    .all<SummaryRow>();
  const page = results.slice(0, filters.limit);
  const last = page[page.length - 1];
  return {
    ok: true,
    conversations: page.map(toSummary),
    nextCursor: results.length > filters.limit && last ? encodeCursor([last.last_message_at ?? 0, last.id]) : null,
  };
}

/**
 * The inbox views' counts for `user`, over threads in `status` (default open), in ONE D1 query:
 * mine, unassigned (that they may see), my teams (that they may see), all (null for an Agent who
 * may not see every thread), and their unread mentions from the notification centre.
 */
export async function countConversations(db: D1Database, user: SessionUser, status: ConversationStatus = "open"): Promise<ConversationCounts> {
  const binds: unknown[] = [];
  const bind = binder(binds);
  const me = bind(user.id);
  const visible = visibleToSql(user, bind);
  const row = await db
    .prepare(
      `SELECT
         coalesce(sum(CASE WHEN c.assignee_id = ${me} THEN 1 ELSE 0 END), 0) AS mine,
         coalesce(sum(CASE WHEN c.assignee_id IS NULL AND ${visible} THEN 1 ELSE 0 END), 0) AS unassigned,
         coalesce(sum(CASE WHEN ${inMyTeamsSql(bind, user.id)} AND ${visible} THEN 1 ELSE 0 END), 0) AS my_teams,
         coalesce(sum(CASE WHEN ${visible} THEN 1 ELSE 0 END), 0) AS visible,
         ${user.role === "agent" ? AGENTS_SEE_ALL_SQL : "1"} AS sees_all,
         (SELECT count(*) FROM notifications n WHERE n.user_id = ${me} AND n.kind = 'mentioned' AND n.read_at IS NULL) AS mentions
       FROM conversations c
       WHERE c.status = ${bind(status)}`,
    )
    .bind(...binds)
    .first<{ mine: number; unassigned: number; my_teams: number; visible: number; sees_all: number; mentions: number }>();
  return {
    mine: row?.mine ?? 0,
    unassigned: row?.unassigned ?? 0,
    myTeams: row?.my_teams ?? 0,
    all: row?.sees_all ? row.visible : null,
    mentions: row?.mentions ?? 0,
  };
}

/** Whether `user` is an Agent the workspace lets see every thread (for view=all). One D1 query. */
export async function agentsSeeAll(db: D1Database): Promise<boolean> {
  const row = await db.prepare(`SELECT ${AGENTS_SEE_ALL_SQL} AS yes`).first<{ yes: number }>();
  return row?.yes === 1;
}

/** One thread with its channel and lock holder; null when it does not exist or `user` may not see it. One D1 query. */
export async function getConversationDetail(db: D1Database, user: SessionUser, id: string): Promise<ConversationDetail | null> {
  const binds: unknown[] = [];
  const bind = binder(binds);
  const idParam = bind(id);
  const visible = visibleToSql(user, bind);
  const row = await db
    .prepare(
      `SELECT ${SUMMARY_COLUMNS}, ch.phone_number_id, ch.display_phone_number, ch.name AS channel_name
       FROM conversations c
       ${SUMMARY_JOINS}
       JOIN channels ch ON ch.id = c.channel_id
       WHERE c.id = ${idParam} AND ${visible}`,
    )
    .bind(...binds)
    .first<DetailRow>();
  if (!row) return null;
  const summary = toSummary(row);
  return {
    ...summary,
    channel: { id: row.channel_id, phoneNumberId: row.phone_number_id, displayPhoneNumber: row.display_phone_number, name: row.channel_name },
    lockHolder: row.assignee_id ? { id: row.assignee_id, name: summary.assigneeName ?? "" } : null,
  };
}

/** What a route needs to know before it calls the thread's DO. */
export interface ConversationAccess {
  id: string;
  channelId: string;
  assigneeId: string | null;
  teamId: string | null;
  /** `user` may see the thread (list, detail, messages, notes, status, …). */
  visible: boolean;
  /**
   * The thread is in `user`'s queue — they could see it were nobody holding it (its team is one
   * of theirs, or it has none). For the routes that contend for the reply lock (send, claim): such
   * a user is told who holds the thread (409 `locked`) rather than 404, because it was in their
   * queue a moment ago and naming the holder leaks nothing across teams. It also makes the lock
   * race decided by the DO alone, not by how far the index had caught up.
   */
  inQueue: boolean;
}

/** Access to each of `ids` that exists (one D1 query for any number of ids). */
export async function conversationAccess(db: D1Database, user: SessionUser, ids: string[]): Promise<Map<string, ConversationAccess>> {
  const found = new Map<string, ConversationAccess>();
  if (ids.length === 0) return found;
  const binds: unknown[] = [];
  const bind = binder(binds);
  const list = bind(JSON.stringify(ids));
  const visible = visibleToSql(user, bind);
  const inQueue =
    user.role === "agent" ? `(c.team_id IS NULL OR ${inMyTeamsSql(bind, user.id)} OR ${AGENTS_SEE_ALL_SQL})` : "1";
  const { results } = await db
    .prepare(
      `SELECT c.id, c.channel_id, c.assignee_id, c.team_id,
         CASE WHEN ${visible} THEN 1 ELSE 0 END AS visible,
         CASE WHEN ${inQueue} THEN 1 ELSE 0 END AS in_queue
       FROM conversations c WHERE c.id IN (SELECT value FROM json_each(${list}))`,
    )
    .bind(...binds)
    .all<{ id: string; channel_id: string; assignee_id: string | null; team_id: string | null; visible: number; in_queue: number }>();
  for (const r of results) {
    found.set(r.id, {
      id: r.id,
      channelId: r.channel_id,
      assigneeId: r.assignee_id,
      teamId: r.team_id,
      visible: r.visible === 1,
      inQueue: r.visible === 1 || r.in_queue === 1,
    });
  }
  return found;
}
