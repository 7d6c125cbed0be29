/**
 * Invitations: an Owner or Manager invites by email with a role and teams (a Manager cannot invite
 * an Owner). The answer carries the link to copy; single use, 7 days, revocable, listed with state.
 * Accepting (public, by token) creates the user and signs them in.
 */
import { Hono } from "hono";
import { audit, auditStatement, clientAddress } from "../audit";
import { consumeLinkStatement, createLink, findPendingLink, linkState, linkUrl, type LinkRow } from "../auth/links";
import { requireRole, requireUser } from "../auth/middleware";
import { hashPassword } from "../auth/password";
import { startSession } from "../auth/sign-in";
import { existingTeamIds, toApiUser } from "../auth/users";
import { AcceptInvitationBody, CreateInvitationBody, InvitationLookupQuery } from "../contracts/access";
import type { AppEnv, SessionUser } from "../env";
import { invitationEmail, sendEmail } from "../email";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { validate } from "../validation";

type InvitationRow = LinkRow & { invited_by: string | null };

async function teamNames(db: D1Database): Promise<Map<string, string>> {
  const { results } = await db.prepare("SELECT id, name FROM teams").all<{ id: string; name: string }>();
  return new Map(results.map((r) => [r.id, r.name]));
}

function toInvitation(row: InvitationRow, names: Map<string, string>) {
  const teamIds: string[] = row.team_ids ? JSON.parse(row.team_ids) : [];
  return {
    id: row.id,
    email: row.email,
    role: row.role!,
    teams: teamIds.filter((id) => names.has(id)).map((id) => ({ id, name: names.get(id)! })),
    state: linkState(row),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    invitedBy: row.invited_by,
  };
}

const SELECT_INVITATION = `SELECT l.*, u.name AS invited_by FROM user_links l LEFT JOIN users u ON u.id = l.created_by WHERE l.kind = 'invitation'`;

export const invitationRoutes = new Hono<AppEnv>()
  // Public: the accept page shows whom the link is for before asking for a name and password.
  .get("/lookup", validate("query", InvitationLookupQuery), async (c) => {
    const link = await findPendingLink(c.env.DB, "invitation", c.req.valid("query").token);
    if (!link) throw new ApiError(404, "invitation_invalid", "This invitation link is not valid any more. Ask for a new one.");
    return c.json({ email: link.email, role: link.role!, expiresAt: link.expires_at });
  })
  .post("/accept", validate("json", AcceptInvitationBody), async (c) => {
    const { token, name, password } = c.req.valid("json");
    const link = await findPendingLink(c.env.DB, "invitation", token);
    if (!link) throw new ApiError(404, "invitation_invalid", "This invitation link is not valid any more. Ask for a new one.");
    const taken = await c.env.DB.prepare("SELECT 1 FROM users WHERE email = ?").bind(link.email).first();
    if (taken) throw new ApiError(409, "email_taken", "A user with this email already exists. Sign in instead.");

    const user: SessionUser = { id: newId("usr"), name, email: link.email, role: link.role!, language: null };
    const teamIds: string[] = link.team_ids ? JSON.parse(link.team_ids) : [];
    const known = await existingTeamIds(c.env.DB, teamIds);
    const passwordHash = await hashPassword(password);
    // Consuming the link and creating the user happen in one batch (a transaction in D1): the
    // user rows are inserted only when the link was still pending, so two tabs can't both win.
    const now = Date.now();
    const results = await c.env.DB.batch([
      consumeLinkStatement(c.env.DB, link.id, now),
      c.env.DB.prepare(
        `INSERT INTO users (id, email, name, password_hash, role, language, active, availability, created_at)
         SELECT ?, ?, ?, ?, ?, NULL, 1, 'offline', ? WHERE changes() = 1`,
      ).bind(user.id, user.email, user.name, passwordHash, user.role, now),
      ...[...known].map((teamId) =>
        c.env.DB.prepare("INSERT INTO team_members (team_id, user_id) SELECT ?, id FROM users WHERE id = ?").bind(teamId, user.id),
      ),
    ]);
    if (!results[0]!.meta.changes || !results[1]!.meta.changes) {
      throw new ApiError(404, "invitation_invalid", "This invitation link is not valid any more. Ask for a new one.");
    }
    await startSession(c, user);
    await auditStatement(c.env.DB, {
      action: "invitation.accepted",
      actorId: user.id,
      actorName: user.name,
      targetType: "invitation",
      targetId: link.id,
      ip: clientAddress(c),
    }).run();
    return c.json({ user: await toApiUser(c.env.DB, user) }, 201);
  })
  .use(requireUser, requireRole("owner", "manager"))
  .get("/", async (c) => {
    const { results } = await c.env.DB.prepare(`${SELECT_INVITATION} ORDER BY l.created_at DESC LIMIT 200`).all<InvitationRow>();
    const names = await teamNames(c.env.DB);
    return c.json({ invitations: results.map((row) => toInvitation(row, names)) });
  })
  .post("/", validate("json", CreateInvitationBody), async (c) => {
    const body = c.req.valid("json");
    if (c.var.user.role === "manager" && body.role === "owner") {
      throw new ApiError(403, "forbidden", "Managers cannot invite an Owner.");
    }
    const known = await existingTeamIds(c.env.DB, body.teamIds);
    const unknown = body.teamIds.filter((id) => !known.has(id));
    if (unknown.length) throw new ApiError(400, "invalid_request", `teamIds: unknown team ${unknown[0]}.`);
    const taken = await c.env.DB.prepare("SELECT 1 FROM users WHERE email = ?").bind(body.email).first();
    if (taken) throw new ApiError(409, "email_taken", "A user with this email already exists.");

    const link = await createLink(c.env.DB, {
      kind: "invitation",
      email: body.email,
      role: body.role,
      teamIds: [...known],
      createdBy: c.var.user.id,
    });
    await audit(c, { action: "invitation.created", targetType: "invitation", targetId: link.id, details: { email: body.email, role: body.role } });
    const row = await c.env.DB.prepare(`${SELECT_INVITATION} AND l.id = ?`).bind(link.id).first<InvitationRow>();
    const url = linkUrl(c.req.url, "/invite", link.token);
    // Emailed when a sender is configured; either way the link is shown to copy.
    const emailed = await sendEmail(
      c.env,
      invitationEmail({ to: body.email, url, inviter: c.var.user.name, role: body.role, expiresAt: link.expiresAt }),
    );
    return c.json(
      {
        invitation: toInvitation(row!, await teamNames(c.env.DB)),
        url,
        token: link.token,
        expiresAt: link.expiresAt,
        emailed,
      },
      201,
    );
  })
  .delete("/:id", async (c) => {
    const result = await c.env.DB.prepare(
      "UPDATE user_links SET revoked_at = ? WHERE id = ? AND kind = 'invitation' AND used_at IS NULL AND revoked_at IS NULL",
    )
      .bind(Date.now(), c.req.param("id"))
      .run();
    if (!result.meta.changes) throw new ApiError(404, "not_found", "There is no pending invitation with this id.");
    await audit(c, { action: "invitation.revoked", targetType: "invitation", targetId: c.req.param("id") });
    return c.body(null, 204);
  });
