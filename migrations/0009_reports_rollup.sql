-- Reports (issue 6): what drizzle cannot declare — the trigger that keeps report_rollup in step
-- with report_facts, the histogram's bucket bounds, and the defaults (UTC, open all week).
--
-- The trigger runs only for a row that was really inserted: the Conversation DO writes facts
-- with INSERT OR IGNORE and a deterministic id, so a replayed fact is ignored and counted once.
-- Each fact adds 1 to n (and its duration to total and to its histogram bucket) in:
--   grain 'day'  × dims all, agent, team, channel and each label the thread has now,
--   grain 'hour' × dim all,
-- and for each variant: '' (calendar), '_b' (business hours: business time for durations, "it
-- happened within business hours" for counts), '_a' and '_ab' (resolution without pending and
-- snoozed time, calendar and business). Slots are days/hours in the workspace timezone, found
-- through report_tz (the offset in force at the fact's time).
CREATE TRIGGER `report_facts_rollup` AFTER INSERT ON `report_facts` WHEN NEW.`metric` IS NOT NULL BEGIN
	INSERT INTO `report_rollup` (`grain`, `dim`, `dim_id`, `slot`, `metric`, `n`, `total`, `hist`)
	SELECT g.grain, d.dim, d.dim_id, g.slot, NEW.`metric` || v.suffix, 1, coalesce(v.ms, 0),
		CASE WHEN v.bucket IS NULL THEN NULL ELSE json_object(CAST(v.bucket AS TEXT), json_array(1, v.ms)) END
	FROM (
		SELECT 'day' AS grain, (NEW.`at` + o.off) / 86400000 AS slot
		FROM (SELECT coalesce((SELECT `offset_ms` FROM `report_tz` WHERE `from_at` <= NEW.`at` ORDER BY `from_at` DESC LIMIT 1), 0) AS off) o
		UNION ALL
		SELECT 'hour', (NEW.`at` + o.off) / 3600000
		FROM (SELECT coalesce((SELECT `offset_ms` FROM `report_tz` WHERE `from_at` <= NEW.`at` ORDER BY `from_at` DESC LIMIT 1), 0) AS off) o
	) g
	JOIN (
		SELECT 'all' AS dim, '' AS dim_id
		UNION ALL SELECT 'agent', NEW.`agent_id` WHERE NEW.`agent_id` IS NOT NULL
		UNION ALL SELECT 'team', NEW.`team_id` WHERE NEW.`team_id` IS NOT NULL
		UNION ALL SELECT 'channel', NEW.`channel_id`
		UNION ALL SELECT 'label', `label_id` FROM `conversation_labels` WHERE `conversation_id` = NEW.`conversation_id`
	) d ON g.grain = 'day' OR d.dim = 'all'
	JOIN (
		SELECT '' AS suffix, NEW.`value_ms` AS ms, NEW.`value_bucket` AS bucket
		UNION ALL SELECT '_b', NEW.`business_ms`, NEW.`business_bucket` WHERE NEW.`business_ms` IS NOT NULL
		UNION ALL SELECT '_b', NULL, NULL WHERE NEW.`value_ms` IS NULL AND NEW.`in_hours` = 1
		UNION ALL SELECT '_a', NEW.`active_ms`, NEW.`active_bucket` WHERE NEW.`active_ms` IS NOT NULL
		UNION ALL SELECT '_ab', NEW.`active_business_ms`, NEW.`active_business_bucket` WHERE NEW.`active_business_ms` IS NOT NULL
	) v
	WHERE true
	ON CONFLICT (`grain`, `dim`, `slot`, `dim_id`, `metric`) DO UPDATE SET
		`n` = `n` + 1,
		`total` = `total` + excluded.`total`,
		`hist` = CASE WHEN excluded.`hist` IS NULL THEN `report_rollup`.`hist` ELSE (
			SELECT json_set(coalesce(`report_rollup`.`hist`, '{}'), '$."' || e.key || '"',
				json_array(
					coalesce(json_extract(`report_rollup`.`hist`, '$."' || e.key || '"[0]'), 0) + 1,
					coalesce(json_extract(`report_rollup`.`hist`, '$."' || e.key || '"[1]'), 0) + json_extract(e.value, '$[1]')))
			FROM json_each(excluded.`hist`) e) END;
END;
--> statement-breakpoint
-- Histogram buckets: 0 is under one second; bucket i ≥ 1 starts at 1 s × 1.05^(i-1), so a bucket is
-- 5% wide and 420 of them reach past 20 years. worker/reports/histogram.ts builds the same bounds.
INSERT INTO `report_buckets` (`idx`, `lower_ms`)
WITH RECURSIVE b(idx, lower_ms) AS (SELECT 1, 1000.0 UNION ALL SELECT idx + 1, lower_ms * 1.05 FROM b WHERE idx < 420)
SELECT 0, 0.0 UNION ALL SELECT idx, lower_ms FROM b;
--> statement-breakpoint
-- Until someone sets them: the workspace is in UTC and open around the clock (business time then
-- equals calendar time). Open hours are materialised from 2015-01-01 to 2045-01-01 in pieces of at
-- most 7 days (worker/reports/open-hours.ts explains why).
INSERT INTO `business_hours` (`scope_id`, `timezone`, `weekly`, `holidays`, `updated_at`) VALUES (
	'*', 'UTC',
	'{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]}',
	'[]', 0);
--> statement-breakpoint
INSERT INTO `report_open_hours` (`scope_id`, `start_at`, `end_at`)
WITH RECURSIVE w(start_at) AS (SELECT 1420070400000 UNION ALL SELECT start_at + 604800000 FROM w WHERE start_at + 604800000 < 2366841600000)
SELECT '*', start_at, min(start_at + 604800000, 2366841600000) FROM w;
--> statement-breakpoint
INSERT INTO `report_tz` (`from_at`, `offset_ms`) VALUES (0, 0);
