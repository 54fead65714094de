//! The lifecycle: loading a question for a step, the steps themselves and their events, and
//! following a question.

use chrono::NaiveDateTime;

use super::*;
use crate::domain::answer::BindingStatus;
use crate::domain::catalogue::{FieldProblem, Refusal};
use crate::domain::question::{decide, Action, EventKind, StageOutcome, StateFacts, Status};
use crate::domain::sla::StageTimes;
use crate::domain::structure::{EscalationTarget, Level};
use crate::domain::Code;
use crate::service::validate::{normalise_list, Checks};
use crate::service::{Actor, Service, ServiceError, ServiceResult};
use crate::store::{self, questions as qs, users as us, DbConnection, StoreError};

/// One lifecycle step as a use case asks for it: which question (at which version, if the
/// caller read one), the action, the event it records and the note that goes with it.
pub(super) struct Step<'a> {
    pub id: i64,
    pub expected_version: Option<i64>,
    pub action: Action,
    pub kind: EventKind,
    pub note: Option<&'a str>,
}

impl Service {
    pub(super) fn load(
        &self,
        c: &mut DbConnection,
        id: i64,
        expected_version: Option<i64>,
    ) -> ServiceResult<Loaded> {
        let q = qs::get(c, id)?.ok_or_else(|| not_found(id))?;
        if let Some(v) = expected_version {
            if v != q.version {
                return Err(Refusal::QuestionChanged {
                    id,
                    now: q.version,
                    had: v,
                }
                .into());
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

    pub(super) fn decide(
        &self,
        actor: &Actor,
        l: &Loaded,
        action: Action,
    ) -> ServiceResult<Status> {
        let facts = StateFacts {
            current_answer_temporary: l
                .latest_answer()
                .is_some_and(|a| a.binding_status == BindingStatus::Temporary),
        };
        let rel = actor.relation(&l.q, l.latest_answer());
        Ok(decide(action, l.status(), &rel, &facts)?)
    }

    /// Takes the question for this step, or 409 if someone else changed it since it was loaded.
    /// Done before any other write so that the loser of a race has written nothing.
    pub(super) fn take(&self, c: &mut DbConnection, l: &Loaded) -> ServiceResult<()> {
        if qs::take_version(c, l.q.id, l.q.version)? {
            Ok(())
        } else {
            Err(Refusal::QuestionRaced { id: l.q.id }.into())
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
        store::changes::record_change(c, question_id, now)?;
        Ok(())
    }

    /// Records an event only; the caller records the change for the indexer in the same
    /// transaction.
    pub(super) fn insert_event(
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
                kind: e.kind,
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
    pub(super) fn end_stage(
        &self,
        c: &mut DbConnection,
        l: &Loaded,
        outcome: StageOutcome,
    ) -> ServiceResult<()> {
        if let Some(stage) = l.open_stage() {
            qs::end_pauses(c, stage.id, l.now)?;
            let pauses = qs::pauses_of(c, &[stage.id])?;
            let mut ended = stage.clone();
            ended.left_at = Some(l.now);
            let days = self.stage_working_days(&ended, &pauses, utc(l.now));
            qs::end_stage(c, stage.id, l.now, outcome, days)?;
            if outcome.is_response() {
                self.count_stage_ended(c, stage.id, stage.level, stage.priority, l.now)?;
            }
        }
        Ok(())
    }

    /// The clock of a stage entered at `at`: it has used nothing yet.
    pub(super) fn new_stage_clock(&self, at: NaiveDateTime) -> Option<f64> {
        let times = StageTimes {
            entered_at: utc(at),
            ..Default::default()
        };
        self.stage_clock(&times, at)
    }

    pub(super) fn start_stage(
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
                level,
                entered_at: l.now,
                first_response_at: None,
                left_at: None,
                outcome: None,
                working_days: None,
                process: &l.q.process,
                priority: l.q.priority,
                sla_clock: self.new_stage_clock(l.now),
            },
        )?;
        self.count_stage_entered(c, &stage)?;
        Ok(())
    }

    pub(super) fn first_response(&self, c: &mut DbConnection, l: &Loaded) -> ServiceResult<()> {
        if let Some(stage) = l.open_stage() {
            qs::set_first_response(c, stage.id, l.now)?;
        }
        Ok(())
    }

    /// Runs one lifecycle step: load, decide (403/409), apply, save with the version check,
    /// record the event; all in one transaction. Returns the question as it is afterwards.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn step(
        &self,
        actor: &Actor,
        step: Step<'_>,
        apply: impl FnOnce(&mut DbConnection, &Loaded, &mut QuestionState) -> ServiceResult<Option<i64>>,
    ) -> ServiceResult<QuestionDetail> {
        let mut conn = self.conn()?;
        let Step {
            id,
            expected_version,
            action,
            kind,
            note,
        } = step;
        store::write_tx(&mut conn, |c| {
            let l = self.load(c, id, expected_version)?;
            let from = l.status();
            let to = self.decide(actor, &l, action)?;
            self.take(c, &l)?;
            let mut state = l.state();
            state.status = to;
            let answer_id = apply(c, &l, &mut state)?;
            qs::update_state(c, id, &state)?;
            let answer = match answer_id {
                Some(a) => qs::answer(c, a)?,
                None => None,
            };
            self.notify_event(
                c,
                &l.q,
                (state.status, &state.forum, state.level, state.assignee_id),
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
            Step {
                id,
                expected_version: ev,
                action: Action::Claim,
                kind: EventKind::Claimed,
                note: None,
            },
            |c, l, st| {
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
            None | Some("") => {
                return Err(ServiceError::invalid("assignee", FieldProblem::Required))
            }
            Some(e) if !crate::service::users::is_email(e) => {
                return Err(ServiceError::invalid(
                    "assignee",
                    FieldProblem::NotAnEmail { value: None },
                ))
            }
            Some(e) => e.to_lowercase(),
        };
        self.step(
            actor,
            Step {
                id,
                expected_version: ev,
                action: Action::Assign,
                kind: EventKind::Assigned,
                note: None,
            },
            |c, l, st| {
                let user = us::by_email(c, &email)?.ok_or_else(|| {
                    ServiceError::invalid(
                        "assignee",
                        FieldProblem::NoUserWithEmail {
                            email: email.clone(),
                        },
                    )
                })?;
                if !us::is_member(c, user.id, &l.q.forum)? {
                    return Err(ServiceError::invalid(
                        "assignee",
                        FieldProblem::AssigneeNotMember {
                            email: email.clone(),
                            forum: l.q.forum.clone(),
                        },
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
        let note = note_for(Action::RequestInfo, &input.note)?;
        self.step(
            actor,
            Step {
                id,
                expected_version: ev,
                action: Action::RequestInfo,
                kind: EventKind::InfoRequested,
                note: note.as_deref(),
            },
            |c, l, _| {
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
        let note = note_for(Action::ProvideInfo, &input.note)?;
        self.step(
            actor,
            Step {
                id,
                expected_version: ev,
                action: Action::ProvideInfo,
                kind: EventKind::InfoProvided,
                note: note.as_deref(),
            },
            |c, l, _| {
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
        let note = note_for(Action::Escalate, &input.note)?;
        let wanted = input
            .to_forum
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty());
        self.step(
            actor,
            Step {
                id,
                expected_version: ev,
                action: Action::Escalate,
                kind: EventKind::Escalated,
                note: note.as_deref(),
            },
            |c, l, st| {
                let target = match self
                    .config
                    .structure
                    .escalation_target(&l.q.forum, &l.q.process)
                {
                    EscalationTarget::Top => {
                        return Err(Refusal::TopOfStructure {
                            forum: l.q.forum.clone(),
                            process: l.q.process.clone(),
                        }
                        .into())
                    }
                    EscalationTarget::One(f) => match wanted {
                        Some(w) if w != f.code => {
                            return Err(ServiceError::invalid(
                                "to_forum",
                                FieldProblem::NotAParent {
                                    value: w.into(),
                                    forum: l.q.forum.clone(),
                                    goes_to: f.code.clone(),
                                },
                            ))
                        }
                        _ => f,
                    },
                    EscalationTarget::Choice(options) => {
                        let codes = options
                            .iter()
                            .map(|f| f.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ");
                        match wanted {
                            None => {
                                return Err(ServiceError::invalid(
                                    "to_forum",
                                    FieldProblem::SeveralParents {
                                        forum: l.q.forum.clone(),
                                        codes,
                                    },
                                ))
                            }
                            Some(w) => *options.iter().find(|f| f.code == w).ok_or_else(|| {
                                ServiceError::invalid(
                                    "to_forum",
                                    FieldProblem::NotOneOf {
                                        value: w.into(),
                                        codes: codes.clone(),
                                    },
                                )
                            })?,
                        }
                    }
                };
                self.end_stage(c, l, StageOutcome::Escalated)?;
                self.start_stage(c, l, &target.code, target.level)?;
                st.forum = target.code.clone();
                st.level = target.level;
                st.assignee_id = None;
                st.claimed_by = None;
                Ok(None)
            },
        )
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
                    FieldProblem::RequiredOneOf("guidance, temporary or binding"),
                );
                None
            }
            Some(s) => match BindingStatus::parse(s) {
                Some(b) if b.is_current() => Some(b),
                _ => {
                    checks.fail(
                        "binding_status",
                        FieldProblem::CannotBeIssued { value: s.into() },
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
            (Some(BindingStatus::Temporary), None, None) => {
                checks.fail("review_date", FieldProblem::ReviewDateRequired)
            }
            (Some(BindingStatus::Temporary), Some(d), _) if d <= self.clock.now().date_naive() => {
                checks.fail("review_date", FieldProblem::MustBeFuture)
            }
            (Some(s), _, Some(_)) if s != BindingStatus::Temporary => {
                checks.fail("review_date", FieldProblem::OnlyTemporaryHasReviewDate)
            }
            _ => {}
        }
        checks.finish()?;
        let status = status.unwrap_or(BindingStatus::Guidance);
        let body = input.body.as_deref().unwrap_or_default().trim().to_string();
        let mut refs = normalise_list(&input.references, false);
        let mut answer_id = 0;
        let detail = self.step(
            actor,
            Step {
                id,
                expected_version: ev,
                action: Action::Answer,
                kind: EventKind::Answered,
                note: None,
            },
            |c, l, st| {
                let level = l.q.level;
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
                        FieldProblem::LevelMayNotIssue {
                            level,
                            status,
                            allowed: allowed.join(", "),
                        },
                    ));
                }
                let cited = self.cited_questions(c, &l.q, &mut refs, "references")?;
                self.first_response(c, l)?;
                let id = qs::insert_answer(
                    c,
                    &NewAnswer {
                        question_id: l.q.id,
                        stage_id: l.stage.as_ref().map(|s| s.id),
                        forum: &l.q.forum,
                        level: l.q.level,
                        author_id: Some(actor.id),
                        body: &body,
                        binding_status: status,
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
                self.link_answer(c, id, &cited)?;
                self.answer_published(c, &l.q, id)?;
                // Compared with earlier answers once the indexer has it (consistency watch).
                store::consistency::enqueue_check(c, id, l.now)?;
                self.end_stage(c, l, StageOutcome::Answered)?;
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
        let note = note_for(Action::Close, &input.note)?;
        self.step(
            actor,
            Step {
                id,
                expected_version: ev,
                action: Action::Close,
                kind: EventKind::Closed,
                note: note.as_deref(),
            },
            |_, _, _| Ok(None),
        )
    }

    pub fn withdraw(
        &self,
        actor: &Actor,
        id: i64,
        input: &NoteInput,
        ev: Option<i64>,
    ) -> ServiceResult<QuestionDetail> {
        let note = note_for(Action::Withdraw, &input.note)?;
        self.step(
            actor,
            Step {
                id,
                expected_version: ev,
                action: Action::Withdraw,
                kind: EventKind::Withdrawn,
                note: note.as_deref(),
            },
            |c, l, _| {
                self.end_stage(c, l, StageOutcome::Withdrawn)?;
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
        let note = note_for(Action::Reopen, &input.note)?;
        self.step(
            actor,
            Step {
                id,
                expected_version: ev,
                action: Action::Reopen,
                kind: EventKind::Reopened,
                note: note.as_deref(),
            },
            |c, l, st| {
                let last = l.latest_answer().ok_or(Refusal::NothingToReopen)?;
                let level = last.level;
                self.start_stage(c, l, &last.forum, level)?;
                st.forum = last.forum.clone();
                st.level = last.level;
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
        let note = note_for(Action::Duplicate, &input.note)?;
        let of = match &input.of {
            None => None,
            Some(QuestionRef::Id(n)) => Some(*n),
            Some(QuestionRef::Reference(named)) => self.question_named("of", Some(named))?,
        };
        let Some(of) = of else {
            return Err(ServiceError::invalid(
                "of",
                FieldProblem::DuplicateOfRequired,
            ));
        };
        if of == id {
            return Err(ServiceError::invalid("of", FieldProblem::DuplicatesItself));
        }
        let note = note.unwrap_or_else(|| format!("dubblett av fråga {of}"));
        self.step(
            actor,
            Step {
                id,
                expected_version: ev,
                action: Action::Duplicate,
                kind: EventKind::MarkedDuplicate,
                note: Some(&note),
            },
            |c, l, st| {
                // Follow what `of` duplicates: ending back at this question would make a
                // circle in which no question holds the answer.
                let mut next = Some(of);
                let mut seen = 0;
                while let Some(at) = next {
                    let Some(q) = qs::get(c, at)? else {
                        return Err(ServiceError::invalid(
                            "of",
                            FieldProblem::NoQuestion {
                                reference: at.to_string(),
                            },
                        ));
                    };
                    if q.duplicate_of == Some(id) || seen > 1000 {
                        return Err(ServiceError::invalid(
                            "of",
                            FieldProblem::DuplicateChain { at, id },
                        ));
                    }
                    next = q.duplicate_of;
                    seen += 1;
                }
                self.end_stage(c, l, StageOutcome::Duplicate)?;
                st.duplicate_of = Some(of);
                Ok(None)
            },
        )
    }

    /// Follows a question (or stops): its followers are mailed its changes.
    pub fn follow(&self, actor: &Actor, id: i64, on: bool) -> ServiceResult<()> {
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            qs::get(c, id)?.ok_or_else(|| not_found(id))?;
            if on {
                store::followers::follow(c, id, actor.id, self.clock.now_naive())?;
            } else {
                store::followers::unfollow(c, id, actor.id)?;
            }
            Ok(())
        })
    }
}
