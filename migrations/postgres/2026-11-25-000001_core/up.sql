-- The whole core schema. Later features only add tables and columns.
CREATE TABLE forums (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    process TEXT,
    region TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE TABLE forum_parents (
    forum TEXT NOT NULL REFERENCES forums(code),
    parent TEXT NOT NULL REFERENCES forums(code),
    PRIMARY KEY (forum, parent)
);
CREATE TABLE units (
    code TEXT PRIMARY KEY NOT NULL REFERENCES forums(code),
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    regional_group TEXT NOT NULL REFERENCES forums(code),
    active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    unit TEXT NOT NULL REFERENCES units(code),
    role TEXT NOT NULL,
    password_hash TEXT,
    mail_preference TEXT NOT NULL DEFAULT 'immediate',
    last_digest_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE memberships (
    user_id BIGINT NOT NULL REFERENCES users(id),
    forum TEXT NOT NULL REFERENCES forums(code),
    PRIMARY KEY (user_id, forum)
);
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE TABLE questions (
    id BIGSERIAL PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    process TEXT NOT NULL,
    category TEXT,
    tags TEXT NOT NULL,
    countries TEXT NOT NULL,
    priority TEXT NOT NULL,
    urgent_reason TEXT,
    status TEXT NOT NULL,
    forum TEXT NOT NULL REFERENCES forums(code),
    level TEXT NOT NULL,
    unit TEXT NOT NULL REFERENCES units(code),
    asker_id BIGINT REFERENCES users(id),
    assignee_id BIGINT REFERENCES users(id),
    claimed_by BIGINT REFERENCES users(id),
    duplicate_of BIGINT REFERENCES questions(id),
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX questions_forum_status ON questions (forum, status);
CREATE INDEX questions_status ON questions (status);
CREATE INDEX questions_asker ON questions (asker_id);
CREATE TABLE stages (
    id BIGSERIAL PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES questions(id),
    seq INTEGER NOT NULL,
    forum TEXT NOT NULL REFERENCES forums(code),
    level TEXT NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    first_response_at TIMESTAMP,
    left_at TIMESTAMP,
    outcome TEXT,
    working_days DOUBLE PRECISION,
    UNIQUE (question_id, seq)
);
CREATE INDEX stages_open ON stages (left_at);
CREATE TABLE stage_pauses (
    id BIGSERIAL PRIMARY KEY,
    stage_id BIGINT NOT NULL REFERENCES stages(id),
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX stage_pauses_stage ON stage_pauses (stage_id);
CREATE TABLE answers (
    id BIGSERIAL PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES questions(id),
    stage_id BIGINT REFERENCES stages(id),
    forum TEXT NOT NULL REFERENCES forums(code),
    level TEXT NOT NULL,
    author_id BIGINT REFERENCES users(id),
    body TEXT NOT NULL,
    binding_status TEXT NOT NULL,
    superseded_by BIGINT REFERENCES answers(id),
    refs TEXT NOT NULL,
    review_date TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX answers_question ON answers (question_id);
CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    question_id BIGINT REFERENCES questions(id),
    answer_id BIGINT REFERENCES answers(id),
    actor_id BIGINT REFERENCES users(id),
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    forum TEXT,
    note TEXT,
    data TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_question ON events (question_id, id);
CREATE TABLE followers (
    question_id BIGINT NOT NULL REFERENCES questions(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
CREATE TABLE changes (
    id BIGSERIAL PRIMARY KEY,
    question_id BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    template TEXT NOT NULL,
    recipient_id BIGINT REFERENCES users(id),
    to_address TEXT NOT NULL,
    question_id BIGINT REFERENCES questions(id),
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    locked_by TEXT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
