//! Questions with their stages, pauses, answers, events and the change log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::*;
use super::prepared::Reused;
use super::schema::{answers, events, questions, stage_pauses, stages};
use super::{DbConnection, StoreResult};
use crate::domain::answer::BindingStatus;
use crate::domain::question::{EventKind, Priority, Status};
use crate::domain::structure::Level;
use crate::domain::Code;

pub fn insert(conn: &mut DbConnection, q: &NewQuestion<'_>) -> StoreResult<i64> {
    Ok(diesel::insert_into(questions::table)
        .values(q)
        .returning(questions::id)
        .get_result(conn)?)
}

/// Gives a new question its reference and returns the whole row, as written.
pub fn set_reference(
    conn: &mut DbConnection,
    id: i64,
    reference: &str,
) -> StoreResult<QuestionRow> {
    Ok(Reused(
        diesel::update(questions::table.find(id))
            .set(questions::reference.eq(reference))
            .returning(questions::all_columns),
    )
    .get_result(conn)?)
}

/// The reference of question `id` created in `year`: `PS-2026-000042`.
pub fn reference(year: i32, id: i64) -> String {
    format!("PS-{year}-{id:06}")
}

/// What a new question starts with besides its own row: the clock of its first stage (which
/// is entered at the question's forum and level when it is created), the event that records
/// its creation, and the one user who follows it.
#[derive(Debug, Clone, Copy)]
pub struct FirstRows<'a> {
    pub sla_clock: Option<f64>,
    pub actor_id: Option<i64>,
    pub kind: EventKind,
    pub note: Option<&'a str>,
    pub follower: i64,
}

/// The rows a new question was written with.
#[derive(Debug, Clone)]
pub struct Created {
    pub question: QuestionRow,
    pub stage: StageRow,
    pub event: EventRow,
}

/// Writes a new question with its reference, its first stage and event, its follower and the
/// change for the indexer. `q.reference` is not used: the reference is made from the id.
///
/// Submitting is the write users do most, and on PostgreSQL each statement is a round trip:
/// there the rows are written by one statement, on SQLite (in process) one by one.
pub fn create(
    conn: &mut DbConnection,
    q: &NewQuestion<'_>,
    first: &FirstRows<'_>,
) -> StoreResult<Created> {
    let year = chrono::Datelike::year(&q.created_at);
    match conn {
        DbConnection::Pg(c) => create_pg(c, q, first, year),
        DbConnection::Sqlite(_) => {
            // SQLite has one writer at a time, so no other transaction can hold this
            // placeholder before it is replaced.
            let id = insert(
                conn,
                &NewQuestion {
                    reference: "pending",
                    ..*q
                },
            )?;
            let question = set_reference(conn, id, &reference(year, id))?;
            let stage = insert_stage(conn, &first_stage(&question, first))?;
            let event = insert_event(conn, &first_event(&question, first))?;
            super::followers::add_follower(conn, id, first.follower, q.created_at)?;
            super::changes::record_change(conn, id, q.created_at)?;
            Ok(Created {
                question,
                stage,
                event,
            })
        }
    }
}

fn first_stage<'a>(q: &'a QuestionRow, first: &FirstRows<'_>) -> NewStage<'a> {
    NewStage {
        question_id: q.id,
        seq: 1,
        forum: &q.forum,
        level: q.level,
        entered_at: q.created_at,
        first_response_at: None,
        left_at: None,
        outcome: None,
        working_days: None,
        process: &q.process,
        priority: q.priority,
        sla_clock: first.sla_clock,
    }
}

fn first_event(q: &QuestionRow, first: &FirstRows<'_>) -> NewEvent {
    NewEvent {
        question_id: Some(q.id),
        answer_id: None,
        actor_id: first.actor_id,
        kind: first.kind,
        from_status: None,
        to_status: Some(q.status.as_str().to_string()),
        forum: Some(q.forum.clone()),
        note: first.note.map(String::from),
        data: None,
        created_at: q.created_at,
    }
}

/// The ids PostgreSQL gave the rows of a new question.
#[derive(QueryableByName)]
struct CreatedIds {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    reference: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    stage_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    event_id: i64,
}

