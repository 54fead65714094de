//! Publication: the register of answers in force, country pages, references between answers,
//! saved searches, Atom feeds read by a real feed reader (feedparser), feed tokens, embedded
//! views, and the lineage mail when an answer stops holding (through a real SMTP server).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use eskalera::clock::Clock;
use eskalera::service::Role;
use serde_json::{json, Value};

use crate::common::{fresh_sink, smtp_available, wait_for_mail, TestApp};
use crate::web::{Client, PASSWORD};

/// Every forum on the asylum ladder, for a member who answers at each level.
const LADDER: &[&str] = &[
    "u-lulea-asyl",
    "rg-nord-lulea",
    "ng-asyl-forstagang",
    "nn-konvertiter",
    "nn-landinfo",
    "pf-asyl",
];

fn answer(app: &TestApp, token: &str, id: i64, body: Value) -> i64 {
    app.post(&format!("/api/v1/questions/{id}/answers"), token, body)
        .status(201)["id"]
        .as_i64()
        .unwrap()
}

fn ask_about(app: &TestApp, token: &str, title: &str, countries: &[&str]) -> i64 {
    app.post(
        "/api/v1/questions",
        token,
        json!({"title": title, "body": "Hur ska vi bedöma detta i ärendena?",
               "process": "asyl_forstagang", "countries": countries, "tags": ["publicering"]}),
    )
    .status(201)["id"]
        .as_i64()
        .unwrap()
}

/// Escalates `id` `times` steps up the asylum ladder (unit, regional group, national group,
/// the country information network, process forum).
fn escalate(app: &TestApp, token: &str, id: i64, times: usize) {
    for step in 0..times {
        let body = if step == 2 {
            json!({"note": "upp", "to_forum": "nn-landinfo"})
        } else {
            json!({"note": "upp"})
        };
        app.post(&format!("/api/v1/questions/{id}/escalate"), token, body)
            .status(200);
    }
}

