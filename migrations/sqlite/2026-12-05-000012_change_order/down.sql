DROP INDEX changes_txid_id;
ALTER TABLE changes DROP COLUMN txid;
