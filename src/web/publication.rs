//! Publication over HTTP: the register, country, saved-search and feed-token API, and the Atom
//! feeds, which a feed token in the address opens (never the session cookie).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use tera::Context;

use super::api::blocking;
use super::auth::Caller;
use super::error::{ApiError, Problem};
use super::session::SessionKeys;
use crate::service::publication::{
    CountryPage, Feed, FeedKind, FeedTokenView, RegisterPage, RegisterQuery, SavedSearchInput,
    SavedSearchView,
};
use crate::service::{Actor, Service};

type Svc = web::Data<Service>;

#[utoipa::path(get, path = "/api/v1/register", tag = "publication", security(("bearer" = [])),
    params(RegisterQuery),
    responses((status = 200, description = "The answers in force of a process (or, with filters, any level's guidance or the superseded and withdrawn ones), by category, newest first", body = RegisterPage),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn register(
    svc: Svc,
    c: Caller,
    q: web::Query<RegisterQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let q = q.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.register(&c.0, &q)).await?))
}

#[utoipa::path(get, path = "/api/v1/countries/{code}", tag = "publication", security(("bearer" = [])),
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2, or the country's Swedish name")),
    responses((status = 200, description = "Answers in force about the country, its open questions, temporary support due for review and the references cited", body = CountryPage),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn country(
    svc: Svc,
    c: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let code = code.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.country(&c.0, &code)).await?))
}

#[utoipa::path(get, path = "/api/v1/saved-searches", tag = "publication", security(("bearer" = [])),
    responses((status = 200, body = Vec<SavedSearchView>), (status = 401, body = Problem)))]
pub async fn saved_searches(svc: Svc, c: Caller) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.saved_searches(&c.0)).await?))
}

#[utoipa::path(post, path = "/api/v1/saved-searches", tag = "publication", security(("bearer" = [])),
    request_body = SavedSearchInput,
    responses((status = 201, body = SavedSearchView), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn save_search(svc: Svc, c: Caller, bytes: web::Bytes) -> Result<HttpResponse, ApiError> {
    let input: SavedSearchInput = super::api::body(&bytes)?;
    let s = svc.into_inner();
    let v = blocking(move || s.save_search(&c.0, &input)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/saved-searches/{}", v.id)))
        .json(v))
}

#[utoipa::path(delete, path = "/api/v1/saved-searches/{id}", tag = "publication", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted with its feed"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_saved_search(
    svc: Svc,
    c: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let id = id.into_inner();
    blocking(move || s.delete_saved_search(&c.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/me/feed-token", tag = "me", security(("bearer" = [])),
    responses((status = 201, description = "A new feed token; the old one stops working", body = FeedTokenView),
        (status = 401, body = Problem)))]
pub async fn new_feed_token(
    svc: Svc,
    keys: web::Data<SessionKeys>,
    c: Caller,
) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let t =
        blocking(move || s.replace_feed_token(&c.0, &|user, nonce| keys.feed_token(user, nonce)))
            .await?;
    Ok(HttpResponse::Created().json(t))
}

/// A feed's address: the feed token (required) and, for a register, the process.
#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    token: Option<String>,
    process: Option<String>,
}

/// The reader a feed token in the address names, or 401; the session cookie does not count
/// (a feed reader has none, and a feed is no place for one).
pub async fn feed_reader(svc: &Svc, token: Option<String>) -> Result<Actor, ApiError> {
    let Some(token) = token else {
        return Err(ApiError::Service(
            crate::service::ServiceError::Unauthenticated(
                "a feed needs ?token= with your feed token (see Inställningar)".into(),
            ),
        ));
    };
    let s = svc.clone().into_inner();
    blocking(move || s.feed_actor(&token)).await
}

async fn feed(svc: Svc, token: Option<String>, kind: FeedKind) -> Result<HttpResponse, ApiError> {
    let actor = feed_reader(&svc, token.clone()).await?;
    let s = svc.clone().into_inner();
    let f = blocking(move || s.feed(&actor, &kind)).await?;
    atom(&svc.config.base_url, &f)
}

pub async fn register_feed(svc: Svc, q: web::Query<FeedQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let process = q.process.unwrap_or_default();
    feed(svc, q.token, FeedKind::Register(process)).await
}

pub async fn country_feed(
    svc: Svc,
    code: web::Path<String>,
    q: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    feed(
        svc,
        q.into_inner().token,
        FeedKind::Country(code.into_inner()),
    )
    .await
}

pub async fn forum_feed(
    svc: Svc,
    code: web::Path<String>,
    q: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    feed(
        svc,
        q.into_inner().token,
        FeedKind::Forum(code.into_inner()),
    )
    .await
}

pub async fn saved_search_feed(
    svc: Svc,
    id: web::Path<i64>,
    q: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    feed(
        svc,
        q.into_inner().token,
        FeedKind::SavedSearch(id.into_inner()),
    )
    .await
}

/// The Atom 1.0 document of a feed; links are absolute (a feed reader has no page to resolve
/// them against). The feed token is not in them: the reader keeps the feed's own address.
fn atom(base: &str, f: &Feed) -> Result<HttpResponse, ApiError> {
    let base = base.trim_end_matches('/');
    let mut c = Context::new();
    c.insert("base", base);
    c.insert("feed", f);
    let body = super::html::render_xml("atom.xml", &c).map_err(|_| ApiError::Unavailable)?;
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(body))
}
