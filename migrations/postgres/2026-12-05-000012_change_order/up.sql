-- The change log is read in commit order without serialising its writers: each row carries
-- the id of the transaction that wrote it, and a reader takes only rows of transactions older
-- than every transaction still running (pg_snapshot_xmin), which can no longer gain rows.
-- Rows written before this migration are all committed; they keep 0 and come first.
ALTER TABLE changes ADD COLUMN txid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE changes ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX changes_txid_id ON changes (txid, id);
