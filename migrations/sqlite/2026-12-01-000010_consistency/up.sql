-- Consistency watch: answers still to be compared with earlier answered questions, and the
-- pairs of similar questions that different forums answered, for the legal department.
CREATE TABLE consistency_checks (
    id INTEGER PRIMARY KEY,
    answer_id BIGINT NOT NULL REFERENCES answers(id),
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE consistency_cases (
    id INTEGER PRIMARY KEY,
    -- The pair in id order, so that each pair of questions is recorded once.
    question_a BIGINT NOT NULL REFERENCES questions(id),
    question_b BIGINT NOT NULL REFERENCES questions(id),
    answer_a BIGINT NOT NULL REFERENCES answers(id),
    answer_b BIGINT NOT NULL REFERENCES answers(id),
    score DOUBLE PRECISION NOT NULL,
    reasons TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    note TEXT,
    routed_question BIGINT REFERENCES questions(id),
    created_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (question_a, question_b)
);
CREATE INDEX consistency_cases_status ON consistency_cases (status, created_at);
-- Historic questions carry the reference they had in the old log; importing them again finds
-- them by it (questions.reference is unique already).
