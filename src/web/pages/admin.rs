//! The user's settings (mail preference) and the administrator's pages: failed mail with a
//! retry button, and users with their forum memberships, each list a page at a time.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

use super::{call, errors_by_field, page_context, run, with_defaults, Svc};
use crate::domain::catalogue::Confirmation;
use crate::service::notifications::Preferences;
use crate::service::ServiceError;
use crate::web::error::PageError;
use crate::web::flash;
use crate::web::html;
use crate::web::paging::{page_number, past_end, Pager};
use crate::web::session::{Posted, Viewer};

pub async fn settings(svc: Svc, v: Viewer) -> Result<HttpResponse, PageError> {
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let p = call(move || s.preferences(&actor)).await?;
    let mut c = page_context(&v, "settings", "Inställningar");
    c.insert("mail", &p.mail.unwrap_or_default());
    c.insert("saved", &false);
    html::render("settings.html", &c, StatusCode::OK)
}

pub async fn save_settings(svc: Svc, v: Viewer, form: Posted) -> Result<HttpResponse, PageError> {
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let p = Preferences {
        mail: form.get("mail"),
    };
    let chosen = p.mail.clone().unwrap_or_default();
    let mut c = page_context(&v, "settings", "Inställningar");
    match run(move || s.set_preferences(&actor, &p)).await? {
        Ok(p) => {
            c.insert("mail", &p.mail.unwrap_or_default());
            c.insert("saved", &true);
            html::render("settings.html", &c, StatusCode::OK)
        }
        Err(ServiceError::Invalid(errs)) => {
            c.insert("mail", &chosen);
            c.insert("saved", &false);
            c.insert("errors", &errors_by_field("", &errs));
            html::render("settings.html", &c, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

/// The page number of a list page's query.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    sida: Option<String>,
    page: Option<String>,
}

impl PageQuery {
    fn number(&self) -> Result<i64, PageError> {
        page_number(self.sida.as_deref(), self.page.as_deref())
    }
}

pub async fn failed_mail(
    svc: Svc,
    v: Viewer,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let page = q.number()?;
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let mails = call(move || s.failed_mail_for(&actor, page)).await?;
    if page > mails.pages {
        return Err(past_end(page, mails.pages));
    }
    let mut c = page_context(&v, "admin_mail", "Misslyckade e-postmeddelanden");
    c.insert("mails", &mails.items);
    c.insert("total", &mails.total);
    c.insert(
        "pager",
        &Pager::new(
            page,
            mails.pages,
            mails.total,
            "/admin/mail",
            &[],
            "Sidor med misslyckade meddelanden",
        ),
    );
    html::render("admin_mail.html", &c, StatusCode::OK)
}

pub async fn retry_mail(
    svc: Svc,
    v: Viewer,
    id: web::Path<i64>,
    _form: Posted,
) -> Result<HttpResponse, PageError> {
    let s = svc.into_inner();
    let id = id.into_inner();
    call(move || s.retry_mail(&v.actor, id)).await?;
    Ok(flash::redirect("/admin/mail", Confirmation::MailRetried))
}

async fn users_page(
    svc: Svc,
    v: &Viewer,
    page: i64,
    errors: BTreeMap<String, String>,
    values: Value,
) -> Result<HttpResponse, PageError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let users = call(move || s.users_overview(&actor, page)).await?;
    if page > users.pages {
        return Err(past_end(page, users.pages));
    }
    let mut c = page_context(v, "admin_users", "Användare och medlemskap");
    c.insert("users", &users.items.iter().map(|u| serde_json::json!({
        "email": u.email, "name": u.name, "role": u.role, "disabled": u.disabled,
        "unit": svc.config.structure.units.get(&u.unit).map_or(u.unit.as_str(), |x| x.name.as_str()),
        "memberships": u.memberships.iter().map(|m| serde_json::json!({
            "code": m,
            "name": svc.config.structure.forum(m).map_or(m.as_str(), |f| f.name.as_str()),
        })).collect::<Vec<_>>(),
    })).collect::<Vec<_>>());
    c.insert("total", &users.total);
    c.insert(
        "pager",
        &Pager::new(
            page,
            users.pages,
            users.total,
            "/admin/anvandare",
            &[],
            "Sidor med användare",
        ),
    );
    c.insert("forums", &svc.forums());
    c.insert("errors", &errors);
    c.insert("values", &with_defaults(values, &["email", "forum"]));
    html::render("admin_users.html", &c, status)
}

pub async fn users(
    svc: Svc,
    v: Viewer,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let page = q.number()?;
    users_page(
        svc,
        &v,
        page,
        BTreeMap::new(),
        Value::Object(Default::default()),
    )
    .await
}

pub async fn change_membership(
    svc: Svc,
    v: Viewer,
    form: Posted,
) -> Result<HttpResponse, PageError> {
    let email = form.get("email").unwrap_or_default();
    let forum = form.get("forum").unwrap_or_default();
    let add = form.get("op").as_deref() != Some("remove");
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    match run(move || s.change_membership(&actor, &email, &forum, add)).await? {
        Ok(_) => Ok(flash::redirect(
            "/admin/anvandare",
            if add {
                Confirmation::MembershipAdded
            } else {
                Confirmation::MembershipRemoved
            },
        )),
        Err(ServiceError::Invalid(errs)) => {
            let errors = errors_by_field("", &errs)
                .into_iter()
                .map(|(k, m)| {
                    let k = if k.ends_with("member") {
                        "forum".to_string()
                    } else {
                        k
                    };
                    (k, m)
                })
                .collect();
            users_page(svc, &v, 1, errors, Value::Object(form.values())).await
        }
        Err(e) => Err(e.into()),
    }
}
