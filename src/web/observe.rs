//! Each request's id, its access line and its metrics; `/livez`, `/readyz` and `/metrics`.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::observe::logging;
use crate::observe::RequestLabels;
use crate::service::Service;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The signed-in person of a request, noted by the extractors for the access line.
#[derive(Clone, Copy)]
struct SignedIn(i64);

/// Notes who made `req` (the access line names them by id, never by address).
pub fn signed_in(req: &HttpRequest, user_id: i64) {
    req.extensions_mut().insert(SignedIn(user_id));
}

/// An id a proxy sent that is safe to repeat in a header, a log line and a URI reference.
fn usable_id(v: &HeaderValue) -> Option<Arc<str>> {
    let s = v.to_str().ok()?.trim();
    let ok = (1..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    ok.then(|| Arc::from(s))
}

fn new_id() -> Arc<str> {
    let mut b = [0u8; 16];
    // Without randomness the time still tells requests apart well enough for a log.
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        b = t.to_le_bytes();
    }
    Arc::from(hex::encode(b))
}

/// The outermost middleware: gives the request its id (a trusted proxy's `X-Request-Id`, else
/// a new one), runs it with that id on every log line, returns the id, writes the access line
/// (method, route, path, status, time, user id; never the query string) and counts it.
pub async fn requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .filter(|_| super::client::from_trusted_proxy(req.request()))
        .and_then(usable_id)
        .unwrap_or_else(new_id);
    logging::scoped(id.clone(), async move {
        let started = Instant::now();
        let method = req.method().to_string();
        let path = req.path().to_string();
        let telemetry = req
            .app_data::<web::Data<Service>>()
            .map(|s| s.telemetry().clone());
        let mut res = next.call(req).await?;
        let took = started.elapsed();
        let status = res.status().as_u16();
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "(unmatched)".into());
        let user = res.request().extensions().get::<SignedIn>().map(|u| u.0);
        let ms = took.as_secs_f64() * 1000.0;
        log::info!(
            target: "eskalera::access",
            method = method.as_str(),
            route = route.as_str(),
            path = path.as_str(),
            status = status,
            duration_ms = (ms * 10.0).round() / 10.0,
            user_id = user.unwrap_or(0);
            "{method} {path} {status} {ms:.1}ms{}",
            user.map(|u| format!(" user {u}")).unwrap_or_default()
        );
        if let Some(t) = telemetry {
            t.record_request(
                RequestLabels {
                    method: method_label(&method),
                    route,
                    status,
                },
                took,
            );
        }
        if let Ok(v) = HeaderValue::from_str(&id) {
            res.headers_mut().insert(REQUEST_ID, v);
        }
        Ok(res)
    })
    .await
}

/// The method as a metrics label: the standard ones as they are, anything else `other`, so
/// that a client sending made-up methods cannot grow the series.
fn method_label(method: &str) -> String {
    const KNOWN: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"];
    if KNOWN.contains(&method) {
        method.to_string()
    } else {
        "other".into()
    }
}

/// Runs `f` on the blocking pool as the work of the current request (its log lines carry
/// the request id); every use case goes through here rather than `web::block`.
pub async fn block<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, actix_web::error::BlockingError> {
    let id = logging::request_id();
    web::block(move || logging::in_request(id, f)).await
}

/// What `/livez` and `/readyz` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// alive, ready or not_ready
    pub status: &'static str,
    /// The running release (`/livez`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'static str>,
    /// Why the instance is not ready: the database, its migrations, the search index catching
    /// up after the start, the mailer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// `/livez`: the process answers. Nothing else is asked, so a blinking database does not get
/// a healthy instance restarted.
#[utoipa::path(get, path = "/livez", tag = "operations",
    responses((status = 200, description = "The process answers", body = Health)))]
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "alive",
        version: Some(env!("CARGO_PKG_VERSION")),
        reasons: Vec::new(),
    })
}

/// `/readyz`: whether to send this instance traffic; 503 with the reasons when not.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready for traffic", body = Health),
        (status = 503, description = "Not ready: the reasons say why", body = Health)))]
pub async fn readyz(svc: web::Data<Service>) -> HttpResponse {
    let s = svc.into_inner();
    let reasons = match block(move || s.readiness()).await {
        Ok(r) => r.reasons,
        Err(_) => vec!["the server is shutting down".into()],
    };
    if reasons.is_empty() {
        HttpResponse::Ok().json(Health {
            status: "ready",
            version: None,
            reasons,
        })
    } else {
        HttpResponse::ServiceUnavailable().json(Health {
            status: "not_ready",
            version: None,
            reasons,
        })
    }
}

/// `/metrics` in the OpenMetrics text format Prometheus reads.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "OpenMetrics text: requests by route and status, mail pending/sending/failed and the oldest pending age, index lag in changes and seconds, database pool waits, memory and open files, open/overdue/at-risk questions per level, eskalera_build_info", content_type = "application/openmetrics-text")))]
pub async fn metrics(svc: web::Data<Service>) -> Result<HttpResponse, super::error::ApiError> {
    let s = svc.into_inner();
    let text = super::api::blocking(move || {
        let snapshot = s.metrics()?;
        Ok(s.telemetry().exposition(&snapshot))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_metrics_label() {
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label("DELETE"), "DELETE");
        assert_eq!(method_label("BREW"), "other");
        assert_eq!(method_label("get"), "other");
    }
}
