//! HTTP: routes, the JSON API and the HTML pages; thin over the service layer.

pub mod api;
pub mod auth;
pub mod client;
pub mod error;
pub mod export;
pub mod flash;
pub mod html;
pub mod observe;
pub mod oidc;
pub mod openapi;
pub mod pages;
pub mod paging;
pub mod proxy_auth;
pub mod publication;
pub mod redirect;
pub mod session;
pub mod throttle;
pub mod workbook;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

use crate::domain::catalogue::FieldProblem;
use crate::service::Service;
use error::{invalid, ApiError};

const MAX_BODY: usize = 256 * 1024;

fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY))
        .app_data(web::QueryConfig::default().error_handler(|e, _| {
            invalid(
                "query",
                FieldProblem::Unreadable {
                    detail: e.to_string(),
                },
            )
            .into()
        }))
        .app_data(
            web::PathConfig::default().error_handler(|e, req: &HttpRequest| {
                ApiError::NotFound(format!("{} does not exist: {e}", req.path())).into()
            }),
        )
        .route("/healthz", web::get().to(api::healthz))
        .route("/livez", web::get().to(observe::livez))
        .route("/readyz", web::get().to(observe::readyz))
        .route("/metrics", web::get().to(observe::metrics))
        .service(
            web::scope("/api/v1")
                // Answers hold unpublished questions: no shared cache or browser history keeps them.
                .wrap(
                    actix_web::middleware::DefaultHeaders::new()
                        .add((actix_web::http::header::CACHE_CONTROL, "no-store")),
                )
                .route("/openapi.json", web::get().to(openapi::document))
                .route("/forums", web::get().to(api::forums))
                .route("/units", web::get().to(api::units))
                .route("/me/preferences", web::get().to(api::preferences))
                .route("/me/preferences", web::put().to(api::set_preferences))
                .route(
                    "/me/feed-token",
                    web::post().to(publication::new_feed_token),
                )
                .route("/register", web::get().to(publication::register))
                .route("/countries/{code}", web::get().to(publication::country))
                .route(
                    "/saved-searches",
                    web::get().to(publication::saved_searches),
                )
                .route("/saved-searches", web::post().to(publication::save_search))
                .route(
                    "/saved-searches/{id}",
                    web::delete().to(publication::delete_saved_search),
                )
                .route("/processes", web::get().to(api::processes))
                .route("/categories", web::get().to(api::categories))
                .route("/questions", web::get().to(api::list))
                .route("/questions", web::post().to(api::submit))
                // Before /questions/{id}, which would take "similar" for an id.
                .route("/questions/similar", web::get().to(api::similar))
                .route("/questions/similar", web::post().to(api::similar_post))
                .route("/search", web::get().to(api::search))
                .route("/reports/sla", web::get().to(api::sla_report))
                .route("/reports/backlog", web::get().to(api::backlog))
                .route("/questions/{id}", web::get().to(api::get))
                .route("/questions/{id}/claim", web::post().to(api::claim))
                .route("/questions/{id}/assign", web::post().to(api::assign))
                .route("/questions/{id}/escalate", web::post().to(api::escalate))
                .route(
                    "/questions/{id}/request-info",
                    web::post().to(api::request_info),
                )
                .route(
                    "/questions/{id}/provide-info",
                    web::post().to(api::provide_info),
                )
                .route("/questions/{id}/answers", web::post().to(api::answer))
                .route("/questions/{id}/close", web::post().to(api::close))
                .route("/questions/{id}/withdraw", web::post().to(api::withdraw))
                .route("/questions/{id}/reopen", web::post().to(api::reopen))
                .route("/questions/{id}/duplicate", web::post().to(api::duplicate))
                .route("/questions/{id}/follow", web::post().to(api::follow))
                .route("/questions/{id}/follow", web::delete().to(api::unfollow))
                .route(
                    "/answers/{id}/binding-status",
                    web::post().to(api::binding_status),
                )
                .route("/consistency-cases", web::get().to(api::consistency_cases))
                .route(
                    "/consistency-cases/{id}",
                    web::get().to(api::consistency_case),
                )
                .route(
                    "/consistency-cases/{id}/decision",
                    web::post().to(api::decide_case),
                )
                .route(
                    "/consistency-topics",
                    web::get().to(api::consistency_topics),
                )
                .route(
                    "/consistency-topics/{id}",
                    web::get().to(api::consistency_topic),
                )
                .route(
                    "/consistency-topics/{id}/decision",
                    web::post().to(api::decide_topic),
                )
                .route(
                    "/possible-divergences",
                    web::get().to(api::possible_divergences),
                )
                .route(
                    "/possible-divergences/{id}",
                    web::get().to(api::possible_divergence),
                )
                .route(
                    "/possible-divergences/{id}/review",
                    web::post().to(api::review_possible),
                ),
        )
        // Feeds open by the feed token in their address; before the pages, whose scope takes
        // every other path.
        .route(
            "/gallande-stod/feed.atom",
            web::get().to(publication::register_feed),
        )
        .route(
            "/lander/{code}/feed.atom",
            web::get().to(publication::country_feed),
        )
        .route(
            "/forum/{code}/feed.atom",
            web::get().to(publication::forum_feed),
        )
        .route(
            "/sparade-sokningar/{id}/feed.atom",
            web::get().to(publication::saved_search_feed),
        )
        .configure(pages::configure)
        .default_service(web::to(not_found));
}

/// Unknown paths: problem+json under /api, an error page everywhere else.
async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") {
        let e = ApiError::NotFound(format!(
            "there is nothing at {} {}",
            req.method(),
            req.path()
        ));
        actix_web::ResponseError::error_response(&e)
    } else {
        let missing = crate::domain::catalogue::Missing::Page(req.path().into());
        let e = error::PageError::from(crate::service::ServiceError::NotFound(missing));
        actix_web::ResponseError::error_response(&e)
    }
}

/// The HTTP server on an already bound listener (tests bind port 0).
pub fn server(svc: Service, listener: TcpListener, workers: usize) -> std::io::Result<Server> {
    html::check_templates().map_err(std::io::Error::other)?;
    let keys = web::Data::new(session::SessionKeys::load(&svc.config)?);
    let throttle = web::Data::new(throttle::Throttle::default());
    let proxies = web::Data::new(client::TrustedProxies(svc.config.trusted_proxies.clone()));
    let https = svc.config.base_url.starts_with("https://");
    let oidc = match svc.config.oidc.clone() {
        Some(o) => Some(web::Data::new(
            oidc::Provider::new(o, &svc.config.base_url, svc.config.ca_file.as_deref())
                .map_err(std::io::Error::other)?,
        )),
        None => None,
    };
    let provider_origin = svc
        .config
        .oidc
        .as_ref()
        .and_then(|o| url::Url::parse(&o.issuer).ok())
        .map(|u| u.origin().ascii_serialization());
    let data = web::Data::new(svc);
    Ok(HttpServer::new(move || {
        let app = App::new();
        let app = match &oidc {
            Some(p) => app.app_data(p.clone()),
            None => app,
        };
        app.app_data(data.clone())
            .app_data(keys.clone())
            .app_data(throttle.clone())
            .app_data(proxies.clone())
            .wrap(html::security_headers(https, provider_origin.as_deref()))
            .wrap(actix_web::middleware::from_fn(html::embed_frames))
            .wrap(actix_web::middleware::from_fn(observe::requests))
            .configure(configure)
    })
    .workers(workers)
    .listen(listener)?
    .run())
}
