-- Consistency topics: the cases that share a question form one topic, reviewed and decided
-- once. A topic merged into another (a new pair linked the two) keeps its row, pointing at the
-- topic that took its cases, so that a reviewer holding the old one is told where it went.
CREATE TABLE consistency_topics (
    id BIGSERIAL PRIMARY KEY,
    status TEXT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    note TEXT,
    routed_question BIGINT REFERENCES questions(id),
    merged_into BIGINT REFERENCES consistency_topics(id),
    created_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX consistency_topics_status ON consistency_topics (status, created_at, id);
ALTER TABLE consistency_cases ADD COLUMN topic_id BIGINT;
-- Existing cases: a topic per set of cases connected through a shared question, named by its
-- lowest case id; open while any of its cases is open, else as its first case was decided.
WITH RECURSIVE
    link(a, b) AS (
        SELECT x.id, y.id FROM consistency_cases x JOIN consistency_cases y
        ON x.question_a IN (y.question_a, y.question_b) OR x.question_b IN (y.question_a, y.question_b)
    ),
    reach(id, other) AS (
        SELECT id, id FROM consistency_cases
        UNION
        SELECT reach.id, link.b FROM reach JOIN link ON link.a = reach.other
    )
UPDATE consistency_cases
SET topic_id = (SELECT MIN(other) FROM reach WHERE reach.id = consistency_cases.id);
INSERT INTO consistency_topics (id, status, decided_by, decided_at, note, routed_question, created_at, version)
SELECT t0.id,
       CASE WHEN EXISTS (SELECT 1 FROM consistency_cases o WHERE o.topic_id = t0.id AND o.status = 'open')
            THEN 'open' ELSE t0.status END,
       t0.decided_by, t0.decided_at, t0.note, t0.routed_question,
       (SELECT MIN(created_at) FROM consistency_cases o WHERE o.topic_id = t0.id), 1
FROM consistency_cases t0 WHERE t0.id = t0.topic_id;
CREATE INDEX consistency_cases_topic ON consistency_cases (topic_id);
CREATE INDEX consistency_cases_question_b ON consistency_cases (question_b);
ALTER TABLE consistency_cases ALTER COLUMN topic_id SET NOT NULL;
ALTER TABLE consistency_cases ADD CONSTRAINT consistency_cases_topic_fk
    FOREIGN KEY (topic_id) REFERENCES consistency_topics(id);
-- The topics above were given their ids; new ones are numbered after them.
SELECT setval(pg_get_serial_sequence('consistency_topics', 'id'), COALESCE(MAX(id), 0) + 1, false)
FROM consistency_topics;
