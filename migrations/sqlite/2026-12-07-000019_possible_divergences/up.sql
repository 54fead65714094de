-- Possible divergences: pairs of answered questions that the consistency watch found close
-- (one among the other's first candidates) but below the rule that opens a case on its own.
-- The legal department takes one up as a case or dismisses it; both decisions are kept, as
-- labels for measuring the detector on the agency's own questions.
CREATE TABLE possible_divergences (
    id INTEGER PRIMARY KEY,
    -- The pair in id order, as in consistency_cases: each pair is listed once.
    question_a BIGINT NOT NULL REFERENCES questions(id),
    question_b BIGINT NOT NULL REFERENCES questions(id),
    answer_a BIGINT NOT NULL REFERENCES answers(id),
    answer_b BIGINT NOT NULL REFERENCES answers(id),
    score DOUBLE PRECISION NOT NULL,
    -- The better of the two questions' places among the other's candidates (1: the first).
    place BIGINT NOT NULL,
    reasons TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    note TEXT,
    case_id BIGINT REFERENCES consistency_cases(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (question_a, question_b)
);
CREATE INDEX possible_divergences_status ON possible_divergences (status, place, score);
