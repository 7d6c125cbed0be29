/**
 * Creating templates from Chorus (issue 5): choose the WhatsApp Business Account, submit to
 * POST {GRAPH_API_URL}/{waba-id}/message_templates with that account's token, store what Meta
 * answered (its id, PENDING or its verdict); and header media through Meta's Resumable Upload API
 * (POST /{app-id}/uploads, then POST /upload:{session} → the `h` handle a media header's example needs).
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-media/
 * https://developers.facebook.com/docs/graph-api/guides/upload
 */
import type { Env } from "../env";
import { ApiError } from "../errors";
import { accessTokenFor } from "./channel-tokens";
import {
  fillText,
  listedComponents,
  submitComponents,
  templateShape,
  variableCount,
  type CreateTemplateInput,
  type MediaHeaderFormat,
} from "../contracts/templates";
import { findTemplate, templateById, type TemplateRecord } from "./templates";
import { DEFAULT_GRAPH_API_URL, type OutboundContent } from "../whatsapp/graph-client";
import type { TemplateButtonValue, TemplateHeaderValue } from "../whatsapp/template-send";

export interface BusinessAccount {
  wabaId: string;
  /** The channel whose token speaks for the account (its own token, else the workspace's). */
  channelId: string;
}

/** Every account Chorus knows (learnt from webhooks or set on a number), one channel each. */
export async function knownAccounts(db: D1Database): Promise<BusinessAccount[]> {
  const { results } = await db
    .prepare("SELECT waba_id, min(id) AS channel_id FROM channels WHERE waba_id IS NOT NULL GROUP BY waba_id ORDER BY waba_id")
    .all<{ waba_id: string; channel_id: string }>();
  return results.map((r) => ({ wabaId: r.waba_id, channelId: r.channel_id }));
}

/** The account a template goes to: the one asked for, or the only one known. */
export async function chooseAccount(db: D1Database, wabaId: string | undefined): Promise<BusinessAccount> {
  const accounts = await knownAccounts(db);
  if (accounts.length === 0) {
    throw new ApiError(
      422,
      "no_business_account",
      "No WhatsApp Business Account is known yet: it is learnt from the first webhook, or set on the number's settings.",
    );
  }
  if (wabaId) {
    const account = accounts.find((a) => a.wabaId === wabaId);
    if (!account) throw new ApiError(422, "unknown_business_account", `wabaId: no number of this workspace belongs to the account ${wabaId}.`, { field: "wabaId" });
    return account;
  }
  if (accounts.length > 1) {
    throw new ApiError(422, "business_account_required", "wabaId: this workspace has several WhatsApp Business Accounts; say which one gets the template.", {
      field: "wabaId",
      accounts: accounts.map((a) => a.wabaId),
    });
  }
  return accounts[0]!;
}

function graphBase(env: Env): string {
  return (env.GRAPH_API_URL || DEFAULT_GRAPH_API_URL).replace(/\/+$/, "");
}

interface MetaErrorBody {
  error?: { message?: string; code?: number; error_subcode?: number; error_user_title?: string; error_user_msg?: string };
}

/** Meta's own words for a refusal: the user-facing message when it gives one. */
function metaMessage(body: MetaErrorBody | null, status: number): string {
  const e = body?.error;
  return [e?.error_user_title, e?.error_user_msg ?? e?.message].filter(Boolean).join(": ") || `HTTP ${status}`;
}

async function readJson<T>(response: Response): Promise<T | null> {
  return (await response.json().catch(() => null)) as T | null;
}

/**
 * Submits a checked template to Meta and stores it. Meta refusing the content answers 422 with
 * Meta's message; Meta failing (5xx, 429, unreachable) answers 502; a template of that name and
 * language already in the account answers 409.
 */
