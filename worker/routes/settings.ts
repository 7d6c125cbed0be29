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
    const before = await readSettings(c.env.DB);
    await writeSettings(c.env.DB, changes);
    // Agents' open sockets were filtered by the old rule: close them so they reconnect under the new one.
    if (changes.agentsSeeAllConversations !== undefined && changes.agentsSeeAllConversations !== before.agentsSeeAllConversations) {
      await c.env.HUB.getByName("workspace").disconnectRole("agent");
    }
    await audit(c, { action: "settings.changed", targetType: "settings", details: changes });
    return c.json({ settings: await readSettings(c.env.DB) });
  });
