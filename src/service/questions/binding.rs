//! Binding status: who may change how binding an answer is, and the change with its event and mail.

use chrono::NaiveDateTime;

use super::*;
use crate::domain::answer::{self, BindingStatus};
use crate::domain::catalogue::{FieldProblem, Hint, Missing, Refusal, Thing};
use crate::domain::question::EventKind;
use crate::domain::Code;
use crate::service::validate::Checks;
use crate::service::{Actor, Service, ServiceError, ServiceResult};
use crate::store::{self, questions as qs, DbConnection};

impl Service {
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
                    FieldProblem::RequiredOneOf("superseded, withdrawn or binding"),
                );
                None
            }
            Some(s) => BindingStatus::parse(s).or_else(|| {
                checks.fail(
                    "binding_status",
                    FieldProblem::Unknown {
                        thing: Thing::BindingStatus,
                        value: s.into(),
                        hint: Hint::OneOf(BindingStatus::choices()),
                    },
                );
                None
            }),
        };
        checks.required_text("note", input.note.as_deref(), NOTE_MAX);
        if to == Some(BindingStatus::Superseded) && input.superseded_by.is_none() {
            checks.fail("superseded_by", FieldProblem::SupersededByRequired);
        }
        if to.is_some_and(|t| t != BindingStatus::Superseded) && input.superseded_by.is_some() {
            checks.fail(
                "superseded_by",
                FieldProblem::OnlySupersededNamesReplacement,
            );
        }
        checks.finish()?;
        let to = to.unwrap_or(BindingStatus::Withdrawn);
        let note = input.note.as_deref().unwrap_or_default().trim().to_string();
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let now = self.clock.now_naive();
            let a = qs::answer(c, answer_id)?.ok_or(Missing::Answer(answer_id))?;
            let q = qs::get(c, a.question_id)?.ok_or_else(|| not_found(a.question_id))?;
            let stages = qs::stages_of(c, q.id)?;
            let answer_seq = stages
                .iter()
                .find(|s| Some(s.id) == a.stage_id)
                .map_or(0, |s| s.seq);
            let path = answer::path_of(
                (a.forum.as_str(), Some(a.level)),
                answer_seq,
                stages
                    .iter()
                    .map(|s| (s.seq, s.forum.as_str(), Some(s.level))),
            );
            let rights = answer::binding_rights(
                &path,
                |f| actor.is_member(f),
                actor.is_legal(),
                &self.config.issue_rules,
            );
            if !rights.may_change {
                return Err(Refusal::BindingChangeNotYours.into());
            }
            let from = a.binding_status;
            answer::check_change(from, to)?;
            if to == BindingStatus::Binding && !rights.may_make_binding {
                return Err(Refusal::BindingNeedsLevel.into());
            }
            if let Some(by) = input.superseded_by {
                let newer = qs::answer(c, by)?.ok_or_else(|| {
                    ServiceError::invalid("superseded_by", FieldProblem::NoAnswer { id: by })
                })?;
                // A binding answer settles the legal question wherever it was asked: the answers
                // it replaces may belong to other questions (their pages then point to it).
                let related = newer.question_id == q.id
                    || Some(newer.question_id) == q.duplicate_of
                    || newer.binding_status == BindingStatus::Binding;
                if !related {
                    return Err(ServiceError::invalid(
                        "superseded_by",
                        FieldProblem::AnswerOfAnotherQuestion { by, question: q.id },
                    ));
                }
                if newer.id <= a.id {
                    return Err(ServiceError::invalid(
                        "superseded_by",
                        FieldProblem::AnswerNotLater { by, of: a.id },
                    ));
                }
                match newer.binding_status {
                    status if !status.is_current() => {
                        return Err(ServiceError::invalid(
                            "superseded_by",
                            FieldProblem::AnswerIsItself { by, status },
                        ));
                    }
                    _ => {}
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
            let replacements = super::replacements(c, std::slice::from_ref(&updated))?;
            self.answer_view(&updated, &people, &replacements)
        })
    }

    /// Moves answer `a` of question `q` from one binding status to another (and to the answer
    /// that replaces it), with an event on the question and mail to its followers; the caller
    /// has checked that the actor may. Returns the answer as it is now.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::service) fn change_binding(
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
        match crate::domain::register::Lapse::of_change(change.1) {
            // Whoever relied on it hears, not only the question's followers.
            Some(lapse) => self.notify_lineage(c, &[(q, &updated)], lapse, actor, Some(note))?,
            None => self.notify_binding_changed(c, q, &updated, actor, note)?,
        }
        Ok(updated)
    }

    /// [`Self::change_binding`] without the mail, for a change of several answers of one
    /// question that mails once.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::service) fn set_binding(
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
            return Err(Refusal::AnswerRaced { id: a.id }.into());
        }
        qs::insert_event(
            c,
            &NewEvent {
                question_id: Some(q.id),
                answer_id: Some(a.id),
                actor_id: Some(actor.id),
                kind: EventKind::BindingStatusChanged,
                from_status: Some(from.as_str().into()),
                to_status: Some(to.as_str().into()),
                forum: Some(a.forum.clone()),
                note: Some(note.to_string()),
                data: superseded_by.map(|b| format!("{{\"superseded_by\":{b}}}")),
                created_at: now,
            },
        )?;
        store::changes::record_change(c, q.id, now)?;
        qs::answer(c, a.id)?.ok_or_else(|| not_found(a.id))
    }

    /// Mails the followers of `q` that its answer `updated` changed binding status.
    pub(in crate::service) fn notify_binding_changed(
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
            (q.status, &q.forum, q.level, q.assignee_id),
            EventKind::BindingStatusChanged,
            actor,
            Some(note),
            Some(updated),
        )
    }
}
