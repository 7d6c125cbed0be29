/**
 * CSV export of every report table. Serialised by papaparse's `unparse` (RFC 4180: fields with a
 * comma, quote or line break are quoted, quotes doubled, CRLF line ends) with `escapeFormulae`, so a
 * name a customer or agent chose ("=HYPERLINK(…)") opens as text in a spreadsheet, never as a
 * formula. A UTF-8 byte-order mark goes first so spreadsheet apps read Japanese names right.
 * Durations are in seconds (rounded), the unit a spreadsheet user expects.
 */
import Papa from "papaparse";
import type { BreakdownResponse, DurationStats, Figures, LeaderboardResponse, LiveSnapshot, SummaryResponse } from "../contracts/reports";

type Cell = string | number | boolean | null;

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));

function durationColumns(prefix: string, stats: DurationStats): Record<string, Cell> {
  return {
    [`${prefix}_count`]: stats.count,
    [`${prefix}_median_s`]: seconds(stats.median),
    [`${prefix}_p90_s`]: seconds(stats.p90),
    [`${prefix}_mean_s`]: seconds(stats.mean),
  };
}

function figureColumns(f: Figures): Record<string, Cell> {
  return {
    opened: f.opened,
    opened_by_agents: f.openedByAgents,
    closed: f.closed,
    missed: f.missed,
    messages_in: f.messagesIn,
    messages_out: f.messagesOut,
    messages_automated: f.messagesAutomated,
    failed_sends: f.failedSends,
    free_entry_windows: f.freeEntryOpened,
    assignments: f.assignments,
    handled: f.handled,
    ...durationColumns("first_response", f.firstResponse),
    ...durationColumns("response", f.response),
    ...durationColumns("resolution", f.resolution),
    ...durationColumns("resolution_without_pauses", f.resolutionActive),
  };
}

export function toCsv(rows: Array<Record<string, Cell>>, fields?: string[]): string {
  const columns = fields ?? Object.keys(rows[0] ?? {});
  return `\uFEFF${Papa.unparse({ fields: columns, data: rows.map((r) => columns.map((c) => r[c] ?? null)) }, { escapeFormulae: true, newline: "\r\n" })}\r\n`;
}

export function summaryCsv(s: SummaryResponse): string {
  const calendar = figureColumns(s.calendar);
  const business = figureColumns(s.businessHours);
  return toCsv(
    Object.keys(calendar).map((metric) => ({ metric, calendar: calendar[metric] ?? null, business_hours: business[metric] ?? null })),
    ["metric", "calendar", "business_hours"],
  );
}

export function breakdownCsv(b: BreakdownResponse): string {
  const fields = ["key", "name", ...Object.keys(figureColumns(emptyFigures))];
  return toCsv(
    b.rows.map((r) => ({ key: r.key, name: r.name, ...figureColumns(r.figures) })),
    fields,
  );
}

export function leaderboardCsv(l: LeaderboardResponse): string {
  return toCsv(
    l.agents.map((a) => ({
      agent_id: a.agentId,
      name: a.name,
      role: a.role,
      availability: a.availability,
      handled: a.handled,
      ...durationColumns("first_response", a.firstResponse),
      ...durationColumns("response", a.response),
      ...durationColumns("resolution", a.resolution),
      open_now: a.openNow,
      pending_now: a.pendingNow,
      capacity: a.capacity,
    })),
    [
      "agent_id", "name", "role", "availability", "handled",
      ...Object.keys(durationColumns("first_response", emptyStats)),
      ...Object.keys(durationColumns("response", emptyStats)),
      ...Object.keys(durationColumns("resolution", emptyStats)),
      "open_now", "pending_now", "capacity",
    ],
  );
}

export function liveCsv(live: LiveSnapshot): string {
  return toCsv(
    live.agents.map((a) => ({
      agent_id: a.id,
      name: a.name,
      role: a.role,
      availability: a.availability,
      connected: a.connected,
      open: a.open,
      pending: a.pending,
      capacity: a.capacity,
    })),
    ["agent_id", "name", "role", "availability", "connected", "open", "pending", "capacity"],
  );
}

const emptyStats: DurationStats = { count: 0, mean: null, median: null, p90: null };
const emptyFigures: Figures = {
  opened: 0,
  openedByAgents: 0,
  closed: 0,
  missed: 0,
  messagesIn: 0,
  messagesOut: 0,
  messagesAutomated: 0,
  failedSends: 0,
  freeEntryOpened: 0,
  assignments: 0,
  handled: 0,
  firstResponse: emptyStats,
  response: emptyStats,
  resolution: emptyStats,
  resolutionActive: emptyStats,
};
