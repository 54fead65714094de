//! Who is calling: the bearer token of an API request, resolved to an `Actor`; for reads, the
//! pages' session cookie also counts (the pages' script asks for similar questions that way).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::error::ApiError;
use super::session::Session;
use crate::service::{Actor, Service, ServiceError};

/// The signed-in caller; extracting it answers 401 when the token is missing or bad. A session
/// cookie counts for safe methods only: a browser sends the cookie on its own, so a write
/// through it would need a CSRF check.
pub struct Caller(pub Actor);

/// A caller of a read that is sent as a POST (a draft question's text does not belong in a
/// URL, where logs and proxies keep it): the session cookie counts when the request also
/// carries the session's CSRF token in `X-CSRF-Token`, which another site cannot read.
pub struct Reader(pub Actor);

fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string())
}

fn csrf_header_matches(req: &HttpRequest, s: &Session) -> bool {
    req.headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sent| !s.csrf.is_empty() && super::session::same(sent, &s.csrf))
}

type Resolved = Pin<Box<dyn Future<Output = Result<Actor, ApiError>>>>;

/// Resolves the token, or the session when `session_counts` says the request may use it.
fn resolve(req: &HttpRequest, session_counts: impl Fn(&Session) -> bool) -> Resolved {
    let svc = req.app_data::<web::Data<Service>>().cloned();
    let req = req.clone();
    let token = bearer(&req);
    let session = if token.is_none() {
        super::session::session_of(&req).filter(|s| session_counts(s))
    } else {
        None
    };
    let actor = resolve_actor(svc, token, session);
    Box::pin(async move {
        let actor = actor.await?;
        super::observe::signed_in(&req, actor.id);
        Ok(actor)
    })
}

fn resolve_actor(
    svc: Option<web::Data<Service>>,
    token: Option<String>,
    session: Option<Session>,
) -> Resolved {
    Box::pin(async move {
        let svc = svc.ok_or(ApiError::Unavailable)?;
        if let Some((user, issued)) = session.and_then(|s| s.user.map(|u| (u, s.issued_at()))) {
            return crate::web::observe::block(move || svc.session_actor(user, issued))
                .await
                .map_err(|_| ApiError::Unavailable)?
                .map_err(ApiError::from);
        }
        let token = token.filter(|t| !t.is_empty()).ok_or_else(|| {
            ServiceError::Unauthenticated(
                "sign in: send Authorization: Bearer <token> (create one with `eskalera token create`)".into(),
            )
        })?;
        crate::web::observe::block(move || svc.authenticate_token(&token))
            .await
            .map_err(|_| ApiError::Unavailable)?
            .map_err(ApiError::from)
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let is_get = req.method() == actix_web::http::Method::GET;
        let actor = resolve(req, |_| is_get);
        Box::pin(async move { Ok(Caller(actor.await?)) })
    }
}

impl FromRequest for Reader {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Reader, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let is_get = req.method() == actix_web::http::Method::GET;
        let r = req.clone();
        let actor = resolve(req, move |s| is_get || csrf_header_matches(&r, s));
        Box::pin(async move { Ok(Reader(actor.await?)) })
    }
}
