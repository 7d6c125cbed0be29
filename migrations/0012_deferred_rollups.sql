-- Reports (issue 7): facts no longer roll up one row at a time inside the webhook's D1 batch.
-- The Conversation DO queues its facts (its own SQLite, then the DEFERRED Cloudflare Queue); the
-- queue consumer (worker/reports/deferred.ts) inserts a batch of facts from many threads and folds
-- them into report_rollup with ONE grouped statement (worker/reports/rollup.ts) in the same D1
-- transaction. The per-row trigger of 0009 is replaced by a cheap one that only notes which facts
-- were really inserted: INSERT OR IGNORE on a deterministic id fires nothing for a replayed fact,
-- so a redelivered queue message counts nothing twice. The rollup statement reads the noted ids
-- and the same batch deletes them. (Not declared to drizzle, like the trigger it replaces.)
DROP TRIGGER IF EXISTS `report_facts_rollup`;
--> statement-breakpoint
CREATE TABLE `report_rollup_pending` (`id` text PRIMARY KEY NOT NULL);
--> statement-breakpoint
CREATE TRIGGER `report_facts_rollup_pending` AFTER INSERT ON `report_facts` WHEN NEW.`metric` IS NOT NULL BEGIN
	INSERT OR IGNORE INTO `report_rollup_pending` (`id`) VALUES (NEW.`id`);
END;
