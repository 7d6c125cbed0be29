/**
 * Message templates in D1: seeded, synced from Meta, or created in Chorus and submitted (issue 5).
 * Only APPROVED ones can be sent; the thread stores the body with its {{n}} placeholders filled in.
 * Names are unique per name + language within one WhatsApp Business Account (waba_id); a row whose
 * waba_id is NULL (the seeded ones) belongs to no account yet and is adopted by the first sync.
 */
import type { Template } from "../contracts/api";
import type { TemplateView } from "../contracts/templates";

export interface TemplateRecord extends Template {
  id: string;
  channelId: string | null;
  wabaId: string | null;
  metaId: string | null;
  statusReason: string | null;
  /** Meta's components as JSON (header, body, footer, buttons), null when only the body is known. */
  components: Array<{ type: string } & Record<string, unknown>> | null;
  updatedAt: number;
}

interface TemplateRow {
  id: string;
  channel_id: string | null;
  name: string;
  language: string;
  category: string;
  body: string;
  status: string;
  waba_id: string | null;
  meta_id: string | null;
  status_reason: string | null;
  components: string | null;
  updated_at: number;
}

const COLUMNS = "id, channel_id, name, language, category, body, status, waba_id, meta_id, status_reason, components, updated_at";

function parseComponents(text: string | null): TemplateRecord["components"] {
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? (parsed.filter((c) => c && typeof c === "object" && typeof c.type === "string") as TemplateRecord["components"]) : null;
  } catch {
    return null;
  }
}

function toRecord(row: TemplateRow): TemplateRecord {
  return {
    id: row.id,
    channelId: row.channel_id,
    name: row.name,
    language: row.language,
    category: row.category,
    body: row.body,
    status: row.status,
    wabaId: row.waba_id,
    metaId: row.meta_id,
    statusReason: row.status_reason,
    components: parseComponents(row.components),
    updatedAt: Number(row.updated_at),
  };
}

/** The record as GET /api/templates and GET /api/templates/all answer it. */
export function templateView(t: TemplateRecord): TemplateView {
  return {
    id: t.id,
    name: t.name,
    language: t.language,
    category: t.category,
    status: t.status,
    statusReason: t.statusReason,
    body: t.body,
    components: t.components,
    wabaId: t.wabaId,
    metaId: t.metaId,
    updatedAt: t.updatedAt,
  };
}

/** Templates the composer may offer: approved, for every channel or for `channelId`. */
export async function listApprovedTemplates(db: D1Database, channelId?: string): Promise<TemplateRecord[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM templates
       WHERE status = 'APPROVED' AND (channel_id IS NULL OR ?1 IS NULL OR channel_id = ?1)
       ORDER BY name, language, waba_id`,
    )
    .bind(channelId ?? null)
    .all<TemplateRow>();
  return results.map(toRecord);
}

/** Every template, whatever its status (Settings → Templates). */
export async function listAllTemplates(db: D1Database): Promise<TemplateRecord[]> {
  const { results } = await db.prepare(`SELECT ${COLUMNS} FROM templates ORDER BY name, language, waba_id`).all<TemplateRow>();
  return results.map(toRecord);
}

export async function templateById(db: D1Database, id: string): Promise<TemplateRecord | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM templates WHERE id = ?`).bind(id).first<TemplateRow>();
  return row ? toRecord(row) : null;
}

/**
 * The template a send names, for the thread's channel: the one of the channel's WhatsApp Business
 * Account first, else one tied to no account (seeded). Another account's template is never used —
 * Meta would not know it on this number.
 */
export async function findTemplate(db: D1Database, name: string, language: string, channelId: string): Promise<TemplateRecord | null> {
  const row = await db
    .prepare(
      `SELECT ${COLUMNS} FROM templates
       WHERE name = ?1 AND language = ?2 AND (channel_id IS NULL OR channel_id = ?3)
         AND (waba_id IS NULL OR waba_id = (SELECT waba_id FROM channels WHERE id = ?3)
              OR (SELECT waba_id FROM channels WHERE id = ?3) IS NULL)
       ORDER BY (waba_id IS NULL), (status = 'APPROVED') DESC
       LIMIT 1`,
    )
    .bind(name, language, channelId)
    .first<TemplateRow>();
  return row ? toRecord(row) : null;
}

