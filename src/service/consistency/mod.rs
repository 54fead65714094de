//! Consistency watch: every new answer is compared with the earlier answered questions of its
//! process; a similar question that another forum answered becomes a case that the legal
//! department decides, and a divergence goes to the process forum for one answer.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::questions::{not_found, EventDraft, QuestionDraft, NOTE_MAX, TITLE_MAX};
use super::validate::Checks;
use super::views::{Paged, PersonView};
use super::{Actor, Role, Service, ServiceError, ServiceResult};
use crate::domain::answer::BindingStatus;
use crate::domain::consistency::{self, CaseStatus, Decision, Profile};
use crate::domain::question::Priority;
use crate::domain::structure::{Level, Structure};
use crate::domain::Code;
use crate::search::{Filters, SearchIndex};
use crate::store::models::{
    AnswerRow, ConsistencyCaseRow, NewConsistencyCase, NewEvent, QuestionRow,
};
use crate::store::{self, consistency as cs, questions as qs, DbConnection, StoreError};

/// Earlier questions looked at for each new answer: the best matches of the search index.
const CANDIDATES: usize = 20;
/// Queued answers compared per round of the indexer thread.
const CHECKS_PER_ROUND: i64 = 50;

/// One side of a case: a question and the answer it got.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseSide {
    pub question_id: i64,
    pub reference: String,
    pub title: String,
    /// The question's status now.
    pub status: String,
    pub answer_id: i64,
    /// The forum that gave the answer.
    pub forum: String,
    pub forum_name: String,
    pub level: String,
    /// The region's code, for a regional group.
    pub region: Option<String>,
    /// The region's name, for the pages.
    pub region_name: Option<String>,
    pub binding_status: String,
    pub answer: String,
    pub answered_at: DateTime<Utc>,
}

/// Two similar questions that different forums answered, side by side.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    /// The topic the case belongs to: the cases connected through their questions.
    pub topic: i64,
    /// The earlier question of the pair.
    pub question_a: i64,
    pub question_b: i64,
    pub answer_a: i64,
    pub answer_b: i64,
    /// Similarity: the cosine of the two questions' weighted words (0 to 1).
    pub score: f64,
    /// The score in words for the pages: "mycket lika", "lika" or "delvis lika".
    pub similarity: String,
    /// Why the two look alike: the shared words, countries and tags.
    pub reasons: Vec<String>,
    /// open, consistent, divergent or not_comparable
    pub status: String,
    pub a: CaseSide,
    pub b: CaseSide,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<PersonView>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The reviewer's reason.
    pub note: Option<String>,
    /// The question that settles it: for a divergence the question routed to the process
    /// forum, for settled the question whose binding answer already decided.
    pub routed_question: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// open, consistent, divergent or not_comparable (default: all, oldest first)
    pub status: Option<String>,
    /// 1-based page (default 1). A page past the last one is empty.
    pub page: Option<i64>,
    /// Cases per page, 1 to 100 (default 100). The total is in the `X-Total-Count` header.
    pub per_page: Option<i64>,
}

/// Cases on one page of the list when the caller does not say.
pub const CASES_PER_PAGE: i64 = 100;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DecisionInput {
    /// consistent, divergent, not_comparable or settled
    pub decision: Option<String>,
    /// For settled: the reference (PS-…) of the question whose binding answer already decides;
    /// the case's answers that are not that answer are marked superseded by it.
    pub settled_by: Option<String>,
    /// Why: required, and recorded on both questions.
    pub note: Option<String>,
}

/// A similar pair found for a new answer, before it is stored.
struct Found {
    a: (i64, i64),
    b: (i64, i64),
    score: f64,
    reasons: String,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// The answer a question stands by: the most binding current one, the latest among equals.
fn standing_answer<'a>(answers: impl Iterator<Item = &'a AnswerRow>) -> Option<&'a AnswerRow> {
    let rank =
        |a: &AnswerRow| BindingStatus::parse(&a.binding_status).map_or(0, BindingStatus::rank);
    answers
        .filter(|a| rank(a) > 0)
        .max_by_key(|a| (rank(a), a.created_at, a.id))
}

