//! Maps service errors to `application/problem+json`, once, for every endpoint.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::{FieldError, ServiceError, StoreFault};

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
                ServiceError::Disabled(_) => (
                    StatusCode::UNAUTHORIZED,
                    "account-disabled",
                    "Account disabled",
                ),
                ServiceError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy", "Busy"),
                ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
                ServiceError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
                ServiceError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
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

    pub fn problem(&self) -> Problem {
        let (status, kind, title) = self.parts();
        let (detail, errors) = match self {
            ApiError::Service(ServiceError::Invalid(errors)) => {
                (self.to_string(), Some(errors.clone()))
            }
            // Never leak database details to the client; they are in the log.
            ApiError::Service(e) if e.store_fault() == Some(StoreFault::LostRace) => (
                "a concurrent change won; reload and try again".to_string(),
                None,
            ),
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
            PageError::SignIn(_) => "Logga in för att fortsätta.".to_string(),
            PageError::Api(e) => {
                let p = e.problem();
                match status.as_u16() {
                    409 => format!("{} Ladda om sidan och försök igen.", conflict_sv(&p.detail)),
                    403 => forbidden_sv(&p.detail),
                    s if s >= 500 => "Det som hände har loggats. Försök igen om en stund.".to_string(),
                    _ => p.detail,
                }
            }
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
            PageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
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

/// A 409 from the service said in Swedish: a step the question's state does not allow, or a
/// version someone else moved on. Other conflicts are shown as they are.
fn conflict_sv(detail: &str) -> String {
    use crate::domain::question::Status;
    use crate::domain::Code;
    if detail.contains("was changed by someone else") {
        return "Någon annan har ändrat frågan medan du hade sidan öppen.".to_string();
    }
    let parsed = detail
        .strip_prefix("a question that is ")
        .and_then(|r| r.split_once(" cannot be "));
    let Some((status, step)) = parsed else {
        return format!("Det går inte i frågans nuvarande läge ({detail}).");
    };
    let step = step.split(" (").next().unwrap_or(step);
    let verb = match step {
        "claimed" => "tas för handläggning",
        "assigned" => "tilldelas",
        "sent back for more information" => "skickas tillbaka för komplettering",
        "given more information" => "kompletteras",
        "answered" => "besvaras",
        "escalated" => "lyftas",
        "closed" => "avslutas",
        "withdrawn" => "återkallas",
        "reopened" => "öppnas igen",
        "marked as a duplicate" => "markeras som dubblett",
        _ => return format!("Det går inte i frågans nuvarande läge ({detail})."),
    };
    let status = Status::parse(status).map_or(status.to_string(), |s| s.label_sv().to_lowercase());
    format!("En fråga som är {status} kan inte {verb}.")
}

/// A 403 from the service said in Swedish: the access rules of the question lifecycle, the
/// reports and administration. Others are shown as they are.
fn forbidden_sv(detail: &str) -> String {
    const RULES: &[(&str, &str)] = &[
        ("only members of the forum holding the question or the legal department may claim it", "Bara medlemmar i forumet där frågan ligger, eller rättsavdelningen, kan ta frågan."),
        ("only members of the forum holding the question or the legal department may assign it", "Bara medlemmar i forumet där frågan ligger, eller rättsavdelningen, kan tilldela frågan."),
        ("only members of the forum holding the question may ask the asker for more information", "Bara medlemmar i forumet där frågan ligger kan begära komplettering."),
        ("only members of the forum holding the question may answer it", "Bara medlemmar i forumet där frågan ligger kan svara på den."),
        ("only members of the forum holding the question may escalate it", "Bara medlemmar i forumet där frågan ligger kan lyfta den."),
        ("only members of the forum holding the question may mark it as a duplicate", "Bara medlemmar i forumet där frågan ligger kan markera den som dubblett."),
        ("only the asker may provide the information that was requested", "Bara den som ställde frågan kan komplettera den."),
        ("only the asker may withdraw a question", "Bara den som ställde frågan kan återkalla den."),
        ("only the asker, members of the forum that answered, or the legal department may close a question", "Bara den som ställde frågan, medlemmar i forumet som svarade eller rättsavdelningen kan avsluta frågan."),
        ("only the asker or members of the forum that answered may reopen a question", "Bara den som ställde frågan eller medlemmar i forumet som svarade kan öppna den igen."),
        ("reports and the backlog are for the legal department", "Rapporterna och översikten är till för rättsavdelningen och administratörer."),
        ("the review list is for the legal department", "Omprövningslistan är till för rättsavdelningen och administratörer."),
        ("consistency cases are for the legal department", "Jämförelserna av svar är till för rättsavdelningen och administratörer."),
        ("only the legal department (role legal) decides consistency cases", "Bara rättsavdelningen bedömer jämförelser av svar."),
        ("only administrators", "Bara administratörer hanterar användare och e-post."),
        ("only members of the forum that gave the answer", "Bara medlemmar i forumet som gav svaret, i ett forum ovanför det på frågans väg, eller rättsavdelningen kan ändra svarets status."),
    ];
    RULES
        .iter()
        .find(|(en, _)| detail.starts_with(en))
        .map_or_else(|| detail.to_string(), |(_, sv)| sv.to_string())
}

/// The Swedish wording of a field error from the service, for the form it belongs to. The
/// service speaks English (the API's language); the common messages are said again here, and
/// the rest are shown as they are.
pub fn field_message_sv(message: &str) -> String {
    if message == "is required" || message.starts_with("is required:") {
        return "Måste fyllas i.".to_string();
    }
    if message.starts_with("is required for temporary support") {
        return "Måste fyllas i för tillfälligt stöd: när svaret ska omprövas.".to_string();
    }
    if let Some(n) = message
        .strip_prefix("is longer than ")
        .and_then(|r| r.strip_suffix(" characters"))
    {
        return format!("Får vara högst {n} tecken.");
    }
    if let Some(what) = message
        .strip_prefix("contains personal data (")
        .and_then(|r| r.strip_suffix("); questions must be anonymised"))
    {
        let what = what
            .replace(" at characters ", ", tecken ")
            .replace(" at character ", ", tecken ");
        return format!(
            "Innehåller personuppgifter ({what}). Frågor och svar ska vara avidentifierade."
        );
    }
    if let Some(code) = message.strip_suffix(" is not an ISO 3166-1 alpha-2 code such as BY or SD")
    {
        return format!("{code} är ingen landkod enligt ISO 3166-1, t.ex. BY eller SD.");
    }
    match message {
        "is empty" => "Får inte vara tomt.".to_string(),
        "must be in the future" => "Måste ligga i framtiden.".to_string(),
        "no user has this e-mail address" => "Ingen användare har den e-postadressen.".to_string(),
        "only temporary answers have a review date" => {
            "Bara tillfälligt stöd har ett omprövningsdatum.".to_string()
        }
        m => m.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_field_messages_are_said_in_swedish() {
        assert_eq!(field_message_sv("is required"), "Måste fyllas i.");
        assert_eq!(
            field_message_sv("is longer than 200 characters"),
            "Får vara högst 200 tecken."
        );
        assert_eq!(
            field_message_sv("contains personal data (telefonnummer at characters 10–22); questions must be anonymised"),
            "Innehåller personuppgifter (telefonnummer, tecken 10–22). Frågor och svar ska vara avidentifierade."
        );
        assert_eq!(
            field_message_sv("'XX1' is not an ISO 3166-1 alpha-2 code such as BY or SD"),
            "'XX1' är ingen landkod enligt ISO 3166-1, t.ex. BY eller SD."
        );
        assert_eq!(field_message_sv("something else"), "something else");
    }

    #[test]
    fn refusals_are_said_in_swedish() {
        assert_eq!(
            conflict_sv("a question that is in_progress cannot be claimed"),
            "En fråga som är under handläggning kan inte tas för handläggning."
        );
        assert_eq!(
            conflict_sv("a question that is answered cannot be escalated (an answered question can only be escalated while its current answer is temporary)"),
            "En fråga som är besvarad kan inte lyftas."
        );
        assert!(conflict_sv("question 3 was changed by someone else (version 4 now, you had 1); reload it and try again")
            .starts_with("Någon annan har ändrat frågan"));
        assert!(conflict_sv("pf-asyl is the top of the structure").contains("pf-asyl"));
        assert_eq!(
            forbidden_sv("only the asker may withdraw a question"),
            "Bara den som ställde frågan kan återkalla den."
        );
        assert_eq!(forbidden_sv("some other rule"), "some other rule");
    }
}
