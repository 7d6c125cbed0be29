/** /api/templates: the approved templates the composer can offer outside the 24-hour window. */
import { Hono } from "hono";
import { requireUser } from "../auth/middleware";
import type { AppEnv } from "../env";
import { listApprovedTemplates } from "../services/templates";

export const templateRoutes = new Hono<AppEnv>();

templateRoutes.use("*", requireUser);

templateRoutes.get("/", async (c) => {
  const templates = await listApprovedTemplates(c.env.DB);
  return c.json({
    templates: templates.map(({ name, language, category, body, status }) => ({ name, language, category, body, status })),
  });
});
