//! The question lifecycle: statuses, actions, who may take each action and from which status.

use crate::domain::catalogue::Refusal;
use crate::text_enum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    InProgress,
    AwaitingInfo,
    Answered,
    Closed,
    Withdrawn,
    Duplicate,
}
text_enum!(Status {
    Open => "open",
    InProgress => "in_progress",
    AwaitingInfo => "awaiting_info",
    Answered => "answered",
    Closed => "closed",
    Withdrawn => "withdrawn",
    Duplicate => "duplicate",
});

impl Status {
    /// Still waiting for someone in the structure (counts in queues and the backlog).
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            Status::Open | Status::InProgress | Status::AwaitingInfo
        )
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            Status::Open => "Öppen",
            Status::InProgress => "Under handläggning",
            Status::AwaitingInfo => "Väntar på komplettering",
            Status::Answered => "Besvarad",
            Status::Closed => "Avslutad",
            Status::Withdrawn => "Återkallad",
            Status::Duplicate => "Dubblett",
        }
    }
}

/// Urgent sorts after normal (the queues put it first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    Normal,
    Urgent,
}
text_enum!(Priority {
    Normal => "normal",
    Urgent => "urgent",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Claim,
    Assign,
    RequestInfo,
    ProvideInfo,
    Answer,
    Escalate,
    Close,
    Withdraw,
    Reopen,
    Duplicate,
}
text_enum!(Action {
    Claim => "claim",
    Assign => "assign",
    RequestInfo => "request_info",
    ProvideInfo => "provide_info",
    Answer => "answer",
    Escalate => "escalate",
    Close => "close",
    Withdraw => "withdraw",
    Reopen => "reopen",
    Duplicate => "duplicate",
});

impl Action {
    /// The step as its button says it.
    pub fn label_sv(self) -> &'static str {
        match self {
            Action::Claim => "Ta frågan",
            Action::Assign => "Tilldela",
            Action::RequestInfo => "Begär komplettering",
            Action::ProvideInfo => "Komplettera",
            Action::Answer => "Svara",
            Action::Escalate => "Lyft frågan",
            Action::Close => "Avsluta",
            Action::Withdraw => "Återkalla frågan",
            Action::Reopen => "Öppna igen",
            Action::Duplicate => "Markera som dubblett",
        }
    }

    /// Whether the step takes a reason the others must read: why a question is escalated,
    /// what is missing, the missing information itself, why it is opened again.
    pub fn needs_note(self) -> bool {
        matches!(
            self,
            Action::RequestInfo | Action::ProvideInfo | Action::Escalate | Action::Reopen
        )
    }
}

/// What happened to a question, as its history records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Submitted,
    Claimed,
    Assigned,
    InfoRequested,
    InfoProvided,
    Answered,
    Escalated,
    Closed,
    Withdrawn,
    Reopened,
    MarkedDuplicate,
    BindingStatusChanged,
    Imported,
    ConsistencyDecided,
    ConsistencyLinked,
    // Not about a question: the audit trail of people and the demo's load marks.
    UserCreated,
    UserDisabled,
    UserEnabled,
    RoleChanged,
    UnitChanged,
    MembershipAdded,
    MembershipRemoved,
    PasswordSet,
    TokenCreated,
    TokensRevoked,
    SignedIn,
    SignedOut,
    SignInFailed,
    DemoLoadStarted,
    DemoLoaded,
}
text_enum!(EventKind {
    Submitted => "submitted",
    Claimed => "claimed",
    Assigned => "assigned",
    InfoRequested => "info_requested",
    InfoProvided => "info_provided",
    Answered => "answered",
    Escalated => "escalated",
    Closed => "closed",
    Withdrawn => "withdrawn",
    Reopened => "reopened",
    MarkedDuplicate => "marked_duplicate",
    BindingStatusChanged => "binding_status_changed",
    Imported => "imported",
    ConsistencyDecided => "consistency_decided",
    ConsistencyLinked => "consistency_linked",
    UserCreated => "user_created",
    UserDisabled => "user_disabled",
    UserEnabled => "user_enabled",
    RoleChanged => "role_changed",
    UnitChanged => "unit_changed",
    MembershipAdded => "membership_added",
    MembershipRemoved => "membership_removed",
    PasswordSet => "password_set",
    TokenCreated => "token_created",
    TokensRevoked => "tokens_revoked",
    SignedIn => "signed_in",
    SignedOut => "signed_out",
    SignInFailed => "sign_in_failed",
    DemoLoadStarted => "demo_load_started",
    DemoLoaded => "demo_loaded",
});

