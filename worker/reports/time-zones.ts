/**
 * Time-zone arithmetic with the Intl API only (no tz database in the bundle): the UTC offset of an
 * IANA zone at an instant, the list of offset changes (DST) over a period, and local wall-clock
 * time → UTC. Offsets are in milliseconds to ADD to UTC to get local time (Tokyo: +9 h).
 */

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows this IANA zone ("Asia/Tokyo", "UTC"). */
export function isTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== "string" || timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's UTC offset (ms) in force at instant `t`. */
export function offsetAt(timeZone: string, t: number): number {
  const parts = formatter(timeZone).formatToParts(new Date(t));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return local - (t - (((t % 1000) + 1000) % 1000));
}

export interface OffsetChange {
  /** From this instant (UTC ms) on… */
  from: number;
  /** …local time is UTC + this. */
  offset: number;
}

/**
 * Every offset in force over [from, to): the first entry starts at `from`, then one per change,
 * found to the minute. Zones change their offset at most a few times a year, so probing once a
 * day and bisecting where it differs finds every change (two changes within one day do not
 * happen in any zone in use).
 */
export function offsetChanges(timeZone: string, from: number, to: number): OffsetChange[] {
  const changes: OffsetChange[] = [{ from, offset: offsetAt(timeZone, from) }];
  let previous = changes[0]!.offset;
  for (let t = from + DAY_MS; t < to + DAY_MS; t += DAY_MS) {
    const offset = offsetAt(timeZone, Math.min(t, to));
    if (offset === previous) continue;
    // Bisect (t - 1 day, t] to the minute where the new offset starts.
    let lo = t - DAY_MS;
    let hi = Math.min(t, to);
    while (hi - lo > MINUTE_MS) {
      const mid = lo + Math.max(MINUTE_MS, Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS);
      if (offsetAt(timeZone, mid) === previous) lo = mid;
      else hi = mid;
    }
    changes.push({ from: hi, offset });
    previous = offset;
  }
  return changes;
}

/** The offset in force at `t` according to `changes` (sorted by `from`). */
export function offsetIn(changes: readonly OffsetChange[], t: number): number {
  let lo = 0;
  let hi = changes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (changes[mid]!.from <= t) lo = mid;
    else hi = mid - 1;
  }
  return changes[lo]!.offset;
}

/**
 * The instant at which the wall clock reads `local` (local time expressed as if it were UTC ms).
 * In a spring-forward gap (02:30 that never happens) it answers the instant one offset later;
 * in a fall-back overlap, the first of the two.
 */
export function localToUtc(changes: readonly OffsetChange[], local: number): number {
  // Offsets stay within ±14 h, so the ones in force a day either side cover every candidate.
  const candidates = new Set([offsetIn(changes, local - DAY_MS), offsetIn(changes, local), offsetIn(changes, local + DAY_MS)]);
  let best: number | null = null;
  for (const offset of candidates) {
    const t = local - offset;
    if (offsetIn(changes, t) === offset && (best === null || t < best)) best = t;
  }
  return best ?? local - offsetIn(changes, local - DAY_MS);
}

/** The local calendar day number (days since 1970-01-01 in local time) of instant `t`. */
export function localDay(timeZone: string, t: number): number {
  return Math.floor((t + offsetAt(timeZone, t)) / DAY_MS);
}

/** "2026-03-02" → its day number; null when it is not a real date. */
export function dayOfIsoDate(date: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(y, m - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

/** Day number → "2026-03-02". */
export function isoDateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOfDay(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}
