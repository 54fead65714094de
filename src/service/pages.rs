//! Read models the web pages need beyond the JSON API: what the actor may do to a question now,
//! forum queues in working order, temporary support due for review, users and failed mail,
//! each list a page at a time.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use chrono_tz::Europe::Stockholm;
use serde::Serialize;

use super::users::{UserChange, UserSummary};
use super::validate::Checks;
use super::views::*;
use super::{Actor, Service, ServiceError, ServiceResult};
use crate::domain::answer::{self, BindingStatus};
use crate::domain::catalogue::{FieldProblem, Hint, Refusal, Thing};
use crate::domain::paging::Paging;
use crate::domain::question::{decide, Action, StateFacts, Status};
use crate::domain::question::{EventKind, StageOutcome};
use crate::domain::queue::QueueRank;
use crate::domain::sla::RollupKind;
use crate::domain::structure::EscalationTarget;
use crate::domain::Code;
use crate::store::reports::{self as rs, GroupBy};
use crate::store::{self, questions as qs, users as us};

/// Questions on one page of a forum's queue.
pub const QUEUE_PER_PAGE: i64 = 50;
/// Rows on one page of the other lists of the pages (reviews, users, failed mail).
pub const LIST_PER_PAGE: i64 = 50;
/// Users on one page of the administrator's list: a longer page, it is scanned by eye.
pub const USERS_PER_PAGE: i64 = 100;

/// What the actor may do to one question now; the service still checks every step.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PermittedActions {
    /// Lifecycle actions (claim, assign, request_info, …) the actor may take now.
    pub may: Vec<Action>,
    /// Where an escalation may go; several means the actor chooses.
    pub escalate_to: Vec<ForumRef>,
    /// Binding statuses the question's current level may issue when it answers.
    pub issuable: Vec<String>,
    /// Members of the current forum, for assigning.
    pub members: Vec<PersonView>,
    /// Per answer id: the binding statuses the actor may change it to.
    pub binding_changes: BTreeMap<i64, Vec<String>>,
    /// Whether the actor asked the question.
    pub is_asker: bool,
    /// The actions that take a required reason (the rest take an optional comment).
    pub notes_required: Vec<String>,
}

/// The question page: the question with its history, and what the actor may do.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionPageView {
    #[serde(flatten)]
    pub detail: QuestionDetail,
    pub permitted: PermittedActions,
    /// For an actor who may answer: answers in force to similar questions.
    pub earlier_answers: Vec<super::search::EarlierAnswer>,
    /// What the forum asked of the asker and what they replied, oldest first: the events that
    /// carry a request for more information or its answer.
    pub info_thread: Vec<EventView>,
    /// For a duplicate: the question it duplicates, where its answer is.
    pub original: Option<Original>,
}

/// The question a duplicate points to, and how its latest answer stands.
#[derive(Debug, Clone, Serialize)]
pub struct Original {
    pub id: i64,
    pub reference: String,
    pub title: String,
    /// The binding status of its latest answer; None while it has none.
    pub answer: Option<BindingStatus>,
}

/// One month of the SLA report, summed over levels, for the trend chart.
#[derive(Debug, Clone, Serialize)]
pub struct MonthTrend {
    /// YYYY-MM
    pub month: String,
    pub received: i64,
    pub answered: i64,
    pub escalated: i64,
}

/// A temporary answer whose review date has come or is near.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewDue {
    pub answer_id: i64,
    pub question_id: i64,
    pub reference: String,
    pub title: String,
    pub forum_name: String,
    pub review_date: String,
    /// Days until the review date; negative once it has passed.
    pub days_left: i64,
}

/// One page of a forum's queue, with the counts of the whole queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueuePage {
    pub forum: ForumRef,
    pub items: Vec<QuestionView>,
    /// Questions waiting at the forum, on every page.
    pub total: i64,
    /// Of them, overdue and at risk now.
    pub overdue: i64,
    pub at_risk: i64,
    pub page: i64,
    pub per_page: i64,
    pub pages: i64,
}

/// Page `page` of a list shown `per_page` rows at a time; 422 naming `page` when it is not
/// a page number.
pub(super) fn page_of(page: i64, per_page: i64) -> ServiceResult<Paging> {
    let mut checks = Checks::default();
    let paging = checks.paging(Some(page), None, per_page, per_page);
    checks.finish()?;
    Ok(paging)
}

