//! Personal data in free text is refused with 422, naming the field, and nothing is stored.

use eskalera::service::Role;
use serde_json::{json, Value};

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

/// One sample of each kind of personal data; `marker` is what must be found nowhere after.
const SAMPLES: [(&str, &str); 4] = [
    ("Sökanden 811218-9876 uppger", "811218"),
    ("samordningsnummer 701063-2391 anges", "701063"),
    ("mejla anna.svensson@exempel.se i dag", "anna.svensson"),
    ("ring 070-123 45 67 i morgon", "123 45 67"),
];

/// Every row of the tables that hold text, as text (both backends).
pub fn database_text(app: &TestApp) -> String {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    let tables = [
        "questions",
        "answers",
        "events",
        "outbox",
        "stages",
        "consistency_cases",
        "changes",
    ];
    let mut out = String::new();
    if crate::common::postgres_admin_url().is_some() {
        let mut c = diesel::PgConnection::establish(&app.db.url).unwrap();
        for t in tables {
            for r in diesel::sql_query(format!("SELECT x::text AS t FROM {t} x"))
                .load::<Row>(&mut c)
                .unwrap()
            {
                out.push_str(&r.t);
                out.push('\n');
            }
        }
    } else {
        // The database file and its write-ahead log, byte for byte.
        for suffix in ["", "-wal"] {
            if let Ok(b) = std::fs::read(format!("{}{suffix}", app.db.url)) {
                out.push_str(&String::from_utf8_lossy(&b));
            }
        }
    }
    out
}