impl EventKind {
    pub fn label_sv(self) -> &'static str {
        match self {
            EventKind::Submitted => "Frågan ställdes",
            EventKind::Claimed => "Frågan togs för handläggning",
            EventKind::Assigned => "Frågan tilldelades",
            EventKind::InfoRequested => "Komplettering begärdes",
            EventKind::InfoProvided => "Frågeställaren kompletterade",
            EventKind::Answered => "Frågan besvarades",
            EventKind::Escalated => "Frågan lyftes",
            EventKind::Closed => "Frågan avslutades",
            EventKind::Withdrawn => "Frågan återkallades",
            EventKind::Reopened => "Frågan öppnades igen",
            EventKind::MarkedDuplicate => "Frågan markerades som dubblett",
            EventKind::BindingStatusChanged => "Ett svar fick ny status",
            EventKind::Imported => "Frågan importerades",
            EventKind::ConsistencyDecided => {
                "Rättsavdelningen jämförde svaret med en liknande fråga"
            }
            EventKind::ConsistencyLinked => {
                "Olika svar på liknande frågor gick till processforumet"
            }
            EventKind::UserCreated => "Användaren lades till",
            EventKind::UserDisabled => "Användaren stängdes av",
            EventKind::UserEnabled => "Användaren fick tillgång igen",
            EventKind::RoleChanged => "Användaren fick en ny roll",
            EventKind::UnitChanged => "Användaren fick en ny hemenhet",
            EventKind::MembershipAdded => "Användaren blev medlem i ett forum",
            EventKind::MembershipRemoved => "Användaren lämnade ett forum",
            EventKind::PasswordSet => "Ett nytt lösenord sattes",
            EventKind::TokenCreated => "En API-nyckel skapades",
            EventKind::TokensRevoked => "API-nycklar återkallades",
            EventKind::SignedIn => "Inloggning",
            EventKind::SignedOut => "Utloggning",
            EventKind::SignInFailed => "Misslyckad inloggning",
            EventKind::DemoLoadStarted => "Demodata började läsas in",
            EventKind::DemoLoaded => "Demodata lästes in",
        }
    }
}

/// How a question left a stage of its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StageOutcome {
    Answered,
    Escalated,
    Withdrawn,
    Duplicate,
}
text_enum!(StageOutcome {
    Answered => "answered",
    Escalated => "escalated",
    Withdrawn => "withdrawn",
    Duplicate => "duplicate",
});

impl StageOutcome {
    /// Whether the forum of the stage responded (an answer, or passing the question on): the
    /// stages the response-time report counts.
    pub fn is_response(self) -> bool {
        matches!(self, StageOutcome::Answered | StageOutcome::Escalated)
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            StageOutcome::Answered => "besvarad här",
            StageOutcome::Escalated => "lyftes vidare",
            StageOutcome::Withdrawn => "återkallad",
            StageOutcome::Duplicate => "dubblett",
        }
    }
}

/// A question's reference as it is written ("PS-2026-000014"), from what a person typed: any
/// case, the number with or without its leading zeros. None for text that is no reference.
/// The forms and search take one wherever a question is named.
pub fn reference_in(s: &str) -> Option<String> {
    let s = s.trim();
    let rest = s
        .get(..3)
        .filter(|p| p.eq_ignore_ascii_case("PS-"))
        .and(s.get(3..))?;
    let (year, number) = rest.split_once('-')?;
    let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    if year.len() != 4 || !digits(year) || !digits(number) {
        return None;
    }
    let number: i64 = number.parse().ok()?;
    Some(format!("PS-{year}-{number:06}"))
}

/// How the actor stands to one question; computed by the service, judged here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relation {
    pub is_asker: bool,
    /// Member of the forum the question is at now.
    pub member_of_current: bool,
    /// Member of the forum that gave the latest answer.
    pub member_of_answering: bool,
    /// Role `legal` (the legal department).
    pub is_legal: bool,
}

/// Facts about the question beyond its status that a transition depends on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateFacts {
    /// The latest answer of the question is `temporary`.
    pub current_answer_temporary: bool,
}

