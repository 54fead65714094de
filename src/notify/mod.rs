//! Notifications: who hears what, the mail templates, and delivery over SMTP (or to .eml
//! files when no SMTP server is configured).

pub mod mailer;
pub mod recipients;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("mail template {0}: {1}")]
    Template(String, String),
    #[error("mail address {0}: {1}")]
    Address(String, String),
    #[error("building the mail: {0}")]
    Build(String),
    /// The server could not be reached or refused for now (4xx); worth another try later.
    #[error("sending: {0}")]
    Send(String),
    /// The server refused for good (5xx, e.g. "550 no such user"): the mail fails at once.
    #[error("refused by the mail server: {0}")]
    Refused(String),
    #[error("mail transport setup: {0}")]
    Setup(String),
}
