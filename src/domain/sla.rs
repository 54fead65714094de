//! The SLA clock of one stage: working time used (pauses excluded), due times and the state
//! against the level's targets.

use chrono::{DateTime, Utc};

use crate::domain::calendar::{self, WorkingTime};

/// Targets of one stage in working days, already chosen for the question's priority.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageTargets {
    pub first_response: f64,
    pub resolve: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaState {
    OnTrack,
    AtRisk,
    Overdue,
    /// The stage ended within its target.
    Met,
    /// The stage ended after its target.
    Missed,
}

impl SlaState {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::OnTrack => "on_track",
            SlaState::AtRisk => "at_risk",
            SlaState::Overdue => "overdue",
            SlaState::Met => "met",
            SlaState::Missed => "missed",
        }
    }
}

/// The times of one stage.
#[derive(Debug, Clone, Default)]
pub struct StageTimes {
    pub entered_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
    pub pauses: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageSla {
    /// Working days used, paused time excluded, up to the end of the stage or now.
    pub working_days: f64,
    pub target_days: f64,
    pub first_response_due_at: Option<DateTime<Utc>>,
    /// When the stage must end; moves later while the stage is paused.
    pub due_at: DateTime<Utc>,
    pub state: SlaState,
    pub paused: bool,
}

/// Evaluates a stage at `now`.
pub fn evaluate(
    t: &StageTimes,
    targets: StageTargets,
    at_risk_share: f64,
    now: DateTime<Utc>,
    mode: WorkingTime,
) -> StageSla {
    let end = t.left_at.unwrap_or(now).max(t.entered_at);
    let used = calendar::working_days_excluding(t.entered_at, end, &t.pauses, mode);
    let elapsed = calendar::working_days_between(t.entered_at, end, mode);
    let paused_days = (elapsed - used).max(0.0);
    let due_at = calendar::add_working_days(t.entered_at, targets.resolve + paused_days, mode);
    let paused = t.left_at.is_none() && t.pauses.iter().any(|(_, to)| to.is_none());
    let first_response_due_at = t.first_response_at.is_none().then(|| {
        calendar::add_working_days(t.entered_at, targets.first_response + paused_days, mode)
    });
    let late_first_response =
        t.first_response_at.is_none() && t.left_at.is_none() && used > targets.first_response;
    let state = if t.left_at.is_some() {
        if used <= targets.resolve {
            SlaState::Met
        } else {
            SlaState::Missed
        }
    } else if used > targets.resolve || late_first_response {
        SlaState::Overdue
    } else if used >= targets.resolve * at_risk_share {
        SlaState::AtRisk
    } else {
        SlaState::OnTrack
    };
    StageSla {
        working_days: used,
        target_days: targets.resolve,
        first_response_due_at,
        due_at,
        state,
        paused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const TARGETS: StageTargets = StageTargets {
        first_response: 1.0,
        resolve: 4.0,
    };

    #[test]
    fn open_stage_moves_from_on_track_to_overdue() {
        // Monday 2025-03-03 09:00 Stockholm.
        let mut st = StageTimes {
            entered_at: t("2025-03-03T08:00:00Z"),
            first_response_at: Some(t("2025-03-03T10:00:00Z")),
            ..Default::default()
        };
        let at = |st: &StageTimes, now| evaluate(st, TARGETS, 0.75, t(now), WorkingTime::FullDays);
        assert_eq!(at(&st, "2025-03-04T08:00:00Z").state, SlaState::OnTrack);
        assert_eq!(at(&st, "2025-03-06T08:00:00Z").state, SlaState::AtRisk);
        // Four working days end on Friday 09:00.
        assert_eq!(at(&st, "2025-03-07T07:00:00Z").state, SlaState::AtRisk);
        assert_eq!(at(&st, "2025-03-07T09:00:00Z").state, SlaState::Overdue);
        let fri = at(&st, "2025-03-07T07:00:00Z");
        assert_eq!(fri.due_at, t("2025-03-07T08:00:00Z"));
        st.left_at = Some(t("2025-03-06T08:00:00Z"));
        assert_eq!(at(&st, "2025-04-01T08:00:00Z").state, SlaState::Met);
    }

    #[test]
    fn the_weekend_does_not_count() {
        // Friday 2025-03-07 16:00 local, target one day: due Monday 16:00.
        let st = StageTimes {
            entered_at: t("2025-03-07T15:00:00Z"),
            first_response_at: Some(t("2025-03-07T15:00:00Z")),
            ..Default::default()
        };
        let targets = StageTargets {
            first_response: 1.0,
            resolve: 1.0,
        };
        let s = evaluate(
            &st,
            targets,
            0.75,
            t("2025-03-09T20:00:00Z"),
            WorkingTime::FullDays,
        );
        assert!(
            (s.working_days - 8.0 / 24.0).abs() < 1e-9,
            "{}",
            s.working_days
        );
        assert_eq!(s.due_at, t("2025-03-10T15:00:00Z"));
        assert_eq!(s.state, SlaState::OnTrack);
    }

    #[test]
    fn no_first_response_in_time_is_overdue() {
        let st = StageTimes {
            entered_at: t("2025-03-03T08:00:00Z"),
            ..Default::default()
        };
        let s = evaluate(
            &st,
            TARGETS,
            0.75,
            t("2025-03-04T12:00:00Z"),
            WorkingTime::FullDays,
        );
        assert_eq!(s.state, SlaState::Overdue);
        assert!(s.first_response_due_at.is_some());
    }

    #[test]
    fn a_pause_stops_the_clock_and_moves_the_due_time() {
        let st = StageTimes {
            entered_at: t("2025-03-03T08:00:00Z"),
            first_response_at: Some(t("2025-03-03T09:00:00Z")),
            left_at: None,
            pauses: vec![(t("2025-03-04T08:00:00Z"), None)],
        };
        let s = evaluate(
            &st,
            TARGETS,
            0.75,
            t("2025-03-20T08:00:00Z"),
            WorkingTime::FullDays,
        );
        assert!((s.working_days - 1.0).abs() < 1e-9, "{}", s.working_days);
        assert_eq!(s.state, SlaState::OnTrack);
        assert!(s.paused);
        assert!(s.due_at > t("2025-03-20T08:00:00Z"));
    }
}
