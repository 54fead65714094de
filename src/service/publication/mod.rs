//! Publication: the register of answers in force, country pages, feeds and saved searches, and
//! who hears when an answer stops holding (lineage).

mod feeds;
mod lineage;
mod references;
mod saved;

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::Stockholm;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use feeds::{Feed, FeedEntry, FeedKind, FeedTokenView};
pub use lineage::Lapse;
pub use saved::{SavedFilters, SavedSearchInput, SavedSearchView};

use super::search::SearchQuery;
use super::validate::Checks;
use super::{Actor, Service, ServiceError, ServiceResult};
use crate::domain::answer::BindingStatus;
use crate::domain::catalogue::{FieldProblem, Hint, Missing, Thing};
use crate::domain::countries;
use crate::domain::paging::Paging;
use crate::domain::question::reference_in;
use crate::domain::register::{review_overdue, standing_sv, InForce};
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::store::models::{AnswerRow, QuestionRow};
use crate::store::publication::{self as pb, AnswerFilter};
use crate::store::{self, DbConnection};

/// How far ahead the country page lists temporary support due for review.
const REVIEW_AHEAD_DAYS: i64 = 30;
/// How many answers and open questions a country page shows of each kind.
const COUNTRY_LIST: i64 = 50;

/// A reference of an answer: free text (a Country Guidance section, a Lifos report, a legal
/// position), or another question in eskalera, linked.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReferenceView {
    pub text: String,
    /// The question a `PS-…` reference names; its current answer is meant.
    pub question_id: Option<i64>,
    /// That question's title.
    pub title: Option<String>,
}

/// One answer in a register, a country page or a feed, with its question.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterEntry {
    pub answer_id: i64,
    pub question_id: i64,
    pub reference: String,
    pub title: String,
    pub process: String,
    pub category: Option<String>,
    /// The category's name, or "Övrigt".
    pub category_name: String,
    pub forum: String,
    pub forum_name: String,
    #[schema(value_type = String)]
    pub level: Level,
    /// guidance, temporary, binding, superseded or withdrawn
    #[schema(value_type = String)]
    pub binding_status: BindingStatus,
    /// The status as the reader should take it, in Swedish ("omprövning försenad" included).
    pub standing: String,
    pub review_date: Option<NaiveDate>,
    /// Temporary support whose review date has passed.
    pub review_overdue: bool,
    pub answer: String,
    pub references: Vec<ReferenceView>,
    pub countries: Vec<String>,
    pub tags: Vec<String>,
    pub answered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `GET /api/v1/register`: which answers of a process to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    /// The process (required), e.g. asyl_forstagang.
    pub process: Option<String>,
    /// Only answers given at this level (its guidance included).
    pub level: Option<String>,
    /// Only answers of this forum.
    pub forum: Option<String>,
    /// Only answers of this status; superseded and withdrawn ones are reached this way.
    pub binding_status: Option<String>,
    /// Only questions with this tag.
    pub tag: Option<String>,
    pub page: Option<i64>,
    /// 1 to 100, default 50.
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterPage {
    pub process: String,
    pub process_name: String,
    /// True when no level or status filter is set: the answers in force by the agency's rule
    /// (binding and temporary at every level, guidance from `guidance_from_level` up).
    pub in_force: bool,
    #[schema(value_type = String)]
    pub guidance_from_level: Level,
    pub items: Vec<RegisterEntry>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub pages: i64,
}

/// A question about a country that still waits in the structure.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PendingQuestion {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub status: String,
    pub status_label: String,
    pub forum: String,
    pub forum_name: String,
    pub level_label: String,
    pub asked_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountryPage {
    /// ISO 3166-1 alpha-2.
    pub code: String,
    /// The Swedish name.
    pub name: String,
    /// Answers in force about the country, newest first (at most 50).
    pub answers: Vec<RegisterEntry>,
    pub answers_total: i64,
    /// Questions about it that wait in the structure, oldest first (at most 50).
    pub pending: Vec<PendingQuestion>,
    pub pending_total: i64,
    /// Temporary support about it whose review date has passed or comes within 30 days.
    pub review_due: Vec<RegisterEntry>,
    /// What the answers in force cite: Country Guidance, Lifos reports, legal positions,
    /// other answers.
    pub references: Vec<ReferenceView>,
}

