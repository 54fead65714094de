DROP TABLE sla_rollup_state;
DROP TABLE sla_rollups;
DROP INDEX stages_open_process_clock;
DROP INDEX stages_open_forum_clock;
DROP INDEX stages_open_level_clock;
DROP INDEX stages_open_clock;
ALTER TABLE stages DROP COLUMN sla_clock;
