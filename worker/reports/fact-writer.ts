/**
 * Writing report facts to D1. The Conversation DO records facts in its own SQLite with the change
 * and ships them through the DEFERRED queue; the consumer (worker/reports/deferred.ts) writes the
 * facts of many threads with `factStatements` in one batch, followed by the bulk rollup
 * (worker/reports/rollup.ts). Each statement is INSERT OR IGNORE on a deterministic id, so a replay
 * — a redelivered queue message, a redelivered webhook — inserts nothing, and the trigger that notes
 * facts for the rollup (it only runs for inserted rows) counts nothing twice.
 *
 * Business time is computed here in SQL, from the channel's open hours (its own, else the
 * workspace's '*'): the overlap of [start_at, at) with the open intervals, minus (for resolution)
 * the overlap of the pending/snoozed intervals. The DO never needs to know the hours, so a webhook
 * costs no extra read.
 */
import { rollupPendingStatements } from "./rollup";

export type FactKind =
  | "episode_opened"
  | "episode_closed"
  | "resolution"
  | "first_response"
  | "response"
  | "handled"
  | "assigned"
  | "status_changed"
  | "message_in"
  | "message_out"
  | "send_failed"
  | "missed"
  /** A 72-hour free entry point window opened (an answer to an ad or post referral, issue 5). */
  | "free_entry_opened";

export interface Fact {
  /** `${conversationId}:${episode}:${kind}:${seq or key}`. */
  id: string;
  conversationId: string;
  channelId: string;
  teamId: string | null;
  agentId: string | null;
  episode: number;
  kind: FactKind;
  /** The rollup metric it feeds (null: recorded only). */
  metric: string | null;
  at: number;
  /** Durations: when the interval began. */
  startAt?: number | null;
  valueMs?: number | null;
  /** Resolution without pending/snoozed time. */
  activeMs?: number | null;
  /** Resolution: the episode's pending/snoozed intervals. */
  pauses?: Array<[number, number]> | null;
  detail?: string | null;
}

/** A 7-day margin: no open-hours row is longer (worker/reports/open-hours.ts). */
const PIECE = 604_800_000;

const bucket = (expr: string) =>
  `CASE WHEN ${expr} IS NULL THEN NULL ELSE (SELECT idx FROM report_buckets WHERE lower_ms <= ${expr} ORDER BY lower_ms DESC LIMIT 1) END`;

/** Business ms of [start, end) in scope `s.scope` — sum of overlaps with the open intervals. */
const overlap = (start: string, end: string) =>
  `(SELECT coalesce(sum(min(${end}, h.end_at) - max(${start}, h.start_at)), 0) FROM report_open_hours h
     WHERE h.scope_id = s.scope AND h.start_at > ${start} - ${PIECE} AND h.start_at < ${end} AND h.end_at > ${start})`;

const INSERT_FACT = `
INSERT OR IGNORE INTO report_facts (id, conversation_id, channel_id, team_id, agent_id, episode, kind, metric, at, start_at,
  value_ms, value_bucket, business_ms, business_bucket, active_ms, active_bucket, active_business_ms, active_business_bucket,
  in_hours, pauses, detail)
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
  ?11, ${bucket("?11")}, x.biz, ${bucket("x.biz")}, ?12, ${bucket("?12")}, x.active_biz, ${bucket("x.active_biz")},
  x.in_hours, ?13, ?14
FROM (
  SELECT biz, CASE WHEN ?12 IS NULL THEN NULL ELSE max(0, biz - paused) END AS active_biz, in_hours FROM (
    SELECT
      CASE WHEN ?11 IS NULL THEN NULL ELSE ${overlap("?10", "?9")} END AS biz,
      CASE WHEN ?12 IS NULL THEN 0 ELSE (
        SELECT coalesce(sum(${overlap("json_extract(p.value, '$[0]')", "json_extract(p.value, '$[1]')")}), 0) FROM json_each(coalesce(?13, '[]')) p
      ) END AS paused,
      EXISTS (SELECT 1 FROM report_open_hours h WHERE h.scope_id = s.scope AND h.start_at > ?9 - ${PIECE} AND h.start_at <= ?9 AND h.end_at > ?9) AS in_hours
    FROM (SELECT coalesce((SELECT scope_id FROM business_hours WHERE scope_id = ?3), '*') AS scope) s
  )
) x`;

/** One INSERT OR IGNORE per fact; the batch must end with rollupPendingStatements (worker/reports/rollup.ts). */
export function factStatements(db: D1Database, facts: readonly Fact[]): D1PreparedStatement[] {
  return facts.map((f) =>
    db
      .prepare(INSERT_FACT)
      .bind(
        f.id,
        f.conversationId,
        f.channelId,
        f.teamId,
        f.agentId,
        f.episode,
        f.kind,
        f.metric,
        f.at,
        f.startAt ?? null,
        f.valueMs ?? null,
        f.activeMs ?? null,
        f.pauses ? JSON.stringify(f.pauses) : null,
        f.detail ?? null,
      ),
  );
}

/** Writes facts and folds them into the rollups, in one transaction (the consumer, tests, backfills). Idempotent. */
export async function writeFacts(db: D1Database, facts: readonly Fact[]): Promise<void> {
  if (facts.length) await db.batch([...factStatements(db, facts), ...rollupPendingStatements(db)]);
}
