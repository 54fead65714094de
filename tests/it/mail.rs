//! Mail through a real SMTP server: who gets what, digests and "off", and nothing lost or
//! doubled when the SMTP server and eskalera itself go down.

use std::time::Duration;

use chrono::{DateTime, Utc};
use eskalera::clock::Clock;
use eskalera::service::{Actor, Role};
use serde_json::{json, Value};

use crate::common::{
    free_port, fresh_sink, received, seed_users, smtp_available, wait_for_mail, ChildServer,
    SmtpSink, TestApp, TestDb,
};

fn to(m: &Value) -> String {
    m["rcpt"][0].as_str().unwrap().to_string()
}

/// The names of this file's people (each named after their address).
const TEST_PEOPLE: &[&str] = &[
    "asker", "digest", "follower", "jurist", "legal", "member", "nord", "off", "rg", "syd",
];

/// Every mail, subject and both bodies, in Swedish without raw codes. The tests' people are
/// named after their addresses ("legal", "digest"): those names are not the mail's words.
fn reads_in_swedish(all: &[Value]) {
    let names: Vec<String> = TEST_PEOPLE.iter().map(|n| n.to_string()).collect();
    for m in all {
        let subject = m["subject"].as_str().unwrap_or_default();
        for part in ["subject", "text", "html"] {
            let body = m[part].as_str().unwrap_or_default();
            crate::wording::assert_reads_in_swedish_besides(
                &format!("{part} of \"{subject}\""),
                body,
                &names,
            );
        }
    }
}

fn mails_for<'a>(all: &'a [Value], who: &str) -> Vec<&'a Value> {
    all.iter().filter(|m| to(m) == who).collect()
}

