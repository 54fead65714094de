//! Deciding cases and topics: settling by a binding answer, or sending a divergence to the
//! process forum with a question that names every question concerned.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde_json::json;

use crate::domain::register::Lapse;

use super::*;

impl Service {
    /// Decides an open case. A divergence opens a question at the process forum above the
    /// answering forums (or links the one already open about either question) and tells the
    /// forums that answered. Every decision is an event on both questions. The case's topic is
    /// decided with it when no other case of the topic is open.
    pub fn decide_case(
        &self,
        actor: &Actor,
        id: i64,
        input: &DecisionInput,
    ) -> ServiceResult<CaseView> {
        let (decision, settled_by, note) = checked_decision(
            actor,
            "decision",
            input.decision.as_deref(),
            input.settled_by.as_deref(),
            input.note.as_deref(),
        )?;
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let row = cs::get(c, id)?.ok_or_else(|| case_not_found(id))?;
            if row.status != CaseStatus::Open {
                return Err(Refusal::CaseDecided {
                    id,
                    status: row.status,
                }
                .into());
            }
            let now = self.clock.now_naive();
            let cases = std::slice::from_ref(&row);
            let routed = self.carry_out(c, actor, cases, decision, settled_by, note, now)?;
            let status = decision.status();
            if !cs::decide(c, id, row.version, status, actor.id, now, note, routed)? {
                return Err(Refusal::CaseRaced { id }.into());
            }
            if cs::open_cases_in_topic(c, row.topic_id)? == 0 {
                if let Some(topic) = cs::topic(c, row.topic_id)? {
                    if topic.status == CaseStatus::Open {
                        cs::decide_topic(
                            c,
                            topic.id,
                            topic.version,
                            status,
                            actor.id,
                            now,
                            note,
                            routed,
                        )?;
                    }
                }
            }
            let data = json!({"case": id, "topic": row.topic_id, "decision": status, "routed_question": routed});
            self.record_decision(
                c,
                actor,
                &[row.question_a, row.question_b],
                &data,
                note,
                now,
            )?;
            self.case_view(c, id)
        })
    }

    /// Does what a decision on `cases` says: settles them by a binding answer or routes the
    /// divergence to the process forum; returns that question.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::service) fn carry_out(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        cases: &[ConsistencyCaseRow],
        decision: Decision,
        settled_by: Option<&str>,
        note: &str,
        now: NaiveDateTime,
    ) -> ServiceResult<Option<i64>> {
        Ok(match (decision, settled_by) {
            (Decision::Divergent, _) => Some(self.route_divergence(c, actor, cases, note, now)?),
            (Decision::Settled, Some(reference)) => {
                Some(self.settle(c, actor, cases, reference, note, now)?)
            }
            _ => None,
        })
    }

    /// The decision as an event on each of `questions`.
    pub(in crate::service) fn record_decision(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        questions: &[i64],
        data: &serde_json::Value,
        note: &str,
        now: NaiveDateTime,
    ) -> ServiceResult<()> {
        for question in questions {
            qs::insert_event(
                c,
                &NewEvent {
                    question_id: Some(*question),
                    answer_id: None,
                    actor_id: Some(actor.id),
                    kind: EventKind::ConsistencyDecided,
                    from_status: None,
                    to_status: None,
                    forum: None,
                    note: Some(note.to_string()),
                    data: Some(data.to_string()),
                    created_at: now,
                },
            )?;
        }
        Ok(())
    }

    /// Settles cases by the binding answer of the question `reference`: every answer the cases
    /// compared that still holds and is not that answer is marked superseded by it, with the
    /// reviewer's reason and an event; everyone who relied on a changed answer hears once
    /// (`notify_lineage`). Returns the settling question.
    fn settle(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        cases: &[ConsistencyCaseRow],
        reference: &str,
        note: &str,
        now: NaiveDateTime,
    ) -> ServiceResult<i64> {
        let settling = qs::by_reference(c, reference)?.ok_or_else(|| {
            ServiceError::invalid(
                "settled_by",
                FieldProblem::NoQuestion {
                    reference: reference.into(),
                },
            )
        })?;
        let answers = qs::answers_of(c, settling.id)?;
        let binding = answers
            .iter()
            .filter(|a| a.binding_status == BindingStatus::Binding)
            .max_by_key(|a| (a.created_at, a.id))
            .ok_or_else(|| {
                ServiceError::invalid(
                    "settled_by",
                    FieldProblem::NoBindingAnswer {
                        reference: reference.into(),
                    },
                )
            })?;
        let mut changed: BTreeMap<i64, (QuestionRow, AnswerRow)> = BTreeMap::new();
        for (question, answer) in compared_answers(cases) {
            if answer == binding.id {
                continue;
            }
            let a = qs::answer(c, answer)?
                .ok_or_else(|| StoreError::Corrupt(format!("case names answer {answer}")))?;
            let from = a.binding_status;
            if !from.is_current() {
                continue;
            };
            let q = qs::get(c, question)?.ok_or_else(|| not_found(question))?;
            let updated = self.set_binding(
                c,
                &q,
                &a,
                (from, BindingStatus::Superseded),
                Some(binding.id),
                actor,
                note,
                now,
            )?;
            changed.insert(q.id, (q, updated));
        }
        // One mail a person for the whole topic: whoever relied on any of the answers.
        let changed: Vec<(&QuestionRow, &AnswerRow)> =
            changed.values().map(|(q, a)| (q, a)).collect();
        self.notify_lineage(c, &changed, Lapse::Superseded, actor, Some(note))?;
        Ok(settling.id)
    }

    /// Where a divergence between `questions` goes: the open question already routed about one
    /// of them, or else a new question at the process forum above the latest one's answer.
    pub(in crate::service) fn divergence_route(
        &self,
        c: &mut DbConnection,
        questions: &[i64],
        latest: (&QuestionRow, &AnswerRow),
    ) -> ServiceResult<Route> {
        if let Some(existing) = cs::open_routed_question(c, questions)? {
            return Ok(Route::Linked(Box::new(
                qs::get(c, existing)?.ok_or_else(|| not_found(existing))?,
            )));
        }
        let (q, answer) = latest;
        self.config
            .structure
            .top_forum(&answer.forum, &q.process)
            .map(|f| Route::New(f.code.clone(), f.level))
            .ok_or_else(|| {
                Refusal::NoForumAbove {
                    forum: answer.forum.clone(),
                    process: q.process.clone(),
                }
                .into()
            })
    }

    /// The question at the process forum that settles a divergence between the cases'
    /// questions: an open one already routed about any of them, or a new one asked by the
    /// reviewer that names them all. The answering forums and the followers of every question
    /// (their askers among them) are told once each.
    fn route_divergence(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        cases: &[ConsistencyCaseRow],
        note: &str,
        now: NaiveDateTime,
    ) -> ServiceResult<i64> {
        let compared = compared_answers(cases);
        let mut ids: Vec<i64> = compared.iter().map(|(q, _)| *q).collect();
        ids.dedup();
        let questions = qs::by_ids(c, &ids)?;
        // The compared answers, read with their questions' others in one query.
        let answers: Vec<AnswerRow> = qs::answers_for(c, &ids)?
            .into_iter()
            .filter(|a| compared.iter().any(|(_, id)| *id == a.id))
            .collect();
        if answers.len() != compared.len() {
            return Err(StoreError::Corrupt("a case names an answer that is gone".into()).into());
        }
        let (Some(latest), Some(latest_answer)) = (
            questions.last(),
            answers
                .iter()
                .filter(|a| Some(a.question_id) == questions.last().map(|q| q.id))
                .max_by_key(|a| (a.created_at, a.id)),
        ) else {
            return Err(Refusal::NoAnsweredQuestions.into());
        };
        let mut forums: Vec<&str> = answers.iter().map(|a| a.forum.as_str()).collect();
        forums.sort_unstable();
        forums.dedup();
        let routed = match self.divergence_route(c, &ids, (latest, latest_answer))? {
            Route::Linked(existing) => {
                self.record(
                    c,
                    existing.id,
                    actor,
                    now,
                    EventDraft {
                        kind: EventKind::ConsistencyLinked,
                        from: None,
                        to: None,
                        forum: None,
                        note: Some(note),
                        answer_id: None,
                        subject: None,
                    },
                )?;
                *existing
            }
            Route::New(forum, level) => {
                let created = self.ask_for_one_answer(
                    c,
                    actor,
                    &questions,
                    &answers,
                    (&forum, level),
                    note,
                    now,
                )?;
                self.count_stage_entered(c, &created.stage)?;
                let q = created.question;
                self.notify_event(
                    c,
                    &q,
                    (q.status, &q.forum, q.level, None),
                    EventKind::Submitted,
                    actor,
                    Some(note),
                    None,
                )?;
                q
            }
        };
        // Linked or new, the answering forums and whoever relies on the answers hear of it.
        self.notify_forums(c, &routed, &forums, &ids, actor, Some(note))?;
        Ok(routed.id)
    }

    /// The question to the process forum `forum`: which answers differ, each question by its
    /// reference (a link on the pages), and the reviewer's reason.
    #[allow(clippy::too_many_arguments)]
    fn ask_for_one_answer(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        questions: &[QuestionRow],
        answers: &[AnswerRow],
        (forum, level): (&str, Level),
        note: &str,
        now: NaiveDateTime,
    ) -> ServiceResult<qs::Created> {
        let structure = &self.config.structure;
        if !structure.units.contains_key(&actor.unit) {
            return Err(Refusal::HomeUnitUnknown {
                unit: actor.unit.clone(),
            }
            .into());
        }
        let Some(latest) = questions.last() else {
            return Err(Refusal::NoAnsweredQuestions.into());
        };
        let title: String = format!("Olika svar: {}", latest.title)
            .chars()
            .take(TITLE_MAX)
            .collect();
        let mut lines = Vec::new();
        for q in questions {
            for a in answers.iter().filter(|a| a.question_id == q.id) {
                let forum_name = structure
                    .forum(&a.forum)
                    .map_or(a.forum.as_str(), |f| f.name.as_str());
                let binding = a.binding_status.label_sv();
                lines.push(format!(
                    "{} ({forum_name}, {binding}): {}",
                    q.reference, q.title
                ));
            }
        }
        lines.dedup();
        let body = format!(
            "Rättsavdelningen har bedömt att svaren på {} likadana frågor skiljer sig åt och \
             behöver ett enhetligt svar.\n\n{}\n\nRättsavdelningens bedömning: {note}",
            questions.len(),
            lines.join("\n"),
        );
        let mut tags = Vec::new();
        let mut countries = Vec::new();
        for q in questions {
            tags.extend(store::from_json_list(&q.tags)?);
            countries.extend(store::from_json_list(&q.countries)?);
        }
        tags.sort();
        tags.dedup();
        countries.sort();
        countries.dedup();
        self.create_question(
            c,
            &QuestionDraft {
                title: &title,
                body: &body,
                process: &latest.process,
                category: latest.category.as_deref(),
                tags: &tags,
                countries: &countries,
                priority: Priority::Normal,
                urgent_reason: None,
                forum: (forum, level),
                note: Some(note),
            },
            actor,
            now,
        )
    }
}

