/**
 * Folding report facts into `report_rollup` (pre-aggregated counts, sums and duration histograms
 * per workspace-local day and hour; docs/reports.md). One grouped statement does a whole set of
 * facts: every fact adds 1 to n (and its duration to total and to its histogram bucket) in
 *   grain 'day'  × dims all, agent, team, channel and each label the thread has now,
 *   grain 'hour' × dim all,
 * and for each variant: '' (calendar), '_b' (business hours: business time for durations, "it
 * happened within business hours" for counts), '_a' and '_ab' (resolution without pending and
 * snoozed time, calendar and business). Slots are days/hours in the workspace timezone, found
 * through report_tz (the offset in force at the fact's time). Rows that already exist merge their
 * counts, sums and histograms, so the statement can run again on more facts at any time.
 *
 * Used two ways: by the queue consumer for the facts a batch really inserted (ids noted in
 * report_rollup_pending by the trigger of migrations/0012_deferred_rollups.sql), and by
 * rebuildRollups (worker/reports/business-hours.ts) over a time range after the hours changed.
 */

/** The statement, over the facts `source` selects (a FROM clause naming `report_facts r`). */
export function rollupSql(source: string): string {
  return `
WITH f AS (
  SELECT r.conversation_id, r.agent_id, r.team_id, r.channel_id, r.metric, r.value_ms, r.value_bucket, r.business_ms, r.business_bucket,
    r.active_ms, r.active_bucket, r.active_business_ms, r.active_business_bucket, r.in_hours,
    r.at + coalesce((SELECT offset_ms FROM report_tz WHERE from_at <= r.at ORDER BY from_at DESC LIMIT 1), 0) AS local
  FROM ${source}
),
fd AS (
  SELECT f.*, 'all' AS dim, '' AS dim_id FROM f
  UNION ALL SELECT f.*, 'agent', f.agent_id FROM f WHERE f.agent_id IS NOT NULL
  UNION ALL SELECT f.*, 'team', f.team_id FROM f WHERE f.team_id IS NOT NULL
  UNION ALL SELECT f.*, 'channel', f.channel_id FROM f
  UNION ALL SELECT f.*, 'label', cl.label_id FROM f JOIN conversation_labels cl ON cl.conversation_id = f.conversation_id
),
fg AS (
  SELECT fd.*, 'day' AS grain, fd.local / 86400000 AS slot FROM fd
  UNION ALL SELECT fd.*, 'hour', fd.local / 3600000 FROM fd WHERE fd.dim = 'all'
),
fv AS (
  SELECT grain, dim, dim_id, slot, metric, value_ms AS ms, value_bucket AS bucket FROM fg
  UNION ALL SELECT grain, dim, dim_id, slot, metric || '_b', business_ms, business_bucket FROM fg WHERE business_ms IS NOT NULL
  UNION ALL SELECT grain, dim, dim_id, slot, metric || '_b', NULL, NULL FROM fg WHERE value_ms IS NULL AND in_hours = 1
  UNION ALL SELECT grain, dim, dim_id, slot, metric || '_a', active_ms, active_bucket FROM fg WHERE active_ms IS NOT NULL
  UNION ALL SELECT grain, dim, dim_id, slot, metric || '_ab', active_business_ms, active_business_bucket FROM fg WHERE active_business_ms IS NOT NULL
),
per_bucket AS (
  SELECT grain, dim, dim_id, slot, metric, bucket, count(*) AS n, coalesce(sum(ms), 0) AS total
  FROM fv GROUP BY grain, dim, dim_id, slot, metric, bucket
)
INSERT INTO report_rollup (grain, dim, dim_id, slot, metric, n, total, hist)
SELECT grain, dim, dim_id, slot, metric, sum(n), sum(total),
  CASE WHEN count(bucket) = 0 THEN NULL ELSE json_group_object(CAST(bucket AS TEXT), json_array(n, total)) END
FROM per_bucket WHERE true GROUP BY grain, dim, dim_id, slot, metric
ON CONFLICT (grain, dim, slot, dim_id, metric) DO UPDATE SET
  n = n + excluded.n,
  total = total + excluded.total,
  hist = CASE WHEN excluded.hist IS NULL THEN report_rollup.hist WHEN report_rollup.hist IS NULL THEN excluded.hist ELSE (
    SELECT json_group_object(key, json_array(n, t)) FROM (
      SELECT key, sum(json_extract(value, '$[0]')) AS n, sum(json_extract(value, '$[1]')) AS t
      FROM (SELECT key, value FROM json_each(report_rollup.hist) UNION ALL SELECT key, value FROM json_each(excluded.hist))
      GROUP BY key)) END`;
}

/** The facts inserted since the last fold (noted by the trigger), with a duration or a count to add. */
export const ROLLUP_PENDING_SQL = rollupSql("report_rollup_pending p JOIN report_facts r ON r.id = p.id WHERE r.metric IS NOT NULL");

/**
 * Fold the noted facts into the rollups and forget them — to run LAST in the batch (transaction)
 * that inserted the facts, so a fact is counted exactly when it is inserted, once.
 */
export function rollupPendingStatements(db: D1Database): D1PreparedStatement[] {
  return [db.prepare(ROLLUP_PENDING_SQL), db.prepare("DELETE FROM report_rollup_pending")];
}
