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
            !echoes(p, &["9876", "45 67"]),
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
    database_text_of(
        app,
        &[
            "questions",
            "answers",
            "events",
            "outbox",
            "stages",
            "consistency_cases",
            "possible_divergences",
            "changes",
        ],
    )
}

/// The tables that only requests write: the mail and index workers rewrite the outbox (a row's
/// status and attempts) and the change log meanwhile, so their text may shrink at any moment.
const REQUEST_TABLES: [&str; 6] = [
    "questions",
    "answers",
    "events",
    "stages",
    "consistency_cases",
    "possible_divergences",
];

/// Every row of `tables`, as text (both backends).
fn database_text_of(app: &TestApp, tables: &[&str]) -> String {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
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
    let before = database_text_of(&app, &REQUEST_TABLES).len();

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
    assert!(database_text_of(&app, &REQUEST_TABLES).len() >= before);
}

/// Spellings of personal data that people paste — Word's autocorrect, PDFs, web pages, phones,
/// East Asian input methods — each of which must be refused wherever text goes in.
const PASTED: &[&str] = &[
    "811218\u{2013}9876",      // en dash
    "811218\u{2014}9876",      // em dash
    "811218\u{2212}9876",      // minus sign
    "811218\u{2011}9876",      // non-breaking hyphen
    "811218\u{ad}9876",        // soft hyphen
    "811218\u{ad}-9876",       // soft hyphen and hyphen
    "811218\u{200b}-9876",     // zero-width space
    "811218-\u{200b}9876",     // zero-width space after
    "8112\u{200d}18-9876",     // zero-width joiner
    "811218\u{200c}9876",      // zero-width non-joiner
    "811218\u{2060}-9876",     // word joiner
    "\u{feff}811218-9876",     // byte order mark
    "811218\u{200e}-9876",     // left-to-right mark
    "811218\u{2009}9876",      // thin space
    "811218\u{202f}9876",      // narrow no-break space
    "811218\u{2007}9876",      // figure space
    "811218\u{3000}9876",      // ideographic space
    "811218\u{a0}-\u{a0}9876", // no-break spaces round a hyphen
    "121212 - 1212",           // spaced hyphen
    "811218 \u{2013} 9876",    // spaced en dash
    "\u{ff18}\u{ff11}\u{ff11}\u{ff12}\u{ff11}\u{ff18}\u{ff0d}\u{ff19}\u{ff18}\u{ff17}\u{ff16}", // full width
    "\u{ff18}\u{ff11}\u{ff11}\u{ff12}\u{ff11}\u{ff18}-9876", // half full width
    "811218-\n9876",                                         // wrapped after the hyphen
    "811218\n9876",                                          // wrapped
    "811218 -\r\n9876",                                      // wrapped, Windows line end
    "811218\r\n-9876",                                       // wrapped before the hyphen
    "19811218\u{2013}9876",                                  // twelve digits, en dash
    "19811218\u{202f}9876",                                  // twelve digits, narrow space
    "701063\u{2013}2391",                                    // samordningsnummer, en dash
    "\u{ff17}\u{ff10}\u{ff11}\u{ff10}\u{ff16}\u{ff13}\u{3000}\u{ff12}\u{ff13}\u{ff19}\u{ff11}", // full width
    "701063-\r\n2391",                              // samordningsnummer, wrapped
    "anna\u{200b}@exempel.se",                      // zero-width space before @
    "anna\u{ff20}exempel.se",                       // full-width @
    "anna\u{ff20}exempel\u{ff0e}se",                // full-width @ and full stop
    "anna@\u{2060}exempel.se",                      // word joiner after @
    "an\u{ad}na@exempel.se",                        // soft hyphen in the name
    "070\u{2013}123 45 67",                         // phone, en dash
    "070 \u{2013} 123 45 67",                       // phone, spaced en dash
    "070.123.45.67",                                // phone, dots
    "08.123.456.78",                                // phone, dots
    "070\u{2212}123\u{a0}45\u{a0}67",               // minus and no-break spaces
    "070\u{2009}123\u{2009}45\u{2009}67",           // thin spaces
    "\u{ff0b}46 70 123 45 67",                      // full-width plus
    "+46\u{202f}70\u{202f}123\u{202f}45\u{202f}67", // narrow no-break spaces
    "\u{ff10}\u{ff17}\u{ff10}-\u{ff11}\u{ff12}\u{ff13} \u{ff14}\u{ff15} \u{ff16}\u{ff17}", // full width
];

