//! The HTML side: tera templates and static files built into the binary, Swedish labels as
//! template filters, and the security headers every response carries.

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Stockholm;
use serde_json::Value;
use tera::{Context, Tera};

use crate::domain::answer::BindingStatus;
use crate::domain::consistency::CaseStatus;
use crate::domain::question::{Action, EventKind, StageOutcome, Status};
use crate::domain::sla::{SlaState, SlaTarget};
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::service::Role;

/// Names end in .html, so tera escapes every value (autoescape) unless marked `| safe`.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    // .xml is escaped like .html.
    ("atom.xml", include_str!("../../templates/feeds/atom.xml")),
    (
        "register.html",
        include_str!("../../templates/pages/register.html"),
    ),
    (
        "country.html",
        include_str!("../../templates/pages/country.html"),
    ),
    (
        "saved_searches.html",
        include_str!("../../templates/pages/saved_searches.html"),
    ),
    ("macros.html", include_str!("../../templates/macros.html")),
    (
        "error.html",
        include_str!("../../templates/pages/error.html"),
    ),
    (
        "signin.html",
        include_str!("../../templates/pages/signin.html"),
    ),
    ("mine.html", include_str!("../../templates/pages/mine.html")),
    ("work.html", include_str!("../../templates/pages/work.html")),
    (
        "binding_help.html",
        include_str!("../../templates/pages/binding_help.html"),
    ),
    (
        "admin_person.html",
        include_str!("../../templates/pages/admin_person.html"),
    ),
    ("ask.html", include_str!("../../templates/pages/ask.html")),
    (
        "question.html",
        include_str!("../../templates/pages/question.html"),
    ),
    (
        "queue.html",
        include_str!("../../templates/pages/queue.html"),
    ),
    (
        "search.html",
        include_str!("../../templates/pages/search.html"),
    ),
    (
        "overview.html",
        include_str!("../../templates/pages/overview.html"),
    ),
    (
        "reports.html",
        include_str!("../../templates/pages/reports.html"),
    ),
    (
        "settings.html",
        include_str!("../../templates/pages/settings.html"),
    ),
    (
        "admin_mail.html",
        include_str!("../../templates/pages/admin_mail.html"),
    ),
    (
        "consistency.html",
        include_str!("../../templates/pages/consistency.html"),
    ),
    (
        "consistency_case.html",
        include_str!("../../templates/pages/consistency_case.html"),
    ),
    (
        "consistency_topic.html",
        include_str!("../../templates/pages/consistency_topic.html"),
    ),
    (
        "consistency_possible.html",
        include_str!("../../templates/pages/consistency_possible.html"),
    ),
    (
        "admin_users.html",
        include_str!("../../templates/pages/admin_users.html"),
    ),
];

pub const STYLE_CSS: &str = include_str!("../../static/style.css");
pub const SCRIPT_JS: &str = include_str!("../../static/eskalera.js");

/// No inline script or style anywhere: the pages load only what this server serves.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Headers on every response, pages and API alike; behind an https base URL also HSTS, so a
/// browser never again tries the address over plain HTTP. `provider` is the identity
/// provider's origin: signing out is a form whose answer leads there (RP-initiated logout),
/// which `form-action` must allow.
pub fn security_headers(https: bool, provider: Option<&str>) -> DefaultHeaders {
    let policy = match provider {
        Some(origin) => CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'",
            &format!("form-action 'self' {origin}"),
        ),
        None => CONTENT_SECURITY_POLICY.to_string(),
    };
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", policy))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"));
    if https {
        headers.add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        headers
    }
}

fn templates() -> Result<&'static Tera, String> {
    static T: OnceLock<Result<Tera, String>> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Tera::default();
        t.add_raw_templates(TEMPLATES.iter().copied())
            .map_err(|e| format!("{e:?}"))?;
        register_filters(&mut t);
        Ok(t)
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Checks at start-up that every template parses, so a broken one fails loudly and early.
pub fn check_templates() -> Result<(), String> {
    templates().map(|_| ())
}

