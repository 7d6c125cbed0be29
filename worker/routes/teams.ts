/** Teams (Owner and Manager): create, rename, delete, set members. */
import { Hono } from "hono";
import { audit } from "../audit";
import { requireRole, requireUser } from "../auth/middleware";
import { CreateTeamBody, UpdateTeamBody } from "../contracts/access";
import type { AppEnv, Env } from "../env";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { validate } from "../validation";

async function listTeams(db: D1Database, id?: string) {
  const teams = await db
    .prepare(`SELECT id, name, created_at FROM teams ${id ? "WHERE id = ?" : ""} ORDER BY name`)
    .bind(...(id ? [id] : []))
    .all<{ id: string; name: string; created_at: number }>();
  const members = await db
    .prepare(
      `SELECT m.team_id, u.id, u.name FROM team_members m JOIN users u ON u.id = m.user_id
        ${id ? "WHERE m.team_id = ?" : ""} ORDER BY u.name`,
    )
    .bind(...(id ? [id] : []))
    .all<{ team_id: string; id: string; name: string }>();
  return teams.results.map((t) => ({
    id: t.id,
    name: t.name,
    createdAt: t.created_at,
    members: members.results.filter((m) => m.team_id === t.id).map((m) => ({ id: m.id, name: m.name })),
  }));
}

async function assertUsersExist(db: D1Database, ids: string[]) {
  if (ids.length === 0) return;
  const { results } = await db.prepare("SELECT id FROM users WHERE id IN (SELECT value FROM json_each(?))").bind(JSON.stringify(ids)).all<{ id: string }>();
  const known = new Set(results.map((r) => r.id));
  const unknown = ids.find((id) => !known.has(id));
  if (unknown) throw new ApiError(400, "invalid_request", `memberIds: unknown user ${unknown}.`);
}

/** Members' sockets carry threads by team: make them reconnect under the new membership. */
async function disconnectMembers(env: Env, userIds: string[]) {
  const hub = env.HUB.getByName("workspace");
  for (const userId of new Set(userIds)) await hub.disconnectUser(userId);
}

function isUniqueViolation(err: unknown) {
  return err instanceof Error && /UNIQUE constraint failed/.test(err.message);
}

function memberStatements(db: D1Database, teamId: string, memberIds: string[]) {
  return [
    db.prepare("DELETE FROM team_members WHERE team_id = ?").bind(teamId),
    ...[...new Set(memberIds)].map((userId) => db.prepare("INSERT INTO team_members (team_id, user_id) VALUES (?, ?)").bind(teamId, userId)),
  ];
}

export const teamRoutes = new Hono<AppEnv>()
  .use(requireUser, requireRole("owner", "manager"))
  .get("/", async (c) => c.json({ teams: await listTeams(c.env.DB) }))
  .post("/", validate("json", CreateTeamBody), async (c) => {
    const body = c.req.valid("json");
    await assertUsersExist(c.env.DB, body.memberIds);
    const id = newId("team");
    try {
      await c.env.DB.batch([
        c.env.DB.prepare("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)").bind(id, body.name, Date.now()),
        ...memberStatements(c.env.DB, id, body.memberIds),
      ]);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError(409, "team_exists", "A team with this name exists already.");
      throw err;
    }
    await audit(c, { action: "team.created", targetType: "team", targetId: id, details: { name: body.name } });
    return c.json({ team: (await listTeams(c.env.DB, id))[0]! }, 201);
  })
  .patch("/:id", validate("json", UpdateTeamBody), async (c) => {
    const body = c.req.valid("json");
    const id = c.req.param("id");
    const [existing] = await listTeams(c.env.DB, id);
    if (!existing) throw new ApiError(404, "not_found", "There is no such team.");
    const statements: D1PreparedStatement[] = [];
    if (body.name !== undefined) statements.push(c.env.DB.prepare("UPDATE teams SET name = ? WHERE id = ?").bind(body.name, id));
    if (body.memberIds !== undefined) {
      await assertUsersExist(c.env.DB, body.memberIds);
      statements.push(...memberStatements(c.env.DB, id, body.memberIds));
    }
    try {
      if (statements.length) await c.env.DB.batch(statements);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError(409, "team_exists", "A team with this name exists already.");
      throw err;
    }
    if (body.name !== undefined && body.name !== existing.name) {
      await audit(c, { action: "team.renamed", targetType: "team", targetId: id, details: { from: existing.name, to: body.name } });
    }
    if (body.memberIds !== undefined) {
      await audit(c, { action: "team.members_changed", targetType: "team", targetId: id, details: { memberIds: body.memberIds } });
      await disconnectMembers(c.env, [...existing.members.map((m) => m.id), ...body.memberIds]);
    }
    return c.json({ team: (await listTeams(c.env.DB, id))[0]! });
  })
  .delete("/:id", async (c) => {
    const id = c.req.param("id");
    const [existing] = await listTeams(c.env.DB, id);
    const result = await c.env.DB.prepare("DELETE FROM teams WHERE id = ?").bind(id).run();
    if (!result.meta.changes) throw new ApiError(404, "not_found", "There is no such team.");
    await c.env.DB.prepare("DELETE FROM team_members WHERE team_id = ?").bind(id).run();
    await audit(c, { action: "team.deleted", targetType: "team", targetId: id });
    if (existing) await disconnectMembers(c.env, existing.members.map((m) => m.id));
    return c.body(null, 204);
  });
