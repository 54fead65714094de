//! Reading questions: one question with its history, lists and their filters, SLA views.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::domain::answer::BindingStatus;
use crate::domain::catalogue::{FieldProblem, Hint, Missing, Thing};
use crate::domain::paging::Paging;
use crate::domain::question::{Priority, Status};
use crate::domain::sla::{self, SlaState, StageTimes};
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::service::validate::Checks;
use crate::service::{Actor, Service, ServiceResult};
use crate::store::{self, questions as qs, users as us, DbConnection};

impl Service {
    pub(in crate::service) fn forum_name(&self, code: &str) -> String {
        self.config
            .structure
            .forum(code)
            .map(|f| f.name.clone())
            .unwrap_or_else(|| code.to_string())
    }

    pub(super) fn stage_times(stage: &StageRow, pauses: &[PauseRow]) -> StageTimes {
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
    pub(super) fn stage_working_days(
        &self,
        stage: &StageRow,
        pauses: &[PauseRow],
        now: DateTime<Utc>,
    ) -> f64 {
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

    pub(super) fn sla_view(
        &self,
        q: &QuestionRow,
        stages: &[StageRow],
        pauses: &[PauseRow],
        now: DateTime<Utc>,
    ) -> Option<SlaView> {
        let stage = stages.last()?;
        let level = stage.level;
        let s = sla::evaluate(
            &Self::stage_times(stage, pauses),
            self.config.stage_targets(level, q.priority),
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
            measured: s.measured,
            limit_days: s.limit_days,
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

    pub(super) fn question_view(
        &self,
        q: &QuestionRow,
        people: &HashMap<i64, PersonView>,
        sla: Option<SlaView>,
        answer_status: Option<BindingStatus>,
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
            priority: q.priority,
            urgent_reason: q.urgent_reason.clone(),
            status: q.status,
            level: q.level,
            forum: ForumRef {
                code: q.forum.clone(),
                name: self.forum_name(&q.forum),
                level: q.level,
            },
            unit: q.unit.clone(),
            asker: q.asker_id.and_then(|id| people.get(&id).cloned()),
            asker_id: q.asker_id,
            assignee: q.assignee_id.and_then(|id| people.get(&id).cloned()),
            duplicate_of: q.duplicate_of,
            version: q.version,
            created_at: utc(q.created_at),
            updated_at: utc(q.updated_at),
            sla,
            answer_status,
        })
    }

    pub(super) fn answer_view(
        &self,
        a: &AnswerRow,
        people: &HashMap<i64, PersonView>,
        replacements: &HashMap<i64, i64>,
    ) -> ServiceResult<AnswerView> {
        let status = a.binding_status;
        let review_date = a
            .review_date
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        Ok(AnswerView {
            id: a.id,
            question_id: a.question_id,
            forum: a.forum.clone(),
            forum_name: self.forum_name(&a.forum),
            level: a.level,
            author: a.author_id.and_then(|id| people.get(&id).cloned()),
            body: a.body.clone(),
            binding_status: a.binding_status,
            binding_explanation: status.explanation_sv().into(),
            superseded_by: a.superseded_by,
            superseded_by_question: a.superseded_by.and_then(|b| replacements.get(&b)).copied(),
            references: store::from_json_list(&a.refs)?,
            review_date,
            review_overdue: crate::domain::register::review_overdue(
                a.binding_status,
                review_date,
                self.today(),
            ),
            version: a.version,
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
            stage_seq: None,
        })
    }

    pub(super) fn detail_in(
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
        let following = store::followers::is_follower(c, id, actor.id)?;
        let later = later_answer(c, &answers)?;
        let replacements = replacements(c, &answers)?;
        self.detail_of(DetailRows {
            q,
            answers,
            later,
            replacements,
            events,
            stages,
            pauses,
            people,
            following,
        })
    }

    /// The page of a question from its rows, however they were come by.
    pub(super) fn detail_of(&self, rows: DetailRows) -> ServiceResult<QuestionDetail> {
        let DetailRows {
            q,
            answers,
            later,
            replacements,
            events,
            stages,
            pauses,
            people,
            following,
        } = rows;
        let now = self.clock.now();
        let sla = self.sla_view(&q, &stages, &pauses, now);
        Ok(QuestionDetail {
            question: self.question_view(
                &q,
                &people,
                sla,
                answers.last().map(|a| a.binding_status),
            )?,
            later_answer: later,
            answers: answers
                .iter()
                .map(|a| {
                    let mut v = self.answer_view(a, &people, &replacements)?;
                    v.stage_seq = stages
                        .iter()
                        .find(|s| Some(s.id) == a.stage_id)
                        .map(|s| s.seq);
                    Ok(v)
                })
                .collect::<ServiceResult<_>>()?,
            events: events
                .iter()
                .map(|e| EventView {
                    id: e.id,
                    kind: e.kind,
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
                    level: s.level,
                    entered_at: utc(s.entered_at),
                    first_response_at: s.first_response_at.map(utc),
                    left_at: s.left_at.map(utc),
                    outcome: s.outcome,
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
                checks.fail(
                    "forum",
                    FieldProblem::Unknown {
                        thing: Thing::Forum,
                        value: f.into(),
                        hint: Hint::None,
                    },
                );
            }
            filter.forums = Some(vec![f.to_string()]);
        }
        if let Some(s) = query.status.as_deref().filter(|s| !s.is_empty()) {
            let mut statuses = Vec::new();
            for part in s.split(',').map(str::trim) {
                match Status::parse(part) {
                    Some(st) => statuses.push(st),
                    None => checks.fail(
                        "status",
                        FieldProblem::Unknown {
                            thing: Thing::Status,
                            value: part.into(),
                            hint: Hint::OneOf(Status::choices()),
                        },
                    ),
                }
            }
            filter.statuses = Some(statuses);
        }
        if let Some(l) = query.level.as_deref().filter(|l| !l.is_empty()) {
            match Level::parse(l) {
                Some(l) => filter.level = Some(l),
                None => checks.fail(
                    "level",
                    FieldProblem::Unknown {
                        thing: Thing::Level,
                        value: l.into(),
                        hint: Hint::OneOf(Level::choices()),
                    },
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
            filter.statuses = Some(match filter.statuses.take() {
                Some(asked) => asked.into_iter().filter(|s| s.is_pending()).collect(),
                None => Status::ALL
                    .iter()
                    .copied()
                    .filter(|s| s.is_pending())
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
    pub(super) fn overdue_page(
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
            .filter(|w| w.status.is_pending())
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
    pub(super) fn overdue_cutoffs(&self, now: DateTime<Utc>) -> Vec<qs::OverdueCutoff> {
        self.late_cutoffs(now, 1.0)
    }

    /// Like `overdue_cutoffs`, for stages that have used `share` of their resolve target (the
    /// at-risk share finds those at risk and those overdue).
    pub(crate) fn late_cutoffs(&self, now: DateTime<Utc>, share: f64) -> Vec<qs::OverdueCutoff> {
        let mode = self.config.sla.working_time;
        let mut out = Vec::new();
        for &level in Level::ALL {
            for &priority in Priority::ALL {
                let t = self.config.stage_targets(level, priority);
                let before = |days: f64| sla::entered_before_to_exceed(days, now, mode).naive_utc();
                out.push(qs::OverdueCutoff {
                    level,
                    urgent: priority == Priority::Urgent,
                    resolve: before(t.resolve * share),
                    // Without a first response, whichever target comes first.
                    first_response: before(t.first_response.min(t.resolve * share)),
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
            let (Some(stage_id), Some(level), Some(entered_at)) =
                (w.stage_id, w.level, w.entered_at)
            else {
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
                self.config.stage_targets(level, w.priority),
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
        let ids: Vec<i64> = rows.iter().map(|q| q.id).collect();
        let latest: HashMap<i64, BindingStatus> =
            qs::latest_answer_statuses(c, &ids)?.into_iter().collect();
        rows.iter()
            .map(|q| {
                let latest = latest.get(&q.id).copied();
                self.question_view(q, &people, slas.remove(&q.id), latest)
            })
            .collect()
    }

    /// The SLA of each question's current stage, with one query for stages and one for pauses.
    pub(super) fn current_slas(
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
                let level = stage.level;
                let s = sla::evaluate(
                    &Self::stage_times(&stage, &pauses),
                    self.config.stage_targets(level, q.priority),
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
                        measured: s.measured,
                        limit_days: s.limit_days,
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

    /// The question a person names in a form, by number ("14", "#14") or by reference
    /// ("PS-2026-000014", in any case); None when the field is empty. `field` is the form's
    /// field, for the error.
    pub fn question_named(&self, field: &str, named: Option<&str>) -> ServiceResult<Option<i64>> {
        let Some(named) = named.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        if let Ok(id) = named.trim_start_matches('#').parse::<i64>() {
            return Ok(Some(id));
        }
        let Some(reference) = crate::domain::question::reference_in(named) else {
            return Err(ServiceError::invalid(
                field,
                FieldProblem::NotAQuestionNumber {
                    value: named.into(),
                },
            ));
        };
        let mut conn = self.conn()?;
        let q = store::read_tx(&mut conn, |c| qs::by_reference(c, &reference))?;
        match q {
            Some(q) => Ok(Some(q.id)),
            None => Err(ServiceError::invalid(
                field,
                FieldProblem::NoQuestion { reference },
            )),
        }
    }

    /// The number of the question with `reference` (PS-…); whether the caller may read it is
    /// checked where it is read.
    pub fn question_id_by_reference(&self, reference: &str) -> ServiceResult<i64> {
        let mut conn = self.conn()?;
        let written = crate::domain::question::reference_in(reference)
            .unwrap_or_else(|| reference.trim().to_string());
        let q = store::read_tx(&mut conn, |c| qs::by_reference(c, &written))?;
        q.map(|q| q.id)
            .ok_or_else(|| Missing::QuestionRef(reference.to_string()).into())
    }
}
