CREATE TABLE `channels` (
	`id` text PRIMARY KEY NOT NULL,
	`phone_number_id` text NOT NULL,
	`display_phone_number` text,
	`name` text,
	`waba_id` text,
	`created_at` integer NOT NULL,
	`last_webhook_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `channels_phone_number_id_unique` ON `channels` (`phone_number_id`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`wa_id` text,
	`user_id` text,
	`username` text,
	`name` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_wa_id_unique` ON `contacts` (`wa_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_user_id_unique` ON `contacts` (`user_id`);--> statement-breakpoint
CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`assignee_id` text,
	`team_id` text,
	`last_message_at` integer,
	`last_message_preview` text,
	`last_message_direction` text,
	`unread_count` integer DEFAULT 0 NOT NULL,
	`window_ends_at` integer,
	`version` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversations_channel_contact_unique` ON `conversations` (`channel_id`,`contact_id`);--> statement-breakpoint
CREATE INDEX `conversations_activity_idx` ON `conversations` (`last_message_at`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_status_activity_idx` ON `conversations` (`status`,`last_message_at`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_assignee_activity_idx` ON `conversations` (`assignee_id`,`last_message_at`,`id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`user_agent` text,
	`ip` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `templates` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text,
	`name` text NOT NULL,
	`language` text NOT NULL,
	`category` text DEFAULT 'UTILITY' NOT NULL,
	`body` text NOT NULL,
	`status` text DEFAULT 'APPROVED' NOT NULL,
	`updated_at` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `templates_name_language_unique` ON `templates` (`name`,`language`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`language` text,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);