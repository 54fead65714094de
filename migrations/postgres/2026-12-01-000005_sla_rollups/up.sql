-- Report speed. Open stages carry their SLA clock: the working-time coordinate (working days
-- since 2000-01-01, see domain::calendar::working_clock) at which the stage would have started
-- had it never been paused, so that "working days used now" is clock(now) - sla_clock and the
-- open, overdue, at-risk and age counts become comparisons in SQL. NULL while paused or ended
-- (those are evaluated in Rust). Filled for existing open stages by the start-up step that
-- rebuilds the rollups.
ALTER TABLE stages ADD COLUMN sla_clock DOUBLE PRECISION;
-- Open stages by clock, covering what the counts read: the paused ones (NULL) and the recent
-- ones are ranges of it. left_at leads (all NULL) so that SQLite prefers it for
-- "left_at IS NULL" over the plain index on left_at.
CREATE INDEX stages_open_clock ON stages (left_at, sla_clock, level, priority, forum, process, first_response_at, id) WHERE left_at IS NULL;
-- Each group's longest-waiting stages.
CREATE INDEX stages_open_level_clock ON stages (level, sla_clock) WHERE left_at IS NULL;
CREATE INDEX stages_open_forum_clock ON stages (forum, sla_clock) WHERE left_at IS NULL;
CREATE INDEX stages_open_process_clock ON stages (process, sla_clock) WHERE left_at IS NULL;
-- Stages counted per Stockholm month ('YYYY-MM') and for all time ('*'), once per grouping
-- (dim: level, forum, process): received (by entry), answered and escalated (by end) with
-- whether they ended within their target and, for answered ones, their working days in
-- hundredths (the percentiles' histogram). Maintained in the transaction that starts or ends a
-- stage; rebuilt from the stages at start-up when sla_rollup_state does not match the config.
CREATE TABLE sla_rollups (
    dim TEXT NOT NULL,
    month TEXT NOT NULL,
    grp TEXT NOT NULL,
    kind TEXT NOT NULL,
    within_target INTEGER NOT NULL,
    bin BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (dim, month, grp, kind, within_target, bin)
);
-- The targets and working-time mode the rollups and clocks were computed with.
CREATE TABLE sla_rollup_state (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL
);