export async function submitTemplate(env: Env, input: CreateTemplateInput, account: BusinessAccount, now = Date.now()): Promise<TemplateRecord> {
  const language = input.language;
  const existing = await env.DB.prepare("SELECT 1 AS x FROM templates WHERE waba_id = ? AND name = ? AND language = ?")
    .bind(account.wabaId, input.name, language)
    .first();
  if (existing) {
    throw new ApiError(409, "template_exists", `name: the account ${account.wabaId} already has a template "${input.name}" in ${language}.`, { field: "name" });
  }
  const token = await accessTokenFor(env, account.channelId);
  if (!token) throw new ApiError(422, "no_access_token", "No WhatsApp access token is configured for this account.");

  let response: Response;
  try {
    response = await fetch(`${graphBase(env)}/${encodeURIComponent(account.wabaId)}/message_templates`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: input.name, language, category: input.category, components: submitComponents(input) }),
    });
  } catch (err) {
    throw new ApiError(502, "meta_unreachable", `Meta could not be reached: ${err instanceof Error ? err.message : "network error"}.`);
  }
  const body = await readJson<MetaErrorBody & { id?: string; status?: string; category?: string }>(response);
  if (!response.ok || !body?.id) {
    const message = metaMessage(body, response.status);
    if (body?.error?.error_subcode === 2388024) throw new ApiError(409, "template_exists", `Meta: ${message}`, { field: "name" });
    if (response.status >= 400 && response.status < 500 && response.status !== 429 && body?.error) {
      throw new ApiError(422, "meta_rejected", `Meta refused the template: ${message}`, { metaCode: body.error.code ?? null });
    }
    throw new ApiError(502, "meta_error", `Meta did not take the template: ${message}`);
  }

  const components = listedComponents(input);
  const bodyText = String(components.find((c) => c.type === "BODY")?.text ?? "");
  const id = `tpl_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
  // The webhook with Meta's verdict may already have come (the simulator is quick): it then wrote a
  // bodiless row for this name, which this fills in rather than duplicating.
  await env.DB.prepare(
    `INSERT INTO templates (id, channel_id, name, language, category, body, status, updated_at, meta_id, waba_id, status_reason, components)
     VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?10)
     ON CONFLICT (waba_id, name, language) DO UPDATE SET body = excluded.body, components = excluded.components, meta_id = excluded.meta_id`,
  )
    .bind(id, input.name, language, (body.category ?? input.category).toUpperCase(), bodyText, (body.status ?? "PENDING").toUpperCase(), now, String(body.id), account.wabaId, JSON.stringify(components))
    .run();
  const row = await env.DB.prepare("SELECT id FROM templates WHERE waba_id = ? AND name = ? AND language = ?").bind(account.wabaId, input.name, language).first<{ id: string }>();
  return (await templateById(env.DB, row!.id))!;
}

/** Meta's media header formats and the files each takes (Resumable Upload API file types). */
export const HEADER_MEDIA: Record<string, { format: MediaHeaderFormat; maxBytes: number }> = {
  "image/jpeg": { format: "IMAGE", maxBytes: 5 * 1024 * 1024 },
  "image/png": { format: "IMAGE", maxBytes: 5 * 1024 * 1024 },
  "video/mp4": { format: "VIDEO", maxBytes: 16 * 1024 * 1024 },
  "application/pdf": { format: "DOCUMENT", maxBytes: 16 * 1024 * 1024 },
};

/**
 * Uploads a header example to Meta with the Resumable Upload API and answers its handle. The app
 * is WHATSAPP_APP_ID when set, else "app" (Graph's alias for the access token's own app).
 */
export async function uploadHeaderMedia(env: Env, account: BusinessAccount, file: File): Promise<{ handle: string; format: MediaHeaderFormat }> {
  const kind = HEADER_MEDIA[file.type];
  if (!kind) throw new ApiError(422, "unsupported_media", "file: a header takes a JPEG or PNG image, an MP4 video or a PDF document.", { field: "file" });
  if (file.size === 0) throw new ApiError(422, "empty_file", "file: the file is empty.", { field: "file" });
  if (file.size > kind.maxBytes) {
    throw new ApiError(422, "media_too_large", `file: a ${kind.format.toLowerCase()} header can be at most ${kind.maxBytes / 1024 / 1024} MB.`, { field: "file" });
  }
  const token = await accessTokenFor(env, account.channelId);
  if (!token) throw new ApiError(422, "no_access_token", "No WhatsApp access token is configured for this account.");
  const base = graphBase(env);
  const app = env.WHATSAPP_APP_ID || "app";
  const start = new URL(`${base}/${encodeURIComponent(app)}/uploads`);
  start.searchParams.set("file_name", file.name || "header");
  start.searchParams.set("file_length", String(file.size));
  start.searchParams.set("file_type", file.type);
  let session: string;
  try {
    const res = await fetch(start.toString(), { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    const body = await readJson<MetaErrorBody & { id?: string }>(res);
    if (!res.ok || !body?.id) throw new ApiError(res.status >= 500 ? 502 : 422, "meta_upload_failed", `Meta refused the upload: ${metaMessage(body, res.status)}`);
    session = body.id;
    // The session id is used as it comes ("upload:…", sometimes with "?sig=…"), not re-encoded.
    const upload = await fetch(`${base}/${session}`, {
      method: "POST",
      headers: { Authorization: `OAuth ${token}`, file_offset: "0", "Content-Type": file.type },
      body: await file.arrayBuffer(),
    });
    const done = await readJson<MetaErrorBody & { h?: string }>(upload);
    if (!upload.ok || !done?.h) throw new ApiError(upload.status >= 500 ? 502 : 422, "meta_upload_failed", `Meta refused the upload: ${metaMessage(done, upload.status)}`);
    return { handle: done.h, format: kind.format };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(502, "meta_unreachable", `Meta could not be reached: ${err instanceof Error ? err.message : "network error"}.`);
  }
}

/** How many values each part of a template needs at send time. */
export function sendSlots(t: TemplateRecord): { body: number; header: number; buttons: number[] } {
  const header = t.components?.find((c) => c.type.toUpperCase() === "HEADER");
  const buttons = (t.components?.find((c) => c.type.toUpperCase() === "BUTTONS")?.buttons ?? []) as Array<{ url?: string }>;
  return {
    body: variableCount(t.body),
    header: header && String(header.format ?? "TEXT").toUpperCase() === "TEXT" ? variableCount(String(header.text ?? "")) : 0,
    buttons: buttons.flatMap((b, index) => (variableCount(b.url ?? "") > 0 ? [index] : [])),
  };
}

export interface TemplateSendRef {
  name: string;
  language: string;
  parameters: string[];
  header?: TemplateHeaderValue;
  buttons?: TemplateButtonValue[];
}

/**
 * The checks of a template send (POST /api/conversations/:id/messages with `template`): known on the
 * thread's account (404), approved (422), and every value the template needs given — body, header
 * {{1}} or media, URL-button {{1}} (422 naming what is missing). Answers the outbound content and the
 * text the thread shows (header, body and footer filled in).
 */
export async function prepareTemplateSend(db: D1Database, ref: TemplateSendRef, channelId: string): Promise<{ content: OutboundContent; text: string }> {
  const { name, language, parameters } = ref;
  const template = await findTemplate(db, name, language, channelId);
  if (!template) throw new ApiError(404, "template_not_found", `There is no template "${name}" in ${language}.`);
  if (template.status !== "APPROVED") {
    throw new ApiError(422, "template_not_approved", `The template "${name}" (${language}) is not approved by Meta yet.`);
  }
  const needed = sendSlots(template);
  if (parameters.length !== needed.body) {
    throw new ApiError(
      422,
      "template_parameters_mismatch",
      `The template "${name}" needs ${needed.body} value${needed.body === 1 ? "" : "s"}; ${parameters.length} given.`,
    );
  }
  const header = template.components?.find((c) => c.type.toUpperCase() === "HEADER");
  const headerFormat = header ? String(header.format ?? "TEXT").toUpperCase() : null;
  if (headerFormat && headerFormat !== "TEXT" && headerFormat !== "LOCATION") {
    if (ref.header?.type !== headerFormat.toLowerCase()) {
      throw new ApiError(422, "template_header_missing", `header: the template "${name}" starts with a ${headerFormat.toLowerCase()}: give its https link.`, { field: "header" });
    }
  } else if (needed.header > 0) {
    if (ref.header?.type !== "text") throw new ApiError(422, "template_header_missing", `header: the template "${name}" needs a value for its header's {{1}}.`, { field: "header" });
  } else if (ref.header) {
    throw new ApiError(422, "template_header_unexpected", `header: the template "${name}" has no header value to fill.`, { field: "header" });
  }
  const given = new Map((ref.buttons ?? []).map((b) => [b.index, b.text]));
  for (const index of needed.buttons) {
    if (!given.get(index)?.trim()) {
      throw new ApiError(422, "template_button_missing", `buttons: the template "${name}" needs a value for the link of button ${index + 1}.`, { field: "buttons" });
    }
  }
  for (const index of given.keys()) {
    if (!needed.buttons.includes(index)) {
      throw new ApiError(422, "template_button_unexpected", `buttons: button ${index + 1} of "${name}" has no value to fill.`, { field: "buttons" });
    }
  }
  const shape = templateShape(template.body, template.components);
  const headerText = shape.header?.format === "TEXT" ? fillText(shape.header.text, ref.header?.type === "text" ? [ref.header.text] : []) : null;
  const text = [headerText, fillText(template.body, parameters), shape.footer].filter((part) => part && part.trim()).join("\n\n");
  return {
    content: {
      kind: "template",
      name,
      language,
      parameters,
      ...(ref.header ? { header: ref.header } : {}),
      ...(ref.buttons?.length ? { buttons: ref.buttons } : {}),
    },
    text,
  };
}
