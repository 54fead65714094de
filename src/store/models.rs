//! Row types: what is read from and written to each table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::*;
use crate::domain::answer::BindingStatus;
use crate::domain::consistency::{CaseStatus, PossibleStatus};
use crate::domain::mail::{MailPreference, MailStatus, MailTemplate};
use crate::domain::question::{EventKind, Priority, StageOutcome, Status};
use crate::domain::structure::Level;
use crate::service::Role;

#[derive(Debug, Clone, Queryable)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub unit: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub mail_preference: MailPreference,
    pub last_digest_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// Web sessions issued before this instant are refused.
    pub valid_after: Option<NaiveDateTime>,
    /// Set while the person is disabled: no sign-in, no session, no token.
    pub disabled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub unit: &'a str,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    pub mail_preference: MailPreference,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens, treat_none_as_default_value = false)]
pub struct NewToken<'a> {
    pub user_id: i64,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable)]
pub struct QuestionRow {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub body: String,
    pub process: String,
    pub category: Option<String>,
    pub tags: String,
    pub countries: String,
    pub priority: Priority,
    pub urgent_reason: Option<String>,
    pub status: Status,
    pub forum: String,
    pub level: Level,
    pub unit: String,
    pub asker_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub claimed_by: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = questions, treat_none_as_default_value = false)]
pub struct NewQuestion<'a> {
    pub reference: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub process: &'a str,
    pub category: Option<&'a str>,
    pub tags: &'a str,
    pub countries: &'a str,
    pub priority: Priority,
    pub urgent_reason: Option<&'a str>,
    pub status: Status,
    pub forum: &'a str,
    pub level: Level,
    pub unit: &'a str,
    pub asker_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub claimed_by: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The mutable part of a question, written with a version check.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = questions, treat_none_as_null = true)]
pub struct QuestionState {
    pub status: Status,
    pub forum: String,
    pub level: Level,
    pub assignee_id: Option<i64>,
    pub claimed_by: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct StageRow {
    pub id: i64,
    pub question_id: i64,
    pub seq: i32,
    pub forum: String,
    pub level: Level,
    pub entered_at: NaiveDateTime,
    pub first_response_at: Option<NaiveDateTime>,
    pub left_at: Option<NaiveDateTime>,
    pub outcome: Option<StageOutcome>,
    pub working_days: Option<f64>,
    pub process: String,
    pub priority: Priority,
    pub warned: Option<crate::domain::sla::SlaState>,
    /// Working clock at which the running stage's time used is zero (see the migration).
    pub sla_clock: Option<f64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = stages, treat_none_as_default_value = false)]
pub struct NewStage<'a> {
    pub question_id: i64,
    pub seq: i32,
    pub forum: &'a str,
    pub level: Level,
    pub entered_at: NaiveDateTime,
    pub first_response_at: Option<NaiveDateTime>,
    pub left_at: Option<NaiveDateTime>,
    pub outcome: Option<StageOutcome>,
    pub working_days: Option<f64>,
    pub process: &'a str,
    pub priority: Priority,
    pub sla_clock: Option<f64>,
}

#[derive(Debug, Clone, Queryable)]
pub struct PauseRow {
    pub id: i64,
    pub stage_id: i64,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable)]
pub struct AnswerRow {
    pub id: i64,
    pub question_id: i64,
    pub stage_id: Option<i64>,
    pub forum: String,
    pub level: Level,
    pub author_id: Option<i64>,
    pub body: String,
    pub binding_status: BindingStatus,
    pub superseded_by: Option<i64>,
    pub refs: String,
    pub review_date: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub review_notified: bool,
    /// The people relying on this temporary answer have heard that its review is overdue.
    pub lapse_notified: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = answers, treat_none_as_default_value = false)]
