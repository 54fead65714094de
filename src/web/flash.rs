//! The confirmation carried across the redirect after a posted form: a short-lived cookie that
//! names one of the catalogue's confirmations, read by the next page and cleared by it.
//!
//! The cookie holds a code, never text: a forged one can only show its sender another of the
//! fixed sentences, so it is neither signed nor marked Secure (it carries nothing secret).

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::domain::catalogue::{Confirmation, Worded};

pub const COOKIE: &str = "eskalera_done";

/// A 303 to `location` that says `done` on the page it leads to.
pub fn redirect(location: &str, done: Confirmation) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .insert_header((
            header::SET_COOKIE,
            format!(
                "{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=120",
                done.code()
            ),
        ))
        .finish()
}

/// The confirmation the request carries, if any.
pub fn of(req: &HttpRequest) -> Option<Confirmation> {
    super::session::cookie_values(req, COOKIE).find_map(Confirmation::from_code)
}

/// Clears the cookie on the page that showed it (any response but another redirect), so that
/// a reload or the next page does not say it again.
pub fn clear_once_shown<B>(had: bool, mut res: ServiceResponse<B>) -> ServiceResponse<B> {
    if had && !res.status().is_redirection() {
        if let Ok(v) = header::HeaderValue::from_str(&format!(
            "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        )) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// Whether the request carries a confirmation (checked before the handler runs).
pub fn carried(req: &ServiceRequest) -> bool {
    of(req.request()).is_some()
}
