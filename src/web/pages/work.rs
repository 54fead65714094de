//! The start page of each role and the work lists: "Att göra" for forum members (and for an
//! asker someone waits for), "Försenade" for the legal department, "Mina frågor" for the rest.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{call, page_context, see_other, Svc};
use crate::service::access::Role;
use crate::web::error::PageError;
use crate::web::html;
use crate::web::paging::{page_number, past_end, Pager};
use crate::web::session::Viewer;

#[derive(Debug, Deserialize)]
pub struct WorkQuery {
    sida: Option<String>,
    page: Option<String>,
    /// The late list of one forum (from the overview).
    forum: Option<String>,
}

/// Where each role starts: the legal department on what is late, forum members on their work,
/// administrators who sit in no forum on what is late, everyone else on their own questions.
/// An asker someone is waiting for starts on "Att göra", where that request is at the top.
pub async fn start(svc: Svc, v: Viewer) -> Result<HttpResponse, PageError> {
    let to = if v.actor.role == Role::Legal {
        "/forsenade"
    } else if !v.actor.memberships.is_empty() {
        "/att-gora"
    } else {
        let s = svc.into_inner();
        let actor = v.actor.clone();
        let waited_for = call(move || s.work_counts(&actor)).await?.todo > 0;
        if waited_for {
            "/att-gora"
        } else if v.actor.may_oversee() {
            "/forsenade"
        } else {
            "/mina"
        }
    };
    Ok(see_other(to))
}

pub async fn todo(
    svc: Svc,
    v: Viewer,
    q: web::Query<WorkQuery>,
) -> Result<HttpResponse, PageError> {
    work_page(svc, v, q, false).await
}

pub async fn late(
    svc: Svc,
    v: Viewer,
    q: web::Query<WorkQuery>,
) -> Result<HttpResponse, PageError> {
    work_page(svc, v, q, true).await
}

/// "Att göra", or with `late` the legal department's list of late questions: one template.
async fn work_page(
    svc: Svc,
    v: Viewer,
    q: web::Query<WorkQuery>,
    late: bool,
) -> Result<HttpResponse, PageError> {
    let page = page_number(q.sida.as_deref(), q.page.as_deref())?;
    let forum = q.forum.clone().filter(|f| !f.trim().is_empty());
    let forum_name = forum
        .as_deref()
        .and_then(|f| svc.config.structure.forum(f))
        .map(|f| f.name.clone());
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let one = forum.clone();
    let list = call(move || {
        if late {
            s.late_list(&actor, page, one.as_deref())
        } else {
            s.work_list(&actor, page)
        }
    })
    .await?;
    if page > list.pages {
        return Err(past_end(page, list.pages));
    }
    let (nav, title, path) = if late {
        ("late", "Försenade frågor", "/forsenade")
    } else {
        ("todo", "Att göra", "/att-gora")
    };
    let v = Viewer {
        counts: list.counts,
        ..v
    };
    let mut c = page_context(&v, nav, title);
    c.insert("list", &list);
    c.insert("late_list", &late);
    c.insert("forum_name", &forum_name);
    let params: Vec<(&str, &str)> = forum
        .as_deref()
        .map(|f| vec![("forum", f)])
        .unwrap_or_default();
    c.insert(
        "pager",
        &Pager::new(
            page,
            list.pages,
            list.total,
            path,
            &params,
            format!("Sidor i {title}"),
        ),
    );
    html::render("work.html", &c, StatusCode::OK)
}