fn profile(index: &SearchIndex, structure: &Structure, q: &QuestionRow) -> ServiceResult<Profile> {
    Ok(Profile {
        process: q.process.clone(),
        process_name: structure
            .process(&q.process)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        terms: index.term_weights(&q.title, &q.body),
        written: index.written_forms(&q.title, &q.body),
        countries: store::from_json_list(&q.countries)?.into_iter().collect(),
        tags: store::from_json_list(&q.tags)?.into_iter().collect(),
    })
}

impl Service {
    /// Compares the queued answers with earlier ones and records the cases found; run by the
    /// indexer thread once the index has caught up. Returns how many cases were recorded.
    pub fn run_consistency_checks(&self) -> ServiceResult<usize> {
        let mut conn = self.conn()?;
        let pending = store::read_tx(&mut conn, |c| cs::pending_checks(c, CHECKS_PER_ROUND))?;
        let mut recorded = 0;
        for (check, answer_id) in pending {
            // Not in the index yet (on PostgreSQL the change log settles after other running
            // transactions end, and the queue row may be seen first): left queued, so that the
            // answer meets the questions committed with and before it.
            let Some(found) = store::read_tx(&mut conn, |c| self.compare_answer(c, answer_id))?
            else {
                continue;
            };
            let now = self.clock.now_naive();
            recorded += store::write_tx(&mut conn, |c| -> ServiceResult<usize> {
                // Whoever takes the check off the queue records its cases: several instances
                // never record them twice.
                if !cs::take_check(c, check)? {
                    return Ok(0);
                }
                let mut n = 0;
                for f in &found {
                    if cs::case_exists(c, f.a.0, f.b.0)? {
                        continue;
                    }
                    cs::lock_topics(c)?;
                    let topic_id = cs::topic_for(c, &[f.a.0, f.b.0], now)?;
                    let new = NewConsistencyCase {
                        question_a: f.a.0,
                        question_b: f.b.0,
                        answer_a: f.a.1,
                        answer_b: f.b.1,
                        score: f.score,
                        reasons: &f.reasons,
                        status: CaseStatus::Open.as_str(),
                        created_at: now,
                        topic_id,
                    };
                    cs::insert_case(c, &new)?;
                    n += 1;
                }
                Ok(n)
            })?;
        }
        if recorded > 0 {
            log::info!("consistency watch: {recorded} new case(s)");
        }
        Ok(recorded)
    }

    /// The earlier answered questions like the one `answer_id` answers, answered elsewhere;
    /// `None` while the index does not hold the answer yet.
    fn compare_answer(
        &self,
        c: &mut DbConnection,
        answer_id: i64,
    ) -> ServiceResult<Option<Vec<Found>>> {
        let Some(answer) = qs::answer(c, answer_id)? else {
            return Ok(Some(Vec::new()));
        };
        let Some(q) = qs::get(c, answer.question_id)? else {
            return Ok(Some(Vec::new()));
        };
        if !BindingStatus::parse(&answer.binding_status).is_some_and(|b| b.is_current()) {
            return Ok(Some(Vec::new()));
        }
        let index = self.search.current();
        if !index.holds_answer(q.id, answer.id)? {
            return Ok(None);
        }
        let ranked = Self::candidates(&index, &q, CANDIDATES)?;
        // The first candidate of the new question: a paraphrase shares few words with its
        // partner, but nothing in the index is closer to it (see consistency::is_case).
        let first = ranked.first().copied();
        let ids: Vec<i64> = ranked
            .into_iter()
            .filter(|id| Some(*id) != q.duplicate_of)
            .collect();
        if ids.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let candidates = qs::by_ids(c, &ids)?;
        let answers = qs::answers_for(c, &ids)?;
        let mine = profile(&index, &self.config.structure, &q)?;
        let mut found = Vec::new();
        for other in candidates
            .iter()
            .filter(|o| o.duplicate_of != Some(q.id) && o.id < q.id)
        {
            // Answered by the same forum, the forum knows both answers already.
            let Some(theirs) = standing_answer(
                answers
                    .iter()
                    .filter(|a| a.question_id == other.id && a.forum != answer.forum),
            ) else {
                continue;
            };
            let s =
                consistency::similarity(&profile(&index, &self.config.structure, other)?, &mine);
            if s.score < consistency::FIRST_CANDIDATE_FLOOR {
                continue;
            }
            // Between the floor and the threshold a pair needs one question to be the other's
            // first candidate: this one's (known), else the other's (one more search, only for
            // the few candidates in that band).
            let first_candidate = s.score >= consistency::THRESHOLD
                || first == Some(other.id)
                || Self::candidates(&index, other, 1)?.first() == Some(&q.id);
            if !consistency::is_case(s.score, first_candidate) {
                continue;
            }
            found.push(Found {
                a: (other.id, theirs.id),
                b: (q.id, answer.id),
                score: (s.score * 1000.0).round() / 1000.0,
                reasons: serde_json::to_string(&s.reasons)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            });
        }
        Ok(Some(found))
    }

