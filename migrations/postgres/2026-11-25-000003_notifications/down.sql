DROP INDEX outbox_recipient_status;
ALTER TABLE answers DROP COLUMN review_notified;
ALTER TABLE stages DROP COLUMN warned;
