/** Workspace settings, stored as key → JSON in D1, with defaults for what was never set. */
import type { WorkspaceSettings } from "./contracts/access";

export const DEFAULT_SETTINGS: WorkspaceSettings = {
  agentsSeeAllConversations: false,
};

export async function readSettings(db: D1Database): Promise<WorkspaceSettings> {
  const { results } = await db.prepare("SELECT key, value FROM settings").all<{ key: string; value: string }>();
  const stored = Object.fromEntries(results.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  return { ...DEFAULT_SETTINGS, ...(stored as Partial<WorkspaceSettings>) };
}

export async function writeSettings(db: D1Database, changes: Partial<WorkspaceSettings>, now = Date.now()): Promise<void> {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return;
  await db.batch(
    entries.map(([key, value]) =>
      db
        .prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
        .bind(key, JSON.stringify(value), now),
    ),
  );
}
