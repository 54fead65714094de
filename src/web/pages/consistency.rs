//! The legal department's consistency review: similar questions that different forums answered,
//! side by side, and the decision on each pair (a divergence goes to the process forum).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{call, errors_by_field, page_context, run, see_other, with_defaults, Svc};
use crate::service::consistency::{CaseQuery, DecisionInput};
use crate::service::ServiceError;
use crate::web::error::PageError;
use crate::web::html;
use crate::web::paging::{page_number, past_end, Pager};
use crate::web::session::{Posted, Viewer};

/// The list's tabs: the status a tab shows (None: every case) and its label.
const TABS: [(Option<&str>, &str); 6] = [
    (Some("open"), "Att granska"),
    (Some("divergent"), "Olika svar"),
    (Some("settled"), "Olika, redan avgjort"),
    (Some("consistent"), "Enhetliga"),
    (Some("not_comparable"), "Inte jämförbara"),
    (None, "Alla"),
];

/// Cases on one page of the list.
const CASES_PER_PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    sida: Option<String>,
    page: Option<String>,
}

pub async fn cases(
    svc: Svc,
    v: Viewer,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let page = page_number(q.sida.as_deref(), q.page.as_deref())?;
    // Without a choice the page opens on what waits for a decision.
    let status = match q.status {
        None => Some("open".to_string()),
        Some(s) if s == "alla" => None,
        Some(s) => Some(s),
    };
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let query = CaseQuery {
        status: status.clone(),
        page: Some(page),
        per_page: Some(CASES_PER_PAGE),
    };
    let cases = call(move || s.consistency_cases(&actor, &query)).await?;
    if page > cases.pages {
        return Err(past_end(page, cases.pages));
    }
    let tabs: Vec<_> = TABS
        .iter()
        .map(|(code, label)| {
            serde_json::json!({
                "href": format!("/enhetlighet?status={}", code.unwrap_or("alla")),
                "label": label,
                "current": *code == status.as_deref(),
            })
        })
        .collect();
    let tab = status.clone().unwrap_or_else(|| "alla".to_string());
    let mut c = page_context(&v, "consistency", "Enhetlighet");
    c.insert("cases", &cases.items);
    c.insert("total", &cases.total);
    c.insert(
        "pager",
        &Pager::new(
            page,
            cases.pages,
            cases.total,
            "/enhetlighet",
            &[("status", &tab)],
            "Sidor med jämförelser",
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
    c.insert("may_decide", &(v.actor.is_legal() && case.status == "open"));
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
        Ok(_) => Ok(see_other(&format!("/enhetlighet/{id}"))),
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
