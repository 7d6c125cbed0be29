/** Workspace settings: every signed-in user may read them; only an Owner changes them. */
import { Hono } from "hono";
import { audit } from "../audit";
import { requireRole, requireUser } from "../auth/middleware";
import { UpdateSettingsBody } from "../contracts/access";
import type { AppEnv } from "../env";
import { readSettings, writeSettings } from "../settings";
import { validate } from "../validation";

export const settingsRoutes = new Hono<AppEnv>()
  .use(requireUser)
  .get("/", async (c) => c.json({ settings: await readSettings(c.env.DB) }))
  .patch("/", requireRole("owner"), validate("json", UpdateSettingsBody), async (c) => {
    const changes = c.req.valid("json");
    await writeSettings(c.env.DB, changes);
    await audit(c, { action: "settings.changed", targetType: "settings", details: changes });
    return c.json({ settings: await readSettings(c.env.DB) });
  });
