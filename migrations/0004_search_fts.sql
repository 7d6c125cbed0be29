-- Full-text search over message and note text (issue 4). drizzle cannot declare FTS5 virtual
-- tables, so this migration is written by hand.
--
-- The trigram tokenizer indexes every 3-character sequence, so text without spaces (Japanese,
-- Chinese, Thai) and partial words ("invoi" → "invoice") are found; it is case-insensitive.
-- Queries shorter than 3 characters cannot use the index: the search service falls back to LIKE.
-- message_search holds the text (external content); these triggers keep the index in step with it.
CREATE VIRTUAL TABLE `message_search_fts` USING fts5(
	`text`,
	content = 'message_search',
	content_rowid = 'id',
	tokenize = 'trigram remove_diacritics 1'
);
--> statement-breakpoint
CREATE TRIGGER `message_search_ai` AFTER INSERT ON `message_search` BEGIN
	INSERT INTO `message_search_fts` (rowid, `text`) VALUES (new.`id`, new.`text`);
END;
--> statement-breakpoint
CREATE TRIGGER `message_search_ad` AFTER DELETE ON `message_search` BEGIN
	INSERT INTO `message_search_fts` (`message_search_fts`, rowid, `text`) VALUES ('delete', old.`id`, old.`text`);
END;
--> statement-breakpoint
CREATE TRIGGER `message_search_au` AFTER UPDATE OF `text` ON `message_search` BEGIN
	INSERT INTO `message_search_fts` (`message_search_fts`, rowid, `text`) VALUES ('delete', old.`id`, old.`text`);
	INSERT INTO `message_search_fts` (rowid, `text`) VALUES (new.`id`, new.`text`);
END;
