/**
 * /api/templates (issue 5):
 *   GET    /             the approved templates the composer offers outside the 24-hour window (anyone signed in)
 *   GET    /all          every template whatever its status, with Meta's reason (Owner, Manager)
 *   POST   /             create one: Meta's rules checked (422 naming the field), submitted to the
 *                         account's POST /{waba-id}/message_templates, stored PENDING (Owner, Manager)
 *   POST   /media        a header's example file → Meta's Resumable Upload API → its handle (Owner, Manager)
 *   POST   /sync         every page of every known account's templates from Meta (Owner, Manager)
 * Status webhooks apply Meta's verdicts instantly (routes/webhooks-whatsapp.ts).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { requireRole, requireUser } from "../auth/middleware";
import { CreateTemplateBody, problemSentence, templateProblems } from "../contracts/templates";
import type { AppEnv } from "../env";
import { audit } from "../audit";
import { ApiError } from "../errors";
import { accessTokenFor } from "../services/channel-tokens";
import { listAllTemplates, listApprovedTemplates, syncTemplatesFromMeta, templateView } from "../services/templates";
import { chooseAccount, submitTemplate, uploadHeaderMedia } from "../services/templates-submit";
import { readFileUpload } from "../uploads";
import { validate } from "../validation";
import { DEFAULT_GRAPH_API_URL } from "../whatsapp/graph-client";

export const templateRoutes = new Hono<AppEnv>();

templateRoutes.use("*", requireUser);

templateRoutes.get("/", async (c) => {
  const templates = await listApprovedTemplates(c.env.DB);
  // name…status as before; components (header, footer, buttons) and the account let the composer
  // ask for header and button values and preview the whole message.
  return c.json({
    templates: templates.map(({ name, language, category, body, status, components, wabaId }) => ({ name, language, category, body, status, components, wabaId })),
  });
});

templateRoutes.get("/all", requireRole("owner", "manager"), async (c) => {
  const templates = await listAllTemplates(c.env.DB);
  return c.json({ templates: templates.map(templateView) });
});

templateRoutes.post("/", requireRole("owner", "manager"), validate("json", CreateTemplateBody), async (c) => {
  const input = c.req.valid("json");
  // Meta's rules first: a template Meta would refuse never leaves Chorus.
  const [problem] = templateProblems(input);
  if (problem) {
    throw new ApiError(422, `template_${problem.code}`, `${problem.field}: ${problemSentence(problem)}`, { field: problem.field, rule: problem.code });
  }
  const account = await chooseAccount(c.env.DB, input.wabaId);
  const template = await submitTemplate(c.env, input, account);
  const view = templateView(template);
  await audit(c, {
    action: "template.created",
    targetType: "template",
    targetId: view.id,
    details: { name: input.name, language: input.language, category: input.category, wabaId: account.wabaId },
  });
  return c.json({ template: view }, 201);
});

const MediaForm = v.object({ wabaId: v.optional(v.pipe(v.string(), v.maxLength(64))) });

/** The largest header example Meta takes (video and PDF). */
const HEADER_UPLOAD_MAX_BYTES = 16 * 1024 * 1024;

templateRoutes.post("/media", requireRole("owner", "manager"), async (c) => {
  const { form, file } = await readFileUpload(c, {
    maxFileBytes: HEADER_UPLOAD_MAX_BYTES,
    tooLarge: "file: a header example can be at most 16 MB (images 5 MB).",
    details: { field: "file" },
  });
  const fields = v.safeParse(MediaForm, { wabaId: typeof form.get("wabaId") === "string" && form.get("wabaId") ? form.get("wabaId") : undefined });
  if (!fields.success) throw new ApiError(400, "invalid_request", "wabaId: at most 64 characters.");
  const account = await chooseAccount(c.env.DB, fields.output.wabaId);
  const uploaded = await uploadHeaderMedia(c.env, account, file);
  return c.json(uploaded);
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
  await audit(c, { action: "template.synced", targetType: "template", details: { synced, accounts: accounts.map((a) => a.wabaId) } });
  return c.json({ synced, accounts });
});
