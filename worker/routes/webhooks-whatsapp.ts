/**
 * Meta's webhook: GET is the verification handshake, POST carries messages and statuses.
 *
 * POST, in order: size limit → raw bytes → signature (nothing is parsed, looked up or stored
 * before it checks out) → JSON → valibot → commands grouped by thread → one awaited RPC per
 * Conversation DO. 200 only once every DO has stored its items, so Meta retries anything we did
 * not keep; the DOs drop the duplicates a retry brings.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as v from "valibot";
import type { AppEnv } from "../env";
import { ApiError, errorBody } from "../errors";
import { verifyWebhookSignature } from "../whatsapp/signature";
import { WebhookEnvelope } from "../whatsapp/webhook-schema";
import { normaliseWebhook } from "../whatsapp/normalise";
import { routeCommands } from "../services/webhook-routing";
import { applyTemplateStatusUpdates, syncTemplatesFromMeta, type TemplateStatusEvent } from "../services/templates";
import { recordChannelErrors } from "../services/channel-health";
import { accessTokenFor } from "../services/channel-tokens";
import type { Env } from "../env";
import { DEFAULT_GRAPH_API_URL } from "../whatsapp/graph-client";

/** Meta's payloads are a few KB; anything near this is not from Meta. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export const whatsappWebhookRoutes = new Hono<AppEnv>();

function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  // No early exit on the first differing byte (the DOM typings hide Workers' timingSafeEqual).
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

whatsappWebhookRoutes.get("/", (c) => {
  const mode = c.req.query("hub.mode");
  const token = c.req.query("hub.verify_token");
  const challenge = c.req.query("hub.challenge") ?? "";
  const expected = c.env.WHATSAPP_VERIFY_TOKEN;
  if (mode === "subscribe" && expected && token !== undefined && constantTimeEqual(token, expected)) {
    return c.text(challenge, 200);
  }
  return c.json(errorBody("verification_failed", "The verify token does not match this Chorus."), 403);
});

whatsappWebhookRoutes.post(
  "/",
  bodyLimit({
    maxSize: WEBHOOK_BODY_LIMIT,
    onError: (c) => c.json(errorBody("payload_too_large", "The webhook body is larger than 1 MB."), 413),
  }),
  async (c) => {
    const secret = c.env.WHATSAPP_APP_SECRET;
    if (!secret) {
      // Without the secret nothing can be verified, so nothing is accepted (Meta keeps retrying
      // until the owner sets it with `wrangler secret put WHATSAPP_APP_SECRET`).
      console.error("webhook refused: WHATSAPP_APP_SECRET is not set");
      throw new ApiError(503, "webhook_secret_missing", "Webhooks are refused until WHATSAPP_APP_SECRET is set.");
    }
    const signature = c.req.header("X-Hub-Signature-256");
    if (!signature) throw new ApiError(401, "signature_missing", "The X-Hub-Signature-256 header is missing.");
    const raw = await c.req.arrayBuffer();
    if (!(await verifyWebhookSignature(secret, raw, signature))) {
      throw new ApiError(401, "signature_invalid", "The X-Hub-Signature-256 signature does not match the body.");
    }

    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw new ApiError(400, "invalid_json", "The webhook body is not JSON.");
    }
    const envelope = v.safeParse(WebhookEnvelope, json);
    if (!envelope.success) {
      const issue = envelope.issues[0];
      const path = issue.path?.map((p) => String(p.key)).join(".");
      throw new ApiError(400, "invalid_payload", `${path ? `${path}: ` : ""}${issue.message}`);
    }
    if (envelope.output.object !== "whatsapp_business_account") {
      return c.json({ received: 0, ignored: `object ${envelope.output.object}` });
    }
    const normalised = normaliseWebhook(envelope.output);
    if (!normalised.ok) throw new ApiError(400, "invalid_payload", normalised.reason);
    const { commands, errors, ignoredFields, ignoredStatuses, templateUpdates } = normalised.webhook;
    if (ignoredStatuses.length) console.info("whatsapp statuses not tracked", ignoredStatuses.join(","));

    // Template status changes land in D1 before Meta gets its 200 (issue 5): an approval can be
    // used at once, a pause or disable stops sends at once. Errors are recorded for channel health.
    const [outcome, unknownTemplates] = await Promise.all([
      routeCommands(c.env, commands),
      applyTemplateStatusUpdates(c.env.DB, templateUpdates),
      recordChannelErrors(c.env, errors),
    ]);
    // A template Chorus never saw: fetch its body and components in the background.
    if (unknownTemplates.length) c.executionCtx.waitUntil(syncUnknownTemplates(c.env, unknownTemplates));
    return c.json({
      received: commands.length,
      ...outcome,
      ignoredFields,
      ...(templateUpdates.length ? { templatesUpdated: templateUpdates.length } : {}),
      ...(errors.length ? { errorsRecorded: errors.length } : {}),
    });
  },
);

/** Fill in templates a status webhook named but Chorus never synced (one Graph call per template). */
async function syncUnknownTemplates(env: Env, templates: TemplateStatusEvent[]): Promise<void> {
  for (const t of templates) {
    if (!t.wabaId) continue;
    const channel = await env.DB.prepare("SELECT id FROM channels WHERE waba_id = ? ORDER BY created_at LIMIT 1")
      .bind(t.wabaId)
      .first<{ id: string }>()
      .catch(() => null);
    const token = await accessTokenFor(env, channel?.id ?? null);
    const result = await syncTemplatesFromMeta(env.DB, {
      graphBase: env.GRAPH_API_URL || DEFAULT_GRAPH_API_URL,
      token,
      wabaId: t.wabaId,
      name: t.name,
      maxPages: 2,
    }).catch((err: unknown) => ({ ok: false as const, status: 0, error: String(err) }));
    if (!result.ok) console.warn("template sync after a status webhook failed", t.name, result.error);
  }
}
