/**
 * Message templates from D1 (seeded now; synced from Meta in a later issue). Only APPROVED ones
 * can be sent; the thread stores the body with its {{n}} placeholders filled in.
 */
import type { Template } from "../contracts/api";

export interface TemplateRecord extends Template {
  id: string;
  channelId: string | null;
}

interface TemplateRow {
  id: string;
  channel_id: string | null;
  name: string;
  language: string;
  category: string;
  body: string;
  status: string;
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
  };
}

/** Templates the composer may offer: approved, for every channel or for `channelId`. */
export async function listApprovedTemplates(db: D1Database, channelId?: string): Promise<TemplateRecord[]> {
  const { results } = await db
    .prepare(
      `SELECT id, channel_id, name, language, category, body, status FROM templates
       WHERE status = 'APPROVED' AND (channel_id IS NULL OR ?1 IS NULL OR channel_id = ?1)
       ORDER BY name, language`,
    )
    .bind(channelId ?? null)
    .all<TemplateRow>();
  return results.map(toRecord);
}

export async function findTemplate(db: D1Database, name: string, language: string, channelId: string): Promise<TemplateRecord | null> {
  const row = await db
    .prepare(
      `SELECT id, channel_id, name, language, category, body, status FROM templates
       WHERE name = ? AND language = ? AND (channel_id IS NULL OR channel_id = ?)`,
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