/// Whether the actor's relation to the question allows the action at all.
fn may(action: Action, rel: &Relation) -> bool {
    match action {
        Action::Claim | Action::Assign => rel.member_of_current || rel.is_legal,
        Action::RequestInfo | Action::Answer | Action::Escalate | Action::Duplicate => {
            rel.member_of_current
        }
        Action::ProvideInfo | Action::Withdraw => rel.is_asker,
        Action::Close => rel.is_asker || rel.member_of_answering || rel.is_legal,
        Action::Reopen => rel.is_asker || rel.member_of_answering,
    }
}

fn next_status(action: Action, from: Status, facts: &StateFacts) -> Option<Status> {
    use Status::*;
    match (action, from) {
        (Action::Claim, Open) => Some(InProgress),
        (Action::Assign, Open | InProgress) => Some(from),
        (Action::RequestInfo, InProgress) => Some(AwaitingInfo),
        (Action::ProvideInfo, AwaitingInfo) => Some(InProgress),
        (Action::Answer, Open | InProgress) => Some(Answered),
        (Action::Escalate, Open | InProgress) => Some(Open),
        // A network may give temporary support and pass the question up in one go.
        (Action::Escalate, Answered) if facts.current_answer_temporary => Some(Open),
        (Action::Close, Answered) => Some(Closed),
        (Action::Withdraw, Open | InProgress | AwaitingInfo) => Some(Withdrawn),
        (Action::Reopen, Answered | Closed) => Some(InProgress),
        (Action::Duplicate, Open | InProgress) => Some(Duplicate),
        _ => None,
    }
}

