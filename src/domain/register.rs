//! The register of current guidance: which answers are in force, and when temporary support is
//! overdue for review.

use chrono::NaiveDate;

use crate::domain::answer::BindingStatus;
use crate::domain::structure::Level;
use crate::domain::Code;

/// Which answers count as in force: binding and temporary answers at every level, guidance
/// from `guidance_from` up. Lower guidance is shown when a reader asks for its level (at the
/// agency's scale it is hundreds of thousands of answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InForce {
    pub guidance_from: Level,
}

impl InForce {
    /// Whether an answer of `status` given at `level` is in force by default.
    pub fn holds(self, status: BindingStatus, level: Level) -> bool {
        match status {
            BindingStatus::Binding | BindingStatus::Temporary => true,
            BindingStatus::Guidance => level >= self.guidance_from,
            BindingStatus::Superseded | BindingStatus::Withdrawn => false,
        }
    }

    /// The levels whose guidance is in force by default, lowest first.
    pub fn guidance_levels(self) -> Vec<Level> {
        Level::ALL
            .iter()
            .copied()
            .filter(|l| *l >= self.guidance_from)
            .collect()
    }
}

/// Temporary support whose review date has passed without a new answer: shown as
/// "omprövning försenad". Derived from the date; the status stays temporary.
pub fn review_overdue(
    status: BindingStatus,
    review_date: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    status == BindingStatus::Temporary && review_date.is_some_and(|d| d < today)
}

/// How the register labels an answer's standing for a reader, in Swedish.
pub fn standing_sv(status: BindingStatus, overdue: bool) -> &'static str {
    if overdue {
        "Tillfälligt stöd – omprövning försenad"
    } else {
        status.label_sv()
    }
}

/// Why an answer stopped holding, for the mail to those who relied on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lapse {
    Superseded,
    Withdrawn,
    /// Temporary support whose review date passed without a new answer.
    ReviewOverdue,
}

impl Lapse {
    /// The lapse a change of binding status is, if it is one.
    pub fn of_change(to: BindingStatus) -> Option<Lapse> {
        match to {
            BindingStatus::Superseded => Some(Lapse::Superseded),
            BindingStatus::Withdrawn => Some(Lapse::Withdrawn),
            _ => None,
        }
    }

    /// The payload's `kind`.
    pub fn code(self) -> &'static str {
        match self {
            Lapse::Superseded => "answer_superseded",
            Lapse::Withdrawn => "answer_withdrawn",
            Lapse::ReviewOverdue => "review_overdue",
        }
    }

    /// The mail's headline, in Swedish.
    pub fn headline_sv(self) -> &'static str {
        match self {
            Lapse::Superseded => "Ett svar som du har frågat om, följer eller hänvisar till har ersatts",
            Lapse::Withdrawn => "Ett svar som du har frågat om, följer eller hänvisar till har återkallats",
            Lapse::ReviewOverdue => "Tillfälligt stöd som du har frågat om, följer eller hänvisar till har passerat sitt omprövningsdatum",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn binding_and_temporary_hold_everywhere_guidance_from_national_groups_up() {
        let rule = InForce {
            guidance_from: Level::NationalGroup,
        };
        for level in Level::ALL {
            assert!(rule.holds(BindingStatus::Binding, *level));
            assert!(rule.holds(BindingStatus::Temporary, *level));
            assert!(!rule.holds(BindingStatus::Superseded, *level));
            assert!(!rule.holds(BindingStatus::Withdrawn, *level));
        }
        assert!(!rule.holds(BindingStatus::Guidance, Level::Unit));
        assert!(!rule.holds(BindingStatus::Guidance, Level::RegionalGroup));
        assert!(rule.holds(BindingStatus::Guidance, Level::NationalGroup));
        assert!(rule.holds(BindingStatus::Guidance, Level::ProcessForum));
        assert_eq!(
            rule.guidance_levels(),
            vec![
                Level::NationalGroup,
                Level::NationalNetwork,
                Level::ProcessForum
            ]
        );
        let all = InForce {
            guidance_from: Level::Unit,
        };
        assert!(all.holds(BindingStatus::Guidance, Level::Unit));
    }

    #[test]
    fn temporary_support_is_overdue_the_day_after_its_review_date() {
        let t = BindingStatus::Temporary;
        assert!(!review_overdue(t, Some(d("2026-03-01")), d("2026-03-01")));
        assert!(review_overdue(t, Some(d("2026-03-01")), d("2026-03-02")));
        assert!(!review_overdue(
            BindingStatus::Binding,
            Some(d("2026-03-01")),
            d("2026-04-01")
        ));
        assert!(!review_overdue(t, None, d("2026-04-01")));
        assert_eq!(
            standing_sv(t, true),
            "Tillfälligt stöd – omprövning försenad"
        );
        assert_eq!(standing_sv(t, false), "Tillfälligt stöd");
    }
}