/// Renders a page template into a 200 response (or `status`).
/// A page could not be rendered (logged where it happened); the pages answer 503.
#[derive(Debug, thiserror::Error)]
#[error("a page template failed")]
pub struct TemplateFailed;

/// A page from its template; the error is the caller's (the pages' `PageError`), so that this
/// module needs nothing of theirs.
pub fn render<E: From<TemplateFailed>>(
    name: &str,
    ctx: &Context,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, E> {
    let t = templates().map_err(|e| {
        log::error!("templates: {e}");
        TemplateFailed
    })?;
    let body = t.render(name, ctx).map_err(|e| {
        log::error!("template {name}: {e:?}");
        TemplateFailed
    })?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// An XML document (a feed) from its template.
pub fn render_xml(name: &str, ctx: &Context) -> Result<String, TemplateFailed> {
    let t = templates().map_err(|e| {
        log::error!("templates: {e}");
        TemplateFailed
    })?;
    t.render(name, ctx).map_err(|e| {
        log::error!("template {name}: {e:?}");
        TemplateFailed
    })
}

/// Marks a response as an embedded view: [`embed_frames`] then drops `X-Frame-Options`,
/// whose DENY would overrule the view's own `frame-ancestors`.
#[derive(Debug, Clone, Copy)]
pub struct Embedded;

/// The Content-Security-Policy of an embedded view: the pages' own, with `frame-ancestors`
/// the configured origins (none when none are configured).
pub fn embed_policy(ancestors: &[String]) -> String {
    let allowed = if ancestors.is_empty() {
        "'none'".to_string()
    } else {
        ancestors.join(" ")
    };
    CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'",
        &format!("frame-ancestors {allowed}"),
    )
}

/// Drops `X-Frame-Options` from responses marked [`Embedded`] (added by the security headers,
/// which run inside this); every other response keeps it.
pub async fn embed_frames(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let embedded = res.response().extensions().get::<Embedded>().is_some();
    if embedded {
        res.headers_mut().remove("X-Frame-Options");
    }
    Ok(res)
}

/// The error page; plain HTML if even the template fails.
pub fn error_page(status: u16, title: &str, detail: &str) -> String {
    let mut ctx = Context::new();
    ctx.insert("status", &status);
    ctx.insert("title", title);
    ctx.insert("detail", detail);
    templates()
        .ok()
        .and_then(|t| t.render("error.html", &ctx).ok())
        .unwrap_or_else(|| {
            format!(
                "<!doctype html><html lang=\"sv\"><title>{}</title><h1>{}</h1><p>{}</p></html>",
                escape(title),
                escape(title),
                escape(detail)
            )
        })
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Percent-encodes everything but unreserved characters, for links built in templates.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

type Args = HashMap<String, Value>;

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Shows a code by its enum's Swedish label; text that is no code stays as it is.
fn label_of<C: Code>(v: &Value, label: fn(C) -> &'static str) -> tera::Result<Value> {
    let s = text(v);
    Ok(C::parse(&s).map_or(s, |c| label(c).to_string()).into())
}

fn status_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    label_of(v, Status::label_sv)
}

fn level_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    label_of(v, Level::title_sv)
}

fn binding_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    label_of(v, BindingStatus::label_sv)
}

fn binding_explanation(v: &Value, _: &Args) -> tera::Result<Value> {
    label_of(v, BindingStatus::explanation_sv)
}

fn sla_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    label_of(v, SlaState::label_sv)
}

/// Country codes (one, or a list) as their Swedish names, separated by commas.
fn countries_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    let codes: Vec<String> = match v {
        Value::Array(items) => items.iter().map(text).collect(),
        other => vec![text(other)],
    };
    Ok(codes
        .iter()
        .map(|c| crate::domain::countries::in_swedish(c))
        .collect::<Vec<_>>()
        .join(", ")
        .into())
}

