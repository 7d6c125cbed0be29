/**
 * The notification centre's writes: "assigned to me", "mentioned" (by an internal note) and
 * "new message in my threads". Each notification is a D1 row (the list and unread count survive
 * reloads and devices) and a live event pushed to that user's sockets through the Hub.
 *
 * Called from the Conversation DO and routes after the change they report has been stored, so
 * these functions never throw: a failed notification is logged and must not undo, fail or delay
 * a message or an assignment. The live push is best effort too — the row is the record.
 */
import { WORKSPACE_HUB } from "../../durable-objects/hub";
import type { CollaborationEvent, Notification, NotificationKind } from "../contracts/collaboration";
import type { Env } from "../env";
import { newId } from "../ids";
import { USER_SEES_THREAD_SQL } from "./thread-visibility";

/** Previews are a line in a list, not the message. */
const PREVIEW_CHARS = 140;

type NotifyEnv = Pick<Env, "DB" | "HUB">;

export interface Actor {
  id: string;
  name: string;
}

export interface NotifyInput {
  userId: string;
  kind: NotificationKind;
  conversationId: string;
  /** Who caused it; omitted (or null) for the customer or the system. The actor is never notified of their own action. */
  actor?: Actor | null;
  /** The message or note text (trimmed and shortened here). */
  preview: string;
  /** The note that mentioned the user (kind "mentioned"). */
  noteId?: string | null;
}

export function previewOf(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  return chars.length <= PREVIEW_CHARS ? flat : `${chars.slice(0, PREVIEW_CHARS - 1).join("")}…`;
}

interface NotificationRow {
  id: string;
  kind: NotificationKind;
  conversation_id: string;
  note_id: string | null;
  actor_id: string | null;
  actor_name: string | null;
  preview: string;
  contact_name: string | null;
  created_at: number;
  read_at: number | null;
}

export function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    kind: row.kind,
    conversationId: row.conversation_id,
    noteId: row.note_id,
    actor: row.actor_id ? { id: row.actor_id, name: row.actor_name ?? "" } : null,
    preview: row.preview,
    contactName: row.contact_name,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}

const RETURNING = `RETURNING id, kind, conversation_id, note_id, actor_id, actor_name, preview, created_at, read_at,
  (SELECT ct.name FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = notifications.conversation_id) AS contact_name`;

/**
 * The insert for one notification, only for an active user. An unread "new_message" notification
 * for the same thread is moved up and refreshed instead of adding another row.
 */
function insertStatement(db: D1Database, input: NotifyInput, now: number): D1PreparedStatement {
  const collapse =
    input.kind === "new_message"
      ? `ON CONFLICT (user_id, conversation_id) WHERE kind = 'new_message' AND read_at IS NULL
         DO UPDATE SET preview = excluded.preview, actor_id = excluded.actor_id, actor_name = excluded.actor_name, created_at = excluded.created_at`
      : "";
  return db
    .prepare(
      `INSERT INTO notifications (id, user_id, kind, conversation_id, note_id, actor_id, actor_name, preview, created_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?2 AND active = 1)
       ${collapse}
       ${RETURNING}`,
    )
    .bind(
      newId("ntf"),
      input.userId,
      input.kind,
      input.conversationId,
      input.noteId ?? null,
      input.actor?.id ?? null,
      input.actor?.name ?? null,
      previewOf(input.preview),
      now,
    );
}

function unreadCountStatement(db: D1Database, userId: string): D1PreparedStatement {
  return db.prepare("SELECT count(*) AS n FROM notifications WHERE user_id = ? AND read_at IS NULL").bind(userId);
}

export async function unreadCount(db: D1Database, userId: string): Promise<number> {
  return (await unreadCountStatement(db, userId).first<{ n: number }>())?.n ?? 0;
}

/** Push one event to one user's sockets; a failure is logged (the D1 row is the record). */
export async function pushToUser(env: NotifyEnv, userId: string, event: CollaborationEvent): Promise<void> {
  try {
    await env.HUB.getByName(WORKSPACE_HUB).publishToUsers([userId], event);
  } catch (err) {
    console.warn("notification push failed", err);
  }
}

