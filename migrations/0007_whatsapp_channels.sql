CREATE TABLE `channel_errors` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`at` integer NOT NULL,
	`code` integer NOT NULL,
	`title` text NOT NULL,
	`details` text,
	`source` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `channel_errors_channel_at_idx` ON `channel_errors` (`channel_id`,`at`);--> statement-breakpoint
ALTER TABLE `channels` ADD `access_token_encrypted` text;--> statement-breakpoint
ALTER TABLE `channels` ADD `messages_per_second` integer;--> statement-breakpoint
ALTER TABLE `channels` ADD `last_error_at` integer;--> statement-breakpoint
ALTER TABLE `channels` ADD `last_error_code` integer;--> statement-breakpoint
ALTER TABLE `channels` ADD `last_error_title` text;--> statement-breakpoint
ALTER TABLE `channels` ADD `updated_at` integer;--> statement-breakpoint
ALTER TABLE `templates` ADD `meta_id` text;--> statement-breakpoint
ALTER TABLE `templates` ADD `waba_id` text;--> statement-breakpoint
ALTER TABLE `templates` ADD `status_reason` text;--> statement-breakpoint
ALTER TABLE `templates` ADD `components` text;