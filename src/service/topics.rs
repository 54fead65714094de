//! Consistency topics: the watch's cases joined through the questions they share, so that the
//! legal department reviews every answer to one legal question side by side and decides once.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::consistency::{checked_decision, Route};
use super::validate::Checks;
use super::views::{Paged, PersonView};
use super::{Actor, Service, ServiceError, ServiceResult};
use crate::domain::answer::BindingStatus;
use crate::domain::catalogue::{Missing, Refusal, Thing};
use crate::domain::consistency::{self, CaseStatus};
use crate::domain::question::Status;
use crate::domain::structure::Level;
use crate::store::models::{AnswerRow, ConsistencyCaseRow, ConsistencyTopicRow, QuestionRow};
use crate::store::{self, consistency as cs, questions as qs, DbConnection, StoreError};

/// Topics on one page of the list when the caller does not say.
pub const TOPICS_PER_PAGE: i64 = 100;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopicQuery {
    /// open, consistent, divergent, settled or not_comparable (default: all, oldest first)
    pub status: Option<String>,
    /// 1-based page (default 1). A page past the last one is empty.
    pub page: Option<i64>,
    /// Topics per page, 1 to 100 (default 100). The total is in the `X-Total-Count` header.
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct TopicDecisionInput {
    /// consistent, not_comparable, settled or divergent
    pub outcome: Option<String>,
    /// For settled: the reference (PS-…) of the question whose binding answer already decides;
    /// every other answer of the topic that holds is marked superseded by it.
    pub settled_by: Option<String>,
    /// Why: required, and recorded on every question of the topic.
    pub note: Option<String>,
    /// The topic's `version` as the reviewer read it: when given, a topic that changed since
    /// (a new question joined it) is refused with 409 rather than decided unseen.
    pub version: Option<i64>,
}

/// A question by its reference.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionLink {
    pub id: i64,
    pub reference: String,
    pub title: String,
}

/// One answer of a topic's question.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicAnswer {
    pub id: i64,
    #[schema(value_type = String)]
    pub binding_status: BindingStatus,
    /// The forum that gave it.
    pub forum: String,
    pub forum_name: String,
    #[schema(value_type = String)]
    pub level: Level,
    /// The region's name, for a regional group.
    pub region_name: Option<String>,
    pub answered_at: DateTime<Utc>,
    pub body: String,
    /// Whether the watch compared this answer (the others are older or newer answers).
    pub compared: bool,
}

/// A question of a topic with all its answers, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicQuestion {
    pub id: i64,
    pub reference: String,
    pub title: String,
    /// The question's status now.
    #[schema(value_type = String)]
    pub status: Status,
    pub answers: Vec<TopicAnswer>,
}

/// Two questions of the topic the watch found alike.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicPair {
    /// The case (`/api/v1/consistency-cases/{id}`).
    pub case: i64,
    pub question_a: i64,
    pub question_b: i64,
    pub score: f64,
    /// The score in words: "mycket lika", "lika" or "delvis lika".
    pub similarity: String,
    /// The shared words as the questions write them, countries and tags.
    pub reasons: Vec<String>,
    #[schema(value_type = String)]
    pub status: CaseStatus,
}

/// Where "olika — till processforum" would send the topic.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DivergenceTarget {
    /// The process forum that would be asked.
    pub forum: String,
    pub forum_name: String,
    /// An open question at the process forum already about one of the questions: the
    /// divergence joins it instead of opening another.
    pub joins: Option<QuestionLink>,
}

/// Answered questions that the watch links together, for one review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicView {
    pub id: i64,
    /// open, consistent, divergent, settled or not_comparable
    #[schema(value_type = String)]
    pub status: CaseStatus,
    /// Changes whenever the topic does (a question joins, a decision): send it back with the
    /// decision so that nothing is decided unseen.
    pub version: i64,
    /// The questions, oldest first.
    pub questions: Vec<TopicQuestion>,
    pub pairs: Vec<TopicPair>,
    /// The closest pair's similarity in words.
    pub similarity: String,
    /// A question of the topic with a binding answer in force (the latest): what a reviewer
    /// would settle the topic by.
    pub binding: Option<QuestionLink>,
    /// For an open topic read on its own: where a divergence would go.
    pub divergence: Option<DivergenceTarget>,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<PersonView>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The reviewer's reason.
    pub note: Option<String>,
    /// For divergent the question at the process forum, for settled the question whose
    /// binding answer decides.
    pub routed_question: Option<QuestionLink>,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

fn topic_not_found(id: i64) -> ServiceError {
    Missing::Topic(id).into()
}

fn link(q: &QuestionRow) -> QuestionLink {
    QuestionLink {
        id: q.id,
        reference: q.reference.clone(),
        title: q.title.clone(),
    }
}

fn is_binding_in_force(a: &AnswerRow) -> bool {
    a.binding_status == BindingStatus::Binding
}

