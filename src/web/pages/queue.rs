//! A forum member's queue: what waits at each forum they belong to (or at any one forum, for
//! the legal department's drill-down), overdue and urgent first.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{call, page_context, Svc};
use crate::web::error::PageError;
use crate::web::html;
use crate::web::session::Viewer;

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    forum: Option<String>,
}

pub async fn queue(
    svc: Svc,
    v: Viewer,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, PageError> {
    let forums: Vec<String> = match q.into_inner().forum.filter(|f| !f.trim().is_empty()) {
        Some(f) => vec![f.trim().to_string()],
        None => v.actor.memberships.iter().cloned().collect(),
    };
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let sections = call(move || {
        forums
            .iter()
            .map(|f| {
                let items = s.queue(&actor, f)?;
                let forum = s.config.structure.forum(f);
                Ok(json!({
                    "code": f,
                    "name": forum.map_or(f.as_str(), |x| x.name.as_str()),
                    "level": forum.map(|x| crate::domain::Code::as_str(x.level)),
                    "may_claim": s.may_claim_at(&actor, f),
                    "items": items,
                    "overdue": items.iter().filter(|i| i.sla.as_ref().is_some_and(|s| s.state == "overdue")).count(),
                }))
            })
            .collect::<Result<Vec<_>, crate::service::ServiceError>>()
    })
    .await?;
    let mut c = page_context(&v, "queue", "Kö");
    c.insert("sections", &sections);
    html::render("queue.html", &c, StatusCode::OK)
}
