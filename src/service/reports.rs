//! SLA and backlog reports for the legal department, and the numbers /metrics exposes.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::validate::Checks;
use super::{Actor, Role, Service, ServiceError, ServiceResult};
use crate::domain::sla::{self, SlaState, StageTargets, StageTimes};
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::store;
use crate::store::reports::{self as rs, GroupBy, OpenStage};

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
            format!("unknown format '{other}', expected json, csv or xlsx"),
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
                format!("unknown grouping '{other}', expected level, forum or process"),
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

/// Where an open stage stands now, in a report's grouping.
struct OpenStatus {
    group: String,
    working_days: f64,
    state: SlaState,
}

impl Service {
    fn require_reports(actor: &Actor) -> ServiceResult<()> {
        match actor.role {
            Role::Legal | Role::Admin => Ok(()),
            Role::Caseworker => Err(ServiceError::Forbidden(
                "reports and the backlog are for the legal department (role legal) and administrators".into(),
            )),
        }
    }

    fn stage_targets(&self, level: &str, priority: &str) -> StageTargets {
        self.config
            .stage_targets(Level::parse(level).unwrap_or(Level::Unit), priority)
    }

    /// Every open stage with the working days it has used and its state now.
    pub(crate) fn open_stages_now(
        &self,
        c: &mut store::DbConnection,
    ) -> ServiceResult<Vec<OpenEval>> {
        let stages = rs::open_stages(c)?;
        let pauses = rs::open_stage_pauses(c)?;
        let mut by_stage: HashMap<i64, Vec<sla::Pause>> = HashMap::new();
        for p in pauses {
            by_stage
                .entry(p.stage_id)
                .or_default()
                .push((p.started_at.and_utc(), p.ended_at.map(|e| e.and_utc())));
        }
        let now = self.clock.now();
        Ok(stages
            .into_iter()
            .map(|s: OpenStage| {
                let times = StageTimes {
                    entered_at: s.entered_at.and_utc(),
                    first_response_at: s.first_response_at.map(|t| t.and_utc()),
                    left_at: None,
                    pauses: by_stage.remove(&s.id).unwrap_or_default(),
                };
                let targets = self.stage_targets(&s.level, &s.priority);
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
            .collect())
    }

    /// Every open stage evaluated at now, with its group.
    fn open_statuses(
        &self,
        c: &mut store::DbConnection,
        by: GroupBy,
    ) -> ServiceResult<Vec<OpenStatus>> {
        Ok(self
            .open_stages_now(c)?
            .into_iter()
            .map(|e| OpenStatus {
                group: match by {
                    GroupBy::Level => e.stage.level,
                    GroupBy::Forum => e.stage.forum,
                    GroupBy::Process => e.stage.process,
                },
                working_days: e.working_days,
                state: e.state,
            })
            .collect())
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

    /// The SLA report over a period (see API.md for the counting rules).
    pub fn sla_report(&self, actor: &Actor, q: &SlaReportQuery) -> ServiceResult<SlaReport> {
        Self::require_reports(actor)?;
        let mut checks = Checks::default();
        let by = parse_group(&q.group_by, &mut checks);
        let today = self.clock.now().with_timezone(&Stockholm).date_naive();
        let date = |checks: &mut Checks, field: &str, v: &Option<String>| match v
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            None => None,
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d").ok().or_else(|| {
                checks.fail(field, format!("'{v}' is not a date in the form YYYY-MM-DD"));
                None
            }),
        };
        let to = date(&mut checks, "to", &q.to).unwrap_or(today);
        let from = date(&mut checks, "from", &q.from).unwrap_or(to - Duration::days(29));
        if from > to {
            checks.fail("from", "must not be after to");
        }
        checks.finish()?;
        let (Some(start), Some(end)) = (day_start(from), to.succ_opt().and_then(day_start)) else {
            return Err(ServiceError::invalid("to", "is out of range"));
        };
        let mut conn = self.conn()?;
        let (received, ended, open) = store::read_tx(&mut conn, |c| {
            Ok::<_, ServiceError>((
                rs::received(c, by, start.naive_utc(), end.naive_utc())?,
                rs::ended(c, by, start.naive_utc(), end.naive_utc())?,
                self.open_statuses(c, by)?,
            ))
        })?;
        // Per group: the row, the histogram of answered stages, and how many ended within target.
        type Acc = (SlaRow, Vec<(i64, i64)>, i64);
        let mut rows: BTreeMap<String, Acc> = BTreeMap::new();
        let blank = |g: &str| {
            (
                SlaRow {
                    group: g.to_string(),
                    received: 0,
                    answered: 0,
                    escalated: 0,
                    median_working_days: None,
                    p90_working_days: None,
                    within_target_pct: None,
                    open: 0,
                    overdue: 0,
                },
                Vec::new(),
                0,
            )
        };
        for r in received {
            rows.entry(r.grp.clone())
                .or_insert_with(|| blank(&r.grp))
                .0
                .received += r.n;
        }
        for e in ended {
            let entry = rows.entry(e.grp.clone()).or_insert_with(|| blank(&e.grp));
            if e.outcome == "answered" {
                entry.0.answered += e.n;
                entry.1.push((e.bin, e.n));
            } else {
                entry.0.escalated += e.n;
            }
            let target = self.stage_targets(&e.level, &e.priority).resolve;
            if (e.bin as f64) / 100.0 <= target + 1e-9 {
                entry.2 += e.n;
            }
        }
        for o in open {
            let entry = rows
                .entry(o.group.clone())
                .or_insert_with(|| blank(&o.group));
            entry.0.open += 1;
            if o.state == SlaState::Overdue {
                entry.0.overdue += 1;
            }
        }
        let mut out: Vec<SlaRow> = rows
            .into_values()
            .map(|(mut row, bins, within)| {
                row.median_working_days = sla::histogram_percentile(&bins, 50.0);
                row.p90_working_days = sla::histogram_percentile(&bins, 90.0);
                let ended = row.answered + row.escalated;
                row.within_target_pct =
                    (ended > 0).then(|| round2(100.0 * within as f64 / ended as f64));
                row
            })
            .collect();
        Self::order_rows(by, &mut out, |r| &r.group);
        Ok(SlaReport {
            from,
            to,
            group_by: group_name(by).into(),
            rows: out,
        })
    }

