CREATE TABLE `assignment_policies` (
	`scope` text NOT NULL,
	`scope_id` text NOT NULL,
	`strategy` text DEFAULT 'manual' NOT NULL,
	`capacity` integer,
	`default_team_id` text,
	`rr_cursor` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`scope`, `scope_id`)
);
--> statement-breakpoint
ALTER TABLE `conversations` ADD `episode` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `snoozed_until` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `waiting_since` integer;--> statement-breakpoint
CREATE INDEX `conversations_team_activity_idx` ON `conversations` (`team_id`,`last_message_at`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_waiting_idx` ON `conversations` (`waiting_since`) WHERE "conversations"."waiting_since" IS NOT NULL;