/// Judges an action: first who (403), then from which status (409). Returns the new status.
pub fn decide(
    action: Action,
    from: Status,
    rel: &Relation,
    facts: &StateFacts,
) -> Result<Status, Refusal> {
    if !may(action, rel) {
        return Err(Refusal::StepNotYours(action));
    }
    next_status(action, from, facts).ok_or(Refusal::StepNotNow {
        status: from,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::Worded;
    use crate::domain::Code;

    #[test]
    fn the_steps_that_others_must_understand_need_a_note() {
        let needing: Vec<&str> = Action::ALL
            .iter()
            .filter(|a| a.needs_note())
            .map(|a| a.as_str())
            .collect();
        assert_eq!(
            needing,
            ["request_info", "provide_info", "escalate", "reopen"]
        );
    }
    use Status::*;

    const ASKER: Relation = Relation {
        is_asker: true,
        member_of_current: false,
        member_of_answering: false,
        is_legal: false,
    };
    const MEMBER: Relation = Relation {
        is_asker: false,
        member_of_current: true,
        member_of_answering: false,
        is_legal: false,
    };
    const ANSWERING: Relation = Relation {
        is_asker: false,
        member_of_current: false,
        member_of_answering: true,
        is_legal: false,
    };
    const LEGAL: Relation = Relation {
        is_asker: false,
        member_of_current: false,
        member_of_answering: false,
        is_legal: true,
    };
    const STRANGER: Relation = Relation {
        is_asker: false,
        member_of_current: false,
        member_of_answering: false,
        is_legal: false,
    };
    const NO: StateFacts = StateFacts {
        current_answer_temporary: false,
    };
    const TEMP: StateFacts = StateFacts {
        current_answer_temporary: true,
    };

    /// The transition table of docs/architecture.md, one row per allowed (action, who, from) → to.
    #[test]
    fn every_allowed_transition() {
        let rows: &[(Action, Relation, Status, StateFacts, Status)] = &[
            (Action::Claim, MEMBER, Open, NO, InProgress),
            (Action::Claim, LEGAL, Open, NO, InProgress),
            (Action::Assign, MEMBER, Open, NO, Open),
            (Action::Assign, MEMBER, InProgress, NO, InProgress),
            (Action::Assign, LEGAL, InProgress, NO, InProgress),
            (Action::RequestInfo, MEMBER, InProgress, NO, AwaitingInfo),
            (Action::ProvideInfo, ASKER, AwaitingInfo, NO, InProgress),
            (Action::Answer, MEMBER, Open, NO, Answered),
            (Action::Answer, MEMBER, InProgress, NO, Answered),
            (Action::Escalate, MEMBER, Open, NO, Open),
            (Action::Escalate, MEMBER, InProgress, NO, Open),
            (Action::Escalate, MEMBER, Answered, TEMP, Open),
            (Action::Close, ASKER, Answered, NO, Closed),
            (Action::Close, ANSWERING, Answered, NO, Closed),
            (Action::Close, LEGAL, Answered, NO, Closed),
            (Action::Withdraw, ASKER, Open, NO, Withdrawn),
            (Action::Withdraw, ASKER, InProgress, NO, Withdrawn),
            (Action::Withdraw, ASKER, AwaitingInfo, NO, Withdrawn),
            (Action::Reopen, ASKER, Answered, NO, InProgress),
            (Action::Reopen, ASKER, Closed, NO, InProgress),
            (Action::Reopen, ANSWERING, Closed, NO, InProgress),
            (Action::Duplicate, MEMBER, Open, NO, Duplicate),
            (Action::Duplicate, MEMBER, InProgress, NO, Duplicate),
        ];
        for (action, rel, from, facts, to) in rows {
            assert_eq!(
                decide(*action, *from, rel, facts),
                Ok(*to),
                "{action} from {from} by {rel:?}"
            );
        }
    }

    /// Every status an action is not allowed from is a 409, for an actor who may take the action.
    #[test]
    fn every_refused_state_is_a_conflict() {
        let allowed: &[(Action, &[Status], Relation)] = &[
            (Action::Claim, &[Open], MEMBER),
            (Action::Assign, &[Open, InProgress], MEMBER),
            (Action::RequestInfo, &[InProgress], MEMBER),
            (Action::ProvideInfo, &[AwaitingInfo], ASKER),
            (Action::Answer, &[Open, InProgress], MEMBER),
            (Action::Escalate, &[Open, InProgress], MEMBER),
            (Action::Close, &[Answered], ASKER),
            (Action::Withdraw, &[Open, InProgress, AwaitingInfo], ASKER),
            (Action::Reopen, &[Answered, Closed], ASKER),
            (Action::Duplicate, &[Open, InProgress], MEMBER),
        ];
        for (action, ok_from, rel) in allowed {
            for from in Status::ALL {
                if ok_from.contains(from) {
                    continue;
                }
                match decide(*action, *from, rel, &NO) {
                    Err(r @ Refusal::StepNotNow { .. }) => {
                        assert!(r.en().contains(from.as_str()), "{r}")
                    }
                    other => panic!("{action} from {from}: expected 409, got {other:?}"),
                }
            }
        }
    }

    #[test]
    fn escalating_an_answered_question_needs_a_temporary_answer() {
        match decide(Action::Escalate, Answered, &MEMBER, &NO) {
            Err(r @ Refusal::StepNotNow { .. }) => assert!(r.en().contains("temporary")),
            other => panic!("{other:?}"),
        }
    }

    /// Every actor not named in the "who" column of an action is a 403, whatever the status.
    #[test]
    fn every_refused_actor_is_forbidden() {
        let refused: &[(Action, &[Relation])] = &[
            (Action::Claim, &[ASKER, ANSWERING, STRANGER]),
            (Action::Assign, &[ASKER, ANSWERING, STRANGER]),
            (Action::RequestInfo, &[ASKER, ANSWERING, LEGAL, STRANGER]),
            (Action::ProvideInfo, &[MEMBER, ANSWERING, LEGAL, STRANGER]),
            (Action::Answer, &[ASKER, ANSWERING, LEGAL, STRANGER]),
            (Action::Escalate, &[ASKER, ANSWERING, LEGAL, STRANGER]),
            (Action::Close, &[MEMBER, STRANGER]),
            (Action::Withdraw, &[MEMBER, ANSWERING, LEGAL, STRANGER]),
            (Action::Reopen, &[MEMBER, LEGAL, STRANGER]),
            (Action::Duplicate, &[ASKER, ANSWERING, LEGAL, STRANGER]),
        ];
        for (action, rels) in refused {
            for rel in *rels {
                for from in Status::ALL {
                    assert!(
                        matches!(
                            decide(*action, *from, rel, &TEMP),
                            Err(Refusal::StepNotYours(a)) if a == *action
                        ),
                        "{action} by {rel:?} from {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn references_are_recognised_in_any_case() {
        for r in ["PS-2026-000014", "ps-2026-14", " PS-2026-0014 "] {
            assert_eq!(reference_in(r).as_deref(), Some("PS-2026-000014"), "{r}");
        }
        for r in [
            "14",
            "PS-26-14",
            "PS-2026",
            "PS-2026-",
            "PS-2026-1-2",
            "PS-20x6-14",
            "Å",
        ] {
            assert_eq!(reference_in(r), None, "{r}");
        }
    }

    #[test]
    fn statuses_round_trip_as_text() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Status::parse("OPEN"), None);
        assert!(Open.is_pending() && AwaitingInfo.is_pending() && !Answered.is_pending());
    }
}
