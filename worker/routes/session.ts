/** Sign in (POST), who am I (GET), sign out (DELETE). */
import { Hono } from "hono";
import { requireUser } from "../auth/middleware";
import { decoyPasswordHash, verifyPassword } from "../auth/password";
import { clearedSessionCookie, deleteSession } from "../auth/sessions";
import { startSession } from "../auth/sign-in";
import { toApiUser } from "../auth/users";
import { SignInBody } from "../contracts/api";
import type { AppEnv, Role } from "../env";
import { ApiError } from "../errors";
import { validate } from "../validation";

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
    const row = await c.env.DB.prepare(
      "SELECT id, name, email, role, language, password_hash, active FROM users WHERE email = ?",
    )
      .bind(email)
      .first<UserRow>();
    // Same work and the same answer for an unknown email, a wrong password and a deactivated
    // account: the response never tells which emails have accounts.
    const valid = await verifyPassword(password, row?.password_hash ?? (await decoyPasswordHash()));
    if (!row || !valid || !row.active) {
      throw new ApiError(401, "invalid_credentials", "The email or password is not correct.");
    }
    const user = { id: row.id, name: row.name, email: row.email, role: row.role, language: row.language };
    await startSession(c, user);
    return c.json({ user: toApiUser(user) });
  })
  .get("/", requireUser, (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ user: toApiUser(c.var.user) });
  })
  .delete("/", requireUser, async (c) => {
    await deleteSession(c.env.DB, c.var.sessionId);
    // Close this session's live socket too; a failure there must not keep the user signed in.
    try {
      await c.env.HUB.getByName("workspace").disconnectSession(c.var.sessionId);
    } catch (err) {
      console.warn("could not close the session's sockets", err);
    }
    c.header("Set-Cookie", clearedSessionCookie());
    return c.body(null, 204);
  });
