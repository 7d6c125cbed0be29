/**
 * Reading and changing business hours (the workspace default '*' and per channel), and keeping
 * what depends on them right:
 * - the open-hours intervals of the scope (worker/reports/open-hours.ts),
 * - report_tz, when the workspace timezone changes (days and hours of the rollups move),
 * - the business-time columns of the facts the change concerns, then the rollups.
 * Facts keep their calendar values; only what depends on the hours is recomputed, so changing the
 * hours later answers "how fast, in business hours" for the past too.
 */
import type { BusinessHours, BusinessHoursResponse } from "../contracts/reports";
import { ALWAYS_OPEN, openIntervals, type BusinessHoursConfig } from "./open-hours";
import { rollupSql } from "./rollup";
import { offsetChanges } from "./time-zones";

const WORKSPACE = "*";
const PIECE = 604_800_000;
/** Rows per INSERT of open hours (each is a JSON array bound as one parameter). */
const OPEN_HOURS_PER_STATEMENT = 2_000;
/** Facts recomputed (or re-aggregated) per statement: keeps each statement short. */
const REBUILD_CHUNK_MS = 14 * 86_400_000;

interface HoursRow {
  scope_id: string;
  timezone: string;
  weekly: string;
  holidays: string;
}

function toConfig(row: HoursRow): BusinessHours {
  return { timezone: row.timezone, weekly: JSON.parse(row.weekly) as BusinessHours["weekly"], holidays: JSON.parse(row.holidays) as string[] };
}

export async function readBusinessHours(db: D1Database): Promise<BusinessHoursResponse> {
  const [hours, channels] = await db.batch([
    db.prepare("SELECT scope_id, timezone, weekly, holidays FROM business_hours"),
    db.prepare("SELECT id, name, display_phone_number FROM channels ORDER BY created_at, id"),
  ]);
  const byScope = new Map((hours!.results as unknown as HoursRow[]).map((r) => [r.scope_id, toConfig(r)]));
  return {
    workspace: byScope.get(WORKSPACE) ?? ALWAYS_OPEN,
    channels: (channels!.results as Array<{ id: string; name: string | null; display_phone_number: string | null }>).map((c) => ({
      channelId: c.id,
      name: c.name,
      displayPhoneNumber: c.display_phone_number,
      hours: byScope.get(c.id) ?? null,
    })),
  };
}

export async function channelExists(db: D1Database, channelId: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS x FROM channels WHERE id = ?").bind(channelId).first()) !== null;
}

/** Replace a scope's open hours (delete + inserts, in one batch). */
function openHoursStatements(db: D1Database, scope: string, config: BusinessHoursConfig): D1PreparedStatement[] {
  const intervals = openIntervals(config);
  const statements = [db.prepare("DELETE FROM report_open_hours WHERE scope_id = ?").bind(scope)];
  for (let i = 0; i < intervals.length; i += OPEN_HOURS_PER_STATEMENT) {
    statements.push(
      db
        .prepare(
          `INSERT INTO report_open_hours (scope_id, start_at, end_at)
           SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2)`,
        )
        .bind(scope, JSON.stringify(intervals.slice(i, i + OPEN_HOURS_PER_STATEMENT))),
    );
  }
  return statements;
}

/** The workspace timezone's offsets, from the epoch on (the rollup trigger reads them). */
function timezoneStatements(db: D1Database, timezone: string): D1PreparedStatement[] {
  const changes = offsetChanges(timezone, Date.UTC(1970, 0, 1), Date.UTC(2045, 0, 1));
  changes[0]!.from = 0;
  return [
    db.prepare("DELETE FROM report_tz"),
    db.prepare("INSERT INTO report_tz (from_at, offset_ms) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)").bind(
      JSON.stringify(changes.map((c) => [c.from, c.offset])),
    ),
  ];
}

/**
 * Set the workspace hours (and with them the reports' timezone). Recomputes the business time of
 * every fact of a channel without hours of its own, and the rollups.
 */
export async function setWorkspaceHours(db: D1Database, config: BusinessHoursConfig, now = Date.now()): Promise<void> {
  const before = await db.prepare("SELECT timezone FROM business_hours WHERE scope_id = '*'").first<{ timezone: string }>();
  await db.batch([
    upsertStatement(db, WORKSPACE, config, now),
    ...openHoursStatements(db, WORKSPACE, config),
    ...(before?.timezone !== config.timezone ? timezoneStatements(db, config.timezone) : []),
  ]);
  await recomputeBusinessTime(db, WORKSPACE);
  await rebuildRollups(db);
}

