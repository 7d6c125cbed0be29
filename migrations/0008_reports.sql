CREATE TABLE `business_hours` (
	`scope_id` text PRIMARY KEY NOT NULL,
	`timezone` text NOT NULL,
	`weekly` text NOT NULL,
	`holidays` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `report_buckets` (
	`idx` integer PRIMARY KEY NOT NULL,
	`lower_ms` real NOT NULL
);
--> statement-breakpoint
CREATE INDEX `report_buckets_lower_idx` ON `report_buckets` (`lower_ms`);--> statement-breakpoint
CREATE TABLE `report_facts` (
	`id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`team_id` text,
	`agent_id` text,
	`episode` integer NOT NULL,
	`kind` text NOT NULL,
	`metric` text,
	`at` integer NOT NULL,
	`start_at` integer,
	`value_ms` integer,
	`value_bucket` integer,
	`business_ms` integer,
	`business_bucket` integer,
	`active_ms` integer,
	`active_bucket` integer,
	`active_business_ms` integer,
	`active_business_bucket` integer,
	`in_hours` integer DEFAULT 0 NOT NULL,
	`pauses` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `report_facts_at_idx` ON `report_facts` (`at`);--> statement-breakpoint
CREATE INDEX `report_facts_channel_at_idx` ON `report_facts` (`channel_id`,`at`);--> statement-breakpoint
CREATE INDEX `report_facts_conversation_idx` ON `report_facts` (`conversation_id`,`episode`);--> statement-breakpoint
CREATE TABLE `report_open_hours` (
	`scope_id` text NOT NULL,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	PRIMARY KEY(`scope_id`, `start_at`)
);
--> statement-breakpoint
CREATE TABLE `report_rollup` (
	`grain` text NOT NULL,
	`dim` text NOT NULL,
	`dim_id` text NOT NULL,
	`slot` integer NOT NULL,
	`metric` text NOT NULL,
	`n` integer NOT NULL,
	`total` integer NOT NULL,
	`hist` text,
	PRIMARY KEY(`grain`, `dim`, `slot`, `dim_id`, `metric`)
);
--> statement-breakpoint
CREATE TABLE `report_tz` (
	`from_at` integer PRIMARY KEY NOT NULL,
	`offset_ms` integer NOT NULL
);
