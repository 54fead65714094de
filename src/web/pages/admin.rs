//! The user's settings (mail preference) and the administrator's pages: failed mail with a
//! retry button, and users with their forum memberships.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::Value;

use super::{call, errors_by_field, page_context, run, see_other, with_defaults, Svc};
use crate::service::notifications::Preferences;
use crate::service::ServiceError;
use crate::web::error::PageError;
use crate::web::html;
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

pub async fn failed_mail(svc: Svc, v: Viewer) -> Result<HttpResponse, PageError> {
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let mails = call(move || s.failed_mail_for(&actor)).await?;
    let mut c = page_context(&v, "admin_mail", "Misslyckade e-postmeddelanden");
    c.insert("mails", &mails);
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
    call(move || s.retry_mail_for(&v.actor, id)).await?;
    Ok(see_other("/admin/mail"))
}

async fn users_page(
    svc: Svc,
    v: &Viewer,
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
    let users = call(move || s.users_overview(&actor)).await?;
    let mut c = page_context(v, "admin_users", "Användare och medlemskap");
    c.insert("users", &users.iter().map(|u| serde_json::json!({
        "email": u.email, "name": u.name, "role": u.role,
        "unit": svc.config.structure.units.get(&u.unit).map_or(u.unit.as_str(), |x| x.name.as_str()),
        "memberships": u.memberships.iter().map(|m| serde_json::json!({
            "code": m,
            "name": svc.config.structure.forum(m).map_or(m.as_str(), |f| f.name.as_str()),
        })).collect::<Vec<_>>(),
    })).collect::<Vec<_>>());
    c.insert("forums", &svc.forums());
    c.insert("errors", &errors);
    c.insert("values", &with_defaults(values, &["email", "forum"]));
    html::render("admin_users.html", &c, status)
}

pub async fn users(svc: Svc, v: Viewer) -> Result<HttpResponse, PageError> {
    users_page(svc, &v, BTreeMap::new(), Value::Object(Default::default())).await
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
        Ok(_) => Ok(see_other("/admin/anvandare")),
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
            users_page(svc, &v, errors, Value::Object(form.values())).await
        }
        Err(e) => Err(e.into()),
    }
}
