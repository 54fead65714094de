//! A forum member's queue: what waits at each forum they belong to (or at any one forum, for
//! the legal department's drill-down), overdue and urgent first, a page at a time.
//!
//! With `?forum=CODE` the page shows that forum's queue, paged by `sida`. Without it, it shows
//! the first page of each of the viewer's forums, each with its own navigation into that
//! forum's queue: one page number for several queues would mean nothing, and a page number
//! per forum in one address would make addresses nobody can share or bookmark.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{call, page_context, Svc};
use crate::web::error::PageError;
use crate::web::html;
use crate::web::paging::{page_number, past_end, Pager};
use crate::web::session::Viewer;

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    forum: Option<String>,
    sida: Option<String>,
    page: Option<String>,
}

pub async fn queue(
    svc: Svc,
    keys: web::Data<crate::web::session::SessionKeys>,
    v: Viewer,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let page = page_number(q.sida.as_deref(), q.page.as_deref())?;
    let chosen = q
        .forum
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty());
    let one_forum = chosen.is_some();
    let forums: Vec<String> = match chosen {
        Some(f) => vec![f],
        None => v.actor.memberships.iter().cloned().collect(),
    };
    if !one_forum && page > 1 {
        return Err(PageError::BadQuery(
            "Kön visas en sida i taget per forum: välj forumets kö (forum=…) för att bläddra."
                .into(),
        ));
    }
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let queues = call(move || {
        forums
            .iter()
            .map(|f| Ok((s.queue(&actor, f, page)?, s.may_claim_at(&actor, f))))
            .collect::<Result<Vec<_>, crate::service::ServiceError>>()
    })
    .await?;
    if let Some((p, _)) = queues.first().filter(|_| one_forum) {
        if page > p.pages {
            return Err(past_end(page, p.pages));
        }
    }
    // The forums with late questions first; those with nothing waiting are only named.
    let mut queues = queues;
    queues.sort_by_key(|(p, _)| (-p.overdue, -p.at_risk, -p.total));
    let empty_forums: Vec<&str> = queues
        .iter()
        .filter(|(p, _)| p.total == 0)
        .map(|(p, _)| p.forum.name.as_str())
        .collect();
    let sections: Vec<_> = queues
        .iter()
        .map(|(p, may_claim)| {
            let first_row = (p.page - 1) * p.per_page + 1;
            json!({
                "code": p.forum.code,
                "name": p.forum.name,
                "level": p.forum.level,
                "may_claim": may_claim,
                "items": p.items,
                "total": p.total,
                "overdue": p.overdue,
                "at_risk": p.at_risk,
                "pages": p.pages,
                "first_row": first_row,
                "last_row": first_row + p.items.len() as i64 - 1,
                "whole": (!one_forum && p.pages > 1)
                    .then(|| format!("/ko?forum={}", html::url_encode(&p.forum.code))),
                "pager": Pager::new(
                    p.page,
                    p.pages,
                    p.total,
                    "/ko",
                    &[("forum", &p.forum.code)],
                    format!("Sidor i kön hos {}", p.forum.name),
                ),
            })
        })
        .collect();
    let mut c = page_context(&v, "queue", "Kö");
    if let Some((p, _)) = queues.first().filter(|_| one_forum) {
        // One forum's queue announces the forum's new answers as a feed.
        let token = super::publication::feed_token_of(&svc, &keys, &v.actor)
            .await?
            .token;
        c.insert(
            "feeds",
            &[json!({
                "title": format!("Nya svar från {}", p.forum.name),
                "href": format!(
                    "/forum/{}/feed.atom?token={}",
                    html::url_encode(&p.forum.code),
                    html::url_encode(&token)
                ),
            })],
        );
    }
    c.insert("sections", &sections);
    c.insert("one_forum", &one_forum);
    c.insert("empty_forums", &empty_forums);
    html::render("queue.html", &c, StatusCode::OK)
}
