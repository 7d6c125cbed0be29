/**
 * Report queries over the rollups (never over the raw facts): a summary, breakdowns by agent,
 * team, channel, label or time bucket, and the agents' leaderboard. Each answer reads one range of
 * report_rollup's primary key (grain, dim, slot…) — a few thousand small rows even for a year of a
 * busy workspace — and merges counts, sums and histograms in JavaScript.
 */
import type { BreakdownResponse, DurationStats, Figures, LeaderboardResponse, SummaryResponse } from "../contracts/reports";
import { addHistogram, durationStats, type Histogram } from "./histogram";
import { isoDateOfDay, weekdayOfDay } from "./time-zones";

export interface DayRange {
  from: string;
  to: string;
  /** Workspace-local day numbers, inclusive. */
  fromDay: number;
  toDay: number;
}

export type Dim = "agent" | "team" | "channel" | "label";
export type Bucket = "hour" | "day" | "week" | "month";

interface Acc {
  n: number;
  total: number;
  hist: Histogram;
}
type Metrics = Map<string, Acc>;

interface RollupRow {
  dim_id: string;
  slot: number;
  metric: string;
  n: number;
  total: number;
  hist: string | null;
}

const COUNT_METRICS = ["opened", "opened_agent", "closed", "missed", "message_in", "message_out", "message_auto", "failed", "assigned", "handled", "free_entry"];
const DURATION_METRICS = ["frt", "rt", "res", "res_a"];

/** The rollup metric names a mode reads ('_b': business hours; res_a in business time is res_ab). */
function metricNames(business: boolean): string[] {
  if (!business) return [...COUNT_METRICS, ...DURATION_METRICS];
  return [...COUNT_METRICS.map((m) => `${m}_b`), "frt_b", "rt_b", "res_b", "res_ab"];
}

/** Calendar name of a metric read in either mode. */
function baseName(metric: string): string {
  if (metric === "res_ab") return "res_a";
  return metric.endsWith("_b") ? metric.slice(0, -2) : metric;
}

function add(metrics: Metrics, row: RollupRow): void {
  const name = baseName(row.metric);
  let acc = metrics.get(name);
  if (!acc) metrics.set(name, (acc = { n: 0, total: 0, hist: new Map() }));
  acc.n += row.n;
  acc.total += row.total;
  addHistogram(acc.hist, row.hist);
}

function stats(metrics: Metrics, name: string): DurationStats {
  const acc = metrics.get(name);
  return acc ? durationStats(acc.hist, acc.n, acc.total) : durationStats(new Map(), 0, 0);
}

export function figuresOf(metrics: Metrics): Figures {
  const count = (name: string) => metrics.get(name)?.n ?? 0;
  return {
    opened: count("opened") + count("opened_agent"),
    openedByAgents: count("opened_agent"),
    closed: count("closed"),
    missed: count("missed"),
    messagesIn: count("message_in"),
    messagesOut: count("message_out"),
    messagesAutomated: count("message_auto"),
    failedSends: count("failed"),
    freeEntryOpened: count("free_entry"),
    assignments: count("assigned"),
    handled: count("handled"),
    firstResponse: stats(metrics, "frt"),
    response: stats(metrics, "rt"),
    resolution: stats(metrics, "res"),
    resolutionActive: stats(metrics, "res_a"),
  };
}

async function readRollup(
  db: D1Database,
  grain: "day" | "hour",
  dim: Dim | "all",
  fromSlot: number,
  toSlot: number,
  metrics: string[],
): Promise<RollupRow[]> {
  const { results } = await db
    .prepare(
      `SELECT dim_id, slot, metric, n, total, hist FROM report_rollup
       WHERE grain = ?1 AND dim = ?2 AND slot BETWEEN ?3 AND ?4 AND metric IN (SELECT value FROM json_each(?5))`,
    )
    .bind(grain, dim, fromSlot, toSlot, JSON.stringify(metrics))
    .all<RollupRow>();
  return results;
}

/** The workspace (reports) timezone: the timezone of the workspace's business hours. */
export async function workspaceTimezone(db: D1Database): Promise<string> {
  const row = await db.prepare("SELECT timezone FROM business_hours WHERE scope_id = '*'").first<{ timezone: string }>();
  return row?.timezone ?? "UTC";
}

export async function summary(db: D1Database, range: DayRange, timezone: string): Promise<SummaryResponse> {
  const rows = await readRollup(db, "day", "all", range.fromDay, range.toDay, [...metricNames(false), ...metricNames(true)]);
  const calendar: Metrics = new Map();
  const business: Metrics = new Map();
  for (const row of rows) add(row.metric.endsWith("_b") || row.metric === "res_ab" ? business : calendar, row);
  return { from: range.from, to: range.to, timezone, calendar: figuresOf(calendar), businessHours: figuresOf(business) };
}

const NAME_QUERIES: Record<Dim, string> = {
  agent: "SELECT id, name FROM users WHERE id IN (SELECT value FROM json_each(?1))",
  team: "SELECT id, name FROM teams WHERE id IN (SELECT value FROM json_each(?1))",
  channel: "SELECT id, coalesce(name, display_phone_number, phone_number_id) AS name FROM channels WHERE id IN (SELECT value FROM json_each(?1))",
  label: "SELECT id, name FROM labels WHERE id IN (SELECT value FROM json_each(?1))",
};

async function namesOf(db: D1Database, dim: Dim, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { results } = await db.prepare(NAME_QUERIES[dim]).bind(JSON.stringify(ids)).all<{ id: string; name: string | null }>();
  return new Map(results.map((r) => [r.id, r.name ?? r.id]));
}

