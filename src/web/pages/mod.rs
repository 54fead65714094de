//! The HTML pages: routes, the context every page shares, and signing in and out. Each
//! handler calls one use case off the executor and renders a template; no rules live here.

mod admin;
mod consistency;
mod oversight;
mod publication;
mod questions;
mod queue;
mod search;
mod work;

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use tera::Context;

use super::client;
use super::error::PageError;
use super::flash;
use super::html;
use super::redirect::safe_next;
use super::session::{
    new_session, now_secs, session_of, session_or_new, Posted, SessionKeys, Viewer,
};
use super::throttle::{Kind, Throttle};
use crate::domain::catalogue::{FieldProblem, Missing, Refusal, Worded};
use crate::service::{FieldError, Service, ServiceError, ServiceResult};

type Svc = web::Data<Service>;

/// Form bodies may carry a question's full text.
const MAX_FORM: usize = 256 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("")
            .wrap_fn(|req, srv| {
                use actix_web::dev::Service as _;
                let had = flash::carried(&req);
                let res = srv.call(req);
                async move {
                    let res = flash::clear_once_shown(had, res.await?);
                    Ok(super::session::send_issued_session(res))
                }
            })
            .app_data(
                web::FormConfig::default()
                    .limit(MAX_FORM)
                    .error_handler(|e, _| PageError::BadForm(e.to_string()).into()),
            )
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                PageError::from(ServiceError::invalid(
                    "query",
                    FieldProblem::Unreadable {
                        detail: e.to_string(),
                    },
                ))
                .into()
            }))
            .app_data(
                web::PathConfig::default().error_handler(|_, req: &HttpRequest| {
                    PageError::from(ServiceError::NotFound(Missing::Page(req.path().into()))).into()
                }),
            )
            .route("/static/style.css", web::get().to(html::style))
            .route("/static/eskalera.js", web::get().to(html::script))
            .route("/logga-in", web::get().to(sign_in_form))
            .route("/logga-in", web::post().to(sign_in))
            .route("/logga-ut", web::post().to(sign_out))
            .route("/auth/oidc/login", web::get().to(super::oidc::login))
            .route("/auth/oidc/callback", web::get().to(super::oidc::callback))
            .route("/", web::get().to(work::start))
            .route("/att-gora", web::get().to(work::todo))
            .route("/forsenade", web::get().to(work::late))
            .route("/mina", web::get().to(questions::mine))
            .route("/fragor/ny", web::get().to(questions::ask_form))
            .route("/fragor/ny", web::post().to(questions::ask))
            .route("/fragor/{id}", web::get().to(questions::show))
            // The links in mail (service::notifications) name /questions/{id}.
            .route("/questions/{id}", web::get().to(questions::mail_link))
            .route("/fragor/{id}/{action}", web::post().to(questions::act))
            .route(
                "/svar/{id}/status",
                web::post().to(questions::binding_status),
            )
            .route("/svarets-status", web::get().to(questions::binding_help))
            .route("/ko", web::get().to(queue::queue))
            .route("/sok", web::get().to(search::search))
            .route("/gallande-stod", web::get().to(publication::register))
            .route("/lander", web::get().to(publication::pick_country))
            .route("/lander/{code}", web::get().to(publication::country))
            .route(
                "/sparade-sokningar",
                web::get().to(publication::saved_searches),
            )
            .route(
                "/sparade-sokningar",
                web::post().to(publication::save_search),
            )
            .route(
                "/sparade-sokningar/{id}/ta-bort",
                web::post().to(publication::delete_saved_search),
            )
            .route(
                "/installningar/flodesnyckel",
                web::post().to(publication::replace_feed_token),
            )
            .route(
                "/installningar/flodesnyckel/aterkalla",
                web::post().to(publication::revoke_feed_token),
            )
            .route("/oversikt", web::get().to(oversight::overview))
            .route("/rapporter", web::get().to(oversight::reports))
            .route("/enhetlighet", web::get().to(consistency::topics))
            .route("/enhetlighet/mojliga", web::get().to(consistency::possible))
            .route(
                "/enhetlighet/mojliga/{id}",
                web::post().to(consistency::review_possible),
            )
            .route("/enhetlighet/amnen/{id}", web::get().to(consistency::topic))
            .route(
                "/enhetlighet/amnen/{id}",
                web::post().to(consistency::decide_topic),
            )
            .route("/enhetlighet/{id}", web::get().to(consistency::case))
            .route("/enhetlighet/{id}", web::post().to(consistency::decide))
            .route("/rapporter/sla", web::get().to(oversight::sla_download))
            .route(
                "/rapporter/backlog",
                web::get().to(oversight::backlog_download),
            )
            .route("/installningar", web::get().to(admin::settings))
            .route("/installningar", web::post().to(admin::save_settings))
            .route("/admin/mail", web::get().to(admin::failed_mail))
            .route("/admin/mail/{id}/retry", web::post().to(admin::retry_mail))
            .route(
                "/admin/mail/skicka-igen",
                web::post().to(admin::retry_all_mail),
            )
            .route("/admin/anvandare", web::get().to(admin::users))
            .route("/admin/anvandare", web::post().to(admin::change_membership))
            .route("/admin/anvandare/{id}", web::get().to(admin::person))
            .route("/admin/anvandare/{id}", web::post().to(admin::save_person))
            .route(
                "/admin/anvandare/{id}/{step}",
                web::post().to(admin::account_step),
            ),
    );
}

