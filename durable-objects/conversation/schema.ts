/**
 * The Conversation DO's SQLite schema, as numbered migrations run in the constructor under
 * blockConcurrencyWhile. Append new steps; never edit one that has shipped.
 */

const MIGRATIONS: string[] = [
  // 1: the thread, its messages, statuses waiting for their message, the outbox and the timers.
  `
  CREATE TABLE thread (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    conversation_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    phone_number_id TEXT NOT NULL,
    display_phone_number TEXT,
    contact_id TEXT NOT NULL,
    wa_id TEXT,
    user_id TEXT,
    username TEXT,
    contact_name TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    assignee_id TEXT,
    assignee_name TEXT,
    team_id TEXT,
    unread_count INTEGER NOT NULL DEFAULT 0,
    window_ends_at INTEGER,
    last_message_at INTEGER,
    last_message_preview TEXT,
    last_message_direction TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    wamid TEXT UNIQUE,
    direction TEXT NOT NULL,
    type TEXT NOT NULL,
    text TEXT,
    template TEXT,
    raw TEXT,
    reply_to TEXT,
    timestamp INTEGER NOT NULL,
    status TEXT NOT NULL,
    status_at INTEGER,
    error_code INTEGER,
    error_title TEXT,
    error_message TEXT,
    error_reason TEXT,
    error_details TEXT,
    author_id TEXT,
    author_name TEXT,
    idempotency_key TEXT UNIQUE,
    request_fingerprint TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX messages_display ON messages (timestamp, seq);
  CREATE TABLE pending_statuses (
    wamid TEXT NOT NULL,
    status TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    error_code INTEGER,
    error_title TEXT,
    error_details TEXT,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (wamid, status)
  );
  CREATE TABLE outbox (
    message_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sending_since INTEGER,
    payload TEXT NOT NULL,
    last_error TEXT
  );
  CREATE TABLE timers (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
  );
  `,
  // 2 (issue 4): the thread's team name, episodes, snooze, closing note, waiting for automatic
  // assignment; activity items and notes in the messages table.
  `
  ALTER TABLE thread ADD COLUMN team_name TEXT;
  ALTER TABLE thread ADD COLUMN episode INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE thread ADD COLUMN snoozed_until INTEGER;
  ALTER TABLE thread ADD COLUMN closed_at INTEGER;
  ALTER TABLE thread ADD COLUMN close_note TEXT;
  ALTER TABLE thread ADD COLUMN close_category TEXT;
  ALTER TABLE thread ADD COLUMN waiting_since INTEGER;
  ALTER TABLE messages ADD COLUMN activity TEXT;
  ALTER TABLE messages ADD COLUMN mentions TEXT;
  ALTER TABLE messages ADD COLUMN episode INTEGER;
  `,
  // 3: messages and notes whose text still has to reach the D1 search index.
  `
  CREATE TABLE search_pending (message_id TEXT PRIMARY KEY);
  `,
  // 4 (issue 5): structured content and reactions of messages; reactions by their own wamid (they
  // are applied to the message they target, never shown as bubbles); media still to fetch into R2;
  // the free entry point (click-to-WhatsApp ad or post) and its 72-hour free window.
  `
  ALTER TABLE messages ADD COLUMN content TEXT;
  ALTER TABLE messages ADD COLUMN reactions TEXT;
  CREATE TABLE reactions (
    wamid TEXT PRIMARY KEY,
    target_wamid TEXT NOT NULL,
    direction TEXT NOT NULL,
    emoji TEXT,
    timestamp INTEGER NOT NULL,
    author_id TEXT
  );
  CREATE INDEX reactions_target ON reactions (target_wamid, direction, timestamp);
  CREATE TABLE media_jobs (
    message_id TEXT PRIMARY KEY,
    media_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    mime_type TEXT,
    filename TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
  );
  ALTER TABLE thread ADD COLUMN entry_point_at INTEGER;
  ALTER TABLE thread ADD COLUMN free_entry_started_at INTEGER;
  ALTER TABLE thread ADD COLUMN free_entry_ends_at INTEGER;
  ALTER TABLE thread ADD COLUMN window_warned_for INTEGER;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Bring this object's database to SCHEMA_VERSION (idempotent; call under blockConcurrencyWhile). */
export function migrate(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT)");
  const row = sql.exec<{ value: string }>("SELECT value FROM _meta WHERE key = 'schema_version'").toArray()[0];
  const current = row ? Number(row.value) : 0;
  if (current >= SCHEMA_VERSION) return;
  storage.transactionSync(() => {
    for (let step = current; step < SCHEMA_VERSION; step++) sql.exec(MIGRATIONS[step]!);
    sql.exec(
      "INSERT INTO _meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      String(SCHEMA_VERSION),
    );
  });
}
