/**
 * /api/templates: the approved templates the composer can offer outside the 24-hour window, and
 * (issue 5) POST /api/templates/sync — every page of every known WhatsApp Business Account's
 * templates from Meta, on demand (Owner, Manager). Status webhooks apply changes instantly too.
 */
import { Hono } from "hono";
import { requireRole, requireUser } from "../auth/middleware";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { accessTokenFor } from "../services/channel-tokens";
import { listApprovedTemplates, syncTemplatesFromMeta } from "../services/templates";
import { DEFAULT_GRAPH_API_URL } from "../whatsapp/graph-client";

export const templateRoutes = new Hono<AppEnv>();

templateRoutes.use("*", requireUser);

templateRoutes.get("/", async (c) => {
  const templates = await listApprovedTemplates(c.env.DB);
  return c.json({
    templates: templates.map(({ name, language, category, body, status }) => ({ name, language, category, body, status })),
  });
});

templateRoutes.post("/sync", requireRole("owner", "manager"), async (c) => {
  // One account per WABA id; its first channel's token (a number's own token, else the workspace's).
  const { results } = await c.env.DB.prepare(
    "SELECT waba_id, min(id) AS channel_id FROM channels WHERE waba_id IS NOT NULL GROUP BY waba_id ORDER BY waba_id",
  ).all<{ waba_id: string; channel_id: string }>();
  if (results.length === 0) {
    throw new ApiError(
      422,
      "no_business_account",
      "No WhatsApp Business Account is known yet: it is learnt from the first webhook, or set on the number's settings.",
    );
  }
  const accounts = [];
  let synced = 0;
  for (const account of results) {
    const token = await accessTokenFor(c.env, account.channel_id);
    const result = await syncTemplatesFromMeta(c.env.DB, {
      graphBase: c.env.GRAPH_API_URL || DEFAULT_GRAPH_API_URL,
      token,
      wabaId: account.waba_id,
    });
    if (result.ok) {
      synced += result.synced;
      accounts.push({ wabaId: account.waba_id, ok: true, synced: result.synced, pages: result.pages });
    } else {
      accounts.push({ wabaId: account.waba_id, ok: false, synced: 0, pages: 0, error: result.error });
    }
  }
  if (accounts.every((a) => !a.ok)) {
    throw new ApiError(502, "template_sync_failed", `Meta did not list the templates: ${accounts.map((a) => a.error).join("; ")}`);
  }
  return c.json({ synced, accounts });
});
