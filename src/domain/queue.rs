//! The working order of a queue or a work list: overdue questions first, then those at risk,
//! urgent before normal within each, then those waiting for the person themself, then the
//! oldest; ties by id, so that pages never overlap or skip.

use chrono::{DateTime, Utc};

use super::sla::SlaState;

/// Where a waiting question stands in its forum's queue; smaller comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct QueueRank {
    /// 0 overdue, 1 at risk, 2 everything else (on track, or no stage to judge).
    sla: u8,
    /// Normal questions after urgent ones.
    normal: bool,
    /// Questions waiting for someone else after those waiting for the person.
    not_for_you: bool,
    created_at: DateTime<Utc>,
    id: i64,
}

impl QueueRank {
    /// The rank of question `id` whose current stage is in `state` (None: no stage).
    pub fn new(id: i64, urgent: bool, created_at: DateTime<Utc>, state: Option<SlaState>) -> Self {
        QueueRank {
            sla: match state {
                Some(SlaState::Overdue) => 0,
                Some(SlaState::AtRisk) => 1,
                _ => 2,
            },
            normal: !urgent,
            not_for_you: true,
            created_at,
            id,
        }
    }

    /// The same rank for a question waiting for the person whose list it is (assigned to them,
    /// or their own question waiting for their reply).
    pub fn for_you(self, yes: bool) -> Self {
        QueueRank {
            not_for_you: !yes,
            ..self
        }
    }

    pub fn is_for_you(&self) -> bool {
        !self.not_for_you
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    pub fn is_overdue(&self) -> bool {
        self.sla == 0
    }

    pub fn is_at_risk(&self) -> bool {
        self.sla == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn overdue_then_at_risk_then_urgent_then_oldest_then_id() {
        let old = at("2025-01-01T08:00:00Z");
        let new = at("2025-03-01T08:00:00Z");
        let mut ranks = [
            QueueRank::new(7, false, old, Some(SlaState::OnTrack)),
            QueueRank::new(6, true, new, Some(SlaState::OnTrack)),
            QueueRank::new(5, false, new, Some(SlaState::AtRisk)),
            QueueRank::new(4, false, new, Some(SlaState::Overdue)),
            QueueRank::new(3, false, old, Some(SlaState::Overdue)),
            QueueRank::new(2, true, new, Some(SlaState::Overdue)),
            QueueRank::new(9, false, old, None),
            QueueRank::new(8, false, old, Some(SlaState::OnTrack)),
        ];
        ranks.sort();
        let ids: Vec<i64> = ranks.iter().map(QueueRank::id).collect();
        assert_eq!(ids, [2, 3, 4, 5, 6, 7, 8, 9]);
        assert!(ranks[0].is_overdue() && ranks[3].is_at_risk() && !ranks[4].is_at_risk());
    }

    #[test]
    fn waiting_for_you_comes_after_urgency_and_before_age() {
        let old = at("2025-01-01T08:00:00Z");
        let new = at("2025-03-01T08:00:00Z");
        let mut ranks = [
            QueueRank::new(1, false, old, Some(SlaState::OnTrack)),
            QueueRank::new(2, false, new, Some(SlaState::OnTrack)).for_you(true),
            QueueRank::new(3, true, new, Some(SlaState::OnTrack)),
            QueueRank::new(4, false, new, Some(SlaState::AtRisk)),
            QueueRank::new(5, false, old, Some(SlaState::OnTrack)).for_you(true),
        ];
        ranks.sort();
        let ids: Vec<i64> = ranks.iter().map(QueueRank::id).collect();
        assert_eq!(ids, [4, 3, 5, 2, 1]);
        assert!(ranks[2].is_for_you() && !ranks[4].is_for_you());
    }
}