/// Where a divergence goes.
pub(in crate::service) enum Route {
    /// Joins the question already open at the process forum about one of the questions.
    Linked(Box<QuestionRow>),
    /// A new question at this process forum.
    New(String, Level),
}

/// The (question, answer) pairs that cases compared, each once, in question order.
fn compared_answers(cases: &[ConsistencyCaseRow]) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = cases
        .iter()
        .flat_map(|r| [(r.question_a, r.answer_a), (r.question_b, r.answer_b)])
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A reviewer's decision, checked: who may, the outcome (named `field` in refusals), the
/// question that settles it and the reason.
pub(in crate::service) fn checked_decision<'a>(
    actor: &Actor,
    field: &str,
    outcome: Option<&str>,
    settled_by: Option<&'a str>,
    note: Option<&'a str>,
) -> ServiceResult<(Decision, Option<&'a str>, &'a str)> {
    if !actor.may_decide_consistency() {
        return Err(Refusal::DecideConsistencyLegalOnly.into());
    }
    let mut checks = Checks::default();
    let decision = match outcome.map(str::trim) {
        None | Some("") => {
            checks.fail(
                field,
                FieldProblem::RequiredOneOf("consistent, divergent, not_comparable or settled"),
            );
            None
        }
        Some(d) => Decision::parse(d).or_else(|| {
            checks.fail(
                field,
                FieldProblem::Unknown {
                    thing: Thing::Decision,
                    value: d.into(),
                    hint: Hint::OneOf(Decision::choices()),
                },
            );
            None
        }),
    };
    checks.required_text("note", note, NOTE_MAX);
    let settled_by = settled_by.map(str::trim).filter(|r| !r.is_empty());
    match (decision, settled_by) {
        (Some(Decision::Settled), None) => {
            checks.fail("settled_by", FieldProblem::SettledByRequired)
        }
        (Some(d), Some(_)) if d != Decision::Settled => {
            checks.fail("settled_by", FieldProblem::OnlyForSettled)
        }
        _ => {}
    }
    checks.finish()?;
    match (decision, note.map(str::trim)) {
        (Some(decision), Some(note)) => Ok((decision, settled_by, note)),
        _ => Err(ServiceError::invalid(field, FieldProblem::Required)),
    }
}
