-- Scheduled jobs: when each runs next and which instance holds it while it runs, so that of
-- several instances one runs each job at a time and the schedule holds across them.
CREATE TABLE jobs (
    name TEXT PRIMARY KEY NOT NULL,
    next_run_at TIMESTAMP NOT NULL,
    holder TEXT,
    lease_until TIMESTAMP,
    last_finished_at TIMESTAMP,
    last_error TEXT
);
