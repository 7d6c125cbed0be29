/**
 * The reports page's calls to /api/reports and /api/business-hours, typed from the shared
 * contract (worker/contracts/reports.ts).
 */
import type * as v from "valibot";
import type * as R from "$contracts/reports";
import { request } from "$lib/api";

export type Figures = v.InferOutput<typeof R.Figures>;
export type DurationStats = v.InferOutput<typeof R.DurationStats>;
export type SummaryResponse = v.InferOutput<typeof R.SummaryResponse>;
export type BreakdownResponse = v.InferOutput<typeof R.BreakdownResponse>;
export type BreakdownRow = v.InferOutput<typeof R.BreakdownRow>;
export type LeaderboardResponse = v.InferOutput<typeof R.LeaderboardResponse>;
export type LeaderboardRow = v.InferOutput<typeof R.LeaderboardRow>;
export type LiveSnapshot = v.InferOutput<typeof R.LiveSnapshot>;
export type LiveAgent = v.InferOutput<typeof R.LiveAgent>;
export type BusinessHours = v.InferOutput<typeof R.BusinessHours>;
export type BusinessHoursResponse = v.InferOutput<typeof R.BusinessHoursResponse>;
export type BreakdownBy = v.InferOutput<typeof R.BreakdownBy>;
export type BucketSize = v.InferOutput<typeof R.BucketSize>;

export interface Range {
  from: string;
  to: string;
}

const mode = (businessHours: boolean) => (businessHours ? "true" : "false");

export const reportsApi = {
  summary: (range: Range, signal?: AbortSignal) => request<SummaryResponse>("GET", "/api/reports/summary", { query: { ...range }, signal }),
  breakdown: (range: Range, by: BreakdownBy, businessHours: boolean, bucket?: BucketSize, signal?: AbortSignal) =>
    request<BreakdownResponse>("GET", "/api/reports/breakdown", {
      query: { ...range, by, businessHours: mode(businessHours), bucket: by === "bucket" ? bucket : undefined },
      signal,
    }),
  leaderboard: (range: Range, businessHours: boolean, signal?: AbortSignal) =>
    request<LeaderboardResponse>("GET", "/api/reports/leaderboard", { query: { ...range, businessHours: mode(businessHours) }, signal }),
  live: () => request<LiveSnapshot>("GET", "/api/reports/live"),
  businessHours: () => request<BusinessHoursResponse>("GET", "/api/business-hours"),
  setWorkspaceHours: (hours: BusinessHours) => request<BusinessHoursResponse>("PUT", "/api/business-hours", { body: hours }),
  setChannelHours: (channelId: string, hours: BusinessHours) =>
    request<BusinessHoursResponse>("PUT", `/api/business-hours/channels/${encodeURIComponent(channelId)}`, { body: hours }),
  clearChannelHours: (channelId: string) => request<BusinessHoursResponse>("DELETE", `/api/business-hours/channels/${encodeURIComponent(channelId)}`),
};

/** The address of a table's CSV (a plain link: the browser downloads it with the session cookie). */
export function csvUrl(table: "summary" | "breakdown" | "leaderboard" | "live", params: Record<string, string | boolean | undefined> = {}): string {
  const query = new URLSearchParams({ table });
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, String(value));
  return `/api/reports/export.csv?${query}`;
}
