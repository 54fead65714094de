//! What the use cases return: plain data for the JSON API and the pages.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::answer::BindingStatus;
use crate::domain::question::{EventKind, Priority, StageOutcome, Status};
use crate::domain::sla::SlaTarget;
use crate::domain::structure::Level;

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct PersonView {
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForumRef {
    pub code: String,
    pub name: String,
    /// unit, regional_group, national_group, national_network or process_forum
    #[schema(value_type = String)]
    pub level: Level,
}

/// The SLA clock of the question's current (or last) stage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlaView {
    /// on_track, at_risk, overdue (open stage); met or missed (ended stage)
    pub state: String,
    /// Working days used at the current stage, paused time excluded.
    pub working_days: f64,
    /// The stage's resolve target.
    pub target_days: f64,
    /// The target `state` is measured against: first_response (a running stage with no first
    /// response past that target) or resolve.
    #[schema(value_type = String)]
    pub measured: SlaTarget,
    /// That target's limit in working days.
    pub limit_days: f64,
    pub due_at: DateTime<Utc>,
    pub first_response_due_at: Option<DateTime<Utc>>,
    /// Waiting for the asker (awaiting_info): the clock is stopped.
    pub paused: bool,
    /// Working days since the question was submitted, paused time excluded.
    pub total_working_days: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionView {
    pub id: i64,
    /// Human reference, e.g. PS-2026-000042.
    pub reference: String,
    pub title: String,
    pub body: String,
    pub process: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    /// ISO 3166-1 alpha-2 codes.
    pub countries: Vec<String>,
    /// normal or urgent
    #[schema(value_type = String)]
    pub priority: Priority,
    pub urgent_reason: Option<String>,
    /// open, in_progress, awaiting_info, answered, closed, withdrawn or duplicate
    #[schema(value_type = String)]
    pub status: Status,
    #[schema(value_type = String)]
    pub level: Level,
    pub forum: ForumRef,
    /// The asker's home unit, where the question started.
    pub unit: String,
    pub asker: Option<PersonView>,
    /// The asker's user id, for who may do what (not part of the JSON: people are named by
    /// e-mail there).
    #[serde(skip)]
    #[schema(ignore)]
    pub asker_id: Option<i64>,
    pub assignee: Option<PersonView>,
    pub duplicate_of: Option<i64>,
    /// Optimistic-lock version: send it back as `If-Match` to refuse acting on a stale view.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sla: Option<SlaView>,
    /// The binding status of the question's latest answer; null while it has none.
    #[schema(value_type = Option<String>)]
    pub answer_status: Option<BindingStatus>,
}

/// An answer to another question that replaced this question's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LaterAnswerView {
    pub question_id: i64,
    pub reference: String,
    pub answer_id: i64,
    /// guidance, temporary or binding (or what it has become since)
    #[schema(value_type = String)]
    pub binding_status: BindingStatus,
    pub answered_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerView {
    pub id: i64,
    pub question_id: i64,
    /// Code of the forum that gave the answer.
    pub forum: String,
    pub forum_name: String,
    #[schema(value_type = String)]
    pub level: Level,
    pub author: Option<PersonView>,
    pub body: String,
    /// guidance, temporary, binding, superseded or withdrawn
    #[schema(value_type = String)]
    pub binding_status: BindingStatus,
    /// What the status means for the reader, in Swedish.
    pub binding_explanation: String,
    pub superseded_by: Option<i64>,
    /// The question that holds the answer in `superseded_by`: this one, a duplicate's original,
    /// or another question a binding answer settled.
    pub superseded_by_question: Option<i64>,
    pub references: Vec<String>,
    pub review_date: Option<NaiveDate>,
    /// Temporary support whose review date has passed ("omprövning försenad"); the status
    /// stays temporary.
    pub review_overdue: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The seq of the stage that gave it (none for an imported answer): where its path starts,
    /// for who may change its binding status. Not part of the JSON.
    #[serde(skip)]
    #[schema(ignore)]
    pub stage_seq: Option<i32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    /// submitted, claimed, assigned, info_requested, info_provided, answered, escalated,
    /// closed, withdrawn, reopened, marked_duplicate, binding_status_changed
    #[schema(value_type = String)]
    pub kind: EventKind,
    pub actor: Option<PersonView>,
    /// The question's status before and after, or the answer's binding status for
    /// binding_status_changed.
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub forum: Option<String>,
    pub note: Option<String>,
    pub answer_id: Option<i64>,
    /// The person the event is about: the new assignee of an `assigned` event.
    pub subject: Option<PersonView>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageView {
    pub seq: i32,
    pub forum: String,
    pub forum_name: String,
    #[schema(value_type = String)]
    pub level: Level,
    pub entered_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
    /// answered, escalated, withdrawn, duplicate; null while the stage is open
    #[schema(value_type = Option<String>)]
    pub outcome: Option<StageOutcome>,
    /// Working days at this forum, paused time excluded (up to now for the open stage).
    pub working_days: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionDetail {
    #[serde(flatten)]
    pub question: QuestionView,
    /// When none of this question's answers holds any longer and one was replaced by an answer
    /// to another question: that answer, to use instead.
    pub later_answer: Option<LaterAnswerView>,
    pub answers: Vec<AnswerView>,
    pub events: Vec<EventView>,
    pub stages: Vec<StageView>,
    /// The caller follows the question.
    pub following: bool,
}

/// One page of a list that the pages show a page at a time, and where it lies in the whole.
#[derive(Debug, Clone, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Rows on every page together.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub pages: i64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, total: i64, paging: crate::domain::paging::Paging) -> Self {
        Paged {
            items,
            total,
            page: paging.page,
            per_page: paging.per_page,
            pages: paging.pages(total),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionPage {
    pub items: Vec<QuestionView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForumView {
    pub code: String,
    pub name: String,
    #[schema(value_type = String)]
    pub level: Level,
    pub parents: Vec<String>,
    pub process: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitView {
    pub code: String,
    pub name: String,
    pub region: String,
    pub regional_group: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NamedView {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}
