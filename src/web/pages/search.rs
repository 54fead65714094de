//! The search page: the query box, facets as filter links, highlighted snippets, pagination.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{call, page_context, Svc};
use crate::domain::answer::BindingStatus;
use crate::domain::question::Status;
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::service::search::SearchQuery;
use crate::web::error::PageError;
use crate::web::html::{self, url_encode};
use crate::web::session::Viewer;

const PER_PAGE: i64 = 20;

/// The facets in the order they are shown, with the query parameter each one filters by.
const FACETS: &[(&str, &str, &str)] = &[
    ("process", "process", "Process"),
    ("category", "category", "Kategori"),
    ("level", "level", "Nivå"),
    ("forum", "forum", "Forum"),
    ("binding_status", "binding_status", "Bindande status"),
    ("status", "status", "Status"),
    ("countries", "country", "Land"),
    ("tags", "tag", "Tagg"),
];

fn params(q: &SearchQuery) -> Vec<(&'static str, String)> {
    let mut p = Vec::new();
    let mut put = |k: &'static str, v: &Option<String>| {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            p.push((k, v.to_string()));
        }
    };
    put("q", &q.q);
    put("process", &q.process);
    put("category", &q.category);
    put("country", &q.country);
    put("tag", &q.tag);
    put("level", &q.level);
    put("forum", &q.forum);
    put("binding_status", &q.binding_status);
    put("status", &q.status);
    put("from", &q.from);
    put("to", &q.to);
    p
}

fn href(p: &[(&str, String)]) -> String {
    let qs: Vec<String> = p
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    format!("/sok?{}", qs.join("&"))
}

pub async fn search(
    svc: Svc,
    v: Viewer,
    q: web::Query<SearchQuery>,
) -> Result<HttpResponse, PageError> {
    let mut q = q.into_inner();
    // A reference is a question, not words to look for: straight to it.
    if let Some(reference) =
        q.q.as_deref()
            .and_then(crate::domain::question::reference_in)
    {
        return Ok(HttpResponse::SeeOther()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/fragor/{reference}"),
            ))
            .finish());
    }
    let current = params(&q);
    let asked = !current.is_empty();
    q.per_page = Some(PER_PAGE);
    let page = q.page.unwrap_or(1).max(1);
    let mut c = page_context(&v, "search", "Sök");
    c.insert("query", &q.q.clone().unwrap_or_default());
    if asked {
        let s = svc.clone().into_inner();
        let actor = v.actor.clone();
        let query = q.clone();
        let r = call(move || s.search(&actor, &query)).await?;
        let label = |facet: &str, value: &str| -> String {
            match facet {
                "process" => svc.config.structure.process(value).map(|p| p.name.clone()),
                "category" => svc.config.structure.category(value).map(|p| p.name.clone()),
                "forum" => svc.config.structure.forum(value).map(|f| f.name.clone()),
                "level" => Level::parse(value).map(|l| l.title_sv().to_string()),
                "binding_status" => BindingStatus::parse(value).map(|b| b.label_sv().to_string()),
                "status" => Status::parse(value).map(|s| s.label_sv().to_string()),
                "countries" => crate::domain::countries::name_sv(value).map(str::to_string),
                _ => None,
            }
            .unwrap_or_else(|| value.to_string())
        };
        let facets: Vec<Value> = FACETS
            .iter()
            .filter_map(|(name, param, heading)| {
                let counts = r.facets.get(*name)?;
                let chosen = current
                    .iter()
                    .find(|(k, _)| k == param)
                    .map(|(_, v)| v.clone());
                let without: Vec<(&str, String)> = current
                    .iter()
                    .filter(|(k, _)| k != param)
                    .cloned()
                    .collect();
                let values: Vec<Value> = counts
                    .iter()
                    .take(12)
                    .map(|fc| {
                        let mut with = without.clone();
                        with.push((param, fc.value.clone()));
                        json!({
                            "label": label(name, &fc.value),
                            "count": fc.count,
                            "href": href(&with),
                            "chosen": chosen.as_deref() == Some(fc.value.as_str()),
                        })
                    })
                    .collect();
                (!values.is_empty()).then(|| {
                    json!({
                        "heading": heading,
                        "param": param,
                        "values": values,
                        "clear": chosen.map(|_| href(&without)),
                    })
                })
            })
            .collect();
        let pages = (r.total as i64 + PER_PAGE - 1) / PER_PAGE;
        let page_href = |n: i64| {
            let mut p = current.clone();
            p.push(("page", n.to_string()));
            href(&p)
        };
        c.insert("result", &r);
        // "Spara sökningen" posts the words and filters (not the page) as they are.
        let saveable: Vec<(&str, &String)> = current
            .iter()
            .filter(|(k, _)| !matches!(*k, "status" | "from" | "to"))
            .map(|(k, v)| (*k, v))
            .collect();
        c.insert("saveable", &saveable);
        c.insert("facets", &facets);
        c.insert("page", &page);
        c.insert("pages", &pages);
        c.insert("prev", &(page > 1).then(|| page_href(page - 1)));
        c.insert("next", &(page < pages).then(|| page_href(page + 1)));
    }
    html::render("search.html", &c, StatusCode::OK)
}
