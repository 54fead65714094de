//! Maps service errors to `application/problem+json`, once, for every endpoint.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::{FieldError, ServiceError};
use crate::store::StoreError;

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The request itself is malformed (unreadable JSON, a bad header).
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("the server is shutting down or overloaded")]
    Unavailable,
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            ApiError::Service(e) => match e {
                ServiceError::Unauthenticated(_) => {
                    (StatusCode::UNAUTHORIZED, "unauthenticated", "Not signed in")
                }
                ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
                ServiceError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
                ServiceError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
                ServiceError::Invalid(_) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid-input",
                    "Invalid input",
                ),
                // A unique key lost to a concurrent writer: the same answer as a version conflict.
                ServiceError::Store(s) if s.is_unique_violation() => {
                    (StatusCode::CONFLICT, "conflict", "Conflict")
                }
                ServiceError::Store(StoreError::Pool(_) | StoreError::Connect(_)) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Service unavailable",
                ),
                ServiceError::Store(_) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                ),
            },
        }
    }

    pub fn problem(&self) -> Problem {
        let (status, kind, title) = self.parts();
        let (detail, errors) = match self {
            ApiError::Service(ServiceError::Invalid(errors)) => {
                (self.to_string(), Some(errors.clone()))
            }
            // Never leak database details to the client; they are in the log.
            ApiError::Service(ServiceError::Store(s)) if s.is_unique_violation() => (
                "a concurrent change won; reload and try again".to_string(),
                None,
            ),
            ApiError::Service(ServiceError::Store(_)) if status.is_server_error() => (
                "the request could not be completed; it has been logged".to_string(),
                None,
            ),
            _ => (self.to_string(), None),
        };
        Problem {
            kind: format!("https://eskalera.migrationsverket.se/problems/{kind}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            log::error!("request failed: {self}");
        }
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.insert_header((header::RETRY_AFTER, "2"));
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

/// A field error for input that never reached the service (query strings, JSON shape).
pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Service(ServiceError::Invalid(vec![FieldError::new(field, message)]))
}
