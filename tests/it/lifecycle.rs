//! One question walks the whole ladder, unit to process forum, as the asker sees it.

use eskalera::service::Role;
use serde_json::{json, Value};

use crate::common::{without_running_clock, TestApp};
use crate::web::{Client, PASSWORD};

fn kinds(q: &Value) -> Vec<String> {
    q["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_question_climbs_every_level_and_a_binding_answer_supersedes_the_temporary_one() {
    let app = TestApp::start();
    let asker = app.user("anna.asker@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let unit = app.user(
        "erik.enhet@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let rg = app.user(
        "rut.region@test.se",
        "u-umea-asyl",
        &["rg-nord-lulea"],
        Role::Caseworker,
    );
    let ng = app.user(
        "nils.nationell@test.se",
        "u-umea-asyl",
        &["ng-asyl-forstagang"],
        Role::Caseworker,
    );
    let nn = app.user(
        "nora.natverk@test.se",
        "u-umea-asyl",
        &["nn-landinfo"],
        Role::Caseworker,
    );
    let pf = app.user(
        "per.forum@test.se",
        "u-umea-asyl",
        &["pf-asyl"],
        Role::Caseworker,
    );

    let q = app.post(
        "/api/v1/questions",
        &asker,
        json!({
            "title": "Risk vid återvändande till Belarus efter deltagande i protesterna 2020",
            "body": "Räcker enbart deltagande i demonstrationerna för att fruktan ska anses välgrundad?",
            "process": "asyl_forstagang",
            "category": "landinformation",
            "tags": ["Belarus", "demonstrationer"],
            "countries": ["BY"]
        }),
    );
    let q = q.status(201);
    let id = q["id"].as_i64().unwrap();
    assert_eq!(q["status"], "open");
    assert_eq!(q["level"], "unit");
    assert_eq!(q["forum"]["code"], "u-lulea-asyl");
    assert_eq!(q["asker"]["email"], "anna.asker@test.se");
    assert_eq!(q["tags"], json!(["belarus", "demonstrationer"]));
    assert!(q["reference"].as_str().unwrap().starts_with("PS-"));
    assert_eq!(q["following"], true, "the asker follows their own question");
    let path = |action: &str| format!("/api/v1/questions/{id}/{action}");

    let r = app.post(&path("claim"), &unit, json!({}));
    assert_eq!(r.status(200)["status"], "in_progress");
    assert_eq!(r.body["assignee"]["email"], "erik.enhet@test.se");

    let r = app.post(
        &path("request-info"),
        &unit,
        json!({"note": "Vilket år lämnade sökanden landet?"}),
    );
    assert_eq!(r.status(200)["status"], "awaiting_info");
    assert_eq!(r.body["sla"]["paused"], true);
    let r = app.post(
        &path("provide-info"),
        &asker,
        json!({"note": "Sökanden lämnade landet 2022."}),
    );
    assert_eq!(r.status(200)["status"], "in_progress");
    assert_eq!(r.body["sla"]["paused"], false);

    let r = app.post(
        &path("escalate"),
        &unit,
        json!({"note": "Enheten kan inte enas."}),
    );
    let r = r.status(200);
    assert_eq!(
        (r["status"].as_str(), r["level"].as_str()),
        (Some("open"), Some("regional_group"))
    );
    assert_eq!(r["forum"]["code"], "rg-nord-lulea");
    assert!(r["assignee"].is_null(), "a new stage starts unassigned");

    // A regional group may escalate straight from open; the process decides the national group.
    let r = app.post(
        &path("escalate"),
        &rg,
        json!({"note": "Saknas stöd på regional nivå."}),
    );
    assert_eq!(r.status(200)["forum"]["code"], "ng-asyl-forstagang");
    assert_eq!(r.body["level"], "national_group");

    // The national group has several parent networks: the caller must choose, and is told which.
    let r = app.post(
        &path("escalate"),
        &ng,
        json!({"note": "Landinformation behövs."}),
    );
    let problem = r.status(422);
    assert_eq!(problem["errors"][0]["field"], "to_forum");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nn-landinfo"),
        "{problem}"
    );
    let r = app.post(
        &path("escalate"),
        &ng,
        json!({"note": "Landinformation behövs.", "to_forum": "nn-landinfo"}),
    );
    assert_eq!(r.status(200)["level"], "national_network");

    let r = app.post(
        &path("answers"),
        &nn,
        json!({"body": "Tillfälligt stöd: bedöm individuell profil.", "binding_status": "temporary",
               "references": ["Lifos temarapport Belarus 2024"], "review_date": "2099-06-30"}),
    );
    let temporary = r.status(201).clone();
    assert_eq!(temporary["binding_status"], "temporary");
    assert_eq!(temporary["level"], "national_network");
    assert_eq!(temporary["review_date"], "2099-06-30");

    // Temporary support and escalation in one go: the answered question climbs on.
    let r = app.post(
        &path("escalate"),
        &nn,
        json!({"note": "Processforum behöver ta ställning."}),
    );
    assert_eq!(r.status(200)["level"], "process_forum");
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["forum"]["code"], "pf-asyl");

    let r = app.post(
        &path("answers"),
        &pf,
        json!({"body": "Bindande: deltagande räcker inte ensamt.", "binding_status": "binding", "references": ["RS/021/2026"]}),
    );
    let binding = r.status(201).clone();
    assert_eq!(binding["binding_status"], "binding");

    let r = app.post(
        &format!("/api/v1/answers/{}/binding-status", temporary["id"]),
        &pf,
        json!({"binding_status": "superseded", "superseded_by": binding["id"], "note": "Ersatt av processforums ställningstagande."}),
    );
    assert_eq!(r.status(200)["binding_status"], "superseded");
    assert_eq!(r.body["superseded_by"], binding["id"]);

    // The top has nowhere to go.
    let r = app.post(&path("reopen"), &asker, json!({"note": "En följdfråga."}));
    assert_eq!(r.status(200)["forum"]["code"], "pf-asyl");
    let r = app.post(&path("escalate"), &pf, json!({"note": "Uppåt?"}));
    assert!(r.status(409)["detail"].as_str().unwrap().contains("top"));
    let r = app.post(
        &path("answers"),
        &pf,
        json!({"body": "Se tidigare svar.", "binding_status": "guidance"}),
    );
    r.status(201);
    let r = app.post(&path("close"), &asker, json!({"note": "Tack."}));
    assert_eq!(r.status(200)["status"], "closed");

    // What the asker sees: the whole path, every event in order, every stage with its clock.
    let q = app.get(&format!("/api/v1/questions/{id}"), &asker);
    let q = q.ok();
    assert_eq!(
        kinds(q),
        [
            "submitted",
            "claimed",
            "info_requested",
            "info_provided",
            "escalated",
            "escalated",
            "escalated",
            "answered",
            "escalated",
            "answered",
            "binding_status_changed",
            "reopened",
            "answered",
            "closed"
        ]
    );
    let events = q["events"].as_array().unwrap();
    assert_eq!(events[4]["note"], "Enheten kan inte enas.");
    assert_eq!(events[4]["actor"]["email"], "erik.enhet@test.se");
    assert_eq!(events[4]["from_status"], "in_progress");
    assert_eq!(events[4]["to_status"], "open");
    let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "events in order");

    let stages = q["stages"].as_array().unwrap();
    let levels: Vec<&str> = stages
        .iter()
        .map(|s| s["level"].as_str().unwrap())
        .collect();
    assert_eq!(
        levels,
        [
            "unit",
            "regional_group",
            "national_group",
            "national_network",
            "process_forum",
            "process_forum"
        ]
    );
    let outcomes: Vec<&str> = stages
        .iter()
        .map(|s| s["outcome"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        outcomes,
        [
            "escalated",
            "escalated",
            "escalated",
            "answered",
            "answered",
            "answered"
        ]
    );
    for s in stages {
        assert!(s["left_at"].is_string());
        assert!(s["working_days"].as_f64().unwrap() >= 0.0);
    }
    let answers = q["answers"].as_array().unwrap();
    let statuses: Vec<&str> = answers
        .iter()
        .map(|a| a["binding_status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["superseded", "binding", "guidance"]);
    assert_eq!(answers[0]["superseded_by"], binding["id"]);
    assert!(answers[1]["binding_explanation"]
        .as_str()
        .unwrap()
        .contains("Bindande"));
    assert_eq!(q["status"], "closed");
}

#[test]
fn a_process_without_a_national_group_skips_that_level() {
    let app = TestApp::start();
    let asker = app.user(
        "a@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let rg = app.user(
        "r@test.se",
        "u-lulea-asyl",
        &["rg-nord-lulea"],
        Role::Caseworker,
    );
    let id = app.ask(
        &asker,
        "Vandel vid skulder hos Kronofogden",
        "medborgarskap",
    );
    app.post(
        &format!("/api/v1/questions/{id}/escalate"),
        &asker,
        json!({"note": "Upp"}),
    )
    .status(200);
    let r = app.post(
        &format!("/api/v1/questions/{id}/escalate"),
        &rg,
        json!({"note": "Upp"}),
    );
    assert_eq!(r.status(200)["forum"]["code"], "nn-medborgarskap");
    assert_eq!(r.body["level"], "national_network");
}

#[test]
fn withdraw_duplicate_assign_and_follow() {
    let app = TestApp::start();
    let asker = app.user("a@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let member = app.user(
        "m@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    app.user(
        "m2@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let other = app.user("o@test.se", "u-umea-asyl", &[], Role::Caseworker);
    let first = app.ask(&asker, "Första frågan om konvertiter", "asyl_forstagang");
    let second = app.ask(&asker, "Samma fråga om konvertiter igen", "asyl_forstagang");

    let r = app.post(
        &format!("/api/v1/questions/{first}/assign"),
        &member,
        json!({"assignee": "m2@test.se"}),
    );
    assert_eq!(r.status(200)["assignee"]["email"], "m2@test.se");
    assert_eq!(r.body["status"], "open");
    let r = app.post(
        &format!("/api/v1/questions/{first}/assign"),
        &member,
        json!({"assignee": "o@test.se"}),
    );
    assert!(r.status(422)["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not a member"));

    let r = app.post(
        &format!("/api/v1/questions/{second}/duplicate"),
        &member,
        json!({"of": first}),
    );
    assert_eq!(r.status(200)["status"], "duplicate");
    assert_eq!(r.body["duplicate_of"], first);

    let r = app.post(
        &format!("/api/v1/questions/{first}/withdraw"),
        &asker,
        json!({}),
    );
    assert_eq!(r.status(200)["status"], "withdrawn");
    let stages = app.get(&format!("/api/v1/questions/{first}"), &asker);
    assert_eq!(stages.ok()["stages"][0]["outcome"], "withdrawn");

    let r = app.request(
        "POST",
        &format!("/api/v1/questions/{first}/follow"),
        Some(&other),
        None,
        &[],
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        app.get(&format!("/api/v1/questions/{first}"), &other).ok()["following"],
        true
    );
    let r = app.request(
        "DELETE",
        &format!("/api/v1/questions/{first}/follow"),
        Some(&other),
        None,
        &[],
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        app.get(&format!("/api/v1/questions/{first}"), &other).ok()["following"],
        false
    );
    app.request(
        "POST",
        "/api/v1/questions/999999/follow",
        Some(&other),
        None,
        &[],
    )
    .status(404);
}

/// A submission answers with the rows it wrote rather than reading them back (on PostgreSQL
/// one statement writes them all): the answer must be exactly what a later read returns, and
/// the reference is made from the id, past six digits too.
#[test]
fn a_submitted_question_answers_exactly_what_a_read_returns() {
    use diesel::RunQueryDsl;
    use eskalera::store::DbConnection;

    let app = TestApp::start();
    let asker = app.user("anna.asker@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let submit = || {
        app.post(
            "/api/v1/questions",
            &asker,
            json!({
                "title": "Förvar av barn i väntan på verkställighet",
                "body": "Hur länge får ett barn hållas i förvar när verkställigheten dröjer?",
                "process": "forvar",
                "category": "landinformation",
                "tags": ["Förvar", "barn"],
                "countries": ["SD"],
                "priority": "urgent",
                "urgent_reason": "Förvarsbeslutet omprövas på måndag."
            }),
        )
        .status(201)
        .clone()
    };
    let first = submit();
    let id = first["id"].as_i64().unwrap();
    let year = &first["created_at"].as_str().unwrap()[..4];
    assert_eq!(first["reference"], format!("PS-{year}-{id:06}"));
    let read = app.get(&format!("/api/v1/questions/{id}"), &asker);
    assert_eq!(
        without_running_clock(first.clone()),
        without_running_clock(read.ok().clone())
    );
    assert_eq!(first["events"][0]["kind"], "submitted");
    assert_eq!(first["stages"].as_array().unwrap().len(), 1);

    // The next id has seven digits (SQLite gives the largest id plus one).
    let pool = eskalera::store::connect(&app.db.url).unwrap();
    let mut c = pool.get().unwrap();
    let next = 1_234_567_i64;
    match &mut **c {
        DbConnection::Pg(pg) => {
            diesel::sql_query(format!("SELECT setval('questions_id_seq', {})", next - 1))
                .execute(pg)
                .unwrap();
        }
        DbConnection::Sqlite(lite) => {
            diesel::sql_query(format!(
                "INSERT INTO questions (id, reference, title, body, process, tags, countries, \
                 priority, status, forum, level, unit, version, created_at, updated_at) \
                 VALUES ({}, 'placeholder', 't', 'b', 'forvar', '[]', '[]', 'normal', 'open', \
                 'u-lulea-asyl', 'unit', 'u-lulea-asyl', 1, '2026-01-01 00:00:00', \
                 '2026-01-01 00:00:00')",
                next - 1
            ))
            .execute(lite)
            .unwrap();
        }
    }
    let big = submit();
    assert_eq!(big["id"], next);
    assert_eq!(big["reference"], format!("PS-{year}-{next}"));
    let read = app.get(&format!("/api/v1/questions/{next}"), &asker);
    assert_eq!(
        without_running_clock(big.clone()),
        without_running_clock(read.ok().clone())
    );
}

/// Two questions: `second` answered with guidance at the unit, `first` climbed to the process
/// forum and answered there with a binding answer; also a guidance answer to a third question.
/// Returns (asker's token, first, second, second's answer, the binding answer, the third's).
pub(crate) fn a_binding_answer_elsewhere(app: &TestApp) -> (String, i64, i64, i64, i64, i64) {
    let asker = app.user(
        "a@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let ladder = app.user(
        "ng@test.se",
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
    let second = app.ask(&asker, "Räcker ett dopintyg?", "asyl_forstagang");
    let old = app
        .post(
            &format!("/api/v1/questions/{second}/answers"),
            &asker,
            json!({"body": "Dopintyget räcker.", "binding_status": "guidance"}),
        )
        .status(201)["id"]
        .as_i64()
        .unwrap();
    let first = app.ask(&asker, "Dopintyg och konvertiter", "asyl_forstagang");
    app.climb_to_process_forum(&ladder, first);
    let p = |a: &str| format!("/api/v1/questions/{first}/{a}");
    let guidance_elsewhere = app.ask(&asker, "Något annat", "asyl_forstagang");
    let guidance_elsewhere = app
        .post(
            &format!("/api/v1/questions/{guidance_elsewhere}/answers"),
            &asker,
            json!({"body": "Vägledning.", "binding_status": "guidance"}),
        )
        .status(201)["id"]
        .as_i64()
        .unwrap();
    let new = app
        .post(
            &p("answers"),
            &ladder,
            json!({"body": "Dopintyget räcker inte ensamt.", "binding_status": "binding"}),
        )
        .status(201)["id"]
        .as_i64()
        .unwrap();
    (asker, first, second, old, new, guidance_elsewhere)
}

#[test]
fn a_question_whose_answer_a_binding_answer_replaced_says_where_the_answer_in_force_is() {
    let app = TestApp::start();
    let (asker, first, second, old, new, guidance_elsewhere) = a_binding_answer_elsewhere(&app);
    let detail = |id: i64| {
        app.get(&format!("/api/v1/questions/{id}"), &asker)
            .ok()
            .clone()
    };
    assert_eq!(detail(second)["later_answer"], Value::Null);
    // Only a binding answer replaces an answer of another question.
    let r = app.post(
        &format!("/api/v1/answers/{old}/binding-status"),
        &asker,
        json!({"binding_status": "superseded", "superseded_by": guidance_elsewhere, "note": "Fel."}),
    );
    assert_eq!(r.status(422)["errors"][0]["field"], "superseded_by");
    app.post(
        &format!("/api/v1/answers/{old}/binding-status"),
        &asker,
        json!({"binding_status": "superseded", "superseded_by": new, "note": "Processforumet har avgjort frågan."}),
    )
    .status(200);
    let later = detail(second)["later_answer"].clone();
    assert_eq!(later["answer_id"], new);
    assert_eq!(later["question_id"], first);
    assert_eq!(later["binding_status"], "binding");
    // The question whose answer holds has nothing to point to.
    assert_eq!(detail(first)["later_answer"], Value::Null);
    let reference = later["reference"].as_str().unwrap().to_string();
    app.user_with_password(
        "reader@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    c.sign_in("reader@test.se", PASSWORD);
    let page = c.get(&format!("/fragor/{second}")).body;
    assert!(
        page.contains(&format!(
            "Det finns ett senare bindande svar: <a href=\"/fragor/{first}#svar-{new}\">{reference}</a> – använd det"
        )),
        "{page}"
    );

    // A member answering a third question like them sees the answer in force above the form,
    // not the one it replaced, and not the question itself.
    let third = app.ask(&asker, "Dopintyg igen", "asyl_forstagang");
    let started = std::time::Instant::now();
    while app.svc.index_lag().unwrap() > 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    app.user_with_password(
        "member@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
        PASSWORD,
    );
    let mut m = Client::new(&app);
    m.sign_in("member@test.se", PASSWORD);
    let page = m.get(&format!("/fragor/{third}")).body;
    let earlier = page
        .split("Tidigare svar på liknande frågor")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .unwrap_or_else(|| panic!("no earlier answers: {page}"));
    assert!(earlier.contains(&format!("#svar-{new}")), "{earlier}");
    assert!(!earlier.contains(&format!("#svar-{old}")), "{earlier}");
    assert!(!earlier.contains(&format!("/fragor/{third}#")), "{earlier}");
    // A reader who may not answer gets no such list.
    assert!(!c
        .get(&format!("/fragor/{third}"))
        .body
        .contains("Tidigare svar på liknande frågor"));
}
