//! Demo data for `serve --demo`: users in every role and questions replayed through the use
//! cases, each step at its own moment in the past, so history, stages and SLAs are real.

use chrono::Duration;
use serde::Deserialize;

use super::questions::{
    AnswerInput, AssignInput, BindingStatusInput, DuplicateInput, EscalateInput, NewQuestionInput,
    NoteInput, QuestionRef,
};
use super::users::NewUserInput;
use super::{Actor, Role, Service, ServiceError, ServiceResult};
use crate::domain::catalogue::{FieldProblem, Refusal};
use crate::domain::question::EventKind;
use crate::domain::Code;
use crate::store::models::NewEvent;
use crate::store::{self, questions as qs};

const USERS: &str = include_str!("../../config/demo/users.toml");
const QUESTIONS: &str = include_str!("../../config/demo/questions.toml");
/// The events that mark a demo load's start and its end: a start without an end is a load
/// that was cut off.
const DEMO_STARTED: EventKind = EventKind::DemoLoadStarted;
const DEMO_LOADED: EventKind = EventKind::DemoLoaded;
/// Every demo user signs in with this password.
pub const DEMO_PASSWORD: &str = "eskalera-demo";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Users {
    users: Vec<DemoUser>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoUser {
    email: String,
    name: String,
    unit: String,
    role: String,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Questions {
    questions: Vec<DemoQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoQuestion {
    asker: String,
    title: String,
    body: String,
    process: String,
    category: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    countries: Vec<String>,
    priority: Option<String>,
    urgent_reason: Option<String>,
    days_ago: f64,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    after_days: f64,
    action: String,
    by: String,
    note: Option<String>,
    to_forum: Option<String>,
    assignee: Option<String>,
    body: Option<String>,
    binding_status: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    review_date: Option<String>,
    answer: Option<usize>,
    superseded_by: Option<usize>,
    of: Option<usize>,
}

/// What the demo loaded, and tokens a person can try the API with.
#[derive(Debug)]
pub struct DemoSummary {
    pub users: usize,
    pub questions: usize,
    /// (e-mail, role, token) for one user of each role and one forum member.
    pub tokens: Vec<(String, String, String)>,
}

fn bad(what: String) -> ServiceError {
    ServiceError::invalid("demo", FieldProblem::DemoData { detail: what })
}

impl Service {
    /// Whether the database holds no users and no questions (the demo loads only then).
    pub fn is_empty(&self) -> ServiceResult<bool> {
        use diesel::prelude::*;
        let mut c = self.conn()?;
        let users: i64 = store::schema::users::table
            .count()
            .get_result(&mut **c)
            .map_err(store::StoreError::from)?;
        let questions: i64 = store::schema::questions::table
            .count()
            .get_result(&mut **c)
            .map_err(store::StoreError::from)?;
        Ok(users == 0 && questions == 0)
    }

    /// Whether a demo load started and never finished (the process was killed half way).
    pub fn demo_cut_off(&self) -> ServiceResult<bool> {
        let mut c = self.conn()?;
        Ok(store::demo::has_mark(&mut c, DEMO_STARTED)?
            && !store::demo::has_mark(&mut c, DEMO_LOADED)?)
    }

    /// Loads the demo organisation's users and questions into an empty database, or into one
    /// whose earlier demo load was cut off (that one is cleared first, with its index).
    pub fn load_demo(&self) -> ServiceResult<DemoSummary> {
        if self.demo_cut_off()? {
            log::warn!("an earlier demo load was cut off half way: clearing it and loading again");
            let mut conn = self.conn()?;
            store::write_tx(
                &mut conn,
                store::demo::clear_everything_but_the_organisation,
            )?;
            drop(conn);
            self.rebuild_index(&mut std::io::sink())?;
            self.search.follow_pointer()?;
        }
        if !self.is_empty()? {
            return Err(Refusal::DemoNeedsEmptyDatabase.into());
        }
        self.demo_mark(DEMO_STARTED)?;
        let users: Users = toml::from_str(USERS).map_err(|e| bad(format!("users.toml: {e}")))?;
        let questions: Questions =
            toml::from_str(QUESTIONS).map_err(|e| bad(format!("questions.toml: {e}")))?;
        // One hash for all: argon2 is slow by design and the demo password is shared anyway.
        let hash = super::users::hash_password(DEMO_PASSWORD)?;
        for u in &users.users {
            let role = Role::parse(&u.role).ok_or_else(|| bad(format!("role '{}'", u.role)))?;
            let s = self.add_user(
                &Actor::system(),
                &NewUserInput {
                    email: u.email.clone(),
                    name: u.name.clone(),
                    unit: u.unit.clone(),
                    members: u.members.clone(),
                    role,
                    password: None,
                },
            )?;
            let mut conn = self.conn()?;
            store::users::set_password_hash(&mut conn, s.id, &hash)?;
        }
        let mut ids: Vec<i64> = Vec::new();
        for (n, q) in questions.questions.iter().enumerate() {
            let id = self
                .replay(q, &ids)
                .map_err(|e| bad(format!("question {}: {e}", n + 1)))?;
            ids.push(id);
        }
        let mut tokens = Vec::new();
        let pick = |pred: &dyn Fn(&DemoUser) -> bool| users.users.iter().find(|u| pred(u));
        let chosen = [
            pick(&|u| Role::parse(&u.role) == Some(Role::Caseworker) && u.members.is_empty()),
            pick(&|u| u.members.iter().any(|m| m.starts_with("nn-"))),
            pick(&|u| Role::parse(&u.role) == Some(Role::Legal)),
            pick(&|u| Role::parse(&u.role) == Some(Role::Admin)),
        ];
        for u in chosen.into_iter().flatten() {
            tokens.push((
                u.email.clone(),
                u.role.clone(),
                self.create_token(&Actor::system(), &u.email, Some(30))?,
            ));
        }
        self.demo_mark(DEMO_LOADED)?;
        Ok(DemoSummary {
            users: users.users.len(),
            questions: ids.len(),
            tokens,
        })
    }

    fn demo_mark(&self, kind: EventKind) -> ServiceResult<()> {
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            qs::insert_event(
                c,
                &NewEvent::apart(kind, None, Some("demo data".into()), self.clock.now_naive()),
            )?;
            Ok::<(), ServiceError>(())
        })
    }

    fn replay(&self, q: &DemoQuestion, earlier: &[i64]) -> ServiceResult<i64> {
        let base = self.clock();
        let at = |days_ago: f64| {
            self.with_clock(base.shifted(-Duration::seconds((days_ago * 86_400.0) as i64)))
        };
        let asker = self.actor_by_email(&q.asker)?;
        let detail = at(q.days_ago).submit(
            &asker,
            &NewQuestionInput {
                title: Some(q.title.clone()),
                body: Some(q.body.clone()),
                process: Some(q.process.clone()),
                category: q.category.clone(),
                tags: q.tags.clone(),
                countries: q.countries.clone(),
                priority: q.priority.clone(),
                urgent_reason: q.urgent_reason.clone(),
            },
        )?;
        let id = detail.question.id;
        let mut days_ago = q.days_ago;
        for step in &q.steps {
            days_ago -= step.after_days;
            let svc = at(days_ago.max(0.0));
            let actor = self.actor_by_email(&step.by)?;
            let note = NoteInput {
                note: step.note.clone(),
            };
            match step.action.as_str() {
                "claim" => svc.claim(&actor, id, None).map(drop)?,
                "assign" => svc
                    .assign(
                        &actor,
                        id,
                        &AssignInput {
                            assignee: step.assignee.clone(),
                        },
                        None,
                    )
                    .map(drop)?,
                "request_info" => svc.request_info(&actor, id, &note, None).map(drop)?,
                "provide_info" => svc.provide_info(&actor, id, &note, None).map(drop)?,
                "escalate" => svc
                    .escalate(
                        &actor,
                        id,
                        &EscalateInput {
                            note: step.note.clone(),
                            to_forum: step.to_forum.clone(),
                        },
                        None,
                    )
                    .map(drop)?,
                "answer" => svc
                    .answer(
                        &actor,
                        id,
                        &AnswerInput {
                            body: step.body.clone(),
                            binding_status: step.binding_status.clone(),
                            references: step.references.clone(),
                            review_date: step.review_date.clone(),
                        },
                        None,
                    )
                    .map(drop)?,
                "set_binding_status" => {
                    let mut conn = self.conn()?;
                    let answers = qs::answers_of(&mut conn, id)?;
                    let nth = |i: Option<usize>| {
                        i.and_then(|i| i.checked_sub(1))
                            .and_then(|i| answers.get(i))
                            .map(|a| a.id)
                    };
                    let answer = nth(step.answer).ok_or_else(|| bad("answer index".into()))?;
                    svc.set_binding_status(
                        &actor,
                        answer,
                        &BindingStatusInput {
                            binding_status: step.binding_status.clone(),
                            superseded_by: nth(step.superseded_by),
                            note: step.note.clone(),
                        },
                    )
                    .map(drop)?
                }
                "close" => svc.close(&actor, id, &note, None).map(drop)?,
                "withdraw" => svc.withdraw(&actor, id, &note, None).map(drop)?,
                "reopen" => svc.reopen(&actor, id, &note, None).map(drop)?,
                "duplicate" => {
                    let of = step
                        .of
                        .and_then(|i| i.checked_sub(1))
                        .and_then(|i| earlier.get(i))
                        .copied();
                    svc.mark_duplicate(
                        &actor,
                        id,
                        &DuplicateInput {
                            of: of.map(QuestionRef::Id),
                            note: step.note.clone(),
                        },
                        None,
                    )
                    .map(drop)?
                }
                other => return Err(bad(format!("unknown action '{other}'"))),
            }
        }
        Ok(id)
    }
}