/// Runs a use case on the thread pool, keeping its error for the page to show in a form.
async fn run<T: Send + 'static>(
    f: impl FnOnce() -> ServiceResult<T> + Send + 'static,
) -> Result<ServiceResult<T>, PageError> {
    crate::web::observe::block(f)
        .await
        .map_err(|_| PageError::Unavailable)
}

/// Runs a use case whose every error becomes the error page.
async fn call<T: Send + 'static>(
    f: impl FnOnce() -> ServiceResult<T> + Send + 'static,
) -> Result<T, PageError> {
    Ok(run(f).await??)
}

/// The context every page of a signed-in user has: who they are, the CSRF token, the menu.
fn page_context(v: &Viewer, nav: &str, title: &str) -> Context {
    let mut c = Context::new();
    c.insert(
        "viewer",
        &json!({
            "name": v.actor.name,
            "email": v.actor.email,
            "role": v.actor.role.to_string(),
            "member": !v.actor.memberships.is_empty(),
            "oversee": v.actor.may_oversee(),
            "admin": v.actor.may_administer(),
            "todo": v.counts.todo,
            "late": v.counts.late,
        }),
    );
    c.insert("csrf", &v.csrf);
    c.insert("done", &v.done.map(|d| d.sv()));
    c.insert("nav", nav);
    c.insert("title", title);
    c.insert("errors", &BTreeMap::<String, String>::new());
    c.insert("values", &serde_json::Map::new());
    c.insert("embed", &false);
    c
}

/// Field errors keyed by field, in Swedish; list items (tags[2]) count for their list.
fn errors_by_field(prefix: &str, errors: &[FieldError]) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for e in errors {
        let field = e.field.split('[').next().unwrap_or(&e.field);
        let key = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        let msg = e.message_sv.clone();
        out.entry(key)
            .and_modify(|m| {
                m.push(' ');
                m.push_str(&msg);
            })
            .or_insert(msg);
    }
    out
}

