/** Reading users and their teams, in the API's shapes. */
import type { User } from "../contracts/api";
import type { UserAdminView } from "../contracts/access";
import type { Role, SessionUser } from "../env";

interface UserRow {
  id: string;
  name: string;
  email: string;
  role: Role;
  language: string | null;
  availability: "online" | "away" | "offline";
  active: number;
  created_at: number;
}

/** team memberships of the given users, in one query */
export async function teamsOfUsers(db: D1Database, userIds: string[]): Promise<Map<string, { id: string; name: string }[]>> {
  const byUser = new Map<string, { id: string; name: string }[]>();
  if (userIds.length === 0) return byUser;
  const { results } = await db
    .prepare(
      `SELECT m.user_id, t.id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id
        WHERE m.user_id IN (SELECT value FROM json_each(?)) ORDER BY t.name`,
    )
    .bind(JSON.stringify(userIds))
    .all<{ user_id: string; id: string; name: string }>();
  for (const row of results) {
    const list = byUser.get(row.user_id) ?? [];
    list.push({ id: row.id, name: row.name });
    byUser.set(row.user_id, list);
  }
  return byUser;
}

/** The API's view of the signed-in user, with their teams. */
export async function toApiUser(db: D1Database, user: SessionUser): Promise<User> {
  const [teams, row] = await Promise.all([
    teamsOfUsers(db, [user.id]),
    db.prepare("SELECT availability FROM users WHERE id = ?").bind(user.id).first<{ availability: User["availability"] }>(),
  ]);
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    language: user.language,
    teams: teams.get(user.id) ?? [],
    // An API token is not a person: it has no availability.
    ...(row?.availability ? { availability: row.availability } : {}),
  };
}

const USER_COLUMNS = "id, name, email, role, language, availability, active, created_at";

function toAdminView(row: UserRow, teams: Map<string, { id: string; name: string }[]>): UserAdminView {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    language: row.language,
    availability: row.availability,
    active: Boolean(row.active),
    teams: teams.get(row.id) ?? [],
    createdAt: row.created_at,
  };
}

export async function listUsers(db: D1Database): Promise<UserAdminView[]> {
  const { results } = await db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY active DESC, name`).all<UserRow>();
  const teams = await teamsOfUsers(db, results.map((r) => r.id));
  return results.map((row) => toAdminView(row, teams));
}

export async function getUser(db: D1Database, id: string): Promise<UserAdminView | null> {
  const row = await db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).bind(id).first<UserRow>();
  if (!row) return null;
  return toAdminView(row, await teamsOfUsers(db, [id]));
}

/** The team ids that exist among `ids` (to refuse unknown ones with a clear error). */
export async function existingTeamIds(db: D1Database, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { results } = await db
    .prepare("SELECT id FROM teams WHERE id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}
