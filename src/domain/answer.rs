//! Answers' binding status: what each level may issue and which status changes are allowed.

use std::collections::BTreeMap;

use crate::domain::catalogue::Refusal;
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::text_enum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BindingStatus {
    Guidance,
    Temporary,
    Binding,
    Superseded,
    Withdrawn,
}
text_enum!(BindingStatus {
    Guidance => "guidance",
    Temporary => "temporary",
    Binding => "binding",
    Superseded => "superseded",
    Withdrawn => "withdrawn",
});

impl BindingStatus {
    /// How much an answer of this status counts when a question has several: binding before
    /// temporary before guidance, and what no longer holds (superseded, withdrawn) last.
    pub fn rank(self) -> u8 {
        match self {
            BindingStatus::Binding => 3,
            BindingStatus::Temporary => 2,
            BindingStatus::Guidance => 1,
            BindingStatus::Superseded | BindingStatus::Withdrawn => 0,
        }
    }

    /// Still in force: the reader may rely on it (to the degree its status says).
    pub fn is_current(self) -> bool {
        matches!(
            self,
            BindingStatus::Guidance | BindingStatus::Temporary | BindingStatus::Binding
        )
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            BindingStatus::Guidance => "Vägledande",
            BindingStatus::Temporary => "Tillfälligt stöd",
            BindingStatus::Binding => "Bindande",
            BindingStatus::Superseded => "Ersatt",
            BindingStatus::Withdrawn => "Återkallat",
        }
    }

    /// What the status means beyond the one line: when it applies and what to do.
    pub fn more_sv(self) -> &'static str {
        match self {
            BindingStatus::Guidance => "Vägledande svar ges på alla nivåer. De visar hur frågan har bedömts och hjälper till att bedöma lika, men binder inte den som beslutar.",
            BindingStatus::Temporary => "Tillfälligt stöd ges när ett bindande svar dröjer. Det har ett omprövningsdatum; då ska det ersättas av ett nytt svar eller förlängas. Efter datumet gäller det inte längre.",
            BindingStatus::Binding => "Bindande svar ges av processforum och gäller tills de ersätts eller återkallas.",
            BindingStatus::Superseded => "Ett senare svar på samma fråga, eller ett bindande svar på en likadan fråga, har ersatt det. Svaret visas för historikens skull; följ det nya svaret.",
            BindingStatus::Withdrawn => "Den som gav svaret har dragit tillbaka det, till exempel för att det byggde på felaktiga uppgifter. Det ska inte användas i något ärende.",
        }
    }

    /// One line telling the reader what the status means for their case.
    pub fn explanation_sv(self) -> &'static str {
        match self {
            BindingStatus::Guidance => "Vägledning: ska beaktas, men beslutsfattaren gör sin egen bedömning i det enskilda ärendet.",
            BindingStatus::Temporary => "Tillfälligt stöd i väntan på nytt stöd: ska följas fram till omprövningsdatumet.",
            BindingStatus::Binding => "Bindande: ska följas i alla ärenden som frågan gäller.",
            BindingStatus::Superseded => "Ersatt av ett senare svar: använd det nya svaret.",
            BindingStatus::Withdrawn => "Återkallat: svaret gäller inte längre och ska inte användas.",
        }
    }
}

/// Which binding statuses each level may issue when it answers (from config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRules {
    allowed: BTreeMap<Level, Vec<BindingStatus>>,
}

impl Default for IssueRules {
    /// Guidance everywhere, temporary from national networks up, binding only at process forums.
    fn default() -> Self {
        use BindingStatus::*;
        let mut allowed = BTreeMap::new();
        for level in Level::ALL {
            let statuses = match level {
                Level::Unit | Level::RegionalGroup | Level::NationalGroup => vec![Guidance],
                Level::NationalNetwork => vec![Guidance, Temporary],
                Level::ProcessForum => vec![Guidance, Temporary, Binding],
            };
            allowed.insert(*level, statuses);
        }
        IssueRules { allowed }
    }
}

impl IssueRules {
    /// Rules from config; `superseded` and `withdrawn` can never be issued, only reached.
    pub fn new(allowed: BTreeMap<Level, Vec<BindingStatus>>) -> Result<Self, String> {
        for (level, statuses) in &allowed {
            if let Some(s) = statuses.iter().find(|s| !s.is_current()) {
                return Err(format!(
                    "level {level} lists '{s}', but only guidance, temporary and binding can be issued"
                ));
            }
        }
        Ok(IssueRules { allowed })
    }

