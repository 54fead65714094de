//! Report queries: stage aggregates in SQL (one scan per question asked), open stages for the
//! few numbers that depend on "now".

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::models::PauseRow;
use super::schema::{stage_pauses, stages};
use super::{DbConnection, StoreResult};

/// What a report groups by; each maps to a stage column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Level,
    Forum,
    Process,
}

impl GroupBy {
    fn column(self) -> &'static str {
        match self {
            GroupBy::Level => "level",
            GroupBy::Forum => "forum",
            GroupBy::Process => "process",
        }
    }
}

#[derive(Debug, Clone, QueryableByName)]
pub struct GroupCount {
    #[diesel(sql_type = Text)]
    pub grp: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Stages that ended in the period: by group, outcome, level, priority and working days in
/// hundredths (a histogram: percentiles and target shares come from it without sorting rows).
#[derive(Debug, Clone, QueryableByName)]
pub struct EndedBin {
    #[diesel(sql_type = Text)]
    pub grp: String,
    #[diesel(sql_type = Text)]
    pub outcome: String,
    #[diesel(sql_type = Text)]
    pub level: String,
    #[diesel(sql_type = Text)]
    pub priority: String,
    #[diesel(sql_type = BigInt)]
    pub bin: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Stages entered in [from, to), by group.
pub fn received(
    conn: &mut DbConnection,
    by: GroupBy,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> StoreResult<Vec<GroupCount>> {
    let sql = format!(
        "SELECT {c} AS grp, COUNT(*) AS n FROM stages WHERE entered_at >= $1 AND entered_at < $2 GROUP BY {c}",
        c = by.column()
    );
    Ok(diesel::sql_query(sql)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to)
        .load(conn)?)
}

/// Stages that ended by an answer or an escalation in [from, to).
pub fn ended(
    conn: &mut DbConnection,
    by: GroupBy,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> StoreResult<Vec<EndedBin>> {
    // CAST alone truncates on SQLite but rounds on PostgreSQL: round first, then cast an integral value.
    let sql = format!(
        "SELECT {c} AS grp, outcome, level, priority, \
                CAST(ROUND(working_days * 100) AS BIGINT) AS bin, COUNT(*) AS n \
         FROM stages \
         WHERE left_at >= $1 AND left_at < $2 AND outcome IN ('answered', 'escalated') \
         GROUP BY {c}, outcome, level, priority, CAST(ROUND(working_days * 100) AS BIGINT)",
        c = by.column()
    );
    Ok(diesel::sql_query(sql)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to)
        .load(conn)?)
}

/// A stage that is running now.
#[derive(Debug, Clone, QueryableByName)]
pub struct OpenStage {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub question_id: i64,
    #[diesel(sql_type = Text)]
    pub level: String,
    #[diesel(sql_type = Text)]
    pub forum: String,
    #[diesel(sql_type = Text)]
    pub process: String,
    #[diesel(sql_type = Text)]
    pub priority: String,
    #[diesel(sql_type = Timestamp)]
    pub entered_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub first_response_at: Option<NaiveDateTime>,
}

pub fn open_stages(conn: &mut DbConnection) -> StoreResult<Vec<OpenStage>> {
    Ok(diesel::sql_query(
        "SELECT id, question_id, level, forum, process, priority, entered_at, first_response_at \
         FROM stages WHERE left_at IS NULL ORDER BY id",
    )
    .load(conn)?)
}

/// Pauses of the stages that are running now.
pub fn open_stage_pauses(conn: &mut DbConnection) -> StoreResult<Vec<PauseRow>> {
    Ok(stage_pauses::table
        .inner_join(stages::table)
        .filter(stages::left_at.is_null())
        .select(stage_pauses::all_columns)
        .order(stage_pauses::stage_id)
        .load(conn)?)
}
