//! Who is calling: the bearer token of an API request, resolved to an `Actor`.

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
        Box::pin(async move {
            let svc = svc.ok_or(ApiError::Unavailable)?;
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