/** Figures per agent, team, channel or label over the range; busiest first. */
export async function breakdownByDim(
  db: D1Database,
  range: DayRange,
  timezone: string,
  dim: Dim,
  business: boolean,
): Promise<BreakdownResponse> {
  const rows = await readRollup(db, "day", dim, range.fromDay, range.toDay, metricNames(business));
  const byId = new Map<string, Metrics>();
  for (const row of rows) {
    let metrics = byId.get(row.dim_id);
    if (!metrics) byId.set(row.dim_id, (metrics = new Map()));
    add(metrics, row);
  }
  const names = await namesOf(db, dim, [...byId.keys()]);
  const out = [...byId.entries()].map(([key, metrics]) => ({
    key,
    // A deleted label or team keeps its figures under its id.
    name: names.get(key) ?? key,
    figures: figuresOf(metrics),
  }));
  out.sort((a, b) => b.figures.messagesIn + b.figures.messagesOut - (a.figures.messagesIn + a.figures.messagesOut) || a.name.localeCompare(b.name));
  return { from: range.from, to: range.to, timezone, by: dim, bucket: null, businessHours: business, rows: out };
}

/** The bucket a local day falls in, as its key (its first day or hour). */
function bucketKey(day: number, size: Exclude<Bucket, "hour">): string {
  if (size === "day") return isoDateOfDay(day);
  if (size === "week") return isoDateOfDay(day - weekdayOfDay(day));
  return isoDateOfDay(day).slice(0, 7);
}

/** Figures per hour, day, ISO week (from Monday) or month, every bucket of the range included. */
export async function breakdownByBucket(
  db: D1Database,
  range: DayRange,
  timezone: string,
  size: Bucket,
  business: boolean,
): Promise<BreakdownResponse> {
  const buckets = new Map<string, Metrics>();
  if (size === "hour") {
    for (let hour = range.fromDay * 24; hour <= range.toDay * 24 + 23; hour++) buckets.set(hourKey(hour), new Map());
    const rows = await readRollup(db, "hour", "all", range.fromDay * 24, range.toDay * 24 + 23, metricNames(business));
    for (const row of rows) add(buckets.get(hourKey(row.slot))!, row);
  } else {
    for (let day = range.fromDay; day <= range.toDay; day++) {
      const key = bucketKey(day, size);
      if (!buckets.has(key)) buckets.set(key, new Map());
    }
    const rows = await readRollup(db, "day", "all", range.fromDay, range.toDay, metricNames(business));
    for (const row of rows) add(buckets.get(bucketKey(row.slot, size))!, row);
  }
  return {
    from: range.from,
    to: range.to,
    timezone,
    by: "bucket",
    bucket: size,
    businessHours: business,
    rows: [...buckets.entries()].map(([key, metrics]) => ({ key, name: key, figures: figuresOf(metrics) })),
  };
}

function hourKey(hour: number): string {
  const day = Math.floor(hour / 24);
  return `${isoDateOfDay(day)}T${String(hour - day * 24).padStart(2, "0")}:00`;
}

interface WorkloadRow {
  id: string;
  name: string;
  role: "owner" | "manager" | "agent";
  availability: "online" | "away" | "offline";
  open_now: number;
  pending_now: number;
  capacity: number | null;
}

/**
 * Everyone active now with their open and pending threads and the tightest capacity of their
 * teams' automatic-assignment policies (the leaderboard's "workload now" and the live view).
 */
export function workloadStatement(db: D1Database): D1PreparedStatement {
  return db.prepare(
    `SELECT u.id, u.name, u.role, u.availability,
       (SELECT count(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status = 'open') AS open_now,
       (SELECT count(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status = 'pending') AS pending_now,
       (SELECT min(p.capacity) FROM team_members m JOIN assignment_policies p ON p.scope = 'team' AND p.scope_id = m.team_id
         WHERE m.user_id = u.id AND p.strategy <> 'manual' AND p.capacity IS NOT NULL) AS capacity
     FROM users u WHERE u.active = 1 ORDER BY u.name, u.id`,
  );
}

export type { WorkloadRow };

/**
 * Agents side by side: threads handled, first response and resolution (median, p90), response
 * times, and their workload now. Lists every active agent, and anyone else (a Manager or Owner
 * who answers customers) with figures in the range or threads now.
 */
export async function leaderboard(db: D1Database, range: DayRange, timezone: string, business: boolean): Promise<LeaderboardResponse> {
  const [rows, workload] = await Promise.all([
    readRollup(db, "day", "agent", range.fromDay, range.toDay, metricNames(business)),
    workloadStatement(db).all<WorkloadRow>(),
  ]);
  const byId = new Map<string, Metrics>();
  for (const row of rows) {
    let metrics = byId.get(row.dim_id);
    if (!metrics) byId.set(row.dim_id, (metrics = new Map()));
    add(metrics, row);
  }
  const agents = workload.results
    .filter((u) => u.role === "agent" || byId.has(u.id) || u.open_now + u.pending_now > 0)
    .map((u) => {
      const figures = figuresOf(byId.get(u.id) ?? new Map());
      return {
        agentId: u.id,
        name: u.name,
        role: u.role,
        availability: u.availability,
        handled: figures.handled,
        firstResponse: figures.firstResponse,
        response: figures.response,
        resolution: figures.resolution,
        openNow: u.open_now,
        pendingNow: u.pending_now,
        capacity: u.capacity,
      };
    });
  agents.sort((a, b) => b.handled - a.handled || a.name.localeCompare(b.name));
  return { from: range.from, to: range.to, timezone, businessHours: business, agents };
}
