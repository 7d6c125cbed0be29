/**
 * Reads of the D1 conversation index for the REST API: the filtered, paged list and one thread's
 * detail. Each is a single D1 query (index ⋈ contacts ⋈ users, + channels for the detail),
 * whatever the page size.
 *
 * Visibility (design.md, Roles): owners and managers see every thread; an agent sees the threads
 * assigned to them and the unassigned ones (teams come later). Sending is not gated here: the
 * Conversation DO's reply lock answers an agent with 409 `locked`, naming the holder.
 */
import type { ConversationDetail, ConversationSummary } from "../contracts/api";
import type { SessionUser } from "../env";
import { decodeCursor, encodeCursor } from "./cursor";

export interface ListFilters {
  status?: ConversationSummary["status"];
  /** "me", "unassigned" or a user id. */
  assignee?: string;
  team?: string;
  channel?: string;
  q?: string;
  cursor?: string;
  limit: number;
}

export type ListResult =
  | { ok: true; conversations: ConversationSummary[]; nextCursor: string | null }
  | { ok: false; reason: "bad_cursor" };

interface SummaryRow {
  id: string;
  channel_id: string;
  contact_id: string;
  status: ConversationSummary["status"];
  assignee_id: string | null;
  assignee_name: string | null;
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

const SUMMARY_COLUMNS = `c.id, c.channel_id, c.contact_id, c.status, c.assignee_id, u.name AS assignee_name,
  c.last_message_at, c.last_message_preview, c.last_message_direction, c.unread_count, c.window_ends_at, c.version,
  ct.name AS contact_name, ct.wa_id, ct.user_id, ct.username`;

function toSummary(row: SummaryRow): ConversationSummary {
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
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** True when `user` may see a thread assigned to `assigneeId`. */
export function canSee(user: Pick<SessionUser, "id" | "role">, assigneeId: string | null): boolean {
  return user.role !== "agent" || assigneeId === null || assigneeId === user.id;
}

/** One page of the inbox, newest activity first. */
export async function listConversations(db: D1Database, user: SessionUser, filters: ListFilters): Promise<ListResult> {
  const where: string[] = [];
  const binds: unknown[] = [];
  const bind = (value: unknown) => {
    binds.push(value);
    return `?${binds.length}`;
  };
  if (user.role === "agent") where.push(`(c.assignee_id = ${bind(user.id)} OR c.assignee_id IS NULL)`);
  if (filters.status) where.push(`c.status = ${bind(filters.status)}`);
  if (filters.assignee === "unassigned") where.push("c.assignee_id IS NULL");
  else if (filters.assignee) where.push(`c.assignee_id = ${bind(filters.assignee === "me" ? user.id : filters.assignee)}`);
  if (filters.team) where.push(`c.team_id = ${bind(filters.team)}`);
  if (filters.channel) where.push(`c.channel_id = ${bind(filters.channel)}`);
  const q = filters.q?.trim();
  if (q) {
    const text = bind(`%${escapeLike(q.toLowerCase())}%`);
    // Numbers are stored as digits (wa_id): "+1 555-0100" finds 15550100.
    const digits = q.replace(/[\s()+.-]/g, "");
    const phoneClause = /^\d+$/.test(digits) ? ` OR ct.wa_id LIKE ${bind(`%${digits}%`)}` : "";
    where.push(
      `(lower(ct.name) LIKE ${text} ESCAPE '\\' OR lower(ct.username) LIKE ${text} ESCAPE '\\' OR ct.wa_id LIKE ${text} ESCAPE '\\'${phoneClause})`,
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
       JOIN contacts ct ON ct.id = c.contact_id
       LEFT JOIN users u ON u.id = c.assignee_id
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

/** One thread with its channel and lock holder; null when it does not exist or `user` may not see it. */
export async function getConversationDetail(db: D1Database, user: SessionUser, id: string): Promise<ConversationDetail | null> {
  const row = await db
    .prepare(
      `SELECT ${SUMMARY_COLUMNS}, ch.phone_number_id, ch.display_phone_number, ch.name AS channel_name
       FROM conversations c
       JOIN contacts ct ON ct.id = c.contact_id
       JOIN channels ch ON ch.id = c.channel_id
       LEFT JOIN users u ON u.id = c.assignee_id
       WHERE c.id = ?`,
    )
    .bind(id)
    .first<DetailRow>();
  if (!row || !canSee(user, row.assignee_id)) return null;
  const summary = toSummary(row);
  return {
    ...summary,
    channel: { id: row.channel_id, phoneNumberId: row.phone_number_id, displayPhoneNumber: row.display_phone_number, name: row.channel_name },
    lockHolder: row.assignee_id ? { id: row.assignee_id, name: summary.assigneeName ?? "" } : null,
  };
}

/** The thread's channel id, or null when it does not exist (no visibility rule: the DO's reply lock decides sends). */
export async function conversationChannelId(db: D1Database, id: string): Promise<string | null> {
  const row = await db.prepare("SELECT channel_id FROM conversations WHERE id = ?").bind(id).first<{ channel_id: string }>();
  return row?.channel_id ?? null;
}