#[test]
fn personal_data_in_every_text_field_is_refused_and_found_nowhere() {
    let app = TestApp::start();
    let asker = app.user("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let member = app.user(
        "member@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let legal = app.user("legal@test.se", "u-lulea-asyl", &[], Role::Legal);
    let q = |id: i64, a: &str| format!("/api/v1/questions/{id}/{a}");
    // Questions in the states the steps need, made with clean text.
    let open = app.ask(&asker, "Fråga som väntar", "asyl_forstagang");
    let other = app.ask(&asker, "En annan fråga", "asyl_forstagang");
    let awaiting = app.ask(&asker, "Fråga som ska kompletteras", "asyl_forstagang");
    app.post(
        &format!("/api/v1/questions/{awaiting}/claim"),
        &member,
        json!({}),
    )
    .ok();
    app.post(
        &format!("/api/v1/questions/{awaiting}/request-info"),
        &member,
        json!({"note": "Vilket land?"}),
    )
    .ok();
    let answered = app.ask(&asker, "Fråga som har besvarats", "asyl_forstagang");
    let r = app.post(
        &format!("/api/v1/questions/{answered}/answers"),
        &member,
        json!({"body": "Svar.", "binding_status": "guidance"}),
    );
    let answer = r.status(201)["id"].as_i64().unwrap();
    // Request info needs a question in progress.
    app.post(&q(other, "claim"), &member, json!({})).ok();
    let before = database_text(&app).len();

    for (pii, _) in SAMPLES {
        let cells: Vec<(&str, String, &String, Value, &str)> = vec![
            (
                "POST",
                "/api/v1/questions".into(),
                &asker,
                json!({"title": format!("Fråga {pii}"), "body": "Text", "process": "asyl_forstagang"}),
                "title",
            ),
            (
                "POST",
                "/api/v1/questions".into(),
                &asker,
                json!({"title": "Fråga", "body": pii, "process": "asyl_forstagang"}),
                "body",
            ),
            (
                "POST",
                "/api/v1/questions".into(),
                &asker,
                json!({"title": "Fråga", "body": "Text", "process": "asyl_forstagang", "tags": ["ok", pii]}),
                "tags[1]",
            ),
            (
                "POST",
                "/api/v1/questions".into(),
                &asker,
                json!({"title": "Fråga", "body": "Text", "process": "asyl_forstagang", "priority": "urgent", "urgent_reason": pii}),
                "urgent_reason",
            ),
            (
                "POST",
                q(open, "escalate"),
                &member,
                json!({"note": pii}),
                "note",
            ),
            (
                "POST",
                q(open, "duplicate"),
                &member,
                json!({"of": other, "note": pii}),
                "note",
            ),
            (
                "POST",
                q(open, "answers"),
                &member,
                json!({"body": pii, "binding_status": "guidance"}),
                "body",
            ),
            (
                "POST",
                q(open, "answers"),
                &member,
                json!({"body": "Svar", "binding_status": "guidance", "references": [pii]}),
                "references[0]",
            ),
            (
                "POST",
                q(open, "withdraw"),
                &asker,
                json!({"note": pii}),
                "note",
            ),
            (
                "POST",
                q(awaiting, "provide-info"),
                &asker,
                json!({"note": pii}),
                "note",
            ),
            (
                "POST",
                q(answered, "close"),
                &asker,
                json!({"note": pii}),
                "note",
            ),
            (
                "POST",
                q(answered, "reopen"),
                &asker,
                json!({"note": pii}),
                "note",
            ),
            (
                "POST",
                format!("/api/v1/answers/{answer}/binding-status"),
                &member,
                json!({"binding_status": "withdrawn", "note": pii}),
                "note",
            ),
            (
                "POST",
                "/api/v1/consistency-cases/1/decision".into(),
                &legal,
                json!({"decision": "consistent", "note": pii}),
                "note",
            ),
        ];
        for (method, path, token, body, field) in cells {
            let r = app.request(method, &path, Some(token), Some(&body), &[]);
            let p = r.status(422);
            let fields: Vec<&str> = p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap())
                .collect();
            assert!(fields.contains(&field), "{path} {field}: {p}");
        }
        app.post(&q(other, "request-info"), &member, json!({"note": pii}))
            .status(422);
    }
    // And the import, field by field.
    for (pii, _) in SAMPLES {
        let rows = [
            (
                json!({"reference": "KP-1", "created_at": "2021-03-01T09:00:00Z", "unit": "u-lulea-asyl", "title": pii, "body": "Text", "process": "asyl_forstagang"}),
                "line 1: title",
            ),
            (
                json!({"reference": "KP-1", "created_at": "2021-03-01T09:00:00Z", "unit": "u-lulea-asyl", "title": "R", "body": pii, "process": "asyl_forstagang"}),
                "line 1: body",
            ),
            (
                json!({"reference": "KP-1", "created_at": "2021-03-01T09:00:00Z", "unit": "u-lulea-asyl", "title": "R", "body": "T", "process": "asyl_forstagang", "tags": [pii]}),
                "line 1: tags[0]",
            ),
            (
                json!({"reference": pii, "created_at": "2021-03-01T09:00:00Z", "unit": "u-lulea-asyl", "title": "R", "body": "T", "process": "asyl_forstagang"}),
                "line 1: reference",
            ),
            (
                json!({"reference": "KP-1", "created_at": "2021-03-01T09:00:00Z", "unit": "u-lulea-asyl", "title": "R", "body": "T", "process": "asyl_forstagang",
                    "answers": [{"forum": "nn-trovardighet", "created_at": "2021-03-02T09:00:00Z", "body": pii, "binding_status": "guidance"}]}),
                "line 1: answers[0].body",
            ),
        ];
        for (row, field) in rows {
            match app
                .svc
                .import("historik.jsonl", &row.to_string(), &mut std::io::sink())
            {
                Err(eskalera::service::ServiceError::Invalid(errors)) => {
                    assert!(
                        errors.iter().any(|e| e.field == field),
                        "{field}: {errors:?}"
                    );
                }
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    // Stored nowhere, indexed nowhere, mailed nowhere.
    let stored = database_text(&app);
    let read_spool = || -> String {
        std::fs::read_dir(app.db.dir().join("data").join("mail"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|f| std::fs::read_to_string(f.path()).ok())
            .collect()
    };
    let started = std::time::Instant::now();
    let mut spool = read_spool();
    while spool.is_empty() && started.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(100));
        spool = read_spool();
    }
    assert!(!spool.is_empty(), "the clean steps mailed something");
    for (_, marker) in SAMPLES {
        assert!(!stored.contains(marker), "{marker} is in the database");
        assert!(!spool.contains(marker), "{marker} was mailed");
        // Quoted: the marker's words in a row, not any of them.
        let hits = app.get(
            &format!("/api/v1/search?q=%22{}%22", marker.replace(' ', "+")),
            &legal,
        );
        assert_eq!(hits.ok()["total"], 0, "{marker} is in the index");
    }
    assert!(stored.len() >= before);
}