/// The rows of `create` as one statement of data-modifying CTEs. The stage, event, follower
/// and change take the question's values ($2-$20); the reference is `reference` in SQL
/// (`lpad` alone would cut ids of more than six digits). Foreign keys are checked at the end
/// of the statement, when the question row is there.
const CREATE_PG: &str = "WITH n AS (SELECT nextval('questions_id_seq') AS id), \
q AS (INSERT INTO questions (id, reference, title, body, process, category, tags, countries, \
priority, urgent_reason, status, forum, level, unit, asker_id, assignee_id, claimed_by, \
duplicate_of, version, created_at, updated_at) \
SELECT n.id, 'PS-' || $1 || '-' || lpad(n.id::text, greatest(6, length(n.id::text)), '0'), \
$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20 FROM n \
RETURNING id, reference), \
s AS (INSERT INTO stages (question_id, seq, forum, level, entered_at, process, priority, \
sla_clock) SELECT q.id, 1, $11, $12, $19, $4, $8, $21 FROM q RETURNING id), \
e AS (INSERT INTO events (question_id, actor_id, kind, to_status, forum, note, created_at) \
SELECT q.id, $22, $23, $10, $11, $24, $19 FROM q RETURNING id), \
f AS (INSERT INTO followers (question_id, user_id, created_at) SELECT q.id, $25, $19 FROM q), \
c AS (INSERT INTO changes (question_id, created_at) SELECT q.id, $19 FROM q) \
SELECT q.id, q.reference, s.id AS stage_id, e.id AS event_id FROM q, s, e";

fn create_pg(
    c: &mut diesel::PgConnection,
    q: &NewQuestion<'_>,
    first: &FirstRows<'_>,
    year: i32,
) -> StoreResult<Created> {
    use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text, Timestamp};
    let ids: CreatedIds = Reused(
        diesel::sql_query(CREATE_PG)
            .into_boxed::<diesel::pg::Pg>()
            .bind::<Integer, _>(year)
            .bind::<Text, _>(q.title)
            .bind::<Text, _>(q.body)
            .bind::<Text, _>(q.process)
            .bind::<Nullable<Text>, _>(q.category)
            .bind::<Text, _>(q.tags)
            .bind::<Text, _>(q.countries)
            .bind::<Text, _>(q.priority)
            .bind::<Nullable<Text>, _>(q.urgent_reason)
            .bind::<Text, _>(q.status)
            .bind::<Text, _>(q.forum)
            .bind::<Text, _>(q.level)
            .bind::<Text, _>(q.unit)
            .bind::<Nullable<BigInt>, _>(q.asker_id)
            .bind::<Nullable<BigInt>, _>(q.assignee_id)
            .bind::<Nullable<BigInt>, _>(q.claimed_by)
            .bind::<Nullable<BigInt>, _>(q.duplicate_of)
            .bind::<BigInt, _>(q.version)
            .bind::<Timestamp, _>(q.created_at)
            .bind::<Timestamp, _>(q.updated_at)
            .bind::<Nullable<Double>, _>(first.sla_clock)
            .bind::<Nullable<BigInt>, _>(first.actor_id)
            .bind::<Text, _>(first.kind)
            .bind::<Nullable<Text>, _>(first.note)
            .bind::<BigInt, _>(first.follower),
    )
    .get_result(c)?;
    // The rows are what was just written, so they are made here rather than read back.
    let question = QuestionRow {
        id: ids.id,
        reference: ids.reference,
        title: q.title.to_string(),
        body: q.body.to_string(),
        process: q.process.to_string(),
        category: q.category.map(String::from),
        tags: q.tags.to_string(),
        countries: q.countries.to_string(),
        priority: q.priority,
        urgent_reason: q.urgent_reason.map(String::from),
        status: q.status,
        forum: q.forum.to_string(),
        level: q.level,
        unit: q.unit.to_string(),
        asker_id: q.asker_id,
        assignee_id: q.assignee_id,
        claimed_by: q.claimed_by,
        duplicate_of: q.duplicate_of,
        version: q.version,
        created_at: q.created_at,
        updated_at: q.updated_at,
    };
    let s = first_stage(&question, first);
    let stage = StageRow {
        id: ids.stage_id,
        question_id: s.question_id,
        seq: s.seq,
        forum: s.forum.to_string(),
        level: s.level,
        entered_at: s.entered_at,
        first_response_at: None,
        left_at: None,
        outcome: None,
        working_days: None,
        process: s.process.to_string(),
        priority: s.priority,
        warned: None,
        sla_clock: s.sla_clock,
    };
    let e = first_event(&question, first);
    let event = EventRow {
        id: ids.event_id,
        question_id: e.question_id,
        answer_id: e.answer_id,
        actor_id: e.actor_id,
        kind: e.kind,
        from_status: e.from_status,
        to_status: e.to_status,
        forum: e.forum,
        note: e.note,
        data: e.data,
        created_at: e.created_at,
    };
    Ok(Created {
        question,
        stage,
        event,
    })
}