#[test]
fn a_question_lifecycle_mails_the_right_people() {
    if !smtp_available() {
        return;
    }
    let (_dir, out, sink) = fresh_sink();
    let url = sink.url();
    let app = TestApp::start_with(Clock::system(), |c| {
        c.smtp_url = Some(url);
        c.base_url = "https://eskalera.example".into();
    });
    let asker = app.user("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let member = app.user(
        "member@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let follower = app.user("follower@test.se", "u-umea-asyl", &[], Role::Caseworker);
    let rg = app.user(
        "rg@test.se",
        "u-umea-asyl",
        &["rg-nord-lulea"],
        Role::Caseworker,
    );

    let id = app.ask(
        &asker,
        "Dopintyg från frikyrkor i konvertitärenden",
        "asyl_forstagang",
    );
    app.request(
        "POST",
        &format!("/api/v1/questions/{id}/follow"),
        Some(&follower),
        None,
        &[],
    );
    let p = |a: &str| format!("/api/v1/questions/{id}/{a}");
    app.post(&p("claim"), &member, json!({})).status(200);
    app.post(
        &p("request-info"),
        &member,
        json!({"note": "Vilket samfund?"}),
    )
    .status(200);
    app.post(&p("provide-info"), &asker, json!({"note": "Pingstkyrkan."}))
        .status(200);
    app.post(
        &p("escalate"),
        &member,
        json!({"note": "Behöver regional bedömning."}),
    )
    .status(200);
    app.post(
        &p("answers"),
        &rg,
        json!({"body": "Intyget är en omständighet bland andra.", "binding_status": "guidance"}),
    )
    .status(201);
    app.post(&p("close"), &asker, json!({"note": "Tack."}))
        .status(200);

    // submitted → member; claimed, info requested → asker, follower; info provided → member;
    // escalated → asker, follower, rg; answered → asker, follower; closed → follower.
    let all = wait_for_mail(&out, 12, Duration::from_secs(20));
    reads_in_swedish(&all);
    assert_eq!(
        all.len(),
        12,
        "{:#?}",
        all.iter()
            .map(|m| (to(m), m["subject"].clone()))
            .collect::<Vec<_>>()
    );
    let subjects = |who: &str| {
        mails_for(&all, who)
            .iter()
            .map(|m| m["subject"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let reference = app.get(&format!("/api/v1/questions/{id}"), &asker).ok()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        subjects("member@test.se"),
        [
            format!("[{reference}] En ny fråga har kommit till Asylprövningsenheten i Luleå"),
            format!("[{reference}] Frågeställaren har kompletterat frågan")
        ]
    );
    let asker_subjects = subjects("asker@test.se");
    assert_eq!(asker_subjects.len(), 4, "{asker_subjects:?}");
    assert!(asker_subjects[0].ends_with("handlägger nu frågan"));
    assert!(asker_subjects[1].ends_with("Frågan behöver kompletteras av dig"));
    assert!(asker_subjects[2].contains("Frågan har lyfts till Regionala gruppen"));
    assert!(asker_subjects[3].ends_with("Frågan har besvarats (vägledande)"));
    assert_eq!(subjects("follower@test.se").len(), 5);
    assert!(subjects("follower@test.se")[4].ends_with("Frågan har avslutats"));
    assert_eq!(subjects("rg@test.se").len(), 1);

    let answered = mails_for(&all, "asker@test.se")[3];
    let text = answered["text"].as_str().unwrap();
    assert!(
        text.contains("Vägledande") && text.contains("beslutsfattaren gör sin egen bedömning"),
        "{text}"
    );
    assert!(
        text.contains(&format!("https://eskalera.example/questions/{id}")),
        "{text}"
    );
    assert!(answered["html"]
        .as_str()
        .unwrap()
        .contains(&format!("href=\"https://eskalera.example/questions/{id}\"")));
    assert!(answered["to"].as_str().unwrap().contains("asker@test.se"));
    assert!(answered["from"].as_str().unwrap().contains("noreply@"));
    assert_eq!(answered["auto_submitted"], "auto-generated");
    let info = mails_for(&all, "asker@test.se")[1];
    assert!(info["text"].as_str().unwrap().contains("Vilket samfund?"));
    let mut ids: Vec<&str> = all
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "every mail has its own Message-ID");
    // Nobody hears of their own action.
    assert!(mails_for(&all, "asker@test.se")
        .iter()
        .all(|m| !m["subject"].as_str().unwrap().contains("avslutats")));
    sink.stop();
}

#[test]
fn digest_and_off() {
    if !smtp_available() {
        return;
    }
    let (_dir, out, sink) = fresh_sink();
    let url = sink.url();
    // 10:00 in Stockholm, after the 07:00 digest hour.
    let t = DateTime::parse_from_rfc3339("2026-03-02T10:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc);
    let app = TestApp::start_with(Clock::starting_at(t), |c| c.smtp_url = Some(url));
    let digest = app.user("digest@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let off = app.user("off@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let member = app.user(
        "member@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let r = app.request(
        "PUT",
        "/api/v1/me/preferences",
        Some(&digest),
        Some(&json!({"mail": "digest"})),
        &[],
    );
    assert_eq!(r.ok()["mail"], "digest");
    app.request(
        "PUT",
        "/api/v1/me/preferences",
        Some(&off),
        Some(&json!({"mail": "off"})),
        &[],
    )
    .ok();
    app.request(
        "PUT",
        "/api/v1/me/preferences",
        Some(&off),
        Some(&json!({"mail": "weekly"})),
        &[],
    )
    .status(422);
    assert_eq!(app.get("/api/v1/me/preferences", &off).ok()["mail"], "off");

    for (token, title) in [
        (&digest, "Första frågan"),
        (&digest, "Andra frågan"),
        (&off, "Tredje frågan"),
    ] {
        let id = app.ask(token, title, "asyl_forstagang");
        app.post(&format!("/api/v1/questions/{id}/claim"), &member, json!({}))
            .status(200);
    }
    // The member gets three immediate "arrived" mails; the digest user and "off" nothing yet.
    let all = wait_for_mail(&out, 3, Duration::from_secs(10));
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|m| to(m) == "member@test.se"));

    // The mailer thread may run the digest job too; either way one digest goes out today.
    let runs = app.svc.run_digests().unwrap() + app.svc.run_digests().unwrap();
    assert!(runs <= 1, "one digest a day");
    let all = wait_for_mail(&out, 4, Duration::from_secs(10));
    reads_in_swedish(&all);
    assert_eq!(all.len(), 4);
    let d = mails_for(&all, "digest@test.se");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["subject"], "Sammanfattning från eskalera: 2 händelser");
    let text = d[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Första frågan") && text.contains("Andra frågan") && !text.contains("Tredje"),
        "{text}"
    );
    assert!(mails_for(&all, "off@test.se").is_empty());
    sink.stop();
}

#[test]
fn nothing_is_lost_or_doubled_when_smtp_and_eskalera_go_down() {
    if !smtp_available() {
        return;
    }
    let db = TestDb::new();
    let port = free_port();
    let out = db.dir().join("mail.jsonl");
    // A config whose retry delay is capped at 2 s, so the test need not wait minutes; the
    // default retry window (48 hours) outlasts any outage of the test.
    let default = std::fs::read_to_string("config/default.toml").unwrap();
    assert!(default.contains("max_backoff_seconds = 600"));
    let cfg = default
        .replace("max_backoff_seconds = 600", "max_backoff_seconds = 2")
        .replace(
            "structure = \"structure.toml\"",
            &format!(
                "structure = \"{}/config/structure.toml\"",
                env!("CARGO_MANIFEST_DIR")
            ),
        );
    let cfg_path = db.dir().join("eskalera.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let env = [("ESKALERA_SMTP_URL", smtp.as_str())];

    let svc =
        eskalera::service::Service::open(crate::common::config(&db), Clock::system()).unwrap();
    let tokens = seed_users(
        &svc,
        &[
            ("asker@test.se", &[]),
            ("member@test.se", &["u-lulea-asyl"]),
            ("rg@test.se", &["rg-nord-lulea"]),
        ],
    );
    let (asker, member) = (tokens[0].clone(), tokens[1].clone());

    // The SMTP server is down: 100 status changes, then eskalera is killed.
    let server = ChildServer::start_with(&db, Some(&cfg_path), &env);
    let post = |path: &str, token: &str, body: Value| {
        let r = ureq::post(&format!("{}{path}", server.base))
            .set("Authorization", &format!("Bearer {token}"))
            .send_json(body);
        r.map(|r| r.into_json::<Value>().unwrap())
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    for i in 0..20 {
        let q = post(
            "/api/v1/questions",
            &asker,
            json!({"title": format!("Fråga {i}"), "body": "Text", "process": "asyl_forstagang"}),
        );
        let p = |a: &str| format!("/api/v1/questions/{}/{a}", q["id"]);
        post(&p("claim"), &member, json!({}));
        post(&p("request-info"), &member, json!({"note": "Mer?"}));
        post(&p("provide-info"), &asker, json!({"note": "Här."}));
        post(&p("escalate"), &member, json!({"note": "Upp."}));
    }
    std::thread::sleep(Duration::from_millis(500));
    server.kill();
    assert!(received(&out).is_empty());

    // eskalera comes back first, still without SMTP; then the SMTP server.
    let server = ChildServer::start_with(&db, Some(&cfg_path), &env);
    std::thread::sleep(Duration::from_millis(800));
    let sink = SmtpSink::start(port, &out);
    // 20 × (arrived + claimed + info requested + info provided + escalated to asker and rg).
    let all = wait_for_mail(&out, 120, Duration::from_secs(60));
    let mut ids: Vec<&str> = all
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    ids.sort();
    let unique = {
        let mut u = ids.clone();
        u.dedup();
        u
    };
    assert_eq!(unique.len(), 120, "every expected mail arrived");
    assert_eq!(ids.len(), unique.len(), "and none twice");
    assert_eq!(svc.mail_pending().unwrap(), 0);
    server.kill();
    sink.stop();
}

#[test]
fn sla_warnings_and_review_reminders_go_out_once() {
    if !smtp_available() {
        return;
    }
    let (_dir, out, sink) = fresh_sink();
    let url = sink.url();
    let app = TestApp::start_with(Clock::system(), |c| c.smtp_url = Some(url));
    let path = [
        "u-lulea-asyl",
        "rg-nord-lulea",
        "ng-asyl-forstagang",
        "nn-landinfo",
    ];
    let all_the_way = app.user("member@test.se", "u-lulea-asyl", &path, Role::Caseworker);
    app.user("legal@test.se", "u-lulea-asyl", &[], Role::Legal);
    let asker = app.svc.actor_by_email("member@test.se").unwrap();
    // Submitted ten days ago and never touched: overdue at the unit.
    let old = app
        .svc
        .with_clock(Clock::system().shifted(chrono::Duration::days(-10)));
    let q = old
        .submit(
            &asker,
            &eskalera::service::questions::NewQuestionInput {
                title: Some("Gammal fråga".into()),
                body: Some("Text".into()),
                process: Some("asyl_forstagang".into()),
                ..Default::default()
            },
        )
        .unwrap();
    // The mailer thread runs the same job in the background: between it and these two calls the
    // stage is warned once (the mails below prove it).
    let runs = app.svc.run_sla_warnings().unwrap() + app.svc.run_sla_warnings().unwrap();
    assert!(runs <= 1, "once per stage and state");
    // A temporary answer whose review date is tomorrow.
    let id = app.ask(&all_the_way, "Tillfälligt stöd om Sudan", "asyl_forstagang");
    let p = |a: &str| format!("/api/v1/questions/{id}/{a}");
    app.post(&p("escalate"), &all_the_way, json!({"note": "upp"}))
        .status(200);
    app.post(&p("escalate"), &all_the_way, json!({"note": "upp"}))
        .status(200);
    app.post(
        &p("escalate"),
        &all_the_way,
        json!({"note": "upp", "to_forum": "nn-landinfo"}),
    )
    .status(200);
    // The answer was given three days ago with a review date that passed yesterday.
    let yesterday = (Utc::now() - chrono::Duration::days(1))
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .date_naive();
    let before = app
        .svc
        .with_clock(Clock::system().shifted(chrono::Duration::days(-3)));
    let answer = eskalera::service::questions::AnswerInput {
        body: Some("Tillfälligt.".into()),
        binding_status: Some("temporary".into()),
        review_date: Some(yesterday.to_string()),
        ..Default::default()
    };
    before.answer(&asker, id, &answer, None).unwrap();
    assert_eq!(
        before.run_review_reminders().unwrap(),
        0,
        "not due three days ago"
    );
    let runs = app.svc.run_review_reminders().unwrap() + app.svc.run_review_reminders().unwrap();
    assert!(runs <= 1, "one reminder per answer");

    let all = wait_for_mail(&out, 3, Duration::from_secs(20));
    reads_in_swedish(&all);
    let warnings: Vec<&Value> = all
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().contains("Svarstiden"))
        .collect();
    let mut who: Vec<String> = warnings.iter().map(|m| to(m)).collect();
    who.sort();
    assert_eq!(who, ["legal@test.se", "member@test.se"]);
    assert!(warnings[0]["subject"]
        .as_str()
        .unwrap()
        .contains(&format!("[{}]", q.question.reference)));
    assert!(warnings[0]["subject"]
        .as_str()
        .unwrap()
        .contains("försenad"));
    let review: Vec<&Value> = all
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().contains("omprövas"))
        .collect();
    assert_eq!(review.len(), 1);
    assert_eq!(to(review[0]), "member@test.se");
    sink.stop();
}

#[test]
fn failed_mail_is_listed_and_can_be_retried() {
    // No SMTP server listens on this port: every attempt fails, and there is no retry window.
    let port = free_port();
    let app = TestApp::start_with(Clock::system(), |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.mail.retry_for_hours = 0.0;
    });
    let asker = app.user("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    app.user(
        "member@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    app.ask(&asker, "En fråga", "asyl_forstagang");
    let started = std::time::Instant::now();
    let failed = loop {
        let f = app.svc.failed_mail(&Actor::operator()).unwrap();
        if !f.is_empty() {
            break f;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the mail never failed"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].to, "member@test.se");
    assert!(failed[0].last_error.is_some());
    app.svc
        .retry_mail(&Actor::operator(), failed[0].id)
        .unwrap();
    assert!(
        app.svc
            .retry_mail(&Actor::operator(), failed[0].id)
            .is_err()
            || app.svc.failed_mail(&Actor::operator()).unwrap().len() == 1,
        "a queued mail is not failed"
    );
    assert!(app.svc.retry_mail(&Actor::operator(), 424242).is_err());
}

#[test]
fn a_divergence_mails_the_answering_forums_and_everyone_relying_on_the_answers_once() {
    use crate::consistency::{answer, ask, cases};
    if !smtp_available() {
        return;
    }
    let (_dir, out, sink) = fresh_sink();
    let url = sink.url();
    let app = TestApp::start_with(Clock::system(), |c| {
        c.smtp_url = Some(url);
    });
    let asker_n = app.user("asker.nord@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let asker_s = app.user("asker.syd@test.se", "u-malmo-asyl", &[], Role::Caseworker);
    let member_n = app.user(
        "member.nord@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let member_s = app.user(
        "member.syd@test.se",
        "u-malmo-asyl",
        &["u-malmo-asyl"],
        Role::Caseworker,
    );
    // Follows both questions: still one mail.
    let follower = app.user("follower@test.se", "u-umea-asyl", &[], Role::Caseworker);
    let legal = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Legal);
    let a = ask(
        &app,
        &asker_n,
        crate::consistency::A_TITLE,
        crate::consistency::A_BODY,
    );
    let b = ask(
        &app,
        &asker_s,
        crate::consistency::B_TITLE,
        crate::consistency::B_BODY,
    );
    for id in [a, b] {
        app.request(
            "POST",
            &format!("/api/v1/questions/{id}/follow"),
            Some(&follower),
            None,
            &[],
        );
    }
    answer(&app, &member_n, a, "Dopintyget räcker inte ensamt.");
    answer(&app, &member_s, b, "Ett dopintyg är tillräckligt.");
    let case = cases(&app, &legal, 1)[0]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/consistency-cases/{case}/decision"),
        &legal,
        json!({"decision": "divergent", "note": "Svaren går isär om dopintygets värde."}),
    )
    .status(200);
    let divergence = |all: &[Value]| -> Vec<String> {
        let mut to: Vec<String> = all
            .iter()
            .filter(|m| m["subject"].as_str().unwrap_or("").contains("olika svar"))
            .map(to)
            .collect();
        to.sort();
        to
    };
    let started = std::time::Instant::now();
    while divergence(&received(&out)).len() < 5 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            divergence(&received(&out))
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(800));
    reads_in_swedish(&received(&out));
    assert_eq!(
        divergence(&received(&out)),
        vec![
            "asker.nord@test.se",
            "asker.syd@test.se",
            "follower@test.se",
            "member.nord@test.se",
            "member.syd@test.se"
        ]
    );
}

#[test]
fn a_topic_sent_to_the_process_forum_mails_every_asker_member_and_follower_once() {
    use crate::consistency::{answer, ask, A_BODY, A_TITLE, B_BODY, B_TITLE};
    use crate::topics::{topics, C_BODY, C_TITLE};
    if !smtp_available() {
        return;
    }
    let (_dir, out, sink) = fresh_sink();
    let url = sink.url();
    let app = TestApp::start_with(Clock::system(), |c| {
        c.smtp_url = Some(url);
    });
    let units = ["u-lulea-asyl", "u-malmo-asyl", "u-umea-asyl"];
    let askers = units.map(|u| app.user(&format!("asker@{u}.se"), u, &[], Role::Caseworker));
    let members = units.map(|u| app.user(&format!("member@{u}.se"), u, &[u], Role::Caseworker));
    // Follows all three questions: still one mail.
    let follower = app.user("follower@test.se", "u-gavle-asyl", &[], Role::Caseworker);
    let legal = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Legal);
    let texts = [(A_TITLE, A_BODY), (B_TITLE, B_BODY), (C_TITLE, C_BODY)];
    let ids = [0, 1, 2].map(|i| ask(&app, &askers[i], texts[i].0, texts[i].1));
    for id in ids {
        app.request(
            "POST",
            &format!("/api/v1/questions/{id}/follow"),
            Some(&follower),
            None,
            &[],
        );
    }
    for (member, id) in members.iter().zip(ids) {
        answer(&app, member, id, "Svar om dopintyget.");
    }
    let topic = topics(&app, &legal, "open", 3)[0]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/consistency-topics/{topic}/decision"),
        &legal,
        json!({"outcome": "divergent", "note": "Svaren går isär om dopintygets värde."}),
    )
    .status(200);
    let divergence = |all: &[Value]| -> Vec<String> {
        let mut to: Vec<String> = all
            .iter()
            .filter(|m| m["subject"].as_str().unwrap_or("").contains("olika svar"))
            .map(to)
            .collect();
        to.sort();
        to
    };
    let mut expected: Vec<String> = units
        .iter()
        .flat_map(|u| [format!("asker@{u}.se"), format!("member@{u}.se")])
        .collect();
    expected.push("follower@test.se".into());
    expected.sort();
    let started = std::time::Instant::now();
    while divergence(&received(&out)).len() < expected.len() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            divergence(&received(&out))
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(800));
    reads_in_swedish(&received(&out));
    assert_eq!(divergence(&received(&out)), expected);
}

#[test]
fn failed_mail_is_for_administrators_and_the_operator_only() {
    let app = TestApp::start();
    let caseworker = Actor {
        role: Role::Caseworker,
        ..Actor::operator()
    };
    for r in [
        app.svc.failed_mail(&caseworker).map(|_| ()),
        app.svc.retry_mail(&caseworker, 1),
    ] {
        assert!(
            matches!(
                r,
                Err(eskalera::service::ServiceError::Refused(
                    eskalera::domain::catalogue::Refusal::AdminOnly
                ))
            ),
            "{r:?}"
        );
    }
    assert!(app.svc.failed_mail(&Actor::operator()).unwrap().is_empty());
    assert!(Actor::operator().name.starts_with("cli ("));
}
