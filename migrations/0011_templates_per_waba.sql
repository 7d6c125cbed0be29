DROP INDEX `templates_name_language_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `templates_waba_name_language_unique` ON `templates` (`waba_id`,`name`,`language`);