/// Which of `references` are taken already (imports skip them).
pub fn existing_references(
    conn: &mut DbConnection,
    references: &[String],
) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in references.chunks(500) {
        out.extend(
            questions::table
                .filter(questions::reference.eq_any(chunk))
                .select(questions::reference)
                .load::<String>(conn)?,
        );
    }
    Ok(out)
}

/// The question with this human reference (PS-…), if any.
pub fn by_reference(conn: &mut DbConnection, reference: &str) -> StoreResult<Option<QuestionRow>> {
    Ok(questions::table
        .filter(questions::reference.eq(reference))
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConnection, id: i64) -> StoreResult<Option<QuestionRow>> {
    Ok(questions::table.find(id).first(conn).optional()?)
}

/// Takes the question for this transaction if its version is still `version`, by moving the
/// version on. On PostgreSQL the row stays locked until commit, so a concurrent step waits here
/// and then finds the version moved; returns false then (the caller answers 409).
pub fn take_version(conn: &mut DbConnection, id: i64, version: i64) -> StoreResult<bool> {
    let n = diesel::update(
        questions::table
            .filter(questions::id.eq(id))
            .filter(questions::version.eq(version)),
    )
    .set(questions::version.eq(version + 1))
    .execute(conn)?;
    Ok(n == 1)
}

/// Writes the new state of a question taken with `take_version`.
pub fn update_state(conn: &mut DbConnection, id: i64, state: &QuestionState) -> StoreResult<()> {
    diesel::update(questions::table.find(id))
        .set(state)
        .execute(conn)?;
    Ok(())
}

/// Filters of the question list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub forums: Option<Vec<String>>,
    pub statuses: Option<Vec<Status>>,
    pub level: Option<Level>,
    pub asker_id: Option<i64>,
}

fn filtered(f: &ListFilter) -> questions::BoxedQuery<'static, super::MultiBackend> {
    let mut q = questions::table.into_boxed();
    if let Some(forums) = &f.forums {
        q = q.filter(questions::forum.eq_any(forums.clone()));
    }
    if let Some(s) = &f.statuses {
        q = q.filter(questions::status.eq_any(s.clone()));
    }
    if let Some(l) = &f.level {
        q = q.filter(questions::level.eq(*l));
    }
    if let Some(a) = f.asker_id {
        q = q.filter(questions::asker_id.eq(a));
    }
    q
}

