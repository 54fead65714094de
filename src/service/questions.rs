//! The question use cases: submit, list, read, and every step of the lifecycle.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::validate::{is_country_code, normalise_list, Checks};
use super::views::*;
use super::{Actor, Service, ServiceError, ServiceResult};
use crate::domain::answer::{self, BindingStatus};
use crate::domain::paging::Paging;
use crate::domain::question::{decide, Action, Priority, StateFacts, Status};
use crate::domain::sla::{self, SlaState, StageTimes};
use crate::domain::structure::{EscalationTarget, Level};
use crate::domain::Code;
use crate::store::models::*;
use crate::store::{self, questions as qs, users as us, DbConnection, StoreError};

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

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DuplicateInput {
    /// Id of the question this one duplicates.
    pub of: Option<i64>,
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

    fn status(&self) -> ServiceResult<Status> {
        parse_status(&self.q.status)
    }

    fn state(&self) -> QuestionState {
        QuestionState {
            status: self.q.status.clone(),
            forum: self.q.forum.clone(),
            level: self.q.level.clone(),
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

fn parse_status(s: &str) -> ServiceResult<Status> {
    Status::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown status '{s}'")).into())
}

fn parse_level(s: &str) -> ServiceResult<Level> {
    Level::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown level '{s}'")).into())
}

pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A note that is required, checked for length and personal data.
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
    pub kind: &'a str,
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

impl Service {
    // ---- reading ---------------------------------------------------------------------------

    pub(super) fn forum_name(&self, code: &str) -> String {
        self.config
            .structure
            .forum(code)
            .map(|f| f.name.clone())
            .unwrap_or_else(|| code.to_string())
    }

    fn stage_times(stage: &StageRow, pauses: &[PauseRow]) -> StageTimes {
        StageTimes {
            entered_at: utc(stage.entered_at),
            first_response_at: stage.first_response_at.map(utc),
            left_at: stage.left_at.map(utc),
            pauses: pauses
                .iter()
                .filter(|p| p.stage_id == stage.id)
                .map(|p| (utc(p.started_at), p.ended_at.map(utc)))
                .collect(),
        }
    }

    /// Working days a stage has used, paused time excluded (up to now while it is open).
    fn stage_working_days(&self, stage: &StageRow, pauses: &[PauseRow], now: DateTime<Utc>) -> f64 {
        if let Some(d) = stage.working_days {
            return d;
        }
        let t = Self::stage_times(stage, pauses);
        crate::domain::calendar::working_days_excluding(
            t.entered_at,
            t.left_at.unwrap_or(now).max(t.entered_at),
            &t.pauses,
            self.config.sla.working_time,
        )
    }

    fn sla_view(
        &self,
        q: &QuestionRow,
        stages: &[StageRow],
        pauses: &[PauseRow],
        now: DateTime<Utc>,
    ) -> Option<SlaView> {
        let stage = stages.last()?;
        let level = Level::parse(&stage.level)?;
        let s = sla::evaluate(
            &Self::stage_times(stage, pauses),
            self.config.stage_targets(level, &q.priority),
            self.config.sla.at_risk_share,
            now,
            self.config.sla.working_time,
        );
        let total: f64 = stages
            .iter()
            .map(|st| self.stage_working_days(st, pauses, now))
            .sum();
        Some(SlaView {
            state: s.state.as_str().into(),
            working_days: s.working_days,
            target_days: s.target_days,
            due_at: s.due_at,
            first_response_due_at: s.first_response_due_at,
            paused: s.paused,
            total_working_days: total,
        })
    }

    pub(crate) fn people(
        conn: &mut DbConnection,
        ids: impl IntoIterator<Item = Option<i64>>,
    ) -> ServiceResult<HashMap<i64, PersonView>> {
        let ids: BTreeSet<i64> = ids.into_iter().flatten().collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        Ok(us::by_ids(conn, &ids)?
            .into_iter()
            .map(|u| {
                (
                    u.id,
                    PersonView {
                        email: u.email,
                        name: u.name,
                    },
                )
            })
            .collect())
    }

    fn question_view(
        &self,
        q: &QuestionRow,
        people: &HashMap<i64, PersonView>,
        sla: Option<SlaView>,
    ) -> ServiceResult<QuestionView> {
        Ok(QuestionView {
            id: q.id,
            reference: q.reference.clone(),
            title: q.title.clone(),
            body: q.body.clone(),
            process: q.process.clone(),
            category: q.category.clone(),
            tags: store::from_json_list(&q.tags)?,
            countries: store::from_json_list(&q.countries)?,
            priority: q.priority.clone(),
            urgent_reason: q.urgent_reason.clone(),
            status: q.status.clone(),
            level: q.level.clone(),
            forum: ForumRef {
                code: q.forum.clone(),
                name: self.forum_name(&q.forum),
                level: q.level.clone(),
            },
            unit: q.unit.clone(),
            asker: q.asker_id.and_then(|id| people.get(&id).cloned()),
            assignee: q.assignee_id.and_then(|id| people.get(&id).cloned()),
            duplicate_of: q.duplicate_of,
            version: q.version,
            created_at: utc(q.created_at),
            updated_at: utc(q.updated_at),
            sla,
        })
    }

    fn answer_view(
        &self,
        a: &AnswerRow,
        people: &HashMap<i64, PersonView>,
    ) -> ServiceResult<AnswerView> {
        let status = BindingStatus::parse(&a.binding_status)
            .ok_or_else(|| StoreError::Corrupt(format!("binding status '{}'", a.binding_status)))?;
        Ok(AnswerView {
            id: a.id,
            question_id: a.question_id,
            forum: a.forum.clone(),
            forum_name: self.forum_name(&a.forum),
            level: a.level.clone(),
            author: a.author_id.and_then(|id| people.get(&id).cloned()),
            body: a.body.clone(),
            binding_status: a.binding_status.clone(),
            binding_explanation: status.explanation_sv().into(),
            superseded_by: a.superseded_by,
            references: store::from_json_list(&a.refs)?,
            review_date: a
                .review_date
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            version: a.version,
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
        })
    }

    fn detail_in(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<QuestionDetail> {
        let q = qs::get(c, id)?.ok_or_else(|| not_found(id))?;
        let answers = qs::answers_of(c, id)?;
        let events = qs::events_of(c, id)?;
        let stages = qs::stages_of(c, id)?;
        let stage_ids: Vec<i64> = stages.iter().map(|s| s.id).collect();
        let pauses = qs::pauses_of(c, &stage_ids)?;
        let people = Self::people(
            c,
            [q.asker_id, q.assignee_id]
                .into_iter()
                .chain(answers.iter().map(|a| a.author_id))
                .chain(events.iter().map(|e| e.actor_id))
                .chain(events.iter().map(event_subject)),
        )?;
        let following = qs::is_follower(c, id, actor.id)?;
        let later = later_answer(c, &answers)?;
        self.detail_of(DetailRows {
            q,
            answers,
            later,
            events,
            stages,
            pauses,
            people,
            following,
        })
    }

    /// The page of a question from its rows, however they were come by.
    fn detail_of(&self, rows: DetailRows) -> ServiceResult<QuestionDetail> {
        let DetailRows {
            q,
            answers,
            later,
            events,
            stages,
            pauses,
            people,
            following,
        } = rows;
        let now = self.clock.now();
        let sla = self.sla_view(&q, &stages, &pauses, now);
        Ok(QuestionDetail {
            question: self.question_view(&q, &people, sla)?,
            later_answer: later,
            answers: answers
                .iter()
                .map(|a| self.answer_view(a, &people))
                .collect::<ServiceResult<_>>()?,
            events: events
                .iter()
                .map(|e| EventView {
                    id: e.id,
                    kind: e.kind.clone(),
                    actor: e.actor_id.and_then(|id| people.get(&id).cloned()),
                    from_status: e.from_status.clone(),
                    to_status: e.to_status.clone(),
                    forum: e.forum.clone(),
                    note: e.note.clone(),
                    answer_id: e.answer_id,
                    subject: event_subject(e).and_then(|id| people.get(&id).cloned()),
                    created_at: utc(e.created_at),
                })
                .collect(),
            stages: stages
                .iter()
                .map(|s| StageView {
                    seq: s.seq,
                    forum: s.forum.clone(),
                    forum_name: self.forum_name(&s.forum),
                    level: s.level.clone(),
                    entered_at: utc(s.entered_at),
                    first_response_at: s.first_response_at.map(utc),
                    left_at: s.left_at.map(utc),
                    outcome: s.outcome.clone(),
                    working_days: self.stage_working_days(s, &pauses, now),
                })
                .collect(),
            following,
        })
    }

    /// A question with its answers, events, stages and SLA; every signed-in user may read it.
    pub fn question(&self, actor: &Actor, id: i64) -> ServiceResult<QuestionDetail> {
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| self.detail_in(c, actor, id))
    }

    /// Questions matching the filters, urgent first, then the most recently changed.
    pub fn list_questions(&self, actor: &Actor, query: &ListQuery) -> ServiceResult<QuestionPage> {
        let mut checks = Checks::default();
        let paging = checks.paging(query.page, query.per_page, 20, 100);
        let mut filter = qs::ListFilter::default();
        if let Some(f) = query.forum.as_deref().filter(|f| !f.is_empty()) {
            if self.config.structure.forum(f).is_none() {
                checks.fail("forum", format!("unknown forum '{f}'"));
            }
            filter.forums = Some(vec![f.to_string()]);
        }
        if let Some(s) = query.status.as_deref().filter(|s| !s.is_empty()) {
            let mut statuses = Vec::new();
            for part in s.split(',').map(str::trim) {
                match Status::parse(part) {
                    Some(st) => statuses.push(st.as_str().to_string()),
                    None => checks.fail(
                        "status",
                        format!(
                            "unknown status '{part}', expected one of: {}",
                            Status::choices()
                        ),
                    ),
                }
            }
            filter.statuses = Some(statuses);
        }
        if let Some(l) = query.level.as_deref().filter(|l| !l.is_empty()) {
            match Level::parse(l) {
                Some(l) => filter.level = Some(l.as_str().into()),
                None => checks.fail(
                    "level",
                    format!("unknown level '{l}', expected one of: {}", Level::choices()),
                ),
            }
        }
        checks.finish()?;
        if query.mine == Some(true) {
            filter.asker_id = Some(actor.id);
        }
        let overdue = query.overdue == Some(true);
        if overdue {
            // Only a waiting question can be overdue: of the statuses asked for, the waiting ones.
            let pending = |s: &String| Status::parse(s).is_some_and(Status::is_pending);
            filter.statuses = Some(match filter.statuses.take() {
                Some(asked) => asked.into_iter().filter(pending).collect(),
                None => Status::ALL
                    .iter()
                    .filter(|s| s.is_pending())
                    .map(|s| s.as_str().to_string())
                    .collect(),
            });
        }
        let now = self.clock.now();
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let (rows, total) = if overdue {
                self.overdue_page(c, &filter, paging, now)?
            } else {
                qs::list(c, &filter, paging.offset(), paging.per_page)?
            };
            let items = self.list_views(c, &rows, now)?;
            Ok(QuestionPage {
                items,
                total,
                page: paging.page,
                per_page: paging.per_page,
            })
        })
    }

    /// One page of the overdue questions matching `filter`, in the list's order (urgent first,
    /// then the most recently changed, then by id, as `qs::list` sorts), and their number.
    ///
    /// Whether a question is overdue is computed, not stored, so every candidate is evaluated:
    /// from its light `Waiting` row, not the whole question; only the page is read whole. SQL
    /// first leaves out the stages too young to be overdue (`overdue_cutoffs`).
    fn overdue_page(
        &self,
        c: &mut DbConnection,
        filter: &qs::ListFilter,
        paging: Paging,
        now: DateTime<Utc>,
    ) -> ServiceResult<(Vec<QuestionRow>, i64)> {
        let cutoffs = self.overdue_cutoffs(now);
        let candidates = qs::waiting(c, filter, Some(&cutoffs))?;
        let states = self.waiting_states(c, &candidates, now)?;
        let mut overdue: Vec<&qs::Waiting> = candidates
            .iter()
            .filter(|w| parse_status(&w.status).is_ok_and(|s| s.is_pending()))
            .filter(|w| states.get(&w.id) == Some(&SlaState::Overdue))
            .collect();
        overdue.sort_by(|a, b| {
            (&b.priority, b.updated_at, b.id).cmp(&(&a.priority, a.updated_at, a.id))
        });
        let ids: Vec<i64> = overdue[paging.slice_of(overdue.len())]
            .iter()
            .map(|w| w.id)
            .collect();
        Ok((qs::by_ids_in_order(c, &ids)?, overdue.len() as i64))
    }

    /// For every level and priority, the entry times before which a running stage can be
    /// overdue now; a stage entered later cannot have used its target yet.
    fn overdue_cutoffs(&self, now: DateTime<Utc>) -> Vec<qs::OverdueCutoff> {
        let mode = self.config.sla.working_time;
        let mut out = Vec::new();
        for &level in Level::ALL {
            for &priority in Priority::ALL {
                let t = self.config.stage_targets(level, priority.as_str());
                let before = |days: f64| sla::entered_before_to_exceed(days, now, mode).naive_utc();
                out.push(qs::OverdueCutoff {
                    level: level.as_str().to_string(),
                    urgent: priority == Priority::Urgent,
                    resolve: before(t.resolve),
                    // Without a first response, whichever target comes first.
                    first_response: before(t.first_response.min(t.resolve)),
                });
            }
        }
        out
    }

    /// The SLA state now of each question's current stage (None without a stage or with a
    /// level that has no targets), from the light rows and the pauses of the stages that have
    /// any: the same evaluation as `current_slas`, without the due times.
    pub(crate) fn waiting_states(
        &self,
        c: &mut DbConnection,
        rows: &[qs::Waiting],
        now: DateTime<Utc>,
    ) -> ServiceResult<HashMap<i64, SlaState>> {
        let paused: Vec<i64> = rows
            .iter()
            .filter(|w| w.paused_ever != 0)
            .filter_map(|w| w.stage_id)
            .collect();
        let mut pauses: HashMap<i64, Vec<sla::Pause>> = HashMap::new();
        for chunk in paused.chunks(500) {
            for p in qs::pauses_of(c, chunk)? {
                pauses
                    .entry(p.stage_id)
                    .or_default()
                    .push((utc(p.started_at), p.ended_at.map(utc)));
            }
        }
        let mut out = HashMap::with_capacity(rows.len());
        for w in rows {
            let (Some(stage_id), Some(level), Some(entered_at)) = (
                w.stage_id,
                w.level.as_deref().and_then(Level::parse),
                w.entered_at,
            ) else {
                continue;
            };
            let times = StageTimes {
                entered_at: utc(entered_at),
                first_response_at: w.first_response_at.map(utc),
                left_at: w.left_at.map(utc),
                pauses: pauses.remove(&stage_id).unwrap_or_default(),
            };
            let (_, state) = sla::state_at(
                &times,
                self.config.stage_targets(level, &w.priority),
                self.config.sla.at_risk_share,
                now,
                self.config.sla.working_time,
            );
            out.insert(w.id, state);
        }
        Ok(out)
    }

    /// The list views of `rows`, in their order, with their current SLA as of `now`.
    pub(crate) fn list_views(
        &self,
        c: &mut DbConnection,
        rows: &[QuestionRow],
        now: DateTime<Utc>,
    ) -> ServiceResult<Vec<QuestionView>> {
        let mut slas = self.current_slas(c, rows, now)?;
        let people = Self::people(c, rows.iter().flat_map(|q| [q.asker_id, q.assignee_id]))?;
        rows.iter()
            .map(|q| self.question_view(q, &people, slas.remove(&q.id)))
            .collect()
    }

    /// The SLA of each question's current stage, with one query for stages and one for pauses.
    fn current_slas(
        &self,
        c: &mut DbConnection,
        rows: &[QuestionRow],
        now: DateTime<Utc>,
    ) -> ServiceResult<HashMap<i64, SlaView>> {
        let ids: Vec<i64> = rows.iter().map(|q| q.id).collect();
        let by_id: HashMap<i64, &QuestionRow> = rows.iter().map(|q| (q.id, q)).collect();
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let stages = qs::last_stages(c, chunk)?;
            let stage_ids: Vec<i64> = stages.iter().map(|s| s.id).collect();
            let pauses = qs::pauses_of(c, &stage_ids)?;
            for stage in stages {
                let Some(q) = by_id.get(&stage.question_id) else {
                    continue;
                };
                let Some(level) = Level::parse(&stage.level) else {
                    continue;
                };
                let s = sla::evaluate(
                    &Self::stage_times(&stage, &pauses),
                    self.config.stage_targets(level, &q.priority),
                    self.config.sla.at_risk_share,
                    now,
                    self.config.sla.working_time,
                );
                out.insert(
                    q.id,
                    SlaView {
                        state: s.state.as_str().into(),
                        working_days: s.working_days,
                        target_days: s.target_days,
                        due_at: s.due_at,
                        first_response_due_at: s.first_response_due_at,
                        paused: s.paused,
                        // The total needs every stage; lists show the current one only.
                        total_working_days: s.working_days,
                    },
                );
            }
        }
        Ok(out)
    }

    // ---- submitting ------------------------------------------------------------------------

    /// A new question, open at the asker's home unit; the asker follows it.
    pub fn submit(&self, actor: &Actor, input: &NewQuestionInput) -> ServiceResult<QuestionDetail> {
        let mut checks = Checks::default();
        checks.required_text("title", input.title.as_deref(), TITLE_MAX);
        checks.required_text("body", input.body.as_deref(), TEXT_MAX);
        let structure = &self.config.structure;
        match input.process.as_deref().map(str::trim) {
            None | Some("") => checks.fail("process", "is required"),
            Some(p) if structure.process(p).is_none() => checks.fail(
                "process",
                format!(
                    "unknown process '{p}', expected one of: {}",
                    structure
                        .processes
                        .iter()
                        .map(|p| p.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            _ => {}
        }
        let category = input
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if let Some(cat) = category {
            if structure.category(cat).is_none() {
                checks.fail(
                    "category",
                    format!(
                        "unknown category '{cat}', expected one of: {}",
                        structure
                            .categories
                            .iter()
                            .map(|c| c.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        checks.text_list("tags", &input.tags, 20, 60);
        let countries = normalise_list(&input.countries, false);
        if countries.len() > 20 {
            checks.fail("countries", "has more than 20 items");
        }
        for (i, c) in countries.iter().enumerate() {
            if !is_country_code(c) {
                checks.fail(
                    &format!("countries[{i}]"),
                    format!("'{c}' is not an ISO 3166-1 alpha-2 code such as BY or SD"),
                );
            }
        }
        let priority = match input.priority.as_deref().map(str::trim) {
            None | Some("") => Priority::Normal,
            Some(p) => Priority::parse(p).unwrap_or_else(|| {
                checks.fail(
                    "priority",
                    format!("unknown priority '{p}', expected normal or urgent"),
                );
                Priority::Normal
            }),
        };
        let urgent_reason = input
            .urgent_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if priority == Priority::Urgent {
            checks.required_text("urgent_reason", urgent_reason, NOTE_MAX);
        } else if urgent_reason.is_some() {
            checks.fail("urgent_reason", "only urgent questions take a reason");
        }
        if !structure.units.contains_key(&actor.unit) {
            checks.fail(
                "unit",
                format!("your home unit '{}' is not in the structure", actor.unit),
            );
        }
        checks.finish()?;

        let tags = normalise_list(&input.tags, true);
        let title = input.title.as_deref().unwrap_or_default().trim();
        let body = input.body.as_deref().unwrap_or_default().trim();
        let process = input.process.as_deref().unwrap_or_default().trim();
        let mut conn = self.conn()?;
        let rows = store::write_tx(&mut conn, |c| {
            let now = self.clock.now_naive();
            let qs::Created {
                question: q,
                stage,
                event,
            } = self.create_question(
                c,
                &QuestionDraft {
                    title,
                    body,
                    process,
                    category,
                    tags: &tags,
                    countries: &countries,
                    priority,
                    urgent_reason,
                    forum: (&actor.unit, Level::Unit),
                    note: None,
                },
                actor,
                now,
            )?;
            self.notify_event(
                c,
                &q,
                (&q.status, &q.forum, &q.level, None),
                "submitted",
                actor,
                None,
                None,
            )?;
            // The rollup rows submissions share come last, just before the commit: on
            // PostgreSQL an updated row (spread over slots, so rarely the same one) stays
            // locked until the commit, so concurrent submissions seldom queue, and then only
            // for this statement and the commit. Nothing is seen before the commit either way.
            self.count_stage_entered(c, &stage)?;
            // The answer is made of the rows just written (a new question has nothing else),
            // rather than read back: that would be seven more statements in the transaction.
            // It is built after the commit, so that SQLite's one writer is not kept waiting.
            let people = HashMap::from([(
                actor.id,
                PersonView {
                    email: actor.email.clone(),
                    name: actor.name.clone(),
                },
            )]);
            Ok::<_, ServiceError>(DetailRows {
                q,
                answers: Vec::new(),
                later: None,
                events: vec![event],
                stages: vec![stage],
                pauses: Vec::new(),
                people,
                following: true,
            })
        })?;
        self.detail_of(rows)
    }

    /// Writes a new question, open at its forum, asked by `actor` at their unit, with the
    /// first stage, the event, the change for the indexer and `actor` as follower. The caller
    /// counts the stage for the rollups.
    pub(crate) fn create_question(
        &self,
        c: &mut DbConnection,
        d: &QuestionDraft<'_>,
        actor: &Actor,
        now: NaiveDateTime,
    ) -> ServiceResult<qs::Created> {
        let (forum, level) = d.forum;
        let q = NewQuestion {
            reference: "",
            title: d.title,
            body: d.body,
            process: d.process,
            category: d.category,
            tags: &store::to_json_list(d.tags),
            countries: &store::to_json_list(d.countries),
            priority: d.priority.as_str(),
            urgent_reason: d.urgent_reason,
            status: Status::Open.as_str(),
            forum,
            level: level.as_str(),
            unit: &actor.unit,
            asker_id: Some(actor.id),
            assignee_id: None,
            claimed_by: None,
            duplicate_of: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let first = qs::FirstRows {
            sla_clock: self.new_stage_clock(now),
            actor_id: Some(actor.id),
            kind: "submitted",
            note: d.note,
            follower: actor.id,
        };
        Ok(qs::create(c, &q, &first)?)
    }

    // ---- lifecycle -------------------------------------------------------------------------

    fn load(
        &self,
        c: &mut DbConnection,
        id: i64,
        expected_version: Option<i64>,
    ) -> ServiceResult<Loaded> {
        let q = qs::get(c, id)?.ok_or_else(|| not_found(id))?;
        if let Some(v) = expected_version {
            if v != q.version {
                return Err(ServiceError::Conflict(format!(
                    "question {id} was changed by someone else (version {} now, you had {v}); reload it and try again",
                    q.version
                )));
            }
        }
        let answers = qs::answers_of(c, id)?;
        let stage = qs::stages_of(c, id)?.pop();
        Ok(Loaded {
            q,
            answers,
            stage,
            now: self.clock.now_naive(),
        })
    }

    fn decide(&self, actor: &Actor, l: &Loaded, action: Action) -> ServiceResult<Status> {
        let facts = StateFacts {
            current_answer_temporary: l
                .latest_answer()
                .is_some_and(|a| a.binding_status == BindingStatus::Temporary.as_str()),
        };
        let rel = actor.relation(&l.q, l.latest_answer());
        Ok(decide(action, l.status()?, &rel, &facts)?)
    }

    /// Takes the question for this step, or 409 if someone else changed it since it was loaded.
    /// Done before any other write so that the loser of a race has written nothing.
    fn take(&self, c: &mut DbConnection, l: &Loaded) -> ServiceResult<()> {
        if qs::take_version(c, l.q.id, l.q.version)? {
            Ok(())
        } else {
            Err(ServiceError::Conflict(format!(
                "question {} was changed by someone else at the same time; reload it and try again",
                l.q.id
            )))
        }
    }

    pub(crate) fn record(
        &self,
        c: &mut DbConnection,
        question_id: i64,
        actor: &Actor,
        now: NaiveDateTime,
        e: EventDraft<'_>,
    ) -> ServiceResult<()> {
        self.record_as(c, question_id, Some(actor.id), now, e)
    }

    /// Records an event and the change the indexer picks up; `actor_id` is None for history
    /// whose people are unknown (imports).
    pub(crate) fn record_as(
        &self,
        c: &mut DbConnection,
        question_id: i64,
        actor_id: Option<i64>,
        now: NaiveDateTime,
        e: EventDraft<'_>,
    ) -> ServiceResult<()> {
        self.insert_event(c, question_id, actor_id, now, e)?;
        qs::record_change(c, question_id, now)?;
        Ok(())
    }

    /// Records an event only; the caller records the change for the indexer in the same
    /// transaction.
    fn insert_event(
        &self,
        c: &mut DbConnection,
        question_id: i64,
        actor_id: Option<i64>,
        now: NaiveDateTime,
        e: EventDraft<'_>,
    ) -> ServiceResult<EventRow> {
        Ok(qs::insert_event(
            c,
            &NewEvent {
                question_id: Some(question_id),
                answer_id: e.answer_id,
                actor_id,
                kind: e.kind.to_string(),
                from_status: e.from.map(|s| s.as_str().to_string()),
                to_status: e.to.map(|s| s.as_str().to_string()),
                forum: e.forum.map(String::from),
                note: e.note.map(String::from),
                data: e.subject.map(|subject| {
                    serde_json::to_string(&EventData {
                        subject: Some(subject),
                    })
                    .unwrap_or_default()
                }),
                created_at: now,
            },
        )?)
    }

    /// Ends the running stage, storing its working days so reports can sum them in SQL.
    fn end_stage(&self, c: &mut DbConnection, l: &Loaded, outcome: &str) -> ServiceResult<()> {
        if let Some(stage) = l.open_stage() {
            qs::end_pauses(c, stage.id, l.now)?;
            let pauses = qs::pauses_of(c, &[stage.id])?;
            let mut ended = stage.clone();
            ended.left_at = Some(l.now);
            let days = self.stage_working_days(&ended, &pauses, utc(l.now));
            qs::end_stage(c, stage.id, l.now, outcome, days)?;
            if outcome == "answered" || outcome == "escalated" {
                self.count_stage_ended(c, stage.id, &stage.level, &stage.priority, l.now)?;
            }
        }
        Ok(())
    }

    /// The clock of a stage entered at `at`: it has used nothing yet.
    fn new_stage_clock(&self, at: NaiveDateTime) -> Option<f64> {
        let times = StageTimes {
            entered_at: utc(at),
            ..Default::default()
        };
        self.stage_clock(&times, at)
    }

    fn start_stage(
        &self,
        c: &mut DbConnection,
        l: &Loaded,
        forum: &str,
        level: Level,
    ) -> ServiceResult<()> {
        let stage = qs::insert_stage(
            c,
            &NewStage {
                question_id: l.q.id,
                seq: l.stage.as_ref().map_or(1, |s| s.seq + 1),
                forum,
                level: level.as_str(),
                entered_at: l.now,
                first_response_at: None,
                left_at: None,
                outcome: None,
                working_days: None,
                process: &l.q.process,
                priority: &l.q.priority,
                sla_clock: self.new_stage_clock(l.now),
            },
        )?;
        self.count_stage_entered(c, &stage)?;
        Ok(())
    }

    fn first_response(&self, c: &mut DbConnection, l: &Loaded) -> ServiceResult<()> {
        if let Some(stage) = l.open_stage() {
            qs::set_first_response(c, stage.id, l.now)?;
        }
        Ok(())
    }

    /// Runs one lifecycle step: load, decide (403/409), apply, save with the version check,
    /// record the event; all in one transaction. Returns the question as it is afterwards.
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: Option<i64>,
        action: Action,
        kind: &str,
        note: Option<&str>,
        apply: impl FnOnce(
            &mut DbConnection,
            &Loaded,
            &mut QuestionState,
            Status,
        ) -> ServiceResult<Option<i64>>,
    ) -> ServiceResult<QuestionDetail> {
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let l = self.load(c, id, expected_version)?;
            let from = l.status()?;
            let to = self.decide(actor, &l, action)?;
            self.take(c, &l)?;
            let mut state = l.state();
            state.status = to.as_str().into();
            let answer_id = apply(c, &l, &mut state, to)?;
            qs::update_state(c, id, &state)?;
            let answer = match answer_id {
                Some(a) => qs::answer(c, a)?,
                None => None,
            };
            self.notify_event(
                c,
                &l.q,
                (&state.status, &state.forum, &state.level, state.assignee_id),
                kind,
                actor,
                note,
                answer.as_ref(),
            )?;
            self.record(
                c,
                id,
                actor,
                l.now,
                EventDraft {
                    kind,
                    from: Some(from),
                    to: Some(to),
                    forum: Some(&state.forum),
                    note,
                    answer_id,
                    subject: (action == Action::Assign)
                        .then_some(state.assignee_id)
                        .flatten(),
                },
            )?;
            self.detail_in(c, actor, id)
        })
    }

    pub fn claim(&self, actor: &Actor, id: i64, ev: Option<i64>) -> ServiceResult<QuestionDetail> {
        self.step(
            actor,
            id,
            ev,
            Action::Claim,
            "claimed",
            None,
            |c, l, st, _| {
                st.claimed_by = Some(actor.id);
                st.assignee_id = Some(actor.id);
                self.first_response(c, l)?;
                Ok(None)
            },
        )
    }

    pub fn assign(
        &self,
        actor: &Actor,
        id: i64,
        input: &AssignInput,
        ev: Option<i64>,
    ) -> ServiceResult<QuestionDetail> {
        let email = match input.assignee.as_deref().map(str::trim) {
            None | Some("") => return Err(ServiceError::invalid("assignee", "is required")),
            Some(e) if !super::users::is_email(e) => {
                return Err(ServiceError::invalid(
                    "assignee",
                    "is not an e-mail address",
                ))
            }
            Some(e) => e.to_lowercase(),
        };
        self.step(
            actor,
            id,
            ev,
            Action::Assign,
            "assigned",
            None,
            |c, l, st, _| {
                let user = us::by_email(c, &email)?.ok_or_else(|| {
                    ServiceError::invalid("assignee", format!("no user with e-mail {email}"))
                })?;
                if !us::is_member(c, user.id, &l.q.forum)? {
                    return Err(ServiceError::invalid(
                        "assignee",
                        format!(
                            "{email} is not a member of {}, which holds the question",
                            l.q.forum
                        ),
                    ));
                }
                st.assignee_id = Some(user.id);
                Ok(None)
            },
        )
    }

    pub fn request_info(
        &self,
        actor: &Actor,
        id: i64,
        input: &NoteInput,
        ev: Option<i64>,
    ) -> ServiceResult<QuestionDetail> {
        let note = required_note(&input.note)?;
        self.step(
            actor,
            id,
            ev,
            Action::RequestInfo,
            "info_requested",
            Some(&note),
            |c, l, _, _| {
                self.first_response(c, l)?;
                if let Some(stage) = l.open_stage() {
                    qs::start_pause(c, stage.id, l.now)?;
                    // A paused stage's time stands still: it is evaluated on its own.
                    qs::set_sla_clock(c, stage.id, None)?;
                }
                Ok(None)
            },
        )
    }

    pub fn provide_info(
        &self,
        actor: &Actor,
        id: i64,
        input: &NoteInput,
        ev: Option<i64>,
    ) -> ServiceResult<QuestionDetail> {
        let note = required_note(&input.note)?;
        self.step(
            actor,
            id,
            ev,
            Action::ProvideInfo,
            "info_provided",
            Some(&note),
            |c, l, _, _| {
                if let Some(stage) = l.open_stage() {
                    qs::end_pauses(c, stage.id, l.now)?;
                    // The clock runs again from the time used so far.
                    let pauses = qs::pauses_of(c, &[stage.id])?;
                    let clock = self.stage_clock(&Self::stage_times(stage, &pauses), l.now);
                    qs::set_sla_clock(c, stage.id, clock)?;
                }
                Ok(None)
            },
        )
    }

    /// Sends the question to the parent forum: a new stage with its own clock.
    pub fn escalate(
        &self,
        actor: &Actor,
        id: i64,
        input: &EscalateInput,
        ev: Option<i64>,
    ) -> ServiceResult<QuestionDetail> {
        let note = required_note(&input.note)?;
        let wanted = input
            .to_forum
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty());
        self.step(actor, id, ev, Action::Escalate, "escalated", Some(&note), |c, l, st, _| {
            let target = match self.config.structure.escalation_target(&l.q.forum, &l.q.process) {
                EscalationTarget::Top => {
                    return Err(ServiceError::Conflict(format!(
                        "{} is the top of the structure for process {}: there is nowhere to escalate to",
                        l.q.forum, l.q.process
                    )))
                }
                EscalationTarget::One(f) => match wanted {
                    Some(w) if w != f.code => {
                        return Err(ServiceError::invalid(
                            "to_forum",
                            format!("'{w}' is not a parent of {}; the question goes to {}", l.q.forum, f.code),
                        ))
                    }
                    _ => f,
                },
                EscalationTarget::Choice(options) => {
                    let codes = options.iter().map(|f| f.code.as_str()).collect::<Vec<_>>().join(", ");
                    match wanted {
                        None => {
                            return Err(ServiceError::invalid(
                                "to_forum",
                                format!("{} has several parents for this process; choose one of: {codes}", l.q.forum),
                            ))
                        }
                        Some(w) => *options.iter().find(|f| f.code == w).ok_or_else(|| {
                            ServiceError::invalid("to_forum", format!("'{w}' is not one of: {codes}"))
                        })?,
                    }
                }
            };
            self.end_stage(c, l, "escalated")?;
            self.start_stage(c, l, &target.code, target.level)?;
            st.forum = target.code.clone();
            st.level = target.level.as_str().into();
            st.assignee_id = None;
            st.claimed_by = None;
            Ok(None)
        })
    }

    /// Answers the question at the current forum; answering claims it implicitly.
    pub fn answer(
        &self,
        actor: &Actor,
        id: i64,
        input: &AnswerInput,
        ev: Option<i64>,
    ) -> ServiceResult<(AnswerView, QuestionDetail)> {
        let mut checks = Checks::default();
        checks.required_text("body", input.body.as_deref(), TEXT_MAX);
        checks.text_list("references", &input.references, 30, 300);
        let status = match input.binding_status.as_deref().map(str::trim) {
            None | Some("") => {
                checks.fail(
                    "binding_status",
                    "is required: guidance, temporary or binding",
                );
                None
            }
            Some(s) => match BindingStatus::parse(s) {
                Some(b) if b.is_current() => Some(b),
                _ => {
                    checks.fail(
                        "binding_status",
                        format!("'{s}' cannot be issued; expected guidance, temporary or binding"),
                    );
                    None
                }
            },
        };
        let review_date = checks.date("review_date", input.review_date.as_deref());
        match (
            status,
            review_date,
            input
                .review_date
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty()),
        ) {
            (Some(BindingStatus::Temporary), None, None) => checks.fail(
                "review_date",
                "is required for temporary support: when it must be reviewed",
            ),
            (Some(BindingStatus::Temporary), Some(d), _) if d <= self.clock.now().date_naive() => {
                checks.fail("review_date", "must be in the future")
            }
            (Some(s), _, Some(_)) if s != BindingStatus::Temporary => {
                checks.fail("review_date", "only temporary answers have a review date")
            }
            _ => {}
        }
        checks.finish()?;
        let status = status.unwrap_or(BindingStatus::Guidance);
        let body = input.body.as_deref().unwrap_or_default().trim().to_string();
        let refs = normalise_list(&input.references, false);
        let mut answer_id = 0;
        let detail = self.step(
            actor,
            id,
            ev,
            Action::Answer,
            "answered",
            None,
            |c, l, st, _| {
                let level = parse_level(&l.q.level)?;
                if !self.config.issue_rules.may_issue(level, status) {
                    let allowed: Vec<&str> = self
                        .config
                        .issue_rules
                        .allowed(level)
                        .iter()
                        .map(|s| s.as_str())
                        .collect();
                    return Err(ServiceError::invalid(
                        "binding_status",
                        format!(
                            "a forum at level {level} may not issue {status} answers; allowed: {}",
                            allowed.join(", ")
                        ),
                    ));
                }
                self.first_response(c, l)?;
                let id = qs::insert_answer(
                    c,
                    &NewAnswer {
                        question_id: l.q.id,
                        stage_id: l.stage.as_ref().map(|s| s.id),
                        forum: &l.q.forum,
                        level: &l.q.level,
                        author_id: Some(actor.id),
                        body: &body,
                        binding_status: status.as_str(),
                        superseded_by: None,
                        refs: &store::to_json_list(&refs),
                        review_date: review_date
                            .map(|d| d.format("%Y-%m-%d").to_string())
                            .as_deref(),
                        version: 1,
                        created_at: l.now,
                        updated_at: l.now,
                    },
                )?;
                answer_id = id;
                // Compared with earlier answers once the indexer has it (consistency watch).
                store::consistency::enqueue_check(c, id, l.now)?;
                self.end_stage(c, l, "answered")?;
                if st.claimed_by.is_none() {
                    st.claimed_by = Some(actor.id);
                }
                if st.assignee_id.is_none() {
                    st.assignee_id = Some(actor.id);
                }
                Ok(Some(id))
            },
        )?;
        let answer = detail
            .answers
            .iter()
            .find(|a| a.id == answer_id)
            .cloned()
            .ok_or_else(|| StoreError::Corrupt("the new answer was not read back".into()))?;
        Ok((answer, detail))
    }

    pub fn close(
        &self,
        actor: &Actor,
        id: i64,
        input: &NoteInput,
        ev: Option<i64>,
    ) -> ServiceResult<QuestionDetail> {
        let note = optional_note(&input.note)?;
        self.step(
            actor,
            id,
            ev,
            Action::Close,
            "closed",
            note.as_deref(),
            |_, _, _, _| Ok(None),
        )
    }

    pub fn withdraw(
        &self,
        actor: &Actor,
        id: i64,
        input: &NoteInput,
        ev: Option<i64>,
    ) -> ServiceResult<QuestionDetail> {
        let note = optional_note(&input.note)?;
        self.step(
            actor,
            id,
            ev,
            Action::Withdraw,
            "withdrawn",
            note.as_deref(),
            |c, l, _, _| {
                self.end_stage(c, l, "withdrawn")?;
                Ok(None)
            },
        )
    }

    /// Reopens an answered or closed question at the forum that answered last: a new stage.
    pub fn reopen(
        &self,
        actor: &Actor,
        id: i64,
        input: &NoteInput,
        ev: Option<i64>,
    ) -> ServiceResult<QuestionDetail> {
        let note = required_note(&input.note)?;
        self.step(
            actor,
            id,
            ev,
            Action::Reopen,
            "reopened",
            Some(&note),
            |c, l, st, _| {
                let last = l.latest_answer().ok_or_else(|| {
                    ServiceError::Conflict("the question has no answer to reopen".into())
                })?;
                let level = parse_level(&last.level)?;
                self.start_stage(c, l, &last.forum, level)?;
                st.forum = last.forum.clone();
                st.level = last.level.clone();
                st.assignee_id = last.author_id;
                st.claimed_by = last.author_id;
                Ok(None)
            },
        )
    }

    pub fn mark_duplicate(
        &self,
        actor: &Actor,
        id: i64,
        input: &DuplicateInput,
        ev: Option<i64>,
    ) -> ServiceResult<QuestionDetail> {
        let note = optional_note(&input.note)?;
        let Some(of) = input.of else {
            return Err(ServiceError::invalid(
                "of",
                "is required: the id of the question this one duplicates",
            ));
        };
        if of == id {
            return Err(ServiceError::invalid(
                "of",
                "a question cannot duplicate itself",
            ));
        }
        let note = note.unwrap_or_else(|| format!("dubblett av fråga {of}"));
        self.step(
            actor,
            id,
            ev,
            Action::Duplicate,
            "marked_duplicate",
            Some(&note),
            |c, l, st, _| {
                // Follow what `of` duplicates: ending back at this question would make a
                // circle in which no question holds the answer.
                let mut next = Some(of);
                let mut seen = 0;
                while let Some(at) = next {
                    let Some(q) = qs::get(c, at)? else {
                        return Err(ServiceError::invalid(
                            "of",
                            format!("there is no question {at}"),
                        ));
                    };
                    if q.duplicate_of == Some(id) || seen > 1000 {
                        return Err(ServiceError::invalid(
                            "of",
                            format!(
                                "question {at} is itself a duplicate of question {id}; a duplicate must point to the question that holds the answer"
                            ),
                        ));
                    }
                    next = q.duplicate_of;
                    seen += 1;
                }
                self.end_stage(c, l, "duplicate")?;
                st.duplicate_of = Some(of);
                Ok(None)
            },
        )
    }

    /// Changes an answer's binding status: superseded (by a later answer), withdrawn, or
    /// temporary to binding. Allowed for members of the answering forum or of a forum above it on
    /// the question's path, and for the legal department.
    pub fn set_binding_status(
        &self,
        actor: &Actor,
        answer_id: i64,
        input: &BindingStatusInput,
    ) -> ServiceResult<AnswerView> {
        let mut checks = Checks::default();
        let to = match input.binding_status.as_deref().map(str::trim) {
            None | Some("") => {
                checks.fail(
                    "binding_status",
                    "is required: superseded, withdrawn or binding",
                );
                None
            }
            Some(s) => BindingStatus::parse(s).or_else(|| {
                checks.fail(
                    "binding_status",
                    format!(
                        "unknown binding status '{s}', expected one of: {}",
                        BindingStatus::choices()
                    ),
                );
                None
            }),
        };
        checks.required_text("note", input.note.as_deref(), NOTE_MAX);
        if to == Some(BindingStatus::Superseded) && input.superseded_by.is_none() {
            checks.fail(
                "superseded_by",
                "is required: the id of the later answer that replaces this one",
            );
        }
        if to.is_some_and(|t| t != BindingStatus::Superseded) && input.superseded_by.is_some() {
            checks.fail(
                "superseded_by",
                "only a superseded answer names the answer that replaces it",
            );
        }
        checks.finish()?;
        let to = to.unwrap_or(BindingStatus::Withdrawn);
        let note = input.note.as_deref().unwrap_or_default().trim().to_string();
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let now = self.clock.now_naive();
            let a = qs::answer(c, answer_id)?
                .ok_or_else(|| ServiceError::NotFound(format!("there is no answer {answer_id}")))?;
            let q = qs::get(c, a.question_id)?.ok_or_else(|| not_found(a.question_id))?;
            let stages = qs::stages_of(c, q.id)?;
            let answer_seq = stages
                .iter()
                .find(|s| Some(s.id) == a.stage_id)
                .map_or(0, |s| s.seq);
            // Forums that held the question after the stage that gave the answer: "above it on the path".
            let above: Vec<&StageRow> = stages.iter().filter(|s| s.seq > answer_seq).collect();
            let may_change = actor.is_member(&a.forum)
                || above.iter().any(|s| actor.is_member(&s.forum))
                || actor.is_legal();
            if !may_change {
                return Err(ServiceError::Forbidden(
                    "only members of the forum that gave the answer, of a forum above it on the question's path, or the legal department may change its binding status".into(),
                ));
            }
            let from = BindingStatus::parse(&a.binding_status).ok_or_else(|| {
                StoreError::Corrupt(format!("binding status '{}'", a.binding_status))
            })?;
            answer::check_change(from, to)?;
            if to == BindingStatus::Binding {
                let answer_level = parse_level(&a.level)?;
                let can_issue = std::iter::once((a.forum.as_str(), answer_level))
                    .chain(
                        above
                            .iter()
                            .filter_map(|s| Level::parse(&s.level).map(|l| (s.forum.as_str(), l))),
                    )
                    .any(|(forum, level)| {
                        actor.is_member(forum)
                            && self
                                .config
                                .issue_rules
                                .may_issue(level, BindingStatus::Binding)
                    });
                if !can_issue {
                    return Err(ServiceError::Forbidden(
                        "making an answer binding needs a member of a forum on the question's path whose level may issue binding answers".into(),
                    ));
                }
            }
            if let Some(by) = input.superseded_by {
                let newer = qs::answer(c, by)?.ok_or_else(|| {
                    ServiceError::invalid("superseded_by", format!("there is no answer {by}"))
                })?;
                // A binding answer settles the legal question wherever it was asked: the answers
                // it replaces may belong to other questions (their pages then point to it).
                let related = newer.question_id == q.id
                    || Some(newer.question_id) == q.duplicate_of
                    || BindingStatus::parse(&newer.binding_status) == Some(BindingStatus::Binding);
                if !related {
                    return Err(ServiceError::invalid("superseded_by", format!(
                        "answer {by} belongs to another question; it must answer question {}, the question it duplicates, or be binding", q.id
                    )));
                }
                if newer.id <= a.id {
                    return Err(ServiceError::invalid(
                        "superseded_by",
                        format!("answer {by} is not later than answer {}", a.id),
                    ));
                }
                if !BindingStatus::parse(&newer.binding_status).is_some_and(|s| s.is_current()) {
                    return Err(ServiceError::invalid(
                        "superseded_by",
                        format!("answer {by} is itself {}", newer.binding_status),
                    ));
                }
            }
            let updated = self.change_binding(
                c,
                &q,
                &a,
                (from, to),
                input.superseded_by,
                actor,
                &note,
                now,
            )?;
            let people = Self::people(c, [updated.author_id])?;
            self.answer_view(&updated, &people)
        })
    }

    /// Moves answer `a` of question `q` from one binding status to another (and to the answer
    /// that replaces it), with an event on the question and mail to its followers; the caller
    /// has checked that the actor may. Returns the answer as it is now.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn change_binding(
        &self,
        c: &mut DbConnection,
        q: &QuestionRow,
        a: &AnswerRow,
        change: (BindingStatus, BindingStatus),
        superseded_by: Option<i64>,
        actor: &Actor,
        note: &str,
        now: NaiveDateTime,
    ) -> ServiceResult<AnswerRow> {
        let updated = self.set_binding(c, q, a, change, superseded_by, actor, note, now)?;
        self.notify_binding_changed(c, q, &updated, actor, note)?;
        Ok(updated)
    }

    /// [`Self::change_binding`] without the mail, for a change of several answers of one
    /// question that mails once.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn set_binding(
        &self,
        c: &mut DbConnection,
        q: &QuestionRow,
        a: &AnswerRow,
        (from, to): (BindingStatus, BindingStatus),
        superseded_by: Option<i64>,
        actor: &Actor,
        note: &str,
        now: NaiveDateTime,
    ) -> ServiceResult<AnswerRow> {
        if !qs::update_binding_status(c, a.id, a.version, to.as_str(), superseded_by, now)? {
            return Err(ServiceError::Conflict(format!(
                "answer {} was changed by someone else at the same time",
                a.id
            )));
        }
        qs::insert_event(
            c,
            &NewEvent {
                question_id: Some(q.id),
                answer_id: Some(a.id),
                actor_id: Some(actor.id),
                kind: "binding_status_changed".into(),
                from_status: Some(from.as_str().into()),
                to_status: Some(to.as_str().into()),
                forum: Some(a.forum.clone()),
                note: Some(note.to_string()),
                data: superseded_by.map(|b| format!("{{\"superseded_by\":{b}}}")),
                created_at: now,
            },
        )?;
        qs::record_change(c, q.id, now)?;
        qs::answer(c, a.id)?.ok_or_else(|| not_found(a.id))
    }

    /// Mails the followers of `q` that its answer `updated` changed binding status.
    pub(super) fn notify_binding_changed(
        &self,
        c: &mut DbConnection,
        q: &QuestionRow,
        updated: &AnswerRow,
        actor: &Actor,
        note: &str,
    ) -> ServiceResult<()> {
        self.notify_event(
            c,
            q,
            (&q.status, &q.forum, &q.level, q.assignee_id),
            "binding_status_changed",
            actor,
            Some(note),
            Some(updated),
        )
    }

    /// The number of the question with `reference` (PS-…); whether the caller may read it is
    /// checked where it is read.
    pub fn question_id_by_reference(&self, reference: &str) -> ServiceResult<i64> {
        let mut conn = self.conn()?;
        let q = store::read_tx(&mut conn, |c| qs::by_reference(c, reference.trim()))?;
        q.map(|q| q.id)
            .ok_or_else(|| ServiceError::NotFound(format!("no question {reference}")))
    }

    pub fn follow(&self, actor: &Actor, id: i64, on: bool) -> ServiceResult<()> {
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            qs::get(c, id)?.ok_or_else(|| not_found(id))?;
            if on {
                qs::follow(c, id, actor.id, self.clock.now_naive())?;
            } else {
                qs::unfollow(c, id, actor.id)?;
            }
            Ok(())
        })
    }
}

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
    ServiceError::NotFound(format!("there is no question {id}"))
}

/// When no answer of a question holds any longer and one was replaced by an answer of another
/// question (a duplicate, or a divergence the legal department settled), that later answer:
/// the question page tells the reader to use it instead. The most binding, then latest, wins.
fn later_answer(
    c: &mut DbConnection,
    answers: &[AnswerRow],
) -> ServiceResult<Option<LaterAnswerView>> {
    let in_force = answers
        .iter()
        .any(|a| BindingStatus::parse(&a.binding_status).is_some_and(|b| b.is_current()));
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
        let rank = |a: &AnswerRow| {
            (
                BindingStatus::parse(&a.binding_status).map(BindingStatus::rank),
                a.created_at,
            )
        };
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