impl Service {
    /// Today in Stockholm: the date review dates are read against.
    pub(in crate::service) fn today(&self) -> NaiveDate {
        self.clock.now().with_timezone(&Stockholm).date_naive()
    }

    fn in_force(&self) -> InForce {
        InForce {
            guidance_from: self.config.register.guidance_from_level,
        }
    }

    /// The entries of `rows`, their `PS-…` references resolved to questions.
    fn entries(
        &self,
        c: &mut DbConnection,
        rows: &[(AnswerRow, QuestionRow)],
    ) -> ServiceResult<Vec<RegisterEntry>> {
        let today = self.today();
        let refs: Vec<Vec<String>> = rows
            .iter()
            .map(|(a, _)| store::from_json_list(&a.refs))
            .collect::<Result<_, _>>()?;
        // Every `PS-…` reference of the page in one query, not one per reference.
        let named: Vec<String> = refs
            .iter()
            .flatten()
            .filter_map(|r| reference_in(r))
            .collect();
        let cited: HashMap<String, (i64, String)> = pb::questions_named(c, &named)?
            .into_iter()
            .map(|(reference, id, title)| (reference, (id, title)))
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for ((a, q), refs) in rows.iter().zip(refs) {
            let review_date = a
                .review_date
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            let overdue = review_overdue(a.binding_status, review_date, today);
            let category_name = q
                .category
                .as_deref()
                .and_then(|code| self.config.structure.category(code))
                .map_or_else(|| "Övrigt".to_string(), |n| n.name.clone());
            out.push(RegisterEntry {
                answer_id: a.id,
                question_id: q.id,
                reference: q.reference.clone(),
                title: q.title.clone(),
                process: q.process.clone(),
                category: q.category.clone(),
                category_name,
                forum: a.forum.clone(),
                forum_name: self.forum_name(&a.forum),
                level: a.level,
                binding_status: a.binding_status,
                standing: standing_sv(a.binding_status, overdue).into(),
                review_date,
                review_overdue: overdue,
                answer: a.body.clone(),
                references: refs
                    .into_iter()
                    .map(|text| {
                        let question = reference_in(&text).and_then(|r| cited.get(&r));
                        ReferenceView {
                            question_id: question.map(|(id, _)| *id),
                            title: question.map(|(_, title)| title.clone()),
                            text,
                        }
                    })
                    .collect(),
                countries: store::from_json_list(&q.countries)?,
                tags: store::from_json_list(&q.tags)?,
                answered_at: a.created_at.and_utc(),
                updated_at: a.updated_at.and_utc(),
            });
        }
        Ok(out)
    }

    /// The checked filters of a register query, as the store reads them.
    fn register_filter(&self, q: &RegisterQuery) -> ServiceResult<(AnswerFilter, Paging)> {
        let mut checks = Checks::default();
        let process = q.process.as_deref().map(str::trim).unwrap_or("");
        if process.is_empty() {
            checks.fail(
                "process",
                FieldProblem::Unknown {
                    thing: Thing::Process,
                    value: String::new(),
                    hint: Hint::SeeApi("/api/v1/processes"),
                },
            );
        }
        let f = self.search_filters(
            &SearchQuery {
                process: Some(process.to_string()).filter(|p| !p.is_empty()),
                level: q.level.clone(),
                forum: q.forum.clone(),
                binding_status: q.binding_status.clone(),
                tag: q.tag.clone(),
                ..SearchQuery::default()
            },
            &mut checks,
        );
        let paging = checks.paging(q.page, q.per_page, 50, 100);
        checks.finish()?;
        Ok((
            AnswerFilter {
                process: f.process,
                forum: f.forum,
                tag: f.tag,
                level: f.level.as_deref().and_then(Level::parse),
                binding_status: f.binding_status.as_deref().and_then(BindingStatus::parse),
                guidance_levels: self.in_force().guidance_levels(),
                ..AnswerFilter::default()
            },
            paging,
        ))
    }

