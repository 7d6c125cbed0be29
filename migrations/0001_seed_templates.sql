-- Templates the composer offers outside the 24-hour window until template sync from Meta lands.
-- hello_world is the template every new WhatsApp Business Account gets from Meta.
INSERT OR IGNORE INTO templates (id, channel_id, name, language, category, body, status, updated_at) VALUES
  ('tpl_hello_world_en_US', NULL, 'hello_world', 'en_US', 'UTILITY', 'Hello World', 'APPROVED', 0),
  ('tpl_follow_up_en', NULL, 'follow_up', 'en', 'UTILITY', 'Hi {{1}}, we are following up on your message. Reply to this message to continue the conversation.', 'APPROVED', 0),
  ('tpl_follow_up_ja', NULL, 'follow_up', 'ja', 'UTILITY', '{{1}}様、お問い合わせの件でご連絡しました。このメッセージに返信すると会話を続けられます。', 'APPROVED', 0);
