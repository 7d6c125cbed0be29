/**
 * D1 tables of reports (issue 6), re-exported by worker/db/schema.ts so drizzle-kit sees them.
 * docs/reports.md explains the design; in short:
 *
 * - `report_facts`: one row per event that matters (episode opened/closed, first response, each
 *   response, assignment, status change, message in/out, failed send, missed), written by the
 *   Conversation DO with a deterministic id and INSERT OR IGNORE, so a replay changes nothing.
 *   Business-time variants are computed in SQL when the row is inserted, from `report_open_hours`.
 * - `report_rollup`: pre-aggregated counts, sums and duration histograms per workspace-local day
 *   (per dimension: all, agent, team, channel, label) and per local hour (all). An AFTER INSERT
 *   trigger on report_facts maintains it (migrations/*_reports_rollup.sql): an ignored replay
 *   inserts nothing, so the trigger does not run and the rollup cannot double count.
 * - `business_hours`: weekly hours + holidays in an IANA timezone, per channel ('*' = the
 *   workspace default, whose timezone is also the reports' timezone).
 * - `report_open_hours`: those hours materialised as absolute UTC intervals (no interval longer
 *   than 7 days), so SQL can intersect a wait with business hours.
 * - `report_tz`: the workspace timezone's UTC offsets and when they start (DST), so the trigger
 *   can put a fact on its local day and hour.
 * - `report_buckets`: the histogram's bucket bounds (5% wide, see worker/reports/histogram.ts).
 */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const reportFacts = sqliteTable(
  "report_facts",
  {
    /** `${conversationId}:${episode}:${kind}:${seq}` — deterministic, so a replay is ignored. */
    id: text("id").primaryKey(),
    conversationId: text("conversation_id").notNull(),
    channelId: text("channel_id").notNull(),
    /** The thread's team when it happened. */
    teamId: text("team_id"),
    /** Who it is about: the replier (responses, messages out), the assignee (close, assignment, missed). */
    agentId: text("agent_id"),
    episode: integer("episode").notNull(),
    kind: text("kind").notNull(),
    /** The rollup metric this fact feeds (null: kept for the record only, e.g. status changes). */
    metric: text("metric"),
    at: integer("at").notNull(),
    /** Durations: when the measured interval began (episode opened, customer started waiting). */
    startAt: integer("start_at"),
    valueMs: integer("value_ms"),
    valueBucket: integer("value_bucket"),
    businessMs: integer("business_ms"),
    businessBucket: integer("business_bucket"),
    /** Resolution without the time spent pending or snoozed. */
    activeMs: integer("active_ms"),
    activeBucket: integer("active_bucket"),
    activeBusinessMs: integer("active_business_ms"),
    activeBusinessBucket: integer("active_business_bucket"),
    /** 1 when `at` falls inside the channel's business hours. */
    inHours: integer("in_hours").notNull().default(0),
    /** Resolution: JSON [[start, end], …] of the episode's pending/snoozed intervals. */
    pauses: text("pauses"),
    /** Free detail: the new status, the assignment kind, who opened an episode. */
    detail: text("detail"),
  },
  (t) => [
    index("report_facts_at_idx").on(t.at),
    index("report_facts_channel_at_idx").on(t.channelId, t.at),
    index("report_facts_conversation_idx").on(t.conversationId, t.episode),
  ],
);

export const reportRollup = sqliteTable(
  "report_rollup",
  {
    /** 'day' (slot = local day number since 1970-01-01) or 'hour' (slot = local hour number; dim 'all' only). */
    grain: text("grain").notNull(),
    dim: text("dim").notNull(),
    /** The agent, team, channel or label id; '' for dim 'all'. */
    dimId: text("dim_id").notNull(),
    slot: integer("slot").notNull(),
    /** e.g. message_in, opened, frt, frt_b (business hours), res_a (resolution without pauses). */
    metric: text("metric").notNull(),
    n: integer("n").notNull(),
    /** Sum of the durations (ms); 0 for counts. */
    total: integer("total").notNull(),
    /** Durations: JSON {bucket: [count, sum]} — the histogram percentiles come from. */
    hist: text("hist"),
  },
  (t) => [primaryKey({ columns: [t.grain, t.dim, t.slot, t.dimId, t.metric] })],
);

export const businessHours = sqliteTable("business_hours", {
  /** A channel id, or '*' for the workspace default (whose timezone is the reports' timezone). */
  scopeId: text("scope_id").primaryKey(),
  timezone: text("timezone").notNull(),
  /** JSON {mon: [["09:00","18:00"]], …, sun: []}. */
  weekly: text("weekly").notNull(),
  /** JSON ["2026-01-01", …] (local dates without business hours). */
  holidays: text("holidays").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const reportOpenHours = sqliteTable(
  "report_open_hours",
  {
    scopeId: text("scope_id").notNull(),
    startAt: integer("start_at").notNull(),
    endAt: integer("end_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scopeId, t.startAt] })],
);

export const reportTz = sqliteTable("report_tz", {
  fromAt: integer("from_at").primaryKey(),
  offsetMs: integer("offset_ms").notNull(),
});

export const reportBuckets = sqliteTable(
  "report_buckets",
  {
    idx: integer("idx").primaryKey(),
    lowerMs: real("lower_ms").notNull(),
  },
  (t) => [index("report_buckets_lower_idx").on(t.lowerMs)],
);
