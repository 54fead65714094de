-- Rollup rows are spread over slots: a transaction that counts a stage adds to one slot drawn
-- at random, and readers sum the slots. On PostgreSQL every new question otherwise added to the
-- same few rows (its level and process this month and all time), whose row locks are held until
-- commit, so concurrent submissions queued behind each other's commit. A rebuild writes slot 0.
ALTER TABLE sla_rollups ADD COLUMN slot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sla_rollups DROP CONSTRAINT sla_rollups_pkey;
ALTER TABLE sla_rollups ADD PRIMARY KEY (dim, month, grp, kind, within_target, bin, slot);
