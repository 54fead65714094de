DROP TABLE saved_search_hits;
DROP TABLE saved_searches;
DROP TABLE feed_tokens;
DROP INDEX answers_binding;
ALTER TABLE answers DROP COLUMN lapse_notified;
DROP TABLE answer_links;
