//! The work lists people start on: "Att göra" (what waits at their forums and for them) and,
//! for the legal department, the questions in the whole structure that are late or at risk.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::questions::utc;
use super::views::QuestionView;
use super::{Actor, Service, ServiceError, ServiceResult};
use crate::domain::catalogue::{FieldProblem, Hint, Refusal, Thing};
use crate::domain::paging::Paging;
use crate::domain::question::{Priority, Status};
use crate::domain::queue::QueueRank;
use crate::domain::sla::SlaState;
use crate::domain::Code;
use crate::store::{self, questions as qs, DbConnection};

/// Questions on one page of a work list.
pub const WORK_PER_PAGE: i64 = 50;

/// Why a question is on someone's work list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkReason {
    /// Their own question: the forum asked them for more information.
    AwaitingYourInfo,
    /// Held by them at one of their forums.
    AssignedToYou,
    /// Waiting at one of their forums.
    AtYourForum,
    /// Late or at risk somewhere in the structure (the legal department's list).
    LateInStructure,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkItem {
    #[serde(flatten)]
    pub question: QuestionView,
    pub reason: WorkReason,
    /// Whether the viewer may take the question from the list.
    pub may_claim: bool,
}

/// One page of a work list, with the counts of the whole list.
#[derive(Debug, Clone, Serialize)]
pub struct WorkList {
    pub items: Vec<WorkItem>,
    pub total: i64,
    pub overdue: i64,
    pub at_risk: i64,
    /// Assigned to the viewer, or their own questions waiting for their reply.
    pub for_you: i64,
    pub page: i64,
    pub per_page: i64,
    pub pages: i64,
    /// The navigation's counts, read in the same transaction (the page needs no second read).
    pub counts: WorkCounts,
}

/// The counts the navigation shows beside the work lists.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct WorkCounts {
    /// Everything on the viewer's "Att göra".
    pub todo: i64,
    /// Overdue in the whole structure, for those who oversee it.
    pub late: Option<i64>,
}

fn pending() -> Vec<Status> {
    Status::ALL
        .iter()
        .copied()
        .filter(|s| s.is_pending())
        .collect()
}