/// Text from the seed documents (a table of percentages, years, ranges with en dashes, a dnr)
/// and a statistics table whose counts happen to read as a valid personnummer in one row.
fn seed_text() -> String {
    let read = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/tests/data/seeds/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let report = read("statskontoret-2024-14-manga-oar-sma.txt");
    let lines: Vec<&str> = report.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Utfall migrationsdomstol"))
        .unwrap();
    let plan = read("migrationsverket-2025-atgarder-enhetlighet.txt");
    let dnr = plan
        .lines()
        .find(|l| l.contains("dnr: 1.3.1-2024-12525"))
        .unwrap();
    format!(
        "{}\r\n\r\n{dnr}\n\nTabell 2. Ansökningar och beslut per region 2019\u{2013}2023\n\
         Region\tAnsökningar\tBeslut\nNord\t163\u{202f}005\t1\u{202f}200\nNord\t163005\t1200\n\
         Väst\t121212\t1212\nSyd\t170101\t1300\n2020 811218 9876 2021\n\
         ISBN 978\u{2011}91\u{2011}38\u{2011}32657\u{2011}0, ISSN 0280\u{2013}7815, kl. 08.00\u{2013}17.00.",
        lines[at - 12..at + 14].join("\n")
    )
}

/// Whether a problem document repeats any of `data`. The `instance` is a random
/// request id that can hold "9876" by chance, so it is left out.
fn echoes(problem: &serde_json::Value, data: &[&str]) -> bool {
    let mut problem = problem.clone();
    if let Some(fields) = problem.as_object_mut() {
        fields.remove("instance");
    }
    let text = problem.to_string();
    data.iter().any(|d| text.contains(d))
}