impl Service {
    /// Topics, oldest first; for the legal department.
    pub fn consistency_topics(
        &self,
        actor: &Actor,
        q: &TopicQuery,
    ) -> ServiceResult<Paged<TopicView>> {
        Self::may_review(actor)?;
        let mut checks = Checks::default();
        let paging = checks.paging(q.page, q.per_page, TOPICS_PER_PAGE, TOPICS_PER_PAGE);
        let status = checks.code::<CaseStatus>("status", Thing::Status, q.status.as_deref());
        checks.finish()?;
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let (rows, total) = cs::list_topics(c, status, paging.offset(), paging.per_page)?;
            Ok(Paged::new(self.topic_views(c, &rows)?, total, paging))
        })
    }

    /// One topic, with where a divergence would go while it is open.
    pub fn consistency_topic(&self, actor: &Actor, id: i64) -> ServiceResult<TopicView> {
        Self::may_review(actor)?;
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| self.topic_view(c, id))
    }

    fn topic_view(&self, c: &mut DbConnection, id: i64) -> ServiceResult<TopicView> {
        let row = self.current_topic(c, id)?;
        let mut view = self
            .topic_views(c, std::slice::from_ref(&row))?
            .pop()
            .ok_or_else(|| topic_not_found(id))?;
        if view.status == CaseStatus::Open {
            view.divergence = self.divergence_target(c, &view)?;
        }
        Ok(view)
    }

    /// The topic `id`, or the one it was merged into (and that one's, …).
    fn current_topic(&self, c: &mut DbConnection, id: i64) -> ServiceResult<ConsistencyTopicRow> {
        let mut row = cs::topic(c, id)?.ok_or_else(|| topic_not_found(id))?;
        // Each merge points at an older topic, so the walk ends.
        while let Some(into) = row.merged_into {
            row = cs::topic(c, into)?
                .ok_or_else(|| StoreError::Corrupt(format!("topic merged into {into}")))?;
        }
        Ok(row)
    }

    fn divergence_target(
        &self,
        c: &mut DbConnection,
        view: &TopicView,
    ) -> ServiceResult<Option<DivergenceTarget>> {
        let Some(latest) = view.questions.last() else {
            return Ok(None);
        };
        let (Some(q), Some(a)) = (
            qs::get(c, latest.id)?,
            latest.answers.iter().rev().find(|a| a.compared),
        ) else {
            return Ok(None);
        };
        let Some(answer) = qs::answer(c, a.id)? else {
            return Ok(None);
        };
        let ids: Vec<i64> = view.questions.iter().map(|q| q.id).collect();
        // A topic whose process has no forum above cannot be routed; the decision says why.
        let route = match self.divergence_route(c, &ids, (&q, &answer)) {
            Ok(route) => route,
            Err(ServiceError::Refused(Refusal::NoForumAbove { .. })) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some(match route {
            Route::Linked(existing) => DivergenceTarget {
                forum: existing.forum.clone(),
                forum_name: self.forum_name(&existing.forum),
                joins: Some(link(&existing)),
            },
            Route::New(forum, _) => DivergenceTarget {
                forum_name: self.forum_name(&forum),
                forum,
                joins: None,
            },
        }))
    }

    /// Views of `rows`: their cases, questions, answers and reviewers read in four queries.
    fn topic_views(
        &self,
        c: &mut DbConnection,
        rows: &[ConsistencyTopicRow],
    ) -> ServiceResult<Vec<TopicView>> {
        let topic_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let cases = cs::cases_of_topics(c, &topic_ids)?;
        let mut ids: BTreeSet<i64> = cases
            .iter()
            .flat_map(|r| [r.question_a, r.question_b])
            .collect();
        let answered: Vec<i64> = ids.iter().copied().collect();
        ids.extend(rows.iter().filter_map(|r| r.routed_question));
        let ids: Vec<i64> = ids.into_iter().collect();
        let questions: HashMap<i64, QuestionRow> = qs::by_ids(c, &ids)?
            .into_iter()
            .map(|q| (q.id, q))
            .collect();
        let mut answers: HashMap<i64, Vec<AnswerRow>> = HashMap::new();
        for a in qs::answers_for(c, &answered)? {
            answers.entry(a.question_id).or_default().push(a);
        }
        let people = Self::people(c, rows.iter().map(|r| r.decided_by))?;
        rows.iter()
            .map(|r| {
                let mine: Vec<&ConsistencyCaseRow> =
                    cases.iter().filter(|x| x.topic_id == r.id).collect();
                self.assemble_topic(r, &mine, &questions, &answers, &people)
            })
            .collect()
    }

    fn assemble_topic(
        &self,
        r: &ConsistencyTopicRow,
        cases: &[&ConsistencyCaseRow],
        questions: &HashMap<i64, QuestionRow>,
        answers: &HashMap<i64, Vec<AnswerRow>>,
        people: &HashMap<i64, PersonView>,
    ) -> ServiceResult<TopicView> {
        let compared: BTreeSet<i64> = cases
            .iter()
            .flat_map(|x| [x.answer_a, x.answer_b])
            .collect();
        let ids: BTreeSet<i64> = cases
            .iter()
            .flat_map(|x| [x.question_a, x.question_b])
            .collect();
        let structure = &self.config.structure;
        let mut out = Vec::new();
        let mut binding: Option<(&AnswerRow, &QuestionRow)> = None;
        for id in &ids {
            let q = questions
                .get(id)
                .ok_or_else(|| StoreError::Corrupt(format!("case names question {id}")))?;
            let mut views = Vec::new();
            for a in answers.get(id).map(Vec::as_slice).unwrap_or_default() {
                if is_binding_in_force(a)
                    && binding.is_none_or(|(b, _)| (a.created_at, a.id) > (b.created_at, b.id))
                {
                    binding = Some((a, q));
                }
                let forum = structure.forum(&a.forum);
                views.push(TopicAnswer {
                    id: a.id,
                    binding_status: a.binding_status,
                    forum: a.forum.clone(),
                    forum_name: forum.map_or_else(|| a.forum.clone(), |f| f.name.clone()),
                    level: a.level,
                    region_name: forum
                        .and_then(|f| f.region.as_deref())
                        .and_then(|code| structure.region(code))
                        .map(|x| x.name.clone()),
                    answered_at: utc(a.created_at),
                    body: a.body.clone(),
                    compared: compared.contains(&a.id),
                });
            }
            out.push(TopicQuestion {
                id: q.id,
                reference: q.reference.clone(),
                title: q.title.clone(),
                status: q.status,
                answers: views,
            });
        }
        let pairs = cases
            .iter()
            .map(|x| {
                Ok(TopicPair {
                    case: x.id,
                    question_a: x.question_a,
                    question_b: x.question_b,
                    score: x.score,
                    similarity: consistency::in_words(x.score).to_string(),
                    reasons: store::from_json_list(&x.reasons)?,
                    status: x.status,
                })
            })
            .collect::<ServiceResult<Vec<_>>>()?;
        let best = cases.iter().map(|x| x.score).fold(0.0, f64::max);
        Ok(TopicView {
            id: r.id,
            status: r.status,
            version: r.version,
            questions: out,
            pairs,
            similarity: consistency::in_words(best).to_string(),
            binding: binding.map(|(_, q)| link(q)),
            divergence: None,
            created_at: utc(r.created_at),
            decided_by: r.decided_by.and_then(|u| people.get(&u).cloned()),
            decided_at: r.decided_at.map(utc),
            note: r.note.clone(),
            routed_question: r
                .routed_question
                .and_then(|id| questions.get(&id))
                .map(link),
        })
    }

    /// Decides an open topic once for all its questions: its open cases take the decision,
    /// every question gets an event, and the outcome is carried out (see
    /// [`Service::decide_case`]): settled supersedes every other answer of the topic that
    /// holds; divergent asks the process forum with a question naming every question of the
    /// topic, and mails the answering forums and every question's followers once each.
    pub fn decide_topic(
        &self,
        actor: &Actor,
        id: i64,
        input: &TopicDecisionInput,
    ) -> ServiceResult<TopicView> {
        let (decision, settled_by, note) = checked_decision(
            actor,
            "outcome",
            input.outcome.as_deref(),
            input.settled_by.as_deref(),
            input.note.as_deref(),
        )?;
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let topic = cs::topic(c, id)?.ok_or_else(|| topic_not_found(id))?;
            if let Some(into) = topic.merged_into {
                return Err(Refusal::TopicMerged { id, into }.into());
            }
            if topic.status != CaseStatus::Open {
                return Err(Refusal::TopicDecided {
                    id,
                    status: topic.status,
                }
                .into());
            }
            if input.version.is_some_and(|v| v != topic.version) {
                return Err(Refusal::TopicChanged { id }.into());
            }
            let cases = cs::cases_of_topics(c, &[id])?;
            let now = self.clock.now_naive();
            let routed = self.carry_out(c, actor, &cases, decision, settled_by, note, now)?;
            let status = decision.status();
            let changed = || ServiceError::from(Refusal::TopicRaced { id });
            if !cs::decide_topic(c, id, topic.version, status, actor.id, now, note, routed)? {
                return Err(changed());
            }
            for case in cases.iter().filter(|x| x.status == CaseStatus::Open) {
                if !cs::decide(
                    c,
                    case.id,
                    case.version,
                    status,
                    actor.id,
                    now,
                    note,
                    routed,
                )? {
                    return Err(changed());
                }
            }
            let mut questions: Vec<i64> = cases
                .iter()
                .flat_map(|x| [x.question_a, x.question_b])
                .collect();
            questions.sort_unstable();
            questions.dedup();
            let data = json!({"topic": id, "decision": status, "routed_question": routed});
            self.record_decision(c, actor, &questions, &data, note, now)?;
            self.topic_view(c, id)
        })
    }
}