/// One page of matching questions, urgent first, then the most recently changed.
pub fn list(
    conn: &mut DbConnection,
    f: &ListFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<QuestionRow>, i64)> {
    let total: i64 = filtered(f).count().get_result(conn)?;
    let rows = filtered(f)
        .order((
            questions::priority.desc(),
            questions::updated_at.desc(),
            questions::id.desc(),
        ))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Every matching question, whole, in the list's order. The overdue list read these before it
/// ranked `Waiting` rows; the queue benchmark keeps that way as its baseline.
pub fn list_all(conn: &mut DbConnection, f: &ListFilter) -> StoreResult<Vec<QuestionRow>> {
    Ok(filtered(f)
        .order((
            questions::priority.desc(),
            questions::updated_at.desc(),
            questions::id.desc(),
        ))
        .load(conn)?)
}

/// A question reduced to what its place in a queue or in the overdue list depends on: its
/// priority, status and times, and its current stage (the one with the highest `seq`). No
/// texts: ranking every waiting question of a forum reads these, and only the rows of the
/// page shown are read whole.
#[derive(Debug, Clone, QueryableByName)]
pub struct Waiting {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub priority: Priority,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: Status,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub forum: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub asker_id: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub assignee_id: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    pub updated_at: NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub stage_id: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub level: Option<Level>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    pub entered_at: Option<NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    pub first_response_at: Option<NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    pub left_at: Option<NaiveDateTime>,
    /// 1 when the stage has ever been paused: only those stages' pauses are read.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub paused_ever: i32,
}

/// The earliest entry times of a running stage at `level` with `urgent` priority (or not) that
/// can make it overdue now: entered before `resolve`, or before `first_response` while it has
/// had no first response (see `domain::sla::entered_before_to_exceed`).
#[derive(Debug, Clone)]
pub struct OverdueCutoff {
    pub level: Level,
    pub urgent: bool,
    pub resolve: NaiveDateTime,
    pub first_response: NaiveDateTime,
}

/// Every question matching `f` in its `Waiting` form, in no particular order. With
/// `overdue_cutoffs`, only running stages that entered early enough to be overdue now (a
/// stage at a level without a cutoff is left out: it has no target, so it is never overdue).
pub fn waiting(
    conn: &mut DbConnection,
    f: &ListFilter,
    overdue_cutoffs: Option<&[OverdueCutoff]>,
) -> StoreResult<Vec<Waiting>> {
    use diesel::sql_types::{BigInt, Text, Timestamp};
    // An empty choice matches nothing (and `IN ()` is not SQL PostgreSQL takes).
    if f.forums.as_ref().is_some_and(Vec::is_empty)
        || f.statuses.as_ref().is_some_and(Vec::is_empty)
    {
        return Ok(Vec::new());
    }
    // Placeholders are numbered in the order they appear and each is used once, which both
    // backends read alike.
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    let mut sql = String::from(
        "SELECT q.id AS id, q.priority AS priority, q.status AS status, q.forum AS forum, \
                q.asker_id AS asker_id, q.assignee_id AS assignee_id, q.created_at AS created_at, q.updated_at AS updated_at, s.id AS stage_id, \
                s.level AS level, s.entered_at AS entered_at, \
                s.first_response_at AS first_response_at, s.left_at AS left_at, \
                CASE WHEN EXISTS (SELECT 1 FROM stage_pauses p WHERE p.stage_id = s.id) \
                     THEN 1 ELSE 0 END AS paused_ever \
         FROM questions q \
         LEFT JOIN stages s ON s.question_id = q.id \
              AND s.seq = (SELECT MAX(s2.seq) FROM stages s2 WHERE s2.question_id = q.id) \
         WHERE 1 = 1",
    );
    let list = |next: &mut dyn FnMut() -> String, len: usize| {
        (0..len).map(|_| next()).collect::<Vec<_>>().join(", ")
    };
    if let Some(forums) = &f.forums {
        sql.push_str(&format!(
            " AND q.forum IN ({})",
            list(&mut next, forums.len())
        ));
    }
    if let Some(statuses) = &f.statuses {
        sql.push_str(&format!(
            " AND q.status IN ({})",
            list(&mut next, statuses.len())
        ));
    }
    if f.level.is_some() {
        sql.push_str(&format!(" AND q.level = {}", next()));
    }
    if f.asker_id.is_some() {
        sql.push_str(&format!(" AND q.asker_id = {}", next()));
    }
    if let Some(cutoffs) = overdue_cutoffs {
        let arms: Vec<String> = cutoffs
            .iter()
            .map(|c| {
                format!(
                    "(s.level = {} AND q.priority {} 'urgent' AND (s.entered_at < {} \
                      OR (s.first_response_at IS NULL AND s.entered_at < {})))",
                    next(),
                    if c.urgent { "=" } else { "<>" },
                    next(),
                    next()
                )
            })
            .collect();
        let arms = if arms.is_empty() {
            "1 = 0".to_string()
        } else {
            arms.join(" OR ")
        };
        sql.push_str(&format!(" AND s.left_at IS NULL AND ({arms})"));
    }
    let mut q = diesel::sql_query(sql).into_boxed::<super::MultiBackend>();
    for forum in f.forums.iter().flatten() {
        q = q.bind::<Text, _>(forum.clone());
    }
    for status in f.statuses.iter().flatten() {
        q = q.bind::<Text, _>(*status);
    }
    if let Some(level) = &f.level {
        q = q.bind::<Text, _>(*level);
    }
    if let Some(asker) = f.asker_id {
        q = q.bind::<BigInt, _>(asker);
    }
    for c in overdue_cutoffs.into_iter().flatten() {
        q = q
            .bind::<Text, _>(c.level)
            .bind::<Timestamp, _>(c.resolve)
            .bind::<Timestamp, _>(c.first_response);
    }
    Ok(q.load(conn)?)
}

/// Questions by id, in the order of `ids` (a page of a ranked list).
pub fn by_ids_in_order(conn: &mut DbConnection, ids: &[i64]) -> StoreResult<Vec<QuestionRow>> {
    let mut rows: std::collections::HashMap<i64, QuestionRow> =
        by_ids(conn, ids)?.into_iter().map(|q| (q.id, q)).collect();
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}

pub fn insert_stage(conn: &mut DbConnection, s: &NewStage<'_>) -> StoreResult<StageRow> {
    Ok(diesel::insert_into(stages::table)
        .values(s)
        .returning(stages::all_columns)
        .get_result(conn)?)
}

pub fn stages_of(conn: &mut DbConnection, question_id: i64) -> StoreResult<Vec<StageRow>> {
    Ok(stages::table
        .filter(stages::question_id.eq(question_id))
        .order(stages::seq)
        .load(conn)?)
}

/// The current stages of many questions at once (the open one, or the last one).
pub fn last_stages(conn: &mut DbConnection, question_ids: &[i64]) -> StoreResult<Vec<StageRow>> {
    let rows: Vec<StageRow> = stages::table
        .filter(stages::question_id.eq_any(question_ids))
        .order((stages::question_id, stages::seq))
        .load(conn)?;
    let mut last: Vec<StageRow> = Vec::new();
    for r in rows {
        match last.last_mut() {
            Some(l) if l.question_id == r.question_id => *l = r,
            _ => last.push(r),
        }
    }
    Ok(last)
}

pub fn set_first_response(
    conn: &mut DbConnection,
    stage_id: i64,
    at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(
        stages::table
            .filter(stages::id.eq(stage_id))
            .filter(stages::first_response_at.is_null()),
    )
    .set(stages::first_response_at.eq(at))
    .execute(conn)?;
    Ok(())
}

pub fn end_stage(
    conn: &mut DbConnection,
    stage_id: i64,
    at: NaiveDateTime,
    outcome: crate::domain::question::StageOutcome,
    working_days: f64,
) -> StoreResult<()> {
    diesel::update(stages::table.find(stage_id))
        .set((
            stages::left_at.eq(at),
            stages::outcome.eq(outcome),
            stages::working_days.eq(working_days),
            stages::sla_clock.eq(None::<f64>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores where a running stage's clock stands (None while it is paused).
pub fn set_sla_clock(
    conn: &mut DbConnection,
    stage_id: i64,
    sla_clock: Option<f64>,
) -> StoreResult<()> {
    diesel::update(stages::table.find(stage_id))
        .set(stages::sla_clock.eq(sla_clock))
        .execute(conn)?;
    Ok(())
}

pub fn pauses_of(conn: &mut DbConnection, stage_ids: &[i64]) -> StoreResult<Vec<PauseRow>> {
    Ok(stage_pauses::table
        .filter(stage_pauses::stage_id.eq_any(stage_ids))
        .order(stage_pauses::id)
        .load(conn)?)
}

pub fn start_pause(conn: &mut DbConnection, stage_id: i64, at: NaiveDateTime) -> StoreResult<()> {
    diesel::insert_into(stage_pauses::table)
        .values((
            stage_pauses::stage_id.eq(stage_id),
            stage_pauses::started_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn end_pauses(conn: &mut DbConnection, stage_id: i64, at: NaiveDateTime) -> StoreResult<()> {
    diesel::update(
        stage_pauses::table
            .filter(stage_pauses::stage_id.eq(stage_id))
            .filter(stage_pauses::ended_at.is_null()),
    )
    .set(stage_pauses::ended_at.eq(at))
    .execute(conn)?;
    Ok(())
}

pub fn insert_answer(conn: &mut DbConnection, a: &NewAnswer<'_>) -> StoreResult<i64> {
    Ok(diesel::insert_into(answers::table)
        .values(a)
        .returning(answers::id)
        .get_result(conn)?)
}

pub fn answer(conn: &mut DbConnection, id: i64) -> StoreResult<Option<AnswerRow>> {
    Ok(answers::table.find(id).first(conn).optional()?)
}

pub fn answers_of(conn: &mut DbConnection, question_id: i64) -> StoreResult<Vec<AnswerRow>> {
    Ok(answers::table
        .filter(answers::question_id.eq(question_id))
        .order(answers::id)
        .load(conn)?)
}

/// Sets an answer's binding status if its version is still `version`.
pub fn update_binding_status(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    status: &str,
    superseded_by: Option<i64>,
    at: NaiveDateTime,
) -> StoreResult<bool> {
    let n = diesel::update(
        answers::table
            .filter(answers::id.eq(id))
            .filter(answers::version.eq(version)),
    )
    .set((
        answers::binding_status.eq(status),
        answers::superseded_by.eq(superseded_by),
        answers::updated_at.eq(at),
        answers::version.eq(version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_event(conn: &mut DbConnection, e: &NewEvent) -> StoreResult<EventRow> {
    Ok(diesel::insert_into(events::table)
        .values(e)
        .returning(events::all_columns)
        .get_result(conn)?)
}

pub fn events_of(conn: &mut DbConnection, question_id: i64) -> StoreResult<Vec<EventRow>> {
    Ok(events::table
        .filter(events::question_id.eq(question_id))
        .order(events::id)
        .load(conn)?)
}

pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> StoreResult<Vec<QuestionRow>> {
    Ok(questions::table
        .filter(questions::id.eq_any(ids))
        .order(questions::id)
        .load(conn)?)
}

/// The next `limit` questions after `after_id`, in id order (for rebuilding the index).
pub fn page_after(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<QuestionRow>> {
    Ok(questions::table
        .filter(questions::id.gt(after_id))
        .order(questions::id)
        .limit(limit)
        .load(conn)?)
}

pub fn count(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(questions::table.count().get_result(conn)?)
}

/// The answers of several questions, by question then id.
pub fn answers_for(conn: &mut DbConnection, question_ids: &[i64]) -> StoreResult<Vec<AnswerRow>> {
    Ok(answers::table
        .filter(answers::question_id.eq_any(question_ids))
        .order((answers::question_id, answers::id))
        .load(conn)?)
}

/// The binding status of the latest answer (highest id) of each of `question_ids` that has one.
pub fn latest_answer_statuses(
    conn: &mut DbConnection,
    question_ids: &[i64],
) -> StoreResult<Vec<(i64, BindingStatus)>> {
    let mut latest: std::collections::HashMap<i64, (i64, BindingStatus)> =
        std::collections::HashMap::new();
    for chunk in question_ids.chunks(500) {
        let rows: Vec<(i64, i64, BindingStatus)> = answers::table
            .filter(answers::question_id.eq_any(chunk))
            .select((answers::question_id, answers::id, answers::binding_status))
            .load(conn)?;
        for (q, id, status) in rows {
            let e = latest.entry(q).or_insert((id, status));
            if id >= e.0 {
                *e = (id, status);
            }
        }
    }
    Ok(latest.into_iter().map(|(q, (_, s))| (q, s)).collect())
}

/// One page of the temporary answers whose review date (YYYY-MM-DD, so text order is date
/// order) is `until` or earlier, soonest first (then by id), and how many there are.
pub fn temporary_answers_due(
    conn: &mut DbConnection,
    until: &str,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<AnswerRow>, i64)> {
    let due = || {
        answers::table
            .filter(answers::binding_status.eq("temporary"))
            .filter(answers::review_date.le(until.to_string()))
    };
    let total: i64 = due().count().get_result(conn)?;
    let rows = due()
        .order((answers::review_date.asc(), answers::id.asc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}