/// Form values for a template with every field it compares present (tera refuses to compare
/// a missing value).
fn with_defaults(values: serde_json::Value, keys: &[&str]) -> serde_json::Value {
    let mut map = match values {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    for k in keys {
        map.entry(k.to_string())
            .or_insert_with(|| serde_json::Value::String(String::new()));
    }
    serde_json::Value::Object(map)
}

pub(super) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn sign_in_page(
    svc: &Service,
    csrf: &str,
    next: &str,
    email: &str,
    errors: BTreeMap<String, String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let mut c = Context::new();
    c.insert("csrf", csrf);
    c.insert("next", next);
    c.insert("email", email);
    c.insert("errors", &errors);
    c.insert("title", "Logga in");
    c.insert("nav", "signin");
    c.insert("passwords", &svc.config.local_passwords);
    if svc.config.oidc.is_some() {
        c.insert(
            "provider_url",
            &format!("/auth/oidc/login?next={}", super::html::url_encode(next)),
        );
        c.insert("provider_label", &svc.config.auth.sign_in_label);
    }
    c.insert("proxy", &svc.config.auth_headers);
    html::render("signin.html", &c, status)
}

async fn sign_in_form(
    req: HttpRequest,
    svc: Svc,
    keys: web::Data<SessionKeys>,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(q.next.as_deref());
    let (session, mut fresh) = session_or_new(&req);
    let mut session = session;
    if let Some(user) = session.user {
        // A session still in force goes on; one that has ended (signed out everywhere,
        // disabled) is replaced, or the page and the sign-in would send the browser in a loop.
        let s = svc.clone().into_inner();
        let issued = session.issued_at();
        match run(move || s.session_actor(user, issued)).await? {
            Ok(_) => return Ok(see_other(&next)),
            Err(_) => {
                session = new_session(&req, None);
                fresh = true;
            }
        }
    }
    let mut res = sign_in_page(
        &svc,
        &session.csrf,
        &next,
        "",
        BTreeMap::new(),
        StatusCode::OK,
    )?;
    if fresh {
        let cookie = keys.cookie(&session, &req);
        if let Ok(v) = header::HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

async fn sign_in(
    req: HttpRequest,
    svc: Svc,
    keys: web::Data<SessionKeys>,
    throttle: web::Data<Throttle>,
    form: Posted,
) -> Result<HttpResponse, PageError> {
    let csrf = session_of(&req).map(|s| s.csrf).unwrap_or_default();
    if !svc.config.local_passwords {
        return Err(ServiceError::from(Refusal::LocalPasswordsOff).into());
    }
    let next = safe_next(form.get("next").as_deref());
    let email = form.get("email").unwrap_or_default().to_lowercase();
    let password = form.raw("password");
    let mut errors = BTreeMap::new();
    if email.is_empty() {
        errors.insert("email".to_string(), "Ange din e-postadress.".to_string());
    }
    if password.is_empty() {
        errors.insert("password".to_string(), "Ange ditt lösenord.".to_string());
    }
    if !errors.is_empty() {
        return sign_in_page(
            &svc,
            &csrf,
            &next,
            &email,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let now = now_secs(&req);
    // The person's own browser is throttled on its own; anyone else shares the account's
    // allowance. The client address counts for every attempt.
    let mut throttle_keys = vec![(Kind::Client, client::address_key(&req))];
    throttle_keys.push(match keys.device_of(&req, &email, now) {
        Some(device) => (Kind::Device, device),
        None => (Kind::Account, email.clone()),
    });
    let reservation = throttle
        .reserve(throttle_keys)
        .map_err(|wait| PageError::TooManyAttempts(wait.as_secs().max(1)))?;
    let s = svc.clone().into_inner();
    let e = email.clone();
    let outcome = match run(move || s.sign_in(&e, &password)).await {
        Ok(outcome) => outcome,
        Err(e) => {
            throttle.not_checked(reservation);
            return Err(e);
        }
    };
    match outcome {
        Ok(actor) => {
            throttle.succeeded(reservation);
            // A new session, and so a new CSRF token, at every sign-in.
            let session = new_session(&req, Some(actor.id));
            let mut res = see_other(&next);
            for cookie in [
                keys.cookie(&session, &req),
                keys.device_cookie(&email, now, &req),
            ] {
                if let Ok(v) = header::HeaderValue::from_str(&cookie) {
                    res.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            Ok(res)
        }
        Err(ServiceError::Unauthenticated(_)) => {
            throttle.failed(reservation);
            let mut errors = BTreeMap::new();
            errors.insert(
                "password".to_string(),
                "Fel e-postadress eller lösenord.".to_string(),
            );
            sign_in_page(&svc, &csrf, &next, &email, errors, StatusCode::UNAUTHORIZED)
        }
        Err(ServiceError::Invalid(_)) => {
            throttle.not_checked(reservation);
            let mut errors = BTreeMap::new();
            errors.insert(
                "email".to_string(),
                "Ange en giltig e-postadress.".to_string(),
            );
            sign_in_page(
                &svc,
                &csrf,
                &next,
                "",
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e @ ServiceError::Disabled(_)) => {
            // The right password of a disabled person: no new guess was spent.
            throttle.succeeded(reservation);
            Err(e.into())
        }
        Err(e) => {
            throttle.not_checked(reservation);
            Err(e.into())
        }
    }
}

/// Signing out ends every session of the person at once, the copies of this cookie included.
async fn sign_out(
    req: HttpRequest,
    svc: Svc,
    keys: web::Data<SessionKeys>,
    _form: Posted,
) -> Result<HttpResponse, PageError> {
    let session = session_of(&req);
    if let Some(user) = session.as_ref().and_then(|s| s.user) {
        let s = svc.into_inner();
        call(move || s.sign_out(user)).await?;
    }
    // Signed in through the provider: sign out there too, when it offers that.
    let provider = req.app_data::<web::Data<super::oidc::Provider>>().cloned();
    let at_provider = match provider.filter(|_| session.is_some_and(|s| s.via_provider)) {
        Some(p) => crate::web::observe::block(move || p.sign_out_url())
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let mut res = see_other(at_provider.as_deref().unwrap_or("/logga-in"));
    if let Ok(v) = header::HeaderValue::from_str(&keys.clear(&req)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