fn target_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    label_of(v, SlaTarget::label_sv)
}

fn event_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    label_of(v, EventKind::label_sv)
}

fn case_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    label_of(v, CaseStatus::label_sv)
}

fn case_explanation(v: &Value, _: &Args) -> tera::Result<Value> {
    label_of(v, CaseStatus::explanation_sv)
}

/// A stage's outcome; a stage without one is still running.
fn outcome_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    if v.is_null() {
        return Ok("pågår".into());
    }
    label_of(v, StageOutcome::label_sv)
}

fn action_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    label_of(v, Action::label_sv)
}

fn role_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    label_of(v, Role::label_sv)
}

/// An RFC 3339 instant as Stockholm time, e.g. "2026-12-01 14:03".
fn when(v: &Value, _: &Args) -> tera::Result<Value> {
    let s = text(v);
    Ok(DateTime::parse_from_rfc3339(&s)
        .map(|t| {
            t.with_timezone(&Utc)
                .with_timezone(&Stockholm)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or(s)
        .into())
}

/// Working days with one decimal and a Swedish decimal comma.
fn days(v: &Value, _: &Args) -> tera::Result<Value> {
    let d = v.as_f64().unwrap_or(0.0);
    Ok(format!("{d:.1}").replace('.', ",").into())
}

/// The order of the fields on the forms, for the error summaries: a summary lists its errors
/// as the form shows its fields, not in the alphabetical order of their names.
const FIELD_ORDER: &[&str] = &[
    "email",
    "password",
    "title",
    "body",
    "process",
    "category",
    "tags",
    "countries",
    "priority",
    "urgent_reason",
    "binding_status",
    "review_date",
    "references",
    "superseded_by",
    "settled_by",
    "to_forum",
    "of",
    "assignee",
    "decision",
    "outcome",
    "note",
    "mail",
    "forum",
];

/// The field errors of a form as a list in the form's order: `{id, label, message}`, where
/// `id` is the field's element id and `label` its Swedish name.
fn error_list(v: &Value, _: &Args) -> tera::Result<Value> {
    let Value::Object(errors) = v else {
        return Ok(Value::Array(Vec::new()));
    };
    let mut list: Vec<(usize, &String, &Value)> = errors
        .iter()
        .map(|(key, message)| {
            let field = key.rsplit('.').next().unwrap_or(key);
            let field = field.split('[').next().unwrap_or(field);
            let at = FIELD_ORDER
                .iter()
                .position(|f| *f == field)
                .unwrap_or(FIELD_ORDER.len());
            (at, key, message)
        })
        .collect();
    list.sort_by_key(|(at, key, _)| (*at, (*key).clone()));
    Ok(Value::Array(
        list.into_iter()
            .map(|(_, key, message)| {
                serde_json::json!({
                    "id": key.replace('.', "-"),
                    "label": field_label(key),
                    "message": message,
                })
            })
            .collect(),
    ))
}

/// The Swedish label of a form field named in an error ("answer.body" is the answer's body).
fn field_sv(v: &Value, _: &Args) -> tera::Result<Value> {
    Ok(field_label(&text(v)).into())
}

fn field_label(s: &str) -> String {
    if s == "answer.body" {
        return "Svar".into();
    }
    let field = s.rsplit('.').next().unwrap_or(s);
    let field = field.split('[').next().unwrap_or(field);
    match field {
        "title" => "Rubrik",
        "body" => "Fråga",
        "process" => "Process",
        "category" => "Kategori",
        "tags" => "Taggar",
        "countries" => "Länder",
        "priority" => "Prioritet",
        "urgent_reason" => "Skäl för brådska",
        "email" => "E-postadress",
        "password" => "Lösenord",
        "note" => "Kommentar",
        "binding_status" => "Bindande status",
        "review_date" => "Omprövningsdatum",
        "settled_by" => "Avgjort av fråga",
        "references" => "Referenser",
        "to_forum" => "Lyft till",
        "of" => "Dubblett av",
        "assignee" => "Tilldela till",
        "mail" => "E-post",
        "forum" => "Forum",
        "decision" | "outcome" => "Bedömning",
        "superseded_by" => "Ersatt av",
        other => other,
    }
    .to_string()
}

fn urlencode(v: &Value, _: &Args) -> tera::Result<Value> {
    Ok(url_encode(&text(v)).into())
}

/// Text with every question reference (PS-2026-000014) a link to that question, escaped: a
/// question that names others (a divergence sent to the process forum) leads to them.
pub fn with_question_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("PS-") {
        let (before, from) = rest.split_at(at);
        out.push_str(&escape(before));
        let tail = &from[3..];
        let len = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '-'))
            .unwrap_or(tail.len());
        // Ends on a digit: "PS-2026-000014." links without the full stop.
        let len = tail[..len].trim_end_matches('-').len();
        if len == 0 || !tail.starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str("PS-");
            rest = tail;
            continue;
        }
        let reference = &from[..3 + len];
        out.push_str(&format!(
            "<a href=\"/fragor/{}\">{}</a>",
            url_encode(reference),
            escape(reference)
        ));
        rest = &from[3 + len..];
    }
    out.push_str(&escape(rest));
    out
}

