//! Consistency cases and the queue of answers still to be compared with earlier ones.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::*;
use super::schema::{consistency_cases as cases, consistency_checks as checks, questions};
use super::{DbConnection, StoreResult};

/// Queues an answer for comparison, in the transaction that gave it.
pub fn enqueue_check(
    conn: &mut DbConnection,
    answer_id: i64,
    at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(checks::table)
        .values((checks::answer_id.eq(answer_id), checks::created_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// The oldest queued checks: (check id, answer id).
pub fn pending_checks(conn: &mut DbConnection, limit: i64) -> StoreResult<Vec<(i64, i64)>> {
    Ok(checks::table
        .order(checks::id)
        .limit(limit)
        .select((checks::id, checks::answer_id))
        .load(conn)?)
}

/// Takes a check off the queue; false when another instance took it first (on PostgreSQL the
/// second delete waits for the first transaction and then finds nothing).
pub fn take_check(conn: &mut DbConnection, id: i64) -> StoreResult<bool> {
    Ok(diesel::delete(checks::table.find(id)).execute(conn)? == 1)
}

/// Records a case unless its pair of questions has one; true when it was inserted. The unique
/// key on the pair is the last guard between instances.
pub fn insert_case_if_new(
    conn: &mut DbConnection,
    c: &NewConsistencyCase<'_>,
) -> StoreResult<bool> {
    let exists: i64 = cases::table
        .filter(cases::question_a.eq(c.question_a))
        .filter(cases::question_b.eq(c.question_b))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(cases::table).values(c).execute(conn)?;
    Ok(true)
}

pub fn get(conn: &mut DbConnection, id: i64) -> StoreResult<Option<ConsistencyCaseRow>> {
    Ok(cases::table.find(id).first(conn).optional()?)
}

/// One page of the cases, oldest first (then by id), optionally of one status, and how many
/// there are.
pub fn list(
    conn: &mut DbConnection,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<ConsistencyCaseRow>, i64)> {
    let of_status = || {
        let mut q = cases::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(cases::status.eq(s.to_string()));
        }
        q
    };
    let total: i64 = of_status().count().get_result(conn)?;
    let rows = of_status()
        .order((cases::created_at, cases::id))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Writes a decision if the case is still at `version`; false when someone decided first.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    status: &str,
    decided_by: i64,
    at: NaiveDateTime,
    note: &str,
    routed_question: Option<i64>,
) -> StoreResult<bool> {
    let n = diesel::update(
        cases::table
            .filter(cases::id.eq(id))
            .filter(cases::version.eq(version)),
    )
    .set((
        cases::status.eq(status),
        cases::decided_by.eq(Some(decided_by)),
        cases::decided_at.eq(Some(at)),
        cases::note.eq(Some(note)),
        cases::routed_question.eq(routed_question),
        cases::version.eq(version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A question already routed from an earlier case about either question, still unresolved:
/// a new divergence about them is linked to it instead of opening another.
pub fn open_routed_question(
    conn: &mut DbConnection,
    question_ids: &[i64],
) -> StoreResult<Option<i64>> {
    let routed: Vec<Option<i64>> = cases::table
        .filter(
            cases::question_a
                .eq_any(question_ids)
                .or(cases::question_b.eq_any(question_ids)),
        )
        .filter(cases::routed_question.is_not_null())
        .select(cases::routed_question)
        .order(cases::id)
        .load(conn)?;
    let ids: Vec<i64> = routed.into_iter().flatten().collect();
    if ids.is_empty() {
        return Ok(None);
    }
    Ok(questions::table
        .filter(questions::id.eq_any(ids))
        .filter(questions::status.eq_any(["open", "in_progress", "awaiting_info"]))
        .select(questions::id)
        .order(questions::id)
        .first(conn)
        .optional()?)
}
