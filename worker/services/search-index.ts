/**
 * Full-text search over threads: message and note text through D1 FTS5 (trigram tokenizer, see
 * migrations/0004_search_fts.sql), contact names, usernames and numbers through the contacts table.
 * Every search applies the viewer's visibility rule in the same statement, so an agent never gets
 * a hit — not even a snippet — from a thread they may not open.
 *
 * Writing: the Conversation DO notes each stored message or note with text (its `search_pending`
 * table, in the change's transaction) and ships the texts through the DEFERRED queue; the consumer
 * (worker/reports/deferred.ts) writes them with `searchStatements`. Each write is idempotent per
 * message id (a replay rewrites nothing), so a redelivered queue message does no harm.
 */
import type { SearchHit, SearchSnippet } from "../contracts/collaboration";
import { SUMMARY_COLUMNS, SUMMARY_JOINS, toSummary, type SummaryRow } from "./conversation-queries";
import { decodeCursor, encodeCursor } from "./cursor";
import { threadFilterSql, type ThreadFilters } from "./thread-filters";
import { binder, visibleToSql, type Bind, type Viewer } from "./thread-visibility";

/** More than any WhatsApp text (4096) or a long note; longer text is indexed up to here. */
const MAX_INDEXED_CHARS = 10_000;
/** Search terms beyond this many are ignored (each one is a condition). */
const MAX_TERMS = 8;
/** Snippets per thread in a search answer. */
const SNIPPETS_PER_THREAD = 3;

export interface IndexedText {
  conversationId: string;
  messageId: string;
  text: string;
  /** The message's time (epoch ms). */
  createdAt: number;
}

function upsertStatement(db: D1Database, item: IndexedText): D1PreparedStatement {
  const text = item.text.trim().slice(0, MAX_INDEXED_CHARS);
  if (!text) return db.prepare("DELETE FROM message_search WHERE message_id = ?").bind(item.messageId);
  // The WHERE skips the update — and the FTS triggers — when the text is unchanged (a replay).
  return db
    .prepare(
      `INSERT INTO message_search (message_id, conversation_id, text, created_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (message_id) DO UPDATE SET text = excluded.text, created_at = excluded.created_at
       WHERE message_search.text IS NOT excluded.text OR message_search.created_at IS NOT excluded.created_at`,
    )
    .bind(item.messageId, item.conversationId, text, item.createdAt);
}

/**
 * Make one message's or note's text searchable (or change it after an edit; empty text removes
 * it). Idempotent per `messageId`. One D1 statement.
 */
export async function indexMessageText(db: D1Database, item: IndexedText): Promise<void> {
  await upsertStatement(db, item).run();
}

/** The statements of `indexMessageTexts`, to batch with other writes (the deferred-writes consumer). */
export function searchStatements(db: D1Database, items: readonly IndexedText[]): D1PreparedStatement[] {
  return items.map((item) => upsertStatement(db, item));
}

/** `indexMessageText` for many messages in one D1 round trip (catch-up, backfill). */
export async function indexMessageTexts(db: D1Database, items: IndexedText[]): Promise<void> {
  if (items.length === 0) return;
  await db.batch(items.map((item) => upsertStatement(db, item)));
}

/** Forget a message's text (deleted message). Idempotent. */
export async function unindexMessage(db: D1Database, messageId: string): Promise<void> {
  await db.prepare("DELETE FROM message_search WHERE message_id = ?").bind(messageId).run();
}

// ---- query parsing -----------------------------------------------------------------------------

/** Words and "quoted phrases" of a query, deduplicated, at most MAX_TERMS. */
export function searchTerms(query: string): string[] {
  const terms: string[] = [];
  for (const match of query.matchAll(/"([^"]*)"|(\S+)/g)) {
    const term = (match[1] ?? match[2] ?? "").trim();
    if (term && !terms.some((t) => t.toLowerCase() === term.toLowerCase())) terms.push(term);
  }
  return terms.slice(0, MAX_TERMS);
}

