/**
 * Labels and the labels on each thread (D1: labels, conversation_labels). Visibility is the
 * caller's job (routes check canSeeConversation first).
 */
import type { Label } from "../contracts/collaboration";

interface LabelRow {
  id: string;
  name: string;
  color: string;
}

const toLabel = (row: LabelRow): Label => ({ id: row.id, name: row.name, color: row.color });

export async function listLabels(db: D1Database): Promise<Label[]> {
  const { results } = await db.prepare("SELECT id, name, color FROM labels ORDER BY lower(name), id").all<LabelRow>();
  return results.map(toLabel);
}

export async function getLabel(db: D1Database, id: string): Promise<Label | null> {
  const row = await db.prepare("SELECT id, name, color FROM labels WHERE id = ?").bind(id).first<LabelRow>();
  return row ? toLabel(row) : null;
}

/** The labels of one thread, by name. */
export function conversationLabelsStatement(db: D1Database, conversationId: string): D1PreparedStatement {
  return db
    .prepare(
      `SELECT l.id, l.name, l.color FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
       WHERE cl.conversation_id = ? ORDER BY lower(l.name), l.id`,
    )
    .bind(conversationId);
}

export async function conversationLabels(db: D1Database, conversationId: string): Promise<Label[]> {
  const { results } = await conversationLabelsStatement(db, conversationId).all<LabelRow>();
  return results.map(toLabel);
}

/**
 * The labels of many threads in one query (for a list page): conversation id → labels by name.
 * Threads without labels are absent from the map.
 */
export async function labelsForConversations(db: D1Database, conversationIds: string[]): Promise<Map<string, Label[]>> {
  const byThread = new Map<string, Label[]>();
  if (conversationIds.length === 0) return byThread;
  const { results } = await db
    .prepare(
      `SELECT cl.conversation_id, l.id, l.name, l.color FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
       WHERE cl.conversation_id IN (SELECT value FROM json_each(?)) ORDER BY lower(l.name), l.id`,
    )
    .bind(JSON.stringify(conversationIds))
    .all<LabelRow & { conversation_id: string }>();
  for (const row of results) {
    const list = byThread.get(row.conversation_id) ?? [];
    list.push(toLabel(row));
    byThread.set(row.conversation_id, list);
  }
  return byThread;
}

/** Ids among `ids` that are not labels. */
export async function unknownLabelIds(db: D1Database, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare("SELECT id FROM labels WHERE id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  const known = new Set(results.map((r) => r.id));
  return ids.filter((id) => !known.has(id));
}
