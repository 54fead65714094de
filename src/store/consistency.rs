//! Consistency cases and the queue of answers still to be compared with earlier ones.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::*;
use super::schema::{
    consistency_cases as cases, consistency_checks as checks, consistency_topics as topics,
    possible_divergences as possible, questions,
};
use super::{DbConnection, StoreResult};
use crate::domain::consistency::{CaseStatus, PossibleStatus};

/// Lock key for placing new cases in topics on PostgreSQL.
const TOPIC_LOCK: i64 = 727_275;

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

/// Whether the pair of questions has a case already.
pub fn case_exists(conn: &mut DbConnection, question_a: i64, question_b: i64) -> StoreResult<bool> {
    let n: i64 = cases::table
        .filter(cases::question_a.eq(question_a))
        .filter(cases::question_b.eq(question_b))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Records a case and returns its id; the unique key on its pair is the last guard between
/// instances.
pub fn insert_case(conn: &mut DbConnection, c: &NewConsistencyCase<'_>) -> StoreResult<i64> {
    Ok(diesel::insert_into(cases::table)
        .values(c)
        .returning(cases::id)
        .get_result(conn)?)
}

/// A possible divergence listed for a pair that has now become a case by the watch's own rule
/// is taken up by that case (no reviewer).
pub fn possible_became_case(
    conn: &mut DbConnection,
    question_a: i64,
    question_b: i64,
    case_id: i64,
    at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(
        possible::table
            .filter(possible::question_a.eq(question_a))
            .filter(possible::question_b.eq(question_b))
            .filter(possible::status.eq(PossibleStatus::Open)),
    )
    .set((
        possible::status.eq(PossibleStatus::Opened),
        possible::case_id.eq(Some(case_id)),
        possible::decided_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(())
}

/// The topic of each of `case_ids`.
pub fn topics_of_cases(
    conn: &mut DbConnection,
    case_ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, i64>> {
    if case_ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(i64, i64)> = cases::table
        .filter(cases::id.eq_any(case_ids))
        .select((cases::id, cases::topic_id))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Whether the pair of questions is listed as a possible divergence already.
pub fn possible_exists(
    conn: &mut DbConnection,
    question_a: i64,
    question_b: i64,
) -> StoreResult<bool> {
    let n: i64 = possible::table
        .filter(possible::question_a.eq(question_a))
        .filter(possible::question_b.eq(question_b))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert_possible(conn: &mut DbConnection, p: &NewPossibleDivergence<'_>) -> StoreResult<()> {
    diesel::insert_into(possible::table)
        .values(p)
        .execute(conn)?;
    Ok(())
}

pub fn possible(conn: &mut DbConnection, id: i64) -> StoreResult<Option<PossibleDivergenceRow>> {
    Ok(possible::table.find(id).first(conn).optional()?)
}

/// One page of the possible divergences, optionally of one status, ranked for review (the
/// nearest candidates first, then the higher score), and how many there are.
pub fn list_possible(
    conn: &mut DbConnection,
    status: Option<PossibleStatus>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<PossibleDivergenceRow>, i64)> {
    let of_status = || {
        let mut q = possible::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(possible::status.eq(s));
        }
        q
    };
    let total: i64 = of_status().count().get_result(conn)?;
    let rows = of_status()
        .order((possible::place, possible::score.desc(), possible::id))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Writes a reviewer's decision on a possible divergence if it is still open; false when
/// someone decided first.
pub fn review_possible(
    conn: &mut DbConnection,
    id: i64,
    status: PossibleStatus,
    decided_by: i64,
    at: NaiveDateTime,
    note: Option<&str>,
    case_id: Option<i64>,
) -> StoreResult<bool> {
    let n = diesel::update(
        possible::table
            .filter(possible::id.eq(id))
            .filter(possible::status.eq(PossibleStatus::Open)),
    )
    .set((
        possible::status.eq(status),
        possible::decided_by.eq(Some(decided_by)),
        possible::decided_at.eq(Some(at)),
        possible::note.eq(note),
        possible::case_id.eq(case_id),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Serialises the placing of new cases in topics between instances, to the end of the
/// transaction: two instances that each see only their own new pair would otherwise open two
/// topics for questions that one pair links. SQLite's writer is single already.
pub fn lock_topics(conn: &mut DbConnection) -> StoreResult<()> {
    match conn {
        DbConnection::Pg(_) => {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({TOPIC_LOCK})"))
                .execute(conn)?;
        }
        DbConnection::Sqlite(_) => {}
    }
    Ok(())
}

/// The topic a new case about `questions` belongs to: the open topics of cases that share one of
/// them are merged into the oldest, which is returned; without any, a new open topic.
pub fn topic_for(
    conn: &mut DbConnection,
    question_ids: &[i64],
    at: NaiveDateTime,
) -> StoreResult<i64> {
    let mut linked: Vec<i64> = cases::table
        .inner_join(topics::table.on(topics::id.eq(cases::topic_id)))
        .filter(
            cases::question_a
                .eq_any(question_ids)
                .or(cases::question_b.eq_any(question_ids)),
        )
        .filter(topics::status.eq("open"))
        .filter(topics::merged_into.is_null())
        .select(topics::id)
        .load(conn)?;
    linked.sort_unstable();
    linked.dedup();
    let Some((&keep, others)) = linked.split_first() else {
        return Ok(diesel::insert_into(topics::table)
            .values((
                topics::status.eq("open"),
                topics::created_at.eq(at),
                topics::version.eq(1i64),
            ))
            .returning(topics::id)
            .get_result(conn)?);
    };
    if !others.is_empty() {
        diesel::update(cases::table.filter(cases::topic_id.eq_any(others)))
            .set(cases::topic_id.eq(keep))
            .execute(conn)?;
        diesel::update(topics::table.filter(topics::id.eq_any(others)))
            .set((
                topics::merged_into.eq(Some(keep)),
                topics::version.eq(topics::version + 1),
            ))
            .execute(conn)?;
    }
    // The topic changed under anyone reviewing it: their decision must see the new question.
    diesel::update(topics::table.find(keep))
        .set(topics::version.eq(topics::version + 1))
        .execute(conn)?;
    Ok(keep)
}

pub fn topic(conn: &mut DbConnection, id: i64) -> StoreResult<Option<ConsistencyTopicRow>> {
    Ok(topics::table.find(id).first(conn).optional()?)
}

/// The cases of topics, in id order.
pub fn cases_of_topics(
    conn: &mut DbConnection,
    topic_ids: &[i64],
) -> StoreResult<Vec<ConsistencyCaseRow>> {
    Ok(cases::table
        .filter(cases::topic_id.eq_any(topic_ids))
        .order(cases::id)
        .load(conn)?)
}

/// One page of the topics that were not merged into others, oldest first, optionally of one
/// status, and how many there are.
pub fn list_topics(
    conn: &mut DbConnection,
    status: Option<CaseStatus>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<ConsistencyTopicRow>, i64)> {
    let of_status = || {
        let mut q = topics::table
            .filter(topics::merged_into.is_null())
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(topics::status.eq(s));
        }
        q
    };
    let total: i64 = of_status().count().get_result(conn)?;
    let rows = of_status()
        .order((topics::created_at, topics::id))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Writes a topic's decision if it is still at `version`; false when it changed meanwhile (a
/// decision, or a new question joined it).
#[allow(clippy::too_many_arguments)]
pub fn decide_topic(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    status: CaseStatus,
    decided_by: i64,
    at: NaiveDateTime,
    note: &str,
    routed_question: Option<i64>,
) -> StoreResult<bool> {
    let n = diesel::update(
        topics::table
            .filter(topics::id.eq(id))
            .filter(topics::version.eq(version)),
    )
    .set((
        topics::status.eq(status),
        topics::decided_by.eq(Some(decided_by)),
        topics::decided_at.eq(Some(at)),
        topics::note.eq(Some(note)),
        topics::routed_question.eq(routed_question),
        topics::version.eq(version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// How many cases of a topic are still open.
pub fn open_cases_in_topic(conn: &mut DbConnection, topic_id: i64) -> StoreResult<i64> {
    Ok(cases::table
        .filter(cases::topic_id.eq(topic_id))
        .filter(cases::status.eq("open"))
        .count()
        .get_result(conn)?)
}

pub fn get(conn: &mut DbConnection, id: i64) -> StoreResult<Option<ConsistencyCaseRow>> {
    Ok(cases::table.find(id).first(conn).optional()?)
}

/// One page of the cases, oldest first (then by id), optionally of one status, and how many
/// there are.
pub fn list(
    conn: &mut DbConnection,
    status: Option<CaseStatus>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<ConsistencyCaseRow>, i64)> {
    let of_status = || {
        let mut q = cases::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(cases::status.eq(s));
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
    status: CaseStatus,
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

/// A decided pair: question_a, question_b, the decision and its note.
pub type DecidedPair = (i64, i64, CaseStatus, Option<String>);

/// The decided cases, in id order: the legal department's labels.
pub fn decided_pairs(conn: &mut DbConnection) -> StoreResult<Vec<DecidedPair>> {
    Ok(cases::table
        .filter(cases::status.ne(CaseStatus::Open))
        .order(cases::id)
        .select((
            cases::question_a,
            cases::question_b,
            cases::status,
            cases::note,
        ))
        .load(conn)?)
}

/// The dismissed possible divergences (question_a, question_b, note), in id order.
pub fn dismissed_pairs(conn: &mut DbConnection) -> StoreResult<Vec<(i64, i64, Option<String>)>> {
    Ok(possible::table
        .filter(possible::status.eq(PossibleStatus::Dismissed))
        .order(possible::id)
        .select((possible::question_a, possible::question_b, possible::note))
        .load(conn)?)
}