fn reference(app: &TestApp, token: &str, id: i64) -> String {
    app.get(&format!("/api/v1/questions/{id}"), token).ok()["reference"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The answer ids a register reply lists.
fn answer_ids(r: &Value) -> BTreeSet<i64> {
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["answer_id"].as_i64().unwrap())
        .collect()
}

/// Moves an answer's review date (the store's text, YYYY-MM-DD) as time passing would.
fn set_review_date(app: &TestApp, answer_id: i64, date: &str) {
    use diesel::prelude::*;
    use eskalera::store::schema::answers;
    let pool = eskalera::store::connect(&app.db.url).unwrap();
    let mut conn = pool.get().unwrap();
    diesel::update(answers::table.find(answer_id))
        .set(answers::review_date.eq(date))
        .execute(&mut **conn)
        .unwrap();
}

fn days_from_today(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn the_register_holds_exactly_the_answers_in_force_after_supersessions_and_withdrawals() {
    let app = TestApp::start();
    let t = app.user("jurist@test.se", "u-lulea-asyl", LADDER, Role::Caseworker);
    // Unit guidance: not in force by default (there would be hundreds of thousands).
    let unit_q = ask_about(&app, &t, "Enhetens fråga", &[]);
    let unit_guidance = answer(
        &app,
        &t,
        unit_q,
        json!({"body": "Enhetens vägledning.", "binding_status": "guidance"}),
    );
    // National group guidance: in force.
    let ng_q = ask_about(&app, &t, "Nationella gruppens fråga", &[]);
    escalate(&app, &t, ng_q, 2);
    let ng_guidance = answer(
        &app,
        &t,
        ng_q,
        json!({"body": "Nationell vägledning.", "binding_status": "guidance"}),
    );
    // The network's temporary support, past its review date: still listed, marked overdue.
    let nn_q = ask_about(&app, &t, "Nätverkets fråga", &[]);
    escalate(&app, &t, nn_q, 3);
    let temporary = answer(
        &app,
        &t,
        nn_q,
        json!({"body": "Tillfälligt stöd.", "binding_status": "temporary", "review_date": days_from_today(5)}),
    );
    set_review_date(&app, temporary, &days_from_today(-2));
    // A binding answer that a later binding answer superseded: only the later one holds.
    let pf_q = ask_about(&app, &t, "Processforumets fråga", &[]);
    app.climb_to_process_forum(&t, pf_q);
    let old_binding = answer(
        &app,
        &t,
        pf_q,
        json!({"body": "Första bindande svaret.", "binding_status": "binding"}),
    );
    let again = ask_about(&app, &t, "Samma rättsfråga igen", &[]);
    app.climb_to_process_forum(&t, again);
    let new_binding = answer(
        &app,
        &t,
        again,
        json!({"body": "Andra bindande svaret.", "binding_status": "binding"}),
    );
    app.post(
        &format!("/api/v1/answers/{old_binding}/binding-status"),
        &t,
        json!({"binding_status": "superseded", "superseded_by": new_binding, "note": "Ersatt av det nya ställningstagandet."}),
    )
    .status(200);
    // Withdrawn guidance: gone from the register.
    let wd_q = ask_about(&app, &t, "Återkallad vägledning", &[]);
    escalate(&app, &t, wd_q, 2);
    let withdrawn = answer(
        &app,
        &t,
        wd_q,
        json!({"body": "Fel vägledning.", "binding_status": "guidance"}),
    );
    app.post(
        &format!("/api/v1/answers/{withdrawn}/binding-status"),
        &t,
        json!({"binding_status": "withdrawn", "note": "Byggde på fel uppgifter."}),
    )
    .status(200);

    let r = app.get("/api/v1/register?process=asyl_forstagang", &t);
    let r = r.ok();
    assert_eq!(r["in_force"], true);
    assert_eq!(
        answer_ids(r),
        BTreeSet::from([ng_guidance, temporary, new_binding]),
        "{r:#}"
    );
    assert_eq!(r["total"], 3);
    let overdue: Vec<&Value> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["review_overdue"] == true)
        .collect();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0]["answer_id"], temporary);
    assert_eq!(
        overdue[0]["binding_status"], "temporary",
        "no status change"
    );
    assert!(overdue[0]["standing"]
        .as_str()
        .unwrap()
        .contains("omprövning försenad"));
    // Filters reach the rest: a level's guidance, the superseded and the withdrawn.
    let unit = app.get("/api/v1/register?process=asyl_forstagang&level=unit", &t);
    assert_eq!(answer_ids(unit.ok()), BTreeSet::from([unit_guidance]));
    let sup = app.get(
        "/api/v1/register?process=asyl_forstagang&binding_status=superseded",
        &t,
    );
    assert_eq!(answer_ids(sup.ok()), BTreeSet::from([old_binding]));
    let wd = app.get(
        "/api/v1/register?process=asyl_forstagang&binding_status=withdrawn",
        &t,
    );
    assert_eq!(answer_ids(wd.ok()), BTreeSet::from([withdrawn]));
    let forum = app.get("/api/v1/register?process=asyl_forstagang&forum=pf-asyl", &t);
    assert_eq!(answer_ids(forum.ok()), BTreeSet::from([new_binding]));
    // Paging: one a page, every answer once.
    let mut seen = BTreeSet::new();
    for page in 1..=3 {
        let p = app.get(
            &format!("/api/v1/register?process=asyl_forstagang&per_page=1&page={page}"),
            &t,
        );
        assert_eq!(p.ok()["pages"], 3);
        seen.extend(answer_ids(p.ok()));
    }
    assert_eq!(seen.len(), 3);
    // Bad input is named.
    let e = app.get("/api/v1/register", &t);
    assert_eq!(e.status(422)["errors"][0]["field"], "process");
    let e = app.get("/api/v1/register?process=ingen", &t);
    assert_eq!(e.status(422)["errors"][0]["field"], "process");
    let e = app.get(
        "/api/v1/register?process=asyl_forstagang&binding_status=x",
        &t,
    );
    assert_eq!(e.status(422)["errors"][0]["field"], "binding_status");
    app.request(
        "GET",
        "/api/v1/register?process=asyl_forstagang",
        None,
        None,
        &[],
    )
    .status(401);

    // The page groups by category and marks the overdue review.
    app.user_with_password(
        "sidan@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    c.sign_in("sidan@test.se", PASSWORD);
    let page = c.get("/gallande-stod?process=asyl_forstagang");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Omprövning försenad"), "{}", page.body);
    assert!(page.body.contains("Nationella gruppens fråga"));
    assert!(!page.body.contains("Enhetens fråga"));
    assert!(!page.body.contains("Återkallad vägledning"));
    assert!(page.body.contains("application/atom+xml"));
}

