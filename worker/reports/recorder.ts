/**
 * The Conversation DO's report-fact recorder (issue 6). The DO calls one hook per change, inside
 * the same storage transaction as the change itself, so a fact exists exactly when its change
 * does. Facts wait in the DO's `report_pending` table until the DO's next D1 index write carries
 * them (worker/reports/fact-writer.ts); a failed write leaves them pending for the retry.
 *
 * Per episode it keeps what the definitions need (docs/reports.md):
 * - opened_at and who opened it: the customer (their first message) or the business (an agent
 *   wrote first — a reply to a brand-new thread, or an outreach to a closed thread that the
 *   customer then answered). Agent-started episodes have no first response time.
 * - first_response_at: the first HUMAN reply (automated replies — API tokens, later bots and
 *   workflows — never count).
 * - waiting_since: when the customer started waiting (their first message after our last human
 *   reply); the next human reply is a response with that wait.
 * - pauses: pending/snoozed intervals, subtracted for "resolution without pauses".
 * - closed / missed flags so each episode is closed and missed at most once.
 *
 * Its tables live in the DO's SQLite beside the DO's own and migrate themselves (versioned in
 * `_meta` under their own key, so the DO's numbered migrations stay untouched).
 */
import type { Activity } from "../contracts/api";
import type { Fact, FactKind } from "./fact-writer";

const SCHEMA_KEY = "reports_schema_version";
const MIGRATIONS = [
  `CREATE TABLE report_episode (
     episode INTEGER PRIMARY KEY,
     opened_at INTEGER NOT NULL,
     agent_started INTEGER NOT NULL DEFAULT 0,
     first_response_at INTEGER,
     waiting_since INTEGER,
     paused_since INTEGER,
     pauses TEXT NOT NULL DEFAULT '[]',
     handled TEXT NOT NULL DEFAULT '[]',
     closed INTEGER NOT NULL DEFAULT 0,
     missed INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE report_pending (id TEXT PRIMARY KEY, fact TEXT NOT NULL, queued_at INTEGER NOT NULL);`,
];

/**
 * A customer who writes within this long of our message to their closed thread is answering it:
 * their episode was started by the business. Later, it is a new request of their own.
 */
export const OUTREACH_ANSWER_MS = 7 * 86_400_000;

/** Most facts one index write carries; the rest go with the next (see ReportRecorder.pending). */
export const FACTS_PER_WRITE = 40;

interface EpisodeRow extends Record<string, SqlStorageValue> {
  episode: number;
  opened_at: number;
  agent_started: number;
  first_response_at: number | null;
  waiting_since: number | null;
  paused_since: number | null;
  pauses: string;
  handled: string;
  closed: number;
  missed: number;
}

interface ThreadContext extends Record<string, SqlStorageValue> {
  conversation_id: string;
  channel_id: string;
  team_id: string | null;
  assignee_id: string | null;
  episode: number;
  status: string;
}

interface MessageFacts extends Record<string, SqlStorageValue> {
  seq: number;
  timestamp: number;
  direction: string;
  author_id: string | null;
}

/** Who wrote a message without being a person at a keyboard: API tokens now, bots and workflows later. */
export function isAutomatedAuthor(authorId: string | null): boolean {
  return authorId === null || authorId.startsWith("tok_") || authorId.startsWith("bot_") || authorId.startsWith("wf_");
}

export class ReportRecorder {
  constructor(private readonly sql: SqlStorage) {}

