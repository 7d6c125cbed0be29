/**
 * Business hours: weekly hours per weekday in an IANA timezone, plus holiday dates — turned into
 * absolute UTC intervals ("open hours") so that business time is plain interval arithmetic, in
 * JavaScript here and in SQL over the `report_open_hours` table (worker/reports/fact-writer.ts).
 *
 * The intervals are materialised from 2015-01-01 to 2045-01-01 (OPEN_HOURS_FROM/TO): business time
 * outside that horizon is zero. No interval is longer than 7 days (MAX_PIECE_MS), so SQL finds the
 * intervals overlapping [s, e) with a range on the primary key (start_at between s − 7 days and e)
 * instead of scanning a zone's whole history.
 */
import { dayOfIsoDate, isoDateOfDay, isTimeZone, localToUtc, offsetChanges, weekdayOfDay, type OffsetChange } from "./time-zones";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "09:00"–"18:00" local; "24:00" ends at midnight. */
export type Span = [string, string];

export interface BusinessHoursConfig {
  timezone: string;
  weekly: Record<Weekday, Span[]>;
  /** Local dates ("2026-01-01") with no business hours. */
  holidays: string[];
}

export const OPEN_HOURS_FROM = Date.UTC(2015, 0, 1);
export const OPEN_HOURS_TO = Date.UTC(2045, 0, 1);
export const MAX_PIECE_MS = 7 * 86_400_000;
const DAY_MS = 86_400_000;

/** Open around the clock in UTC: what a workspace has until someone sets its hours. */
export const ALWAYS_OPEN: BusinessHoursConfig = {
  timezone: "UTC",
  weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, [["00:00", "24:00"]]])) as Record<Weekday, Span[]>,
  holidays: [],
};

/** "09:30" → 570. */
export function minutesOf(time: string): number {
  const [h, m] = time.split(":").map(Number);
  return h! * 60 + m!;
}

/**
 * What is wrong with a configuration the contract's shape already accepted, as "field: sentence",
 * or null. Checked in the route (valibot's custom checks would not convert to JSON Schema).
 */
export function businessHoursProblem(config: BusinessHoursConfig): string | null {
  if (!isTimeZone(config.timezone)) return `timezone: "${config.timezone}" is not an IANA time zone such as Asia/Tokyo.`;
  for (const day of WEEKDAYS) {
    const spans = [...config.weekly[day]].sort((a, b) => minutesOf(a[0]) - minutesOf(b[0]));
    for (const [i, [start, end]] of spans.entries()) {
      if (minutesOf(start) >= minutesOf(end)) return `weekly.${day}: ${start}–${end} must end after it starts (use two spans across midnight).`;
      const next = spans[i + 1];
      if (next && minutesOf(next[0]) < minutesOf(end)) return `weekly.${day}: ${start}–${end} overlaps ${next[0]}–${next[1]}.`;
    }
  }
  for (const date of config.holidays) {
    if (dayOfIsoDate(date) === null) return `holidays: "${date}" is not a date (YYYY-MM-DD).`;
  }
  return null;
}

/**
 * The configuration's open intervals over [from, to) as sorted, disjoint [start, end) pairs of
 * UTC ms, adjacent ones merged, then cut into pieces of at most MAX_PIECE_MS.
 */
export function openIntervals(config: BusinessHoursConfig, from = OPEN_HOURS_FROM, to = OPEN_HOURS_TO): Array<[number, number]> {
  const changes: OffsetChange[] = offsetChanges(config.timezone, from - 2 * DAY_MS, to + 2 * DAY_MS);
  const holidays = new Set(config.holidays);
  const merged: Array<[number, number]> = [];
  const firstDay = Math.floor(from / DAY_MS) - 1;
  const lastDay = Math.ceil(to / DAY_MS) + 1;
  for (let day = firstDay; day <= lastDay; day++) {
    const spans = config.weekly[WEEKDAYS[weekdayOfDay(day)]!];
    if (spans.length === 0 || holidays.has(isoDateOfDay(day))) continue;
    const sorted = [...spans].sort((a, b) => minutesOf(a[0]) - minutesOf(b[0]));
    for (const [startTime, endTime] of sorted) {
      const start = Math.max(from, localToUtc(changes, day * DAY_MS + minutesOf(startTime) * 60_000));
      const end = Math.min(to, localToUtc(changes, day * DAY_MS + minutesOf(endTime) * 60_000));
      if (end <= start) continue;
      const last = merged[merged.length - 1];
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
  }
  const pieces: Array<[number, number]> = [];
  for (const [start, end] of merged) {
    for (let s = start; s < end; s += MAX_PIECE_MS) pieces.push([s, Math.min(end, s + MAX_PIECE_MS)]);
  }
  return pieces;
}

/** Business time (ms) within [start, end) given sorted open intervals (the JavaScript twin of the SQL). */
export function businessOverlap(intervals: ReadonlyArray<readonly [number, number]>, start: number, end: number): number {
  let total = 0;
  for (const [s, e] of intervals) {
    if (s >= end) break;
    if (e > start) total += Math.min(e, end) - Math.max(s, start);
  }
  return total;
}

/** Whether instant `t` is within the open intervals. */
export function isOpenAt(intervals: ReadonlyArray<readonly [number, number]>, t: number): boolean {
  return intervals.some(([s, e]) => s <= t && t < e);
}
