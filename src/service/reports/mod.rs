//! SLA and backlog reports for the legal department, the numbers /metrics exposes, and the
//! upkeep of the stage rollups and SLA clocks they are computed from.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::validate::Checks;
use super::{Actor, Service, ServiceError, ServiceResult};
use crate::domain::calendar;
use crate::domain::catalogue::{FieldProblem, Hint, Refusal, Thing};
use crate::domain::question::Priority;
use crate::domain::sla::{self, SlaState, StageTargets, StageTimes};
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::store;
use crate::store::models::{PauseRow, StageRow};
use crate::store::reports::{self as rs, GroupBy, Months, OpenStage};

pub mod book;
mod tally;
use tally::*;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlaReportQuery {
    /// First day (YYYY-MM-DD, Europe/Stockholm), inclusive; default 29 days before `to`.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD, Europe/Stockholm), inclusive; default today.
    pub to: Option<String>,
    /// level (default), forum or process
    pub group_by: Option<String>,
    /// json (default), csv or xlsx
    pub format: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BacklogQuery {
    /// level (default), forum or process
    pub group_by: Option<String>,
    /// json (default), csv or xlsx
    pub format: Option<String>,
}

/// One group of the SLA report, counted per stage.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct SlaRow {
    pub group: String,
    /// Stages entered in the period.
    pub received: i64,
    /// Stages that ended with an answer in the period.
    pub answered: i64,
    /// Stages that ended with an escalation in the period.
    pub escalated: i64,
    /// Median working days of the answered stages (paused time excluded).
    pub median_working_days: Option<f64>,
    pub p90_working_days: Option<f64>,
    /// Share (0–100) of the stages ended in the period that ended within their level's target.
    pub within_target_pct: Option<f64>,
    /// Stages open now.
    pub open: i64,
    /// Stages open now and past their target.
    pub overdue: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlaReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: String,
    pub rows: Vec<SlaRow>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct BacklogRow {
    pub group: String,
    /// Questions waiting (open, in_progress, awaiting_info) at a forum of this group.
    pub open: i64,
    pub overdue: i64,
    pub at_risk: i64,
    /// Working days the longest-waiting question has spent at its current stage.
    pub oldest_working_days: f64,
    /// Open questions by working days at their current stage.
    pub buckets: AgeBuckets,
}

/// Open questions by whole working days at their current stage, in ladder order.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema, PartialEq, Eq)]
pub struct AgeBuckets {
    #[serde(rename = "0-2")]
    pub d0_2: i64,
    #[serde(rename = "3-5")]
    pub d3_5: i64,
    #[serde(rename = "6-10")]
    pub d6_10: i64,
    #[serde(rename = "11-20")]
    pub d11_20: i64,
    #[serde(rename = ">20")]
    pub over_20: i64,
}

impl AgeBuckets {
    /// The counts in the order of `sla::BUCKETS`.
    pub fn counts(&self) -> [i64; 5] {
        [self.d0_2, self.d3_5, self.d6_10, self.d11_20, self.over_20]
    }

    fn add(&mut self, working_days: f64) {
        match sla::bucket(working_days) {
            0 => self.d0_2 += 1,
            1 => self.d3_5 += 1,
            2 => self.d6_10 += 1,
            3 => self.d11_20 += 1,
            _ => self.over_20 += 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacklogReport {
    pub group_by: String,
    pub rows: Vec<BacklogRow>,
}

/// The output format a report was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

pub fn parse_format(v: &Option<String>) -> ServiceResult<Format> {
    match v.as_deref().map(str::trim).unwrap_or("json") {
        "" | "json" => Ok(Format::Json),
        "csv" => Ok(Format::Csv),
        "xlsx" => Ok(Format::Xlsx),
        other => Err(ServiceError::invalid(
            "format",
            FieldProblem::Unknown {
                thing: Thing::Format,
                value: other.into(),
                hint: Hint::Expected("json, csv or xlsx", "json, csv eller xlsx"),
            },
        )),
    }
}

fn parse_group(v: &Option<String>, checks: &mut Checks) -> GroupBy {
    match v.as_deref().map(str::trim).unwrap_or("level") {
        "" | "level" => GroupBy::Level,
        "forum" => GroupBy::Forum,
        "process" => GroupBy::Process,
        other => {
            checks.fail(
                "group_by",
                FieldProblem::Unknown {
                    thing: Thing::Grouping,
                    value: other.into(),
                    hint: Hint::Expected("level, forum or process", "level, forum eller process"),
                },
            );
            GroupBy::Level
        }
    }
}

fn group_name(g: GroupBy) -> &'static str {
    match g {
        GroupBy::Level => "level",
        GroupBy::Forum => "forum",
        GroupBy::Process => "process",
    }
}

fn day_start(d: NaiveDate) -> Option<DateTime<Utc>> {
    Stockholm
        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// An open stage and where it stands now.
pub(crate) struct OpenEval {
    pub stage: OpenStage,
    pub working_days: f64,
    pub state: SlaState,
    pub target_days: f64,
}

/// The first and last days a report period is counted within (see `sla_report_with`).
const EARLIEST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
const LATEST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 30) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

impl Service {
    pub(crate) fn require_reports(actor: &Actor) -> ServiceResult<()> {
        if actor.may_oversee() {
            return Ok(());
        }
        Err(Refusal::ReportsLegalOnly.into())
    }

    fn stage_targets(&self, level: Level, priority: Priority) -> StageTargets {
        self.config.stage_targets(level, priority)
    }

    /// Every open stage with the working days it has used and its state now, each evaluated
    /// on its own: the reference that the clock-based counts agree with.
    pub(crate) fn open_stages_now(
        &self,
        c: &mut store::DbConnection,
    ) -> ServiceResult<Vec<OpenEval>> {
        let stages = rs::open_stages(c)?;
        let pauses = rs::open_stage_pauses(c)?;
        Ok(self.evaluate_open(stages, pauses))
    }

    /// The open stages `ids` evaluated now, one by one.
    fn open_stages_by_id(
        &self,
        c: &mut store::DbConnection,
        ids: &[i64],
    ) -> ServiceResult<Vec<OpenEval>> {
        let (stages, pauses) = rs::open_stages_by_id(c, ids)?;
        Ok(self.evaluate_open(stages, pauses))
    }

    fn evaluate_open(&self, stages: Vec<OpenStage>, pauses: Vec<PauseRow>) -> Vec<OpenEval> {
        let mut by_stage: HashMap<i64, Vec<sla::Pause>> = HashMap::new();
        for p in pauses {
            by_stage
                .entry(p.stage_id)
                .or_default()
                .push((p.started_at.and_utc(), p.ended_at.map(|e| e.and_utc())));
        }
        let now = self.clock.now();
        stages
            .into_iter()
            .map(|s: OpenStage| {
                let times = StageTimes {
                    entered_at: s.entered_at.and_utc(),
                    first_response_at: s.first_response_at.map(|t| t.and_utc()),
                    left_at: None,
                    pauses: by_stage.remove(&s.id).unwrap_or_default(),
                };
                let targets = self.stage_targets(s.level, s.priority);
                let (working_days, state) = sla::state_at(
                    &times,
                    targets,
                    self.config.sla.at_risk_share,
                    now,
                    self.config.sla.working_time,
                );
                OpenEval {
                    stage: s,
                    working_days,
                    state,
                    target_days: targets.resolve,
                }
            })
            .collect()
    }

    /// The limits of every (level, priority) on the working clock now.
    fn open_query(&self, now: DateTime<Utc>) -> rs::OpenQuery {
        let w = calendar::working_clock(now, self.config.sla.working_time);
        let share = self.config.sla.at_risk_share;
        let mut limits = Vec::new();
        for level in Level::ALL {
            for priority in Priority::ALL {
                let t = self.config.stage_targets(*level, *priority);
                limits.push(rs::OpenLimits {
                    level: *level,
                    priority: *priority,
                    overdue_below: w - t.resolve,
                    at_risk_at_or_below: w - t.resolve * share,
                    first_response_below: w - t.first_response,
                });
            }
        }
        let limits_low = limits
            .iter()
            .flat_map(|l| {
                [
                    l.overdue_below,
                    l.at_risk_at_or_below,
                    l.first_response_below,
                ]
            })
            .chain(sla::BUCKET_FLOORS.map(|d| w - d))
            .fold(w, f64::min);
        rs::OpenQuery {
            now_clock: w,
            age_at_or_below: sla::BUCKET_FLOORS.map(|d| w - d),
            margin: sla::CLOCK_MARGIN,
            // Further back than the largest target and the last bucket floor, by ten margins.
            past_everything_below: limits_low - 10.0 * sla::CLOCK_MARGIN,
            limits,
        }
    }

    /// Open stages that may need an SLA warning now, evaluated one by one (the others are on
    /// track or were warned as overdue already).
    pub(crate) fn open_stages_to_warn(
        &self,
        c: &mut store::DbConnection,
    ) -> ServiceResult<Vec<OpenEval>> {
        let q = self.open_query(self.clock.now());
        let ids = rs::open_warnable(c, &q)?;
        self.open_stages_by_id(c, &ids)
    }

    /// Open stages per group as of now: counted in SQL on their clocks, except the few that are
    /// paused, lack a clock or lie within `CLOCK_MARGIN` of a limit, and the longest-waiting
    /// ones per group, which are evaluated one by one. The same numbers as evaluating every
    /// open stage (`open_groups_by_stages`).
    fn open_groups(
        &self,
        c: &mut store::DbConnection,
        by: GroupBy,
    ) -> ServiceResult<BTreeMap<String, BacklogRow>> {
        let q = self.open_query(self.clock.now());
        let mut counts = rs::open_counts(c, by, &q, false)?;
        // Stages evaluated one by one and counted: those without a clock, and (rarely) those
        // within the margin of a limit, which the counts must then leave out.
        let mut counted = rs::open_unclocked(c)?;
        if counts.iter().any(|n| n.near > 0) {
            counts = rs::open_counts(c, by, &q, true)?;
            counted.extend(rs::open_near_limit(c, &q)?);
        }
        let mut rows: BTreeMap<String, BacklogRow> = BTreeMap::new();
        let mut ids = counted.clone();
        for n in counts {
            // Its longest-waiting stages, for the exact oldest.
            ids.extend(rs::open_oldest(
                c,
                by,
                &n.grp,
                n.earliest_clock + sla::CLOCK_MARGIN,
            )?);
            let row = rows
                .entry(n.grp.clone())
                .or_insert_with(|| blank_backlog(&n.grp));
            row.open += n.open;
            row.overdue += n.overdue;
            row.at_risk += n.at_risk;
            row.buckets.d0_2 += n.b0;
            row.buckets.d3_5 += n.b1;
            row.buckets.d6_10 += n.b2;
            row.buckets.d11_20 += n.b3;
            row.buckets.over_20 += n.b4;
        }
        let counted: std::collections::HashSet<i64> = counted.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        for e in self.open_stages_by_id(c, &ids)? {
            let group = group_of(by, &e.stage);
            let row = rows
                .entry(group.clone())
                .or_insert_with(|| blank_backlog(&group));
            if counted.contains(&e.stage.id) {
                add_open(row, e.working_days, e.state);
            }
            row.oldest_working_days = row.oldest_working_days.max(round2(e.working_days));
        }
        Ok(rows)
    }

    /// The same as `open_groups`, evaluating every open stage one by one (the reference).
    fn open_groups_by_stages(
        &self,
        c: &mut store::DbConnection,
        by: GroupBy,
    ) -> ServiceResult<BTreeMap<String, BacklogRow>> {
        let mut rows: BTreeMap<String, BacklogRow> = BTreeMap::new();
        for e in self.open_stages_now(c)? {
            let group = group_of(by, &e.stage);
            let row = rows
                .entry(group.clone())
                .or_insert_with(|| blank_backlog(&group));
            add_open(row, e.working_days, e.state);
            row.oldest_working_days = row.oldest_working_days.max(round2(e.working_days));
        }
        Ok(rows)
    }

    // ---- upkeep of the rollups and clocks --------------------------------------------------

    /// The hundredths within target per level and priority, as the rollups store "within".
    fn within_bins(&self) -> rs::WithinBins {
        let bins = |level: Level| {
            (
                sla::within_max_bin(self.config.stage_targets(level, Priority::Normal).resolve),
                sla::within_max_bin(self.config.stage_targets(level, Priority::Urgent).resolve),
            )
        };
        rs::WithinBins {
            by_level: Level::ALL
                .iter()
                .map(|l| {
                    let (n, u) = bins(*l);
                    (l.as_str().to_string(), n, u)
                })
                .collect(),
            fallback: bins(Level::Unit),
        }
    }

    /// What the rollups and clocks depend on in the configuration: when it changes, they are
    /// rebuilt at start-up.
    fn rollup_fingerprint(&self) -> String {
        let w = self.within_bins();
        let levels: Vec<String> = w
            .by_level
            .iter()
            .map(|(l, n, u)| format!("{l}={n}/{u}"))
            .collect();
        format!("v1 {:?} {}", self.config.sla.working_time, levels.join(","))
    }

    /// Counts a stage that was just entered.
    pub(crate) fn count_stage_entered(
        &self,
        c: &mut store::DbConnection,
        stage: &StageRow,
    ) -> ServiceResult<()> {
        rs::count_received(c, &month_of(stage.entered_at), stage)?;
        Ok(())
    }

    /// Counts a stage that just ended by an answer or an escalation.
    pub(crate) fn count_stage_ended(
        &self,
        c: &mut store::DbConnection,
        stage_id: i64,
        level: Level,
        priority: Priority,
        left_at: NaiveDateTime,
    ) -> ServiceResult<()> {
        let within = sla::within_max_bin(self.stage_targets(level, priority).resolve);
        rs::count_ended(c, within, &month_of(left_at), stage_id)?;
        Ok(())
    }

    /// Where a stage's clock stands at `at` (None when paused or ended).
    pub(crate) fn stage_clock(&self, times: &StageTimes, at: NaiveDateTime) -> Option<f64> {
        sla::clock_start(times, at.and_utc(), self.config.sla.working_time)
    }

    /// Rebuilds the rollups from the stages unless they were made with this configuration
    /// (start-up; a database from before the rollups has none).
    pub(crate) fn ensure_sla_rollups(&self) -> ServiceResult<()> {
        let mut conn = self.conn()?;
        let current = rs::rollup_fingerprint(&mut conn)?;
        if current.as_deref() == Some(self.rollup_fingerprint().as_str()) {
            return Ok(());
        }
        let t = std::time::Instant::now();
        if let Some(stages) = self.rebuild(false)? {
            log::info!(
                "rebuilt the SLA rollups and clocks ({stages} open stages) in {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
        Ok(())
    }

    /// Recomputes the rollups from every stage and the clock of every open stage, in one
    /// transaction; returns the number of open stages. For bulk loads and tests (start-up
    /// does it when the configuration changed).
    pub fn rebuild_sla_rollups(&self) -> ServiceResult<usize> {
        Ok(self.rebuild(true)?.unwrap_or(0))
    }

    /// The rebuild; unless `force`, skipped (None) when another instance did it meanwhile.
    fn rebuild(&self, force: bool) -> ServiceResult<Option<usize>> {
        let mut conn = self.conn()?;
        let fingerprint = self.rollup_fingerprint();
        store::write_tx(&mut conn, |c| {
            rs::lock_rollups(c)?;
            if !force && rs::rollup_fingerprint(c)?.as_deref() == Some(fingerprint.as_str()) {
                return Ok(None);
            }
            let months = match rs::stage_span(c)? {
                None => Vec::new(),
                Some((lo, hi)) => months_spanning(lo, hi)?,
            };
            rs::rebuild_rollups(c, &months, &self.within_bins())?;
            let stages = rs::open_stages(c)?;
            let pauses = rs::open_stage_pauses(c)?;
            let mut by_stage: HashMap<i64, Vec<sla::Pause>> = HashMap::new();
            for p in pauses {
                by_stage
                    .entry(p.stage_id)
                    .or_default()
                    .push((p.started_at.and_utc(), p.ended_at.map(|e| e.and_utc())));
            }
            let now = self.clock.now_naive();
            let clocks: Vec<(i64, Option<f64>)> = stages
                .iter()
                .map(|s| {
                    let times = StageTimes {
                        entered_at: s.entered_at.and_utc(),
                        first_response_at: s.first_response_at.map(|t| t.and_utc()),
                        left_at: None,
                        pauses: by_stage.remove(&s.id).unwrap_or_default(),
                    };
                    (s.id, self.stage_clock(&times, now))
                })
                .collect();
            rs::set_open_clocks(c, &clocks)?;
            rs::set_rollup_fingerprint(c, &fingerprint)?;
            Ok::<_, ServiceError>(Some(clocks.len()))
        })
    }

    /// Rows in a stable order: levels up the ladder, forums and processes by code.
    fn order_rows<T>(by: GroupBy, rows: &mut [T], group: impl Fn(&T) -> &str) {
        rows.sort_by_key(|r| {
            let g = group(r);
            let rank = match by {
                GroupBy::Level => Level::parse(g).map_or(99, |l| l as usize),
                _ => 0,
            };
            (rank, g.to_string())
        });
    }

    /// The SLA report over a period (see docs/api.md for the counting rules), from the monthly
    /// rollups, the raw stages of the partial months at its edges, and the open stages'
    /// clocks.
    pub fn sla_report(&self, actor: &Actor, q: &SlaReportQuery) -> ServiceResult<SlaReport> {
        self.sla_report_with(actor, q, false)
    }

    /// The same report computed from every stage of the period and every open stage one by one,
    /// without rollups or clocks: the reference the tests and the benchmark compare with.
    pub fn sla_report_by_stages(
        &self,
        actor: &Actor,
        q: &SlaReportQuery,
    ) -> ServiceResult<SlaReport> {
        self.sla_report_with(actor, q, true)
    }

    fn sla_report_with(
        &self,
        actor: &Actor,
        q: &SlaReportQuery,
        by_stages: bool,
    ) -> ServiceResult<SlaReport> {
        Self::require_reports(actor)?;
        let mut checks = Checks::default();
        let by = parse_group(&q.group_by, &mut checks);
        let today = self.clock.now().with_timezone(&Stockholm).date_naive();
        let to = checks.date("to", q.to.as_deref()).unwrap_or(today);
        let from = checks
            .date("from", q.from.as_deref())
            .unwrap_or_else(|| to.checked_sub_signed(Duration::days(29)).unwrap_or(to));
        if from > to {
            checks.fail("from", FieldProblem::FromAfterTo);
        }
        checks.finish()?;
        // No stored instant lies outside these years (PostgreSQL holds none before 4713 BC):
        // the period is counted within them, and one wholly outside counts nothing.
        let (from_q, to_q) = (from.max(EARLIEST_DAY), to.min(LATEST_DAY));
        let (Some(start), Some(end)) = (day_start(from_q), to_q.succ_opt().and_then(day_start))
        else {
            return Err(ServiceError::invalid("to", FieldProblem::OutOfRange));
        };
        let (start, end) = (start.naive_utc(), end.naive_utc());
        let mut conn = self.conn()?;
        let mut acc = Tally::default();
        let open = store::read_tx(&mut conn, |c| {
            if from_q > to_q {
                return if by_stages {
                    self.open_groups_by_stages(c, by)
                } else {
                    self.open_groups(c, by)
                };
            }
            if by_stages {
                self.tally_raw(c, by, start, end, &mut acc)?;
                return self.open_groups_by_stages(c, by);
            }
            match full_months(from_q, to_q) {
                None => self.tally_raw(c, by, start, end, &mut acc)?,
                Some(((first, inner_start), (last, inner_end))) => {
                    // The whole months from the rollups, directly or, when fewer months lie
                    // outside them, as everything minus those (the all-time rows are the sum
                    // of the monthly ones); the partial months at the edges from the stages.
                    let span = rs::rollup_span(c)?;
                    if use_complement(span.as_ref(), &first, &last) {
                        acc.add_rollups(rs::rollup_sums(c, by, &Months::AllTime)?, 1);
                        acc.add_rollups(rs::rollup_sums(c, by, &Months::Outside(first, last))?, -1);
                    } else {
                        acc.add_rollups(rs::rollup_sums(c, by, &Months::Between(first, last))?, 1);
                    }
                    self.tally_raw(c, by, start, inner_start, &mut acc)?;
                    self.tally_raw(c, by, inner_end, end, &mut acc)?;
                }
            }
            self.open_groups(c, by)
        })?;
        let mut out = acc.rows(open);
        Self::order_rows(by, &mut out, |r| &r.group);
        Ok(SlaReport {
            from,
            to,
            group_by: group_name(by).into(),
            rows: out,
        })
    }

    /// Adds the stages entered and ended in [from, to), read from the stages themselves.
    fn tally_raw(
        &self,
        c: &mut store::DbConnection,
        by: GroupBy,
        from: NaiveDateTime,
        to: NaiveDateTime,
        acc: &mut Tally,
    ) -> ServiceResult<()> {
        if from >= to {
            return Ok(());
        }
        for r in rs::received(c, by, from, to)? {
            acc.group(&r.grp).received += r.n;
        }
        for e in rs::ended(c, by, from, to)? {
            let target = self.stage_targets(e.level, e.priority).resolve;
            let within = (e.bin as f64) / 100.0 <= target + 1e-9;
            acc.ended(&e.grp, e.outcome, within, e.bin, e.n);
        }
        Ok(())
    }

    /// Open questions by how long they have waited at their current stage.
    pub fn backlog(&self, actor: &Actor, q: &BacklogQuery) -> ServiceResult<BacklogReport> {
        self.backlog_with(actor, q, false)
    }

    /// The backlog with every open stage evaluated one by one (the reference).
    pub fn backlog_by_stages(
        &self,
        actor: &Actor,
        q: &BacklogQuery,
    ) -> ServiceResult<BacklogReport> {
        self.backlog_with(actor, q, true)
    }

    fn backlog_with(
        &self,
        actor: &Actor,
        q: &BacklogQuery,
        by_stages: bool,
    ) -> ServiceResult<BacklogReport> {
        Self::require_reports(actor)?;
        let mut checks = Checks::default();
        let by = parse_group(&q.group_by, &mut checks);
        checks.finish()?;
        let mut conn = self.conn()?;
        let open = store::read_tx(&mut conn, |c| {
            if by_stages {
                self.open_groups_by_stages(c, by)
            } else {
                self.open_groups(c, by)
            }
        })?;
        let mut rows: Vec<BacklogRow> = open.into_values().collect();
        Self::order_rows(by, &mut rows, |r| &r.group);
        Ok(BacklogReport {
            group_by: group_name(by).into(),
            rows,
        })
    }

    /// What `/metrics` reads from the database: open, overdue and at-risk stages per level,
    /// how far the search index lags, the mail outbox, the connection pool. Counts only:
    /// nothing personal.
    pub fn metrics(&self) -> ServiceResult<crate::observe::Snapshot> {
        let mut conn = self.conn()?;
        let now = self.clock.now_naive();
        let (open, mail) = store::read_tx(&mut conn, |c| {
            Ok::<_, ServiceError>((
                self.open_groups(c, GroupBy::Level)?,
                store::outbox::gauges(c, now)?,
            ))
        })?;
        drop(conn);
        let per_level = Level::ALL
            .iter()
            .map(|l| {
                let r = open.values().find(|r| r.group == l.as_str());
                crate::observe::LevelCounts {
                    level: l.as_str(),
                    open: r.map_or(0, |r| r.open),
                    overdue: r.map_or(0, |r| r.overdue),
                    at_risk: r.map_or(0, |r| r.at_risk),
                }
            })
            .collect();
        let (index_lag_changes, index_lag_seconds) = self.index_lag_detail().unwrap_or((-1, 0.0));
        let age = |t: Option<chrono::NaiveDateTime>| {
            t.map_or(0.0, |t| {
                ((now - t).num_milliseconds() as f64 / 1000.0).max(0.0)
            })
        };
        let pool = self.pool_state();
        Ok(crate::observe::Snapshot {
            per_level,
            index_lag_changes,
            index_lag_seconds,
            mail_pending: mail.0,
            mail_sending: mail.1,
            mail_failed: mail.2,
            mail_oldest_pending_seconds: age(mail.3),
            pool_connections: pool.connections,
            pool_idle: pool.idle_connections,
        })
    }
}
