//! Searching questions and answers, and finding similar questions while one is being written.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::validate::{is_country_code, Checks};
use super::views::QuestionView;
use super::{Actor, Service, ServiceResult};
use crate::domain::answer::BindingStatus;
use crate::domain::catalogue::{FieldProblem, Hint, Thing};
use crate::domain::question::Status;
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::search::index::{FacetCount, Hit};
use crate::search::Filters;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words (any may match; the best matches rank first) and "quoted phrases" (must match).
    pub q: Option<String>,
    pub process: Option<String>,
    pub category: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub tag: Option<String>,
    pub level: Option<String>,
    pub forum: Option<String>,
    /// Questions with an answer of this binding status.
    pub binding_status: Option<String>,
    pub status: Option<String>,
    /// Submitted on or after this date (YYYY-MM-DD, Europe/Stockholm).
    pub from: Option<String>,
    /// Submitted on or before this date (YYYY-MM-DD, Europe/Stockholm).
    pub to: Option<String>,
    pub page: Option<i64>,
    /// 1 to 100, default 20.
    pub per_page: Option<i64>,
    /// Count the facets (default true); false saves most of the time of broad queries.
    pub facets: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResponse {
    pub total: usize,
    pub took_ms: f64,
    pub page: i64,
    pub per_page: i64,
    pub hits: Vec<Hit>,
    /// Counts per value of each filter among the matching questions: process, category, tags,
    /// countries, level, forum, binding_status, status.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// True when `total` and the facets count every match. False when more than 20,000
    /// questions matched: `total` is then an estimate (two significant figures) from the first
    /// 20,000, and the facets count those 20,000.
    pub exact: bool,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    pub title: Option<String>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimilarHit {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub status: String,
    pub score: f32,
}

const QUERY_MAX: usize = 1000;

fn day_start(d: NaiveDate) -> Option<DateTime<Utc>> {
    Stockholm
        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

impl Service {
    fn code_filter(
        checks: &mut Checks,
        field: &str,
        value: &Option<String>,
        known: impl Fn(&str) -> bool,
        thing: Thing,
        hint: Hint,
    ) -> Option<String> {
        let v = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        if !known(v) {
            checks.fail(
                field,
                FieldProblem::Unknown {
                    thing,
                    value: v.into(),
                    hint,
                },
            );
        }
        Some(v.to_string())
    }

    pub(in crate::service) fn search_filters(
        &self,
        q: &SearchQuery,
        checks: &mut Checks,
    ) -> Filters {
        let s = &self.config.structure;
        let from = checks.date("from", q.from.as_deref());
        let to = checks.date("to", q.to.as_deref());
        Filters {
            process: Self::code_filter(
                checks,
                "process",
                &q.process,
                |v| s.process(v).is_some(),
                Thing::Process,
                Hint::SeeApi("/api/v1/processes"),
            ),
            category: Self::code_filter(
                checks,
                "category",
                &q.category,
                |v| s.category(v).is_some(),
                Thing::Category,
                Hint::SeeApi("/api/v1/categories"),
            ),
            country: Self::code_filter(
                checks,
                "country",
                // A country may be named as people name it: "Vitryssland" is BY.
                &q.country.as_deref().map(|c| {
                    crate::domain::countries::code_of(c)
                        .map_or_else(|| c.to_string(), str::to_string)
                }),
                is_country_code,
                Thing::Country,
                Hint::Expected(
                    "a country's name or ISO 3166-1 alpha-2 code such as BY",
                    "ett lands namn eller landkod, t.ex. Belarus eller BY",
                ),
            ),
            tag: q
                .tag
                .as_deref()
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty()),
            level: Self::code_filter(
                checks,
                "level",
                &q.level,
                |v| Level::parse(v).is_some(),
                Thing::Level,
                Hint::OneOf(Level::choices()),
            ),
            forum: Self::code_filter(
                checks,
                "forum",
                &q.forum,
                |v| s.forum(v).is_some(),
                Thing::Forum,
                Hint::SeeApi("/api/v1/forums"),
            ),
            binding_status: Self::code_filter(
                checks,
                "binding_status",
                &q.binding_status,
                |v| BindingStatus::parse(v).is_some(),
                Thing::BindingStatus,
                Hint::OneOf(BindingStatus::choices()),
            ),
            status: Self::code_filter(
                checks,
                "status",
                &q.status,
                |v| Status::parse(v).is_some(),
                Thing::Status,
                Hint::OneOf(Status::choices()),
            ),
            from: from.and_then(day_start),
            to: to.and_then(|d| d.succ_opt()).and_then(day_start),
        }
    }

    /// Full-text search over every question and answer; every signed-in user may search.
    pub fn search(&self, _actor: &Actor, q: &SearchQuery) -> ServiceResult<SearchResponse> {
        let started = Instant::now();
        let mut checks = Checks::default();
        let text = q.q.as_deref().unwrap_or("").trim();
        if text.chars().count() > QUERY_MAX {
            checks.fail("q", FieldProblem::TooLong { max: QUERY_MAX });
        }
        let per_page = q.per_page.unwrap_or(20);
        if !(1..=100).contains(&per_page) {
            checks.fail("per_page", FieldProblem::Between { min: 1, max: 100 });
        }
        let page = q.page.unwrap_or(1);
        if !(1..=10_000).contains(&page) {
            checks.fail(
                "page",
                FieldProblem::Between {
                    min: 1,
                    max: 10_000,
                },
            );
        }
        let filters = self.search_filters(q, &mut checks);
        checks.finish()?;
        let offset = usize::try_from((page - 1) * per_page).unwrap_or(0);
        let limit = usize::try_from(per_page).unwrap_or(20);
        // A former name of a country ("Vitryssland") also looks for today's ("Belarus").
        let text = crate::domain::countries::with_current_names(text);
        let results = self.search.current().search(
            &text,
            &filters,
            offset,
            limit,
            q.facets.unwrap_or(true),
        )?;
        Ok(SearchResponse {
            total: results.total,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            page,
            per_page,
            hits: results.hits,
            facets: results.facets,
            exact: results.exact,
        })
    }

    /// Existing questions that look like the one being written, best first.
    pub fn similar(&self, _actor: &Actor, q: &SimilarQuery) -> ServiceResult<Vec<SimilarHit>> {
        let mut checks = Checks::default();
        let title = q.title.as_deref().unwrap_or("");
        let body = q.body.as_deref().unwrap_or("");
        if title.chars().count() + body.chars().count() > 20_000 {
            checks.fail("body", FieldProblem::TooLong { max: 20_000 });
        }
        checks.finish()?;
        let hits = self.search.current().questions_like(title, body, None, 5)?;
        Ok(hits
            .into_iter()
            .map(|h| SimilarHit {
                id: h.id,
                reference: h.reference,
                title: h.title,
                status: h.status,
                score: h.score,
            })
            .collect())
    }

    /// The answers in force of the questions most like `q` in its process, for the member
    /// writing an answer: they follow them or knowingly differ, instead of contradicting an
    /// answer they never saw. One answer a question (the most binding), best match first.
    pub fn earlier_answers(&self, q: &QuestionView) -> ServiceResult<Vec<EarlierAnswer>> {
        // More than shown: some matches have no answer in force.
        let hits = self.search.current().questions_like(
            &q.title,
            &q.body,
            Some(&q.process),
            EARLIER_ANSWERS * 3,
        )?;
        Ok(hits
            .into_iter()
            .filter(|h| h.id != q.id && Some(h.id) != q.duplicate_of)
            .filter_map(|h| {
                // Hit answers come in force first, the most binding first.
                let a = h.answers.into_iter().find(|a| a.in_force)?;
                Some(EarlierAnswer {
                    question_id: h.id,
                    reference: h.reference,
                    title: h.title,
                    answer_id: a.id,
                    forum_name: self.forum_name(&a.forum),
                    binding_status: a.binding_status,
                    answered_at: a.answered_at,
                    snippet_html: a.snippet,
                })
            })
            .take(EARLIER_ANSWERS)
            .collect())
    }
}

/// Earlier answers shown above the answer form.
const EARLIER_ANSWERS: usize = 5;

/// An answer in force to a question like the one being answered.
#[derive(Debug, Clone, Serialize)]
pub struct EarlierAnswer {
    pub question_id: i64,
    pub reference: String,
    pub title: String,
    pub answer_id: i64,
    pub forum_name: String,
    pub binding_status: String,
    pub answered_at: Option<DateTime<Utc>>,
    /// HTML: the answer's start or its best passage, matched words in `<b>`, all else escaped.
    pub snippet_html: String,
}