/** How many values the body needs: the highest {{n}}. */
export function placeholderCount(body: string): number {
  let max = 0;
  for (const match of body.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) max = Math.max(max, Number(match[1]));
  return max;
}

/** The body with {{n}} replaced by the n-th parameter. */
export function renderTemplate(body: string, parameters: string[]): string {
  return body.replace(/\{\{\s*(\d+)\s*\}\}/g, (whole, n: string) => parameters[Number(n) - 1] ?? whole);
}

// ---- sync from Meta (issue 5) -----------------------------------------------------------------

/** Meta's language codes use "_" (en_US); its template webhooks have been seen with "-" (en-US). */
export function metaLanguage(code: string): string {
  return code.replace(/-/g, "_");
}

/** A template as Meta lists it (GET /{waba-id}/message_templates). */
export interface MetaTemplate {
  id?: string;
  name: string;
  language: string;
  status: string;
  category?: string;
  rejected_reason?: string;
  components?: Array<{ type?: string; text?: string; format?: string; buttons?: unknown[] }>;
}

/** The body text (with {{n}} placeholders) of Meta's components; header/footer are kept in `components`. */
export function bodyOf(template: MetaTemplate): string {
  const body = template.components?.find((c) => (c.type ?? "").toUpperCase() === "BODY");
  return body?.text ?? "";
}

