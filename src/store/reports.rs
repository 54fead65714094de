//! Report queries: the monthly rollups of stages and their upkeep, the raw stage aggregates for
//! the partial months at a period's edges, and the open stages counted on their SLA clocks.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text, Timestamp};

use super::models::{PauseRow, StageRow};
use super::prepared::Reused;
use super::schema::{stage_pauses, stages};
use super::{DbConnection, StoreResult};
use crate::domain::question::{Priority, StageOutcome};
use crate::domain::sla::RollupKind;
use crate::domain::structure::Level;
use crate::domain::Code;

/// What a report groups by; each maps to a stage column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Level,
    Forum,
    Process,
}

impl GroupBy {
    /// The rollups' `dim` value, which is also the stage column.
    pub fn column(self) -> &'static str {
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
    pub outcome: StageOutcome,
    #[diesel(sql_type = Text)]
    pub level: Level,
    #[diesel(sql_type = Text)]
    pub priority: Priority,
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
    pub level: Level,
    #[diesel(sql_type = Text)]
    pub forum: String,
    #[diesel(sql_type = Text)]
    pub process: String,
    #[diesel(sql_type = Text)]
    pub priority: Priority,
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

/// Open stages by id (the few whose state is decided in Rust), with their pauses.
pub fn open_stages_by_id(
    conn: &mut DbConnection,
    ids: &[i64],
) -> StoreResult<(Vec<OpenStage>, Vec<PauseRow>)> {
    let mut stages_out = Vec::new();
    let mut pauses = Vec::new();
    for chunk in ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT id, question_id, level, forum, process, priority, entered_at, first_response_at \
             FROM stages WHERE left_at IS NULL AND id IN ({list}) ORDER BY id"
        );
        stages_out.extend(diesel::sql_query(sql).load::<OpenStage>(conn)?);
        pauses.extend(
            stage_pauses::table
                .filter(stage_pauses::stage_id.eq_any(chunk))
                .order(stage_pauses::stage_id)
                .load::<PauseRow>(conn)?,
        );
    }
    Ok((stages_out, pauses))
}

// ---- open stages on their SLA clocks ---------------------------------------------------------

/// Where the thresholds of one (level, priority) lie on the working clock now: a running stage
/// with `sla_clock < overdue_below` has used more than its target, with `sla_clock <=
/// at_risk_at_or_below` at least the at-risk share, with `sla_clock < first_response_below`
/// more than the first-response target (which counts while it has no first response).
#[derive(Debug, Clone)]
pub struct OpenLimits {
    pub level: Level,
    pub priority: Priority,
    pub overdue_below: f64,
    pub at_risk_at_or_below: f64,
    pub first_response_below: f64,
}

/// What the counting query needs: the clock now, the limits per (level, priority), the age
/// buckets' lower bounds as clock values (used >= 3, 6, 11, 21 working days), the margin
/// within which a stage is handed to Rust instead of being decided by a float comparison, and
/// the clock below which a stage is past every limit and every bucket floor by more than the
/// margin (overdue, over 20 days: most of a large backlog, counted from an index alone).
#[derive(Debug, Clone)]
pub struct OpenQuery {
    pub now_clock: f64,
    pub limits: Vec<OpenLimits>,
    pub age_at_or_below: [f64; 4],
    pub margin: f64,
    pub past_everything_below: f64,
}

/// Open stages with a clock per group, counted in SQL.
#[derive(Debug, Clone, QueryableByName)]
pub struct OpenCounts {
    #[diesel(sql_type = Text)]
    pub grp: String,
    #[diesel(sql_type = BigInt)]
    pub open: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    #[diesel(sql_type = BigInt)]
    pub at_risk: i64,
    #[diesel(sql_type = BigInt)]
    pub b0: i64,
    #[diesel(sql_type = BigInt)]
    pub b1: i64,
    #[diesel(sql_type = BigInt)]
    pub b2: i64,
    #[diesel(sql_type = BigInt)]
    pub b3: i64,
    #[diesel(sql_type = BigInt)]
    pub b4: i64,
    /// Stages of the group that SQL must not decide (see `near_limit`); 0 almost always.
    #[diesel(sql_type = BigInt)]
    pub near: i64,
    /// The group's earliest clock: its longest-waiting stage.
    #[diesel(sql_type = Double)]
    pub earliest_clock: f64,
}