  /** Create or upgrade the recorder's tables (call under blockConcurrencyWhile, after the DO's own migrations). */
  migrate(): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT)");
    const row = this.sql.exec<{ value: string }>("SELECT value FROM _meta WHERE key = ?", SCHEMA_KEY).toArray()[0];
    const current = row ? Number(row.value) : 0;
    for (let step = current; step < MIGRATIONS.length; step++) this.sql.exec(MIGRATIONS[step]!);
    if (current < MIGRATIONS.length) {
      this.sql.exec(
        "INSERT INTO _meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        SCHEMA_KEY,
        String(MIGRATIONS.length),
      );
    }
  }

  // ---- hooks (each runs inside the DO's transaction for the change) ---------------------------

  /** A customer message was stored (after any reopen/snooze-end activity it caused). */
  onInbound(messageId: string): void {
    const thread = this.thread();
    const message = this.message(messageId);
    if (!thread || !message) return;
    const episode = this.episodeFor(thread, message.timestamp);
    this.record(thread, "message_in", message.seq, message.timestamp, { metric: "message_in" });
    if (episode.waiting_since === null || message.timestamp < episode.waiting_since) {
      this.sql.exec("UPDATE report_episode SET waiting_since = ? WHERE episode = ?", message.timestamp, episode.episode);
    }
  }

  /**
   * A reply (text or template) was written to the outbox. A human reply ends the customer's wait
   * (a response) and, the first time in a customer-started episode, is its first response.
   */
  onOutbound(messageId: string, options: { fromBusinessApp?: boolean } = {}): void {
    const thread = this.thread();
    const message = this.message(messageId);
    if (!thread || !message) return;
    const at = message.timestamp;
    // A message the owner typed in the WhatsApp Business app (an echo) is a person's reply, credited to nobody.
    const automated = !options.fromBusinessApp && isAutomatedAuthor(message.author_id);
    const agentId = automated ? null : message.author_id;
    if (thread.status === "closed") {
      // Outreach to a closed thread: if the customer answers, their episode was started by us.
      this.record(thread, "message_out", message.seq, at, { metric: automated ? "message_auto" : "message_out", agentId });
      this.sql.exec(
        "INSERT INTO _meta (key, value) VALUES ('report_outreach_at', ?) ON CONFLICT (key) DO NOTHING",
        String(at),
      );
      return;
    }
    const episode = this.existingEpisode(thread) ?? this.openEpisode(thread, at, true);
    this.record(thread, "message_out", message.seq, at, { metric: automated ? "message_auto" : "message_out", agentId });
    if (automated) return;
    if (episode.first_response_at === null) {
      this.sql.exec("UPDATE report_episode SET first_response_at = ? WHERE episode = ?", at, episode.episode);
      if (!episode.agent_started) {
        this.record(thread, "first_response", message.seq, at, {
          metric: "frt",
          agentId,
          startAt: episode.opened_at,
          valueMs: Math.max(0, at - episode.opened_at),
        });
      }
    }
    if (episode.waiting_since !== null) {
      this.sql.exec("UPDATE report_episode SET waiting_since = NULL WHERE episode = ?", episode.episode);
      this.record(thread, "response", message.seq, at, {
        metric: "rt",
        agentId,
        startAt: episode.waiting_since,
        valueMs: Math.max(0, at - episode.waiting_since),
      });
    }
    const handled = JSON.parse(episode.handled) as string[];
    if (agentId && !handled.includes(agentId)) {
      handled.push(agentId);
      this.sql.exec("UPDATE report_episode SET handled = ? WHERE episode = ?", JSON.stringify(handled), episode.episode);
      this.record(thread, "handled", agentId, at, { metric: "handled", agentId });
    }
  }

  /** An activity item was added (assignment, status change, reopen, snooze end). */
  onActivity(messageId: string, activity: Activity): void {
    const thread = this.thread();
    const message = this.message(messageId);
    if (!thread || !message) return;
    const at = message.timestamp;
    switch (activity.kind) {
      case "assigned":
      case "taken_over":
      case "auto_assigned":
      case "unassigned": {
        const assignee = "assignee" in activity ? (activity.assignee?.id ?? null) : null;
        this.record(thread, "assigned", message.seq, at, { metric: assignee ? "assigned" : null, agentId: assignee, detail: activity.kind });
        return;
      }
      case "status_changed":
      case "snooze_ended":
      case "reopened":
        this.statusChanged(thread, message.seq, at, activity.status ?? "open");
        return;
      default:
        return;
    }
  }

  /** A reply failed for good (Meta refused it, or its retries ran out). */
  onSendFailed(messageId: string, at: number): void {
    const thread = this.thread();
    const message = this.message(messageId);
    if (!thread || !message) return;
    this.record(thread, "send_failed", message.seq, at, { metric: "failed", agentId: isAutomatedAuthor(message.author_id) ? null : message.author_id });
  }

  /**
   * The customer-service window closed (the DO's window timer). If the customer was still waiting
   * for a reply in an episode that is not closed, the episode is missed (once).
   */
  onWindowExpired(windowEndedAt: number): void {
    const thread = this.thread();
    if (!thread || thread.status === "closed") return;
    const episode = this.existingEpisode(thread);
    if (!episode || episode.waiting_since === null || episode.missed) return;
    this.sql.exec("UPDATE report_episode SET missed = 1 WHERE episode = ?", episode.episode);
    this.record(thread, "missed", 0, windowEndedAt, { metric: "missed", agentId: thread.assignee_id, startAt: episode.waiting_since });
  }

  /**
   * The 72-hour free entry point window opened at `at` (an answer within 24 hours of the customer's
   * message from an ad or post, docs/whatsapp.md "Windows"). Keyed by the entry-point message's
   * time, so one entry point counts once however often it is looked at again.
   */
  onFreeEntryOpened(entryPointAt: number, at: number): void {
    const thread = this.thread();
    if (!thread) return;
    this.record(thread, "free_entry_opened", entryPointAt, at, { metric: "free_entry", agentId: thread.assignee_id });
  }

  // ---- flushing -------------------------------------------------------------------------------

  /** Facts waiting for D1, oldest first (at most FACTS_PER_WRITE). */
  pending(): Fact[] {
    return this.sql
      .exec<{ fact: string }>("SELECT fact FROM report_pending ORDER BY queued_at, rowid LIMIT ?", FACTS_PER_WRITE)
      .toArray()
      .map((r) => JSON.parse(r.fact) as Fact);
  }

  hasPending(): boolean {
    return this.sql.exec("SELECT 1 AS x FROM report_pending LIMIT 1").toArray().length > 0;
  }

  /** These facts are in D1 now. */
  written(facts: readonly Fact[]): void {
    if (facts.length === 0) return;
    this.sql.exec("DELETE FROM report_pending WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify(facts.map((f) => f.id)));
  }

  // ---- internals ------------------------------------------------------------------------------

  private statusChanged(thread: ThreadContext, seq: number, at: number, status: string): void {
    this.record(thread, "status_changed", seq, at, { detail: status });
    const episode = this.existingEpisode(thread);
    if (!episode) return;
    const pauses = JSON.parse(episode.pauses) as Array<[number, number]>;
    let pausedSince = episode.paused_since;
    if ((status === "pending" || status === "snoozed") && pausedSince === null) pausedSince = at;
    else if ((status === "open" || status === "closed") && pausedSince !== null) {
      pauses.push([pausedSince, Math.max(pausedSince, at)]);
      pausedSince = null;
    }
    this.sql.exec("UPDATE report_episode SET paused_since = ?, pauses = ? WHERE episode = ?", pausedSince, JSON.stringify(pauses), episode.episode);
    if (status !== "closed" || episode.closed) {
      return;
    }
    // Closing resolves the episode (its first close counts) and ends any wait without a reply.
    this.sql.exec("UPDATE report_episode SET closed = 1, waiting_since = NULL WHERE episode = ?", episode.episode);
    const paused = pauses.reduce((sum, [s, e]) => sum + (e - s), 0);
    const value = Math.max(0, at - episode.opened_at);
    this.record(thread, "episode_closed", 0, at, { metric: "closed", agentId: thread.assignee_id });
    this.record(thread, "resolution", 0, at, {
      metric: "res",
      agentId: thread.assignee_id,
      startAt: episode.opened_at,
      valueMs: value,
      activeMs: Math.max(0, value - paused),
      pauses,
    });
  }

  /** The current episode's record, opening it (customer-started, or answered outreach) if new. */
  private episodeFor(thread: ThreadContext, at: number): EpisodeRow {
    const row = this.sql.exec<EpisodeRow>("SELECT * FROM report_episode WHERE episode = ?", thread.episode).toArray()[0];
    if (row) return row;
    const outreach = this.sql.exec<{ value: string }>("SELECT value FROM _meta WHERE key = 'report_outreach_at'").toArray()[0];
    this.sql.exec("DELETE FROM _meta WHERE key = 'report_outreach_at'");
    if (outreach && at - Number(outreach.value) <= OUTREACH_ANSWER_MS) return this.openEpisode(thread, Number(outreach.value), true);
    return this.existingEpisode(thread) ?? this.openEpisode(thread, at, false);
  }

  /**
   * The current episode's record, or null when it has none yet. A thread older than reports has
   * none although the customer already wrote in this episode: its record is rebuilt from those
   * messages (opened by the first), so an agent's reply to it is not taken for an agent-started
   * episode. (Only before the recorder ever saw the thread: afterwards every episode has a record.)
   */
  private existingEpisode(thread: ThreadContext): EpisodeRow | null {
    const row = this.sql.exec<EpisodeRow>("SELECT * FROM report_episode WHERE episode = ?", thread.episode).toArray()[0];
    if (row) return row;
    if (this.sql.exec("SELECT 1 AS x FROM report_episode LIMIT 1").toArray().length > 0) return null;
    const first = this.sql
      .exec<{ opened: number | null }>("SELECT min(timestamp) AS opened FROM messages WHERE direction = 'in' AND episode = ?", thread.episode)
      .toArray()[0];
    return first?.opened != null ? this.openEpisode(thread, first.opened, false) : null;
  }

  private openEpisode(thread: ThreadContext, openedAt: number, agentStarted: boolean): EpisodeRow {
    this.sql.exec(
      "INSERT INTO report_episode (episode, opened_at, agent_started) VALUES (?, ?, ?) ON CONFLICT (episode) DO NOTHING",
      thread.episode,
      openedAt,
      agentStarted ? 1 : 0,
    );
    this.record(thread, "episode_opened", 0, openedAt, {
      metric: agentStarted ? "opened_agent" : "opened",
      detail: agentStarted ? "agent" : "customer",
    });
    return this.sql.exec<EpisodeRow>("SELECT * FROM report_episode WHERE episode = ?", thread.episode).toArray()[0]!;
  }

  private record(
    thread: ThreadContext,
    kind: FactKind,
    key: number | string,
    at: number,
    extra: Partial<Pick<Fact, "metric" | "agentId" | "startAt" | "valueMs" | "activeMs" | "pauses" | "detail">>,
  ): void {
    const fact: Fact = {
      id: `${thread.conversation_id}:${thread.episode}:${kind}:${key}`,
      conversationId: thread.conversation_id,
      channelId: thread.channel_id,
      teamId: thread.team_id,
      agentId: extra.agentId ?? null,
      episode: thread.episode,
      kind,
      metric: extra.metric ?? null,
      at,
      ...(extra.startAt !== undefined ? { startAt: extra.startAt } : {}),
      ...(extra.valueMs !== undefined ? { valueMs: extra.valueMs } : {}),
      ...(extra.activeMs !== undefined ? { activeMs: extra.activeMs } : {}),
      ...(extra.pauses !== undefined ? { pauses: extra.pauses } : {}),
      ...(extra.detail !== undefined ? { detail: extra.detail } : {}),
    };
    this.sql.exec(
      "INSERT INTO report_pending (id, fact, queued_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
      fact.id,
      JSON.stringify(fact),
      Date.now(),
    );
  }

  private thread(): ThreadContext | null {
    return (
      this.sql
        .exec<ThreadContext>(
          "SELECT conversation_id, channel_id, team_id, assignee_id, episode, status FROM thread WHERE singleton = 1",
        )
        .toArray()[0] ?? null
    );
  }

  private message(id: string): MessageFacts | null {
    return (
      this.sql
        .exec<MessageFacts>("SELECT seq, timestamp, direction, author_id FROM messages WHERE id = ?", id)
        .toArray()[0] ?? null
    );
  }
}
