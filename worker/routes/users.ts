/**
 * Users (Owner and Manager): list, change role / name / teams, deactivate and reactivate,
 * and (Owner) issue a password-reset link. Managers cannot touch Owners or make anyone Owner.
 */
import { Hono } from "hono";
import { audit } from "../audit";
import { createLink, linkUrl } from "../auth/links";
import { requireRole, requireUser } from "../auth/middleware";
import { endSessions } from "../auth/sign-in";
import { existingTeamIds, getUser, listUsers } from "../auth/users";
import { UpdateUserBody } from "../contracts/access";
import type { AppEnv, SessionUser } from "../env";
import { ApiError } from "../errors";
import { validate } from "../validation";
import { releaseAssignedConversations } from "../services/release-conversations";

async function loadTarget(db: D1Database, actor: SessionUser, id: string) {
  const target = await getUser(db, id);
  if (!target) throw new ApiError(404, "not_found", "There is no such user.");
  if (actor.role === "manager" && target.role === "owner") {
    throw new ApiError(403, "forbidden", "Managers cannot change an Owner.");
  }
  return target;
}

async function activeOwnerCount(db: D1Database): Promise<number> {
  const row = await db.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'owner' AND active = 1").first<{ n: number }>();
  return row?.n ?? 0;
}

export const userRoutes = new Hono<AppEnv>()
  .use(requireUser, requireRole("owner", "manager"))
  .get("/", async (c) => c.json({ users: await listUsers(c.env.DB) }))
  .get("/:id", async (c) => {
    const user = await getUser(c.env.DB, c.req.param("id"));
    if (!user) throw new ApiError(404, "not_found", "There is no such user.");
    return c.json({ user });
  })
  .patch("/:id", validate("json", UpdateUserBody), async (c) => {
    const body = c.req.valid("json");
    const actor = c.var.user;
    const target = await loadTarget(c.env.DB, actor, c.req.param("id"));
    const statements: D1PreparedStatement[] = [];

    if (body.role !== undefined && body.role !== target.role) {
      if (actor.role === "manager" && body.role === "owner") throw new ApiError(403, "forbidden", "Managers cannot make anyone an Owner.");
      if (target.id === actor.id) throw new ApiError(422, "own_role", "You cannot change your own role.");
      if (target.role === "owner" && target.active && (await activeOwnerCount(c.env.DB)) <= 1) {
        throw new ApiError(422, "last_owner", "The workspace needs at least one active Owner.");
      }
      statements.push(c.env.DB.prepare("UPDATE users SET role = ? WHERE id = ?").bind(body.role, target.id));
    }
    if (body.name !== undefined) statements.push(c.env.DB.prepare("UPDATE users SET name = ? WHERE id = ?").bind(body.name, target.id));
    if (body.teamIds !== undefined) {
      const known = await existingTeamIds(c.env.DB, body.teamIds);
      const unknown = body.teamIds.filter((id) => !known.has(id));
      if (unknown.length) throw new ApiError(400, "invalid_request", `teamIds: unknown team ${unknown[0]}.`);
      statements.push(c.env.DB.prepare("DELETE FROM team_members WHERE user_id = ?").bind(target.id));
      for (const teamId of new Set(body.teamIds)) {
        statements.push(c.env.DB.prepare("INSERT INTO team_members (team_id, user_id) VALUES (?, ?)").bind(teamId, target.id));
      }
    }
    if (statements.length) await c.env.DB.batch(statements);
    if (body.role !== undefined && body.role !== target.role) {
      await audit(c, { action: "user.role_changed", targetType: "user", targetId: target.id, details: { from: target.role, to: body.role } });
      // A role change changes what the user's open sockets may carry: make them reconnect.
      await c.env.HUB.getByName("workspace").disconnectUser(target.id);
    }
    if (body.teamIds !== undefined) {
      await audit(c, { action: "team.members_changed", targetType: "user", targetId: target.id, details: { teamIds: body.teamIds } });
      // Their sockets carry threads by team: reconnect them under the new membership.
      await c.env.HUB.getByName("workspace").disconnectUser(target.id);
    }
    return c.json({ user: (await getUser(c.env.DB, target.id))! });
  })
  .post("/:id/deactivate", async (c) => {
    const actor = c.var.user;
    const target = await loadTarget(c.env.DB, actor, c.req.param("id"));
    if (target.id === actor.id) throw new ApiError(422, "deactivate_self", "You cannot deactivate yourself.");
    if (target.role === "owner" && target.active && (await activeOwnerCount(c.env.DB)) <= 1) {
      throw new ApiError(422, "last_owner", "The workspace needs at least one active Owner.");
    }
    await c.env.DB.prepare("UPDATE users SET active = 0, availability = 'offline' WHERE id = ?").bind(target.id).run();
    // All their sessions and sockets end at once; their open threads go back to the queue.
    await endSessions(c.env, target.id);
    const released = await releaseAssignedConversations(c.env, target.id, actor);
    await audit(c, { action: "user.deactivated", targetType: "user", targetId: target.id, details: { releasedConversations: released } });
    return c.json({ user: (await getUser(c.env.DB, target.id))! });
  })
  .post("/:id/reactivate", async (c) => {
    const target = await loadTarget(c.env.DB, c.var.user, c.req.param("id"));
    await c.env.DB.prepare("UPDATE users SET active = 1 WHERE id = ?").bind(target.id).run();
    await audit(c, { action: "user.reactivated", targetType: "user", targetId: target.id });
    return c.json({ user: (await getUser(c.env.DB, target.id))! });
  })
  .post("/:id/password-reset", requireRole("owner"), async (c) => {
    const target = await loadTarget(c.env.DB, c.var.user, c.req.param("id"));
    const link = await createLink(c.env.DB, { kind: "password_reset", email: target.email, userId: target.id, createdBy: c.var.user.id });
    await audit(c, { action: "user.password_reset_issued", targetType: "user", targetId: target.id });
    return c.json({ url: linkUrl(c.req.url, "/reset-password", link.token), token: link.token, expiresAt: link.expiresAt }, 201);
  });