    /// The register of a process: the answers in force, grouped by category and newest first;
    /// with filters, any level's guidance or the superseded and withdrawn ones. Every
    /// signed-in person (and feed token) may read it.
    pub fn register(&self, _actor: &Actor, q: &RegisterQuery) -> ServiceResult<RegisterPage> {
        let (filter, paging) = self.register_filter(q)?;
        let process = filter.process.clone().unwrap_or_default();
        let mut c = self.conn()?;
        let (rows, total) = pb::register(&mut c, &filter, paging.offset(), paging.per_page)?;
        let items = self.entries(&mut c, &rows)?;
        Ok(RegisterPage {
            process_name: self
                .config
                .structure
                .process(&process)
                .map_or_else(|| process.clone(), |p| p.name.clone()),
            process,
            in_force: filter.level.is_none() && filter.binding_status.is_none(),
            guidance_from_level: self.config.register.guidance_from_level,
            items,
            total,
            page: paging.page,
            per_page: paging.per_page,
            pages: paging.pages(total),
        })
    }

    /// The country a page is about, from its code or name; 404 for anything else.
    pub fn country_code(&self, typed: &str) -> ServiceResult<&'static str> {
        countries::code_of(typed).ok_or_else(|| {
            ServiceError::NotFound(Missing::Country(typed.chars().take(60).collect()))
        })
    }

    /// What a decision-maker keeps open while deciding a case from one country.
    pub fn country(&self, _actor: &Actor, typed: &str) -> ServiceResult<CountryPage> {
        let code = self.country_code(typed)?;
        let today = self.today();
        let in_force = AnswerFilter {
            country: Some(code.to_string()),
            guidance_levels: self.in_force().guidance_levels(),
            ..AnswerFilter::default()
        };
        let mut c = self.conn()?;
        let answers_total = pb::count(&mut c, &in_force)?;
        let answers = pb::newest(&mut c, &in_force, COUNTRY_LIST)?;
        let due = pb::newest(
            &mut c,
            &AnswerFilter {
                review_by: Some(
                    (today + Duration::days(REVIEW_AHEAD_DAYS))
                        .format("%Y-%m-%d")
                        .to_string(),
                ),
                ..in_force.clone()
            },
            COUNTRY_LIST,
        )?;
        let (pending_rows, pending_total) = pb::pending_about(&mut c, code, COUNTRY_LIST)?;
        let answers = self.entries(&mut c, &answers)?;
        let mut review_due = self.entries(&mut c, &due)?;
        review_due.sort_by_key(|e| (e.review_date, e.answer_id));
        let mut references: Vec<ReferenceView> = answers
            .iter()
            .flat_map(|e| e.references.iter().cloned())
            .collect();
        references.sort();
        references.dedup();
        let pending = pending_rows
            .iter()
            .map(|q| PendingQuestion {
                id: q.id,
                reference: q.reference.clone(),
                title: q.title.clone(),
                status: q.status.as_str().into(),
                status_label: q.status.label_sv().into(),
                forum: q.forum.clone(),
                forum_name: self.forum_name(&q.forum),
                level_label: q.level.label_sv().into(),
                asked_at: q.created_at.and_utc(),
            })
            .collect();
        Ok(CountryPage {
            code: code.to_string(),
            name: countries::in_swedish(code),
            answers,
            answers_total,
            pending,
            pending_total,
            review_due,
            references,
        })
    }
}