    /// The ids of the best matches of a question's significant words within its process, the
    /// question itself left out: the watch's candidates for being the same question.
    fn candidates(index: &SearchIndex, q: &QuestionRow, limit: usize) -> ServiceResult<Vec<i64>> {
        let terms = index.question_terms(&q.title, &q.body);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let filters = Filters {
            process: Some(q.process.clone()),
            ..Default::default()
        };
        let hits = index.search(&terms.join(" "), &filters, 0, limit + 1, false)?;
        Ok(hits
            .hits
            .iter()
            .map(|h| h.id)
            .filter(|id| *id != q.id)
            .take(limit)
            .collect())
    }

    pub(super) fn may_review(actor: &Actor) -> ServiceResult<()> {
        match actor.role {
            Role::Legal | Role::Admin => Ok(()),
            Role::Caseworker => Err(ServiceError::Forbidden(
                "consistency cases are for the legal department (role legal or admin)".into(),
            )),
        }
    }

    /// Cases, oldest first; for the legal department.
    pub fn consistency_cases(
        &self,
        actor: &Actor,
        q: &CaseQuery,
    ) -> ServiceResult<Paged<CaseView>> {
        Self::may_review(actor)?;
        let mut checks = Checks::default();
        let paging = checks.paging(q.page, q.per_page, CASES_PER_PAGE, CASES_PER_PAGE);
        let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => {
                let parsed = CaseStatus::parse(s);
                if parsed.is_none() {
                    checks.fail(
                        "status",
                        format!(
                            "unknown status '{s}', expected one of: {}",
                            CaseStatus::choices()
                        ),
                    );
                }
                parsed
            }
        };
        checks.finish()?;
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let (rows, total) = cs::list(
                c,
                status.map(CaseStatus::as_str),
                paging.offset(),
                paging.per_page,
            )?;
            Ok(Paged::new(self.case_views(c, &rows)?, total, paging))
        })
    }

    /// One case.
    pub fn consistency_case(&self, actor: &Actor, id: i64) -> ServiceResult<CaseView> {
        Self::may_review(actor)?;
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| self.case_view(c, id))
    }

    fn case_view(&self, c: &mut DbConnection, id: i64) -> ServiceResult<CaseView> {
        let row = cs::get(c, id)?.ok_or_else(|| case_not_found(id))?;
        self.case_views(c, std::slice::from_ref(&row))?
            .pop()
            .ok_or_else(|| case_not_found(id))
    }

    /// Views of `rows`, their questions, answers and reviewers read in three queries.
    fn case_views(
        &self,
        c: &mut DbConnection,
        rows: &[ConsistencyCaseRow],
    ) -> ServiceResult<Vec<CaseView>> {
        let mut ids: Vec<i64> = rows
            .iter()
            .flat_map(|r| [r.question_a, r.question_b])
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let questions: HashMap<i64, QuestionRow> = qs::by_ids(c, &ids)?
            .into_iter()
            .map(|q| (q.id, q))
            .collect();
        let answers: HashMap<i64, AnswerRow> = qs::answers_for(c, &ids)?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let people = Self::people(c, rows.iter().map(|r| r.decided_by))?;
        let side = |question: i64, answer: i64| -> ServiceResult<CaseSide> {
            let q = questions
                .get(&question)
                .ok_or_else(|| StoreError::Corrupt(format!("case names question {question}")))?;
            let a = answers
                .get(&answer)
                .ok_or_else(|| StoreError::Corrupt(format!("case names answer {answer}")))?;
            let forum = self.config.structure.forum(&a.forum);
            Ok(CaseSide {
                question_id: q.id,
                reference: q.reference.clone(),
                title: q.title.clone(),
                status: q.status.clone(),
                answer_id: a.id,
                forum: a.forum.clone(),
                forum_name: forum.map_or_else(|| a.forum.clone(), |f| f.name.clone()),
                level: a.level.clone(),
                region: forum.and_then(|f| f.region.clone()),
                region_name: forum
                    .and_then(|f| f.region.as_deref())
                    .and_then(|r| self.config.structure.regions.iter().find(|x| x.code == r))
                    .map(|r| r.name.clone()),
                binding_status: a.binding_status.clone(),
                answer: a.body.clone(),
                answered_at: utc(a.created_at),
            })
        };
        rows.iter()
            .map(|r| {
                Ok(CaseView {
                    id: r.id,
                    topic: r.topic_id,
                    question_a: r.question_a,
                    question_b: r.question_b,
                    answer_a: r.answer_a,
                    answer_b: r.answer_b,
                    score: r.score,
                    similarity: consistency::in_words(r.score).to_string(),
                    reasons: store::from_json_list(&r.reasons)?,
                    status: r.status.clone(),
                    a: side(r.question_a, r.answer_a)?,
                    b: side(r.question_b, r.answer_b)?,
                    created_at: utc(r.created_at),
                    decided_by: r.decided_by.and_then(|u| people.get(&u).cloned()),
                    decided_at: r.decided_at.map(utc),
                    note: r.note.clone(),
                    routed_question: r.routed_question,
                })
            })
            .collect()
    }

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
            if row.status != CaseStatus::Open.as_str() {
                return Err(ServiceError::Conflict(format!(
                    "consistency case {id} is already decided ({})",
                    row.status
                )));
            }
            let now = self.clock.now_naive();
            let cases = std::slice::from_ref(&row);
            let routed = self.carry_out(c, actor, cases, decision, settled_by, note, now)?;
            let status = decision.status().as_str();
            if !cs::decide(c, id, row.version, status, actor.id, now, note, routed)? {
                return Err(ServiceError::Conflict(format!(
                    "consistency case {id} was decided by someone else at the same time; reload it"
                )));
            }
            if cs::open_cases_in_topic(c, row.topic_id)? == 0 {
                if let Some(topic) = cs::topic(c, row.topic_id)? {
                    if topic.status == CaseStatus::Open.as_str() {
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
    pub(super) fn carry_out(
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
    pub(super) fn record_decision(
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
                    kind: "consistency_decided".into(),
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
    /// reviewer's reason and an event; each question whose answer changed mails its followers
    /// (its asker among them) once. Returns the settling question.
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
            ServiceError::invalid("settled_by", format!("there is no question {reference}"))
        })?;
        let answers = qs::answers_of(c, settling.id)?;
        let binding = answers
            .iter()
            .filter(|a| BindingStatus::parse(&a.binding_status) == Some(BindingStatus::Binding))
            .max_by_key(|a| (a.created_at, a.id))
            .ok_or_else(|| {
                ServiceError::invalid(
                    "settled_by",
                    format!("{reference} has no binding answer that holds"),
                )
            })?;
        let mut changed: BTreeMap<i64, (QuestionRow, AnswerRow)> = BTreeMap::new();
        for (question, answer) in compared_answers(cases) {
            if answer == binding.id {
                continue;
            }
            let a = qs::answer(c, answer)?
                .ok_or_else(|| StoreError::Corrupt(format!("case names answer {answer}")))?;
            let Some(from) = BindingStatus::parse(&a.binding_status).filter(|b| b.is_current())
            else {
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
        for (q, updated) in changed.values() {
            self.notify_binding_changed(c, q, updated, actor, note)?;
        }
        Ok(settling.id)
    }

    /// Where a divergence between `questions` goes: the open question already routed about one
    /// of them, or else a new question at the process forum above the latest one's answer.
    pub(super) fn divergence_route(
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
                ServiceError::Conflict(format!(
                    "no process forum is above {} for process {}",
                    answer.forum, q.process
                ))
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
        let mut answers: Vec<AnswerRow> = Vec::new();
        for (_, answer) in &compared {
            answers.push(
                qs::answer(c, *answer)?
                    .ok_or_else(|| StoreError::Corrupt(format!("case names answer {answer}")))?,
            );
        }
        let (Some(latest), Some(latest_answer)) = (
            questions.last(),
            answers
                .iter()
                .filter(|a| Some(a.question_id) == questions.last().map(|q| q.id))
                .max_by_key(|a| (a.created_at, a.id)),
        ) else {
            return Err(ServiceError::Conflict(
                "the decision names no answered questions".into(),
            ));
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
                        kind: "consistency_linked",
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
                    (&q.status, &q.forum, &q.level, None),
                    "submitted",
                    actor,
                    Some(note),
                    None,
                )?;
                q
            }
        };
        // Linked or new, the answering forums and whoever relies on the answers hear of it.
        self.notify_forums(
            c,
            &routed,
            &forums,
            &ids,
            "divergence_routed",
            actor,
            Some(note),
        )?;
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
            return Err(ServiceError::Conflict(format!(
                "your home unit '{}' is not in the structure",
                actor.unit
            )));
        }
        let Some(latest) = questions.last() else {
            return Err(ServiceError::Conflict(
                "the decision names no answered questions".into(),
            ));
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
                let binding = BindingStatus::parse(&a.binding_status)
                    .map_or_else(|| a.binding_status.clone(), |b| b.label_sv().to_string());
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
pub(super) enum Route {
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
pub(super) fn checked_decision<'a>(
    actor: &Actor,
    field: &str,
    outcome: Option<&str>,
    settled_by: Option<&'a str>,
    note: Option<&'a str>,
) -> ServiceResult<(Decision, Option<&'a str>, &'a str)> {
    if !actor.is_legal() {
        return Err(ServiceError::Forbidden(
            "only the legal department (role legal) decides consistency cases".into(),
        ));
    }
    let mut checks = Checks::default();
    let decision = match outcome.map(str::trim) {
        None | Some("") => {
            checks.fail(
                field,
                "is required: consistent, divergent, not_comparable or settled",
            );
            None
        }
        Some(d) => Decision::parse(d).or_else(|| {
            checks.fail(
                field,
                format!(
                    "unknown decision '{d}', expected one of: {}",
                    Decision::choices()
                ),
            );
            None
        }),
    };
    checks.required_text("note", note, NOTE_MAX);
    let settled_by = settled_by.map(str::trim).filter(|r| !r.is_empty());
    match (decision, settled_by) {
        (Some(Decision::Settled), None) => checks.fail(
            "settled_by",
            "is required for settled: the reference (PS-…) of the question whose binding answer decides",
        ),
        (Some(d), Some(_)) if d != Decision::Settled => {
            checks.fail("settled_by", "is only for the decision settled")
        }
        _ => {}
    }
    checks.finish()?;
    match (decision, note.map(str::trim)) {
        (Some(decision), Some(note)) => Ok((decision, settled_by, note)),
        _ => Err(ServiceError::invalid(field, "is required")),
    }
}

fn case_not_found(id: i64) -> ServiceError {
    ServiceError::NotFound(format!("no consistency case {id}"))
}