impl Service {
    /// What waits for the actor: every waiting question at the forums they belong to, and
    /// their own questions waiting for more information from them, in working order.
    pub fn work_list(&self, actor: &Actor, page: i64) -> ServiceResult<WorkList> {
        let paging = super::pages::page_of(page, WORK_PER_PAGE)?;
        let now = self.clock.now();
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let ranked = self.ranked_work(c, actor, now)?;
            let counts = WorkCounts {
                todo: ranked.len() as i64,
                late: self.late_count(c, actor, now)?,
            };
            let list = self.work_page(c, actor, ranked, paging, now, |w| {
                if w.asker_id == Some(actor.id) && w.status == Status::AwaitingInfo {
                    WorkReason::AwaitingYourInfo
                } else if w.assignee_id == Some(actor.id) {
                    WorkReason::AssignedToYou
                } else {
                    WorkReason::AtYourForum
                }
            })?;
            Ok(WorkList { counts, ..list })
        })
    }

    /// Every waiting question in the structure that is overdue or at risk now, in working
    /// order; for the legal department and administrators.
    /// With `forum`, only the questions waiting there.
    pub fn late_list(
        &self,
        actor: &Actor,
        page: i64,
        forum: Option<&str>,
    ) -> ServiceResult<WorkList> {
        if !actor.may_oversee() {
            return Err(Refusal::LateListLegalOnly.into());
        }
        let paging = super::pages::page_of(page, WORK_PER_PAGE)?;
        if let Some(f) = forum.filter(|f| self.config.structure.forum(f).is_none()) {
            return Err(ServiceError::invalid(
                "forum",
                FieldProblem::Unknown {
                    thing: Thing::Forum,
                    value: f.into(),
                    hint: Hint::SeeApi("/api/v1/forums"),
                },
            ));
        }
        let now = self.clock.now();
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let mut ranked = self.ranked_late(c, actor, now)?;
            let counts = WorkCounts {
                todo: self.ranked_work(c, actor, now)?.len() as i64,
                late: Some(ranked.iter().filter(|(r, _)| r.is_overdue()).count() as i64),
            };
            if let Some(f) = forum {
                ranked.retain(|(_, w)| w.forum == f);
            }
            let list = self.work_page(c, actor, ranked, paging, now, |_| {
                WorkReason::LateInStructure
            })?;
            Ok(WorkList { counts, ..list })
        })
    }

    /// The overdue questions of the whole structure in working order, at most `limit` (the
    /// downloads' list); for the legal department and administrators.
    pub fn overdue_questions(&self, actor: &Actor, limit: i64) -> ServiceResult<Vec<WorkItem>> {
        if !actor.may_oversee() {
            return Err(Refusal::LateListLegalOnly.into());
        }
        let now = self.clock.now();
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let mut ranked = self.ranked_late(c, actor, now)?;
            ranked.retain(|(r, _)| r.is_overdue());
            let all = Paging {
                page: 1,
                per_page: limit.max(1),
            };
            let list =
                self.work_page(c, actor, ranked, all, now, |_| WorkReason::LateInStructure)?;
            Ok(list.items)
        })
    }

    /// The navigation's counts: the length of the actor's "Att göra", and for those who
    /// oversee the structure the number of overdue questions in it.
    pub fn work_counts(&self, actor: &Actor) -> ServiceResult<WorkCounts> {
        let now = self.clock.now();
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            Ok(WorkCounts {
                todo: self.ranked_work(c, actor, now)?.len() as i64,
                late: self.late_count(c, actor, now)?,
            })
        })
    }

    /// The number of overdue questions in the structure, for those who oversee it.
    fn late_count(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> ServiceResult<Option<i64>> {
        if !actor.may_oversee() {
            return Ok(None);
        }
        let ranked = self.ranked_late(c, actor, now)?;
        Ok(Some(
            ranked.iter().filter(|(r, _)| r.is_overdue()).count() as i64
        ))
    }

    fn ranked_work(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> ServiceResult<Vec<(QueueRank, qs::Waiting)>> {
        let mut waiting = Vec::new();
        if !actor.memberships.is_empty() {
            let at_forums = qs::ListFilter {
                forums: Some(actor.memberships.iter().cloned().collect()),
                statuses: Some(pending()),
                ..Default::default()
            };
            waiting.extend(qs::waiting(c, &at_forums, None)?);
        }
        let asked_of_me = qs::ListFilter {
            asker_id: Some(actor.id),
            statuses: Some(vec![Status::AwaitingInfo]),
            ..Default::default()
        };
        for w in qs::waiting(c, &asked_of_me, None)? {
            if !waiting.iter().any(|x| x.id == w.id) {
                waiting.push(w);
            }
        }
        self.rank(c, actor, waiting, now, |_| true)
    }

    fn ranked_late(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> ServiceResult<Vec<(QueueRank, qs::Waiting)>> {
        let all = qs::ListFilter {
            statuses: Some(pending()),
            ..Default::default()
        };
        let cutoffs = self.late_cutoffs(now, self.config.sla.at_risk_share);
        let candidates = qs::waiting(c, &all, Some(&cutoffs))?;
        self.rank(c, actor, candidates, now, |r| {
            r.is_overdue() || r.is_at_risk()
        })
    }

    /// `waiting` ranked in working order for `actor`, keeping those `keep` accepts.
    pub(super) fn rank(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        waiting: Vec<qs::Waiting>,
        now: DateTime<Utc>,
        keep: impl Fn(&QueueRank) -> bool,
    ) -> ServiceResult<Vec<(QueueRank, qs::Waiting)>> {
        let states: std::collections::HashMap<i64, SlaState> =
            self.waiting_states(c, &waiting, now)?;
        let mut ranked: Vec<(QueueRank, qs::Waiting)> = waiting
            .into_iter()
            .map(|w| {
                let for_you = w.assignee_id == Some(actor.id)
                    || (w.asker_id == Some(actor.id) && w.status == Status::AwaitingInfo);
                let rank = QueueRank::new(
                    w.id,
                    w.priority == Priority::Urgent,
                    utc(w.created_at),
                    states.get(&w.id).copied(),
                )
                .for_you(for_you);
                (rank, w)
            })
            .filter(|(r, _)| keep(r))
            .collect();
        ranked.sort_unstable_by_key(|(r, _)| *r);
        Ok(ranked)
    }

    fn work_page(
        &self,
        c: &mut DbConnection,
        actor: &Actor,
        ranked: Vec<(QueueRank, qs::Waiting)>,
        paging: Paging,
        now: DateTime<Utc>,
        reason: impl Fn(&qs::Waiting) -> WorkReason,
    ) -> ServiceResult<WorkList> {
        let total = ranked.len() as i64;
        let slice = &ranked[paging.slice_of(ranked.len())];
        let ids: Vec<i64> = slice.iter().map(|(r, _)| r.id()).collect();
        let rows = qs::by_ids_in_order(c, &ids)?;
        let by_id: BTreeMap<i64, &qs::Waiting> = slice.iter().map(|(_, w)| (w.id, w)).collect();
        let items = self
            .list_views(c, &rows, now)?
            .into_iter()
            .filter_map(|question| {
                let w = by_id.get(&question.id)?;
                Some(WorkItem {
                    reason: reason(w),
                    may_claim: question.status == Status::Open
                        && self.may_claim_at(actor, &w.forum),
                    question,
                })
            })
            .collect();
        Ok(WorkList {
            items,
            total,
            overdue: ranked.iter().filter(|(r, _)| r.is_overdue()).count() as i64,
            at_risk: ranked.iter().filter(|(r, _)| r.is_at_risk()).count() as i64,
            for_you: ranked.iter().filter(|(r, _)| r.is_for_you()).count() as i64,
            page: paging.page,
            per_page: paging.per_page,
            pages: paging.pages(total),
            counts: WorkCounts::default(),
        })
    }
}
