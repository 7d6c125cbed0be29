/**
 * /api/reports (Owners and Managers; agents 403): summary, breakdowns, leaderboard, live view and
 * CSV export — all read from the pre-aggregated rollups (worker/reports/queries.ts). Dates are
 * workspace-local (the workspace business hours' timezone), both ends included.
 *
 * /api/business-hours: Owners and Managers read them; only the Owner changes them (channels and
 * workspace settings are the Owner's, design.md). A change recomputes business time and rollups.
 */
import { Hono, type Context } from "hono";
import * as v from "valibot";
import { audit } from "../audit";
import { requireRole, requireUser } from "../auth/middleware";
import { BreakdownQuery, BusinessHours, ExportQuery, RangeModeQuery, ReportRangeQuery } from "../contracts/reports";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { channelExists, readBusinessHours, setChannelHours, setWorkspaceHours } from "../reports/business-hours";
import { breakdownCsv, leaderboardCsv, liveCsv, summaryCsv } from "../reports/csv";
import { liveSnapshot } from "../reports/live";
import { businessHoursProblem } from "../reports/open-hours";
import { breakdownByBucket, breakdownByDim, leaderboard, summary, workspaceTimezone, type Bucket, type DayRange } from "../reports/queries";
import { dayOfIsoDate } from "../reports/time-zones";
import { validate } from "../validation";

/** A year and a day: "the last 12 months" in any calendar. */
export const MAX_RANGE_DAYS = 366;
/** Hour buckets: a month at most (744 buckets). */
export const MAX_HOUR_BUCKET_DAYS = 31;

function invalid(message: string): ApiError {
  return new ApiError(400, "invalid_request", message);
}

export function parseRange(from: string | undefined, to: string | undefined): DayRange {
  if (from === undefined) throw invalid("from: give the first day, e.g. 2026-03-02.");
  if (to === undefined) throw invalid("to: give the last day, e.g. 2026-03-08.");
  const fromDay = dayOfIsoDate(from);
  const toDay = dayOfIsoDate(to);
  if (fromDay === null) throw invalid(`from: "${from}" is not a date.`);
  if (toDay === null) throw invalid(`to: "${to}" is not a date.`);
  if (toDay < fromDay) throw invalid("to: the range ends before it starts.");
  if (toDay - fromDay + 1 > MAX_RANGE_DAYS) throw invalid(`to: a report covers at most ${MAX_RANGE_DAYS} days.`);
  return { from, to, fromDay, toDay };
}

function bucketSize(range: DayRange, bucket: Bucket | undefined): Bucket {
  const size = bucket ?? "day";
  if (size === "hour" && range.toDay - range.fromDay + 1 > MAX_HOUR_BUCKET_DAYS) {
    throw invalid(`bucket: hours are for ranges of up to ${MAX_HOUR_BUCKET_DAYS} days; choose day, week or month.`);
  }
  return size;
}

async function liveFor(c: Context<AppEnv>) {
  const connections = await c.env.HUB.getByName("workspace").connections();
  return liveSnapshot(c.env.DB, connections);
}

