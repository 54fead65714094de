//! Renders outbox rows with the tera templates and hands them to lettre: SMTP, or .eml files
//! under the data dir when no SMTP server is configured.

use std::path::Path;
use std::time::Duration;

use lettre::message::{header, Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::NotifyError;

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

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// `smtp://` without `tls`: plain SMTP (a relay on the same host or a trusted network).
    Plain,
    /// `?tls=opportunistic`: STARTTLS when the server offers it.
    Opportunistic,
    /// `?tls=required`: STARTTLS or no mail.
    Required,
    /// `smtps://`: TLS from the first byte (implicit TLS, port 465).
    Implicit,
}

/// The SMTP server `smtp_url` names. Never printed whole: it may hold a password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    credentials: Option<(String, String)>,
    /// The name said in EHLO (the URL's path), else the machine's name.
    hello: Option<String>,
}

impl SmtpTarget {
    /// Whether a password would cross the network unencrypted.
    pub fn password_in_clear(&self) -> bool {
        self.credentials.is_some() && self.tls == SmtpTls::Plain
    }
}

impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("credentials", &self.credentials.as_ref().map(|(u, _)| u))
            .finish()
    }
}

const URL_FORMS: &str = "smtp://host:port, smtp://user:password@host:587?tls=required \
     (STARTTLS), smtp://host?tls=opportunistic or smtps://host:465 (implicit TLS)";

