/**
 * First run: the first person to open Chorus creates the Owner account. Once any user exists,
 * setup answers 409 setup_done for ever.
 */
import { Hono } from "hono";
import { auditStatement, clientAddress } from "../audit";
import { startSession } from "../auth/sign-in";
import { hashPassword } from "../auth/password";
import { toApiUser } from "../auth/users";
import { SetupBody } from "../contracts/api";
import type { AppEnv, SessionUser } from "../env";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { validate } from "../validation";

export const setupRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const row = await c.env.DB.prepare("SELECT EXISTS (SELECT 1 FROM users) AS any_user").first<{ any_user: number }>();
    return c.json({ needsSetup: !row?.any_user });
  })
  .post("/", validate("json", SetupBody), async (c) => {
    const body = c.req.valid("json");
    const user: SessionUser = { id: newId("usr"), name: body.name, email: body.email, role: "owner", language: null };
    const passwordHash = await hashPassword(body.password);
    // One statement decides the race between two first visitors: only the first insert lands.
    const result = await c.env.DB.prepare(
      `INSERT INTO users (id, email, name, password_hash, role, language, active, created_at)
       SELECT ?, ?, ?, ?, 'owner', NULL, 1, ? WHERE NOT EXISTS (SELECT 1 FROM users)`,
    )
      .bind(user.id, user.email, user.name, passwordHash, Date.now())
      .run();
    if (!result.meta.changes) {
      throw new ApiError(409, "setup_done", "Chorus is already set up. Sign in instead.");
    }
    await startSession(c, user);
    await auditStatement(c.env.DB, {
      action: "setup.owner_created",
      actorId: user.id,
      actorName: user.name,
      targetType: "user",
      targetId: user.id,
      ip: clientAddress(c),
    }).run();
    return c.json({ user: await toApiUser(c.env.DB, user) }, 201);
  });
