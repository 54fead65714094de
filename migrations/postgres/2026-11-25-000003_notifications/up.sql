-- Warnings are sent once per stage and state; review reminders once per answer.
ALTER TABLE stages ADD COLUMN warned TEXT;
ALTER TABLE answers ADD COLUMN review_notified BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX outbox_recipient_status ON outbox (recipient_id, status);
