//! Consistency topics: the watch's cases joined through the questions they share, reviewed and
//! decided once for every question (API and pages).

use std::time::{Duration, Instant};

use eskalera::service::Role;
use serde_json::{json, Value};

use crate::common::TestApp;
use crate::consistency::{answer, ask, A_BODY, A_TITLE, B_BODY, B_TITLE};
use crate::web::{Client, PASSWORD};

/// A third unit's way of asking the same question.
pub(crate) const C_TITLE: &str =
    "Är ett dopintyg tillräckligt för att en konvertering ska anses genuin?";
pub(crate) const C_BODY: &str = "En iransk sökande har gett in ett dopintyg från en församling i \
     Sverige. Räcker dopintyget för att konverteringen ska bedömas som genuin, eller behövs en \
     muntlig utredning om tron?";

/// The topics of `status`, once one holds at least `questions` questions (or after 15 s).
pub(crate) fn topics(app: &TestApp, token: &str, status: &str, questions: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let r = app.get(
            &format!("/api/v1/consistency-topics?status={status}"),
            token,
        );
        let list = r.ok().as_array().unwrap().clone();
        if list
            .iter()
            .any(|t| t["questions"].as_array().unwrap().len() >= questions)
            || started.elapsed() > Duration::from_secs(15)
        {
            return list;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Three {
    askers: [String; 3],
    members: [String; 3],
    legal: String,
    questions: [i64; 3],
}

/// Three units ask the same question in their own words.
fn three_units_ask(app: &TestApp) -> Three {
    let units = ["u-lulea-asyl", "u-malmo-asyl", "u-umea-asyl"];
    let askers = units.map(|u| app.user(&format!("asker@{u}.se"), u, &[], Role::Caseworker));
    let members = units.map(|u| app.user(&format!("member@{u}.se"), u, &[u], Role::Caseworker));
    let legal = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Legal);
    let texts = [(A_TITLE, A_BODY), (B_TITLE, B_BODY), (C_TITLE, C_BODY)];
    let questions = [0, 1, 2].map(|i| ask(app, &askers[i], texts[i].0, texts[i].1));
    Three {
        askers,
        members,
        legal,
        questions,
    }
}

fn reference(app: &TestApp, token: &str, id: i64) -> String {
    app.get(&format!("/api/v1/questions/{id}"), token).ok()["reference"]
        .as_str()
        .unwrap()
        .to_string()
}

fn question_ids(topic: &Value) -> Vec<i64> {
    topic["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn three_similar_questions_answered_by_three_forums_are_one_topic_routed_once() {
    let app = TestApp::start();
    let t = three_units_ask(&app);
    let bodies = [
        "Dopintyget räcker inte ensamt; en muntlig utredning om tron behövs.",
        "Ett dopintyg är tillräckligt som bevis för konverteringen.",
        "Dopintyget väger tungt men tron ska utredas muntligt.",
    ];
    for ((member, id), body) in t.members.iter().zip(t.questions).zip(bodies) {
        answer(&app, member, id, body);
    }
    let open = topics(&app, &t.legal, "open", 3);
    assert_eq!(open.len(), 1, "one topic, not one per pair: {open:?}");
    let topic = &open[0];
    let id = topic["id"].as_i64().unwrap();
    assert_eq!(question_ids(topic), t.questions.to_vec());
    let pairs = topic["pairs"].as_array().unwrap();
    assert!(pairs.len() >= 2, "{pairs:?}");
    // Every answer side by side: forum, level, binding status and date.
    for q in topic["questions"].as_array().unwrap() {
        let answers = q["answers"].as_array().unwrap();
        assert_eq!(answers.len(), 1, "{q}");
        assert_eq!(answers[0]["binding_status"], "guidance");
        assert_eq!(answers[0]["level"], "unit");
        assert!(answers[0]["forum_name"]
            .as_str()
            .unwrap()
            .starts_with("Asyl"));
        assert!(answers[0]["answered_at"].is_string());
        assert!(q["reference"].as_str().unwrap().starts_with("PS-"));
    }
    // Each case says its topic; the per-pair API goes on working.
    for p in pairs {
        let case = app.get(
            &format!("/api/v1/consistency-cases/{}", p["case"]),
            &t.legal,
        );
        assert_eq!(case.ok()["topic"], id);
    }
    // Read alone, the topic says where a divergence would go.
    let one = app
        .get(&format!("/api/v1/consistency-topics/{id}"), &t.legal)
        .ok()
        .clone();
    assert_eq!(one["divergence"]["forum"], "pf-asyl");
    assert_eq!(one["divergence"]["joins"], Value::Null);
    let version = one["version"].as_i64().unwrap();

    let decide = |body: Value| {
        app.post(
            &format!("/api/v1/consistency-topics/{id}/decision"),
            &t.legal,
            body,
        )
    };
    // Refusals name what is wrong, and write nothing.
    let r = decide(json!({"note": "x"}));
    assert_eq!(r.status(422)["errors"][0]["field"], "outcome");
    let r = decide(json!({"outcome": "olika", "note": "x"}));
    assert_eq!(r.status(422)["errors"][0]["field"], "outcome");
    let r = decide(json!({"outcome": "settled", "note": "x"}));
    assert_eq!(r.status(422)["errors"][0]["field"], "settled_by");
    let r = decide(json!({"outcome": "divergent"}));
    assert_eq!(r.status(422)["errors"][0]["field"], "note");
    let r = decide(json!({"outcome": "divergent", "note": "x", "version": version - 1}));
    r.status(409);
    app.post(
        &format!("/api/v1/consistency-topics/{id}/decision"),
        &t.askers[0],
        json!({"outcome": "consistent", "note": "x"}),
    )
    .status(403);
    app.get("/api/v1/consistency-topics", &t.members[0])
        .status(403);
    assert_eq!(
        app.get(&format!("/api/v1/consistency-topics/{id}"), &t.legal)
            .ok()["status"],
        "open"
    );

    let note = "Tre enheter svarar olika om dopintygets värde.";
    let r = decide(json!({"outcome": "divergent", "note": note, "version": version}));
    let decided = r.status(200).clone();
    assert_eq!(decided["status"], "divergent");
    assert_eq!(decided["note"], note);
    let routed = decided["routed_question"]["id"].as_i64().unwrap();
    // The question at the process forum names every question of the topic.
    let q = app
        .get(&format!("/api/v1/questions/{routed}"), &t.legal)
        .ok()
        .clone();
    assert_eq!(q["forum"]["code"], "pf-asyl");
    let body = q["body"].as_str().unwrap();
    for id in t.questions {
        let r = reference(&app, &t.legal, id);
        assert!(body.contains(&r), "{r} missing in {body}");
    }
    assert!(body.contains(note), "{body}");
    // Every case took the decision, and every question records it once.
    for p in pairs {
        let case = app.get(
            &format!("/api/v1/consistency-cases/{}", p["case"]),
            &t.legal,
        );
        assert_eq!(case.ok()["status"], "divergent");
        assert_eq!(case.ok()["routed_question"], routed);
    }
    for id in t.questions {
        let q = app
            .get(&format!("/api/v1/questions/{id}"), &t.legal)
            .ok()
            .clone();
        let decided: Vec<&Value> = q["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "consistency_decided")
            .collect();
        assert_eq!(decided.len(), 1, "{q}");
        assert_eq!(decided[0]["note"], note);
    }
    // Decided once; the lists move it.
    decide(json!({"outcome": "consistent", "note": "igen"})).status(409);
    assert!(app
        .get("/api/v1/consistency-topics?status=open", &t.legal)
        .ok()
        .as_array()
        .unwrap()
        .is_empty());
    let divergent = app
        .get("/api/v1/consistency-topics?status=divergent", &t.legal)
        .ok()
        .clone();
    assert_eq!(divergent[0]["id"], id);
    app.get("/api/v1/consistency-topics?status=hmm", &t.legal)
        .status(422);
}

#[test]
fn a_topic_settled_by_a_binding_answer_supersedes_every_other_answer_with_the_reason() {
    let app = TestApp::start();
    let t = three_units_ask(&app);
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
    let [a, b, c] = t.questions;
    app.climb_to_process_forum(&ladder, a);
    let binding = app
        .post(
            &format!("/api/v1/questions/{a}/answers"),
            &ladder,
            json!({"body": "Dopintyget räcker inte ensamt; tron ska utredas muntligt.", "binding_status": "binding"}),
        )
        .status(201)["id"]
        .as_i64()
        .unwrap();
    let deviating = [
        answer(&app, &t.members[1], b, "Ett dopintyg räcker som bevis."),
        answer(&app, &t.members[2], c, "Dopintyget räcker."),
    ];
    let open = topics(&app, &t.legal, "open", 3);
    assert_eq!(open.len(), 1, "{open:?}");
    let topic = &open[0];
    let id = topic["id"].as_i64().unwrap();
    let reference_a = reference(&app, &t.legal, a);
    // The topic says that one of its questions already has a binding answer.
    assert_eq!(topic["binding"]["reference"], reference_a.as_str());

    let note = "Processforumets bindande svar gäller; enheternas svar ersätts.";
    let r = app.post(
        &format!("/api/v1/consistency-topics/{id}/decision"),
        &t.legal,
        json!({"outcome": "settled", "settled_by": reference_a, "note": note}),
    );
    let decided = r.status(200).clone();
    assert_eq!(decided["status"], "settled");
    assert_eq!(decided["routed_question"]["id"], a);
    for (q, old) in [(b, deviating[0]), (c, deviating[1])] {
        let detail = app
            .get(&format!("/api/v1/questions/{q}"), &t.askers[0])
            .ok()
            .clone();
        let ans = detail["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == old)
            .unwrap()
            .clone();
        assert_eq!(ans["binding_status"], "superseded");
        assert_eq!(ans["superseded_by"], binding);
        // Where people read: the question points to the answer in force.
        assert_eq!(detail["later_answer"]["answer_id"], binding);
        assert_eq!(detail["later_answer"]["reference"], reference_a.as_str());
        let changed: Vec<&Value> = detail["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "binding_status_changed")
            .collect();
        assert_eq!(changed.len(), 1, "{detail}");
        assert_eq!(changed[0]["note"], note);
        assert_eq!(changed[0]["answer_id"], old);
    }
    let qa = app
        .get(&format!("/api/v1/questions/{a}"), &t.legal)
        .ok()
        .clone();
    assert_eq!(qa["answers"][0]["binding_status"], "binding");
    assert_eq!(qa["later_answer"], Value::Null);
    // In search, the superseded answers are labelled and dated.
    let started = Instant::now();
    loop {
        let hits = app.get("/api/v1/search?q=dopintyg", &t.legal).ok().clone();
        let hit = hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == b)
            .cloned();
        let in_force = hit
            .as_ref()
            .and_then(|h| h["answers"].as_array())
            .and_then(|a| a.first())
            .map(|a| (a["in_force"].clone(), a["answered_at"].is_string()));
        if in_force == Some((Value::Bool(false), true)) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "{hits}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_pair_that_links_two_topics_joins_them_and_the_old_one_leads_to_the_new() {
    let app = TestApp::start();
    let units = [
        "u-lulea-asyl",
        "u-malmo-asyl",
        "u-umea-asyl",
        "u-gavle-asyl",
        "u-solna-asyl",
    ];
    let members = units.map(|u| app.user(&format!("member@{u}.se"), u, &[u], Role::Caseworker));
    let legal = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Legal);
    let askers = units.map(|u| app.user(&format!("asker@{u}.se"), u, &[], Role::Caseworker));
    let other_title = "Åldersbedömning när födelsebeviset saknas och tandröntgen är osäker";
    let other_body = "Hur ska åldern bedömas när den sökande saknar födelsebevis och den \
         medicinska åldersbedömningen med tandröntgen ger ett osäkert resultat?";
    let q = [
        ask(&app, &askers[0], A_TITLE, A_BODY),
        ask(&app, &askers[1], A_TITLE, A_BODY),
        ask(&app, &askers[2], other_title, other_body),
        ask(&app, &askers[3], other_title, other_body),
    ];
    for (member, id) in members.iter().zip(q) {
        answer(&app, member, id, "Svar.");
    }
    let started = Instant::now();
    let two = loop {
        let list = topics(&app, &legal, "open", 2);
        if list.len() == 2 || started.elapsed() > Duration::from_secs(15) {
            break list;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(two.len(), 2, "{two:?}");
    let (first, second) = (
        two[0]["id"].as_i64().unwrap(),
        two[1]["id"].as_i64().unwrap(),
    );
    // A question asking both links them.
    let both = ask(
        &app,
        &askers[4],
        &format!("{A_TITLE} {other_title}"),
        &format!("{A_BODY} {other_body}"),
    );
    answer(&app, &members[4], both, "Svar.");
    let joined = topics(&app, &legal, "open", 5);
    assert_eq!(joined.len(), 1, "{joined:?}");
    assert_eq!(joined[0]["id"], first);
    let mut ids = q.to_vec();
    ids.push(both);
    assert_eq!(question_ids(&joined[0]), ids);
    // The joined topic's address shows the topic it joined; deciding it says where to go.
    let old = app
        .get(&format!("/api/v1/consistency-topics/{second}"), &legal)
        .ok()
        .clone();
    assert_eq!(old["id"], first);
    let r = app.post(
        &format!("/api/v1/consistency-topics/{second}/decision"),
        &legal,
        json!({"outcome": "consistent", "note": "x"}),
    );
    let problem = r.status(409).clone();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("topic {first}")),
        "{problem}"
    );
}

#[test]
fn the_review_page_lists_topics_and_asks_before_sending_one_to_the_process_forum() {
    let app = TestApp::start();
    let t = three_units_ask(&app);
    for (member, id) in t.members.iter().zip(t.questions) {
        answer(&app, member, id, "Svar.");
    }
    let topic = topics(&app, &t.legal, "open", 3)[0]["id"].as_i64().unwrap();
    app.user_with_password(
        "granskare@test.se",
        "u-lulea-asyl",
        &[],
        Role::Legal,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    c.sign_in("granskare@test.se", PASSWORD);
    let list = c.get("/enhetlighet").body;
    assert!(
        list.contains(&format!("href=\"/enhetlighet/amnen/{topic}\"")),
        "{list}"
    );
    assert!(list.contains("1 ämne"), "{list}");
    let page = c.get(&format!("/enhetlighet/amnen/{topic}"));
    let csrf = page.csrf();
    let version = app
        .get(&format!("/api/v1/consistency-topics/{topic}"), &t.legal)
        .ok()["version"]
        .to_string();
    // Choosing divergent first asks, naming the forum; nothing is written yet.
    let note = "Svaren går isär.";
    let confirm = c.post(
        &format!("/enhetlighet/amnen/{topic}"),
        &[
            ("csrf", &csrf),
            ("outcome", "divergent"),
            ("note", note),
            ("version", &version),
        ],
    );
    assert_eq!(confirm.status, 200);
    assert!(
        confirm.body.contains("Skicka ämnet till processforumet?"),
        "{}",
        confirm.body
    );
    assert!(
        confirm.body.contains("Processforum asyl"),
        "{}",
        confirm.body
    );
    assert_eq!(
        app.get(&format!("/api/v1/consistency-topics/{topic}"), &t.legal)
            .ok()["status"],
        "open"
    );
    let done = c.post(
        &format!("/enhetlighet/amnen/{topic}"),
        &[
            ("csrf", &csrf),
            ("outcome", "divergent"),
            ("note", note),
            ("version", &version),
            ("confirm", "1"),
        ],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let after = c.get(&format!("/enhetlighet/amnen/{topic}?sparad=1")).body;
    assert!(after.contains("Bedömningen är sparad"), "{after}");
    let routed = app
        .get(&format!("/api/v1/consistency-topics/{topic}"), &t.legal)
        .ok()["routed_question"]["id"]
        .as_i64()
        .unwrap();
    // The created question's references lead to the questions it names.
    let q = c.get(&format!("/fragor/{routed}")).body;
    let first = reference(&app, &t.legal, t.questions[0]);
    assert!(
        q.contains(&format!("<a href=\"/fragor/{first}\">{first}</a>")),
        "{q}"
    );
    let by_reference = c.get(&format!("/fragor/{first}"));
    assert_eq!(by_reference.status, 303);
    assert!(by_reference
        .location
        .unwrap()
        .ends_with(&format!("/fragor/{}", t.questions[0])));
}
