/**
 * Registry entries for reports and business hours (issue 6). Spread into `routes` by
 * worker/openapi/registry.ts; schemas come from worker/contracts/reports.ts, never restated.
 * docs/reports.md defines every figure.
 */
import * as v from "valibot";
import {
  BreakdownQuery,
  BreakdownResponse,
  BusinessHours,
  BusinessHoursResponse,
  ExportQuery,
  LeaderboardResponse,
  LiveSnapshot,
  RangeModeQuery,
  ReportRangeQuery,
  SummaryResponse,
} from "../contracts/reports";
import type { Role } from "../env";
import type { RouteDoc } from "./registry";

export type ReportsTag = "Reports" | "Business hours";

export const reportsTagDescriptions: Record<ReportsTag, string> = {
  Reports:
    "Figures per conversation episode — opened, closed, missed, first response, response and resolution times (median, p90, mean), messages — in calendar time and in business hours, over workspace-local dates; the agents' leaderboard; the live view (also pushed as `metrics.updated` on /api/events); CSV export. Owners and Managers.",
  "Business hours": "Weekly hours and holidays in a time zone, for the workspace and per channel: what business time counts.",
};

const MANAGERS: readonly Role[] = ["owner", "manager"];
const OWNER: readonly Role[] = ["owner"];
const ChannelParams = v.object({ channelId: v.pipe(v.string(), v.maxLength(64), v.description("The channel (chn_…) id.")) });
const RANGE_ERRORS = "invalid_request: a date that does not exist, a range that ends before it starts or covers more than 366 days, hour buckets over more than 31 days.";
const HOURS_ERRORS = "invalid_request: an unknown time zone, a span that ends before it starts or overlaps another, a holiday that is not a date.";

export const reportsRoutes: readonly RouteDoc[] = [
  {
    method: "GET",
    path: "/api/reports/summary",
    operationId: "getReportSummary",
    summary: "Every figure over a date range, in calendar time and in business hours",
    tag: "Reports",
    auth: "user",
    roles: MANAGERS,
    request: { query: ReportRangeQuery },
    responses: { 200: { description: "The figures.", schema: SummaryResponse } },
    errors: { 400: RANGE_ERRORS },
  },
  {
    method: "GET",
    path: "/api/reports/breakdown",
    operationId: "getReportBreakdown",
    summary: "The figures per agent, team, channel, label or time bucket",
    tag: "Reports",
    auth: "user",
    roles: MANAGERS,
    request: { query: BreakdownQuery },
    responses: { 200: { description: "One row per agent/team/channel/label with figures, or per bucket (every bucket of the range).", schema: BreakdownResponse } },
    errors: { 400: RANGE_ERRORS },
  },
  {
    method: "GET",
    path: "/api/reports/leaderboard",
    operationId: "getReportLeaderboard",
    summary: "Agents side by side: threads handled, first response, resolution, workload now",
    tag: "Reports",
    auth: "user",
    roles: MANAGERS,
    request: { query: RangeModeQuery },
    responses: { 200: { description: "One row per agent, most threads handled first.", schema: LeaderboardResponse } },
    errors: { 400: RANGE_ERRORS },
  },
  {
    method: "GET",
    path: "/api/reports/live",
    operationId: "getReportLive",
    summary: "The live view now",
    description:
      "Who is online and how loaded, the unassigned queue, open/pending/snoozed counts, windows closing within the hour, today's first response. A reports page subscribed on /api/events (`{\"type\":\"metrics.subscribe\"}`) receives the same object as `{type:\"metrics.updated\", live}` within about half a second of every change.",
    tag: "Reports",
    auth: "user",
    roles: MANAGERS,
    responses: { 200: { description: "The live snapshot.", schema: LiveSnapshot } },
  },
  {
    method: "GET",
    path: "/api/reports/export.csv",
    operationId: "exportReport",
    summary: "Any report table as CSV",
    description:
      "`table`: summary, breakdown (with `by`, `bucket`), leaderboard or live; the same query parameters as the table's own route. RFC 4180, UTF-8 with a byte-order mark, durations in seconds; cells that would start a spreadsheet formula are escaped.",
    tag: "Reports",
    auth: "user",
    roles: MANAGERS,
    request: { query: ExportQuery },
    responses: { 200: { description: "The table.", content: { mediaType: "text/csv", description: "RFC 4180 CSV with a header row." } } },
    errors: { 400: RANGE_ERRORS },
  },
  {
    method: "GET",
    path: "/api/business-hours",
    operationId: "getBusinessHours",
    summary: "The workspace's business hours and each channel's",
    tag: "Business hours",
    auth: "user",
    roles: MANAGERS,
    responses: { 200: { description: "Workspace hours (their timezone is the reports' timezone) and per-channel hours (null: follows the workspace).", schema: BusinessHoursResponse } },
  },
  {
    method: "PUT",
    path: "/api/business-hours",
    operationId: "setWorkspaceBusinessHours",
    summary: "Set the workspace's business hours and reports timezone",
    description: "Business time and the report days of every fact are recomputed.",
    tag: "Business hours",
    auth: "user",
    roles: OWNER,
    request: { body: BusinessHours },
    responses: { 200: { description: "All business hours now.", schema: BusinessHoursResponse } },
    errors: { 400: HOURS_ERRORS },
  },
  {
    method: "PUT",
    path: "/api/business-hours/channels/{channelId}",
    operationId: "setChannelBusinessHours",
    summary: "Give a channel business hours of its own",
    tag: "Business hours",
    auth: "user",
    roles: OWNER,
    request: { params: ChannelParams, body: BusinessHours },
    responses: { 200: { description: "All business hours now.", schema: BusinessHoursResponse } },
    errors: { 400: HOURS_ERRORS, 404: "not_found: no such channel." },
  },
  {
    method: "DELETE",
    path: "/api/business-hours/channels/{channelId}",
    operationId: "clearChannelBusinessHours",
    summary: "Make a channel follow the workspace's business hours again",
    tag: "Business hours",
    auth: "user",
    roles: OWNER,
    request: { params: ChannelParams },
    responses: { 200: { description: "All business hours now.", schema: BusinessHoursResponse } },
    errors: { 404: "not_found: no such channel." },
  },
];
