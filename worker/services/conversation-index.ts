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
  /** Default 1. (Optional: rows written before episodes existed, and tests, leave it out.) */
  episode?: number;
  snoozedUntil?: number | null;
  waitingSince?: number | null;
}

export interface IndexWriteOptions {
  /**
   * Keep the assignee the row holds instead of writing `assigneeId` (null). The DO sets it while an
   * automatic-assignment decision it started is in flight: that decision reserved an agent in this
   * row (worker/services/auto-assign.ts), and a concurrent write must not free the slot before
   * the DO adopts it.
   */
  keepAssignee?: boolean;
}

/**
 * Returns true when the row was written (false: D1 already holds this version or a newer one).
 * `extra` statements (the DO's report facts) run in the same batch: one round trip, one transaction.
 */
export async function writeConversationIndex(
  db: D1Database,
  row: ConversationIndexRow,
  options: IndexWriteOptions = {},
  extra: D1PreparedStatement[] = [],
): Promise<boolean> {
  if (extra.length === 0) {
    const result = await conversationIndexStatement(db, row, options).run();
    return (result.meta.changes ?? 0) > 0;
  }
  const [result] = await db.batch([conversationIndexStatement(db, row, options), ...extra]);
  return (result?.meta.changes ?? 0) > 0;
}

/** The upsert as a statement, to batch it with others in one round trip. */
export function conversationIndexStatement(db: D1Database, row: ConversationIndexRow, options: IndexWriteOptions = {}): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO conversations (id, channel_id, contact_id, status, assignee_id, team_id, last_message_at,
         last_message_preview, last_message_direction, unread_count, window_ends_at, version, created_at, updated_at,
         episode, snoozed_until, waiting_since)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
       ON CONFLICT (id) DO UPDATE SET
         status = excluded.status,
         assignee_id = CASE WHEN ?18 AND excluded.assignee_id IS NULL THEN conversations.assignee_id ELSE excluded.assignee_id END,
         team_id = excluded.team_id,
         last_message_at = excluded.last_message_at,
         last_message_preview = excluded.last_message_preview,
         last_message_direction = excluded.last_message_direction,
         unread_count = excluded.unread_count,
         window_ends_at = excluded.window_ends_at,
         version = excluded.version,
         updated_at = excluded.updated_at,
         episode = excluded.episode,
         snoozed_until = excluded.snoozed_until,
         waiting_since = excluded.waiting_since
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
      row.episode ?? 1,
      row.snoozedUntil ?? null,
      row.waitingSince ?? null,
      options.keepAssignee ? 1 : 0,
    );
}