export const reportRoutes = new Hono<AppEnv>()
  .use(requireUser, requireRole("owner", "manager"))
  .get("/summary", validate("query", ReportRangeQuery), async (c) => {
    const q = c.req.valid("query");
    const range = parseRange(q.from, q.to);
    return c.json(await summary(c.env.DB, range, await workspaceTimezone(c.env.DB)));
  })
  .get("/breakdown", validate("query", BreakdownQuery), async (c) => {
    const q = c.req.valid("query");
    const range = parseRange(q.from, q.to);
    const business = q.businessHours === "true";
    if (q.by !== "bucket" && q.bucket !== undefined) throw invalid("bucket: only with by=bucket.");
    const timezone = await workspaceTimezone(c.env.DB);
    return c.json(
      q.by === "bucket"
        ? await breakdownByBucket(c.env.DB, range, timezone, bucketSize(range, q.bucket), business)
        : await breakdownByDim(c.env.DB, range, timezone, q.by, business),
    );
  })
  .get("/leaderboard", validate("query", RangeModeQuery), async (c) => {
    const q = c.req.valid("query");
    const range = parseRange(q.from, q.to);
    return c.json(await leaderboard(c.env.DB, range, await workspaceTimezone(c.env.DB), q.businessHours === "true"));
  })
  .get("/live", async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(await liveFor(c));
  })
  .get("/export.csv", validate("query", ExportQuery), async (c) => {
    const q = c.req.valid("query");
    let csv: string;
    let name: string;
    if (q.table === "live") {
      csv = liveCsv(await liveFor(c));
      name = "live";
    } else {
      const range = parseRange(q.from, q.to);
      const business = q.businessHours === "true";
      const timezone = await workspaceTimezone(c.env.DB);
      if (q.table === "summary") {
        csv = summaryCsv(await summary(c.env.DB, range, timezone));
        name = "summary";
      } else if (q.table === "leaderboard") {
        csv = leaderboardCsv(await leaderboard(c.env.DB, range, timezone, business));
        name = "leaderboard";
      } else {
        if (!q.by) throw invalid("by: choose agent, team, channel, label or bucket.");
        const b =
          q.by === "bucket"
            ? await breakdownByBucket(c.env.DB, range, timezone, bucketSize(range, q.bucket), business)
            : await breakdownByDim(c.env.DB, range, timezone, q.by, business);
        csv = breakdownCsv(b);
        name = `by-${q.by}${q.by === "bucket" ? `-${b.bucket}` : ""}`;
      }
      name = `${name}-${range.from}-${range.to}${business ? "-business-hours" : ""}`;
    }
    await audit(c, { action: "export.created", targetType: "report", details: { table: q.table, ...(q.from ? { from: q.from, to: q.to } : {}) } });
    return c.body(csv, 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="chorus-${name}.csv"`,
      "Cache-Control": "no-store",
    });
  });

const ChannelParams = v.object({ channelId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });

function checkedHours(body: BusinessHours): BusinessHours {
  const problem = businessHoursProblem(body);
  if (problem) throw invalid(problem);
  return body;
}

export const businessHoursRoutes = new Hono<AppEnv>()
  .use(requireUser)
  .get("/", requireRole("owner", "manager"), async (c) => c.json(await readBusinessHours(c.env.DB)))
  .put("/", requireRole("owner"), validate("json", BusinessHours), async (c) => {
    const hours = checkedHours(c.req.valid("json"));
    await setWorkspaceHours(c.env.DB, hours);
    await audit(c, { action: "settings.changed", targetType: "business_hours", targetId: "*", details: { timezone: hours.timezone } });
    return c.json(await readBusinessHours(c.env.DB));
  })
  .put("/channels/:channelId", requireRole("owner"), validate("param", ChannelParams), validate("json", BusinessHours), async (c) => {
    const { channelId } = c.req.valid("param");
    const hours = checkedHours(c.req.valid("json"));
    if (!(await channelExists(c.env.DB, channelId))) throw new ApiError(404, "not_found", "There is no such channel.");
    await setChannelHours(c.env.DB, channelId, hours);
    await audit(c, { action: "settings.changed", targetType: "business_hours", targetId: channelId, details: { timezone: hours.timezone } });
    return c.json(await readBusinessHours(c.env.DB));
  })
  .delete("/channels/:channelId", requireRole("owner"), validate("param", ChannelParams), async (c) => {
    const { channelId } = c.req.valid("param");
    if (!(await channelExists(c.env.DB, channelId))) throw new ApiError(404, "not_found", "There is no such channel.");
    await setChannelHours(c.env.DB, channelId, null);
    await audit(c, { action: "settings.changed", targetType: "business_hours", targetId: channelId, details: { hours: "workspace" } });
    return c.json(await readBusinessHours(c.env.DB));
  });
