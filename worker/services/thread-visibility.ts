/**
 * Which threads a user may see, as SQL over the D1 conversation index (alias `c`), so a search or
 * a label change never touches a thread the user could not open (design.md, Roles):
 * - Owner and Manager: every thread;
 * - Agent: threads assigned to them, unassigned threads of one of their teams or of no team —
 *   or every thread when the workspace setting `agentsSeeAllConversations` is on.
 * The setting is read inside the same statement (settings stores JSON text: 'true'), so the rule
 * costs no extra round trip.
 */
import type { Role } from "../env";

export interface Viewer {
  id: string;
  role: Role;
}

/** Appends a value to the statement's bindings and returns its numbered placeholder (?N). */
export type Bind = (value: unknown) => string;

/** A numbered-placeholder binder over `binds`. */
export function binder(binds: unknown[]): Bind {
  return (value) => {
    binds.push(value);
    return `?${binds.length}`;
  };
}

/** The condition on `c` (conversations) for threads `viewer` may see; "1" for Owner and Manager. */
export function visibleToSql(viewer: Viewer, bind: Bind, alias = "c"): string {
  if (viewer.role !== "agent") return "1";
  const me = bind(viewer.id);
  return `(${alias}.assignee_id = ${me}
    OR (${alias}.assignee_id IS NULL AND (${alias}.team_id IS NULL
      OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = ${alias}.team_id AND tm.user_id = ${me})))
    OR (SELECT value FROM settings WHERE key = 'agentsSeeAllConversations') = 'true')`;
}

/**
 * The same rule for many users at once, as a condition on `u` (users) and `c` (conversations):
 * used to keep mentions and notifications to people who can open the thread.
 */
export const USER_SEES_THREAD_SQL = `(u.role <> 'agent'
  OR c.assignee_id = u.id
  OR (c.assignee_id IS NULL AND (c.team_id IS NULL
    OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = c.team_id AND tm.user_id = u.id)))
  OR (SELECT value FROM settings WHERE key = 'agentsSeeAllConversations') = 'true')`;

/** True when the thread exists and `viewer` may see it. One D1 query. */
export async function canSeeConversation(db: D1Database, viewer: Viewer, conversationId: string): Promise<boolean> {
  const binds: unknown[] = [];
  const bind = binder(binds);
  const id = bind(conversationId);
  const row = await db
    .prepare(`SELECT 1 AS ok FROM conversations c WHERE c.id = ${id} AND ${visibleToSql(viewer, bind)}`)
    .bind(...binds)
    .first<{ ok: number }>();
  return row !== null;
}