/** Give a channel hours of its own (config) or make it follow the workspace again (null). */
export async function setChannelHours(db: D1Database, channelId: string, config: BusinessHoursConfig | null, now = Date.now()): Promise<void> {
  if (config) await db.batch([upsertStatement(db, channelId, config, now), ...openHoursStatements(db, channelId, config)]);
  else {
    await db.batch([
      db.prepare("DELETE FROM business_hours WHERE scope_id = ?").bind(channelId),
      db.prepare("DELETE FROM report_open_hours WHERE scope_id = ?").bind(channelId),
    ]);
  }
  // Back to the workspace hours: its facts now resolve to '*'.
  await recomputeBusinessTime(db, config ? channelId : WORKSPACE);
  await rebuildRollups(db);
}

function upsertStatement(db: D1Database, scope: string, config: BusinessHoursConfig, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO business_hours (scope_id, timezone, weekly, holidays, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (scope_id) DO UPDATE SET timezone = excluded.timezone, weekly = excluded.weekly,
         holidays = excluded.holidays, updated_at = excluded.updated_at`,
    )
    .bind(scope, config.timezone, JSON.stringify(config.weekly), JSON.stringify([...new Set(config.holidays)].sort()), now);
}

const bucket = (expr: string) =>
  `CASE WHEN ${expr} IS NULL THEN NULL ELSE (SELECT idx FROM report_buckets WHERE lower_ms <= ${expr} ORDER BY lower_ms DESC LIMIT 1) END`;
const overlap = (scope: string, start: string, end: string) =>
  `(SELECT coalesce(sum(min(${end}, h.end_at) - max(${start}, h.start_at)), 0) FROM report_open_hours h
     WHERE h.scope_id = ${scope} AND h.start_at > ${start} - ${PIECE} AND h.start_at < ${end} AND h.end_at > ${start})`;

/**
 * The business-time columns of the facts whose hours come from `scope` ('*': channels without
 * their own; else that channel), recomputed with the same arithmetic as the fact writer.
 */
async function recomputeBusinessTime(db: D1Database, scope: string): Promise<void> {
  const span = await db.prepare("SELECT min(at) AS lo, max(at) AS hi FROM report_facts").first<{ lo: number | null; hi: number | null }>();
  if (span?.lo == null || span.hi == null) return;
  const hoursScope = `coalesce((SELECT scope_id FROM business_hours WHERE scope_id = r.channel_id), '*')`;
  const statement = db.prepare(
    `UPDATE report_facts SET business_ms = x.biz, business_bucket = ${bucket("x.biz")},
       active_business_ms = x.active_biz, active_business_bucket = ${bucket("x.active_biz")}, in_hours = x.in_hours
     FROM (
       SELECT id, biz, CASE WHEN active_ms IS NULL THEN NULL ELSE max(0, biz - paused) END AS active_biz, in_hours FROM (
         SELECT r.id, r.active_ms,
           CASE WHEN r.value_ms IS NULL THEN NULL ELSE ${overlap("?1", "r.start_at", "r.at")} END AS biz,
           CASE WHEN r.active_ms IS NULL THEN 0 ELSE (
             SELECT coalesce(sum(${overlap("?1", "json_extract(p.value, '$[0]')", "json_extract(p.value, '$[1]')")}), 0)
             FROM json_each(coalesce(r.pauses, '[]')) p) END AS paused,
           EXISTS (SELECT 1 FROM report_open_hours h WHERE h.scope_id = ?1 AND h.start_at > r.at - ${PIECE} AND h.start_at <= r.at AND h.end_at > r.at) AS in_hours
         FROM report_facts r WHERE r.at >= ?2 AND r.at < ?3 AND ${hoursScope} = ?1
       )
     ) x
     WHERE report_facts.id = x.id`,
  );
  const statements: D1PreparedStatement[] = [];
  for (let from = span.lo; from <= span.hi; from += REBUILD_CHUNK_MS) statements.push(statement.bind(scope, from, from + REBUILD_CHUNK_MS));
  await db.batch(statements);
}

/**
 * Re-aggregate report_rollup from report_facts with the same expansion as the queue consumer's
 * fold (worker/reports/rollup.ts), after the timezone or business time changed. Chunked by
 * fact time; chunks that meet in one local day merge their counts, sums and histograms.
 */
export async function rebuildRollups(db: D1Database): Promise<void> {
  const span = await db.prepare("SELECT min(at) AS lo, max(at) AS hi FROM report_facts").first<{ lo: number | null; hi: number | null }>();
  // Facts still waiting for the queue consumer's fold are counted by this rebuild: forget them.
  const statements: D1PreparedStatement[] = [db.prepare("DELETE FROM report_rollup"), db.prepare("DELETE FROM report_rollup_pending")];
  if (span?.lo != null && span.hi != null) {
    const insert = db.prepare(REBUILD_SQL);
    for (let from = span.lo; from <= span.hi; from += REBUILD_CHUNK_MS) statements.push(insert.bind(from, from + REBUILD_CHUNK_MS));
  }
  await db.batch(statements);
}

const REBUILD_SQL = rollupSql("report_facts r WHERE r.metric IS NOT NULL AND r.at >= ?1 AND r.at < ?2");
