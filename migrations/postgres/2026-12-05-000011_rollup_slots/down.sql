CREATE TABLE sla_rollups_single AS
    SELECT dim, month, grp, kind, within_target, bin, SUM(n) AS n FROM sla_rollups
    GROUP BY dim, month, grp, kind, within_target, bin;
DELETE FROM sla_rollups;
ALTER TABLE sla_rollups DROP CONSTRAINT sla_rollups_pkey;
ALTER TABLE sla_rollups DROP COLUMN slot;
INSERT INTO sla_rollups (dim, month, grp, kind, within_target, bin, n)
    SELECT dim, month, grp, kind, within_target, bin, n FROM sla_rollups_single;
DROP TABLE sla_rollups_single;
ALTER TABLE sla_rollups ADD PRIMARY KEY (dim, month, grp, kind, within_target, bin);