/** A row of no account yet (seeded) with this name and language becomes `wabaId`'s, unless it already has one. */
function adoptUnowned(db: D1Database, wabaId: string, name: string, language: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE templates SET waba_id = ?1
       WHERE waba_id IS NULL AND name = ?2 AND language = ?3
         AND NOT EXISTS (SELECT 1 FROM templates WHERE waba_id = ?1 AND name = ?2 AND language = ?3)`,
    )
    .bind(wabaId, name, language);
}

/**
 * Upsert templates Meta listed for `wabaId`: status, category, body and components, with the
 * rejection reason. Unique per account, name and language (migration 0011): two accounts may each
 * have an "order_update" in en_US.
 */
export async function upsertTemplates(db: D1Database, wabaId: string, templates: MetaTemplate[], now = Date.now()): Promise<number> {
  if (templates.length === 0) return 0;
  const statements = templates.flatMap((t) => [
    adoptUnowned(db, wabaId, t.name, metaLanguage(t.language)),
    db
      .prepare(
        `INSERT INTO templates (id, channel_id, name, language, category, body, status, updated_at, meta_id, waba_id, status_reason, components)
         VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (waba_id, name, language) DO UPDATE SET
           category = excluded.category, body = excluded.body, status = excluded.status, updated_at = excluded.updated_at,
           meta_id = excluded.meta_id, waba_id = excluded.waba_id, status_reason = excluded.status_reason,
           components = excluded.components`,
      )
      .bind(
        `tpl_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`,
        t.name,
        metaLanguage(t.language),
        (t.category ?? "UTILITY").toUpperCase(),
        bodyOf(t),
        t.status.toUpperCase(),
        now,
        t.id ?? null,
        wabaId,
        t.rejected_reason && t.rejected_reason !== "NONE" ? t.rejected_reason : null,
        t.components ? JSON.stringify(t.components) : null,
      ),
  ]);
  await db.batch(statements);
  return templates.length;
}

export interface TemplateStatusEvent {
  wabaId: string | null;
  templateId: string | null;
  name: string;
  language: string;
  event: string;
  reason: string | null;
  category: string | null;
}

/**
 * A `message_template_status_update` webhook, applied at once: the template's status (and reason)
 * change in D1 before Meta gets its 200, so an approved template can be sent the same second and a
 * paused or disabled one no longer can. A template Chorus has never seen is recorded (body empty
 * until the next sync fills it; the webhook route starts that sync in the background).
 * Returns the names of templates Chorus did not know.
 */
export async function applyTemplateStatusUpdates(db: D1Database, updates: TemplateStatusEvent[], now = Date.now()): Promise<TemplateStatusEvent[]> {
  if (updates.length === 0) return [];
  const results = await db.batch<{ id: string }>(
    updates.map((u) =>
      db
        .prepare(
          `UPDATE templates SET status = ?3, status_reason = ?4, updated_at = ?5,
             meta_id = coalesce(?6, meta_id), waba_id = coalesce(?7, waba_id), category = coalesce(?8, category)
           WHERE name = ?1 AND language = ?2
             AND (?7 IS NULL OR waba_id = ?7
                  OR (waba_id IS NULL AND NOT EXISTS (SELECT 1 FROM templates WHERE waba_id = ?7 AND name = ?1 AND language = ?2)))
           RETURNING id`,
        )
        .bind(
          u.name,
          metaLanguage(u.language),
          u.event,
          u.reason && u.reason !== "NONE" ? u.reason : null,
          now,
          u.templateId,
          u.wabaId,
          u.category ? u.category.toUpperCase() : null,
        ),
    ),
  );
  const unknown = updates.filter((_, i) => (results[i]?.results.length ?? 0) === 0);
  if (unknown.length) {
    await db.batch(
      unknown.map((u) =>
        db
          .prepare(
            `INSERT INTO templates (id, channel_id, name, language, category, body, status, updated_at, meta_id, waba_id, status_reason)
             VALUES (?1, NULL, ?2, ?3, ?4, '', ?5, ?6, ?7, ?8, ?9) ON CONFLICT (waba_id, name, language) DO NOTHING`,
          )
          .bind(
            `tpl_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`,
            u.name,
            metaLanguage(u.language),
            (u.category ?? "UTILITY").toUpperCase(),
            u.event,
            now,
            u.templateId,
            u.wabaId,
            u.reason && u.reason !== "NONE" ? u.reason : null,
          ),
      ),
    );
  }
  return unknown;
}

export type SyncResult = { ok: true; synced: number; pages: number } | { ok: false; status: number; error: string };

/**
 * GET {base}/{wabaId}/message_templates, every page (paging.cursors.after while paging.next is
 * there), upserting each page. `name` limits the sync to one template (after a webhook).
 */
export async function syncTemplatesFromMeta(
  db: D1Database,
  options: { graphBase: string; token: string; wabaId: string; name?: string; maxPages?: number },
  now = Date.now(),
): Promise<SyncResult> {
  if (!options.token) return { ok: false, status: 0, error: "No WhatsApp access token is configured." };
  const base = options.graphBase.replace(/\/+$/, "");
  let after: string | null = null;
  let synced = 0;
  let pages = 0;
  const maxPages = options.maxPages ?? 100;
  do {
    const url = new URL(`${base}/${encodeURIComponent(options.wabaId)}/message_templates`);
    url.searchParams.set("limit", "100");
    url.searchParams.set("fields", "id,name,language,status,category,rejected_reason,components");
    if (options.name) url.searchParams.set("name", options.name);
    if (after) url.searchParams.set("after", after);
    let response: Response;
    try {
      response = await fetch(url.toString(), { headers: { Authorization: `Bearer ${options.token}` } });
    } catch (err) {
      return { ok: false, status: 0, error: err instanceof Error ? err.message : "Network error" };
    }
    const body = (await response.json().catch(() => null)) as {
      data?: MetaTemplate[];
      paging?: { cursors?: { after?: string }; next?: string };
      error?: { message?: string; code?: number };
    } | null;
    if (!response.ok || !body) {
      return { ok: false, status: response.status, error: body?.error?.message ?? `HTTP ${response.status}` };
    }
    const data = (body.data ?? []).filter((t) => t && typeof t.name === "string" && typeof t.language === "string" && typeof t.status === "string");
    synced += await upsertTemplates(db, options.wabaId, data, now);
    pages++;
    after = body.paging?.next && body.paging.cursors?.after ? body.paging.cursors.after : null;
  } while (after && pages < maxPages);
  return { ok: true, synced, pages };
}
