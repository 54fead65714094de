-- Rollup rows are spread over slots: a transaction that counts a stage adds to one slot drawn
-- at random, and readers sum the slots (see the PostgreSQL twin for why). SQLite cannot change
-- a primary key in place: the table is made anew.
CREATE TABLE sla_rollups_slotted (
    dim TEXT NOT NULL,
    month TEXT NOT NULL,
    grp TEXT NOT NULL,
    kind TEXT NOT NULL,
    within_target INTEGER NOT NULL,
    bin BIGINT NOT NULL,
    n BIGINT NOT NULL,
    slot INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (dim, month, grp, kind, within_target, bin, slot)
);
INSERT INTO sla_rollups_slotted (dim, month, grp, kind, within_target, bin, n, slot)
    SELECT dim, month, grp, kind, within_target, bin, n, 0 FROM sla_rollups;
DROP TABLE sla_rollups;
ALTER TABLE sla_rollups_slotted RENAME TO sla_rollups;
