//! The read endpoints, filters, OpenAPI, and how malformed requests are answered.

use eskalera::service::Role;
use serde_json::{json, Value};

use crate::common::{without_running_clock, TestApp};

#[test]
fn organisation_endpoints() {
    let app = TestApp::start();
    let t = app.user("a@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let forums = app.get("/api/v1/forums", &t);
    let forums = forums.ok().as_array().unwrap().clone();
    let count = |level: &str| forums.iter().filter(|f| f["level"] == level).count();
    assert!(count("unit") >= 26);
    assert_eq!(count("regional_group"), 13);
    assert_eq!(count("national_group"), 2);
    assert_eq!(count("national_network"), 11);
    assert_eq!(count("process_forum"), 3);
    let lulea = forums.iter().find(|f| f["code"] == "u-lulea-asyl").unwrap();
    assert_eq!(lulea["parents"], json!(["rg-nord-lulea"]));
    let units = app.get("/api/v1/units", &t);
    let unit = units
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "u-lulea-asyl")
        .unwrap()
        .clone();
    assert_eq!(unit["region"], "nord");
    assert_eq!(unit["regional_group"], "rg-nord-lulea");
    let processes = app.get("/api/v1/processes", &t);
    assert!(processes
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["code"] == "asyl_forstagang"));
    let categories = app.get("/api/v1/categories", &t);
    assert!(categories.ok().as_array().unwrap().len() >= 5);
    app.request("GET", "/api/v1/forums", None, None, &[])
        .status(401);
}

#[test]
fn health_openapi_and_unknown_paths() {
    let app = TestApp::start();
    let r = app.request("GET", "/healthz", None, None, &[]);
    assert_eq!(r.status, 200);
    let doc = app.request("GET", "/api/v1/openapi.json", None, None, &[]);
    let doc = doc.ok();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/questions",
        "/api/v1/questions/{id}",
        "/api/v1/questions/{id}/escalate",
        "/api/v1/questions/{id}/answers",
        "/api/v1/answers/{id}/binding-status",
        "/api/v1/forums",
        "/api/v1/questions/{id}/follow",
        "/healthz",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["QuestionDetail"].is_object());
    let t = app.user("a@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    app.get("/api/v1/nothing-here", &t).status(404);
    app.get("/api/v1/questions/abc", &t).status(404);
    app.get("/api/v1/questions/9999", &t).status(404);
}

#[test]
fn malformed_bodies_are_4xx_never_5xx() {
    let app = TestApp::start();
    let t = app.user("a@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let raw = |body: &str| {
        let res = ureq::post(&format!("{}/api/v1/questions", app.base))
            .set("Authorization", &format!("Bearer {t}"))
            .set("Content-Type", "application/json")
            .send_string(body);
        match res {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(s, _)) => s,
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(raw("{\"title\": "), 400);
    assert_eq!(raw("[1,2]"), 422);
    assert_eq!(
        raw("{\"title\": 5, \"body\": \"x\", \"process\": \"asyl_forstagang\"}"),
        422
    );
    assert_eq!(raw("{\"tags\": \"belarus\"}"), 422);
    assert_eq!(raw(""), 422);
    let r = app.post("/api/v1/questions", &t, json!({}));
    let fields: Vec<Value> = r.status(422)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(fields, [json!("title"), json!("body"), json!("process")]);
    let r = app.post(
        "/api/v1/questions",
        &t,
        json!({"title": "x", "body": "y", "process": "nope", "category": "nope", "countries": ["Atlantis"], "priority": "asap"}),
    );
    let fields: Vec<Value> = r.status(422)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            json!("process"),
            json!("category"),
            json!("countries[0]"),
            json!("priority")
        ]
    );
    let r = app.post(
        "/api/v1/questions",
        &t,
        json!({"title": "x", "body": "y", "process": "asyl_forstagang", "priority": "urgent"}),
    );
    assert_eq!(r.status(422)["errors"][0]["field"], "urgent_reason");
    let long = "å".repeat(201);
    let r = app.post(
        "/api/v1/questions",
        &t,
        json!({"title": long, "body": "y", "process": "asyl_forstagang"}),
    );
    assert!(r.status(422)["detail"]
        .as_str()
        .unwrap()
        .contains("200 characters"));
    let big = "x".repeat(300 * 1024);
    assert_eq!(raw(&format!("{{\"title\": \"{big}\"}}")), 413);
}

