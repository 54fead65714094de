-- SQLite has one writer at a time, so ids already follow commit order: txid stays 0 and the
-- log is read by id, in the same (txid, id) order as on PostgreSQL.
ALTER TABLE changes ADD COLUMN txid BIGINT NOT NULL DEFAULT 0;
CREATE INDEX changes_txid_id ON changes (txid, id);
