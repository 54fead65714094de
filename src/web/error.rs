//! Maps service errors to `application/problem+json`, once, for every endpoint.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::catalogue::{FieldProblem, Refusal, RefusalKind, Worded};
use crate::service::{FieldError, ServiceError, StoreFault};

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable and machine-readable: what a client branches on (the wording may change).
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The request's id (`X-Request-Id`): every log line of the request carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
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
                ServiceError::Disabled(_) => (
                    StatusCode::UNAUTHORIZED,
                    "account-disabled",
                    "Account disabled",
                ),
                ServiceError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy", "Busy"),
                ServiceError::Refused(r) => match r.kind() {
                    RefusalKind::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
                    RefusalKind::Conflict => (StatusCode::CONFLICT, "conflict", "Conflict"),
                },
                ServiceError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
                ServiceError::Invalid(_) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid-input",
                    "Invalid input",
                ),
                ServiceError::Store(_) => match e.store_fault() {
                    Some(StoreFault::LostRace) => (StatusCode::CONFLICT, "conflict", "Conflict"),
                    Some(StoreFault::Unavailable) => (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "Service unavailable",
                    ),
                    _ => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "Internal error",
                    ),
                },
                ServiceError::Internal(_) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                ),
            },
        }
    }

    /// The refusal a client reads, when the error is one (a lost race reads as a conflict).
    fn refusal(&self) -> Option<Refusal> {
        match self {
            ApiError::Service(ServiceError::Refused(r)) => Some(r.clone()),
            ApiError::Service(e) if e.store_fault() == Some(StoreFault::LostRace) => {
                Some(Refusal::LostRace)
            }
            _ => None,
        }
    }

    /// The stable code: the refusal's or the missing thing's own, else the problem type's.
    fn code(&self) -> &'static str {
        match (self, self.refusal()) {
            (_, Some(r)) => r.code(),
            (ApiError::Service(ServiceError::NotFound(m)), _) => m.code(),
            _ => self.parts().1,
        }
    }

    pub fn problem(&self) -> Problem {
        let (status, kind, title) = self.parts();
        let (detail, errors) = match self {
            ApiError::Service(ServiceError::Invalid(errors)) => {
                (self.to_string(), Some(errors.clone()))
            }
            _ if self.refusal().is_some() => {
                (self.refusal().map(|r| r.en()).unwrap_or_default(), None)
            }
            // Never leak database details to the client; they are in the log.
            ApiError::Service(ServiceError::Store(_) | ServiceError::Internal(_))
                if status.is_server_error() =>
            {
                (
                    "the request could not be completed; it has been logged".to_string(),
                    None,
                )
            }
            _ => (self.to_string(), None),
        };
        Problem {
            kind: format!("https://eskalera.migrationsverket.se/problems/{kind}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            code: self.code(),
            errors,
            instance: crate::observe::logging::request_id().map(|id| id.to_string()),
        }
    }

    /// What a person reads on a page, in Swedish, for the errors the catalogue words.
    fn detail_sv(&self) -> Option<String> {
        match (self, self.refusal()) {
            (_, Some(r)) => Some(r.sv()),
            (ApiError::Service(ServiceError::NotFound(m)), _) => Some(m.sv()),
            (ApiError::Service(ServiceError::Invalid(errors)), _) => Some(
                errors
                    .iter()
                    .map(|e| e.message_sv.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
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
pub fn invalid(field: &str, problem: FieldProblem) -> ApiError {
    ApiError::Service(ServiceError::Invalid(vec![FieldError::new(field, problem)]))
}

/// What can go wrong on an HTML page: a service error shown as an error page in Swedish, or
/// the page-only cases (not signed in, a form without its CSRF token, too many sign-ins).
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Not signed in: go to the sign-in page and come back to this path afterwards.
    #[error("sign in to see {0}")]
    SignIn(String),
    #[error("the form's security token is missing or out of date")]
    Csrf,
    #[error("the form could not be read: {0}")]
    BadForm(String),
    /// A query parameter of a page a person can correct (a page number), said in Swedish.
    #[error("{0}")]
    BadQuery(String),
    /// Seconds to wait before signing in may be tried again.
    #[error("too many failed sign-ins; wait {0} seconds")]
    TooManyAttempts(u64),
    #[error("the server is shutting down or overloaded")]
    Unavailable,
    /// A sign-in through the identity provider did not complete (the cause is logged).
    #[error("the sign-in through the identity provider failed")]
    SignInFailed,
    /// The identity provider cannot be reached or read.
    #[error("the identity provider cannot be reached")]
    ProviderDown,
    /// Sign-in through an identity provider is not set up here.
    #[error("sign-in through an identity provider is not set up")]
    NotConfigured,
}

impl From<super::html::TemplateFailed> for PageError {
    fn from(_: super::html::TemplateFailed) -> Self {
        PageError::Unavailable
    }
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        PageError::Api(ApiError::Service(e))
    }
}

impl PageError {
    /// The heading and the explanation a person reads, in Swedish.
    fn words(&self) -> (String, String) {
        let status = self.status_code();
        let title = match (status.as_u16(), self) {
            (_, PageError::Api(ApiError::Service(ServiceError::Disabled(_)))) => {
                "Kontot är avstängt"
            }
            (s, _) => match s {
                400 => "Begäran kunde inte läsas",
                401 => "Du är inte inloggad",
                403 => "Det här får du inte göra",
                404 => "Sidan finns inte",
                409 => "Det går inte just nu",
                422 => "Uppgifterna behöver rättas",
                429 => "För många inloggningsförsök",
                503 => "Tjänsten är inte tillgänglig just nu",
                _ => "Något gick fel",
            },
        };
        let detail = match self {
            PageError::Api(ApiError::Service(ServiceError::Disabled(_))) => {
                "Ditt konto är avstängt. Kontakta en administratör om du behöver komma åt eskalera."
                    .to_string()
            }
            PageError::Api(ApiError::Service(ServiceError::Busy(_))) => {
                "Många loggar in just nu. Vänta några sekunder och försök igen.".to_string()
            }
            PageError::Csrf => "Formuläret saknar säkerhetskod eller är för gammalt. Ladda om sidan och försök igen.".to_string(),
            PageError::BadForm(e) => format!("Formuläret kunde inte läsas ({e})."),
            PageError::BadQuery(e) => e.clone(),
            PageError::TooManyAttempts(s) => format!("Vänta {s} sekunder och försök sedan igen."),
            PageError::Unavailable => "Försök igen om en stund.".to_string(),
            PageError::SignInFailed => "Inloggningen via Migrationsverkets konto kunde inte slutföras, till exempel för att den tog för lång tid eller startades i en annan flik. Börja om från inloggningssidan.".to_string(),
            PageError::ProviderDown => "Migrationsverkets inloggning svarar inte just nu. Försök igen om en stund.".to_string(),
            PageError::NotConfigured => "Inloggning med Migrationsverkets konto är inte inställd här.".to_string(),
            PageError::SignIn(_) => "Logga in för att fortsätta.".to_string(),
            PageError::Api(e) => match e.detail_sv() {
                Some(sv) => sv,
                None if status.is_server_error() => {
                    "Det som hände har loggats. Försök igen om en stund.".to_string()
                }
                None => e.problem().detail,
            },
        };
        (title.to_string(), detail)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::Api(e) => e.status_code(),
            PageError::SignIn(_) => StatusCode::SEE_OTHER,
            PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::BadForm(_) => StatusCode::BAD_REQUEST,
            PageError::BadQuery(_) => StatusCode::UNPROCESSABLE_ENTITY,
            PageError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            PageError::Unavailable | PageError::ProviderDown => StatusCode::SERVICE_UNAVAILABLE,
            PageError::SignInFailed => StatusCode::UNAUTHORIZED,
            PageError::NotConfigured => StatusCode::NOT_FOUND,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let PageError::SignIn(next) = self {
            return HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!("/logga-in?next={}", super::html::url_encode(next)),
                ))
                .finish();
        }
        let status = self.status_code();
        if status.is_server_error() {
            log::error!("page failed: {self}");
        }
        let (title, detail) = self.words();
        let mut res = HttpResponse::build(status);
        res.content_type("text/html; charset=utf-8");
        if let PageError::TooManyAttempts(s) = self {
            res.insert_header((header::RETRY_AFTER, s.to_string()));
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            res.insert_header((header::RETRY_AFTER, "2"));
        }
        res.body(super::html::error_page(status.as_u16(), &title, &detail))
    }
}