#[test]
fn list_filters_and_pagination() {
    let app = TestApp::start();
    let asker = app.user(
        "a@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let other = app.user("b@test.se", "u-umea-asyl", &[], Role::Caseworker);
    for i in 0..5 {
        app.ask(&asker, &format!("Fråga {i}"), "asyl_forstagang");
    }
    let urgent = app.post(
        "/api/v1/questions",
        &other,
        json!({"title": "Brådskande", "body": "Beslut inom två dagar.", "process": "forvar", "priority": "urgent", "urgent_reason": "Förvarsbeslut omprövas snart."}),
    );
    let urgent = urgent.status(201)["id"].as_i64().unwrap();
    app.post("/api/v1/questions/1/claim", &asker, json!({}))
        .status(200);
    app.post(
        "/api/v1/questions/2/escalate",
        &asker,
        json!({"note": "upp"}),
    )
    .status(200);

    let list = |q: &str| {
        app.get(&format!("/api/v1/questions{q}"), &asker)
            .ok()
            .clone()
    };
    let all = list("");
    assert_eq!(all["total"], 6);
    assert_eq!(all["items"][0]["id"], urgent, "urgent questions come first");
    assert_eq!(list("?mine=true")["total"], 5);
    assert_eq!(list("?status=in_progress")["total"], 1);
    assert_eq!(list("?status=open,in_progress")["total"], 6);
    assert_eq!(list("?level=regional_group")["total"], 1);
    assert_eq!(list("?forum=u-lulea-asyl")["total"], 4);
    assert_eq!(list("?overdue=true")["total"], 0);
    let p = list("?per_page=2&page=3");
    assert_eq!(p["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        (p["page"].as_i64(), p["per_page"].as_i64()),
        (Some(3), Some(2))
    );
    assert!(list("?per_page=2&page=4")["items"]
        .as_array()
        .unwrap()
        .is_empty());
    for bad in [
        "?per_page=0",
        "?per_page=1000",
        "?status=waiting",
        "?level=top",
        "?forum=nope",
        "?page=-1",
        "?mine=perhaps",
    ] {
        app.get(&format!("/api/v1/questions{bad}"), &asker)
            .status(422);
    }
}

/// The submit use case answers with the rows it wrote instead of reading the question back:
/// the answer must be exactly what reading it back gives.
#[test]
fn a_submission_answers_with_the_question_as_stored() {
    let app = TestApp::start();
    let t = app.user("a@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let submitted = app
        .post(
            "/api/v1/questions",
            &t,
            json!({
                "title": "Hur bedöms prejudikat om Belarus?",
                "body": "Vi behöver vägledning om hur landinformationen ska vägas in.",
                "process": "asyl_forstagang",
                "category": "landinformation",
                "tags": ["belarus", "Prejudikat"],
                "countries": ["BY"],
                "priority": "urgent",
                "urgent_reason": "Beslut ska fattas inom en vecka.",
            }),
        )
        .status(201)
        .clone();
    let id = submitted["id"].as_i64().unwrap();
    let stored = app.get(&format!("/api/v1/questions/{id}"), &t).ok().clone();
    assert_eq!(
        without_running_clock(submitted.clone()),
        without_running_clock(stored)
    );
    assert!(submitted["reference"].as_str().unwrap().starts_with("PS-"));
    assert_eq!(submitted["following"], json!(true));
    assert_eq!(submitted["events"].as_array().unwrap().len(), 1);
    assert_eq!(submitted["stages"].as_array().unwrap().len(), 1);
}

/// Countries are given as people name them (Swedish, former and English names, codes in any
/// case), stored as codes, shown by name, and a former name finds the country in search.
#[test]
fn countries_are_named_as_people_name_them() {
    let app = TestApp::start();
    let t = app.user("land@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let submitted = app
        .post(
            "/api/v1/questions",
            &t,
            json!({
                "title": "Konvertiter från Belarus",
                "body": "Hur ska dopintyg från Belarus vägas?",
                "process": "asyl_forstagang",
                "countries": ["Vitryssland", "somalia", "sd", "Statslös"],
            }),
        )
        .status(201)
        .clone();
    assert_eq!(submitted["countries"], json!(["BY", "SO", "SD", "XX"]));
    let refused = app
        .post(
            "/api/v1/questions",
            &t,
            json!({"title": "t", "body": "b", "process": "asyl_forstagang", "countries": ["Atlantis"]}),
        )
        .status(422)
        .clone();
    assert_eq!(refused["errors"][0]["field"], "countries[0]");
    assert_eq!(refused["errors"][0]["code"], "not-a-country-code");

    let id = submitted["id"].as_i64().unwrap();
    let mut c = crate::web::Client::new(&app);
    app.user_with_password(
        "sida@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        crate::web::PASSWORD,
    );
    c.sign_in("sida@test.se", crate::web::PASSWORD);
    let page = c.get(&format!("/fragor/{id}"));
    assert!(
        page.body.contains("Länder: <a href=\"/lander/BY\">Belarus</a>, <a href=\"/lander/SO\">Somalia</a>, <a href=\"/lander/SD\">Sudan</a>, <a href=\"/lander/XX\">Statslös</a>"),
        "{}",
        page.body
    );
    // "Vitryssland" alone finds the question that says Belarus; the filter takes the name too.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = app.get("/api/v1/search?q=Vitryssland", &t);
        if r.ok()["total"].as_i64() == Some(1) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", r.ok());
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let filtered = app.get("/api/v1/search?q=dopintyg&country=Vitryssland", &t);
    assert_eq!(filtered.ok()["total"], 1, "{}", filtered.ok());
}

/// An API field that names a question takes its PS number as people see it, as the forms do.
#[test]
fn a_duplicate_is_named_by_its_ps_number_in_the_api() {
    let app = TestApp::start();
    let asker = app.user("a@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let member = app.user(
        "m@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let first = app.ask(&asker, "Första frågan", "asyl_forstagang");
    let second = app.ask(&asker, "Samma fråga igen", "asyl_forstagang");
    let reference = app.get(&format!("/api/v1/questions/{first}"), &asker).ok()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/questions/{second}/claim"),
        &member,
        json!({}),
    )
    .status(200);
    let unknown = app.post(
        &format!("/api/v1/questions/{second}/duplicate"),
        &member,
        json!({"of": "PS-1999-999999"}),
    );
    assert_eq!(unknown.status(422)["errors"][0]["field"], "of");
    let r = app.post(
        &format!("/api/v1/questions/{second}/duplicate"),
        &member,
        json!({"of": reference.to_lowercase()}),
    );
    assert_eq!(r.status(200)["duplicate_of"], first);
    let doc = app.get("/api/v1/openapi.json", &asker);
    assert!(
        doc.ok().to_string().contains("QuestionRef"),
        "the document names both forms"
    );
}
