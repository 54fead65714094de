//! Who is calling: the bearer token of an API request, resolved to an `Actor`; for reads, the
//! pages' session cookie also counts (the pages' script asks for similar questions that way).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::error::ApiError;
use crate::service::{Actor, Service, ServiceError};

/// The signed-in caller; extracting it answers 401 when the token is missing or bad.
pub struct Caller(pub Actor);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let svc = req.app_data::<web::Data<Service>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        // Only safe methods: a cookie is sent by the browser on its own, so a write through it
        // would need the CSRF check that only the pages' forms carry.
        let session_user = if token.is_none() && req.method() == actix_web::http::Method::GET {
            super::session::session_of(req).and_then(|s| s.user)
        } else {
            None
        };
        Box::pin(async move {
            let svc = svc.ok_or(ApiError::Unavailable)?;
            if let Some(user) = session_user {
                let actor = web::block(move || svc.session_actor(user))
                    .await
                    .map_err(|_| ApiError::Unavailable)??;
                return Ok(Caller(actor));
            }
            let token = token.filter(|t| !t.is_empty()).ok_or_else(|| {
                ServiceError::Unauthenticated(
                    "sign in: send Authorization: Bearer <token> (create one with `eskalera token create`)".into(),
                )
            })?;
            let actor = web::block(move || svc.authenticate_token(&token))
                .await
                .map_err(|_| ApiError::Unavailable)??;
            Ok(Caller(actor))
        })
    }
}
