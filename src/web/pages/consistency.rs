//! The legal department's consistency review: topics of similar questions that different forums
//! answered, side by side, and one decision on each (a divergence goes to the process forum).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{call, errors_by_field, page_context, run, see_other, with_defaults, Svc};
use crate::domain::catalogue::Confirmation;
use crate::domain::consistency::{CaseStatus, PossibleStatus};
use crate::domain::Code;
use crate::service::consistency::{DecisionInput, PossibleQuery, PossibleReviewInput};
use crate::service::topics::{TopicDecisionInput, TopicQuery};
use crate::service::ServiceError;
use crate::web::error::PageError;
use crate::web::flash;
use crate::web::html;
use crate::web::paging::{page_number, past_end, Pager};
use crate::web::session::{Posted, Viewer};

/// The list's tabs: the status a tab shows (None: every case) and its label.
const TABS: [Option<CaseStatus>; 6] = [
    Some(CaseStatus::Open),
    Some(CaseStatus::Divergent),
    Some(CaseStatus::Settled),
    Some(CaseStatus::Consistent),
    Some(CaseStatus::NotComparable),
    None,
];

/// The status a list shows: without a choice what waits for a decision (`open`), "alla" every
/// status.
fn tab_status(chosen: Option<String>, open: &str) -> Option<String> {
    match chosen {
        None => Some(open.to_string()),
        Some(s) if s == "alla" => None,
        Some(s) => Some(s),
    }
}

/// A list's tabs, one a status (None: "Alla"), the one showing `current` marked.
fn status_tabs<T: Code>(
    tabs: &[Option<T>],
    label: fn(T) -> &'static str,
    path: &str,
    current: Option<&str>,
) -> Vec<serde_json::Value> {
    tabs.iter()
        .map(|tab| {
            let code = tab.map_or("alla", T::as_str);
            serde_json::json!({
                "href": format!("{path}?status={code}"),
                "label": tab.map_or("Alla", label),
                "current": code == current.unwrap_or("alla"),
            })
        })
        .collect()
}

/// Topics on one page of the list.
const TOPICS_PER_PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    sida: Option<String>,
    page: Option<String>,
}

pub async fn topics(
    svc: Svc,
    v: Viewer,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let page = page_number(q.sida.as_deref(), q.page.as_deref())?;
    let status = tab_status(q.status, CaseStatus::Open.as_str());
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let query = TopicQuery {
        status: status.clone(),
        page: Some(page),
        per_page: Some(TOPICS_PER_PAGE),
    };
    let open = PossibleQuery {
        status: Some(PossibleStatus::Open.as_str().to_string()),
        page: Some(1),
        per_page: Some(1),
    };
    let (topics, possible) = call(move || {
        Ok((
            s.consistency_topics(&actor, &query)?,
            s.possible_divergences(&actor, &open)?.total,
        ))
    })
    .await?;
    if page > topics.pages {
        return Err(past_end(page, topics.pages));
    }
    let tabs = status_tabs(
        &TABS,
        CaseStatus::label_sv,
        "/enhetlighet",
        status.as_deref(),
    );
    let tab = status.clone().unwrap_or_else(|| "alla".to_string());
    let mut c = page_context(&v, "consistency", "Enhetlighet");
    c.insert("topics", &topics.items);
    c.insert("possible_open", &possible);
    c.insert("total", &topics.total);
    c.insert(
        "pager",
        &Pager::new(
            page,
            topics.pages,
            topics.total,
            "/enhetlighet",
            &[("status", &tab)],
            "Sidor med ämnen",
        ),
    );
    c.insert("tabs", &tabs);
    c.insert("status", &status.unwrap_or_default());
    html::render("consistency.html", &c, StatusCode::OK)
}

