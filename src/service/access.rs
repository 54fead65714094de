//! Who the caller is and how they stand to a question: the access policy in one place.

use std::collections::BTreeSet;

use crate::domain::question::Relation;
use crate::store::models::{AnswerRow, QuestionRow};
use crate::text_enum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Caseworker,
    Legal,
    Admin,
}
text_enum!(Role {
    Caseworker => "caseworker",
    Legal => "legal",
    Admin => "admin",
});

impl Role {
    pub fn label_sv(self) -> &'static str {
        match self {
            Role::Caseworker => "Handläggare",
            Role::Legal => "Rättsavdelningen",
            Role::Admin => "Administratör",
        }
    }
}

/// The name of eskalera itself as an actor (the scheduled jobs, the demo loader).
const SYSTEM: &str = "system";

/// A signed-in user with their memberships, loaded once per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub unit: String,
    pub memberships: BTreeSet<String>,
}

impl Actor {
    /// The operator at the command line (`eskalera user …`, `mail …`): an administrator that
    /// is no user row, named by the OS user. Events it writes name it, never a person.
    pub fn operator() -> Actor {
        let who = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Actor::apart(format!("cli ({who})"))
    }

    /// eskalera itself: the scheduled jobs and the demo loader.
    pub fn system() -> Actor {
        Actor::apart(SYSTEM.into())
    }

    /// Whether this is eskalera itself ([`Actor::system`]), not a person or the operator.
    pub fn is_system(&self) -> bool {
        self.id == 0 && self.name == SYSTEM
    }

    /// The agency's directory, for the changes a sign-in through it makes.
    pub fn directory() -> Actor {
        Actor::apart("directory".into())
    }

    fn apart(name: String) -> Actor {
        Actor {
            id: 0,
            email: String::new(),
            name,
            role: Role::Admin,
            unit: String::new(),
            memberships: BTreeSet::new(),
        }
    }

    /// The person's account, for events; None for the operator and the system.
    pub fn account(&self) -> Option<i64> {
        (self.id != 0).then_some(self.id)
    }

    pub fn is_member(&self, forum: &str) -> bool {
        self.memberships.contains(forum)
    }

    pub fn is_legal(&self) -> bool {
        self.role == Role::Legal
    }

    /// Users, their memberships and failed mail are managed by administrators only.
    pub fn may_administer(&self) -> bool {
        self.role == Role::Admin
    }

    /// Consistency cases and topics are decided by the legal department alone (administrators
    /// read them).
    pub fn may_decide_consistency(&self) -> bool {
        self.is_legal()
    }

    /// The backlog and the review list are the legal department's (and administrators').
    pub fn may_oversee(&self) -> bool {
        matches!(self.role, Role::Legal | Role::Admin)
    }

    /// How the actor stands to `q`, whose latest answer is `latest`.
    pub fn relation(&self, q: &QuestionRow, latest: Option<&AnswerRow>) -> Relation {
        self.relation_to(q.asker_id, &q.forum, latest.map(|a| a.forum.as_str()))
    }

    /// How the actor stands to a question asked by `asker`, held by `forum` and last answered
    /// by `answering`: the one place that says who "the asker" and "a member" are, for the
    /// steps and for the actions a page offers.
    pub fn relation_to(
        &self,
        asker: Option<i64>,
        forum: &str,
        answering: Option<&str>,
    ) -> Relation {
        Relation {
            is_asker: asker == Some(self.id),
            member_of_current: self.is_member(forum),
            member_of_answering: answering.is_some_and(|f| self.is_member(f)),
            is_legal: self.is_legal(),
        }
    }
}

pub(super) fn not_admin() -> super::ServiceError {
    crate::domain::catalogue::Refusal::AdminOnly.into()
}

/// People, their tokens and failed mail are the administrators' (and the operator's at the
/// command line).
pub(super) fn may_administer(actor: &Actor) -> super::ServiceResult<()> {
    if actor.may_administer() {
        Ok(())
    } else {
        Err(not_admin())
    }
}