pub struct NewAnswer<'a> {
    pub question_id: i64,
    pub stage_id: Option<i64>,
    pub forum: &'a str,
    pub level: Level,
    pub author_id: Option<i64>,
    pub body: &'a str,
    pub binding_status: BindingStatus,
    pub superseded_by: Option<i64>,
    pub refs: &'a str,
    pub review_date: Option<&'a str>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub id: i64,
    pub question_id: Option<i64>,
    pub answer_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub kind: EventKind,
    /// The status before and after: the question's, or the answer's binding status for
    /// `binding_status_changed` (the two sets share "withdrawn", so the kind decides).
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub forum: Option<String>,
    pub note: Option<String>,
    pub data: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct NewEvent {
    pub question_id: Option<i64>,
    pub answer_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub kind: EventKind,
    /// The status before and after: the question's, or the answer's binding status for
    /// `binding_status_changed` (the two sets share "withdrawn", so the kind decides).
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub forum: Option<String>,
    pub note: Option<String>,
    pub data: Option<String>,
    pub created_at: NaiveDateTime,
}

impl NewEvent {
    /// An event about no question (the audit trail of people, the demo's marks).
    pub fn apart(
        kind: EventKind,
        actor_id: Option<i64>,
        note: Option<String>,
        created_at: NaiveDateTime,
    ) -> Self {
        NewEvent {
            question_id: None,
            answer_id: None,
            actor_id,
            kind,
            from_status: None,
            to_status: None,
            forum: None,
            note,
            data: None,
            created_at,
        }
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: String,
    pub template: MailTemplate,
    pub recipient_id: Option<i64>,
    pub to_address: String,
    pub question_id: Option<i64>,
    pub payload: String,
    pub status: MailStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
pub struct NewOutbox<'a> {
    pub message_id: &'a str,
    pub template: MailTemplate,
    pub recipient_id: Option<i64>,
    pub to_address: &'a str,
    pub question_id: Option<i64>,
    pub payload: &'a str,
    pub status: MailStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct ConsistencyCaseRow {
    pub id: i64,
    pub question_a: i64,
    pub question_b: i64,
    pub answer_a: i64,
    pub answer_b: i64,
    pub score: f64,
    pub reasons: String,
    pub status: CaseStatus,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub note: Option<String>,
    pub routed_question: Option<i64>,
    pub created_at: NaiveDateTime,
    pub version: i64,
    pub topic_id: i64,
}

/// A pair close enough to look at, below the rule that makes a case.
#[derive(Debug, Clone, Queryable)]
pub struct PossibleDivergenceRow {
    pub id: i64,
    pub question_a: i64,
    pub question_b: i64,
    pub answer_a: i64,
    pub answer_b: i64,
    pub score: f64,
    pub place: i64,
    pub reasons: String,
    pub status: PossibleStatus,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub note: Option<String>,
    pub case_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = possible_divergences, treat_none_as_default_value = false)]
pub struct NewPossibleDivergence<'a> {
    pub question_a: i64,
    pub question_b: i64,
    pub answer_a: i64,
    pub answer_b: i64,
    pub score: f64,
    pub place: i64,
    pub reasons: &'a str,
    pub status: PossibleStatus,
    pub created_at: NaiveDateTime,
}

/// Cases connected through their questions, reviewed and decided as one.
#[derive(Debug, Clone, Queryable)]
pub struct ConsistencyTopicRow {
    pub id: i64,
    pub status: CaseStatus,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub note: Option<String>,
    pub routed_question: Option<i64>,
    /// Set when a new pair linked this topic to an older one, which took its cases.
    pub merged_into: Option<i64>,
    pub created_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = consistency_cases, treat_none_as_default_value = false)]
pub struct NewConsistencyCase<'a> {
    pub question_a: i64,
    pub question_b: i64,
    pub answer_a: i64,
    pub answer_b: i64,
    pub score: f64,
    pub reasons: &'a str,
    pub status: CaseStatus,
    pub created_at: NaiveDateTime,
    pub topic_id: i64,
}
