//! The scheduled jobs' table: when each runs next and the lease of the instance running it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::jobs;
use super::{DbConnection, StoreResult};

/// Takes the run of `name` that is due at `now` for `holder`: true when this instance is to
/// run it. The run moves the job's next time to `next` at once, so other instances see it as
/// not due; the lease until `lease_until` keeps them off while it runs, and lets another take
/// over after a crash. A job run for the first time is due at once.
pub fn claim(
    conn: &mut DbConnection,
    name: &str,
    holder: &str,
    now: NaiveDateTime,
    next: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> StoreResult<bool> {
    let n = diesel::update(
        jobs::table
            .filter(jobs::name.eq(name))
            .filter(jobs::next_run_at.le(now))
            .filter(jobs::lease_until.is_null().or(jobs::lease_until.lt(now))),
    )
    .set((
        jobs::next_run_at.eq(next),
        jobs::holder.eq(holder),
        jobs::lease_until.eq(lease_until),
    ))
    .execute(conn)?;
    if n == 1 {
        return Ok(true);
    }
    let known: i64 = jobs::table
        .filter(jobs::name.eq(name))
        .count()
        .get_result(conn)?;
    if known > 0 {
        return Ok(false);
    }
    // Two instances may both get here for a new job: the second insert is a unique violation,
    // which the caller reads as "another instance runs it" (on PostgreSQL it also ends the
    // transaction, so it is the last statement of one).
    diesel::insert_into(jobs::table)
        .values((
            jobs::name.eq(name),
            jobs::next_run_at.eq(next),
            jobs::holder.eq(holder),
            jobs::lease_until.eq(lease_until),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Ends `holder`'s run of `name`: the lease is given back, with the outcome.
pub fn finish(
    conn: &mut DbConnection,
    name: &str,
    holder: &str,
    at: NaiveDateTime,
    error: Option<&str>,
) -> StoreResult<()> {
    diesel::update(
        jobs::table
            .filter(jobs::name.eq(name))
            .filter(jobs::holder.eq(holder)),
    )
    .set((
        jobs::lease_until.eq(None::<NaiveDateTime>),
        jobs::last_finished_at.eq(at),
        jobs::last_error.eq(error),
    ))
    .execute(conn)?;
    Ok(())
}

/// Makes every job due now (tests and the operator's `run now`).
pub fn make_due(conn: &mut DbConnection, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(jobs::table)
        .set(jobs::next_run_at.eq(now))
        .execute(conn)?;
    Ok(())
}
