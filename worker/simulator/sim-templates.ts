/**
 * The simulated Meta's message templates (issue 5): what GET /{waba-id}/message_templates lists and
 * POST creates, kept in the SimulatorDO's SQLite. The seeded templates of migrations/0001 are always
 * listed (approved), so template sync keeps them locally as it would with a real account that has
 * them. A created template is PENDING, then reviewed after TEMPLATE_REVIEW_AFTER_MS: APPROVED, or
 * REJECTED (INVALID_FORMAT) when its name starts with "reject" — a way to see a rejection locally.
 */
import { SIM_WABA_ID } from "./constants";

/** How long the simulated review takes (Meta: minutes to a day). */
export const TEMPLATE_REVIEW_AFTER_MS = 3_000;

export interface SimTemplate {
  id: string;
  wabaId: string;
  name: string;
  language: string;
  category: string;
  status: string;
  rejectedReason: string;
  /** Meta's components as JSON text (plain text crosses the Durable Object RPC boundary cheaply). */
  components: string;
}

export type TemplateComponents = Array<Record<string, unknown>>;

export function componentsOf(t: SimTemplate): TemplateComponents {
  return JSON.parse(t.components) as TemplateComponents;
}

/** migrations/0001_seed_templates.sql, as Meta would list them (ids fixed, numeric like Meta's). */
export const SEEDED_TEMPLATES: readonly SimTemplate[] = [
  {
    id: "900000000000001",
    wabaId: SIM_WABA_ID,
    name: "hello_world",
    language: "en_US",
    category: "UTILITY",
    status: "APPROVED",
    rejectedReason: "NONE",
    components: JSON.stringify([{ type: "BODY", text: "Hello World" }]),
  },
  {
    id: "900000000000002",
    wabaId: SIM_WABA_ID,
    name: "follow_up",
    language: "en",
    category: "UTILITY",
    status: "APPROVED",
    rejectedReason: "NONE",
    components: JSON.stringify([
      {
        type: "BODY",
        text: "Hi {{1}}, we are following up on your message. Reply to this message to continue the conversation.",
        example: { body_text: [["Aiko"]] },
      },
    ]),
  },
  {
    id: "900000000000003",
    wabaId: SIM_WABA_ID,
    name: "follow_up",
    language: "ja",
    category: "UTILITY",
    status: "APPROVED",
    rejectedReason: "NONE",
    components: JSON.stringify([
      {
        type: "BODY",
        text: "{{1}}様、お問い合わせの件でご連絡しました。このメッセージに返信すると会話を続けられます。",
        example: { body_text: [["愛子"]] },
      },
    ]),
  },
];

export function migrateTemplates(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS templates (
      id TEXT PRIMARY KEY,
      waba_id TEXT NOT NULL,
      name TEXT NOT NULL,
      language TEXT NOT NULL,
      category TEXT NOT NULL,
      status TEXT NOT NULL,
      rejected_reason TEXT NOT NULL DEFAULT 'NONE',
      components TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      UNIQUE (waba_id, name, language)
    )
  `);
}

function toTemplate(r: Record<string, SqlStorageValue>): SimTemplate {
  return {
    id: String(r.id),
    wabaId: String(r.waba_id),
    name: String(r.name),
    language: String(r.language),
    category: String(r.category),
    status: String(r.status),
    rejectedReason: String(r.rejected_reason),
    components: String(r.components),
  };
}

/** Every template of `wabaId`: the seeded ones first (for the simulator's own account), then the created ones. */
export function allTemplates(sql: SqlStorage, wabaId: string): SimTemplate[] {
  const created = sql.exec("SELECT * FROM templates WHERE waba_id = ? ORDER BY created_at, id", wabaId).toArray().map(toTemplate);
  const seeded = SEEDED_TEMPLATES.filter((t) => t.wabaId === wabaId && !created.some((c) => c.name === t.name && c.language === t.language));
  return [...seeded, ...created];
}

export function findTemplate(sql: SqlStorage, name: string, language: string): SimTemplate | null {
  const row = sql.exec("SELECT * FROM templates WHERE name = ? AND language = ? ORDER BY created_at DESC LIMIT 1", name, language).toArray()[0];
  if (row) return toTemplate(row);
  return SEEDED_TEMPLATES.find((t) => t.name === name && t.language === language) ?? null;
}

export type CreateOutcome = { ok: true; template: SimTemplate } | { ok: false; reason: "exists" };

export function createTemplate(
  sql: SqlStorage,
  input: { wabaId: string; name: string; language: string; category: string; components: string },
): CreateOutcome {
  const exists =
    sql.exec("SELECT 1 FROM templates WHERE waba_id = ? AND name = ? AND language = ?", input.wabaId, input.name, input.language).toArray().length > 0 ||
    SEEDED_TEMPLATES.some((t) => t.wabaId === input.wabaId && t.name === input.name && t.language === input.language);
  if (exists) return { ok: false, reason: "exists" };
  const bytes = crypto.getRandomValues(new Uint8Array(14));
  const id = `8${Array.from(bytes, (b) => String(b % 10)).join("")}`;
  sql.exec(
    "INSERT INTO templates (id, waba_id, name, language, category, status, components, created_at) VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?)",
    id,
    input.wabaId,
    input.name,
    input.language,
    input.category,
    input.components,
    Date.now(),
  );
  return { ok: true, template: toTemplate(sql.exec("SELECT * FROM templates WHERE id = ?", id).toArray()[0]!) };
}

/** The review's verdict; null when the template is gone or no longer pending. */
export function reviewTemplate(sql: SqlStorage, id: string): SimTemplate | null {
  const row = sql.exec("SELECT * FROM templates WHERE id = ?", id).toArray()[0];
  if (!row || row.status !== "PENDING") return null;
  const rejected = String(row.name).startsWith("reject");
  sql.exec("UPDATE templates SET status = ?, rejected_reason = ? WHERE id = ?", rejected ? "REJECTED" : "APPROVED", rejected ? "INVALID_FORMAT" : "NONE", id);
  return toTemplate(sql.exec("SELECT * FROM templates WHERE id = ?", id).toArray()[0]!);
}

/** Meta's `message_template_status_update` webhook for a reviewed template. */
export function templateStatusWebhook(template: SimTemplate, at = Date.now()) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: template.wabaId,
        time: Math.floor(at / 1000),
        changes: [
          {
            field: "message_template_status_update",
            value: {
              event: template.status,
              message_template_id: Number(template.id),
              message_template_name: template.name,
              message_template_language: template.language,
              reason: template.rejectedReason,
              message_template_category: template.category,
            },
          },
        ],
      },
    ],
  };
}

/** What GET message_templates answers for one template (the fields Chorus asks for). */
export function listedTemplate(t: SimTemplate) {
  return {
    id: t.id,
    name: t.name,
    language: t.language,
    status: t.status,
    category: t.category,
    rejected_reason: t.rejectedReason,
    components: componentsOf(t),
  };
}