#[derive(Debug, Clone, QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// A float as an SQL literal. Only for values this module computed itself (clock values,
/// margins), never for input: the limits change at every call, so binding them buys nothing,
/// and a literal keeps the placeholder numbering (which SQLite and PostgreSQL read differently
/// when one is repeated) out of the way.
fn lit(x: f64) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    format!("CAST({x:?} AS DOUBLE PRECISION)")
}

/// A quoted string literal, for the level and priority codes of the limits table.
fn text_lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The open stages with a clock (only those not past everything, if `young_only`), with their limits (NULL when
/// their level or priority is unknown) and whether they have had a first response; `{col}` is
/// the grouping column.
fn open_base(q: &OpenQuery, col: &str, young_only: bool) -> String {
    let limits = if q.limits.is_empty() {
        "SELECT '' AS level, '' AS priority, 0.0 AS lo, 0.0 AS lr, 0.0 AS lf".to_string()
    } else {
        q.limits
            .iter()
            .map(|l| {
                format!(
                    "SELECT {} AS level, {} AS priority, {} AS lo, {} AS lr, {} AS lf",
                    text_lit(l.level.as_str()),
                    text_lit(l.priority.as_str()),
                    lit(l.overdue_below),
                    lit(l.at_risk_at_or_below),
                    lit(l.first_response_below)
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    };
    format!(
        "SELECT s.id AS id, s.{col} AS grp, s.sla_clock AS k, \
                CASE WHEN s.first_response_at IS NULL THEN 1 ELSE 0 END AS nofr, \
                t.lo AS lo, t.lr AS lr, t.lf AS lf \
         FROM stages s LEFT JOIN ({limits}) t ON t.level = s.level AND t.priority = s.priority \
         WHERE s.left_at IS NULL AND s.sla_clock >= {from}",
        from = if young_only {
            lit(q.past_everything_below)
        } else {
            "-1e300".to_string()
        },
    )
}

/// True for the stages of `open_base` that SQL must not decide: unknown limits, or a clock
/// within the margin of any limit or of zero time used.
fn near_limit(q: &OpenQuery) -> String {
    let m = lit(q.margin);
    let mut near = vec![
        format!("ABS(x.k - x.lo) < {m}"),
        format!("ABS(x.k - x.lr) < {m}"),
        format!("(x.nofr = 1 AND ABS(x.k - x.lf) < {m})"),
        format!("x.k > {}", lit(q.now_clock - q.margin)),
    ];
    for a in q.age_at_or_below {
        near.push(format!("ABS(x.k - {}) < {m}", lit(a)));
    }
    format!("(x.lo IS NULL OR {})", near.join(" OR "))
}

/// The open stages with a clock per group: those past everything from the grouping's clock
/// index alone, the others in one pass that compares each with its limits. With
/// `decided_only`, the stages near a limit are left out (they are evaluated in Rust);
/// otherwise they are counted by the clock like the others, and `near` says whether that
/// matters.
pub fn open_counts(
    conn: &mut DbConnection,
    by: GroupBy,
    q: &OpenQuery,
    decided_only: bool,
) -> StoreResult<Vec<OpenCounts>> {
    let old = format!(
        "SELECT {c} AS grp, COUNT(*) AS open, COUNT(*) AS overdue, {z} AS at_risk, {z} AS b0, \
                {z} AS b1, {z} AS b2, {z} AS b3, COUNT(*) AS b4, {z} AS near, \
                MIN(sla_clock) AS earliest_clock \
         FROM stages WHERE left_at IS NULL AND sla_clock < {below} GROUP BY {c}",
        c = by.column(),
        below = lit(q.past_everything_below),
        z = "CAST(0 AS BIGINT)",
    );
    let mut counts: Vec<OpenCounts> = diesel::sql_query(old).load(conn)?;
    let overdue = "(x.k < x.lo OR (x.nofr = 1 AND x.k < x.lf))";
    let [a3, a6, a11, a21] = q.age_at_or_below.map(lit);
    let near = near_limit(q);
    let filter = if decided_only {
        format!("WHERE NOT {near}")
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT x.grp AS grp, COUNT(*) AS open, \
                SUM(CASE WHEN {overdue} THEN 1 ELSE 0 END) AS overdue, \
                SUM(CASE WHEN NOT {overdue} AND x.k <= x.lr THEN 1 ELSE 0 END) AS at_risk, \
                SUM(CASE WHEN x.k > {a3} THEN 1 ELSE 0 END) AS b0, \
                SUM(CASE WHEN x.k <= {a3} AND x.k > {a6} THEN 1 ELSE 0 END) AS b1, \
                SUM(CASE WHEN x.k <= {a6} AND x.k > {a11} THEN 1 ELSE 0 END) AS b2, \
                SUM(CASE WHEN x.k <= {a11} AND x.k > {a21} THEN 1 ELSE 0 END) AS b3, \
                SUM(CASE WHEN x.k <= {a21} THEN 1 ELSE 0 END) AS b4, \
                SUM(CASE WHEN {near} THEN 1 ELSE 0 END) AS near, \
                MIN(x.k) AS earliest_clock \
         FROM ({base}) x {filter} GROUP BY x.grp",
        base = open_base(q, by.column(), true),
    );
    let young: Vec<OpenCounts> = diesel::sql_query(sql).load(conn)?;
    for y in young {
        match counts.iter_mut().find(|c| c.grp == y.grp) {
            Some(c) => {
                c.open += y.open;
                c.overdue += y.overdue;
                c.at_risk += y.at_risk;
                c.b0 += y.b0;
                c.b1 += y.b1;
                c.b2 += y.b2;
                c.b3 += y.b3;
                c.b4 += y.b4;
                c.near += y.near;
                c.earliest_clock = c.earliest_clock.min(y.earliest_clock);
            }
            None => counts.push(y),
        }
    }
    Ok(counts)
}

/// Ids of the open stages with a clock that `open_counts` must not decide.
pub fn open_near_limit(conn: &mut DbConnection, q: &OpenQuery) -> StoreResult<Vec<i64>> {
    let sql = format!(
        "SELECT x.id AS id FROM ({base}) x WHERE {near}",
        base = open_base(q, "level", true),
        near = near_limit(q),
    );
    let ids: Vec<Id> = diesel::sql_query(sql).load(conn)?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

/// Ids of the open stages without a clock: paused, or not filled yet. In no particular order:
/// with ORDER BY id SQLite walks the plain left_at index and reads every open row.
pub fn open_unclocked(conn: &mut DbConnection) -> StoreResult<Vec<i64>> {
    let ids: Vec<Id> =
        diesel::sql_query("SELECT id FROM stages WHERE left_at IS NULL AND sla_clock IS NULL")
            .load(conn)?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

/// Ids of the open stages that may be at risk or overdue now and have not yet been warned
/// about being overdue (the mail job's candidates), those without a clock included.
pub fn open_warnable(conn: &mut DbConnection, q: &OpenQuery) -> StoreResult<Vec<i64>> {
    let m = lit(q.margin);
    let sql = format!(
        "SELECT x.id AS id FROM ({base}) x JOIN stages w ON w.id = x.id \
         WHERE (w.warned IS NULL OR w.warned <> 'overdue') \
           AND (x.lo IS NULL OR x.k <= x.lr + {m} OR x.k < x.lo + {m} \
                OR (x.nofr = 1 AND x.k < x.lf + {m})) \
",
        base = open_base(q, "level", false),
    );
    let ids: Vec<Id> = diesel::sql_query(sql).load(conn)?;
    let mut ids: Vec<i64> = ids.into_iter().map(|i| i.id).collect();
    ids.extend(open_unclocked(conn)?);
    ids.sort_unstable();
    Ok(ids)
}

/// The running stages of group `group` whose clock is at most `clock_at_most`: with the
/// group's earliest clock plus a margin, its longest-waiting ones.
pub fn open_oldest(
    conn: &mut DbConnection,
    by: GroupBy,
    group: &str,
    clock_at_most: f64,
) -> StoreResult<Vec<i64>> {
    let sql = format!(
        "SELECT id FROM stages WHERE left_at IS NULL AND {c} = $1 AND sla_clock <= $2",
        c = by.column()
    );
    let ids: Vec<Id> = diesel::sql_query(sql)
        .bind::<Text, _>(group)
        .bind::<Double, _>(clock_at_most)
        .load(conn)?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

/// Every open stage, to fill its clock (start-up backfill).
pub fn set_open_clocks(conn: &mut DbConnection, clocks: &[(i64, Option<f64>)]) -> StoreResult<()> {
    for &(id, clock) in clocks {
        diesel::update(stages::table.find(id))
            .set(stages::sla_clock.eq(clock))
            .execute(conn)?;
    }
    Ok(())
}

// ---- rollups ---------------------------------------------------------------------------------

/// The three groupings, as a derived table `d(dim)`, and the stage column each one reads.
const DIMS: &str = "(SELECT 'level' AS dim UNION ALL SELECT 'forum' UNION ALL SELECT 'process') d";
const GRP: &str =
    "CASE d.dim WHEN 'level' THEN s.level WHEN 'forum' THEN s.forum ELSE s.process END";
/// The working days of an ended stage in hundredths. CAST alone truncates on SQLite but rounds
/// on PostgreSQL: round first, then cast an integral value (the raw queries use the same).
const BIN: &str = "CAST(ROUND(s.working_days * 100) AS BIGINT)";
const UPSERT: &str = "ON CONFLICT (dim, month, grp, kind, within_target, bin, slot) \
                      DO UPDATE SET n = sla_rollups.n + excluded.n";
/// How many rows one count is spread over (see the migration `rollup_slots`): concurrent
/// transactions that count stages of the same level or process mostly add to different rows,
/// instead of each waiting for the other's commit on PostgreSQL.
const SLOTS: u32 = 16;

fn any_slot() -> i32 {
    let mut b = [0u8; 4];
    // Without randomness every count goes to slot 0, which is as correct, only less spread.
    let _ = getrandom::fill(&mut b);
    i32::try_from(u32::from_le_bytes(b) % SLOTS).unwrap_or(0)
}

/// Counts a stage that has just been entered in the month `month` ('YYYY-MM', Stockholm):
/// one row per grouping, for the month and for all time, as the rebuild's `GRP` groups it.
///
/// A plain upsert of known values rather than the rebuild's SELECT over the stage: every
/// submission runs it, and on PostgreSQL a query-builder statement is prepared once per
/// connection while `sql_query` text is parsed and planned at every call.
pub fn count_received(conn: &mut DbConnection, month: &str, stage: &StageRow) -> StoreResult<()> {
    use super::schema::sla_rollups as r;
    use diesel::upsert::excluded;
    let slot = any_slot();
    let groups = [
        ("level", crate::domain::Code::as_str(stage.level)),
        ("forum", stage.forum.as_str()),
        ("process", stage.process.as_str()),
    ];
    let rows: Vec<_> = [month, "*"]
        .into_iter()
        .flat_map(|m| {
            groups.map(|(dim, grp)| {
                (
                    r::dim.eq(dim),
                    r::month.eq(m),
                    r::grp.eq(grp),
                    r::kind.eq(RollupKind::Received),
                    r::within_target.eq(0),
                    r::bin.eq(0i64),
                    r::n.eq(1i64),
                    r::slot.eq(slot),
                )
            })
        })
        .collect();
    // The enum connection takes no batch insert: the same statement on each backend's own.
    macro_rules! upsert {
        () => {
            diesel::insert_into(r::table)
                .values(&rows)
                .on_conflict((
                    r::dim,
                    r::month,
                    r::grp,
                    r::kind,
                    r::within_target,
                    r::bin,
                    r::slot,
                ))
                .do_update()
                .set(r::n.eq(r::n + excluded(r::n)))
        };
    }
    match conn {
        // Loaded rather than executed: only a query the cache receives by value keeps
        // `Reused`, so this is prepared once per connection (six rows always).
        DbConnection::Pg(c) => {
            Reused(upsert!().returning(r::n)).get_results::<i64>(c)?;
        }
        DbConnection::Sqlite(c) => {
            upsert!().execute(c)?;
        }
    }
    Ok(())
}

/// Counts a stage that has just ended by an answer or an escalation in `month`; it ended within
/// its target when its working days in hundredths are at most `within_max_bin`.
pub fn count_ended(
    conn: &mut DbConnection,
    within_max_bin: i64,
    month: &str,
    stage_id: i64,
) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO sla_rollups (dim, month, grp, kind, within_target, bin, n, slot) \
         SELECT d.dim, m.month, {GRP}, s.outcome, CASE WHEN {BIN} <= $1 THEN 1 ELSE 0 END, \
                CASE WHEN s.outcome = 'answered' THEN {BIN} ELSE 0 END, 1, $2 \
         FROM (SELECT CAST($3 AS TEXT) AS month UNION ALL SELECT '*') m, stages s, {DIMS} \
         WHERE s.id = $4 AND s.outcome IN ('answered', 'escalated') AND s.working_days IS NOT NULL \
         {UPSERT}"
    );
    diesel::sql_query(sql)
        .bind::<BigInt, _>(within_max_bin)
        .bind::<Integer, _>(any_slot())
        .bind::<Text, _>(month)
        .bind::<BigInt, _>(stage_id)
        .execute(conn)?;
    Ok(())
}

/// The largest hundredths-of-a-day value within target per (level, priority); `fallback` for
/// levels not listed (as the report treats an unknown level).
#[derive(Debug, Clone)]
pub struct WithinBins {
    pub by_level: Vec<(String, i64, i64)>,
    pub fallback: (i64, i64),
}

impl WithinBins {
    /// An SQL expression: 1 when stage `s` ended within its target, else 0.
    fn expr(&self) -> String {
        let pick = |urgent: bool| {
            let arms: String = self
                .by_level
                .iter()
                .map(|(l, normal, u)| {
                    format!(
                        " WHEN {} THEN {}",
                        text_lit(l),
                        if urgent { u } else { normal }
                    )
                })
                .collect();
            let fb = if urgent {
                self.fallback.1
            } else {
                self.fallback.0
            };
            format!("CASE s.level{arms} ELSE {fb} END")
        };
        format!(
            "CASE WHEN {BIN} <= (CASE WHEN s.priority = 'urgent' THEN {} ELSE {} END) THEN 1 ELSE 0 END",
            pick(true),
            pick(false)
        )
    }
}

/// One Stockholm month: its name and [start, end) in UTC.
#[derive(Debug, Clone)]
pub struct Month {
    pub name: String,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

/// The earliest and latest instant any stage was entered or left, for the rebuild's months.
pub fn stage_span(conn: &mut DbConnection) -> StoreResult<Option<(NaiveDateTime, NaiveDateTime)>> {
    let entered: (Option<NaiveDateTime>, Option<NaiveDateTime>) = stages::table
        .select((
            diesel::dsl::min(stages::entered_at),
            diesel::dsl::max(stages::entered_at),
        ))
        .first(conn)?;
    let left: (Option<NaiveDateTime>, Option<NaiveDateTime>) = stages::table
        .select((
            diesel::dsl::min(stages::left_at),
            diesel::dsl::max(stages::left_at),
        ))
        .first(conn)?;
    let lo = [entered.0, left.0].into_iter().flatten().min();
    let hi = [entered.1, left.1].into_iter().flatten().max();
    Ok(lo.zip(hi))
}

/// Recomputes every rollup row from the stages, month by month (`months` must cover every
/// stage's entry and end), then the all-time rows from the monthly ones.
pub fn rebuild_rollups(
    conn: &mut DbConnection,
    months: &[Month],
    within: &WithinBins,
) -> StoreResult<()> {
    diesel::sql_query("DELETE FROM sla_rollups").execute(conn)?;
    let within = within.expr();
    for m in months {
        let name = text_lit(&m.name);
        let received = format!(
            "INSERT INTO sla_rollups (dim, month, grp, kind, within_target, bin, n) \
             SELECT d.dim, {name}, {GRP}, 'received', 0, 0, COUNT(*) \
             FROM stages s, {DIMS} WHERE s.entered_at >= $1 AND s.entered_at < $2 \
             GROUP BY d.dim, {GRP}"
        );
        diesel::sql_query(received)
            .bind::<Timestamp, _>(m.start)
            .bind::<Timestamp, _>(m.end)
            .execute(conn)?;
        let bin = format!("CASE WHEN s.outcome = 'answered' THEN {BIN} ELSE 0 END");
        let ended = format!(
            "INSERT INTO sla_rollups (dim, month, grp, kind, within_target, bin, n) \
             SELECT d.dim, {name}, {GRP}, s.outcome, {within}, {bin}, COUNT(*) \
             FROM stages s, {DIMS} WHERE s.left_at >= $1 AND s.left_at < $2 \
               AND s.outcome IN ('answered', 'escalated') AND s.working_days IS NOT NULL \
             GROUP BY d.dim, {GRP}, s.outcome, {within}, {bin}"
        );
        diesel::sql_query(ended)
            .bind::<Timestamp, _>(m.start)
            .bind::<Timestamp, _>(m.end)
            .execute(conn)?;
    }
    diesel::sql_query(
        "INSERT INTO sla_rollups (dim, month, grp, kind, within_target, bin, n) \
         SELECT dim, '*', grp, kind, within_target, bin, SUM(n) FROM sla_rollups \
         WHERE month <> '*' GROUP BY dim, grp, kind, within_target, bin",
    )
    .execute(conn)?;
    Ok(())
}

/// The fingerprint of the targets and working-time mode the rollups and clocks were made with.
pub fn rollup_fingerprint(conn: &mut DbConnection) -> StoreResult<Option<String>> {
    #[derive(QueryableByName)]
    struct F {
        #[diesel(sql_type = Text)]
        fingerprint: String,
    }
    let rows: Vec<F> =
        diesel::sql_query("SELECT fingerprint FROM sla_rollup_state WHERE id = 1").load(conn)?;
    Ok(rows.into_iter().next().map(|f| f.fingerprint))
}

pub fn set_rollup_fingerprint(conn: &mut DbConnection, fingerprint: &str) -> StoreResult<()> {
    diesel::sql_query("DELETE FROM sla_rollup_state").execute(conn)?;
    diesel::sql_query("INSERT INTO sla_rollup_state (id, fingerprint) VALUES (1, $1)")
        .bind::<Text, _>(fingerprint)
        .execute(conn)?;
    Ok(())
}

/// Keeps every other writer of the rollups out until this transaction ends, so that a rebuild
/// neither races another one nor loses or doubles a stage that a use case starts or ends
/// meanwhile (their upserts wait, then apply on top). SQLite's write transaction already
/// excludes every other writer.
pub fn lock_rollups(conn: &mut DbConnection) -> StoreResult<()> {
    if let DbConnection::Pg(_) = conn {
        diesel::sql_query("LOCK TABLE sla_rollups IN EXCLUSIVE MODE").execute(conn)?;
    }
    Ok(())
}

/// Rollup counts of one grouping, summed over a set of months.
#[derive(Debug, Clone, QueryableByName)]
pub struct RollupBin {
    #[diesel(sql_type = Text)]
    pub grp: String,
    #[diesel(sql_type = Text)]
    pub kind: RollupKind,
    #[diesel(sql_type = BigInt)]
    pub within_target: i64,
    #[diesel(sql_type = BigInt)]
    pub bin: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Which months of the rollups to sum.
#[derive(Debug, Clone)]
pub enum Months {
    /// 'first' to 'last' inclusive.
    Between(String, String),
    /// Every month before 'first' or after 'last'.
    Outside(String, String),
    /// The all-time rows.
    AllTime,
}

pub fn rollup_sums(
    conn: &mut DbConnection,
    by: GroupBy,
    months: &Months,
) -> StoreResult<Vec<RollupBin>> {
    let filter = match months {
        Months::Between(..) => "month >= $2 AND month <= $3",
        Months::Outside(..) => "month <> '*' AND (month < $2 OR month > $3)",
        Months::AllTime => "month = '*'",
    };
    let sql = format!(
        "SELECT grp, kind, CAST(within_target AS BIGINT) AS within_target, bin, \
                CAST(SUM(n) AS BIGINT) AS n \
         FROM sla_rollups WHERE dim = $1 AND {filter} \
         GROUP BY grp, kind, within_target, bin"
    );
    let query = diesel::sql_query(sql).bind::<Text, _>(by.column());
    Ok(match months {
        Months::Between(a, b) | Months::Outside(a, b) => query
            .bind::<Text, _>(a.as_str())
            .bind::<Text, _>(b.as_str())
            .load(conn)?,
        Months::AllTime => query.load(conn)?,
    })
}

/// Rollup counts of one kind (received, answered, escalated) in one month, over every group
/// of a grouping.
#[derive(Debug, Clone, QueryableByName)]
pub struct MonthCount {
    #[diesel(sql_type = Text)]
    pub month: String,
    #[diesel(sql_type = Text)]
    pub kind: RollupKind,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// The counts of each month from `first` to `last` (inclusive, 'YYYY-MM') by kind, summed
/// over the groups of `by`: a trend over months in one query.
pub fn rollup_kinds_by_month(
    conn: &mut DbConnection,
    by: GroupBy,
    first: &str,
    last: &str,
) -> StoreResult<Vec<MonthCount>> {
    Ok(diesel::sql_query(
        "SELECT month, kind, CAST(SUM(n) AS BIGINT) AS n FROM sla_rollups \
         WHERE dim = $1 AND month >= $2 AND month <= $3 GROUP BY month, kind",
    )
    .bind::<Text, _>(by.column())
    .bind::<Text, _>(first)
    .bind::<Text, _>(last)
    .load(conn)?)
}

/// The first and last month that has rollup rows ('*' sorts before every 'YYYY-MM', so the
/// months are the rows above it: two index lookups).
pub fn rollup_span(conn: &mut DbConnection) -> StoreResult<Option<(String, String)>> {
    #[derive(QueryableByName)]
    struct M {
        #[diesel(sql_type = Text)]
        month: String,
    }
    let mut edge = |order: &str| -> StoreResult<Option<String>> {
        let sql = format!(
            "SELECT month FROM sla_rollups WHERE dim = 'level' AND month > '*' \
             ORDER BY month {order} LIMIT 1"
        );
        let rows: Vec<M> = diesel::sql_query(sql).load(conn)?;
        Ok(rows.into_iter().next().map(|m| m.month))
    };
    let lo = edge("ASC")?;
    let hi = edge("DESC")?;
    Ok(lo.zip(hi))
}
