//! Possible divergences: pairs close enough for the legal department to look at but below the
//! rule that opens a case on its own, ranked for review; taken up as a case or dismissed.

use chrono::DateTime;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{side_of, utc, CaseSide};
use crate::domain::catalogue::{FieldProblem, Missing, Refusal, Thing};
use crate::domain::consistency::{self, CaseStatus, PossibleReview, PossibleStatus};
use crate::service::questions::NOTE_MAX;
use crate::service::validate::Checks;
use crate::service::views::{Paged, PersonView};
use crate::service::{Actor, Service, ServiceError, ServiceResult};
use crate::store::models::{NewConsistencyCase, PossibleDivergenceRow};
use crate::store::{self, consistency as cs, DbConnection};

/// Possible divergences on one page of the list when the caller does not say.
pub const POSSIBLE_PER_PAGE: i64 = 100;

/// Two answered questions that may be the same question, side by side.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PossibleView {
    pub id: i64,
    /// The earlier question of the pair.
    pub question_a: i64,
    pub question_b: i64,
    /// Similarity: the cosine of the two questions' weighted words (0 to 1).
    pub score: f64,
    /// The score in words for the pages: "mycket lika", "lika" or "delvis lika".
    pub similarity: String,
    /// The better of the two questions' places among the other's candidates (1: the first).
    pub place: i64,
    /// The place in words for the pages.
    pub place_text: String,
    /// Why the two look alike: the shared words, countries and tags.
    pub reasons: Vec<String>,
    /// open, opened (taken up as a case) or dismissed
    #[schema(value_type = String)]
    pub status: PossibleStatus,
    pub a: CaseSide,
    pub b: CaseSide,
    pub created_at: DateTime<Utc>,
    /// Who took it up or dismissed it; empty when the watch itself later made the pair a case.
    pub decided_by: Option<PersonView>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The reviewer's note.
    pub note: Option<String>,
    /// The consistency case it became, when taken up.
    pub case_id: Option<i64>,
    /// That case's topic.
    pub topic: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PossibleQuery {
    /// open, opened or dismissed (default: all), ranked: the nearest candidates first
    pub status: Option<String>,
    /// 1-based page (default 1). A page past the last one is empty.
    pub page: Option<i64>,
    /// Possible divergences per page, 1 to 100 (default 100). The total is in the
    /// `X-Total-Count` header.
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PossibleReviewInput {
    /// case (take it up as a consistency case, in a topic) or dismiss (not the same question)
    pub outcome: Option<String>,
    /// Why, optional; kept with the label.
    pub note: Option<String>,
}

fn possible_not_found(id: i64) -> ServiceError {
    Missing::PossibleDivergence(id).into()
}

impl Service {
    /// Possible divergences, ranked for review; for the legal department.
    pub fn possible_divergences(
        &self,
        actor: &Actor,
        q: &PossibleQuery,
    ) -> ServiceResult<Paged<PossibleView>> {
        Self::may_review(actor)?;
        let mut checks = Checks::default();
        let paging = checks.paging(q.page, q.per_page, POSSIBLE_PER_PAGE, POSSIBLE_PER_PAGE);
        let status = checks.code::<PossibleStatus>("status", Thing::Status, q.status.as_deref());
        checks.finish()?;
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let (rows, total) = cs::list_possible(c, status, paging.offset(), paging.per_page)?;
            Ok(Paged::new(self.possible_views(c, &rows)?, total, paging))
        })
    }

    /// One possible divergence.
    pub fn possible_divergence(&self, actor: &Actor, id: i64) -> ServiceResult<PossibleView> {
        Self::may_review(actor)?;
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| self.possible_view(c, id))
    }

    /// Takes a possible divergence up as a consistency case (joining the topic of a case about
    /// either question, as the watch's own cases do) or dismisses it; either is kept as a label.
    pub fn review_possible(
        &self,
        actor: &Actor,
        id: i64,
        input: &PossibleReviewInput,
    ) -> ServiceResult<PossibleView> {
        if !actor.may_decide_consistency() {
            return Err(Refusal::DecideConsistencyLegalOnly.into());
        }
        let mut checks = Checks::default();
        let outcome = input.outcome.as_deref();
        let review = checks.code::<PossibleReview>("outcome", Thing::Decision, outcome);
        if outcome.is_none_or(|o| o.trim().is_empty()) {
            checks.fail("outcome", FieldProblem::RequiredOneOf("case or dismiss"));
        }
        checks.optional_text("note", input.note.as_deref(), NOTE_MAX);
        checks.finish()?;
        let Some(review) = review else {
            return Err(ServiceError::invalid("outcome", FieldProblem::Required));
        };
        let note = input
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let row = cs::possible(c, id)?.ok_or_else(|| possible_not_found(id))?;
            if row.status != PossibleStatus::Open {
                return Err(Refusal::PossibleReviewed {
                    id,
                    status: row.status,
                }
                .into());
            }
            let now = self.clock.now_naive();
            let case_id = match review {
                PossibleReview::Dismiss => None,
                // A case like the watch's own: it joins the open topic of a case about either
                // question, and is reviewed there.
                PossibleReview::Case => {
                    cs::lock_topics(c)?;
                    let topic_id = cs::topic_for(c, &[row.question_a, row.question_b], now)?;
                    Some(cs::insert_case(
                        c,
                        &NewConsistencyCase {
                            question_a: row.question_a,
                            question_b: row.question_b,
                            answer_a: row.answer_a,
                            answer_b: row.answer_b,
                            score: row.score,
                            reasons: &row.reasons,
                            status: CaseStatus::Open,
                            created_at: now,
                            topic_id,
                        },
                    )?)
                }
            };
            if !cs::review_possible(c, id, review.status(), actor.id, now, note, case_id)? {
                return Err(Refusal::PossibleRaced { id }.into());
            }
            self.possible_view(c, id)
        })
    }

    fn possible_view(&self, c: &mut DbConnection, id: i64) -> ServiceResult<PossibleView> {
        let row = cs::possible(c, id)?.ok_or_else(|| possible_not_found(id))?;
        self.possible_views(c, std::slice::from_ref(&row))?
            .pop()
            .ok_or_else(|| possible_not_found(id))
    }

    /// Views of `rows`, their questions, answers, reviewers and cases read in four queries.
    fn possible_views(
        &self,
        c: &mut DbConnection,
        rows: &[PossibleDivergenceRow],
    ) -> ServiceResult<Vec<PossibleView>> {
        let sides = self.case_sides(
            c,
            rows.iter()
                .flat_map(|r| [(r.question_a, r.answer_a), (r.question_b, r.answer_b)]),
        )?;
        let people = Self::people(c, rows.iter().map(|r| r.decided_by))?;
        let case_ids: Vec<i64> = rows.iter().filter_map(|r| r.case_id).collect();
        let topics = cs::topics_of_cases(c, &case_ids)?;
        rows.iter()
            .map(|r| {
                let place = usize::try_from(r.place).unwrap_or(usize::MAX);
                Ok(PossibleView {
                    id: r.id,
                    question_a: r.question_a,
                    question_b: r.question_b,
                    score: r.score,
                    similarity: consistency::in_words(r.score).to_string(),
                    place: r.place,
                    place_text: consistency::place_in_words(place),
                    reasons: store::from_json_list(&r.reasons)?,
                    status: r.status,
                    a: side_of(&sides, r.question_a, r.answer_a)?,
                    b: side_of(&sides, r.question_b, r.answer_b)?,
                    created_at: utc(r.created_at),
                    decided_by: r.decided_by.and_then(|u| people.get(&u).cloned()),
                    decided_at: r.decided_at.map(utc),
                    note: r.note.clone(),
                    case_id: r.case_id,
                    topic: r.case_id.and_then(|id| topics.get(&id).copied()),
                })
            })
            .collect()
    }
}