#[test]
fn a_country_page_shows_the_answers_open_questions_reviews_and_references_about_it() {
    let app = TestApp::start();
    let t = app.user("jurist@test.se", "u-lulea-asyl", LADDER, Role::Caseworker);
    let answered = ask_about(&app, &t, "Masaliter från Västra Darfur", &["SD"]);
    escalate(&app, &t, answered, 3);
    let a = answer(
        &app,
        &t,
        answered,
        json!({"body": "Skyddsbehov föreligger normalt.", "binding_status": "temporary",
               "review_date": days_from_today(10),
               "references": ["EUAA Country Guidance Sudan 2025, avsnitt 4.2", "Lifos temarapport Sudan 2024"]}),
    );
    let open = ask_about(&app, &t, "Internflykt till Port Sudan", &["SD"]);
    let _elsewhere = ask_about(&app, &t, "Fråga om Eritrea", &["ER"]);

    for code in ["SD", "sd", "Sudan"] {
        let r = app.get(&format!("/api/v1/countries/{code}"), &t);
        let r = r.ok();
        assert_eq!(r["code"], "SD");
        assert_eq!(r["name"], "Sudan");
        assert_eq!(r["answers_total"], 1);
        assert_eq!(r["answers"][0]["answer_id"], a);
        assert_eq!(r["pending_total"], 1, "{r:#}");
        assert_eq!(r["pending"][0]["id"], open);
        assert!(
            r["pending"][0]["forum_name"]
                .as_str()
                .unwrap()
                .contains("Luleå"),
            "{r:#}"
        );
        assert_eq!(r["review_due"][0]["answer_id"], a, "due within 30 days");
        let refs: Vec<&str> = r["references"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["text"].as_str().unwrap())
            .collect();
        assert!(
            refs.contains(&"EUAA Country Guidance Sudan 2025, avsnitt 4.2"),
            "{refs:?}"
        );
    }
    let missing = app.get("/api/v1/countries/Atlantis", &t);
    assert_eq!(missing.status(404)["code"], "no-such-country");

    app.user_with_password(
        "sidan@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    c.sign_in("sidan@test.se", PASSWORD);
    let by_name = c.get("/lander/sudan");
    assert_eq!(by_name.status, 303);
    assert_eq!(by_name.location.as_deref(), Some("/lander/SD"));
    let page = c.get("/lander/SD");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<h1>Sudan"), "{}", page.body);
    assert!(page.body.contains("Internflykt till Port Sudan"));
    assert!(page.body.contains("Lifos temarapport Sudan 2024"));
    assert!(!page.body.contains("Eritrea"));
}

#[test]
fn references_to_other_questions_are_checked_on_save_linked_and_read_by_import() {
    let app = TestApp::start();
    let t = app.user("jurist@test.se", "u-lulea-asyl", LADDER, Role::Caseworker);
    let cited = ask_about(&app, &t, "Den citerade frågan", &[]);
    let cited_ref = reference(&app, &t, cited);
    let citing = ask_about(&app, &t, "Den citerande frågan", &[]);
    let r = app.post(
        &format!("/api/v1/questions/{citing}/answers"),
        &t,
        json!({"body": "Se det andra svaret.", "binding_status": "guidance", "references": ["PS-2026-999999"]}),
    );
    let p = r.status(422);
    assert_eq!(p["errors"][0]["field"], "references");
    assert_eq!(p["errors"][0]["code"], "unknown-reference");
    let own = reference(&app, &t, citing);
    let r = app.post(
        &format!("/api/v1/questions/{citing}/answers"),
        &t,
        json!({"body": "Se svaret.", "binding_status": "guidance", "references": [own]}),
    );
    assert_eq!(r.status(422)["errors"][0]["code"], "cites-itself");
    // Written as people write it: any case, without leading zeros.
    let short = cited_ref.to_lowercase().replace("-0000", "-");
    let a = app.post(
        &format!("/api/v1/questions/{citing}/answers"),
        &t,
        json!({"body": "Se det andra svaret.", "binding_status": "guidance", "references": [short, "MIG 2024:9"]}),
    );
    let refs = a.status(201)["references"].clone();
    assert_eq!(refs, json!([cited_ref, "MIG 2024:9"]));
    let unit = app.get("/api/v1/register?process=asyl_forstagang&level=unit", &t);
    let entry = &unit.ok()["items"][0];
    assert_eq!(entry["references"][0]["question_id"], cited);
    assert_eq!(entry["references"][1]["question_id"], Value::Null);

    // Import reads references too, and refuses one to nothing, writing nothing.
    let dir = tempfile::tempdir().unwrap();
    let line = |reference: &str, refs: Value| {
        json!({"reference": reference, "created_at": "2024-03-01T10:00:00Z", "unit": "u-lulea-asyl",
               "title": "Importerad fråga", "body": "Text", "process": "asyl_forstagang",
               "answers": [{"forum": "u-lulea-asyl", "created_at": "2024-03-02T10:00:00Z",
                            "body": "Importerat svar", "binding_status": "guidance", "references": refs}]})
        .to_string()
    };
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, line("PS-2024-000501", json!(["PS-2024-000999"]))).unwrap();
    let e = app.svc.import(
        "bad.jsonl",
        &std::fs::read_to_string(&bad).unwrap(),
        &mut std::io::sink(),
    );
    let e = format!("{:?}", e.unwrap_err());
    assert!(e.contains("PS-2024-000999"), "{e}");
    assert!(
        app.svc.question_id_by_reference("PS-2024-000501").is_err(),
        "nothing half-written"
    );
    let good = dir.path().join("good.jsonl");
    std::fs::write(
        &good,
        format!(
            "{}\n{}\n",
            line("PS-2024-000501", json!([])),
            line("PS-2024-000502", json!(["PS-2024-000501", cited_ref])),
        ),
    )
    .unwrap();
    app.svc
        .import(
            "good.jsonl",
            &std::fs::read_to_string(&good).unwrap(),
            &mut std::io::sink(),
        )
        .unwrap();
    let imported = app.svc.question_id_by_reference("PS-2024-000502").unwrap();
    let d = app.get(&format!("/api/v1/questions/{imported}"), &t);
    assert_eq!(
        d.ok()["answers"][0]["references"],
        json!(["PS-2024-000501", cited_ref])
    );
}

