//! The arithmetic under the reports: Stockholm months, and the tallies of stages per group
//! that become report rows.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use chrono_tz::Europe::Stockholm;

use super::*;
use crate::domain::catalogue::FieldProblem;
use crate::domain::question::StageOutcome;
use crate::domain::sla::RollupKind;
use crate::domain::sla::{self, SlaState};
use crate::store::reports::{self as rs, GroupBy, OpenStage};

/// The Stockholm month of an instant (stored as naive UTC), as the rollups name it.
pub(crate) fn month_of(t: NaiveDateTime) -> String {
    t.and_utc()
        .with_timezone(&Stockholm)
        .format("%Y-%m")
        .to_string()
}

pub(super) fn month_name(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

pub(super) fn first_of_next_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// The whole Stockholm months inside [from, to] (inclusive dates): the first and last month's
/// names with the instants where they start and end, or None when there is none.
#[allow(clippy::type_complexity)]
pub(super) fn full_months(
    from: NaiveDate,
    to: NaiveDate,
) -> Option<((String, NaiveDateTime), (String, NaiveDateTime))> {
    let first = if from.day() == 1 {
        from
    } else {
        first_of_next_month(from)?
    };
    let after = to.succ_opt()?;
    // The first day of the month after the last whole one.
    let end_first = NaiveDate::from_ymd_opt(after.year(), after.month(), 1)?;
    if end_first <= first {
        return None;
    }
    let last = end_first.pred_opt()?;
    Some((
        (month_name(first), day_start(first)?.naive_utc()),
        (month_name(last), day_start(end_first)?.naive_utc()),
    ))
}

/// Every Stockholm month from the one holding `lo` to the one holding `hi`.
pub(super) fn months_spanning(
    lo: NaiveDateTime,
    hi: NaiveDateTime,
) -> ServiceResult<Vec<rs::Month>> {
    let local = |t: NaiveDateTime| t.and_utc().with_timezone(&Stockholm).date_naive();
    let out_of_range = || ServiceError::invalid("stages", FieldProblem::StageTimeOutOfRange);
    let (lo, hi) = (local(lo), local(hi));
    let mut first = NaiveDate::from_ymd_opt(lo.year(), lo.month(), 1).ok_or_else(out_of_range)?;
    let mut months = Vec::new();
    while first <= hi {
        let next = first_of_next_month(first).ok_or_else(out_of_range)?;
        let (Some(start), Some(end)) = (day_start(first), day_start(next)) else {
            return Err(out_of_range());
        };
        months.push(rs::Month {
            name: month_name(first),
            start: start.naive_utc(),
            end: end.naive_utc(),
        });
        first = next;
    }
    Ok(months)
}

/// Months are 'YYYY-MM'; their count in [a, b] (0 when b < a).
pub(super) fn months_between(a: &str, b: &str) -> i64 {
    let num = |m: &str| {
        let (y, mo) = m.split_once('-').unwrap_or(("0", "0"));
        y.parse::<i64>().unwrap_or(0) * 12 + mo.parse::<i64>().unwrap_or(0)
    };
    (num(b) - num(a) + 1).max(0)
}

/// Whether the months of the rollups outside [first, last] are fewer than those inside.
pub(super) fn use_complement(span: Option<&(String, String)>, first: &str, last: &str) -> bool {
    let Some((lo, hi)) = span else {
        return false;
    };
    let inside_lo = if first > lo.as_str() { first } else { lo };
    let inside_hi = if last < hi.as_str() { last } else { hi };
    let inside = months_between(inside_lo, inside_hi);
    let outside = months_between(lo, hi) - inside;
    outside < inside
}

pub(super) fn group_of(by: GroupBy, s: &OpenStage) -> String {
    match by {
        GroupBy::Level => s.level.as_str().to_string(),
        GroupBy::Forum => s.forum.clone(),
        GroupBy::Process => s.process.clone(),
    }
}

pub(super) fn blank_backlog(group: &str) -> BacklogRow {
    BacklogRow {
        group: group.to_string(),
        open: 0,
        overdue: 0,
        at_risk: 0,
        oldest_working_days: 0.0,
        buckets: AgeBuckets::default(),
    }
}

pub(super) fn add_open(row: &mut BacklogRow, working_days: f64, state: SlaState) {
    row.open += 1;
    match state {
        SlaState::Overdue => row.overdue += 1,
        SlaState::AtRisk => row.at_risk += 1,
        _ => {}
    }
    row.buckets.add(working_days);
}

/// The counts of one report group, and its histogram of answered stages' working days.
#[derive(Debug, Default)]
pub(super) struct GroupTally {
    pub(super) received: i64,
    pub(super) answered: i64,
    pub(super) escalated: i64,
    pub(super) within: i64,
    pub(super) bins: HashMap<i64, i64>,
}

/// Report groups being summed from rollups and raw stages (counts may be subtracted).
#[derive(Debug, Default)]
pub(super) struct Tally {
    groups: BTreeMap<String, GroupTally>,
}

impl Tally {
    pub(super) fn group(&mut self, g: &str) -> &mut GroupTally {
        self.groups.entry(g.to_string()).or_default()
    }

    pub(super) fn ended(&mut self, g: &str, outcome: StageOutcome, within: bool, bin: i64, n: i64) {
        let t = self.group(g);
        if outcome == StageOutcome::Answered {
            t.answered += n;
            *t.bins.entry(bin).or_default() += n;
        } else {
            t.escalated += n;
        }
        if within {
            t.within += n;
        }
    }

    pub(super) fn add_rollups(&mut self, rows: Vec<rs::RollupBin>, sign: i64) {
        for r in rows {
            let outcome = match r.kind {
                RollupKind::Received => {
                    self.group(&r.grp).received += sign * r.n;
                    continue;
                }
                RollupKind::Answered => StageOutcome::Answered,
                RollupKind::Escalated => StageOutcome::Escalated,
            };
            self.ended(&r.grp, outcome, r.within_target != 0, r.bin, sign * r.n);
        }
    }

    /// The report rows: every group with a stage received, ended or open.
    pub(super) fn rows(self, open: BTreeMap<String, BacklogRow>) -> Vec<SlaRow> {
        let mut groups = self.groups;
        for g in open.keys() {
            groups.entry(g.clone()).or_default();
        }
        groups
            .into_iter()
            .filter_map(|(group, t)| {
                let (open_now, overdue) = open.get(&group).map_or((0, 0), |o| (o.open, o.overdue));
                if t.received == 0 && t.answered == 0 && t.escalated == 0 && open_now == 0 {
                    return None;
                }
                let bins: Vec<(i64, i64)> = t.bins.into_iter().filter(|(_, n)| *n != 0).collect();
                let ended = t.answered + t.escalated;
                Some(SlaRow {
                    group,
                    received: t.received,
                    answered: t.answered,
                    escalated: t.escalated,
                    median_working_days: sla::histogram_percentile(&bins, 50.0),
                    p90_working_days: sla::histogram_percentile(&bins, 90.0),
                    within_target_pct: (ended > 0)
                        .then(|| round2(100.0 * t.within as f64 / ended as f64)),
                    open: open_now,
                    overdue,
                })
            })
            .collect()
    }
}