impl Service {
    /// A question with answers, events and stages, and the actions open to the actor now.
    pub fn question_page(&self, actor: &Actor, id: i64) -> ServiceResult<QuestionPageView> {
        let detail = self.question(actor, id)?;
        let permitted = self.permitted(actor, &detail)?;
        let earlier_answers = if permitted.may.contains(&Action::Answer) {
            self.earlier_answers(&detail.question)?
        } else {
            Vec::new()
        };
        let info_thread = detail
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::InfoRequested | EventKind::InfoProvided))
            .cloned()
            .collect();
        let original = match detail.question.duplicate_of {
            Some(of) => self.original(of)?,
            None => None,
        };
        Ok(QuestionPageView {
            detail,
            permitted,
            earlier_answers,
            info_thread,
            original,
        })
    }

    fn original(&self, id: i64) -> ServiceResult<Option<Original>> {
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| -> ServiceResult<Option<Original>> {
            let Some(q) = qs::get(c, id)? else {
                return Ok(None);
            };
            let latest = qs::answers_of(c, id)?
                .into_iter()
                .max_by_key(|a| (a.created_at, a.id));
            Ok(Some(Original {
                id: q.id,
                reference: q.reference,
                title: q.title,
                answer: latest.map(|a| a.binding_status),
            }))
        })
    }

    fn permitted(&self, actor: &Actor, d: &QuestionDetail) -> ServiceResult<PermittedActions> {
        let q = &d.question;
        let status = q.status;
        let latest = d.answers.last();
        let rel = actor.relation_to(q.asker_id, &q.forum.code, latest.map(|a| a.forum.as_str()));
        let facts = StateFacts {
            current_answer_temporary: latest
                .is_some_and(|a| a.binding_status == BindingStatus::Temporary),
        };
        let mut out = PermittedActions {
            is_asker: rel.is_asker,
            notes_required: Action::ALL
                .iter()
                .filter(|a| a.needs_note())
                .map(|a| a.as_str().to_string())
                .collect(),
            ..Default::default()
        };
        let structure = &self.config.structure;
        for &action in Action::ALL {
            if decide(action, status, &rel, &facts).is_err() {
                continue;
            }
            if action == Action::Escalate {
                out.escalate_to = match structure.escalation_target(&q.forum.code, &q.process) {
                    EscalationTarget::Top => continue,
                    EscalationTarget::One(f) => vec![forum_ref(f)],
                    EscalationTarget::Choice(fs) => fs.into_iter().map(forum_ref).collect(),
                };
            }
            out.may.push(action);
        }
        let level = Some(q.level);
        if let Some(level) = level {
            out.issuable = self
                .config
                .issue_rules
                .allowed(level)
                .iter()
                .map(|b| b.as_str().to_string())
                .collect();
        }
        if out.may.contains(&Action::Assign) {
            let mut conn = self.conn()?;
            out.members = us::members_of(&mut conn, &q.forum.code)?
                .into_iter()
                .map(|u| PersonView {
                    email: u.email,
                    name: u.name,
                })
                .collect();
        }
        for a in &d.answers {
            let from = a.binding_status;
            let path = answer::path_of(
                (a.forum.as_str(), Some(a.level)),
                a.stage_seq.unwrap_or(0),
                d.stages
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
                continue;
            }
            let later_exists = d.answers.iter().any(|b| b.id > a.id);
            let options: Vec<String> = [
                BindingStatus::Binding,
                BindingStatus::Superseded,
                BindingStatus::Withdrawn,
            ]
            .into_iter()
            .filter(|&to| answer::check_change(from, to).is_ok())
            .filter(|&to| to != BindingStatus::Superseded || later_exists)
            .filter(|&to| to != BindingStatus::Binding || rights.may_make_binding)
            .map(|b| b.as_str().to_string())
            .collect();
            if !options.is_empty() {
                out.binding_changes.insert(a.id, options);
            }
        }
        Ok(out)
    }

    /// One page of the questions waiting at a forum: overdue first, then at risk, urgent
    /// before normal, then the longest waiting, ties by id (`QueueRank`). Every signed-in user
    /// may read every queue, as every question.
    ///
    /// The order depends on each question's SLA state now, which is computed, not stored: the
    /// whole queue is ranked from light rows (id, priority, times, the current stage and its
    /// pauses), and only the page's questions are read whole. The counts come from the same
    /// pass, so the heading agrees with the rows at the same instant.
    pub fn queue(&self, actor: &Actor, forum: &str, page: i64) -> ServiceResult<QueuePage> {
        let mut checks = Checks::default();
        let paging = checks.paging(Some(page), None, QUEUE_PER_PAGE, QUEUE_PER_PAGE);
        let unknown = || FieldProblem::Unknown {
            thing: Thing::Forum,
            value: forum.into(),
            hint: Hint::None,
        };
        let f = self.config.structure.forum(forum);
        if f.is_none() {
            checks.fail("forum", unknown());
        }
        checks.finish()?;
        let f = f.ok_or_else(|| ServiceError::invalid("forum", unknown()))?;
        let filter = qs::ListFilter {
            forums: Some(vec![forum.to_string()]),
            statuses: Some(
                Status::ALL
                    .iter()
                    .copied()
                    .filter(|s| s.is_pending())
                    .collect(),
            ),
            ..Default::default()
        };
        let now = self.clock.now();
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let waiting = qs::waiting(c, &filter, None)?;
            let ranks: Vec<QueueRank> = self
                .rank(c, actor, waiting, now, |_| true)?
                .into_iter()
                .map(|(r, _)| r)
                .collect();
            let ids: Vec<i64> = ranks[paging.slice_of(ranks.len())]
                .iter()
                .map(QueueRank::id)
                .collect();
            let rows = qs::by_ids_in_order(c, &ids)?;
            let total = ranks.len() as i64;
            Ok(QueuePage {
                forum: forum_ref(f),
                items: self.list_views(c, &rows, now)?,
                total,
                overdue: ranks.iter().filter(|r| r.is_overdue()).count() as i64,
                at_risk: ranks.iter().filter(|r| r.is_at_risk()).count() as i64,
                page: paging.page,
                per_page: paging.per_page,
                pages: paging.pages(total),
            })
        })
    }

    /// Whether the actor may claim the open questions waiting at `forum` (the queue's button).
    pub fn may_claim_at(&self, actor: &Actor, forum: &str) -> bool {
        let rel = actor.relation_to(None, forum, None);
        decide(Action::Claim, Status::Open, &rel, &StateFacts::default()).is_ok()
    }

    /// One page of the temporary answers whose review date is within `within_days` days or has
    /// passed, soonest first.
    pub fn reviews_due(
        &self,
        actor: &Actor,
        within_days: i64,
        page: i64,
    ) -> ServiceResult<Paged<ReviewDue>> {
        if !actor.may_oversee() {
            return Err(Refusal::ReviewListLegalOnly.into());
        }
        let paging = page_of(page, LIST_PER_PAGE)?;
        let today = self.clock.now().with_timezone(&Stockholm).date_naive();
        let until = (today + Duration::days(within_days.clamp(0, 3650)))
            .format("%Y-%m-%d")
            .to_string();
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let (answers, total) =
                qs::temporary_answers_due(c, &until, paging.offset(), paging.per_page)?;
            let ids: Vec<i64> = answers.iter().map(|a| a.question_id).collect();
            let questions: BTreeMap<i64, _> = qs::by_ids(c, &ids)?
                .into_iter()
                .map(|q| (q.id, q))
                .collect();
            let items = answers
                .into_iter()
                .filter_map(|a| {
                    let q = questions.get(&a.question_id)?;
                    let date = a.review_date.clone()?;
                    let days_left = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                        .map(|d| (d - today).num_days())
                        .unwrap_or(0);
                    Some(ReviewDue {
                        answer_id: a.id,
                        question_id: q.id,
                        reference: q.reference.clone(),
                        title: q.title.clone(),
                        forum_name: self
                            .config
                            .structure
                            .forum(&a.forum)
                            .map_or_else(|| a.forum.clone(), |f| f.name.clone()),
                        review_date: date,
                        days_left,
                    })
                })
                .collect();
            Ok(Paged::new(items, total, paging))
        })
    }

    /// Stages received, answered and escalated per calendar month, the last `months` months up
    /// to today (Europe/Stockholm).
    ///
    /// The whole months come from the level rollups in one query and the current month from
    /// its stages, the same counts as the SLA report of each month. The report's open and
    /// overdue columns, which need every open stage, are not computed: the chart does not
    /// show them (it did, twelve times over, when each month was a whole report).
    pub fn sla_trend(&self, actor: &Actor, months: u32) -> ServiceResult<Vec<MonthTrend>> {
        use chrono::Datelike;
        Self::require_reports(actor)?;
        let today = self.clock.now().with_timezone(&Stockholm).date_naive();
        let month_start = |back: u32| {
            let total = today.year() * 12 + today.month0() as i32 - back as i32;
            NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
        };
        let firsts: Vec<NaiveDate> = (0..months.clamp(1, 36))
            .rev()
            .filter_map(month_start)
            .collect();
        let (Some(&oldest), Some(&current)) = (firsts.first(), firsts.last()) else {
            return Ok(Vec::new());
        };
        let name = |d: NaiveDate| d.format("%Y-%m").to_string();
        let stockholm_start = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(Stockholm).earliest())
                .map(|t| t.naive_utc())
        };
        let (Some(current_start), Some(tomorrow_start)) = (
            stockholm_start(current),
            today.succ_opt().and_then(stockholm_start),
        ) else {
            return Err(ServiceError::invalid("months", FieldProblem::OutOfRange));
        };
        let mut conn = self.conn()?;
        let mut out: Vec<MonthTrend> = firsts
            .iter()
            .map(|&d| MonthTrend {
                month: name(d),
                received: 0,
                answered: 0,
                escalated: 0,
            })
            .collect();
        store::read_tx(&mut conn, |c| -> ServiceResult<()> {
            let mut add = |month: &str, kind: RollupKind, n: i64| {
                if let Some(m) = out.iter_mut().find(|m| m.month == month) {
                    match kind {
                        RollupKind::Received => m.received += n,
                        RollupKind::Answered => m.answered += n,
                        RollupKind::Escalated => m.escalated += n,
                    }
                }
            };
            if oldest < current {
                let last_whole = firsts
                    .get(firsts.len().saturating_sub(2))
                    .copied()
                    .unwrap_or(oldest);
                for r in
                    rs::rollup_kinds_by_month(c, GroupBy::Level, &name(oldest), &name(last_whole))?
                {
                    add(&r.month, r.kind, r.n);
                }
            }
            let this = name(current);
            for r in rs::received(c, GroupBy::Level, current_start, tomorrow_start)? {
                add(&this, RollupKind::Received, r.n);
            }
            for e in rs::ended(c, GroupBy::Level, current_start, tomorrow_start)? {
                match e.outcome {
                    StageOutcome::Answered => add(&this, RollupKind::Answered, e.n),
                    StageOutcome::Escalated => add(&this, RollupKind::Escalated, e.n),
                    StageOutcome::Withdrawn | StageOutcome::Duplicate => {}
                }
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// One page of the users, by name, with role and memberships, for administrators.
    /// One page of the people by name; with `query`, only those whose name or address holds
    /// it (any case).
    pub fn users_overview(
        &self,
        actor: &Actor,
        page: i64,
        query: &str,
    ) -> ServiceResult<Paged<UserSummary>> {
        if !actor.may_administer() {
            return Err(super::access::not_admin());
        }
        let paging = page_of(page, USERS_PER_PAGE)?;
        let query = query.trim().to_lowercase();
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let (users, total) = if query.is_empty() {
                us::page_by_name(c, paging.offset(), paging.per_page)?
            } else {
                // Matched here, not in SQL: SQLite lowers ASCII letters only, and "åk" must
                // find "Åkesson". Names and addresses of every person are a small read.
                let found: Vec<i64> = us::names(c)?
                    .into_iter()
                    .filter(|(_, name, email)| {
                        name.to_lowercase().contains(&query) || email.contains(&query)
                    })
                    .map(|(id, _, _)| id)
                    .collect();
                let ids = &found[paging.slice_of(found.len())];
                let mut rows = us::by_ids(c, ids)?;
                rows.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
                (rows, found.len() as i64)
            };
            let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
            let mut memberships: BTreeMap<i64, Vec<String>> = BTreeMap::new();
            for (user, forum) in us::memberships_of(c, &ids)? {
                memberships.entry(user).or_default().push(forum);
            }
            let items = users
                .into_iter()
                .map(|u| UserSummary {
                    memberships: memberships.remove(&u.id).unwrap_or_default(),
                    disabled: u.disabled_at.is_some(),
                    id: u.id,
                    email: u.email,
                    name: u.name,
                    unit: u.unit,
                    role: u.role,
                })
                .collect();
            Ok(Paged::new(items, total, paging))
        })
    }

    /// An administrator adds or removes a forum membership (audited like `user set`); says
    /// whether anything changed (adding a membership the person has changes nothing).
    pub fn change_membership(
        &self,
        actor: &Actor,
        email: &str,
        forum: &str,
        member: bool,
    ) -> ServiceResult<(UserSummary, bool)> {
        if !actor.may_administer() {
            return Err(super::access::not_admin());
        }
        let forum = forum.trim().to_string();
        // The page takes the address as typed (a list of every user would grow without
        // bound), so an unknown one is a mistake in that field, not a missing page.
        if email.trim().is_empty() {
            return Err(ServiceError::invalid("email", FieldProblem::Required));
        }
        let change = if member {
            UserChange {
                add_member: vec![forum],
                ..Default::default()
            }
        } else {
            UserChange {
                remove_member: vec![forum],
                ..Default::default()
            }
        };
        match self.change_user(actor, email, &change) {
            Ok((after, changed)) => Ok((after, !changed.is_empty())),
            Err(ServiceError::NotFound(crate::domain::catalogue::Missing::UserEmail(_))) => {
                Err(ServiceError::invalid("email", FieldProblem::UnknownEmail))
            }
            Err(e) => Err(e),
        }
    }
}

fn forum_ref(f: &crate::domain::structure::Forum) -> ForumRef {
    ForumRef {
        code: f.code.clone(),
        name: f.name.clone(),
        level: f.level,
    }
}