/// Reads an SMTP URL; a refusal says which part is wrong and never repeats the password.
pub fn parse_url(url: &str) -> Result<SmtpTarget, String> {
    let u = url::Url::parse(url.trim())
        .map_err(|e| format!("not a URL ({e}); expected {URL_FORMS}"))?;
    let implicit = match u.scheme() {
        "smtp" => false,
        "smtps" => true,
        other => {
            return Err(format!(
                "the scheme '{other}' is not smtp or smtps; expected {URL_FORMS}"
            ))
        }
    };
    let host = u
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| format!("names no host; expected {URL_FORMS}"))?
        .trim_matches(['[', ']'])
        .to_string();
    let mut tls = if implicit {
        SmtpTls::Implicit
    } else {
        SmtpTls::Plain
    };
    for (key, value) in u.query_pairs() {
        match (key.as_ref(), value.as_ref(), implicit) {
            ("tls", "required", false) => tls = SmtpTls::Required,
            ("tls", "opportunistic", false) => tls = SmtpTls::Opportunistic,
            ("tls", "none", false) => tls = SmtpTls::Plain,
            ("tls", _, true) => {
                return Err("smtps:// is TLS from the start: leave out the tls parameter".into())
            }
            ("tls", other, false) => {
                return Err(format!(
                    "the tls parameter '{other}' is not required, opportunistic or none"
                ))
            }
            (other, _, _) => {
                return Err(format!(
                    "the parameter '{other}' is not known (the only one is tls)"
                ))
            }
        }
    }
    let port = u.port().unwrap_or(match tls {
        SmtpTls::Plain => 25,
        SmtpTls::Opportunistic | SmtpTls::Required => 587,
        SmtpTls::Implicit => 465,
    });
    let decode = |s: &str| {
        percent_decode(s)
            .ok_or_else(|| "the user or password is not valid percent-encoding".to_string())
    };
    let credentials = match (u.username(), u.password()) {
        ("", None) => None,
        ("", Some(_)) => return Err("has a password but no user".into()),
        (_, None) => return Err("has a user but no password".into()),
        (user, Some(password)) => Some((decode(user)?, decode(password)?)),
    };
    let hello = Some(u.path().trim_matches('/'))
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    Ok(SmtpTarget {
        host,
        port,
        tls,
        credentials,
        hello,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether `url` names an SMTP server eskalera can use; the refusal never repeats a password.
pub fn check_url(url: &str) -> Result<(), String> {
    parse_url(url).map(drop)
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
    /// SMTP when `smtp_url` is set (see [`parse_url`]), otherwise .eml files in `spool`. TLS
    /// trusts the platform's roots and the PEM certificates in `ca_file` (the agency's CA).
    pub fn new(
        smtp_url: Option<&str>,
        spool: &Path,
        from: &str,
        ca_file: Option<&Path>,
    ) -> Result<Mailer, NotifyError> {
        let from: Mailbox = from.parse().map_err(|e: lettre::address::AddressError| {
            NotifyError::Address(from.into(), e.to_string())
        })?;
        let transport = match smtp_url {
            Some(url) => {
                let target = parse_url(url).map_err(NotifyError::Setup)?;
                Transport::Smtp(smtp_transport(&target, ca_file)?)
            }
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
            // A 5xx reply will not change by trying again ("550 no such user"); anything else
            // (4xx, a relay away, a dropped connection) may.
            Transport::Smtp(t) => t.send(message).await.map(drop).map_err(|e| {
                if e.is_permanent() {
                    NotifyError::Refused(e.to_string())
                } else {
                    NotifyError::Send(e.to_string())
                }
            }),
            Transport::Files(t) => t
                .send(message)
                .await
                .map(drop)
                .map_err(|e| NotifyError::Send(e.to_string())),
        }
    }
}

fn smtp_transport(
    target: &SmtpTarget,
    ca_file: Option<&Path>,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, NotifyError> {
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    use lettre::transport::smtp::extension::ClientId;
    let params = || -> Result<TlsParameters, NotifyError> {
        let mut b = TlsParameters::builder(target.host.clone());
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| NotifyError::Setup(format!("{}: {e}", path.display())))?;
            let cert = Certificate::from_pem(&pem).map_err(|e| {
                NotifyError::Setup(format!("{}: not PEM certificates ({e})", path.display()))
            })?;
            b = b.add_root_certificate(cert);
        }
        b.build()
            .map_err(|e| NotifyError::Setup(format!("TLS for {}: {e}", target.host)))
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(target.host.as_str())
        .port(target.port)
        .timeout(Some(Duration::from_secs(15)))
        .pool_config(PoolConfig::new().max_size(CONNECTIONS as u32));
    b = match target.tls {
        SmtpTls::Plain => b,
        SmtpTls::Opportunistic => b.tls(Tls::Opportunistic(params()?)),
        SmtpTls::Required => b.tls(Tls::Required(params()?)),
        SmtpTls::Implicit => b.tls(Tls::Wrapper(params()?)),
    };
    if let Some((user, password)) = &target.credentials {
        b = b.credentials(Credentials::new(user.clone(), password.clone()));
    }
    if let Some(name) = &target.hello {
        b = b.hello_name(ClientId::Domain(name.clone()));
    }
    Ok(b.build())
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

    #[test]
    fn a_lineage_mail_says_what_replaced_the_answer_or_that_nothing_has_yet() {
        let t = Templates::load().unwrap();
        let mut payload = serde_json::json!({
            "headline": "Ett svar som du har frågat om, följer eller hänvisar till har ersatts",
            "recipient_name": "Anna",
            "link": "http://x/questions/1",
            "question": {"reference": "PS-2026-000001", "title": "Titel", "status_label": "Besvarad", "forum_name": "Enhet", "level_label": "enhet"},
            "answer": {"binding_label": "Ersatt", "explanation": "Använd det nya svaret."},
            "replaced_by": {"reference": "PS-2026-000009", "title": "Ny <b>", "binding_label": "Bindande", "link": "http://x/questions/9"},
            "others": [{"reference": "PS-2026-000002", "title": "Annan", "link": "http://x/questions/2"}]
        });
        let r = t.render("change", &payload).unwrap();
        assert!(
            r.text
                .contains("Ersätts av: PS-2026-000009 Ny <b> (Bindande)"),
            "{}",
            r.text
        );
        assert!(
            r.text.contains("Gäller också: PS-2026-000002"),
            "{}",
            r.text
        );
        assert!(r.html.contains("Ny &lt;b&gt;") && r.html.contains("http://x/questions/9"));
        payload["replaced_by"] = serde_json::Value::Null;
        let r = t.render("change", &payload).unwrap();
        assert!(
            r.text.contains("Inget nytt svar ersätter det ännu"),
            "{}",
            r.text
        );
    }

    #[test]
    fn an_smtp_url_is_read_and_a_bad_one_is_named_without_its_password() {
        let t = parse_url("smtp://relay.example:2525").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.tls),
            ("relay.example", 2525, SmtpTls::Plain)
        );
        let t = parse_url("smtp://u%40x:p%25ss@relay.example?tls=required").unwrap();
        assert_eq!((t.port, t.tls), (587, SmtpTls::Required));
        assert_eq!(t.credentials, Some(("u@x".into(), "p%ss".into())));
        assert!(!format!("{t:?}").contains("p%ss"));
        let t = parse_url("smtps://relay.example").unwrap();
        assert_eq!((t.port, t.tls), (465, SmtpTls::Implicit));
        for (url, says) in [
            ("http://u:hemligt@relay", "scheme 'http'"),
            ("smtp://u:hemligt@relay:99999", "invalid port"),
            (
                "smtp://u:hemligt@relay?tls=always",
                "tls parameter 'always'",
            ),
            ("smtp://u:hemligt@relay?tsl=required", "parameter 'tsl'"),
            ("smtps://u:hemligt@relay?tls=required", "leave out the tls"),
            ("smtp://u@relay", "no password"),
            ("relay:25", "scheme 'relay'"),
            ("smtp://", "no host"),
        ] {
            let e = parse_url(url).unwrap_err();
            assert!(e.contains(says), "{url}: {e}");
            assert!(!e.contains("hemligt"), "{url}: {e}");
        }
    }
}
