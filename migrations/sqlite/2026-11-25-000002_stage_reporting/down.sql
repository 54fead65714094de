DROP INDEX stages_left;
DROP INDEX stages_entered;
ALTER TABLE stages DROP COLUMN priority;
ALTER TABLE stages DROP COLUMN process;
