//! Possible divergences: a paraphrase that shares too few words with an earlier question to
//! become a case on its own is listed for the legal department, who take it up as a case (it
//! joins a topic) or dismiss it; both are kept as labels.

use std::time::{Duration, Instant};

use eskalera::service::Role;
use serde_json::{json, Value};

use crate::common::TestApp;
use crate::consistency::{answer, ask, cases, A_BODY, A_TITLE};
use crate::web::{Client, PASSWORD};

/// A's question asked again the way a caseworker would write it: other words, the same legal
/// question.
pub(crate) const P_TITLE: &str = "Hon säger att hon blivit kristen – räcker papperet från kyrkan?";
pub(crate) const P_BODY: &str = "En kvinna från Iran har visat ett papper från pastorn om att \
     hon döptes i våras. Måste vi ändå fråga ut henne om hennes tro, eller räcker papperet?";

/// The open possible divergences, waited for until `want` are there (10 s at most).
pub(crate) fn open_possible(app: &TestApp, token: &str, want: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let r = app.get("/api/v1/possible-divergences?status=open", token);
        let list = r.ok().as_array().unwrap().clone();
        if list.len() >= want || started.elapsed() > Duration::from_secs(10) {
            return list;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) struct Pair {
    pub(crate) legal: String,
    pub(crate) caseworker: String,
    pub(crate) a: i64,
    pub(crate) b: i64,
}

/// A and its paraphrase, answered by two units; the reviewer granskare@test.se signs in with
/// the tests' password.
pub(crate) fn a_paraphrase_answered_twice(app: &TestApp) -> Pair {
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
    app.user_with_password(
        "granskare@test.se",
        "u-lulea-asyl",
        &[],
        Role::Legal,
        PASSWORD,
    );
    let legal = app.token("granskare@test.se");
    let a = ask(app, &asker_n, A_TITLE, A_BODY);
    let b = ask(app, &asker_s, P_TITLE, P_BODY);
    answer(
        app,
        &member_n,
        a,
        "Dopintyget räcker inte ensamt; en muntlig utredning om tron behövs.",
    );
    answer(
        app,
        &member_s,
        b,
        "Intyget från församlingen räcker som bevis för konverteringen.",
    );
    Pair {
        legal,
        caseworker: asker_s,
        a,
        b,
    }
}

#[test]
fn a_paraphrase_below_the_rule_is_listed_and_taken_up_as_a_topic() {
    let app = TestApp::start();
    let p = a_paraphrase_answered_twice(&app);
    let list = open_possible(&app, &p.legal, 1);
    assert_eq!(list.len(), 1, "{list:?}");
    let item = &list[0];
    assert_eq!(
        (item["question_a"].as_i64(), item["question_b"].as_i64()),
        (Some(p.a), Some(p.b))
    );
    let place = item["place"].as_i64().unwrap();
    assert!((1..=3).contains(&place), "{item}");
    assert_eq!(item["status"], "open");
    assert_eq!(item["a"]["forum_name"], "Asylprövningsenheten i Luleå");
    assert!(item["b"]["answer"]
        .as_str()
        .unwrap()
        .contains("Intyget från församlingen"));
    assert!(
        item["reasons"].to_string().contains("samma land: Iran"),
        "{item}"
    );
    // Not a case on its own: the list is where it waits.
    assert!(cases(&app, &p.legal, 0).as_array().unwrap().is_empty());
    let id = item["id"].as_i64().unwrap();

    // Only the legal department reads and reviews it; bad input names the field.
    app.get("/api/v1/possible-divergences", &p.caseworker)
        .status(403);
    let url = format!("/api/v1/possible-divergences/{id}/review");
    app.post(&url, &p.caseworker, json!({"outcome": "case"}))
        .status(403);
    let bad = app.get("/api/v1/possible-divergences?status=maybe", &p.legal);
    assert!(bad.status(422).to_string().contains("status"));
    let bad = app.post(&url, &p.legal, json!({"outcome": "perhaps"}));
    assert!(bad.status(422).to_string().contains("outcome"));
    let bad = app.post(&url, &p.legal, json!({"note": "Samma fråga."}));
    assert!(bad.status(422).to_string().contains("outcome"));
    app.get("/api/v1/possible-divergences/999999", &p.legal)
        .status(404);
    assert_eq!(open_possible(&app, &p.legal, 1).len(), 1);

    // Taken up: a case in an open topic with both questions, reviewed there.
    let r = app.post(
        &url,
        &p.legal,
        json!({"outcome": "case", "note": "Samma fråga om dopintyget."}),
    );
    let done = r.ok();
    assert_eq!(done["status"], "opened");
    assert_eq!(done["decided_by"]["email"], "granskare@test.se");
    assert_eq!(done["note"], "Samma fråga om dopintyget.");
    let topic = done["topic"].as_i64().unwrap();
    let t = app.get(&format!("/api/v1/consistency-topics/{topic}"), &p.legal);
    let t = t.ok();
    assert_eq!(t["status"], "open");
    let ids: Vec<i64> = t["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![p.a, p.b]);
    assert_eq!(cases(&app, &p.legal, 1).as_array().unwrap().len(), 1);
    // Once reviewed it is not reviewed again, and it left the open list.
    let again = app.post(&url, &p.legal, json!({"outcome": "dismiss"}));
    assert!(again
        .status(409)
        .to_string()
        .contains("possible-divergence-reviewed"));
    assert!(open_possible(&app, &p.legal, 0).is_empty());
    let opened = app.get("/api/v1/possible-divergences?status=opened", &p.legal);
    assert_eq!(opened.ok()[0]["case_id"], done["case_id"]);

    // Decided in its topic, the pair is a label: the same question.
    assert!(labels(&app).is_empty());
    app.post(
        &format!("/api/v1/consistency-topics/{topic}/decision"),
        &p.legal,
        json!({"outcome": "divergent", "note": "Svaren går isär."}),
    )
    .ok();
    let pairs = labels(&app);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(pairs[0]["label"].as_str(), Some("same"));
    assert_eq!(pairs[0]["a"]["title"].as_str(), Some(A_TITLE));
    assert_eq!(pairs[0]["b"]["title"].as_str(), Some(P_TITLE));
    assert_eq!(pairs[0]["b"]["countries"][0].as_str(), Some("IR"));
    assert!(pairs[0]["why"]
        .as_str()
        .unwrap()
        .contains("Svaren går isär."));
}

/// `eskalera consistency labels`, read as the detector's test sets are.
fn labels(app: &TestApp) -> Vec<toml::Value> {
    let o = crate::cli::eskalera(app, &["consistency", "labels"], None);
    assert!(o.status.success(), "{o:?}");
    let text = String::from_utf8(o.stdout).unwrap();
    let file: toml::Value = toml::from_str(&text).unwrap();
    file.get("pair")
        .and_then(|p| p.as_array())
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_dismissed_pair_is_kept_as_a_label_and_the_page_reviews_it() {
    let app = TestApp::start();
    let p = a_paraphrase_answered_twice(&app);
    let id = open_possible(&app, &p.legal, 1)[0]["id"].as_i64().unwrap();
    let mut c = Client::new(&app);
    c.sign_in("granskare@test.se", PASSWORD);
    // The review page links the list and counts what waits.
    let topics = c.get("/enhetlighet").body;
    assert!(topics.contains("href=\"/enhetlighet/mojliga\""), "{topics}");
    assert!(topics.contains("1 par att titta på"), "{topics}");
    let page = c.get("/enhetlighet/mojliga");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(P_TITLE), "{}", page.body);
    assert!(
        page.body.contains("Asylprövningsenheten i Malmö"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    // Personal data in the note is refused on the form, naming the field; nothing is written.
    let refused = c.post(
        &format!("/enhetlighet/mojliga/{id}"),
        &[
            ("csrf", &csrf),
            ("outcome", "dismiss"),
            ("note", "Gäller 811218-9876."),
            ("status", "alla"),
            ("sida", "1"),
        ],
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("Kommentar"), "{}", refused.body);
    // Shown again on the tab and page it was sent from, where the pair is.
    assert!(
        refused
            .body
            .contains("mojliga?status=alla\" aria-current=\"page\""),
        "{}",
        refused.body
    );
    assert_eq!(open_possible(&app, &p.legal, 1).len(), 1);
    let done = c.post(
        &format!("/enhetlighet/mojliga/{id}"),
        &[
            ("csrf", &csrf),
            ("outcome", "dismiss"),
            ("note", "Olika frågor: tro eller intyg."),
        ],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let after = c.get("/enhetlighet/mojliga").body;
    assert!(after.contains("Inga möjliga avvikelser här"), "{after}");
    assert!(after.contains("visas inte igen"), "{after}");
    let dismissed = app.get("/api/v1/possible-divergences?status=dismissed", &p.legal);
    let dismissed = dismissed.ok();
    assert_eq!(dismissed[0]["id"], id);
    assert_eq!(dismissed[0]["note"], "Olika frågor: tro eller intyg.");
    assert!(dismissed[0]["case_id"].is_null());
    // No case was made of it, and it is a label: not the same question.
    assert!(cases(&app, &p.legal, 0).as_array().unwrap().is_empty());
    let pairs = labels(&app);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(pairs[0]["label"].as_str(), Some("different"));
    assert_eq!(pairs[0]["a"]["process"].as_str(), Some("asyl_forstagang"));
}

#[test]
fn two_reviewers_at_once_one_takes_the_pair_up_the_other_is_told() {
    use std::sync::{Arc, Barrier};
    let app = Arc::new(TestApp::start());
    let p = a_paraphrase_answered_twice(&app);
    let other = app.user("jurist2@test.se", "u-malmo-asyl", &[], Role::Legal);
    let id = open_possible(&app, &p.legal, 1)[0]["id"].as_i64().unwrap();
    let url = format!("/api/v1/possible-divergences/{id}/review");
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = [(p.legal.clone(), "case"), (other, "case")]
        .into_iter()
        .map(|(token, outcome)| {
            let (app, barrier, url) = (app.clone(), barrier.clone(), url.clone());
            std::thread::spawn(move || {
                barrier.wait();
                app.request(
                    "POST",
                    &url,
                    Some(&token),
                    Some(&json!({"outcome": outcome})),
                    &[],
                )
            })
        })
        .collect();
    let mut statuses: Vec<u16> = handles
        .into_iter()
        .map(|h| h.join().unwrap().status)
        .collect();
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    // Exactly one case, and the pair names it.
    let made = cases(&app, &p.legal, 1);
    assert_eq!(made.as_array().unwrap().len(), 1, "{made}");
    let pair = app.get(&format!("/api/v1/possible-divergences/{id}"), &p.legal);
    assert_eq!(pair.ok()["status"], "opened");
    assert_eq!(pair.ok()["case_id"], made[0]["id"]);
}