/**
 * Store notifications for several users in one D1 round trip, then push each user theirs with
 * the new unread count. Returns the stored ones by user id.
 */
async function store(env: NotifyEnv, inputs: NotifyInput[], now: number): Promise<Map<string, Notification>> {
  const stored = new Map<string, Notification>();
  const wanted = inputs.filter((input) => !input.actor || input.actor.id !== input.userId);
  if (wanted.length === 0) return stored;
  const statements = wanted.flatMap((input) => [insertStatement(env.DB, input, now), unreadCountStatement(env.DB, input.userId)]);
  const results = await env.DB.batch(statements);
  const pushes: Promise<void>[] = [];
  wanted.forEach((input, i) => {
    const row = results[i * 2]?.results[0] as NotificationRow | undefined;
    if (!row) return; // inactive or unknown user
    const notification = toNotification(row);
    const count = (results[i * 2 + 1]?.results[0] as { n: number } | undefined)?.n ?? 0;
    stored.set(input.userId, notification);
    pushes.push(pushToUser(env, input.userId, { type: "notification.created", notification, unreadCount: count }));
  });
  await Promise.all(pushes);
  return stored;
}

/**
 * Notify one user (assigned to them, new message in their thread, …): one D1 round trip and one
 * Hub call. Nothing happens for the actor themself or an inactive user; never throws.
 * Returns the stored notification, or null.
 */
export async function notify(env: NotifyEnv, input: NotifyInput, now = Date.now()): Promise<Notification | null> {
  try {
    return (await store(env, [input], now)).get(input.userId) ?? null;
  } catch (err) {
    console.error("notify failed", err);
    return null;
  }
}

// ---- mentions ----------------------------------------------------------------------------------

export interface Mentions {
  userIds: string[];
  teamIds: string[];
}

/**
 * `@"Full Name"` or `@word`, where `@` starts the text or follows a space or punctuation (so
 * an e-mail address is not a mention). A word is letters, digits, `.`, `_` and `-`, without a
 * trailing dot or dash ("@Anna." at a sentence end is Anna).
 */
const MENTION = /(?<![\p{L}\p{N}_.@])@(?:"([^"\n]{1,100})"|([\p{L}\p{N}_][\p{L}\p{N}_.-]{0,99}))/gu;

export function mentionTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const m of text.matchAll(MENTION)) {
    const token = (m[1] ?? m[2]!.replace(/[.-]+$/, "")).trim().toLowerCase();
    if (token && !tokens.includes(token)) tokens.push(token);
  }
  return tokens;
}

function firstWord(name: string): string {
  return name.trim().split(/\s+/)[0]!.toLowerCase();
}

/**
 * The active users and teams a note mentions, matched case-insensitively: a team by its name, a
 * user by their full name, or by their first name when exactly one active user has it (an
 * ambiguous "@Anna" notifies nobody rather than the wrong Anna). One D1 round trip, none when
 * the text has no `@`.
 */
export async function parseMentions(db: D1Database, text: string): Promise<Mentions> {
  const tokens = mentionTokens(text);
  if (tokens.length === 0) return { userIds: [], teamIds: [] };
  const [users, teams] = await db.batch<{ id: string; name: string }>([
    db.prepare("SELECT id, name FROM users WHERE active = 1"),
    db.prepare("SELECT id, name FROM teams"),
  ]);
  const userIds = new Set<string>();
  const teamIds = new Set<string>();
  for (const token of tokens) {
    const team = teams!.results.find((t) => t.name.trim().toLowerCase() === token);
    if (team) teamIds.add(team.id);
    const full = users!.results.filter((u) => u.name.trim().toLowerCase() === token);
    const byFirst = full.length > 0 ? full : users!.results.filter((u) => firstWord(u.name) === token);
    if (byFirst.length === 1 || full.length > 0) for (const u of byFirst) userIds.add(u.id);
  }
  return { userIds: [...userIds], teamIds: [...teamIds] };
}