    pub fn allowed(&self, level: Level) -> &[BindingStatus] {
        self.allowed.get(&level).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn may_issue(&self, level: Level, status: BindingStatus) -> bool {
        self.allowed(level).contains(&status)
    }
}

/// The forums on an answer's path: the forum that gave it, then every forum that held the
/// question in a later stage ("above it on the question's path"), each with its level.
/// `stages` are (seq, forum, level); `answer_seq` is the seq of the stage that gave the answer
/// (0 for an answer that came without a stage, such as an imported one: every stage is then on
/// its path).
pub fn path_of<'a>(
    answer: (&'a str, Option<Level>),
    answer_seq: i32,
    stages: impl IntoIterator<Item = (i32, &'a str, Option<Level>)>,
) -> Vec<(&'a str, Option<Level>)> {
    std::iter::once(answer)
        .chain(
            stages
                .into_iter()
                .filter(|(seq, _, _)| *seq > answer_seq)
                .map(|(_, forum, level)| (forum, level)),
        )
        .collect()
}

/// What a person may do to an answer's binding status, from the answer's path: the one rule
/// behind both the change itself and the buttons a page offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindingRights {
    /// Supersede, withdraw or change at all: a member of a forum on the path, or legal.
    pub may_change: bool,
    /// Make it binding: a member of a forum on the path whose level may issue binding answers
    /// (legal alone is not enough: a binding answer is the process forum's word).
    pub may_make_binding: bool,
}

pub fn binding_rights(
    path: &[(&str, Option<Level>)],
    is_member: impl Fn(&str) -> bool,
    is_legal: bool,
    rules: &IssueRules,
) -> BindingRights {
    BindingRights {
        may_change: is_legal || path.iter().any(|(f, _)| is_member(f)),
        may_make_binding: path.iter().any(|(f, l)| {
            is_member(f) && l.is_some_and(|l| rules.may_issue(l, BindingStatus::Binding))
        }),
    }
}

/// Judges a change of an existing answer's status (the actor's right to change it is the
/// service's business). Returns 409 for a change the current status does not allow.
pub fn check_change(from: BindingStatus, to: BindingStatus) -> Result<(), Refusal> {
    use BindingStatus::*;
    let ok = match to {
        Superseded | Withdrawn => from.is_current(),
        Binding => from == Temporary,
        Guidance | Temporary => false,
    };
    if ok {
        Ok(())
    } else if !from.is_current() {
        Err(Refusal::AnswerSettled { from })
    } else {
        Err(Refusal::BindingChangeNotAllowed { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::RefusalKind;
    use BindingStatus::*;

    #[test]
    fn the_path_is_the_answering_forum_and_the_later_stages() {
        let stages = [
            (1, "u", Some(Level::Unit)),
            (2, "rg", Some(Level::RegionalGroup)),
            (3, "pf", Some(Level::ProcessForum)),
        ];
        let path = path_of(("rg", Some(Level::RegionalGroup)), 2, stages);
        assert_eq!(
            path,
            vec![
                ("rg", Some(Level::RegionalGroup)),
                ("pf", Some(Level::ProcessForum))
            ]
        );
        // Without a stage (imported), every stage is on the path.
        assert_eq!(path_of(("rg", None), 0, stages).len(), 4);
        let rules = IssueRules::default();
        let member_of = |f: &'static str| move |x: &str| x == f;
        let r = binding_rights(&path, member_of("pf"), false, &rules);
        assert_eq!((r.may_change, r.may_make_binding), (true, true));
        let r = binding_rights(&path, member_of("rg"), false, &rules);
        assert_eq!((r.may_change, r.may_make_binding), (true, false));
        let r = binding_rights(&path, member_of("u"), false, &rules);
        assert_eq!((r.may_change, r.may_make_binding), (false, false));
        let r = binding_rights(&path, member_of("u"), true, &rules);
        assert_eq!((r.may_change, r.may_make_binding), (true, false));
    }

    #[test]
    fn default_rules_follow_the_design() {
        let r = IssueRules::default();
        assert!(r.may_issue(Level::Unit, Guidance));
        assert!(!r.may_issue(Level::Unit, Temporary));
        assert!(!r.may_issue(Level::NationalGroup, Temporary));
        assert!(r.may_issue(Level::NationalNetwork, Temporary));
        assert!(!r.may_issue(Level::NationalNetwork, Binding));
        assert!(r.may_issue(Level::ProcessForum, Binding));
        for l in Level::ALL {
            assert!(!r.may_issue(*l, Superseded) && !r.may_issue(*l, Withdrawn));
        }
    }

    #[test]
    fn config_cannot_issue_terminal_statuses() {
        let mut m = BTreeMap::new();
        m.insert(Level::Unit, vec![Guidance, Superseded]);
        assert!(IssueRules::new(m).unwrap_err().contains("superseded"));
    }

    #[test]
    fn allowed_changes() {
        for from in [Guidance, Temporary, Binding] {
            assert!(check_change(from, Superseded).is_ok());
            assert!(check_change(from, Withdrawn).is_ok());
        }
        assert!(check_change(Temporary, Binding).is_ok());
    }

    #[test]
    fn refused_changes() {
        for (from, to) in [
            (Guidance, Binding),
            (Binding, Temporary),
            (Guidance, Temporary),
            (Binding, Guidance),
            (Superseded, Binding),
            (Withdrawn, Guidance),
            (Superseded, Withdrawn),
            (Withdrawn, Superseded),
            (Temporary, Temporary),
        ] {
            assert!(
                matches!(check_change(from, to), Err(r) if r.kind() == RefusalKind::Conflict),
                "{from} -> {to}"
            );
        }
    }
}
