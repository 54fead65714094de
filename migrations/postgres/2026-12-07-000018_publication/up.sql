-- Publication: references between answers as data, the once-only mail when temporary support
-- passes its review date, feed tokens, and saved searches with the answers that matched them.

-- An answer's references that name another question (PS-…): that question's current answer.
CREATE TABLE answer_links (
    answer_id BIGINT NOT NULL REFERENCES answers (id),
    question_id BIGINT NOT NULL REFERENCES questions (id),
    PRIMARY KEY (answer_id, question_id)
);
CREATE INDEX answer_links_question ON answer_links (question_id);

-- Set when the people relying on a temporary answer have heard that its review is overdue.
ALTER TABLE answers ADD COLUMN lapse_notified BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX answers_binding ON answers (binding_status, level);

-- A person's feed token: read-only, for feeds and embedded views. Only its hash is kept; the
-- token is an HMAC of the nonce under the instance key, so a page can show it again.
CREATE TABLE feed_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    nonce TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX feed_tokens_user ON feed_tokens (user_id);

-- A person's saved search: words and filters, and how to hear of new matching answers.
CREATE TABLE saved_searches (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    words TEXT NOT NULL,
    filters TEXT NOT NULL,
    notify TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX saved_searches_user ON saved_searches (user_id);

-- Answers that matched a saved search when they were given: its feed.
CREATE TABLE saved_search_hits (
    saved_search_id BIGINT NOT NULL REFERENCES saved_searches (id) ON DELETE CASCADE,
    answer_id BIGINT NOT NULL REFERENCES answers (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (saved_search_id, answer_id)
);
