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

crate::text_enum!(SlaState {
    OnTrack => "on_track",
    AtRisk => "at_risk",
    Overdue => "overdue",
    Met => "met",
    Missed => "missed",
});

impl SlaState {
    pub fn label_sv(self) -> &'static str {
        match self {
            SlaState::OnTrack => "I tid",
            SlaState::AtRisk => "Riskerar att bli försenad",
            SlaState::Overdue => "Försenad",
            SlaState::Met => "Klar inom tidsmålet",
            SlaState::Missed => "Klar efter tidsmålet",
        }
    }

    /// The state in the middle of a sentence ("… är försenad").
    pub fn phrase_sv(self) -> &'static str {
        match self {
            SlaState::Overdue => "försenad",
            SlaState::AtRisk => "i riskzonen",
            SlaState::OnTrack => "i tid",
            SlaState::Met => "klar inom tidsmålet",
            SlaState::Missed => "klar efter tidsmålet",
        }
    }
}

/// What a row of the response-time rollups counts: a question arriving at a level, or a stage
/// ending with a response (the outcomes of `StageOutcome::is_response`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollupKind {
    Received,
    Answered,
    Escalated,
}
crate::text_enum!(RollupKind {
    Received => "received",
    Answered => "answered",
    Escalated => "escalated",
});

/// A paused interval: from, and to (None while still paused).
pub type Pause = (DateTime<Utc>, Option<DateTime<Utc>>);

/// The times of one stage.
#[derive(Debug, Clone, Default)]
pub struct StageTimes {
    pub entered_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
    pub pauses: Vec<Pause>,
}

/// The two targets of a stage: a first response (an answer, a request for information or a
/// referral) and the end of the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaTarget {
    FirstResponse,
    Resolve,
}

crate::text_enum!(SlaTarget {
    FirstResponse => "first_response",
    Resolve => "resolve",
});

impl SlaTarget {
    /// The target as a person reads it ("Tidsmål för första svar").
    pub fn label_sv(self) -> &'static str {
        match self {
            SlaTarget::FirstResponse => "första svar",
            SlaTarget::Resolve => "svar",
        }
    }
}

