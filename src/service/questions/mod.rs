//! The question use cases: submit, list, read, and every step of the lifecycle; this module
//! holds their inputs and shared pieces, its files the use cases by theme.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::validate::Checks;
use super::views::*;
use super::{ServiceError, ServiceResult};
use crate::domain::question::EventKind;
use crate::domain::question::{Action, Priority, Status};
use crate::domain::structure::Level;
use crate::store::models::*;
use crate::store::{questions as qs, DbConnection};

pub(crate) const TITLE_MAX: usize = 200;
pub(crate) const TEXT_MAX: usize = 20_000;
pub(crate) const NOTE_MAX: usize = 5_000;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewQuestionInput {
    pub title: Option<String>,
    pub body: Option<String>,
    /// A process code from GET /api/v1/processes.
    pub process: Option<String>,
    /// A category code from GET /api/v1/categories.
    pub category: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// ISO 3166-1 alpha-2 codes, e.g. BY, SD.
    #[serde(default)]
    pub countries: Vec<String>,
    /// normal (default) or urgent
    pub priority: Option<String>,
    /// Required when priority is urgent, e.g. a pending case with a deadline.
    pub urgent_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NoteInput {
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EscalateInput {
    /// Why the question goes up (required).
    pub note: Option<String>,
    /// The parent forum, required where there are several.
    pub to_forum: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AssignInput {
    /// E-mail of a member of the forum holding the question.
    pub assignee: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AnswerInput {
    pub body: Option<String>,
    /// guidance, temporary or binding, as the answering level may issue.
    pub binding_status: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// YYYY-MM-DD; required for temporary answers.
    pub review_date: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct BindingStatusInput {
    /// superseded, withdrawn, or binding (from temporary).
    pub binding_status: Option<String>,
    /// The later answer that replaces this one (required for superseded).
    pub superseded_by: Option<i64>,
    pub note: Option<String>,
}

/// A question named as people name it: by its number, or by its reference as they see it
/// ("PS-2026-000014", "ps-2026-14").
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum QuestionRef {
    Id(i64),
    Reference(String),
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DuplicateInput {
    /// The question this one duplicates: its id, or its reference (PS-2026-000014).
    pub of: Option<QuestionRef>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Forum code.
    pub forum: Option<String>,
    /// Status, or several separated by commas.
    pub status: Option<String>,
    pub level: Option<String>,
    /// Only questions the caller asked.
    pub mine: Option<bool>,
    /// Only questions whose current stage is overdue (waiting questions only).
    pub overdue: Option<bool>,
    /// 1-based page, 1 to 1000000 (default 1); a page past the last one is empty.
    pub page: Option<i64>,
    /// 1 to 100, default 20.
    pub per_page: Option<i64>,
}

/// Everything a question's page is made of.
struct DetailRows {
    q: QuestionRow,
    answers: Vec<AnswerRow>,
    /// The answer of another question that replaced this one's, when none of its own holds.
    later: Option<LaterAnswerView>,
    /// The question of each answer that replaced one of `answers`.
    replacements: HashMap<i64, i64>,
    events: Vec<EventRow>,
    stages: Vec<StageRow>,
    pauses: Vec<PauseRow>,
    people: HashMap<i64, PersonView>,
    following: bool,
}

/// What a lifecycle step loads before it decides.
struct Loaded {
    q: QuestionRow,
    answers: Vec<AnswerRow>,
    stage: Option<StageRow>,
    now: NaiveDateTime,
}

impl Loaded {
    fn latest_answer(&self) -> Option<&AnswerRow> {
        self.answers.last()
    }

    fn status(&self) -> Status {
        self.q.status
    }

    fn state(&self) -> QuestionState {
        QuestionState {
            status: self.q.status,
            forum: self.q.forum.clone(),
            level: self.q.level,
            assignee_id: self.q.assignee_id,
            claimed_by: self.q.claimed_by,
            duplicate_of: self.q.duplicate_of,
            updated_at: self.now,
        }
    }

    /// The stage that is running now, if any.
    fn open_stage(&self) -> Option<&StageRow> {
        self.stage.as_ref().filter(|s| s.left_at.is_none())
    }
}

pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A note that is required, checked for length and personal data.
/// The note a step takes: required where the domain says the step needs one.
fn note_for(action: Action, note: &Option<String>) -> ServiceResult<Option<String>> {
    if action.needs_note() {
        required_note(note).map(Some)
    } else {
        optional_note(note)
    }
}

fn required_note(note: &Option<String>) -> ServiceResult<String> {
    let mut c = Checks::default();
    c.required_text("note", note.as_deref(), NOTE_MAX);
    c.finish()?;
    Ok(note.as_deref().unwrap_or_default().trim().to_string())
}

fn optional_note(note: &Option<String>) -> ServiceResult<Option<String>> {
    let mut c = Checks::default();
    c.optional_text("note", note.as_deref(), NOTE_MAX);
    c.finish()?;
    Ok(note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(String::from))
}

pub(crate) struct EventDraft<'a> {
    pub kind: EventKind,
    pub from: Option<Status>,
    pub to: Option<Status>,
    pub forum: Option<&'a str>,
    pub note: Option<&'a str>,
    pub answer_id: Option<i64>,
    /// The person the event is about (the new assignee), kept as an id so that no e-mail
    /// address is written into the history; views show their name.
    pub subject: Option<i64>,
}

/// Where an event keeps the person it is about.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct EventData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<i64>,
}

fn event_subject(e: &EventRow) -> Option<i64> {
    e.data
        .as_deref()
        .and_then(|d| serde_json::from_str::<EventData>(d).ok())
        .and_then(|d| d.subject)
}

mod binding;
mod lifecycle;
mod read;
mod submit;

pub(crate) use submit::{check_question, question_lists, QuestionFields};

/// What one new question has of its own; the rest is the same for all (see
/// [`Service::create_question`]).
pub(crate) struct QuestionDraft<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub process: &'a str,
    pub category: Option<&'a str>,
    pub tags: &'a [String],
    pub countries: &'a [String],
    pub priority: Priority,
    pub urgent_reason: Option<&'a str>,
    /// The forum it starts at, and that forum's level.
    pub forum: (&'a str, Level),
    /// A note on the "submitted" event.
    pub note: Option<&'a str>,
}

pub(crate) fn not_found(id: i64) -> ServiceError {
    ServiceError::NotFound(crate::domain::catalogue::Missing::Question(id))
}

/// The question of each answer that replaced one of `answers` (answer id to question id).
fn replacements(c: &mut DbConnection, answers: &[AnswerRow]) -> ServiceResult<HashMap<i64, i64>> {
    let mut found = HashMap::new();
    for by in answers.iter().filter_map(|a| a.superseded_by) {
        let here = answers.iter().find(|a| a.id == by).map(|a| a.question_id);
        let question = match here {
            Some(q) => Some(q),
            None => qs::answer(c, by)?.map(|a| a.question_id),
        };
        if let Some(q) = question {
            found.insert(by, q);
        }
    }
    Ok(found)
}

/// When no answer of a question holds any longer and one was replaced by an answer of another
/// question (a duplicate, or a divergence the legal department settled), that later answer:
/// the question page tells the reader to use it instead. The most binding, then latest, wins.
fn later_answer(
    c: &mut DbConnection,
    answers: &[AnswerRow],
) -> ServiceResult<Option<LaterAnswerView>> {
    let in_force = answers.iter().any(|a| a.binding_status.is_current());
    if in_force {
        return Ok(None);
    }
    let mut best: Option<(AnswerRow, QuestionRow)> = None;
    for by in answers.iter().filter_map(|a| a.superseded_by) {
        let Some(newer) = qs::answer(c, by)? else {
            continue;
        };
        if answers.iter().any(|a| a.id == newer.id) {
            continue;
        }
        let rank = |a: &AnswerRow| (a.binding_status.rank(), a.created_at);
        if best.as_ref().is_some_and(|(b, _)| rank(b) >= rank(&newer)) {
            continue;
        }
        if let Some(q) = qs::get(c, newer.question_id)? {
            best = Some((newer, q));
        }
    }
    Ok(best.map(|(a, q)| LaterAnswerView {
        question_id: q.id,
        reference: q.reference,
        answer_id: a.id,
        binding_status: a.binding_status,
        answered_at: utc(a.created_at),
    }))
}
