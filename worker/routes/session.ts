/**
 * The signed-in person: sign in (POST), who am I (GET), profile (PATCH), change password
 * (POST /password), sign out (DELETE).
 */
import { Hono } from "hono";
import { audit, auditStatement, clientAddress } from "../audit";
import { requireSessionAuth, requireUser } from "../auth/middleware";
import { decoyPasswordHash, hashPassword, verifyPassword } from "../auth/password";
import { clearedSessionCookie, deleteSession } from "../auth/sessions";
import { endSessions, startSession } from "../auth/sign-in";
import { assertNotThrottled, clearAccountFailures, recordFailure } from "../auth/throttle";
import { toApiUser } from "../auth/users";
import { ChangePasswordBody, UpdateProfileBody } from "../contracts/access";
import { SignInBody } from "../contracts/api";
import type { AppEnv, Role } from "../env";
import { ApiError } from "../errors";
import { validate } from "../validation";
import { offerWaitingConversations } from "../services/assignment-queue";

interface UserRow {
  id: string;
  name: string;
  email: string;
  role: Role;
  language: string | null;
  password_hash: string;
  active: number;
}

export const sessionRoutes = new Hono<AppEnv>()
  .post("/", validate("json", SignInBody), async (c) => {
    const { email, password } = c.req.valid("json");
    const ip = clientAddress(c) ?? "unknown";
    await assertNotThrottled(c.env.DB, email, ip);
    const row = await c.env.DB.prepare(
      "SELECT id, name, email, role, language, password_hash, active FROM users WHERE email = ?",
    )
      .bind(email)
      .first<UserRow>();
    // Same work and the same answer for an unknown email, a wrong password and a deactivated
    // account: the response never tells which emails have accounts.
    const valid = await verifyPassword(password, row?.password_hash ?? (await decoyPasswordHash()));
    if (!row || !valid || !row.active) {
      await recordFailure(c.env.DB, email, ip);
      await auditStatement(c.env.DB, {
        action: "session.sign_in_failed",
        actorId: row?.id ?? null,
        ip: clientAddress(c),
        details: { email },
      }).run();
      throw new ApiError(401, "invalid_credentials", "The email or password is not correct.");
    }
    const user = { id: row.id, name: row.name, email: row.email, role: row.role, language: row.language };
    await clearAccountFailures(c.env.DB, email);
    await startSession(c, user);
    await auditStatement(c.env.DB, { action: "session.sign_in", actorId: user.id, actorName: user.name, ip: clientAddress(c) }).run();
    return c.json({ user: await toApiUser(c.env.DB, user) });
  })
  .get("/", requireUser, async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ user: await toApiUser(c.env.DB, c.var.user) });
  })
  .patch("/", requireUser, requireSessionAuth, validate("json", UpdateProfileBody), async (c) => {
    const body = c.req.valid("json");
    const user = c.var.user;
    await c.env.DB.prepare(
      `UPDATE users SET name = COALESCE(?, name),
              language = CASE WHEN ? THEN ? ELSE language END,
              availability = COALESCE(?, availability)
        WHERE id = ?`,
    )
      .bind(body.name ?? null, body.language !== undefined ? 1 : 0, body.language ?? null, body.availability ?? null, user.id)
      .run();
    // Coming online: threads waiting for automatic assignment may go to this user now (never throws).
    if (body.availability === "online") await offerWaitingConversations(c.env, { userId: user.id });
    // The managers' live view shows who is online (issue 6; debounced in the Hub, never throws here).
    if (body.availability !== undefined) await c.env.HUB.getByName("workspace").metricsChanged().catch(() => undefined);
    const updated = {
      ...user,
      name: body.name ?? user.name,
      language: body.language !== undefined ? body.language : user.language,
    };
    return c.json({ user: await toApiUser(c.env.DB, updated) });
  })
  .post("/password", requireUser, requireSessionAuth, validate("json", ChangePasswordBody), async (c) => {
    const { currentPassword, newPassword } = c.req.valid("json");
    const row = await c.env.DB.prepare("SELECT password_hash FROM users WHERE id = ?").bind(c.var.user.id).first<{ password_hash: string }>();
    if (!row || !(await verifyPassword(currentPassword, row.password_hash))) {
      throw new ApiError(403, "wrong_password", "The current password is not correct.");
    }
    await c.env.DB.prepare("UPDATE users SET password_hash = ? WHERE id = ?").bind(await hashPassword(newPassword), c.var.user.id).run();
    // Every other session of this user ends (Chatwoot CVE-2021-3740: sessions survived a password change).
    await endSessions(c.env, c.var.user.id, { except: c.var.sessionId });
    await audit(c, { action: "user.password_changed", targetType: "user", targetId: c.var.user.id });
    return c.body(null, 204);
  })
  .delete("/", requireUser, requireSessionAuth, async (c) => {
    await deleteSession(c.env.DB, c.var.sessionId);
    await audit(c, { action: "session.sign_out" });
    // Close this session's live socket too; a failure there must not keep the user signed in.
    try {
      await c.env.HUB.getByName("workspace").disconnectSession(c.var.sessionId);
    } catch (err) {
      console.warn("could not close the session's sockets", err);
    }
    c.header("Set-Cookie", clearedSessionCookie());
    return c.body(null, 204);
  });
