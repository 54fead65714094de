//! No page a person reads shows a raw code of the domain's enumerations or an English
//! sentence: every page linked from the demo's start pages, walked as each role, its text and
//! the attributes a screen reader says (aria-label, title, alt, placeholder) read word by word.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use eskalera::domain::answer::BindingStatus;
use eskalera::domain::consistency::{CaseStatus, Decision};
use eskalera::domain::mail::{MailPreference, MailStatus, MailTemplate};
use eskalera::domain::question::{Action, EventKind, Priority, StageOutcome, Status};
use eskalera::domain::sla::{RollupKind, SlaState, SlaTarget};
use eskalera::domain::structure::Level;
use eskalera::domain::Code;
use eskalera::service::demo::DEMO_PASSWORD;
use eskalera::service::Role;

use crate::common::TestApp;
use crate::web::Client;

/// One person of the demo for each way of using eskalera.
const PEOPLE: [(&str, &str); 5] = [
    ("anna.lindqvist@demo.eskalera.se", "a caseworker who asks"),
    (
        "erik.nyberg@demo.eskalera.se",
        "a unit and regional-group member",
    ),
    ("ulrika.noren@demo.eskalera.se", "a national-network member"),
    (
        "lars.hammar@demo.eskalera.se",
        "a lawyer of the legal department",
    ),
    ("stefan.lundgren@demo.eskalera.se", "an administrator"),
];

/// Codes that are also Swedish words a page may rightly use.
const SWEDISH_TOO: &[&str] = &["normal", "sent"];

/// Words of English sentences: none of them is a Swedish word.
const ENGLISH: &[&str] = &[
    "the",
    "is",
    "are",
    "was",
    "of",
    "and",
    "not",
    "this",
    "that",
    "there",
    "must",
    "expected",
    "unknown",
    "with",
    "your",
    "should",
    "been",
    "has",
    "have",
    "which",
    "from",
    "does",
    "cannot",
    "please",
    "error",
    "failed",
    "question",
    "answer",
    "page",
    "none",
    "null",
    "undefined",
    "true",
    "false",
    "sla",
    "none",
];

fn codes<C: Code>() -> Vec<&'static str> {
    C::ALL.iter().map(|c| c.as_str()).collect()
}

fn raw_codes() -> BTreeSet<&'static str> {
    let mut all: Vec<&'static str> = Vec::new();
    all.extend(codes::<Status>());
    all.extend(codes::<Priority>());
    all.extend(codes::<Action>());
    all.extend(codes::<EventKind>());
    all.extend(codes::<StageOutcome>());
    all.extend(codes::<Level>());
    all.extend(codes::<BindingStatus>());
    all.extend(codes::<SlaState>());
    all.extend(codes::<SlaTarget>());
    all.extend(codes::<RollupKind>());
    all.extend(codes::<CaseStatus>());
    all.extend(codes::<Decision>());
    all.extend(codes::<MailPreference>());
    all.extend(codes::<MailStatus>());
    all.extend(codes::<MailTemplate>());
    all.extend(codes::<Role>());
    all.into_iter()
        .filter(|c| !SWEDISH_TOO.contains(c))
        .collect()
}

/// The text a person reads on a page: the body without scripts, styles and tags, plus the
/// attributes read aloud; entities decoded.
fn readable(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        let tag_end = rest[lt..].find('>').map_or(rest.len(), |e| lt + e + 1);
        let tag = &rest[lt..tag_end];
        for attr in ["aria-label", "title", "alt", "placeholder"] {
            if let Some(v) = attribute(tag, attr) {
                out.push(' ');
                out.push_str(&v);
                out.push(' ');
            }
        }
        let lower = tag.to_ascii_lowercase();
        rest = &rest[tag_end..];
        for skip in ["script", "style"] {
            if lower.starts_with(&format!("<{skip}")) {
                let close = format!("</{skip}>");
                rest = rest.find(&close).map_or("", |e| &rest[e + close.len()..]);
            }
        }
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&nbsp;", " ")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}=\""))?;
    let start = at + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

/// The words of a text: letters, digits and underscores (codes keep their underscores).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// The site's own addresses a page links to, without fragments.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|h| h.replace("&amp;", "&").replace("&#x2F;", "/"))
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .collect()
}

/// Pages not to walk: files, the mail link (a redirect), downloads and the API.
fn walkable(path: &str) -> bool {
    !(path.starts_with("/static/")
        || path.starts_with("/api/")
        || path.starts_with("/questions/")
        || path.starts_with("/rapporter/sla")
        || path.starts_with("/rapporter/backlog")
        || path == "/logga-ut")
}

/// Several addresses of one kind (a question, a search, a page of a list) say the same words
/// from the same template: a few of each are enough.
fn kind_of(path: &str) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let p: String = p
        .split('/')
        .map(|seg| {
            if seg.chars().all(|c| c.is_ascii_digit()) && !seg.is_empty() {
                "N"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut names: Vec<&str> = q
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    names.sort_unstable();
    format!("{p}?{}", names.join("&"))
}

const PER_KIND: usize = 4;
const PER_PERSON: usize = 300;

#[test]
fn no_page_a_person_reads_shows_a_raw_code_or_english() {
    let app = TestApp::start();
    app.svc.load_demo().unwrap();
    let codes = raw_codes();
    let mut problems: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut walked = 0;
    let mut visited_help = false;
    for (email, who) in PEOPLE {
        let mut c = Client::new(&app);
        assert_eq!(c.sign_in(email, DEMO_PASSWORD).status, 303, "{email}");
        let mut queue: VecDeque<String> = VecDeque::from(["/".to_string()]);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        while let Some(path) = queue.pop_front() {
            if seen.len() >= PER_PERSON || !seen.insert(path.clone()) {
                continue;
            }
            let kind_name = kind_of(&path);
            // Questions differ in what they show (answers, history, steps): read them all.
            let cap = if kind_name == "/fragor/N?" {
                PER_PERSON
            } else {
                PER_KIND
            };
            let kind = kinds.entry(kind_name).or_default();
            if *kind >= cap {
                continue;
            }
            *kind += 1;
            let page = c.get(&path);
            if let Some(to) = page.location.clone() {
                queue.push_front(to);
                continue;
            }
            walked += 1;
            visited_help |= path.starts_with("/svarets-status");
            assert!(page.status < 500, "{who}: {path} gave {}", page.status);
            let text = readable(&page.body);
            for w in words(&text) {
                let lower = w.to_lowercase();
                let raw = codes.contains(w);
                let english = ENGLISH.contains(&lower.as_str());
                if raw || english {
                    let what = if raw { "code" } else { "English" };
                    problems
                        .entry(format!("{what} '{w}'"))
                        .or_default()
                        .insert(format!("{path} ({who})"));
                }
            }
            for link in links(&page.body) {
                if walkable(&link) && !seen.contains(&link) {
                    queue.push_back(link);
                }
            }
        }
    }
    eprintln!("{walked} pages walked");
    assert!(
        visited_help,
        "the badges lead to the page that says what an answer's status means"
    );
    assert!(walked > 60, "only {walked} pages walked");
    let report: Vec<String> = problems
        .iter()
        .map(|(what, wheres)| {
            let some: Vec<&String> = wheres.iter().take(3).collect();
            format!("{what}: {} pages, e.g. {some:?}", wheres.len())
        })
        .collect();
    assert!(
        report.is_empty(),
        "{walked} pages walked:\n{}",
        report.join("\n")
    );
}