    /// Open questions by how long they have waited at their current stage.
    pub fn backlog(&self, actor: &Actor, q: &BacklogQuery) -> ServiceResult<BacklogReport> {
        Self::require_reports(actor)?;
        let mut checks = Checks::default();
        let by = parse_group(&q.group_by, &mut checks);
        checks.finish()?;
        let mut conn = self.conn()?;
        let open = store::read_tx(&mut conn, |c| self.open_statuses(c, by))?;
        let mut rows = self.backlog_rows(open);
        Self::order_rows(by, &mut rows, |r| &r.group);
        Ok(BacklogReport {
            group_by: group_name(by).into(),
            rows,
        })
    }

    fn backlog_rows(&self, open: Vec<OpenStatus>) -> Vec<BacklogRow> {
        let mut rows: BTreeMap<String, BacklogRow> = BTreeMap::new();
        for o in open {
            let row = rows.entry(o.group.clone()).or_insert_with(|| BacklogRow {
                group: o.group.clone(),
                open: 0,
                overdue: 0,
                at_risk: 0,
                oldest_working_days: 0.0,
                buckets: AgeBuckets::default(),
            });
            row.open += 1;
            match o.state {
                SlaState::Overdue => row.overdue += 1,
                SlaState::AtRisk => row.at_risk += 1,
                _ => {}
            }
            row.oldest_working_days = row.oldest_working_days.max(round2(o.working_days));
            row.buckets.add(o.working_days);
        }
        rows.into_values().collect()
    }

    /// Open, overdue and at-risk stages per level, and how far the search index lags, for
    /// monitoring. Counts only: nothing personal.
    pub fn metrics(&self) -> ServiceResult<Metrics> {
        let mut conn = self.conn()?;
        let open = store::read_tx(&mut conn, |c| self.open_statuses(c, GroupBy::Level))?;
        let mut per_level = self.backlog_rows(open);
        Self::order_rows(GroupBy::Level, &mut per_level, |r| &r.group);
        let index_lag = self.index_lag().unwrap_or(-1);
        Ok(Metrics {
            per_level,
            index_lag,
        })
    }
}

pub struct Metrics {
    pub per_level: Vec<BacklogRow>,
    pub index_lag: i64,
}