fn question_links(v: &Value, _: &Args) -> tera::Result<Value> {
    Ok(with_question_links(&text(v)).into())
}

fn register_filters(t: &mut Tera) {
    t.register_filter("question_links", question_links);
    t.register_filter("status_sv", status_sv);
    t.register_filter("level_sv", level_sv);
    t.register_filter("binding_sv", binding_sv);
    t.register_filter("binding_explanation", binding_explanation);
    t.register_filter("sla_sv", sla_sv);
    t.register_filter("target_sv", target_sv);
    t.register_filter("countries_sv", countries_sv);
    t.register_filter("case_sv", case_sv);
    t.register_filter("case_explanation", case_explanation);
    t.register_filter("event_sv", event_sv);
    t.register_filter("outcome_sv", outcome_sv);
    t.register_filter("action_sv", action_sv);
    t.register_filter("role_sv", role_sv);
    t.register_filter("when", when);
    t.register_filter("days", days);
    t.register_filter("urlencode", urlencode);
    t.register_filter("field_sv", field_sv);
    t.register_filter("error_list", error_list);
}

/// The static files: our own CSS and the small script that only enhances.
pub async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLE_CSS)
}

pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(SCRIPT_JS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        check_templates().unwrap();
    }

    /// A page template left out of `TEMPLATES` fails only when its page is shown.
    #[test]
    fn every_page_template_is_compiled_in() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/pages");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                TEMPLATES.iter().any(|(n, _)| *n == name),
                "{name} is not in TEMPLATES"
            );
        }
    }

    #[test]
    fn values_are_escaped_in_pages() {
        let mut ctx = Context::new();
        ctx.insert("status", &404);
        ctx.insert("title", "<script>alert(1)</script>");
        ctx.insert("detail", "x");
        let html = templates().unwrap().render("error.html", &ctx).unwrap();
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>alert"));
    }

    #[test]
    fn references_become_links_and_the_rest_is_escaped() {
        assert_eq!(
            with_question_links("Se PS-2026-000014. <b>PS-x</b> PS-"),
            "Se <a href=\"/fragor/PS-2026-000014\">PS-2026-000014</a>. \
             &lt;b&gt;PS-x&lt;/b&gt; PS-"
        );
        assert_eq!(
            with_question_links("å PS-12-"),
            "å <a href=\"/fragor/PS-12\">PS-12</a>-"
        );
    }

    #[test]
    fn urls_encode_all_but_unreserved() {
        assert_eq!(url_encode("a b&c=å"), "a%20b%26c%3D%C3%A5");
    }
}
