DROP INDEX consistency_cases_question_b;
DROP INDEX consistency_cases_topic;
ALTER TABLE consistency_cases DROP COLUMN topic_id;
DROP TABLE consistency_topics;
