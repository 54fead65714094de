//! No page or mail a person reads shows a raw code of the domain's enumerations, an English
//! sentence or a word the word list avoids: every page linked from the demo's start pages walked
//! as each role, the pages that refuse bad input, the failed-mail page, and (from mail.rs) every
//! mail; the text and the attributes a screen reader says (aria-label, title, alt, placeholder).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use eskalera::domain::answer::BindingStatus;
use eskalera::domain::catalogue::AVOIDED_WORDS;
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
        // Scripts and styles are not read; a text marked as English (a mail server's own
        // message, shown as it came) is read as English and is not the product's words.
        let name: String = lower[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name == "script" || name == "style" || lower.contains(" lang=\"en\"") {
            let close = format!("</{name}>");
            rest = rest.find(&close).map_or("", |e| &rest[e + close.len()..]);
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

/// What in a text a person should not have to read: "code 'x'" for a raw code of the domain's
/// enumerations, "English 'y'" for a word of an English sentence, and a word the product's word
/// list avoids.
fn unreadable(codes: &BTreeSet<&'static str>, text: &str) -> Vec<String> {
    words(text)
        .filter_map(|w| {
            if codes.contains(w) {
                Some(format!("code '{w}'"))
            } else if ENGLISH.contains(&w.to_lowercase().as_str()) {
                Some(format!("English '{w}'"))
            } else if let Some((_, instead)) = AVOIDED_WORDS
                .iter()
                .find(|(avoided, _)| *avoided == w.to_lowercase())
            {
                Some(format!("'{w}' (the word list says '{instead}')"))
            } else {
                None
            }
        })
        .collect()
}

/// Fails when a page or a mail (HTML or plain text) shows a raw code or English; `place` says
/// which, for the message.
pub fn assert_reads_in_swedish(place: &str, html: &str) {
    assert_reads_in_swedish_besides(place, html, &[]);
}

/// As `assert_reads_in_swedish`, with `names` (the tests' people) not counted as words.
pub fn assert_reads_in_swedish_besides(place: &str, html: &str, names: &[String]) {
    let text = readable(html);
    let found: Vec<String> = unreadable(&raw_codes(), &text)
        .into_iter()
        .filter(|f| !names.iter().any(|n| f.contains(&format!("'{n}'"))))
        .collect();
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(found.is_empty(), "{place}: {found:?} in\n{text}");
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
        // Feeds are read by feed readers; their ids and terms are codes by design.
        || path.contains("/feed.atom")
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
            for found in unreadable(&codes, &readable(&page.body)) {
                problems
                    .entry(found)
                    .or_default()
                    .insert(format!("{path} ({who})"));
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

/// The first of the site's addresses on a page that starts with `prefix` and goes on with a
/// number.
fn first_numbered(html: &str, prefix: &str) -> Option<String> {
    links(html).into_iter().find(|l| {
        l.strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))
    })
}

#[test]
fn what_goes_wrong_is_said_in_swedish_too() {
    let app = TestApp::start();
    app.svc.load_demo().unwrap();
    let mut seen = 0;
    let mut check = |place: &str, page: &crate::web::Page| {
        assert!(page.status < 500, "{place} gave {}", page.status);
        assert_reads_in_swedish(place, &page.body);
        seen += 1;
    };

    // A unit and regional-group member, on a question at their forums.
    let mut member = Client::new(&app);
    member.sign_in("erik.nyberg@demo.eskalera.se", DEMO_PASSWORD);
    let todo = member.get("/att-gora");
    let question = first_numbered(&todo.body, "/fragor/").expect("a question to work on");
    let csrf = member.get(&question).csrf();
    let bad_steps: &[(&str, &[(&str, &str)])] = &[
        ("answer", &[("body", "")]),
        (
            "answer",
            &[
                ("body", "Svaret."),
                ("binding_status", "temporary"),
                ("review_date", ""),
            ],
        ),
        (
            "answer",
            &[
                ("body", "Svaret."),
                ("binding_status", "guiding"),
                ("review_date", "2020-01-01"),
            ],
        ),
        (
            "answer",
            &[("body", "Svaret."), ("binding_status", "påhittad")],
        ),
        ("duplicate", &[("of", "PS-2026-999999")]),
        ("duplicate", &[("of", "inte ett nummer")]),
        ("escalate", &[("to_forum", "inget-sadant-forum")]),
        ("assign", &[("assignee", "ingen@example.se")]),
        ("claim", &[("version", "1")]),
        ("request-info", &[("note", "")]),
        ("close", &[]),
        ("reopen", &[]),
        ("ingen-sadan-atgard", &[]),
    ];
    for (step, fields) in bad_steps {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let page = member.post(&format!("{question}/{step}"), &form);
        check(&format!("{step} {fields:?} on {question}"), &page);
    }
    for path in [
        "/fragor/999999",
        "/fragor/inte-ett-nummer",
        "/att-gora?sida=0",
        "/att-gora?sida=9999",
        "/sok?q=asyl&sida=9999",
        "/sok?land=Narnia",
        "/sok?process=okand",
        "/ko?forum=inget-sadant-forum",
        "/sida-som-inte-finns",
    ] {
        check(path, &member.get(path));
    }

    // A caseworker asking badly: nothing filled in, personal data, too long a title.
    let mut asker = Client::new(&app);
    asker.sign_in("anna.lindqvist@demo.eskalera.se", DEMO_PASSWORD);
    let csrf = asker.get("/fragor/ny").csrf();
    let long = "lång ".repeat(100);
    for fields in [
        vec![],
        vec![
            ("title", "Om sökanden 19850312-1234"),
            (
                "body",
                "Sökanden Anna Svensson, 19850312-1234, bor i Luleå.",
            ),
            ("process", "asyl_forstagang"),
        ],
        vec![
            ("title", long.as_str()),
            ("process", "okand"),
            ("priority", "x"),
        ],
    ] {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(&fields);
        check(&format!("ask {fields:?}"), &asker.post("/fragor/ny", &form));
    }
    check(
        "a page for someone else",
        &asker.get("/rapporter?fran=igår&till=imorgon"),
    );
    let csrf = asker.get("/installningar").csrf();
    check(
        "settings",
        &asker.post("/installningar", &[("csrf", &csrf), ("mail", "ibland")]),
    );

    // An administrator giving memberships that do not exist.
    let mut admin = Client::new(&app);
    admin.sign_in("stefan.lundgren@demo.eskalera.se", DEMO_PASSWORD);
    let people = admin.get("/admin/anvandare");
    let person = first_numbered(&people.body, "/admin/anvandare/").expect("a person");
    let csrf = admin.get(&person).csrf();
    check(
        "memberships",
        &admin.post(&person, &[("csrf", &csrf), ("forum", "inget-sadant-forum")]),
    );
    check(
        "membership by mail",
        &admin.post(
            "/admin/anvandare",
            &[
                ("csrf", &csrf),
                ("email", "ingen@example.se"),
                ("forum", "x"),
            ],
        ),
    );
    check(
        "failed mail, unknown cause",
        &admin.get("/admin/mail?orsak=okand"),
    );
    check(
        "a mail to retry that is not there",
        &admin.post("/admin/mail/999999/retry", &[("csrf", &csrf)]),
    );

    // Signing in wrong.
    let mut stranger = Client::new(&app);
    let csrf = stranger.get("/logga-in").csrf();
    check(
        "wrong password",
        &stranger.post(
            "/logga-in",
            &[
                ("csrf", &csrf),
                ("email", "anna.lindqvist@demo.eskalera.se"),
                ("password", "fel"),
            ],
        ),
    );
    check("not signed in", &stranger.get("/att-gora"));
    assert!(seen > 30, "{seen} refusals read");
}

#[test]
fn the_failed_mail_page_says_why_in_swedish() {
    // No SMTP server listens on this port: every attempt fails, and there is no retry window.
    let port = crate::common::free_port();
    let app = TestApp::start_with(eskalera::clock::Clock::system(), |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.mail.retry_for_hours = 0.0;
    });
    let asker = app.user("anna.fragar@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    app.user(
        "erik.svarar@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    app.user_with_password(
        "stina.berg@test.se",
        "u-lulea-asyl",
        &[],
        Role::Admin,
        "lösenord-för-test",
    );
    app.ask(&asker, "En fråga om uppehållstillstånd", "asyl_forstagang");
    let started = std::time::Instant::now();
    while app
        .svc
        .failed_mail(&eskalera::service::Actor::operator())
        .unwrap()
        .is_empty()
    {
        assert!(started.elapsed().as_secs() < 20, "the mail never failed");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut admin = Client::new(&app);
    assert_eq!(
        admin
            .sign_in("stina.berg@test.se", "lösenord-för-test")
            .status,
        303
    );
    let page = admin.get("/admin/mail");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("PS-"), "the mail names its question");
    assert_reads_in_swedish("/admin/mail", &page.body);
}
