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
    let asker = app.svc.create_token("asker@test.se", None).unwrap();
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
