//! One rule, two paths: what the question page offers a person is exactly what the use case lets
//! them do, cell by cell (person's relation to the answer × change), through HTTP.

use eskalera::service::Role;
use serde_json::json;

use crate::common::TestApp;
use crate::web::{Client, PASSWORD};

/// The changes of an answer's binding status the pages can offer.
const CHANGES: [&str; 3] = ["binding", "superseded", "withdrawn"];

/// People by their relation to the answer under test.
const PEOPLE: [(&str, &str, &[&str], Role); 6] = [
    // A member of the network that gave the answer.
    (
        "answering@test.se",
        "u-umea-asyl",
        &["nn-konvertiter"],
        Role::Caseworker,
    ),
    // A member of the process forum the question went to after the answer.
    (
        "above@test.se",
        "u-umea-asyl",
        &["pf-asyl"],
        Role::Caseworker,
    ),
    // A member of the unit where the question was before the answer.
    (
        "below@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    ),
    ("legal@test.se", "u-umea-asyl", &[], Role::Legal),
    ("admin@test.se", "u-umea-asyl", &[], Role::Admin),
    // The asker.
    ("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker),
];

/// A question that climbed to the converts' network, was answered there with temporary support,
/// went on to the process forum and got a later binding answer there. Returns the app, the
/// question, the temporary answer and the later one.
fn an_answer_with_a_path() -> (TestApp, i64, i64, i64) {
    let app = TestApp::start();
    for (email, unit, members, role) in PEOPLE {
        app.user_with_password(email, unit, members, role, PASSWORD);
    }
    let asker = app.token("asker@test.se");
    let ladder = app.user(
        "ladder@test.se",
        "u-lulea-asyl",
        &[
            "u-lulea-asyl",
            "rg-nord-lulea",
            "ng-asyl-forstagang",
            "nn-konvertiter",
            "pf-asyl",
        ],
        Role::Caseworker,
    );
    let id = app.ask(&asker, "Dopintyg och konvertering", "asyl_forstagang");
    let up = format!("/api/v1/questions/{id}/escalate");
    for body in [
        json!({"note": "upp"}),
        json!({"note": "upp"}),
        json!({"note": "upp", "to_forum": "nn-konvertiter"}),
    ] {
        app.post(&up, &ladder, body).status(200);
    }
    let answers = format!("/api/v1/questions/{id}/answers");
    let temporary = app
        .post(
            &answers,
            &ladder,
            json!({"body": "Tills vidare räcker inte dopintyget ensamt.",
                   "binding_status": "temporary", "review_date": "2099-06-30"}),
        )
        .status(201)["id"]
        .as_i64()
        .unwrap();
    app.post(&up, &ladder, json!({"note": "Processforumet bör avgöra."}))
        .status(200);
    let later = app
        .post(
            &answers,
            &ladder,
            json!({"body": "Dopintyget räcker inte ensamt; tron utreds muntligt.", "binding_status": "binding"}),
        )
        .status(201)["id"]
        .as_i64()
        .unwrap();
    (app, id, temporary, later)
}

/// What the question page offers `email` for `answer`: the options of its binding-status form.
fn offered(c: &mut Client, question: i64, answer: i64) -> Vec<String> {
    let page = c.get(&format!("/fragor/{question}")).body;
    let Some(select) = page
        .split(&format!("id=\"binding-{answer}-binding_status\""))
        .nth(1)
        .and_then(|rest| rest.split("</select>").next())
    else {
        return Vec::new();
    };
    select
        .split("<option value=\"")
        .skip(1)
        .filter_map(|o| o.split('"').next())
        .map(String::from)
        .collect()
}

/// Posts the page's form for `change`; true when the change was made.
fn post_change(c: &mut Client, question: i64, answer: i64, change: &str, later: i64) -> bool {
    let csrf = c.get(&format!("/fragor/{question}")).csrf();
    let later = later.to_string();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("binding_status", change),
        ("note", "Enligt policyn."),
    ];
    if change == "superseded" {
        form.push(("superseded_by", later.as_str()));
    }
    let r = c.post(&format!("/svar/{answer}/status"), &form);
    assert!(
        r.status == 303 || (400..500).contains(&r.status),
        "{change}: {} {}",
        r.status,
        r.body
    );
    r.status == 303
}

#[test]
fn the_page_offers_a_binding_status_change_exactly_when_the_use_case_allows_it() {
    let mut table = Vec::new();
    for (email, ..) in PEOPLE {
        // What is offered, and every change not offered refused, on one app…
        let (app, question, answer, later) = an_answer_with_a_path();
        let mut c = Client::new(&app);
        c.sign_in(email, PASSWORD);
        let offers = offered(&mut c, question, answer);
        for change in CHANGES.iter().filter(|x| !offers.iter().any(|o| o == *x)) {
            assert!(
                !post_change(&mut c, question, answer, change, later),
                "{email}: {change} is not offered but was allowed"
            );
        }
        // …and each offered change allowed, each on an app of its own.
        for change in &offers {
            let (app, question, answer, later) = an_answer_with_a_path();
            let mut c = Client::new(&app);
            c.sign_in(email, PASSWORD);
            assert!(
                post_change(&mut c, question, answer, change, later),
                "{email}: {change} is offered but was refused"
            );
        }
        table.push((email, offers));
    }
    // The rule itself: the answering forum and the ones above it change the status, only a
    // forum whose level may issue binding answers makes it binding, the legal department
    // supersedes and withdraws, and nobody else does anything.
    let expect = |e: &str| -> Vec<String> {
        match e {
            "answering@test.se" | "legal@test.se" => vec!["superseded", "withdrawn"],
            "above@test.se" => vec!["binding", "superseded", "withdrawn"],
            _ => vec![],
        }
        .into_iter()
        .map(String::from)
        .collect()
    };
    for (email, offers) in &table {
        assert_eq!(offers, &expect(email), "{email}");
    }
}

/// The lifecycle steps as the question page's forms address them.
const STEPS: [&str; 10] = [
    "claim",
    "assign",
    "request-info",
    "provide-info",
    "answer",
    "escalate",
    "close",
    "withdraw",
    "reopen",
    "duplicate",
];

/// People by their relation to the question: the asker, a member of the forums that hold it
/// (and answer it) on its way up, the legal department, an administrator and a caseworker
/// elsewhere.
const STEP_PEOPLE: [(&str, &str, &[&str], Role); 5] = [
    ("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker),
    (
        "member@test.se",
        "u-umea-asyl",
        &[
            "u-lulea-asyl",
            "rg-nord-lulea",
            "ng-asyl-forstagang",
            "nn-konvertiter",
        ],
        Role::Caseworker,
    ),
    ("legal@test.se", "u-umea-asyl", &[], Role::Legal),
    ("admin@test.se", "u-umea-asyl", &[], Role::Admin),
    ("other@test.se", "u-umea-asyl", &[], Role::Caseworker),
];

/// The states a question can be in for the steps, each reached the way people reach it.
const STATES: [&str; 8] = [
    "open",
    "in_progress",
    "awaiting_info",
    "answered",
    "answered_temporary",
    "closed",
    "withdrawn",
    "duplicate",
];

/// A question in `state` (and another question for a duplicate to point at).
fn a_question_in(state: &str) -> (TestApp, i64, i64) {
    let app = TestApp::start();
    for (email, unit, members, role) in STEP_PEOPLE {
        app.user_with_password(email, unit, members, role, PASSWORD);
    }
    let asker = app.token("asker@test.se");
    let member = app.token("member@test.se");
    let other = app.ask(&asker, "En tidigare fråga om samma sak", "asyl_forstagang");
    let id = app.ask(&asker, "Dopintyg och konvertering", "asyl_forstagang");
    let step = |token: &str, path: &str, body: serde_json::Value| {
        app.post(&format!("/api/v1/questions/{id}/{path}"), token, body)
            .status(200);
    };
    let answer = |binding: serde_json::Value| {
        app.post(&format!("/api/v1/questions/{id}/answers"), &member, binding)
            .status(201);
    };
    match state {
        "open" => {}
        "in_progress" => step(&member, "claim", json!({})),
        "awaiting_info" => {
            step(&member, "claim", json!({}));
            step(&member, "request-info", json!({"note": "Vilket land?"}));
        }
        "answered" => answer(json!({"body": "Så här.", "binding_status": "guidance"})),
        // Only a network may give temporary support: the question climbs to one first.
        "answered_temporary" => {
            step(&member, "escalate", json!({"note": "upp"}));
            step(&member, "escalate", json!({"note": "upp"}));
            step(
                &member,
                "escalate",
                json!({"note": "upp", "to_forum": "nn-konvertiter"}),
            );
            answer(json!({"body": "Tills vidare så här.",
                "binding_status": "temporary", "review_date": "2099-06-30"}));
        }
        "closed" => {
            answer(json!({"body": "Så här.", "binding_status": "guidance"}));
            step(&asker, "close", json!({}));
        }
        "withdrawn" => step(&asker, "withdraw", json!({"note": "Inte längre aktuell."})),
        "duplicate" => step(
            &member,
            "duplicate",
            json!({"of": other, "note": "Samma fråga."}),
        ),
        other => panic!("no state {other}"),
    }
    (app, id, other)
}

/// The steps the question page offers the signed-in person: the forms addressed to a step.
fn offered_steps(c: &mut Client, question: i64) -> Vec<String> {
    let page = c.get(&format!("/fragor/{question}")).body;
    let prefix = format!("action=\"/fragor/{question}/");
    STEPS
        .iter()
        .filter(|s| page.contains(&format!("{prefix}{s}\"")))
        .map(|s| s.to_string())
        .collect()
}

/// Posts a valid form for `step` as the page would; true when the step was taken.
fn take_step(c: &mut Client, question: i64, step: &str, other: i64) -> bool {
    let page = c.get(&format!("/fragor/{question}"));
    let (csrf, version, other) = (
        page.csrf(),
        super::web::version_of(&page),
        other.to_string(),
    );
    let mut form = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    match step {
        "assign" => form.push(("assignee", "member@test.se")),
        "answer" => form.extend([("body", "Så här gör vi."), ("binding_status", "guidance")]),
        "duplicate" => form.extend([("of", other.as_str()), ("note", "Samma fråga.")]),
        "claim" => {}
        _ => form.push(("note", "Enligt policyn.")),
    }
    let r = c.post(&format!("/fragor/{question}/{step}"), &form);
    assert!(
        r.status == 303 || [403, 409, 422].contains(&r.status),
        "{step}: {} {}",
        r.status,
        r.body
    );
    r.status == 303
}

/// The rule itself, as docs/architecture.md tables it: the forum holding the question works it,
/// the legal department may take and assign it and close an answered one, the asker withdraws,
/// completes, closes and reopens, the answering forum closes and reopens, and an answered
/// question climbs further only while its answer is temporary support.
fn expected_steps(state: &str, email: &str) -> Vec<String> {
    let steps: &[&str] = match (state, email) {
        ("open", "asker@test.se") | ("in_progress", "asker@test.se") => &["withdraw"],
        ("open", "member@test.se") => &["claim", "assign", "answer", "escalate", "duplicate"],
        ("open", "legal@test.se") => &["claim", "assign"],
        ("in_progress", "member@test.se") => {
            &["assign", "request-info", "answer", "escalate", "duplicate"]
        }
        ("in_progress", "legal@test.se") => &["assign"],
        ("awaiting_info", "asker@test.se") => &["provide-info", "withdraw"],
        ("answered", "asker@test.se" | "member@test.se")
        | ("answered_temporary", "asker@test.se") => &["close", "reopen"],
        ("answered_temporary", "member@test.se") => &["escalate", "close", "reopen"],
        ("answered" | "answered_temporary", "legal@test.se") => &["close"],
        ("closed", "asker@test.se" | "member@test.se") => &["reopen"],
        _ => &[],
    };
    steps.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_page_offers_a_step_exactly_when_the_use_case_allows_it() {
    let mut offered_somewhere: Vec<String> = Vec::new();
    for state in STATES {
        // Every step not offered is refused, on one app per state (a refusal changes nothing)…
        let (app, question, other) = a_question_in(state);
        let mut table = Vec::new();
        for (email, ..) in STEP_PEOPLE {
            let mut c = Client::new(&app);
            c.sign_in(email, PASSWORD);
            let offers = offered_steps(&mut c, question);
            for step in STEPS.iter().filter(|s| !offers.iter().any(|o| o == *s)) {
                assert!(
                    !take_step(&mut c, question, step, other),
                    "{state}, {email}: {step} is not offered but was allowed"
                );
            }
            assert_eq!(offers, expected_steps(state, email), "{state}, {email}");
            table.push((email, offers));
        }
        // …and each offered step is taken, each on an app of its own.
        for (email, offers) in table {
            for step in offers {
                let (app, question, other) = a_question_in(state);
                let mut c = Client::new(&app);
                c.sign_in(email, PASSWORD);
                assert!(
                    take_step(&mut c, question, &step, other),
                    "{state}, {email}: {step} is offered but was refused"
                );
                offered_somewhere.push(step);
            }
        }
    }
    // Not vacuous: every step is offered to someone in some state.
    for step in STEPS {
        assert!(
            offered_somewhere.iter().any(|s| s == step),
            "{step} is offered nowhere"
        );
    }
}