/** The trigram index only helps for terms of 3 characters or more (code points). */
function indexable(term: string): boolean {
  return [...term].length >= 3;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** An FTS5 string literal: the term as one phrase, quotes doubled (no operator can be injected). */
function ftsPhrase(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

/**
 * Condition on `m` (message_search): the message contains every term. Terms of 3+ characters
 * go through the FTS5 index; shorter ones (a Japanese two-character word) through LIKE.
 */
function messageMatchSql(terms: string[], bind: Bind): string {
  const parts: string[] = [];
  const long = terms.filter(indexable);
  if (long.length > 0) {
    parts.push(`m.id IN (SELECT rowid FROM message_search_fts WHERE message_search_fts MATCH ${bind(long.map(ftsPhrase).join(" "))})`);
  }
  for (const term of terms.filter((t) => !indexable(t))) {
    parts.push(`instr(lower(m.text), ${bind(term.toLowerCase())}) > 0`);
  }
  return parts.join(" AND ");
}

const PHONE_LIKE = /^[\d\s()+.-]+$/;

/**
 * Condition on `ct` (contacts): the name, username or number contains every term. A query that
 * looks like a phone number ("+81 90-1234") is compared digit by digit with wa_id.
 */
function contactMatchSql(query: string, terms: string[], bind: Bind): string {
  const digits = query.replace(/\D/g, "");
  // instr(), not LIKE: D1 refuses LIKE patterns over 50 bytes. lower() on both sides folds ASCII
  // case as LIKE did.
  if (PHONE_LIKE.test(query) && digits.length >= 3) return `instr(ct.wa_id, ${bind(digits)}) > 0`;
  return terms
    .map((term) => {
      const needle = bind(term.toLowerCase());
      return `(instr(lower(ct.name), ${needle}) > 0 OR instr(lower(ct.username), ${needle}) > 0 OR instr(ct.wa_id, ${needle}) > 0)`;
    })
    .join(" AND ");
}

interface MatchSql {
  /** The thread matches (message text or contact). */
  thread: string;
  /** The contact matches. */
  contact: string;
}

function matchSql(query: string, terms: string[], bind: Bind): MatchSql {
  const contact = contactMatchSql(query, terms, bind);
  const messages = `c.id IN (SELECT m.conversation_id FROM message_search m WHERE ${messageMatchSql(terms, bind)})`;
  return { thread: `(${messages} OR ${contact})`, contact };
}

/**
 * For the conversation list's `q`: the condition that a thread matches `query` (its messages,
 * notes or contact), over `c` (conversations) joined with `ct` (contacts), to AND into the list's
 * own WHERE with its visibility, filters and paging. Null when the query has no words.
 */
export function threadMatchSql(query: string, bind: Bind): string | null {
  const terms = searchTerms(query);
  return terms.length === 0 ? null : matchSql(query.trim(), terms, bind).thread;
}

// ---- searching ---------------------------------------------------------------------------------

export interface SearchOptions {
  limit: number;
  /** Only threads this user may see; omitted for system callers that apply their own rule. */
  visibleTo?: Viewer;
  filters?: ThreadFilters;
  now?: number;
}

/**
 * Ids of threads whose messages, notes or contact match `query`, most recent activity first.
 * For the conversation list's `q` (which adds its own filters and paging around it).
 */
export async function searchConversationIds(db: D1Database, query: string, options: SearchOptions): Promise<string[]> {
  const terms = searchTerms(query);
  if (terms.length === 0) return [];
  const binds: unknown[] = [];
  const bind = binder(binds);
  const where = [matchSql(query.trim(), terms, bind).thread];
  if (options.visibleTo) {
    where.push(visibleToSql(options.visibleTo, bind));
    where.push(...threadFilterSql(options.filters ?? {}, bind, options.visibleTo.id, options.now ?? Date.now()));
  } else if (options.filters) {
    where.push(...threadFilterSql(options.filters, bind, "", options.now ?? Date.now()));
  }
  const { results } = await db
    .prepare(
      `SELECT c.id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
       WHERE ${where.join(" AND ")}
       ORDER BY c.last_message_at DESC, c.id DESC LIMIT ${bind(options.limit)}`,
    )
    .bind(...binds)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** A list row (the conversation list's columns, so a hit reads exactly like the list) and whether the contact matched. */
type HitRow = SummaryRow & { contact_matched: number };

export type SearchResult =
  | { ok: true; results: SearchHit[]; nextCursor: string | null }
  | { ok: false; reason: "bad_cursor" };

/**
 * One page of search results for `viewer`: each matching thread's summary with up to three
 * matching messages as snippets. Two D1 queries whatever the page size.
 */
export async function searchThreads(
  db: D1Database,
  viewer: Viewer,
  query: string,
  options: { limit: number; cursor?: string; filters?: ThreadFilters; now?: number },
): Promise<SearchResult> {
  const terms = searchTerms(query);
  if (terms.length === 0) return { ok: true, results: [], nextCursor: null };
  const binds: unknown[] = [];
  const bind = binder(binds);
  const match = matchSql(query.trim(), terms, bind);
  const where = [match.thread, visibleToSql(viewer, bind), ...threadFilterSql(options.filters ?? {}, bind, viewer.id, options.now ?? Date.now())];
  if (options.cursor) {
    const key = decodeCursor(options.cursor, ["n", "s"]);
    if (!key) return { ok: false, reason: "bad_cursor" };
    const at = bind(key[0]);
    const id = bind(key[1]);
    where.push(`(c.last_message_at < ${at} OR (c.last_message_at = ${at} AND c.id < ${id}))`);
  }
  const { results: rows } = await db
    .prepare(
      `SELECT ${SUMMARY_COLUMNS}, CASE WHEN ${match.contact} THEN 1 ELSE 0 END AS contact_matched
       FROM conversations c
       ${SUMMARY_JOINS}
       WHERE ${where.join(" AND ")}
       ORDER BY c.last_message_at DESC, c.id DESC
       LIMIT ${bind(options.limit + 1)}`,
    )
    .bind(...binds)
    .all<HitRow>();
  const page = rows.slice(0, options.limit);
  const snippets = await snippetsFor(db, page.map((r) => r.id), terms);
  const last = page[page.length - 1];
  return {
    ok: true,
    results: page.map((row) => ({
      conversation: toSummary(row),
      snippets: snippets.get(row.id) ?? [],
      contactMatched: row.contact_matched === 1,
    })),
    nextCursor: rows.length > options.limit && last ? encodeCursor([last.last_message_at ?? 0, last.id]) : null,
  };
}

/** The newest matching messages of each thread (at most SNIPPETS_PER_THREAD), as snippets. */
async function snippetsFor(db: D1Database, conversationIds: string[], terms: string[]): Promise<Map<string, SearchSnippet[]>> {
  const byThread = new Map<string, SearchSnippet[]>();
  if (conversationIds.length === 0) return byThread;
  const binds: unknown[] = [];
  const bind = binder(binds);
  const ids = bind(JSON.stringify(conversationIds));
  const { results } = await db
    .prepare(
      `SELECT conversation_id, message_id, text, created_at FROM (
         SELECT m.conversation_id, m.message_id, m.text, m.created_at,
           ROW_NUMBER() OVER (PARTITION BY m.conversation_id ORDER BY m.created_at DESC, m.id DESC) AS n
         FROM message_search m
         WHERE m.conversation_id IN (SELECT value FROM json_each(${ids})) AND ${messageMatchSql(terms, bind)}
       ) WHERE n <= ${SNIPPETS_PER_THREAD}
       ORDER BY created_at DESC`,
    )
    .bind(...binds)
    .all<{ conversation_id: string; message_id: string; text: string; created_at: number }>();
  for (const row of results) {
    const list = byThread.get(row.conversation_id) ?? [];
    list.push({ messageId: row.message_id, createdAt: row.created_at, ...snippet(row.text, terms) });
    byThread.set(row.conversation_id, list);
  }
  return byThread;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A stretch of `text` around the first match (about `radius` characters each side, whitespace
 * collapsed), with every match inside it as highlight ranges. Plain text: the browser renders the
 * ranges itself, never markup from here.
 */
export function snippet(text: string, terms: string[], radius = 60): { text: string; highlights: Array<{ start: number; end: number }> } {
  const flat = text.replace(/\s+/g, " ").trim();
  const pattern = new RegExp(terms.map(escapeRegExp).join("|"), "giu");
  const ranges: Array<{ start: number; end: number }> = [];
  for (const m of flat.matchAll(pattern)) {
    if (m[0].length === 0) continue;
    const start = m.index;
    const end = start + m[0].length;
    const previous = ranges[ranges.length - 1];
    if (previous && start <= previous.end) previous.end = Math.max(previous.end, end);
    else ranges.push({ start, end });
  }
  const first = ranges[0];
  let from = first ? Math.max(0, first.start - radius) : 0;
  let to = first ? Math.min(flat.length, first.end + radius) : Math.min(flat.length, radius * 2);
  // Never cut a surrogate pair in half (emoji, rare kanji).
  if (from > 0 && /[\uDC00-\uDFFF]/.test(flat[from]!)) from--;
  if (to < flat.length && /[\uDC00-\uDFFF]/.test(flat[to]!)) to++;
  const prefix = from > 0 ? "…" : "";
  const suffix = to < flat.length ? "…" : "";
  const shift = prefix.length - from;
  return {
    text: `${prefix}${flat.slice(from, to)}${suffix}`,
    highlights: ranges
      .filter((r) => r.start >= from && r.end <= to)
      .map((r) => ({ start: r.start + shift, end: r.end + shift })),
  };
}
