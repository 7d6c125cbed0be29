/**
 * The D1 conversation index: one row per thread, written by its Conversation DO after every change.
 * The write is an idempotent upsert guarded by `version`: a row carrying an older version never
 * overwrites a newer one, so a retried or reordered write converges to the DO's latest state.
 */

export interface ConversationIndexRow {
  id: string;
  channelId: string;
  contactId: string;
  status: "open" | "pending" | "snoozed" | "closed";
  assigneeId: string | null;
  teamId: string | null;
  lastMessageAt: number | null;
  lastMessagePreview: string | null;
  lastMessageDirection: "in" | "out" | null;
  unreadCount: number;
  windowEndsAt: number | null;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** Returns true when the row was written (false: D1 already holds this version or a newer one). */
export async function writeConversationIndex(db: D1Database, row: ConversationIndexRow): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO conversations (id, channel_id, contact_id, status, assignee_id, team_id, last_message_at,
         last_message_preview, last_message_direction, unread_count, window_ends_at, version, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
       ON CONFLICT (id) DO UPDATE SET
         status = excluded.status,
         assignee_id = excluded.assignee_id,
         team_id = excluded.team_id,
         last_message_at = excluded.last_message_at,
         last_message_preview = excluded.last_message_preview,
         last_message_direction = excluded.last_message_direction,
         unread_count = excluded.unread_count,
         window_ends_at = excluded.window_ends_at,
         version = excluded.version,
         updated_at = excluded.updated_at
       WHERE excluded.version > conversations.version`,
    )
    .bind(
      row.id,
      row.channelId,
      row.contactId,
      row.status,
      row.assigneeId,
      row.teamId,
      row.lastMessageAt,
      row.lastMessagePreview,
      row.lastMessageDirection,
      row.unreadCount,
      row.windowEndsAt,
      row.version,
      row.createdAt,
      row.updatedAt,
    )
    .run();
  return (result.meta.changes ?? 0) > 0;
}
