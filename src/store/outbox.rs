//! The mail outbox: rows written in the use case's transaction, claimed by a mailer with a
//! lease so that several instances never send one row twice at once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{NewOutbox, OutboxRow};
use super::prepared::Reused;
use super::schema::{answers, outbox, stages, users};
use super::{DbConnection, StoreResult};
use crate::domain::mail::MailStatus;
use crate::domain::sla::SlaState;

/// Writes the mails of one change in one statement (a multi-row insert; the enum connection
/// does not take a batch, so it is run on the backend's own connection).
pub fn insert_all(conn: &mut DbConnection, rows: &[NewOutbox<'_>]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match conn {
        // Loaded rather than executed: only a query the cache receives by value keeps
        // `Reused` (see there), so this is prepared once per recipient count.
        DbConnection::Pg(c) => Reused(
            diesel::insert_into(outbox::table)
                .values(rows)
                .returning(outbox::id),
        )
        .get_results::<i64>(c)?
        .len(),
        DbConnection::Sqlite(c) => diesel::insert_into(outbox::table).values(rows).execute(c)?,
    };
    Ok(())
}

/// Rows due for sending whose lease (if any) has run out, oldest first.
pub fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> StoreResult<Vec<OutboxRow>> {
    Ok(outbox::table
        .filter(outbox::status.eq(MailStatus::Pending))
        .filter(outbox::next_attempt_at.le(now))
        .filter(
            outbox::locked_until
                .is_null()
                .or(outbox::locked_until.lt(now)),
        )
        .order(outbox::id)
        .limit(limit)
        .load(conn)?)
}

/// Takes the lease on those of `ids` that are still free: one conditional update, which only
/// one instance can win for each row. Returns the ids this instance won.
pub fn claim(
    conn: &mut DbConnection,
    ids: &[i64],
    instance: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> StoreResult<Vec<i64>> {
    Ok(diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::status.eq(MailStatus::Pending))
            .filter(
                outbox::locked_until
                    .is_null()
                    .or(outbox::locked_until.lt(now)),
            ),
    )
    .set((
        outbox::locked_until.eq(until),
        outbox::locked_by.eq(instance),
    ))
    .returning(outbox::id)
    .get_results(conn)?)
}