async fn case_page(
    svc: Svc,
    v: &Viewer,
    id: i64,
    errors: BTreeMap<String, String>,
    values: serde_json::Value,
) -> Result<HttpResponse, PageError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let case = call(move || s.consistency_case(&actor, id)).await?;
    let mut c = page_context(v, "consistency", &format!("Jämförelse {id}"));
    c.insert(
        "may_decide",
        &(v.actor.may_decide_consistency() && case.status == CaseStatus::Open),
    );
    c.insert("case", &case);
    c.insert("errors", &errors);
    c.insert(
        "values",
        &with_defaults(values, &["decision", "settled_by", "note"]),
    );
    html::render("consistency_case.html", &c, status)
}

pub async fn case(svc: Svc, v: Viewer, id: web::Path<i64>) -> Result<HttpResponse, PageError> {
    case_page(
        svc,
        &v,
        id.into_inner(),
        BTreeMap::new(),
        serde_json::Value::Null,
    )
    .await
}

pub async fn decide(
    svc: Svc,
    v: Viewer,
    id: web::Path<i64>,
    form: Posted,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let input = DecisionInput {
        decision: form.get("decision"),
        settled_by: form.get("settled_by"),
        note: form.get("note"),
    };
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    match run(move || s.decide_case(&actor, id, &input)).await? {
        Ok(_) => Ok(flash::redirect(
            &format!("/enhetlighet/{id}"),
            Confirmation::CaseDecided,
        )),
        Err(ServiceError::Invalid(errs)) => {
            let errors = errors_by_field("", &errs);
            case_page(
                svc,
                &v,
                id,
                errors,
                serde_json::Value::Object(form.values()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// What the topic page shows besides the topic: the form's errors and values, and whether it
/// asks to confirm a divergence or tells that a decision was saved.
#[derive(Default)]
struct TopicPage {
    errors: BTreeMap<String, String>,
    values: serde_json::Value,
    confirming: bool,
    saved: bool,
}

async fn topic_page(
    svc: Svc,
    v: &Viewer,
    id: i64,
    p: TopicPage,
) -> Result<HttpResponse, PageError> {
    let status = if p.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let topic = call(move || s.consistency_topic(&actor, id)).await?;
    // An old address of a topic since joined to another shows that one.
    let mut c = page_context(v, "consistency", &format!("Ämne {}", topic.id));
    c.insert(
        "may_decide",
        &(v.actor.may_decide_consistency() && topic.status == CaseStatus::Open),
    );
    c.insert("topic", &topic);
    c.insert("errors", &p.errors);
    c.insert("confirming", &p.confirming);
    c.insert("saved", &p.saved);
    let mut values = with_defaults(p.values, &["outcome", "settled_by", "note"]);
    if values["settled_by"] == "" {
        if let Some(b) = &topic.binding {
            values["settled_by"] = b.reference.clone().into();
        }
    }
    c.insert("values", &values);
    html::render("consistency_topic.html", &c, status)
}

#[derive(Debug, Default, Deserialize)]
pub struct TopicPageQuery {
    sparad: Option<String>,
}

pub async fn topic(
    svc: Svc,
    v: Viewer,
    id: web::Path<i64>,
    q: web::Query<TopicPageQuery>,
) -> Result<HttpResponse, PageError> {
    let saved = q.sparad.is_some();
    topic_page(
        svc,
        &v,
        id.into_inner(),
        TopicPage {
            saved,
            ..Default::default()
        },
    )
    .await
}

pub async fn decide_topic(
    svc: Svc,
    v: Viewer,
    id: web::Path<i64>,
    form: Posted,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let values = serde_json::Value::Object(form.values());
    let outcome = form.get("outcome");
    let has_note = form.get("note").is_some_and(|n| !n.trim().is_empty());
    // Sending a topic to the process forum opens a question there: the reviewer first sees
    // which forum and confirms. Without a reason there is nothing to confirm yet; the service
    // says what is missing.
    if outcome.as_deref() == Some("divergent") && has_note && form.get("confirm").is_none() {
        let page = TopicPage {
            values,
            confirming: true,
            ..Default::default()
        };
        return topic_page(svc, &v, id, page).await;
    }
    let input = TopicDecisionInput {
        outcome,
        settled_by: form.get("settled_by"),
        note: form.get("note"),
        version: form.get("version").and_then(|x| x.parse().ok()),
    };
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    match run(move || s.decide_topic(&actor, id, &input)).await? {
        Ok(_) => Ok(see_other(&format!("/enhetlighet/amnen/{id}?sparad=1"))),
        Err(ServiceError::Invalid(errs)) => {
            let page = TopicPage {
                errors: errors_by_field("", &errs),
                values,
                ..Default::default()
            };
            topic_page(svc, &v, id, page).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The tabs of the possible divergences: the status a tab shows (None: all).
const POSSIBLE_TABS: [Option<PossibleStatus>; 4] = [
    Some(PossibleStatus::Open),
    Some(PossibleStatus::Opened),
    Some(PossibleStatus::Dismissed),
    None,
];

/// Possible divergences on one page of the list.
const POSSIBLE_PER_PAGE: i64 = 25;

/// The list of possible divergences, and the form's errors when a review was refused.
async fn possible_page(
    svc: Svc,
    v: &Viewer,
    q: ListQuery,
    refused: Option<(i64, BTreeMap<String, String>, serde_json::Value)>,
) -> Result<HttpResponse, PageError> {
    let page = page_number(q.sida.as_deref(), q.page.as_deref())?;
    let status = tab_status(q.status, PossibleStatus::Open.as_str());
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let query = PossibleQuery {
        status: status.clone(),
        page: Some(page),
        per_page: Some(POSSIBLE_PER_PAGE),
    };
    let list = call(move || s.possible_divergences(&actor, &query)).await?;
    if page > list.pages {
        return Err(past_end(page, list.pages));
    }
    let tabs = status_tabs(
        &POSSIBLE_TABS,
        PossibleStatus::label_sv,
        "/enhetlighet/mojliga",
        status.as_deref(),
    );
    let tab = status.clone().unwrap_or_else(|| "alla".to_string());
    let mut c = page_context(v, "consistency", "Möjliga avvikelser");
    c.insert("items", &list.items);
    c.insert("total", &list.total);
    c.insert(
        "pager",
        &Pager::new(
            page,
            list.pages,
            list.total,
            "/enhetlighet/mojliga",
            &[("status", &tab)],
            "Sidor med möjliga avvikelser",
        ),
    );
    c.insert("tabs", &tabs);
    c.insert("may_decide", &v.actor.may_decide_consistency());
    c.insert("tab", &tab);
    c.insert("page", &page);
    let code = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (refused_id, errors, values) = refused.unwrap_or_default();
    c.insert("refused", &refused_id);
    c.insert("errors", &errors);
    c.insert("values", &with_defaults(values, &["note"]));
    html::render("consistency_possible.html", &c, code)
}

pub async fn possible(
    svc: Svc,
    v: Viewer,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    possible_page(svc, &v, q.into_inner(), None).await
}

pub async fn review_possible(
    svc: Svc,
    v: Viewer,
    id: web::Path<i64>,
    form: Posted,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let input = PossibleReviewInput {
        outcome: form.get("outcome"),
        note: form.get("note"),
    };
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    match run(move || s.review_possible(&actor, id, &input)).await? {
        Ok(p) => Ok(match p.topic {
            Some(topic) => flash::redirect(
                &format!("/enhetlighet/amnen/{topic}"),
                Confirmation::PossibleTakenUp,
            ),
            None => flash::redirect("/enhetlighet/mojliga", Confirmation::PossibleDismissed),
        }),
        Err(ServiceError::Invalid(errs)) => {
            let refused = (
                id,
                errors_by_field("", &errs),
                serde_json::Value::Object(form.values()),
            );
            // The page the reviewer sent it from, where the refused pair is.
            let on = ListQuery {
                status: form.get("status"),
                sida: form.get("sida"),
                page: None,
            };
            possible_page(svc, &v, on, Some(refused)).await
        }
        Err(e) => Err(e.into()),
    }
}