/// The target a stage is measured against now and its limit: a running stage with no first
/// response past the first-response target is late on that one (until it is also past the
/// resolve target); otherwise the resolve target.
pub fn measured_against(
    t: &StageTimes,
    targets: StageTargets,
    working_days: f64,
) -> (SlaTarget, f64) {
    let first_late = t.first_response_at.is_none()
        && t.left_at.is_none()
        && working_days > targets.first_response;
    if first_late && working_days <= targets.resolve {
        (SlaTarget::FirstResponse, targets.first_response)
    } else {
        (SlaTarget::Resolve, targets.resolve)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageSla {
    /// Working days used, paused time excluded, up to the end of the stage or now.
    pub working_days: f64,
    pub target_days: f64,
    /// The target the state is measured against, and its limit in working days.
    pub measured: SlaTarget,
    pub limit_days: f64,
    pub first_response_due_at: Option<DateTime<Utc>>,
    /// When the stage must end; moves later while the stage is paused.
    pub due_at: DateTime<Utc>,
    pub state: SlaState,
    pub paused: bool,
}

/// Working days used and the state of a stage at `now`, without the due times: the cheap part
/// of `evaluate`, for reports over every open stage.
pub fn state_at(
    t: &StageTimes,
    targets: StageTargets,
    at_risk_share: f64,
    now: DateTime<Utc>,
    mode: WorkingTime,
) -> (f64, SlaState) {
    let end = t.left_at.unwrap_or(now).max(t.entered_at);
    let used = calendar::working_days_excluding(t.entered_at, end, &t.pauses, mode);
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
    (used, state)
}

/// The instant before which a stage must have been entered for it to have used more than
/// `days` working days by `now`; one entered at or after it cannot have, whatever its pauses.
///
/// Working time never runs ahead of the calendar by more than a bounded amount. With full
/// days a working day is the 24 hours of one working date (daylight-saving changes fall on
/// Sundays, which never count), so working days <= calendar days. With working hours a date
/// counts at most one window (one working day) and windows lie a day apart, so an interval of
/// L calendar days holds at most L + 1 working days. Pauses only take time away. The minute
/// of margin covers float rounding. This lets SQL leave out young stages before any SLA is
/// evaluated (the overdue list), without ever leaving out one that is overdue.
pub fn entered_before_to_exceed(days: f64, now: DateTime<Utc>, mode: WorkingTime) -> DateTime<Utc> {
    let slack = match mode {
        WorkingTime::FullDays => 0.0,
        WorkingTime::Hours { .. } => 1.0,
    };
    // Year 1: earlier than any stage, and a timestamp both databases store.
    let floor = DateTime::from_timestamp(-62_135_596_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let calendar_days = (days - slack).max(0.0);
    // Past a million days (or an infinite target) nothing can be overdue.
    if !calendar_days.is_finite() || calendar_days > 1e6 {
        return floor;
    }
    // Whole seconds are plenty: the margin is a minute.
    let secs = (calendar_days * 86_400.0) as i64;
    now.checked_sub_signed(chrono::Duration::seconds(secs) - chrono::Duration::minutes(1))
        .unwrap_or(floor)
        .max(floor)
}

/// Evaluates a stage at `now`, due times included.
pub fn evaluate(
    t: &StageTimes,
    targets: StageTargets,
    at_risk_share: f64,
    now: DateTime<Utc>,
    mode: WorkingTime,
) -> StageSla {
    let (used, state) = state_at(t, targets, at_risk_share, now, mode);
    let end = t.left_at.unwrap_or(now).max(t.entered_at);
    let elapsed = calendar::working_days_between(t.entered_at, end, mode);
    let paused_days = (elapsed - used).max(0.0);
    let due_at = calendar::add_working_days(t.entered_at, targets.resolve + paused_days, mode);
    let paused = t.left_at.is_none() && t.pauses.iter().any(|(_, to)| to.is_none());
    let first_response_due_at = t.first_response_at.is_none().then(|| {
        calendar::add_working_days(t.entered_at, targets.first_response + paused_days, mode)
    });
    let (measured, limit_days) = measured_against(t, targets, used);
    StageSla {
        working_days: used,
        target_days: targets.resolve,
        measured,
        limit_days,
        first_response_due_at,
        due_at,
        state,
        paused,
    }
}

/// Within this many working days (~0.09 s) of a limit, a running stage's state is decided by
/// `state_at` rather than by comparing clocks: the clock difference and `state_at` agree to
/// ~1e-11 days, far inside it, so the two ways of counting give the same numbers.
pub const CLOCK_MARGIN: f64 = 1e-6;

/// The lower bounds of the backlog's age buckets above the first, in working days.
pub const BUCKET_FLOORS: [f64; 4] = [3.0, 6.0, 11.0, 21.0];

/// Where a stage's SLA clock stands at `at`: the working clock (`calendar::working_clock`)
/// minus the working days used by then, so that while it keeps running the time used at any
/// later instant is `working_clock(now) - clock`. None when the stage has ended or is paused
/// (or has a pause that is not over by `at`): its time is then evaluated with `state_at`.
pub fn clock_start(t: &StageTimes, at: DateTime<Utc>, mode: WorkingTime) -> Option<f64> {
    if t.left_at.is_some() {
        return None;
    }
    let at = at.max(t.entered_at);
    if t.pauses
        .iter()
        .any(|&(from, to)| from > at || to.is_none_or(|to| to > at))
    {
        return None;
    }
    let used = calendar::working_days_excluding(t.entered_at, at, &t.pauses, mode);
    Some(calendar::working_clock(at, mode) - used)
}

/// The largest number of hundredths of a working day that is within a target of `resolve`
/// days, by the report's rule (`bin / 100 <= resolve + 1e-9`), so that stored rollups can
/// say "within target" with an integer comparison that agrees with it exactly.
pub fn within_max_bin(resolve: f64) -> i64 {
    let within = |b: i64| (b as f64) / 100.0 <= resolve + 1e-9;
    if !resolve.is_finite() {
        return if resolve > 0.0 { i64::MAX / 2 } else { -1 };
    }
    let mut b = ((resolve + 1e-9) * 100.0).floor() as i64;
    while within(b + 1) {
        b += 1;
    }
    while !within(b) {
        b -= 1;
    }
    b
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

    /// The overdue prefilter's premise: a stage entered at the cutoff or later has not used
    /// more than the target, in either working-time mode, over years of instants (holidays,
    /// daylight-saving changes and weekends included).
    #[test]
    fn no_stage_younger_than_the_cutoff_exceeds_its_target() {
        let modes = [
            WorkingTime::FullDays,
            WorkingTime::Hours {
                start_hour: 8,
                end_hour: 17,
            },
            WorkingTime::Hours {
                start_hour: 0,
                end_hour: 1,
            },
        ];
        let base = t("2024-01-01T00:00:00Z");
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let now = base + chrono::Duration::seconds((x % (3 * 365 * 86_400)) as i64);
            let days = [0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0][i % 7];
            let mode = modes[i % modes.len()];
            let cutoff = entered_before_to_exceed(days, now, mode);
            let used = calendar::working_days_between(cutoff, now, mode);
            assert!(used <= days, "{mode:?}: {used} > {days} at {now}");
        }
        let now = t("2025-03-03T08:00:00Z");
        let floor = t("0001-01-01T00:00:00Z");
        for days in [f64::INFINITY, 1e9] {
            let cutoff = entered_before_to_exceed(days, now, WorkingTime::FullDays);
            assert_eq!(cutoff, floor, "nothing is that old, and year 1 is storable");
        }
        let nan = entered_before_to_exceed(f64::NAN, now, WorkingTime::FullDays);
        assert!(
            nan > now,
            "a target that is not a number leaves every stage in"
        );
    }

    #[test]
    fn a_missing_first_response_is_the_target_missed_until_the_resolve_target_passes() {
        let targets = StageTargets {
            first_response: 1.0,
            resolve: 3.0,
        };
        let mut st = StageTimes {
            entered_at: t("2025-03-03T08:00:00Z"),
            ..Default::default()
        };
        let on = |st: &StageTimes, days| measured_against(st, targets, days);
        assert_eq!(on(&st, 0.5), (SlaTarget::Resolve, 3.0), "nothing late yet");
        assert_eq!(on(&st, 2.7), (SlaTarget::FirstResponse, 1.0));
        assert_eq!(
            on(&st, 3.5),
            (SlaTarget::Resolve, 3.0),
            "both late: the last"
        );
        st.first_response_at = Some(t("2025-03-03T09:00:00Z"));
        assert_eq!(on(&st, 2.7), (SlaTarget::Resolve, 3.0), "responded in time");
        let now = t("2025-03-06T08:00:00Z");
        st.first_response_at = None;
        let s = evaluate(&st, targets, 0.75, now, WorkingTime::FullDays);
        assert_eq!(s.state, SlaState::Overdue);
        assert_eq!((s.measured, s.limit_days), (SlaTarget::FirstResponse, 1.0));
    }

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

/// Nearest-rank percentile of a histogram of values in hundredths of a working day
/// (`(bin, count)` pairs, any order): exact at that resolution, without sorting every value.
pub fn histogram_percentile(bins: &[(i64, i64)], p: f64) -> Option<f64> {
    let total: i64 = bins.iter().map(|(_, n)| *n).sum();
    if total <= 0 {
        return None;
    }
    let mut sorted = bins.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * total as f64).ceil().max(1.0) as i64;
    let mut seen = 0;
    for (bin, n) in sorted {
        seen += n;
        if seen >= rank {
            return Some(bin as f64 / 100.0);
        }
    }
    None
}

/// The backlog's age buckets, by whole working days at the current stage.
pub const BUCKETS: [&str; 5] = ["0-2", "3-5", "6-10", "11-20", ">20"];

pub fn bucket(working_days: f64) -> usize {
    match working_days.max(0.0).floor() as i64 {
        0..=2 => 0,
        3..=5 => 1,
        6..=10 => 2,
        11..=20 => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod calendar_clock_tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ended(
        entered: &str,
        left: &str,
        pauses: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    ) -> StageSla {
        let st = StageTimes {
            entered_at: t(entered),
            first_response_at: Some(t(entered)),
            left_at: Some(t(left)),
            pauses,
        };
        let targets = StageTargets {
            first_response: 1.0,
            resolve: 2.0,
        };
        evaluate(
            &st,
            targets,
            0.75,
            t("2030-01-01T00:00:00Z"),
            WorkingTime::FullDays,
        )
    }

    #[test]
    fn an_answer_on_a_holiday_counts_no_holiday_time() {
        // Tuesday 23 December 09:00 to juldagen 10:00: julafton and juldagen do not count.
        let s = ended(
            "2025-12-23T09:00:00+01:00",
            "2025-12-25T10:00:00+01:00",
            vec![],
        );
        assert!((s.working_days - 0.625).abs() < 1e-9, "{}", s.working_days);
        assert_eq!(s.state, SlaState::Met);
    }

    #[test]
    fn a_question_spanning_new_year() {
        // Monday 29 December noon to Friday 2 January noon: nyårsafton and nyårsdagen skipped.
        let s = ended(
            "2025-12-29T12:00:00+01:00",
            "2026-01-02T12:00:00+01:00",
            vec![],
        );
        assert!((s.working_days - 2.0).abs() < 1e-9, "{}", s.working_days);
        assert_eq!(s.state, SlaState::Met);
    }

    #[test]
    fn escalation_mid_stage_with_a_pause_over_easter() {
        // Thursday 17 April 2025 09:00, paused 12:00 to Tuesday 22 April 12:00 (långfredagen and
        // annandag påsk inside), escalated Wednesday 23 April 15:00.
        let pause = vec![(
            t("2025-04-17T12:00:00+02:00"),
            Some(t("2025-04-22T12:00:00+02:00")),
        )];
        let s = ended(
            "2025-04-17T09:00:00+02:00",
            "2025-04-23T15:00:00+02:00",
            pause,
        );
        // 3 hours Thursday + 12 hours Tuesday + 15 hours Wednesday = 30 hours.
        assert!(
            (s.working_days - 30.0 / 24.0).abs() < 1e-9,
            "{}",
            s.working_days
        );
    }

    #[test]
    fn working_hours_mode() {
        let st = StageTimes {
            entered_at: t("2025-03-07T16:00:00+01:00"),
            first_response_at: Some(t("2025-03-07T16:00:00+01:00")),
            left_at: Some(t("2025-03-10T09:00:00+01:00")),
            pauses: vec![],
        };
        let targets = StageTargets {
            first_response: 1.0,
            resolve: 1.0,
        };
        let s = evaluate(
            &st,
            targets,
            0.75,
            t("2030-01-01T00:00:00Z"),
            WorkingTime::Hours {
                start_hour: 8,
                end_hour: 17,
            },
        );
        assert!(
            (s.working_days - 2.0 / 9.0).abs() < 1e-9,
            "{}",
            s.working_days
        );
    }
}

#[cfg(test)]
mod report_tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        // Values 1.00, 2.00, 3.00, 4.00 (hundredths).
        let bins = [(300, 1), (100, 1), (400, 1), (200, 1)];
        assert_eq!(histogram_percentile(&bins, 50.0), Some(2.0));
        assert_eq!(histogram_percentile(&bins, 90.0), Some(4.0));
        assert_eq!(histogram_percentile(&[(150, 3)], 50.0), Some(1.5));
        assert_eq!(histogram_percentile(&[], 50.0), None);
    }

    #[test]
    fn buckets() {
        assert_eq!(bucket(0.0), 0);
        assert_eq!(bucket(2.99), 0);
        assert_eq!(bucket(3.0), 1);
        assert_eq!(bucket(10.5), 2);
        assert_eq!(bucket(20.99), 3);
        assert_eq!(bucket(21.0), 4);
        assert_eq!(bucket(-1.0), 0);
    }
}

#[cfg(test)]
mod clock_tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_clock_gives_the_time_used_at_any_later_instant() {
        let mode = WorkingTime::FullDays;
        let st = StageTimes {
            entered_at: t("2025-03-03T08:00:00Z"),
            first_response_at: None,
            left_at: None,
            pauses: vec![(t("2025-03-04T08:00:00Z"), Some(t("2025-03-10T08:00:00Z")))],
        };
        let k = clock_start(&st, t("2025-03-10T08:00:00Z"), mode).unwrap();
        for now in [
            "2025-03-10T09:00:00Z",
            "2025-03-14T17:30:00Z",
            "2025-06-30T12:00:00Z",
        ] {
            let (used, _) = state_at(&st, TARGETS_ONE, 0.75, t(now), mode);
            let by_clock = calendar::working_clock(t(now), mode) - k;
            assert!(
                (used - by_clock).abs() < 1e-9,
                "{now}: {used} vs {by_clock}"
            );
        }
        // Paused or ended: no clock.
        let mut paused = st.clone();
        paused.pauses.push((t("2025-03-11T08:00:00Z"), None));
        assert_eq!(clock_start(&paused, t("2025-03-12T08:00:00Z"), mode), None);
        let mut ended = st;
        ended.left_at = Some(t("2025-03-12T08:00:00Z"));
        assert_eq!(clock_start(&ended, t("2025-03-12T08:00:00Z"), mode), None);
    }

    const TARGETS_ONE: StageTargets = StageTargets {
        first_response: 1.0,
        resolve: 4.0,
    };

    #[test]
    fn within_max_bin_agrees_with_the_report_rule() {
        for resolve in [
            0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 0.07, 10.0, 15.0, 20.0, 0.29, 1.15,
        ] {
            let max = within_max_bin(resolve);
            for b in (max - 3)..=(max + 3) {
                assert_eq!(
                    b <= max,
                    (b as f64) / 100.0 <= resolve + 1e-9,
                    "{resolve} {b}"
                );
            }
        }
        assert_eq!(within_max_bin(3.0), 300);
    }
}
