//! Renders outbox rows with the tera templates and hands them to lettre: SMTP, or .eml files
//! under the data dir when no SMTP server is configured.

use std::path::Path;
use std::time::Duration;

use lettre::message::{header, Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::NotifyError;
use crate::domain::redact;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "change/subject.txt",
        include_str!("../../templates/email/change/subject.txt"),
    ),
    (
        "change/body.txt",
        include_str!("../../templates/email/change/body.txt"),
    ),
    (
        "change/body.html",
        include_str!("../../templates/email/change/body.html"),
    ),
    (
        "sla_warning/subject.txt",
        include_str!("../../templates/email/sla_warning/subject.txt"),
    ),
    (
        "sla_warning/body.txt",
        include_str!("../../templates/email/sla_warning/body.txt"),
    ),
    (
        "sla_warning/body.html",
        include_str!("../../templates/email/sla_warning/body.html"),
    ),
    (
        "review_due/subject.txt",
        include_str!("../../templates/email/review_due/subject.txt"),
    ),
    (
        "review_due/body.txt",
        include_str!("../../templates/email/review_due/body.txt"),
    ),
    (
        "review_due/body.html",
        include_str!("../../templates/email/review_due/body.html"),
    ),
    (
        "digest/subject.txt",
        include_str!("../../templates/email/digest/subject.txt"),
    ),
    (
        "digest/body.txt",
        include_str!("../../templates/email/digest/body.txt"),
    ),
    (
        "digest/body.html",
        include_str!("../../templates/email/digest/body.html"),
    ),
];

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The templates, compiled once; built into the binary so it runs from any directory.
pub struct Templates {
    tera: tera::Tera,
}

impl Templates {
    pub fn load() -> Result<Templates, NotifyError> {
        let mut tera = tera::Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())
            .map_err(|e| NotifyError::Template("*".into(), format!("{e:?}")))?;
        Ok(Templates { tera })
    }

    pub fn render(
        &self,
        template: &str,
        payload: &serde_json::Value,
    ) -> Result<Rendered, NotifyError> {
        let ctx = tera::Context::from_serialize(payload)
            .map_err(|e| NotifyError::Template(template.into(), e.to_string()))?;
        let one = |part: &str| {
            let name = format!("{template}/{part}");
            self.tera
                .render(&name, &ctx)
                .map_err(|e| NotifyError::Template(name.clone(), format!("{e:?}")))
        };
        Ok(Rendered {
            // A subject is one line, whatever the data held.
            subject: one("subject.txt")?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            text: one("body.txt")?,
            html: one("body.html")?,
        })
    }
}

/// Whether `url` names an SMTP server lettre can use; the refusal never repeats a password.
pub fn check_url(url: &str) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(drop)
        .map_err(|e| {
            redact::url_passwords(&format!(
                "not a usable SMTP URL ({e}); expected smtp://host:port, smtps://host or \
                 smtp://user:password@host:port?tls=required"
            ))
        })
}

/// SMTP connections kept open, and so how many sends may be in flight at once.
pub const CONNECTIONS: usize = 16;

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

/// Sends rendered mails. Build inside a tokio runtime.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    /// SMTP when `smtp_url` is set (smtp://host:port, smtps:// for TLS, ?tls=required for
    /// STARTTLS, user:password@ for credentials), otherwise .eml files in `spool`.
    pub fn new(smtp_url: Option<&str>, spool: &Path, from: &str) -> Result<Mailer, NotifyError> {
        let from: Mailbox = from.parse().map_err(|e: lettre::address::AddressError| {
            NotifyError::Address(from.into(), e.to_string())
        })?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| {
                        NotifyError::Setup(format!("{}: {e}", redact::url_passwords(url)))
                    })?
                    .timeout(Some(Duration::from_secs(15)))
                    .pool_config(PoolConfig::new().max_size(CONNECTIONS as u32))
                    .build(),
            ),
            None => {
                crate::files::private_dir(spool)
                    .map_err(|e| NotifyError::Setup(format!("{}: {e}", spool.display())))?;
                Transport::Files(AsyncFileTransport::new(spool))
            }
        };
        Ok(Mailer { transport, from })
    }

    /// Sends one mail; Ok only once the server accepted it (or the file is written).
    pub async fn send(
        &self,
        to_name: &str,
        to_address: &str,
        message_id: &str,
        mail: &Rendered,
    ) -> Result<(), NotifyError> {
        let to = Mailbox::new(
            Some(to_name.to_string()),
            to_address
                .parse()
                .map_err(|e: lettre::address::AddressError| {
                    NotifyError::Address(to_address.into(), e.to_string())
                })?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(message_id.to_string()))
            .header(AutoSubmitted)
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| NotifyError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(t) => t
                .send(message)
                .await
                .map(drop)
                .map_err(|e| NotifyError::Send(e.to_string())),
            Transport::Files(t) => t
                .send(message)
                .await
                .map(drop)
                .map_err(|e| NotifyError::Send(e.to_string())),
        }
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): out-of-office replies must not answer.
#[derive(Clone)]
struct AutoSubmitted;

impl header::Header for AutoSubmitted {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_and_html_is_escaped() {
        let t = Templates::load().unwrap();
        let payload = serde_json::json!({
            "headline": "Frågan har besvarats",
            "recipient_name": "Anna",
            "actor_name": "Erik <b>",
            "link": "http://x/questions/1",
            "note": "<script>alert(1)</script>",
            "question": {"reference": "PS-2026-000001", "title": "Titel <i>", "status_label": "Besvarad", "forum_name": "Enhet", "level_label": "enhet"},
            "answer": {"binding_label": "Bindande", "explanation": "Ska följas."},
            "state_label": "försenad",
            "working_days": 3.5,
            "target_days": 3.0,
            "review_date": "2027-01-01",
            "items": [{"headline": "Frågan har besvarats", "reference": "PS-1", "title": "T", "link": "http://x/questions/1"}]
        });
        for name in ["change", "sla_warning", "review_due", "digest"] {
            let r = t.render(name, &payload).unwrap();
            assert!(
                !r.subject.is_empty() && !r.subject.contains('\n'),
                "{name}: {r:?}"
            );
            assert!(!r.html.contains("<script>"), "{name} html not escaped");
            assert!(
                r.text.contains("http://x/questions/1"),
                "{name}: no link in text"
            );
        }
    }
}