fn refused(r: &crate::common::Reply, field: &str) -> bool {
    r.status == 422
        && r.body["errors"].as_array().is_some_and(|errors| {
            errors.iter().any(|e| {
                e["field"] == field
                    && e["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("personal data"))
            })
        })
}

#[test]
fn every_pasted_spelling_is_refused_by_the_api_the_form_and_the_import() {
    use crate::web::{Client, PASSWORD};
    assert!(PASTED.len() >= 40);
    let app = TestApp::start();
    app.user_with_password(
        "anna@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
        PASSWORD,
    );
    let t = app.token("anna@test.se");
    let open = app.ask(&t, "Fråga som väntar", "asyl_forstagang");
    let mut page = Client::new(&app);
    page.sign_in("anna@test.se", PASSWORD);
    let mut csrf = page.get("/fragor/ny").csrf();
    // Each way in that let a spelling through, so that a failure lists them all.
    let mut through: Vec<String> = Vec::new();
    let mut missed = std::collections::BTreeSet::new();
    for (n, spelling) in PASTED.iter().enumerate() {
        let text = format!("Sökanden {spelling} uppger att hen kom hit i fjol.");
        let attempts = [
            (
                "API body",
                "body",
                app.post(
                    "/api/v1/questions",
                    &t,
                    json!({"title": "Fråga", "body": text, "process": "asyl_forstagang"}),
                ),
            ),
            (
                "API title",
                "title",
                app.post(
                    "/api/v1/questions",
                    &t,
                    json!({"title": format!("Fråga om {spelling}"), "body": "Text", "process": "asyl_forstagang"}),
                ),
            ),
            (
                "API escalation note",
                "note",
                app.post(
                    &format!("/api/v1/questions/{open}/escalate"),
                    &t,
                    json!({"note": text}),
                ),
            ),
        ];
        for (way, field, r) in attempts {
            if !refused(&r, field) {
                through.push(format!("{way} {}: {spelling:?}", r.status));
                missed.insert(n);
            }
            assert!(
                r.status != 422 || !echoes(&r.body, &["9876", "exempel"]),
                "a refusal must not echo the data: {}",
                r.body
            );
        }
        let p = page.post(
            "/fragor/ny",
            &[
                ("csrf", &csrf),
                ("title", "Fråga"),
                ("body", &text),
                ("process", "asyl_forstagang"),
                ("step", "submit"),
            ],
        );
        if p.status == 422
            && p.body.contains("id=\"body-error\"")
            && p.body.contains("Innehåller personuppgifter")
        {
            csrf = p.csrf();
        } else {
            through.push(format!("form body {}: {spelling:?}", p.status));
            missed.insert(n);
            csrf = page.get("/fragor/ny").csrf();
        }
    }

    // The import: one question a line, each line with one spelling; every line is named.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("historik.jsonl");
    let row = |n: usize, body: &str| {
        json!({"reference": format!("KP-{n}"), "created_at": "2021-03-01T09:00:00Z",
            "unit": "u-lulea-asyl", "title": "Fråga", "body": body, "process": "asyl_forstagang"})
        .to_string()
    };
    let lines: Vec<String> = PASTED
        .iter()
        .enumerate()
        .map(|(n, s)| row(n, &format!("Sökanden {s} uppger att hen kom hit i fjol.")))
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let o = crate::cli::eskalera(&app, &["import", file.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    for (n, spelling) in PASTED.iter().enumerate() {
        if !stderr.contains(&format!("line {}: body: contains personal data", n + 1)) {
            through.push(format!("import: {spelling:?}"));
            missed.insert(n);
        }
    }
    assert!(
        !stderr.contains("9876") && !stderr.contains("exempel"),
        "{stderr}"
    );
    assert!(
        through.is_empty(),
        "{} of {} spellings got through at least one way in ({} ways in all):\n{}",
        missed.len(),
        PASTED.len(),
        through.len(),
        through.join("\n")
    );
    assert_eq!(
        total(&app, &t),
        1,
        "nothing but the first question was stored"
    );

    // A file whose name holds personal data: its name would go into every question's history.
    let named = dir.path().join("historik 811218\u{2013}9876.jsonl");
    std::fs::write(&named, row(1, "Hur bedömer vi detta?")).unwrap();
    let o = crate::cli::eskalera(&app, &["import", named.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("file: contains personal data (personnummer at characters 10–20)"),
        "{stderr}"
    );
    assert_eq!(total(&app, &t), 1, "nothing was imported");

    // The seed documents go through every way in.
    let seed = seed_text();
    let r = app.post(
        "/api/v1/questions",
        &t,
        json!({"title": "Utfall i migrationsdomstol 2020\u{2013}2023", "body": seed, "process": "asyl_forstagang"}),
    );
    r.status(201);
    app.post(
        &format!("/api/v1/questions/{open}/escalate"),
        &t,
        json!({"note": seed}),
    )
    .ok();
    let p = page.post(
        "/fragor/ny",
        &[
            ("csrf", &csrf),
            ("title", "Utfall i migrationsdomstol"),
            ("body", &seed),
            ("process", "asyl_forstagang"),
            ("step", "submit"),
        ],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    let clean = dir.path().join("historik 2020\u{2013}2023.jsonl");
    std::fs::write(&clean, row(1, &seed)).unwrap();
    let o = crate::cli::eskalera(&app, &["import", clean.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("imported 1 questions"));
    assert_eq!(total(&app, &t), 4);
}

/// Runs SQL straight against the test database, around every check.
fn execute(app: &TestApp, sql: &str) {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    if crate::common::postgres_admin_url().is_some() {
        let mut c = diesel::PgConnection::establish(&app.db.url).unwrap();
        c.batch_execute(sql).unwrap();
    } else {
        let mut c = diesel::SqliteConnection::establish(&app.db.url).unwrap();
        c.batch_execute(&format!("PRAGMA busy_timeout = 10000; {sql}"))
            .unwrap();
    }
}

fn last_event_id(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let q = "SELECT MAX(id) AS id FROM events";
    let rows: Vec<Row> = if crate::common::postgres_admin_url().is_some() {
        let mut c = diesel::PgConnection::establish(&app.db.url).unwrap();
        diesel::sql_query(q).load(&mut c).unwrap()
    } else {
        let mut c = diesel::SqliteConnection::establish(&app.db.url).unwrap();
        diesel::sql_query(q).load(&mut c).unwrap()
    };
    rows[0].id
}

#[test]
fn pii_scan_lists_the_ids_of_stored_personal_data_and_never_the_data() {
    let app = TestApp::start();
    let t = app.user(
        "m@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let clean = app.ask(&t, "Ren fråga 2020\u{2013}2023", "asyl_forstagang");
    let first = app.ask(&t, "Fråga ett", "asyl_forstagang");
    let second = app.ask(&t, "Fråga två", "asyl_forstagang");
    let r = app.post(
        &format!("/api/v1/questions/{second}/answers"),
        &t,
        json!({"body": "Svar.", "binding_status": "guidance", "references": ["SFS 2005:716"]}),
    );
    let answer = r.status(201)["id"].as_i64().unwrap();
    let o = crate::cli::eskalera(&app, &["pii-scan"], None);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(
        out.starts_with("found 0 (scanned 3 questions, 1 answers,"),
        "{out}"
    );

    // More than two pages of clean notes, then personal data in every kind of text, written
    // straight into the tables as if stored before the check knew these spellings.
    execute(
        &app,
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200) \
             INSERT INTO events (question_id, kind, note, created_at) \
             SELECT {clean}, 'noted', 'Anteckning ' || i || ' om 2020\u{2013}2023', CURRENT_TIMESTAMP FROM n;"
        ),
    );
    let late_event = last_event_id(&app);
    execute(
        &app,
        &format!(
            "UPDATE questions SET body = 'Sökanden 811218\u{2013}9876 uppger', \
                 urgent_reason = 'ring 070.123.45.67' WHERE id = {first};
             UPDATE questions SET title = 'Fråga om 121212 - 1212', \
                 tags = '[\"ok\", \"anna\u{ff20}exempel.se\"]' WHERE id = {second};
             UPDATE answers SET body = 'Samordningsnummer 701063-\n2391.', \
                 refs = '[\"SFS 2005:716\", \"Tel 08\u{2013}123 456 78\"]' WHERE id = {answer};
             UPDATE events SET note = 'mejla an\u{ad}na@exempel.se' WHERE id = {late_event};
             INSERT INTO possible_divergences (question_a, question_b, answer_a, answer_b, score, \
                 place, reasons, status, note, created_at) VALUES ({first}, {second}, {answer}, \
                 {answer}, 0.1, 1, '[]', 'dismissed', 'Gäller 811218-9876', CURRENT_TIMESTAMP);"
        ),
    );
    let o = crate::cli::eskalera(&app, &["pii-scan"], None);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(4), "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..lines.len() - 1],
        [
            format!("question {first} body"),
            format!("question {first} urgent_reason"),
            format!("question {second} title"),
            format!("question {second} tags"),
            format!("answer {answer} body"),
            format!("answer {answer} references"),
            format!("event {late_event} note"),
            "possible_divergence 1 note".to_string(),
        ],
        "{out}"
    );
    assert!(
        lines[lines.len() - 1].starts_with("found 8 (scanned 3 questions, 1 answers, "),
        "{out}"
    );
    assert!(err.contains("8 stored texts hold personal data"), "{err}");
    for value in [
        "9876",
        "121212",
        "2391",
        "exempel",
        "45.67",
        "456 78",
        "Sökanden",
    ] {
        assert!(
            !out.contains(value) && !err.contains(value),
            "{value}: {out}{err}"
        );
    }
}
