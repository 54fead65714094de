//! The user's settings (mail preference, feed key) and the administrator's pages: failed mail with a
//! retry button, and users with their forum memberships, each list a page at a time.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{call, errors_by_field, page_context, run, Svc};
use crate::domain::catalogue::{Confirmation, FieldProblem, Hint, Missing, Thing};
use crate::domain::mail::FailureCause;
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::service::notifications::Preferences;
use crate::service::users::AccountStep;
use crate::service::ServiceError;
use crate::web::error::PageError;
use crate::web::flash;
use crate::web::html;
use crate::web::paging::{page_number, past_end, Pager};
use crate::web::session::{Posted, SessionKeys, Viewer};

pub async fn settings(
    svc: Svc,
    keys: web::Data<SessionKeys>,
    v: Viewer,
) -> Result<HttpResponse, PageError> {
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let p = call(move || s.preferences(&actor)).await?;
    let mut c = page_context(&v, "settings", "Inställningar");
    super::publication::feed_settings(&svc, &keys, &v.actor, &mut c).await?;
    c.insert("mail", &p.mail.unwrap_or_default());
    c.insert("saved", &false);
    html::render("settings.html", &c, StatusCode::OK)
}

pub async fn save_settings(
    svc: Svc,
    keys: web::Data<SessionKeys>,
    v: Viewer,
    form: Posted,
) -> Result<HttpResponse, PageError> {
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let p = Preferences {
        mail: form.get("mail"),
    };
    let chosen = p.mail.clone().unwrap_or_default();
    let mut c = page_context(&v, "settings", "Inställningar");
    super::publication::feed_settings(&svc, &keys, &v.actor, &mut c).await?;
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

/// The failed-mail page's query: a page, and the cause to list (`orsak`).
#[derive(Debug, Deserialize)]
pub struct MailQuery {
    sida: Option<String>,
    page: Option<String>,
    orsak: Option<String>,
}

fn cause_of(v: Option<&str>) -> Result<Option<FailureCause>, PageError> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => FailureCause::parse(v).map(Some).ok_or_else(|| {
            ServiceError::invalid(
                "orsak",
                FieldProblem::Unknown {
                    thing: Thing::Grouping,
                    value: v.into(),
                    hint: Hint::OneOf(FailureCause::choices()),
                },
            )
            .into()
        }),
    }
}

