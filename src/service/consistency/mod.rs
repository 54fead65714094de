//! Consistency watch: every new answer is compared with the earlier answered questions of its
//! process; a similar question that another forum answered becomes a case that the legal
//! department decides, and a divergence goes to the process forum for one answer.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::questions::{not_found, EventDraft, QuestionDraft, NOTE_MAX, TITLE_MAX};
use super::validate::Checks;
use super::views::{Paged, PersonView};
use super::{Actor, Service, ServiceError, ServiceResult};
use crate::domain::answer::BindingStatus;
use crate::domain::catalogue::{FieldProblem, Hint, Missing, Refusal, Thing};
use crate::domain::consistency::{self, CaseStatus, Decision, PossibleStatus, Profile, Verdict};
use crate::domain::question::{EventKind, Priority, Status};
use crate::domain::structure::{Level, Structure};
use crate::domain::Code;
use crate::search::SearchIndex;
use crate::store::models::{
    AnswerRow, ConsistencyCaseRow, NewConsistencyCase, NewEvent, NewPossibleDivergence, QuestionRow,
};
use crate::store::{self, consistency as cs, questions as qs, DbConnection, StoreError};

mod decide;
mod labels;
mod possible;
pub(super) use decide::{checked_decision, Route};
pub use labels::{LabelSide, LabelledPair};
pub use possible::{PossibleQuery, PossibleReviewInput, PossibleView};

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
    #[schema(value_type = String)]
    pub status: Status,
    pub answer_id: i64,
    /// The forum that gave the answer.
    pub forum: String,
    pub forum_name: String,
    #[schema(value_type = String)]
    pub level: Level,
    /// The region's code, for a regional group.
    pub region: Option<String>,
    /// The region's name, for the pages.
    pub region_name: Option<String>,
    #[schema(value_type = String)]
    pub binding_status: BindingStatus,
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
    #[schema(value_type = String)]
    pub status: CaseStatus,
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
    /// `None` for a case; for a possible divergence, the better of the two questions' places
    /// among the other's candidates (1: the first), or this one's place when the other's could
    /// not have changed the verdict and was not looked up.
    possible: Option<usize>,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// The answer a question stands by: the most binding current one, the latest among equals.
