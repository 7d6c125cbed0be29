/**
 * The assignee and team an assignment names, checked against D1 in one query: the user must be
 * active, the team must exist, and when both are given the user must be a member of the team.
 */
import type { Person } from "../../durable-objects/conversation/types";

export type AssignmentTarget =
  | {
      ok: true;
      /** Who should hold the thread (null: nobody). */
      assignee: Person | null;
      /** undefined: keep the thread's team; null: no team. */
      team: Person | null | undefined;
    }
  | { ok: false; code: "invalid_assignee" | "invalid_team" | "not_team_member"; message: string };

export async function resolveAssignmentTarget(
  db: D1Database,
  body: { userId?: string | null; teamId?: string | null },
): Promise<AssignmentTarget> {
  const userId = body.userId ?? null;
  const teamId = body.teamId ?? null;
  if (userId === null && teamId === null) return { ok: true, assignee: null, team: body.teamId === null ? null : undefined };
  const row = await db
    .prepare(
      `SELECT (SELECT name FROM users WHERE id = ?1 AND active = 1) AS user_name,
              (SELECT name FROM teams WHERE id = ?2) AS team_name,
              EXISTS (SELECT 1 FROM team_members WHERE user_id = ?1 AND team_id = ?2) AS member`,
    )
    .bind(userId, teamId)
    .first<{ user_name: string | null; team_name: string | null; member: number }>();
  if (userId !== null && row?.user_name == null) {
    return { ok: false, code: "invalid_assignee", message: "The assignee must be an active user of this workspace." };
  }
  if (teamId !== null && row?.team_name == null) {
    return { ok: false, code: "invalid_team", message: "There is no such team." };
  }
  if (userId !== null && teamId !== null && !row?.member) {
    return { ok: false, code: "not_team_member", message: `${row?.user_name} is not a member of ${row?.team_name}.` };
  }
  return {
    ok: true,
    assignee: userId !== null ? { id: userId, name: row!.user_name! } : null,
    team: teamId !== null ? { id: teamId, name: row!.team_name! } : body.teamId === null ? null : undefined,
  };
}
