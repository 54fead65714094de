//! Personal data in free text is refused with 422, naming the field, and nothing is stored.

use eskalera::service::Role;
use serde_json::json;

use crate::common::TestApp;

fn total(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/questions", token).ok()["total"]
        .as_i64()
        .unwrap()
}

#[test]
fn a_personal_identity_number_in_a_body_is_refused_and_nothing_is_stored() {
    let app = TestApp::start();
    let t = app.user(
        "a@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let cases = [
        (
            "body",
            json!({"title": "Fråga", "body": "Sökanden 811218-9876 uppger att...", "process": "asyl_forstagang"}),
        ),
        (
            "title",
            json!({"title": "Sökande 19811218-9876", "body": "Text", "process": "asyl_forstagang"}),
        ),
        (
            "body",
            json!({"title": "Fråga", "body": "Samordningsnummer 701063-2391 finns.", "process": "asyl_forstagang"}),
        ),
        (
            "body",
            json!({"title": "Fråga", "body": "Ring ombudet på 070-123 45 67.", "process": "asyl_forstagang"}),
        ),
        (
            "body",
            json!({"title": "Fråga", "body": "Skriv till ombud@advokat.se om detta.", "process": "asyl_forstagang"}),
        ),
        (
            "tags[0]",
            json!({"title": "Fråga", "body": "Text", "process": "asyl_forstagang", "tags": ["811218-9876"]}),
        ),
        (
            "urgent_reason",
            json!({"title": "Fråga", "body": "Text", "process": "asyl_forstagang", "priority": "urgent", "urgent_reason": "Ring +46 70 123 45 67"}),
        ),
    ];
    for (field, body) in cases {
        let r = app.post("/api/v1/questions", &t, body);
        let p = r.status(422);
        assert_eq!(p["errors"][0]["field"], field, "{p}");
        let msg = p["errors"][0]["message"].as_str().unwrap();
        assert!(
            msg.contains("personal data") && msg.contains("characters"),
            "{msg}"
        );
        assert!(
            !p.to_string().contains("9876") && !p.to_string().contains("45 67"),
            "the 422 must not echo the data: {p}"
        );
    }
    assert_eq!(total(&app, &t), 0, "nothing was stored");
    // A number that fails the Luhn check and an agency case number are not personal data.
    let r = app.post(
        "/api/v1/questions",
        &t,
        json!({"title": "Dnr 1.3.1-2024-12525", "body": "Se beslut 811218-9875 och SFS 2005:716.", "process": "asyl_forstagang"}),
    );
    r.status(201);
    assert_eq!(total(&app, &t), 1);
}

#[test]
fn personal_data_in_notes_answers_and_references_changes_nothing() {
    let app = TestApp::start();
    let t = app.user(
        "a@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let id = app.ask(&t, "Fråga om identitet", "asyl_forstagang");
    let p = |a: &str| format!("/api/v1/questions/{id}/{a}");
    app.post(&p("escalate"), &t, json!({"note": "Se 811218-9876"}))
        .status(422);
    app.post(&p("claim"), &t, json!({})).status(200);
    app.post(
        &p("request-info"),
        &t,
        json!({"note": "Mejla mig på a.b@test.se"}),
    )
    .status(422);
    app.post(
        &p("answers"),
        &t,
        json!({"body": "Personen 811218-9876", "binding_status": "guidance"}),
    )
    .status(422);
    let r = app.post(
        &p("answers"),
        &t,
        json!({"body": "Svar", "binding_status": "guidance", "references": ["Tel 08-123 456 78"]}),
    );
    assert_eq!(r.status(422)["errors"][0]["field"], "references[0]");
    let q = app.get(&format!("/api/v1/questions/{id}"), &t);
    let q = q.ok();
    assert_eq!(q["status"], "in_progress");
    assert_eq!(q["version"], 2);
    assert_eq!(q["events"].as_array().unwrap().len(), 2);
    assert!(q["answers"].as_array().unwrap().is_empty());
}