pub async fn failed_mail(
    svc: Svc,
    v: Viewer,
    q: web::Query<MailQuery>,
) -> Result<HttpResponse, PageError> {
    let page = page_number(q.sida.as_deref(), q.page.as_deref())?;
    let cause = cause_of(q.orsak.as_deref())?;
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let (causes, paged) = call(move || s.failed_mail_for(&actor, page, cause)).await?;
    if page > paged.pages {
        return Err(past_end(page, paged.pages));
    }
    let mut c = page_context(&v, "admin_mail", "Misslyckade e-postmeddelanden");
    let causes: Vec<serde_json::Value> = causes
        .iter()
        .map(|x| {
            serde_json::json!({
                "code": x.cause.as_str(),
                "label": x.cause.label_sv(),
                "advice": x.cause.advice_sv(),
                "count": x.count,
                "chosen": Some(x.cause) == cause,
            })
        })
        .collect();
    let mails: Vec<serde_json::Value> = paged
        .items
        .iter()
        .map(|m| {
            let cause = FailureCause::parse(&m.cause).unwrap_or(FailureCause::Other);
            serde_json::json!({
                "id": m.id, "to": m.to, "subject": m.subject, "reference": m.reference,
                "attempts": m.attempts, "last_error": m.last_error, "created_at": m.created_at,
                "cause": cause.label_sv(),
            })
        })
        .collect();
    let chosen = cause.map(|x| x.as_str()).unwrap_or("");
    let params: Vec<(&str, &str)> = if chosen.is_empty() {
        Vec::new()
    } else {
        vec![("orsak", chosen)]
    };
    c.insert("causes", &causes);
    c.insert("mails", &mails);
    c.insert("chosen", chosen);
    c.insert(
        "total",
        &causes
            .iter()
            .filter_map(|x| x["count"].as_i64())
            .sum::<i64>(),
    );
    c.insert("listed", &paged.total);
    c.insert(
        "pager",
        &Pager::new(
            page,
            paged.pages,
            paged.total,
            "/admin/mail",
            &params,
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

/// "Skicka alla igen": every failed mail, or those of the cause the form names.
pub async fn retry_all_mail(svc: Svc, v: Viewer, form: Posted) -> Result<HttpResponse, PageError> {
    let cause = cause_of(form.get("orsak").as_deref())?;
    let s = svc.into_inner();
    call(move || s.retry_failed(&v.actor, cause)).await?;
    Ok(flash::redirect("/admin/mail", Confirmation::MailRetriedAll))
}

/// The people list's query: a page, and words to find people by.
#[derive(Debug, Deserialize)]
pub struct UsersQuery {
    sida: Option<String>,
    page: Option<String>,
    q: Option<String>,
}

async fn users_page(
    svc: Svc,
    v: &Viewer,
    page: i64,
    query: String,
) -> Result<HttpResponse, PageError> {
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let q = query.clone();
    let users = call(move || s.users_overview(&actor, page, &q)).await?;
    if page > users.pages {
        return Err(past_end(page, users.pages));
    }
    let structure = &svc.config.structure;
    let mut c = page_context(v, "admin_users", "Användare och medlemskap");
    c.insert("users", &users.items.iter().map(|u| serde_json::json!({
        "id": u.id, "email": u.email, "name": u.name, "role": u.role, "disabled": u.disabled,
        "unit": structure.units.get(&u.unit).map_or(u.unit.as_str(), |x| x.name.as_str()),
        "memberships": u.memberships.iter().map(|m| {
            structure.forum(m).map_or(m.as_str(), |f| f.name.as_str())
        }).collect::<Vec<_>>(),
    })).collect::<Vec<_>>());
    c.insert("total", &users.total);
    c.insert("query", &query);
    let params: Vec<(&str, &str)> = if query.is_empty() {
        Vec::new()
    } else {
        vec![("q", query.as_str())]
    };
    c.insert(
        "pager",
        &Pager::new(
            page,
            users.pages,
            users.total,
            "/admin/anvandare",
            &params,
            "Sidor med användare",
        ),
    );
    html::render("admin_users.html", &c, StatusCode::OK)
}

pub async fn users(
    svc: Svc,
    v: Viewer,
    q: web::Query<UsersQuery>,
) -> Result<HttpResponse, PageError> {
    let page = page_number(q.sida.as_deref(), q.page.as_deref())?;
    let query = q.q.clone().unwrap_or_default().trim().to_string();
    users_page(svc, &v, page, query).await
}

/// A person's page: who they are and their memberships as checkboxes, by level.
async fn person_page(
    svc: Svc,
    v: &Viewer,
    id: i64,
    errors: BTreeMap<String, String>,
) -> Result<HttpResponse, PageError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let person = call(move || s.person(&actor, id)).await?;
    let structure = &svc.config.structure;
    let mut forums = svc.forums();
    forums.sort_by(|a, b| (a.level, &a.name).cmp(&(b.level, &b.name)));
    let mut groups: Vec<serde_json::Value> = Vec::new();
    for level in Level::ALL {
        let here: Vec<serde_json::Value> = forums
            .iter()
            .filter(|f| f.level == *level)
            .map(|f| {
                serde_json::json!({
                    "code": f.code,
                    "name": f.name,
                    "member": person.memberships.contains(&f.code),
                })
            })
            .collect();
        if !here.is_empty() {
            groups.push(serde_json::json!({"level": level.title_sv(), "code": level.as_str(), "forums": here}));
        }
    }
    let mut c = page_context(v, "admin_users", &person.name);
    c.insert("person", &serde_json::json!({
        "id": person.id, "name": person.name, "email": person.email, "role": person.role,
        "disabled": person.disabled,
        "unit": structure.units.get(&person.unit).map_or(person.unit.as_str(), |x| x.name.as_str()),
    }));
    c.insert("groups", &groups);
    c.insert("errors", &errors);
    html::render("admin_person.html", &c, status)
}

pub async fn person(svc: Svc, v: Viewer, id: web::Path<i64>) -> Result<HttpResponse, PageError> {
    person_page(svc, &v, id.into_inner(), BTreeMap::new()).await
}

/// Saves a person's memberships as checked, and comes back to the same person.
pub async fn save_person(
    svc: Svc,
    v: Viewer,
    id: web::Path<i64>,
    form: Posted,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let forums = form.all("forum");
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    match run(move || s.set_memberships(&actor, id, &forums)).await? {
        Ok(change) => Ok(flash::redirect(
            &format!("/admin/anvandare/{id}"),
            if change.is_empty() {
                Confirmation::MembershipUnchanged
            } else {
                Confirmation::MembershipsSaved
            },
        )),
        Err(ServiceError::Invalid(errs)) => {
            person_page(svc, &v, id, errors_by_field("", &errs)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A step on the person's account: end every session and token, disable, enable.
pub async fn account_step(
    svc: Svc,
    v: Viewer,
    path: web::Path<(i64, String)>,
    _form: Posted,
) -> Result<HttpResponse, PageError> {
    let (id, step) = path.into_inner();
    let (step, done) = match step.as_str() {
        "avsluta-inloggningar" => (AccountStep::EndSessions, Confirmation::SessionsEnded),
        "stang-av" => (AccountStep::Disable, Confirmation::AccountDisabled),
        "oppna" => (AccountStep::Enable, Confirmation::AccountEnabled),
        other => return Err(ServiceError::NotFound(Missing::Step(other.into())).into()),
    };
    let s = svc.into_inner();
    let actor = v.actor.clone();
    call(move || s.account_step(&actor, id, step)).await?;
    Ok(flash::redirect(&format!("/admin/anvandare/{id}"), done))
}

/// The earlier form by e-mail address (kept for its address): one membership added or
/// removed, then the person's page.
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
        Ok((person, changed)) => Ok(flash::redirect(
            &format!("/admin/anvandare/{}", person.id),
            match (changed, add) {
                (false, _) => Confirmation::MembershipUnchanged,
                (true, true) => Confirmation::MembershipAdded,
                (true, false) => Confirmation::MembershipRemoved,
            },
        )),
        Err(e) => Err(e.into()),
    }
}
