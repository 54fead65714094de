-- People the agency's directory vouches for. The provider's issuer and subject (Entra: oid)
-- name the person, never the e-mail, which can change. Memberships the directory gave are
-- marked, so that a later sign-in takes back what it no longer gives and leaves those given
-- by hand.
CREATE TABLE user_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);
ALTER TABLE memberships ADD COLUMN from_directory BOOLEAN NOT NULL DEFAULT FALSE;
