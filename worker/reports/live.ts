/**
 * The live view (issue 6): who is online and how loaded, the unassigned queue and its longest wait,
 * open/pending/snoozed counts, threads whose 24-hour window closes within the hour, and today's
 * first-response median so far. One D1 batch (one round trip). The Hub pushes it to Owners and
 * Managers as `metrics.updated` (worker/reports/live-push.ts); GET /api/reports/live answers it too.
 */
import type { DurationStats, LiveSnapshot } from "../contracts/reports";
import { addHistogram, durationStats, type Histogram } from "./histogram";
import { workloadStatement, type WorkloadRow } from "./queries";
import { offsetAt } from "./time-zones";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The live view lists at most this many threads whose window is about to close. */
export const CLOSING_SOON_LIST = 20;

/**
 * `connections`: open sockets per user id (from the Hub), so the view can tell an agent whose
 * inbox is open from one who only left their status on "online".
 */
export async function liveSnapshot(db: D1Database, connections: Record<string, number>, now = Date.now()): Promise<LiveSnapshot> {
  const tzRow = await db.prepare("SELECT timezone FROM business_hours WHERE scope_id = '*'").first<{ timezone: string }>();
  const timezone = tzRow?.timezone ?? "UTC";
  const today = Math.floor((now + offsetAt(timezone, now)) / DAY_MS);
  const [workload, statuses, unassigned, closingCount, closing, firstResponse] = await db.batch([
    workloadStatement(db),
    db.prepare("SELECT status, count(*) AS n FROM conversations WHERE status IN ('open', 'pending', 'snoozed') GROUP BY status"),
    // The customer's last message is when the oldest unanswered one started waiting, at the latest.
    db.prepare(
      `SELECT count(*) AS n, min(CASE WHEN last_message_direction = 'in' THEN last_message_at END) AS oldest
       FROM conversations WHERE assignee_id IS NULL AND status IN ('open', 'pending')`,
    ),
    db.prepare("SELECT count(*) AS n FROM conversations WHERE status <> 'closed' AND window_ends_at > ?1 AND window_ends_at <= ?2").bind(now, now + HOUR_MS),
    db
      .prepare(
        `SELECT c.id, ct.name AS contact_name, c.window_ends_at, u.name AS assignee_name
         FROM conversations c JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN users u ON u.id = c.assignee_id
         WHERE c.status <> 'closed' AND c.window_ends_at > ?1 AND c.window_ends_at <= ?2
         ORDER BY c.window_ends_at LIMIT ${CLOSING_SOON_LIST}`,
      )
      .bind(now, now + HOUR_MS),
    db
      .prepare("SELECT metric, n, total, hist FROM report_rollup WHERE grain = 'day' AND dim = 'all' AND slot = ?1 AND metric IN ('frt', 'frt_b')")
      .bind(today),
  ]);

  const counts = Object.fromEntries((statuses!.results as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]));
  const queue = (unassigned!.results[0] as { n: number; oldest: number | null } | undefined) ?? { n: 0, oldest: null };
  const frt = (metric: string): DurationStats => {
    const row = (firstResponse!.results as Array<{ metric: string; n: number; total: number; hist: string | null }>).find((r) => r.metric === metric);
    const hist: Histogram = new Map();
    addHistogram(hist, row?.hist ?? null);
    return durationStats(hist, row?.n ?? 0, row?.total ?? 0);
  };
  const rank = { online: 0, away: 1, offline: 2 } as const;
  const agents = (workload!.results as unknown as WorkloadRow[])
    .filter((u) => u.role === "agent" || u.open_now + u.pending_now > 0 || u.availability !== "offline")
    .map((u) => ({
      id: u.id,
      name: u.name,
      role: u.role,
      availability: u.availability,
      connected: (connections[u.id] ?? 0) > 0,
      open: u.open_now,
      pending: u.pending_now,
      capacity: u.capacity,
    }))
    .sort((a, b) => rank[a.availability] - rank[b.availability] || b.open + b.pending - (a.open + a.pending) || a.name.localeCompare(b.name));

  return {
    at: now,
    timezone,
    agents,
    unassigned: { count: queue.n, oldestWaitingSince: queue.oldest },
    statuses: { open: counts.open ?? 0, pending: counts.pending ?? 0, snoozed: counts.snoozed ?? 0 },
    windowClosingSoon: {
      count: (closingCount!.results[0] as { n: number } | undefined)?.n ?? 0,
      threads: (closing!.results as Array<{ id: string; contact_name: string | null; window_ends_at: number; assignee_name: string | null }>).map((r) => ({
        id: r.id,
        contactName: r.contact_name,
        windowEndsAt: r.window_ends_at,
        assigneeName: r.assignee_name,
      })),
    },
    firstResponseToday: { calendar: frt("frt"), businessHours: frt("frt_b") },
  };
}