export interface NotifyMentionsInput {
  conversationId: string;
  noteId: string;
  author: Actor;
  userIds: string[];
  teamIds: string[];
  /** The note's text. */
  preview?: string;
}

export interface NotifyMentionsResult {
  /** Users who got a "mentioned" notification. */
  notified: string[];
  /** Mentioned users who may not open this thread, so were not notified (tell the author). */
  cannotSee: string[];
}

/**
 * Notify the users mentioned by a note, and the members of the teams it mentions: each active
 * person once, never the author, only people who may open the thread (an agent is not sent a
 * note from a thread assigned to someone else). Two D1 round trips and one Hub call per person;
 * never throws.
 */
export async function notifyMentions(env: NotifyEnv, input: NotifyMentionsInput, now = Date.now()): Promise<NotifyMentionsResult> {
  const empty = { notified: [], cannotSee: [] };
  if (input.userIds.length === 0 && input.teamIds.length === 0) return empty;
  try {
    const { results } = await env.DB.prepare(
      `SELECT u.id, ${USER_SEES_THREAD_SQL} AS sees
       FROM users u JOIN conversations c ON c.id = ?1
       WHERE u.active = 1 AND u.id <> ?2 AND (
         u.id IN (SELECT value FROM json_each(?3))
         OR u.id IN (SELECT user_id FROM team_members WHERE team_id IN (SELECT value FROM json_each(?4))))`,
    )
      .bind(input.conversationId, input.author.id, JSON.stringify(input.userIds), JSON.stringify(input.teamIds))
      .all<{ id: string; sees: number }>();
    const recipients = results.filter((r) => r.sees === 1).map((r) => r.id);
    const stored = await store(
      env,
      recipients.map((userId) => ({
        userId,
        kind: "mentioned" as const,
        conversationId: input.conversationId,
        noteId: input.noteId,
        actor: input.author,
        preview: input.preview ?? "",
      })),
      now,
    );
    return { notified: [...stored.keys()], cannotSee: results.filter((r) => r.sees !== 1).map((r) => r.id) };
  } catch (err) {
    console.error("notifyMentions failed", err);
    return empty;
  }
}

/**
 * For a new internal note: find its mentions and notify them. The one call the note's writer
 * needs. Never throws.
 */
export async function notifyNoteMentions(
  env: NotifyEnv,
  input: { conversationId: string; noteId: string; author: Actor; text: string },
  now = Date.now(),
): Promise<NotifyMentionsResult & Mentions> {
  try {
    const mentions = await parseMentions(env.DB, input.text);
    const result = await notifyMentions(env, { ...input, ...mentions, preview: input.text }, now);
    return { ...mentions, ...result };
  } catch (err) {
    console.error("notifyNoteMentions failed", err);
    return { userIds: [], teamIds: [], notified: [], cannotSee: [] };
  }
}

/**
 * Mark a user's notifications about one thread read (they opened it). Pushes the new unread
 * count when something changed. Never throws.
 */
export async function markConversationNotificationsRead(env: NotifyEnv, userId: string, conversationId: string, now = Date.now()): Promise<void> {
  try {
    const [updated, count] = await env.DB.batch([
      env.DB.prepare("UPDATE notifications SET read_at = ?3 WHERE user_id = ?1 AND conversation_id = ?2 AND read_at IS NULL RETURNING id").bind(
        userId,
        conversationId,
        now,
      ),
      unreadCountStatement(env.DB, userId),
    ]);
    const ids = (updated?.results as Array<{ id: string }> | undefined)?.map((r) => r.id) ?? [];
    if (ids.length === 0) return;
    const unread = (count?.results[0] as { n: number } | undefined)?.n ?? 0;
    await pushToUser(env, userId, { type: "notifications.read", ids, unreadCount: unread });
  } catch (err) {
    console.error("markConversationNotificationsRead failed", err);
  }
}
