/**
 * SQL conditions for the inbox filters over the D1 conversation index (alias `c`): shared by
 * search and, for label / window / unread, meant for the conversation list as well.
 * Each returns a condition string and appends its values through `bind` (numbered placeholders).
 */
import type { ConversationStatus } from "../contracts/api";
import type { Bind } from "./thread-visibility";

export interface ThreadFilters {
  status?: ConversationStatus;
  /** "me", "unassigned" or a user id. */
  assignee?: string;
  team?: string;
  channel?: string;
  label?: string;
  window?: "open" | "closed";
  unread?: boolean;
}

/** Threads carrying the label (uses conversation_labels_label_idx). */
export function labelFilterSql(bind: Bind, labelId: string, alias = "c"): string {
  return `EXISTS (SELECT 1 FROM conversation_labels cl WHERE cl.label_id = ${bind(labelId)} AND cl.conversation_id = ${alias}.id)`;
}

/** Threads whose customer-service window is open (ends after `now`) or closed (never opened or ended). */
export function windowFilterSql(bind: Bind, window: "open" | "closed", now: number, alias = "c"): string {
  const at = bind(now);
  return window === "open"
    ? `${alias}.window_ends_at > ${at}`
    : `(${alias}.window_ends_at IS NULL OR ${alias}.window_ends_at <= ${at})`;
}

export function unreadFilterSql(unread: boolean, alias = "c"): string {
  return unread ? `${alias}.unread_count > 0` : `${alias}.unread_count = 0`;
}

/** Every filter that is set, as conditions to AND together. */
export function threadFilterSql(filters: ThreadFilters, bind: Bind, userId: string, now: number, alias = "c"): string[] {
  const where: string[] = [];
  if (filters.status) where.push(`${alias}.status = ${bind(filters.status)}`);
  if (filters.assignee === "unassigned") where.push(`${alias}.assignee_id IS NULL`);
  else if (filters.assignee) where.push(`${alias}.assignee_id = ${bind(filters.assignee === "me" ? userId : filters.assignee)}`);
  if (filters.team) where.push(`${alias}.team_id = ${bind(filters.team)}`);
  if (filters.channel) where.push(`${alias}.channel_id = ${bind(filters.channel)}`);
  if (filters.label) where.push(labelFilterSql(bind, filters.label, alias));
  if (filters.window) where.push(windowFilterSql(bind, filters.window, now, alias));
  if (filters.unread !== undefined) where.push(unreadFilterSql(filters.unread, alias));
  return where;
}
