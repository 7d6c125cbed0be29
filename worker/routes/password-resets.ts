/** Using an Owner-issued password-reset link: set a new password, end every session, sign in fresh. */
import { Hono } from "hono";
import { auditStatement, clientAddress } from "../audit";
import { consumeLinkStatement, findPendingLink } from "../auth/links";
import { hashPassword } from "../auth/password";
import { endSessions, startSession } from "../auth/sign-in";
import { toApiUser } from "../auth/users";
import { PasswordResetAcceptBody } from "../contracts/access";
import type { AppEnv, Role } from "../env";
import { ApiError } from "../errors";
import { validate } from "../validation";

const INVALID = "This password-reset link is not valid any more. Ask an Owner for a new one.";

export const passwordResetRoutes = new Hono<AppEnv>().post("/accept", validate("json", PasswordResetAcceptBody), async (c) => {
  const { token, password } = c.req.valid("json");
  const link = await findPendingLink(c.env.DB, "password_reset", token);
  if (!link?.user_id) throw new ApiError(404, "link_invalid", INVALID);
  const passwordHash = await hashPassword(password);
  const [consumed] = await c.env.DB.batch([
    consumeLinkStatement(c.env.DB, link.id),
    c.env.DB.prepare("UPDATE users SET password_hash = ? WHERE id = ? AND active = 1 AND changes() = 1").bind(passwordHash, link.user_id),
  ]);
  if (!consumed!.meta.changes) throw new ApiError(404, "link_invalid", INVALID);
  const user = await c.env.DB.prepare("SELECT id, name, email, role, language, active FROM users WHERE id = ?")
    .bind(link.user_id)
    .first<{ id: string; name: string; email: string; role: Role; language: string | null; active: number }>();
  if (!user?.active) throw new ApiError(404, "link_invalid", INVALID);
  await endSessions(c.env, user.id);
  const sessionUser = { id: user.id, name: user.name, email: user.email, role: user.role, language: user.language };
  await startSession(c, sessionUser);
  await auditStatement(c.env.DB, {
    action: "user.password_reset_used",
    actorId: user.id,
    actorName: user.name,
    targetType: "user",
    targetId: user.id,
    ip: clientAddress(c),
  }).run();
  return c.json({ user: await toApiUser(c.env.DB, sessionUser) });
});