fn standing_answer<'a>(answers: impl Iterator<Item = &'a AnswerRow>) -> Option<&'a AnswerRow> {
    let rank = |a: &AnswerRow| a.binding_status.rank();
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
                    if let Some(place) = f.possible {
                        if !cs::possible_exists(c, f.a.0, f.b.0)? {
                            cs::insert_possible(
                                c,
                                &NewPossibleDivergence {
                                    question_a: f.a.0,
                                    question_b: f.b.0,
                                    answer_a: f.a.1,
                                    answer_b: f.b.1,
                                    score: f.score,
                                    place: i64::try_from(place).unwrap_or(i64::MAX),
                                    reasons: &f.reasons,
                                    status: PossibleStatus::Open,
                                    created_at: now,
                                },
                            )?;
                        }
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
                        status: CaseStatus::Open,
                        created_at: now,
                        topic_id,
                    };
                    let case_id = cs::insert_case(c, &new)?;
                    cs::possible_became_case(c, f.a.0, f.b.0, case_id, now)?;
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
        if !answer.binding_status.is_current() {
            return Ok(Some(Vec::new()));
        }
        let index = self.search.current();
        if !index.holds_answer(q.id, answer.id)? {
            return Ok(None);
        }
        // The new question's candidates in order: a paraphrase shares few words with its
        // partner, but little in the index is closer to it (see consistency::is_case and
        // consistency::is_possible).
        let ranked = Self::candidates(&index, &q, CANDIDATES)?;
        let place_here = |id: i64| ranked.iter().position(|r| *r == id).map(|p| p + 1);
        let ids: Vec<i64> = ranked
            .iter()
            .copied()
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
            // This question's place among the new one's candidates is known; the new one's
            // among this one's costs a search, made only when it can change the verdict.
            let here = place_here(other.id).unwrap_or(usize::MAX);
            let there = if consistency::needs_other_place(s.score, here) {
                Self::candidates(&index, other, consistency::POSSIBLE_PLACES)?
                    .iter()
                    .position(|id| *id == q.id)
                    .map_or(usize::MAX, |p| p + 1)
            } else {
                usize::MAX
            };
            let possible = match consistency::verdict(s.score, here.min(there)) {
                Some(Verdict::Case) => None,
                Some(Verdict::Possible(place)) => Some(place),
                None => continue,
            };
            found.push(Found {
                a: (other.id, theirs.id),
                b: (q.id, answer.id),
                score: (s.score * 1000.0).round() / 1000.0,
                reasons: serde_json::to_string(&s.reasons)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                possible,
            });
        }
        Ok(Some(found))
    }

    /// The ids of the best matches of a question's significant words within its process, the
    /// question itself left out: the watch's candidates for being the same question.
    fn candidates(index: &SearchIndex, q: &QuestionRow, limit: usize) -> ServiceResult<Vec<i64>> {
        Ok(index
            .questions_like(&q.title, &q.body, Some(&q.process), limit + 1)?
            .iter()
            .map(|h| h.id)
            .filter(|id| *id != q.id)
            .take(limit)
            .collect())
    }

    pub(in crate::service) fn may_review(actor: &Actor) -> ServiceResult<()> {
        if actor.may_oversee() {
            return Ok(());
        }
        Err(Refusal::ConsistencyLegalOnly.into())
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
        let status = checks.code::<CaseStatus>("status", Thing::Status, q.status.as_deref());
        checks.finish()?;
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let (rows, total) = cs::list(c, status, paging.offset(), paging.per_page)?;
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
        let sides = self.case_sides(
            c,
            rows.iter()
                .flat_map(|r| [(r.question_a, r.answer_a), (r.question_b, r.answer_b)]),
        )?;
        let people = Self::people(c, rows.iter().map(|r| r.decided_by))?;
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
                    status: r.status,
                    a: side_of(&sides, r.question_a, r.answer_a)?,
                    b: side_of(&sides, r.question_b, r.answer_b)?,
                    created_at: utc(r.created_at),
                    decided_by: r.decided_by.and_then(|u| people.get(&u).cloned()),
                    decided_at: r.decided_at.map(utc),
                    note: r.note.clone(),
                    routed_question: r.routed_question,
                })
            })
            .collect()
    }

    /// The sides of compared pairs, by (question, answer): their questions and answers read in
    /// two queries.
    fn case_sides(
        &self,
        c: &mut DbConnection,
        pairs: impl Iterator<Item = (i64, i64)>,
    ) -> ServiceResult<HashMap<(i64, i64), CaseSide>> {
        let pairs: Vec<(i64, i64)> = pairs.collect();
        let mut ids: Vec<i64> = pairs.iter().map(|(q, _)| *q).collect();
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
        let mut sides = HashMap::new();
        for (question, answer) in pairs {
            let q = questions
                .get(&question)
                .ok_or_else(|| StoreError::Corrupt(format!("case names question {question}")))?;
            let a = answers
                .get(&answer)
                .ok_or_else(|| StoreError::Corrupt(format!("case names answer {answer}")))?;
            let forum = self.config.structure.forum(&a.forum);
            sides.insert(
                (question, answer),
                CaseSide {
                    question_id: q.id,
                    reference: q.reference.clone(),
                    title: q.title.clone(),
                    status: q.status,
                    answer_id: a.id,
                    forum: a.forum.clone(),
                    forum_name: forum.map_or_else(|| a.forum.clone(), |f| f.name.clone()),
                    level: a.level,
                    region: forum.and_then(|f| f.region.clone()),
                    region_name: forum
                        .and_then(|f| f.region.as_deref())
                        .and_then(|r| self.config.structure.region(r))
                        .map(|r| r.name.clone()),
                    binding_status: a.binding_status,
                    answer: a.body.clone(),
                    answered_at: utc(a.created_at),
                },
            );
        }
        Ok(sides)
    }
}

/// One side out of [`Service::case_sides`].
fn side_of(
    sides: &HashMap<(i64, i64), CaseSide>,
    question: i64,
    answer: i64,
) -> ServiceResult<CaseSide> {
    sides
        .get(&(question, answer))
        .cloned()
        .ok_or_else(|| StoreError::Corrupt(format!("case names answer {answer}")).into())
}

fn case_not_found(id: i64) -> ServiceError {
    Missing::Case(id).into()
}
