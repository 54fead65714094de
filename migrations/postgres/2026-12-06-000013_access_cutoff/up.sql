-- Ending access at once: a session issued before valid_after is refused on its next request
-- (sign-out, token revocation, disabling, a new password); a disabled person cannot sign in
-- and their tokens are refused.
ALTER TABLE users ADD COLUMN valid_after TIMESTAMP;
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP;
