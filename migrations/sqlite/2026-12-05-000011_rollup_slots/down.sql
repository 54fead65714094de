CREATE TABLE sla_rollups_single (
    dim TEXT NOT NULL,
    month TEXT NOT NULL,
    grp TEXT NOT NULL,
    kind TEXT NOT NULL,
    within_target INTEGER NOT NULL,
    bin BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (dim, month, grp, kind, within_target, bin)
);
INSERT INTO sla_rollups_single (dim, month, grp, kind, within_target, bin, n)
    SELECT dim, month, grp, kind, within_target, bin, SUM(n) FROM sla_rollups
    GROUP BY dim, month, grp, kind, within_target, bin;
DROP TABLE sla_rollups;
ALTER TABLE sla_rollups_single RENAME TO sla_rollups;