/// Marks the rows of `ids` this instance holds the lease on as sent, in one statement.
pub fn mark_sent(
    conn: &mut DbConnection,
    ids: &[i64],
    instance: &str,
    at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::locked_by.eq(instance)),
    )
    .set((
        outbox::status.eq(MailStatus::Sent),
        outbox::sent_at.eq(at),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::locked_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: try again at `next`, or give up (`failed`) when `next` is None.
pub fn mark_failed_attempt(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    next: Option<NaiveDateTime>,
) -> StoreResult<()> {
    let target = outbox::table.filter(outbox::id.eq(id));
    let base = (
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::last_error.eq(error),
        outbox::locked_until.eq(None::<NaiveDateTime>),
    );
    match next {
        Some(at) => diesel::update(target)
            .set((base, outbox::next_attempt_at.eq(at)))
            .execute(conn)?,
        None => diesel::update(target)
            .set((base, outbox::status.eq(MailStatus::Failed)))
            .execute(conn)?,
    };
    Ok(())
}

pub fn failed(conn: &mut DbConnection) -> StoreResult<Vec<OutboxRow>> {
    Ok(outbox::table
        .filter(outbox::status.eq(MailStatus::Failed))
        .order(outbox::id)
        .load(conn)?)
}

/// One page of the mails that gave up, oldest first, and how many there are.
pub fn failed_page(
    conn: &mut DbConnection,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<OutboxRow>, i64)> {
    let total: i64 = outbox::table
        .filter(outbox::status.eq(MailStatus::Failed))
        .count()
        .get_result(conn)?;
    let rows = outbox::table
        .filter(outbox::status.eq(MailStatus::Failed))
        .order(outbox::id)
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

pub fn get(conn: &mut DbConnection, id: i64) -> StoreResult<Option<OutboxRow>> {
    Ok(outbox::table.find(id).first(conn).optional()?)
}

/// Queues a failed row again from scratch.
/// The id and last error of every failed mail, oldest first: what grouping them by cause needs.
pub fn failed_errors(conn: &mut DbConnection) -> StoreResult<Vec<(i64, Option<String>)>> {
    Ok(outbox::table
        .filter(outbox::status.eq(MailStatus::Failed))
        .order(outbox::id)
        .select((outbox::id, outbox::last_error))
        .load(conn)?)
}

/// Outbox rows by id, in the order of `ids`.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> StoreResult<Vec<OutboxRow>> {
    let mut rows: std::collections::HashMap<i64, OutboxRow> = outbox::table
        .filter(outbox::id.eq_any(ids))
        .load::<OutboxRow>(conn)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}

pub fn requeue(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> StoreResult<bool> {
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(MailStatus::Failed)),
    )
    .set((
        outbox::status.eq(MailStatus::Pending),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
        outbox::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Users with items held for their digest.
pub fn digest_recipients(conn: &mut DbConnection) -> StoreResult<Vec<i64>> {
    Ok(outbox::table
        .filter(outbox::status.eq(MailStatus::Digest))
        .select(outbox::recipient_id)
        .distinct()
        .load::<Option<i64>>(conn)?
        .into_iter()
        .flatten()
        .collect())
}

pub fn digest_items(conn: &mut DbConnection, user_id: i64) -> StoreResult<Vec<OutboxRow>> {
    Ok(outbox::table
        .filter(outbox::status.eq(MailStatus::Digest))
        .filter(outbox::recipient_id.eq(user_id))
        .order(outbox::id)
        .load(conn)?)
}

pub fn mark_digested(conn: &mut DbConnection, ids: &[i64]) -> StoreResult<()> {
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set(outbox::status.eq(MailStatus::Digested))
        .execute(conn)?;
    Ok(())
}

/// Takes today's digest for a user: only one instance moves `last_digest_at` past `due`.
pub fn claim_digest(
    conn: &mut DbConnection,
    user_id: i64,
    due: NaiveDateTime,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let n = diesel::update(
        users::table.filter(users::id.eq(user_id)).filter(
            users::last_digest_at
                .is_null()
                .or(users::last_digest_at.lt(due)),
        ),
    )
    .set(users::last_digest_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks a stage as warned about `state`, once: false when it already was.
pub fn claim_stage_warning(
    conn: &mut DbConnection,
    stage_id: i64,
    state: SlaState,
) -> StoreResult<bool> {
    let q = stages::table.filter(stages::id.eq(stage_id));
    let n = if state == SlaState::Overdue {
        diesel::update(
            q.filter(
                stages::warned
                    .is_null()
                    .or(stages::warned.ne(SlaState::Overdue)),
            ),
        )
        .set(stages::warned.eq(state))
        .execute(conn)?
    } else {
        diesel::update(q.filter(stages::warned.is_null()))
            .set(stages::warned.eq(state))
            .execute(conn)?
    };
    Ok(n == 1)
}

/// Temporary answers whose review date has come and whose author has not been reminded.
pub fn reviews_due(
    conn: &mut DbConnection,
    today: &str,
) -> StoreResult<Vec<(i64, i64, Option<i64>)>> {
    Ok(answers::table
        .filter(answers::binding_status.eq(crate::domain::answer::BindingStatus::Temporary))
        .filter(answers::review_notified.eq(false))
        .filter(answers::review_date.le(today))
        .select((answers::id, answers::question_id, answers::author_id))
        .load(conn)?)
}

pub fn claim_review(conn: &mut DbConnection, answer_id: i64) -> StoreResult<bool> {
    let n = diesel::update(
        answers::table
            .filter(answers::id.eq(answer_id))
            .filter(answers::review_notified.eq(false)),
    )
    .set(answers::review_notified.eq(true))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn count_by_status(conn: &mut DbConnection, status: MailStatus) -> StoreResult<i64> {
    Ok(outbox::table
        .filter(outbox::status.eq(status))
        .count()
        .get_result(conn)?)
}

/// Mail for the metrics: (pending, of them being sent now, failed, oldest pending creation).
pub fn gauges(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> StoreResult<(i64, i64, i64, Option<NaiveDateTime>)> {
    let pending = count_by_status(conn, MailStatus::Pending)?;
    let sending = outbox::table
        .filter(outbox::status.eq(MailStatus::Pending))
        .filter(outbox::locked_until.gt(now))
        .count()
        .get_result(conn)?;
    let failed = count_by_status(conn, MailStatus::Failed)?;
    let oldest = outbox::table
        .filter(outbox::status.eq(MailStatus::Pending))
        .select(diesel::dsl::min(outbox::created_at))
        .first(conn)?;
    Ok((pending, sending, failed, oldest))
}
