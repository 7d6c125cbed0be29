/**
 * API shapes of reports (issue 6): summary, breakdowns, leaderboard, the live view and its socket
 * event, CSV export, business hours. Durations are milliseconds; dates are workspace-local
 * "YYYY-MM-DD" (inclusive). Every figure is defined in docs/reports.md.
 */
import * as v from "valibot";
import { Availability } from "./access";
import { Role } from "./api";

const IsoDate = v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, "use a date like 2026-03-02"), v.description("A workspace-local date, YYYY-MM-DD."));
const Bool = v.picklist(["true", "false"]);

export const ReportRangeQuery = v.object({
  from: IsoDate,
  to: v.pipe(IsoDate, v.description("The last day included (workspace-local).")),
});

export const RangeModeQuery = v.object({
  ...ReportRangeQuery.entries,
  businessHours: v.optional(v.pipe(Bool, v.description("true: durations in business time, counts of what happened within business hours."))),
});

export const BreakdownBy = v.picklist(["agent", "team", "channel", "label", "bucket"]);
export const BucketSize = v.picklist(["hour", "day", "week", "month"]);

export const BreakdownQuery = v.object({
  ...RangeModeQuery.entries,
  by: BreakdownBy,
  bucket: v.optional(v.pipe(BucketSize, v.description("With by=bucket (default day). Hours: ranges up to 31 days."))),
});

export const ExportTable = v.picklist(["summary", "breakdown", "leaderboard", "live"]);
export const ExportQuery = v.object({
  table: ExportTable,
  from: v.optional(IsoDate),
  to: v.optional(IsoDate),
  by: v.optional(BreakdownBy),
  bucket: v.optional(BucketSize),
  businessHours: v.optional(Bool),
});

export const DurationStats = v.object({
  count: v.number(),
  mean: v.nullable(v.number()),
  median: v.nullable(v.number()),
  p90: v.nullable(v.number()),
});
export type DurationStats = v.InferOutput<typeof DurationStats>;

export const Figures = v.object({
  opened: v.number(),
  openedByAgents: v.number(),
  closed: v.number(),
  missed: v.number(),
  messagesIn: v.number(),
  messagesOut: v.number(),
  messagesAutomated: v.number(),
  failedSends: v.number(),
  /** 72-hour free entry point windows that opened (answers to ad/post referrals; issue 5, docs/whatsapp.md). */
  freeEntryOpened: v.number(),
  assignments: v.number(),
  handled: v.number(),
  firstResponse: DurationStats,
  response: DurationStats,
  resolution: DurationStats,
  resolutionActive: DurationStats,
});
export type Figures = v.InferOutput<typeof Figures>;

const RangeInfo = {
  from: v.string(),
  to: v.string(),
  /** The workspace timezone the dates and buckets are in. */
  timezone: v.string(),
};

export const SummaryResponse = v.object({ ...RangeInfo, calendar: Figures, businessHours: Figures });
export type SummaryResponse = v.InferOutput<typeof SummaryResponse>;

export const BreakdownRow = v.object({
  /** The agent/team/channel/label id, or the bucket's start ("2026-03-02", "2026-03-02T09:00", "2026-03"). */
  key: v.string(),
  name: v.string(),
  figures: Figures,
});
export const BreakdownResponse = v.object({
  ...RangeInfo,
  by: BreakdownBy,
  bucket: v.nullable(BucketSize),
  businessHours: v.boolean(),
  rows: v.array(BreakdownRow),
});
export type BreakdownResponse = v.InferOutput<typeof BreakdownResponse>;

export const LeaderboardRow = v.object({
  agentId: v.string(),
  name: v.string(),
  role: Role,
  availability: Availability,
  handled: v.number(),
  firstResponse: DurationStats,
  response: DurationStats,
  resolution: DurationStats,
  openNow: v.number(),
  pendingNow: v.number(),
  /** The smallest capacity of the automatic-assignment policies of their teams; null: no limit. */
  capacity: v.nullable(v.number()),
});
export const LeaderboardResponse = v.object({ ...RangeInfo, businessHours: v.boolean(), agents: v.array(LeaderboardRow) });
export type LeaderboardResponse = v.InferOutput<typeof LeaderboardResponse>;

export const LiveAgent = v.object({
  id: v.string(),
  name: v.string(),
  role: Role,
  availability: Availability,
  /** Has a live socket open now (the inbox is open somewhere). */
  connected: v.boolean(),
  open: v.number(),
  pending: v.number(),
  capacity: v.nullable(v.number()),
});
export const LiveSnapshot = v.object({
  at: v.number(),
  timezone: v.string(),
  agents: v.array(LiveAgent),
  unassigned: v.object({ count: v.number(), oldestWaitingSince: v.nullable(v.number()) }),
  statuses: v.object({ open: v.number(), pending: v.number(), snoozed: v.number() }),
  windowClosingSoon: v.object({
    count: v.number(),
    threads: v.array(
      v.object({ id: v.string(), contactName: v.nullable(v.string()), windowEndsAt: v.number(), assigneeName: v.nullable(v.string()) }),
    ),
  }),
  firstResponseToday: v.object({ calendar: DurationStats, businessHours: DurationStats }),
});
export type LiveSnapshot = v.InferOutput<typeof LiveSnapshot>;

/** Pushed over /api/events to Owners' and Managers' sockets only, within ~½ s of a change. */
export interface MetricsEvent {
  type: "metrics.updated";
  live: LiveSnapshot;
}

// ---- business hours ------------------------------------------------------------------------------

const Time = v.pipe(v.string(), v.regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, "use a time like 09:00 (24:00 ends at midnight)"));
const Spans = v.pipe(v.array(v.tuple([Time, Time])), v.maxLength(6), v.description('Local opening spans, e.g. [["09:00","12:00"],["13:00","18:00"]]; [] = closed.'));

export const BusinessHours = v.object({
  timezone: v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.description("An IANA time zone, e.g. Asia/Tokyo.")),
  weekly: v.object({ mon: Spans, tue: Spans, wed: Spans, thu: Spans, fri: Spans, sat: Spans, sun: Spans }),
  holidays: v.pipe(v.array(IsoDate), v.maxLength(400)),
});
export type BusinessHours = v.InferOutput<typeof BusinessHours>;

export const BusinessHoursResponse = v.object({
  /** The workspace default; its timezone is the reports' timezone. */
  workspace: BusinessHours,
  channels: v.array(
    v.object({
      channelId: v.string(),
      name: v.nullable(v.string()),
      displayPhoneNumber: v.nullable(v.string()),
      /** null: the channel follows the workspace hours. */
      hours: v.nullable(BusinessHours),
    }),
  ),
});
export type BusinessHoursResponse = v.InferOutput<typeof BusinessHoursResponse>;