/// Mails whose subject holds `words`, by recipient: how many each got.
fn mailed(all: &[Value], words: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in all {
        if m["subject"].as_str().unwrap_or("").contains(words) {
            *out.entry(m["rcpt"][0].as_str().unwrap().to_string())
                .or_insert(0) += 1;
        }
    }
    out
}

#[test]
fn when_an_answer_is_withdrawn_the_four_groups_that_relied_on_it_hear_once_each() {
    if !smtp_available() {
        return;
    }
    let (_dir, out, sink) = fresh_sink();
    let url = sink.url();
    let app = TestApp::start_with(Clock::system(), |c| c.smtp_url = Some(url));
    let asker = app.user("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let follower = app.user("follower@test.se", "u-umea-asyl", &[], Role::Caseworker);
    let dup_asker = app.user("dup@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let citer = app.user("citer@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    // Follows the question and asked one whose answer cites it: hears once.
    let both = app.user("both@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let bystander = app.user("bystander@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let member = app.user("member@test.se", "u-lulea-asyl", LADDER, Role::Caseworker);

    let q = ask_about(&app, &asker, "Frågan vars svar dras tillbaka", &[]);
    let q_ref = reference(&app, &asker, q);
    for t in [&follower, &both] {
        app.request(
            "POST",
            &format!("/api/v1/questions/{q}/follow"),
            Some(t),
            None,
            &[],
        )
        .status(204);
    }
    let other = ask_about(&app, &bystander, "En annan fråga", &[]);
    app.request(
        "POST",
        &format!("/api/v1/questions/{other}/follow"),
        Some(&bystander),
        None,
        &[],
    );
    let a = answer(
        &app,
        &member,
        q,
        json!({"body": "Svaret.", "binding_status": "guidance"}),
    );
    let dup = ask_about(&app, &dup_asker, "Samma fråga igen", &[]);
    app.post(
        &format!("/api/v1/questions/{dup}/duplicate"),
        &member,
        json!({"of": q, "note": "Samma fråga"}),
    )
    .status(200);
    for t in [&citer, &both] {
        let c = ask_about(&app, t, "En fråga som bygger på svaret", &[]);
        answer(
            &app,
            &member,
            c,
            json!({"body": "Gör som där.", "binding_status": "guidance", "references": [q_ref]}),
        );
    }
    app.post(
        &format!("/api/v1/answers/{a}/binding-status"),
        &member,
        json!({"binding_status": "withdrawn", "note": "Byggde på fel uppgifter."}),
    )
    .status(200);
    let all = wait_for_mail(&out, 5, Duration::from_secs(20));
    let got = mailed(&all, "har återkallats");
    let expected: BTreeMap<String, usize> = [
        "asker@test.se",
        "follower@test.se",
        "dup@test.se",
        "citer@test.se",
        "both@test.se",
    ]
    .iter()
    .map(|e| (e.to_string(), 1))
    .collect();
    assert_eq!(got, expected);
    let one = all
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("har återkallats"))
        .unwrap();
    assert!(
        one["text"]
            .as_str()
            .unwrap()
            .contains("Inget nytt svar ersätter det ännu"),
        "{one:#}"
    );
}

#[test]
fn temporary_support_past_its_review_date_is_told_once_by_the_scheduled_job() {
    if !smtp_available() {
        return;
    }
    let (_dir, out, sink) = fresh_sink();
    let url = sink.url();
    let app = TestApp::start_with(Clock::system(), |c| c.smtp_url = Some(url));
    let asker = app.user("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let member = app.user("member@test.se", "u-lulea-asyl", LADDER, Role::Caseworker);
    let q = ask_about(&app, &asker, "Tillfälligt stöd om Belarus", &["BY"]);
    escalate(&app, &member, q, 3);
    let a = answer(
        &app,
        &member,
        q,
        json!({"body": "Tillfälligt.", "binding_status": "temporary", "review_date": days_from_today(3)}),
    );
    assert_eq!(app.svc.run_review_lapses().unwrap(), 0, "not yet due");
    set_review_date(&app, a, &days_from_today(-1));
    // However many runs and instances: one mail.
    let runs: usize = (0..3).map(|_| app.svc.run_review_lapses().unwrap()).sum();
    assert!(runs <= 1);
    eskalera::jobs::run_pending(&app.svc, "other-instance").unwrap();
    let all = wait_for_mail(&out, 1, Duration::from_secs(20));
    let got = mailed(&all, "omprövningsdatum");
    assert_eq!(got, BTreeMap::from([("asker@test.se".to_string(), 1)]));
    // The country page and the question show it as overdue; the status stays temporary.
    let c = app.get("/api/v1/countries/BY", &asker);
    assert_eq!(c.ok()["review_due"][0]["review_overdue"], true);
    let d = app.get(&format!("/api/v1/questions/{q}"), &asker);
    assert_eq!(d.ok()["answers"][0]["review_overdue"], true);
    assert_eq!(d.ok()["answers"][0]["binding_status"], "temporary");
}

/// feedparser's reading of an Atom document, or None where feedparser is missing (outside CI).
fn read_feed(xml: &[u8]) -> Option<Value> {
    use std::io::Write;
    let ok = std::process::Command::new("python3")
        .args(["-c", "import feedparser"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("ESKALERA_REQUIRE_FEEDPARSER").as_deref() != Ok("1"),
            "ESKALERA_REQUIRE_FEEDPARSER=1 but python3 cannot import feedparser"
        );
        eprintln!("feed checks skipped: python3 cannot import feedparser (pip install feedparser)");
        return None;
    }
    let mut child = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/feed_check.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(xml).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn fetch(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let res = match ureq::get(&format!("{}{path}", app.base)).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = res.status();
    let ct = res.header("content-type").unwrap_or("").to_string();
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut res.into_reader(), &mut body).unwrap();
    (status, ct, body)
}

/// The address the page's `<link rel="alternate" type="application/atom+xml">` names.
fn feed_link(html: &str) -> String {
    let at = html
        .find("type=\"application/atom+xml\"")
        .expect("the page announces a feed");
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>').unwrap()];
    let href = &tag[tag.find("href=\"").unwrap() + 6..];
    let href = &href[..href.find('"').unwrap()];
    href.replace("&#x2F;", "/").replace("&amp;", "&")
}

#[test]
fn feeds_are_valid_atom_with_stable_entries_and_need_a_feed_token() {
    let app = TestApp::start();
    let t = app.user("jurist@test.se", "u-lulea-asyl", LADDER, Role::Caseworker);
    app.user_with_password(
        "läsare@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let q = ask_about(&app, &t, "Belarus och gränskontroll", &["BY"]);
    app.climb_to_process_forum(&t, q);
    let a = answer(
        &app,
        &t,
        q,
        json!({"body": "Risk föreligger <vid> gränskontroll & passförnyelse.", "binding_status": "binding"}),
    );
    let mut c = Client::new(&app);
    c.sign_in("läsare@test.se", PASSWORD);
    let mut feeds = Vec::new();
    for page in ["/gallande-stod?process=asyl_forstagang", "/lander/BY"] {
        let p = c.get(page);
        assert_eq!(p.status, 200);
        feeds.push(feed_link(&p.body));
    }
    let settings = c.get("/installningar");
    assert!(settings.body.contains("flödesnyckel"), "{}", settings.body);
    assert!(
        !settings.body.contains("/forum/"),
        "a forum's feed for its members only"
    );
    // A forum's feed, as the settings page lists it for a member.
    let mut m = Client::new(&app);
    app.user_with_password(
        "medlem@test.se",
        "u-lulea-asyl",
        &["pf-asyl"],
        Role::Caseworker,
        PASSWORD,
    );
    m.sign_in("medlem@test.se", PASSWORD);
    let s = m.get("/installningar").body.replace("&#x2F;", "/");
    assert!(
        s.contains("/forum/pf-asyl/feed.atom?token="),
        "the settings list the forum's feed"
    );
    // The forum's queue announces it.
    let queue = m.get("/ko?forum=pf-asyl");
    assert_eq!(queue.status, 200);
    let forum_feed = feed_link(&queue.body);
    assert!(
        forum_feed.starts_with("/forum/pf-asyl/feed.atom?token="),
        "{forum_feed}"
    );
    feeds.push(forum_feed);

    for feed in &feeds {
        assert!(feed.contains("token=ft_"), "{feed}");
        let (status, ct, body) = fetch(&app, feed);
        assert_eq!(status, 200, "{feed}: {}", String::from_utf8_lossy(&body));
        assert!(ct.starts_with("application/atom+xml"), "{ct}");
        let (_, _, again) = fetch(&app, feed);
        assert_eq!(body, again, "the same feed twice: same ids, same updated");
        let Some(parsed) = read_feed(&body) else {
            continue;
        };
        assert_eq!(parsed["bozo"], 0, "{feed}: {parsed:#}");
        assert_eq!(parsed["version"], "atom10");
        for field in ["id", "title", "updated", "author"] {
            assert!(
                parsed["feed"][field].is_string(),
                "{feed}: {field} in {parsed:#}"
            );
        }
        let e = &parsed["entries"][0];
        assert_eq!(e["id"], format!("urn:eskalera:answer:{a}"));
        assert!(
            e["link"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/fragor/{q}")),
            "{e:#}"
        );
        assert!(e["updated"].is_string() && e["published"].is_string());
        assert_eq!(e["categories"][0]["term"], "binding");
        assert_eq!(e["categories"][0]["label"], "Bindande");
        assert!(e["summary"]
            .as_str()
            .unwrap()
            .contains("<vid> gränskontroll &"));
    }
    // No token, a wrong token, or the session cookie instead: 401.
    let bare = feeds[0].split("&token=").next().unwrap().to_string();
    assert_eq!(fetch(&app, &bare).0, 401);
    assert_eq!(fetch(&app, &format!("{bare}&token=ft_fel")).0, 401);
    let with_cookie = c.get(&bare);
    assert_eq!(with_cookie.status, 401);
}

#[test]
fn a_new_feed_token_revokes_the_old_one_which_opens_nothing_but_feeds() {
    let app = TestApp::start();
    let t = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let first = app.post("/api/v1/me/feed-token", &t, json!({}));
    let first = first.status(201)["token"].as_str().unwrap().to_string();
    let feed = |token: &str| {
        fetch(
            &app,
            &format!("/gallande-stod/feed.atom?process=asyl_forstagang&token={token}"),
        )
        .0
    };
    assert_eq!(feed(&first), 200);
    // Read-only: not an API token.
    app.get("/api/v1/questions", &first).status(401);
    app.post("/api/v1/me/feed-token", &first, json!({}))
        .status(401);
    let second = app.post("/api/v1/me/feed-token", &t, json!({}));
    let second = second.status(201)["token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(feed(&first), 401, "the old token is revoked");
    assert_eq!(feed(&second), 200);
    // The register feed of an unknown process is a named error, not an empty feed.
    let (status, _, body) = fetch(
        &app,
        &format!("/gallande-stod/feed.atom?process=ingen&token={second}"),
    );
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
}

#[test]
fn a_saved_search_mails_its_owner_and_its_feed_gains_the_matching_answer() {
    if !smtp_available() {
        return;
    }
    let (_dir, out, sink) = fresh_sink();
    let url = sink.url();
    let app = TestApp::start_with(Clock::system(), |c| c.smtp_url = Some(url));
    let watcher = app.user("watcher@test.se", "u-umea-asyl", &[], Role::Caseworker);
    let digest = app.user("digest@test.se", "u-umea-asyl", &[], Role::Caseworker);
    let member = app.user("member@test.se", "u-lulea-asyl", LADDER, Role::Caseworker);
    let asker = app.user("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    // Validation: a name, words or a filter, known codes.
    let e = app.post("/api/v1/saved-searches", &watcher, json!({"q": ""}));
    let fields: BTreeSet<String> = e.status(422)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from(["name".to_string(), "q".to_string()])
    );
    let e = app.post(
        "/api/v1/saved-searches",
        &watcher,
        json!({"name": "x", "q": "!!! ?"}),
    );
    assert_eq!(
        e.status(422)["errors"][0]["field"],
        "q",
        "punctuation would match everything"
    );
    let e = app.post(
        "/api/v1/saved-searches",
        &watcher,
        json!({"name": "x", "q": "ord", "filters": {"country": "Atlantis"}, "notify": "ofta"}),
    );
    assert_eq!(e.status(422)["errors"].as_array().unwrap().len(), 2);
    let e = app.post(
        "/api/v1/saved-searches",
        &watcher,
        json!({"name": "x", "filters": {"färg": "blå"}}),
    );
    e.status(422);

    let saved = app.post(
        "/api/v1/saved-searches",
        &watcher,
        json!({"name": "Sudan och internflykt", "q": "internflykt Darfur", "filters": {"country": "Sudan", "process": "asyl_forstagang"}, "notify": "immediate"}),
    );
    let saved = saved.status(201).clone();
    assert_eq!(saved["filters"]["country"], "SD");
    let id = saved["id"].as_i64().unwrap();
    app.post(
        "/api/v1/saved-searches",
        &digest,
        json!({"name": "Sudan", "filters": {"country": "SD"}, "notify": "digest"}),
    )
    .status(201);
    // The same words about another process: no match.
    app.post(
        "/api/v1/saved-searches",
        &watcher,
        json!({"name": "Medborgarskap", "q": "internflykt Darfur", "filters": {"process": "medborgarskap"}}),
    )
    .status(201);
    let listed = app.get("/api/v1/saved-searches", &watcher);
    assert_eq!(listed.ok().as_array().unwrap().len(), 2);

    // An answer with only one of the words does not match; one with both does.
    let half = ask_about(&app, &asker, "Internflykt i Sudan", &["SD"]);
    answer(
        &app,
        &member,
        half,
        json!({"body": "Internflykt till Khartoum bedöms inte rimlig.", "binding_status": "guidance"}),
    );
    let full = ask_about(
        &app,
        &asker,
        "Internflykt för personer från Darfur",
        &["SD"],
    );
    let a = answer(
        &app,
        &member,
        full,
        json!({"body": "Internflykt är inte relevant för masaliter från Darfur.", "binding_status": "guidance"}),
    );
    let all = wait_for_mail(&out, 1, Duration::from_secs(20));
    let got = mailed(&all, "sparade sökning");
    assert_eq!(
        got,
        BTreeMap::from([("watcher@test.se".to_string(), 1)]),
        "digest waits for the digest"
    );
    // The digest reader's match is held for the digest, not dropped.
    {
        use diesel::prelude::*;
        use eskalera::store::schema::outbox;
        let pool = eskalera::store::connect(&app.db.url).unwrap();
        let mut conn = pool.get().unwrap();
        let held: Vec<String> = outbox::table
            .filter(outbox::to_address.eq("digest@test.se"))
            .filter(outbox::payload.like("%saved_search%"))
            .select(outbox::status)
            .load(&mut **conn)
            .unwrap();
        // Its search is the country alone: both answers about Sudan match. Waiting for the
        // digest, or already in one when the digest job's hour has passed today.
        assert_eq!(held.len(), 2, "{held:?}");
        assert!(
            held.iter().all(|s| s == "digest" || s == "digested"),
            "{held:?}"
        );
    }

    let token = app.post("/api/v1/me/feed-token", &watcher, json!({}));
    let token = token.status(201)["token"].as_str().unwrap().to_string();
    let (status, _, body) = fetch(
        &app,
        &format!("/sparade-sokningar/{id}/feed.atom?token={token}"),
    );
    assert_eq!(status, 200);
    let xml = String::from_utf8(body.clone()).unwrap();
    assert_eq!(xml.matches("<entry>").count(), 1, "{xml}");
    assert!(xml.contains(&format!("urn:eskalera:answer:{a}")));
    if let Some(parsed) = read_feed(&body) {
        assert_eq!(parsed["bozo"], 0, "{parsed:#}");
        assert_eq!(parsed["entries"].as_array().unwrap().len(), 1);
    }
    // Someone else's saved search is nobody's business.
    let other = app.post("/api/v1/me/feed-token", &digest, json!({}));
    let other = other.status(201)["token"].as_str().unwrap().to_string();
    assert_eq!(
        fetch(
            &app,
            &format!("/sparade-sokningar/{id}/feed.atom?token={other}")
        )
        .0,
        404
    );
    app.request(
        "DELETE",
        &format!("/api/v1/saved-searches/{id}"),
        Some(&digest),
        None,
        &[],
    )
    .status(404);
    app.request(
        "DELETE",
        &format!("/api/v1/saved-searches/{id}"),
        Some(&watcher),
        None,
        &[],
    )
    .status(204);
    assert_eq!(
        fetch(
            &app,
            &format!("/sparade-sokningar/{id}/feed.atom?token={token}")
        )
        .0,
        404
    );
}

#[test]
fn an_embedded_view_carries_the_configured_frame_ancestors_and_nothing_else_changes() {
    let app = TestApp::start_with(Clock::system(), |c| {
        c.embed_ancestors = vec!["https://intranat.example".into()];
    });
    let t = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    app.user_with_password(
        "sidan@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let token = app.post("/api/v1/me/feed-token", &t, json!({}));
    let token = token.status(201)["token"].as_str().unwrap().to_string();
    let get = |path: &str| {
        let res = match ureq::AgentBuilder::new()
            .redirects(0)
            .build()
            .get(&format!("{}{path}", app.base))
            .call()
        {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        (
            res.status(),
            res.header("content-security-policy")
                .unwrap_or("")
                .to_string(),
            res.header("x-frame-options").map(String::from),
            res.into_string().unwrap_or_default(),
        )
    };
    for path in [
        format!("/gallande-stod?process=asyl_forstagang&embed=1&token={token}"),
        format!("/lander/SD?embed=1&token={token}"),
    ] {
        let (status, csp, xfo, body) = get(&path);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            csp.contains("frame-ancestors https://intranat.example;"),
            "{csp}"
        );
        assert!(!csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(xfo, None, "X-Frame-Options would overrule frame-ancestors");
        assert!(
            !body.contains("Huvudmeny"),
            "no navigation in an embedded view"
        );
        assert!(!body.contains("Logga ut"));
    }
    // Without the token an embedded view is no embedded view: the sign-in, framed by nobody.
    let (status, csp, xfo, _) = get("/gallande-stod?process=asyl_forstagang&embed=1");
    assert_eq!(status, 303);
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(xfo.as_deref(), Some("DENY"));
    let (status, _, _, _) = get("/gallande-stod?process=asyl_forstagang&embed=1&token=ft_fel");
    assert_eq!(status, 401);
    // Every other response keeps the default policy.
    let mut c = Client::new(&app);
    c.sign_in("sidan@test.se", PASSWORD);
    for path in [
        "/gallande-stod?process=asyl_forstagang",
        "/lander/SD",
        "/sok",
        "/installningar",
    ] {
        let p = c.get(path);
        assert_eq!(p.status, 200, "{path}");
        assert!(p
            .header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(p.header("x-frame-options"), Some("DENY"));
    }
    let api = app.get("/api/v1/register?process=asyl_forstagang", &t);
    api.ok();
}

#[test]
fn a_superseded_answer_tells_its_asker_what_replaced_it() {
    if !smtp_available() {
        return;
    }
    let (_dir, out, sink) = fresh_sink();
    let url = sink.url();
    let app = TestApp::start_with(Clock::system(), |c| c.smtp_url = Some(url));
    let asker = app.user("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let member = app.user("member@test.se", "u-lulea-asyl", LADDER, Role::Caseworker);
    let q = ask_about(&app, &asker, "Den gamla frågan", &[]);
    let old = answer(
        &app,
        &member,
        q,
        json!({"body": "Gammalt svar.", "binding_status": "guidance"}),
    );
    let settling = ask_about(&app, &member, "Den avgörande frågan", &[]);
    app.climb_to_process_forum(&member, settling);
    let binding = answer(
        &app,
        &member,
        settling,
        json!({"body": "Bindande.", "binding_status": "binding"}),
    );
    let settling_ref = reference(&app, &member, settling);
    app.post(
        &format!("/api/v1/answers/{old}/binding-status"),
        &member,
        json!({"binding_status": "superseded", "superseded_by": binding, "note": "Avgjort av processforum."}),
    )
    .status(200);
    let all = wait_for_mail(&out, 1, Duration::from_secs(20));
    let lineage: Vec<&Value> = all
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().contains("har ersatts"))
        .collect();
    assert_eq!(lineage.len(), 1, "{all:#?}");
    assert_eq!(lineage[0]["rcpt"][0], "asker@test.se");
    let text = lineage[0]["text"].as_str().unwrap();
    assert!(
        text.contains(&format!(
            "Ersätts av: {settling_ref} Den avgörande frågan (Bindande)"
        )),
        "{text}"
    );
}

#[test]
fn a_csv_import_reads_answer_references() {
    let app = TestApp::start();
    let t = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let cited = ask_about(&app, &t, "Den citerade frågan", &[]);
    let cited_ref = reference(&app, &t, cited);
    let csv = format!(
        "reference,created_at,unit,title,body,process,answers.forum,answers.created_at,answers.body,answers.binding_status,answers.references\n\
         PS-2024-000601,2024-03-01T10:00:00Z,u-lulea-asyl,Importerad,Text,asyl_forstagang,u-lulea-asyl,2024-03-02T10:00:00Z,Svar,guidance,MIG 2024:9; {cited_ref}\n"
    );
    app.svc
        .import("csv.csv", &csv, &mut std::io::sink())
        .unwrap();
    let id = app.svc.question_id_by_reference("PS-2024-000601").unwrap();
    let d = app.get(&format!("/api/v1/questions/{id}"), &t);
    assert_eq!(
        d.ok()["answers"][0]["references"],
        json!(["MIG 2024:9", cited_ref])
    );
    let bad = csv
        .replace(&cited_ref, "PS-2024-999999")
        .replace("000601", "000602");
    let e = format!(
        "{:?}",
        app.svc
            .import("csv.csv", &bad, &mut std::io::sink())
            .unwrap_err()
    );
    assert!(e.contains("PS-2024-999999"), "{e}");
    assert!(app.svc.question_id_by_reference("PS-2024-000602").is_err());
}
