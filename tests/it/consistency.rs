//! Consistency watch: similar questions answered by different forums become cases that the
//! legal department decides; historic questions come in by import. And the detector's
//! precision and recall on the hand-labelled pairs.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use eskalera::domain::consistency::{self, Profile, THRESHOLD};
use eskalera::search::index::{QuestionDoc, SearchIndex};
use eskalera::service::Role;
use serde_json::{json, Value};

use crate::cli::eskalera;
use crate::common::TestApp;

/// Two questions the watch finds alike: the same legal question asked by two units.
pub(crate) const A_TITLE: &str = "Räcker ett dopintyg för att en konvertering ska anses trovärdig?";
pub(crate) const A_BODY: &str = "En sökande från Iran har lämnat ett dopintyg från en svensk \
     församling. Räcker dopintyget för att konverteringen ska anses genuin, eller krävs en \
     fördjupad muntlig utredning om tron?";
pub(crate) const B_TITLE: &str = "Dopintyg som bevis för konvertering i asylärenden";
pub(crate) const B_BODY: &str = "Hur ska vi värdera ett dopintyg från en församling när en \
     iransk sökande säger sig ha konverterat? Är dopintyget tillräckligt för att \
     konverteringen ska bedömas som genuin?";

pub(crate) fn cases(app: &TestApp, token: &str, want: usize) -> Value {
    let started = Instant::now();
    loop {
        let r = app.get("/api/v1/consistency-cases?status=open", token);
        let body = r.ok().clone();
        if body.as_array().unwrap().len() >= want || started.elapsed() > Duration::from_secs(10) {
            return body;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn ask(app: &TestApp, token: &str, title: &str, body: &str) -> i64 {
    let r = app.post(
        "/api/v1/questions",
        token,
        json!({"title": title, "body": body, "process": "asyl_forstagang",
               "tags": ["konvertiter"], "countries": ["IR"]}),
    );
    r.status(201)["id"].as_i64().unwrap()
}

pub(crate) fn answer(app: &TestApp, token: &str, id: i64, body: &str) -> i64 {
    let r = app.post(
        &format!("/api/v1/questions/{id}/answers"),
        token,
        json!({"body": body, "binding_status": "guidance"}),
    );
    r.status(201)["id"].as_i64().unwrap()
}

#[test]
fn a_divergent_pair_is_found_reviewed_and_routed_to_the_process_forum() {
    let app = TestApp::start();
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
    let legal = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Legal);
    let admin = app.user("admin@test.se", "u-lulea-asyl", &[], Role::Admin);

    let a = ask(&app, &asker_n, A_TITLE, A_BODY);
    let b = ask(&app, &asker_s, B_TITLE, B_BODY);
    let unrelated = ask(
        &app,
        &asker_s,
        "Tidsfrist för överklagande vid delgivning via ombud",
        "När börjar tiden för överklagande löpa om beslutet delgavs ombudet men inte sökanden själv?",
    );
    let answer_a = answer(
        &app,
        &member_n,
        a,
        "Dopintyget räcker inte ensamt; en muntlig utredning om tron behövs.",
    );
    // The first answer has nothing earlier to be compared with.
    std::thread::sleep(Duration::from_millis(300));
    assert!(cases(&app, &legal, 0).as_array().unwrap().is_empty());
    answer(
        &app,
        &member_s,
        unrelated,
        "Tiden löper från delgivningen med ombudet.",
    );
    let answer_b = answer(
        &app,
        &member_s,
        b,
        "Ett dopintyg är tillräckligt som bevis för konverteringen.",
    );

    let list = cases(&app, &legal, 1);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let case = &list[0];
    assert_eq!(
        (case["question_a"].as_i64(), case["question_b"].as_i64()),
        (Some(a), Some(b))
    );
    assert_eq!(
        (case["answer_a"].as_i64(), case["answer_b"].as_i64()),
        (Some(answer_a), Some(answer_b))
    );
    assert_eq!(case["status"], "open");
    assert!(case["score"].as_f64().unwrap() >= consistency::FIRST_CANDIDATE_FLOOR);
    let reasons: Vec<&str> = case["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("gemensamma ord") && r.contains("dopintyg")),
        "{reasons:?}"
    );
    assert!(reasons.contains(&"samma land: Iran"), "{reasons:?}");
    // The shared words are shown as the questions wrote them, never as stems.
    let texts = format!(
        "{} {} {} {}",
        case["a"]["title"], case["b"]["title"], A_BODY, B_BODY
    )
    .to_lowercase();
    let shared = reasons
        .iter()
        .find_map(|r| r.strip_prefix("gemensamma ord: "))
        .unwrap();
    for word in shared.split(", ") {
        assert!(
            texts
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == word),
            "'{word}' is not a word of the questions: {shared}"
        );
    }
    assert!(
        ["mycket lika", "lika", "delvis lika"].contains(&case["similarity"].as_str().unwrap()),
        "{}",
        case["similarity"]
    );
    assert_eq!(case["a"]["region_name"], "Region Nord");
    assert_eq!(case["a"]["forum"], "u-lulea-asyl");
    assert_eq!(case["b"]["forum"], "u-malmo-asyl");
    assert_eq!(case["a"]["region"], "nord");
    assert_eq!(case["b"]["region"], "syd");
    assert!(case["b"]["answer"]
        .as_str()
        .unwrap()
        .contains("tillräckligt"));
    let id = case["id"].as_i64().unwrap();

    // Only the legal department reviews; admins may read.
    app.get("/api/v1/consistency-cases", &asker_n).status(403);
    app.get("/api/v1/consistency-cases", &admin).ok();
    app.get("/api/v1/consistency-cases?status=maybe", &legal)
        .status(422);
    app.post(
        &format!("/api/v1/consistency-cases/{id}/decision"),
        &admin,
        json!({"decision": "divergent", "note": "Olika"}),
    )
    .status(403);
    let r = app.post(
        &format!("/api/v1/consistency-cases/{id}/decision"),
        &legal,
        json!({"decision": "divergent"}),
    );
    assert_eq!(r.status(422)["errors"][0]["field"], "note");
    app.post(
        &format!("/api/v1/consistency-cases/{id}/decision"),
        &legal,
        json!({"decision": "perhaps", "note": "x"}),
    )
    .status(422);
    app.post(
        "/api/v1/consistency-cases/999999/decision",
        &legal,
        json!({"decision": "consistent", "note": "x"}),
    )
    .status(404);

    let decided = app.post(
        &format!("/api/v1/consistency-cases/{id}/decision"),
        &legal,
        json!({"decision": "divergent", "note": "Svaren går isär i frågan om dopintygets bevisvärde."}),
    );
    let decided = decided.ok();
    assert_eq!(decided["status"], "divergent");
    assert_eq!(decided["decided_by"]["email"], "jurist@test.se");
    let routed = decided["routed_question"].as_i64().unwrap();
    let q = app.get(&format!("/api/v1/questions/{routed}"), &legal);
    let q = q.ok();
    assert_eq!(q["forum"]["code"], "pf-asyl");
    assert_eq!(q["level"], "process_forum");
    assert_eq!(q["status"], "open");
    assert!(q["body"]
        .as_str()
        .unwrap()
        .contains("dopintygets bevisvärde"));
    // The decision is an event on both questions, with its reason.
    for question in [a, b] {
        let d = app.get(&format!("/api/v1/questions/{question}"), &asker_n);
        let events = d.ok()["events"].as_array().unwrap().clone();
        let e = events
            .iter()
            .find(|e| e["kind"] == "consistency_decided")
            .unwrap();
        assert_eq!(
            e["note"],
            "Svaren går isär i frågan om dopintygets bevisvärde."
        );
    }
    // Decided once: a second decision is refused, the list of open cases is empty.
    app.post(
        &format!("/api/v1/consistency-cases/{id}/decision"),
        &legal,
        json!({"decision": "consistent", "note": "Ändå lika"}),
    )
    .status(409);
    assert!(cases(&app, &legal, 0).as_array().unwrap().is_empty());
    assert_eq!(
        app.get("/api/v1/consistency-cases?status=divergent", &legal)
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The forums that answered hear of it (mail spool: no SMTP server in this test).
    let spool = app.db.dir().join("data").join("mail");
    let started = Instant::now();
    let mut to: BTreeSet<String> = BTreeSet::new();
    while started.elapsed() < Duration::from_secs(10) {
        to = std::fs::read_dir(&spool)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|f| std::fs::read_to_string(f.path()).ok())
            .filter(|m| {
                m.contains("olika svar p=C3=A5 samma fr=C3=A5ga")
                    || m.contains("olika svar på samma fråga")
            })
            .filter_map(|m| m.lines().find(|l| l.starts_with("To:")).map(str::to_string))
            .collect();
        // Mail to askers and followers goes out too: wait for both forums' members.
        let both = ["member.nord@test.se", "member.syd@test.se"]
            .iter()
            .all(|m| to.iter().any(|t| t.contains(m)));
        if both {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        to.iter().any(|t| t.contains("member.nord@test.se")),
        "{to:?}"
    );
    assert!(
        to.iter().any(|t| t.contains("member.syd@test.se")),
        "{to:?}"
    );
    assert!(!to.iter().any(|t| t.contains("jurist@test.se")), "{to:?}");

    // A similar question that the same forum answers again is no case: the forum knows both.
    let c = ask(
        &app,
        &asker_n,
        "Dopintygets betydelse för trovärdigheten i en konvertering",
        "Räcker ett dopintyg från församlingen för att konverteringen ska anses genuin hos en iransk sökande?",
    );
    answer(
        &app,
        &member_n,
        c,
        "Som tidigare: dopintyget räcker inte ensamt.",
    );
    std::thread::sleep(Duration::from_millis(500));
    let open = cases(&app, &legal, 1);
    let pairs: Vec<(i64, i64)> = open
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["question_a"].as_i64().unwrap(),
                c["question_b"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(!pairs.contains(&(a, c)), "{pairs:?}");
}

const BAD: &str = r#"{"reference":"KP-2020-1","created_at":"den 3 mars","unit":"u-lulea-asyl","title":"Rubrik","body":"Text","process":"asyl_forstagang","answers":[]}
{"reference":"KP-2020-2","created_at":"2020-03-03T10:00:00+01:00","unit":"u-nowhere","title":"Rubrik","body":"Text","process":"asyl_forstagang","answers":[]}
{"reference":"KP-2020-3","created_at":"2020-03-03T10:00:00+01:00","unit":"u-lulea-asyl","title":"","body":"Ring 070-123 45 67","process":"asyl_forstagang","answers":[{"forum":"nn-nowhere","created_at":"2020-03-01T10:00:00+01:00","body":"Svar","binding_status":"final"}]}
this is not json
"#;

const GOOD: &str = "reference,created_at,unit,asker,title,body,process,category,tags,countries,answers.forum,answers.created_at,answers.author,answers.body,answers.binding_status
KP-2021-17,2021-03-01T09:00:00+01:00,u-lulea-asyl,,Vittnesintyg om hemlandets militärtjänst,Hur värderar vi ett vittnesintyg om vägrad militärtjänst i hemlandet?,asyl_forstagang,trovardighet,militärtjänst;vittnen,ER,nn-trovardighet,2021-03-12T09:00:00+01:00,,Intyget väger lätt utan stödjande uppgifter.,guidance
KP-2021-17,2021-03-01T09:00:00+01:00,u-lulea-asyl,,Vittnesintyg om hemlandets militärtjänst,Hur värderar vi ett vittnesintyg om vägrad militärtjänst i hemlandet?,asyl_forstagang,trovardighet,militärtjänst;vittnen,ER,pf-asyl,2021-04-15T09:00:00+02:00,,Processforumet fastslår att intyget ska vägas samman med landinformationen.,binding
KP-2021-18,2021-05-03T09:00:00+02:00,u-malmo-asyl,,Tolkbehov vid muntlig utredning per video,Får den muntliga utredningen hållas med tolk på distans?,asyl_forstagang,forfarande,tolk,,u-malmo-asyl,2021-05-04T09:00:00+02:00,,Ja om rättssäkerheten kan tillgodoses.,guidance
";

#[test]
fn import_refuses_bad_rows_all_at_once_and_imports_good_ones_once() {
    let app = TestApp::start();
    let legal = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Legal);
    let dir = tempfile::tempdir().unwrap();

    let bad = dir.path().join("gamla.jsonl");
    std::fs::write(&bad, BAD).unwrap();
    let o = eskalera(&app, &["import", bad.to_str().unwrap()], None);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "{err}");
    for expected in [
        "line 1: created_at",
        "line 2: unit: unknown unit 'u-nowhere'",
        "line 3: title: is required",
        "line 3: body: contains personal data",
        "line 3: answers[0].forum: unknown forum 'nn-nowhere'",
        "line 3: answers[0].created_at: is before the question",
        "line 3: answers[0].binding_status: unknown binding status 'final'",
        "line 4: json",
    ] {
        assert!(err.contains(expected), "missing '{expected}' in:\n{err}");
    }
    assert!(!err.contains("070-123"), "personal data repeated: {err}");
    assert_eq!(app.get("/api/v1/questions", &legal).ok()["total"], 0);

    let good = dir.path().join("konferens.csv");
    std::fs::write(&good, GOOD).unwrap();
    let o = eskalera(&app, &["import", good.to_str().unwrap()], None);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{o:?}");
    assert!(out.contains("imported 2 questions with 3 answers"), "{out}");

    // Visible in search, with its binding answer current and the superseded history kept.
    let started = Instant::now();
    let hit = loop {
        let r = app.get("/api/v1/search?q=vittnesintyg", &legal);
        let hits = r.ok()["hits"].as_array().unwrap().clone();
        if let Some(h) = hits.first() {
            break h.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(5), "not searchable");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(hit["reference"], "KP-2021-17");
    assert_eq!(hit["answers"][0]["binding_status"], "binding");
    let q = app.get(&format!("/api/v1/questions/{}", hit["id"]), &legal);
    let q = q.ok();
    assert_eq!(q["status"], "closed");
    assert_eq!(q["forum"]["code"], "pf-asyl");
    assert_eq!(q["created_at"], "2021-03-01T08:00:00Z");
    let stages: Vec<(&str, &str)> = q["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["forum"].as_str().unwrap(), s["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        stages,
        vec![
            ("u-lulea-asyl", "escalated"),
            ("nn-trovardighet", "answered"),
            ("pf-asyl", "answered")
        ]
    );

    // Counted in the SLA report of 2021, stage by stage.
    let r = app.get(
        "/api/v1/reports/sla?from=2021-01-01&to=2021-12-31&group_by=level",
        &legal,
    );
    let rows = r.ok()["rows"].as_array().unwrap().clone();
    let row = |level: &str| {
        rows.iter()
            .find(|r| r["group"] == level)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(row("unit")["received"], 2);
    assert_eq!(row("unit")["answered"], 1);
    assert_eq!(row("unit")["escalated"], 1);
    assert_eq!(row("national_network")["received"], 1);
    assert_eq!(row("national_network")["answered"], 1);
    // 2021-03-01 09:00 to 2021-03-12 09:00: two full working weeks.
    assert_eq!(row("national_network")["median_working_days"], 9.0);
    assert_eq!(row("process_forum")["answered"], 1);

    // Again: nothing new.
    let o = eskalera(&app, &["import", good.to_str().unwrap()], None);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{o:?}");
    assert!(
        out.contains("imported 0 questions with 0 answers; 2 were imported before"),
        "{out}"
    );
    assert_eq!(app.get("/api/v1/questions", &legal).ok()["total"], 2);
}

#[derive(serde::Deserialize)]
struct Side {
    title: String,
    body: String,
    process: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    countries: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Pair {
    label: String,
    a: Side,
    b: Side,
}

#[derive(serde::Deserialize)]
struct Pairs {
    pair: Vec<Pair>,
}

/// Two questions of an imported history, one the same as the other in other words, answered
/// by two forums: the watch compares imported answers like live ones.
const IMPORTED_PAIR: &str = r#"{"reference":"KP-2022-4","created_at":"2022-02-01T09:00:00+01:00","unit":"u-lulea-asyl","title":"Räcker ett dopintyg för att en konvertering ska anses trovärdig?","body":"En sökande från Iran har lämnat ett dopintyg från en svensk församling. Räcker dopintyget för att konverteringen ska anses genuin, eller krävs en fördjupad muntlig utredning om tron?","process":"asyl_forstagang","tags":["konvertiter"],"countries":["IR"],"answers":[{"forum":"u-lulea-asyl","created_at":"2022-02-03T09:00:00+01:00","body":"Dopintyget räcker inte ensamt; en muntlig utredning om tron behövs.","binding_status":"guidance"}]}
{"reference":"KP-2022-9","created_at":"2022-03-01T09:00:00+01:00","unit":"u-malmo-asyl","title":"Dopintyg som bevis för konvertering i asylärenden","body":"Hur ska vi värdera ett dopintyg från en församling när en iransk sökande säger sig ha konverterat? Är dopintyget tillräckligt för att konverteringen ska bedömas som genuin?","process":"asyl_forstagang","tags":["konvertiter"],"countries":["IR"],"answers":[{"forum":"u-malmo-asyl","created_at":"2022-03-02T09:00:00+01:00","body":"Ett dopintyg är tillräckligt som bevis för konverteringen.","binding_status":"guidance"}]}
"#;

#[test]
fn imported_answers_are_compared() {
    let app = TestApp::start();
    let legal = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Legal);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("historik.jsonl");
    std::fs::write(&file, IMPORTED_PAIR).unwrap();
    let o = eskalera(&app, &["import", file.to_str().unwrap()], None);
    assert!(o.status.success(), "{o:?}");
    let list = cases(&app, &legal, 1);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["a"]["reference"], "KP-2022-4");
    assert_eq!(list[0]["b"]["reference"], "KP-2022-9");
}

/// On PostgreSQL the indexer applies a transaction's changes only once every transaction that
/// started before it has ended, but the queued checks are visible at once: a check taken then
/// compared an answer with an index that did not hold it yet, and the case was lost for good.
#[test]
fn an_answer_is_compared_only_once_the_index_holds_it() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let app = TestApp::start();
    if !app.db.url.starts_with("postgres") {
        return;
    }
    let legal = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Legal);
    // An older transaction still running holds the indexer back.
    let mut blocker = diesel::PgConnection::establish(&app.db.url).unwrap();
    blocker
        .batch_execute("BEGIN; SELECT txid_current();")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("historik.jsonl");
    std::fs::write(&file, IMPORTED_PAIR).unwrap();
    let o = eskalera(&app, &["import", file.to_str().unwrap()], None);
    assert!(o.status.success(), "{o:?}");
    // Meanwhile the watch runs round after round with the checks in view.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(cases(&app, &legal, 0).as_array().unwrap().is_empty());
    blocker.batch_execute("COMMIT;").unwrap();
    let list = cases(&app, &legal, 1);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list:?}");
}

/// Precision and recall of the detector on the hand-labelled pairs, printed as a table for the
/// tuning set (pairs.toml, which the rule was tuned on) and the held-out set (heldout.toml,
/// written apart and never tuned on); the README quotes both.
/// Each labelled pair of a file as (score, either question the other's first candidate, same).
/// Each pair's score, the better of its two places among the other's candidates (1: first;
/// `usize::MAX` beyond the places a possible divergence needs) and its label.
type Scored = Vec<(f64, usize, bool)>;

/// The detector's inputs for the labelled pairs of pairs.toml, tuning2.toml and heldout.toml,
/// with every side in one index together with the demo questions and the relevance corpus
/// (as distractors, so that "first candidate" means something).
fn detector_inputs() -> Vec<(&'static str, Scored)> {
    let load = |file: &str| -> Pairs {
        toml::from_str(&std::fs::read_to_string(format!("tests/data/consistency/{file}")).unwrap())
            .unwrap()
    };
    let mut files: Vec<(&str, Pairs)> = ["pairs.toml", "tuning2.toml", "heldout.toml"]
        .into_iter()
        .map(|f| (f, load(f)))
        .collect();
    // The legal department's own decisions (`eskalera consistency labels`), measured beside
    // the sets when given; never asserted.
    if let Ok(path) = std::env::var("ESKALERA_LABELS") {
        let text = std::fs::read_to_string(&path).unwrap();
        files.push(("ESKALERA_LABELS", toml::from_str(&text).unwrap()));
    }
    assert!(files[0].1.pair.len() >= 60);
    assert!(files[1].1.pair.len() >= 40);
    assert!(files[2].1.pair.len() >= 40);
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let mut writer: tantivy::IndexWriter = index.index.writer(50_000_000).unwrap();
    // One document per text: sides shared by several pairs are one question.
    let mut ids: std::collections::BTreeMap<(String, String), i64> = Default::default();
    let mut titles = BTreeSet::new();
    let mut add = |title: &str, body: &str, process: &str, distractor: bool| {
        if distractor && titles.contains(title) {
            return;
        }
        let next = ids.len() as i64 + 1;
        ids.entry((title.to_string(), body.to_string()))
            .or_insert_with(|| {
                let doc = QuestionDoc {
                    id: next,
                    title: title.into(),
                    body: body.into(),
                    process: process.into(),
                    ..Default::default()
                };
                writer.add_document(doc.to_document(&index.fields)).unwrap();
                next
            });
        titles.insert(title.to_string());
    };
    for (_, pairs) in &files {
        for p in &pairs.pair {
            for s in [&p.a, &p.b] {
                add(&s.title, &s.body, &s.process, false);
            }
        }
    }
    let demo: toml::Value =
        toml::from_str(&std::fs::read_to_string("config/demo/questions.toml").unwrap()).unwrap();
    let corpus = std::fs::read_to_string("tests/data/relevance/corpus.jsonl").unwrap();
    let distractors = demo["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["title"].as_str().unwrap().to_string(),
                q["body"].as_str().unwrap().to_string(),
                q["process"].as_str().unwrap().to_string(),
            )
        })
        .chain(corpus.lines().map(|l| {
            let q: Value = serde_json::from_str(l).unwrap();
            (
                q["title"].as_str().unwrap().to_string(),
                q["body"].as_str().unwrap().to_string(),
                q["process"].as_str().unwrap().to_string(),
            )
        }))
        .collect::<Vec<_>>();
    for (title, body, process) in &distractors {
        add(title, body, process, true);
    }
    let ids = ids;
    writer.commit().unwrap();
    index.reader.reload().unwrap();
    let id_of = |s: &Side| ids[&(s.title.clone(), s.body.clone())];
    let profile = |s: &Side| Profile {
        process: s.process.clone(),
        process_name: String::new(),
        terms: index.term_weights(&s.title, &s.body),
        written: Default::default(),
        countries: s.countries.iter().cloned().collect(),
        tags: s.tags.iter().map(|t| t.to_lowercase()).collect(),
    };
    // The watch's search: the question's significant words, same process, itself left out.
    let place = |s: &Side, partner: &Side| -> usize {
        let terms = index.question_terms(&s.title, &s.body);
        let filters = eskalera::search::Filters {
            process: Some(s.process.clone()),
            ..Default::default()
        };
        let hits = index
            .search(
                &terms.join(" "),
                &filters,
                0,
                consistency::POSSIBLE_PLACES + 1,
                false,
            )
            .unwrap();
        hits.hits
            .iter()
            .map(|h| h.id)
            .filter(|id| *id != id_of(s))
            .position(|id| id == id_of(partner))
            .map_or(usize::MAX, |p| p + 1)
    };
    let scored_of = |pairs: &Pairs| -> Scored {
        pairs
            .pair
            .iter()
            .map(|p| {
                (
                    consistency::similarity(&profile(&p.a), &profile(&p.b)).score,
                    place(&p.a, &p.b).min(place(&p.b, &p.a)),
                    p.label == "same",
                )
            })
            .collect()
    };
    let out: Vec<(&str, Scored)> = files.iter().map(|(f, p)| (*f, scored_of(p))).collect();
    // The same pair scores the same again: the weights come from the snapshot.
    assert_eq!(scored_of(&files[0].1), out[0].1);
    out
}

/// How the possible divergences add to the cases on a labelled set.
#[derive(Debug, Default)]
struct Listed {
    same: usize,
    cases_same: usize,
    possible_same: usize,
    possible_different: usize,
}

impl Listed {
    /// The "same" pairs that are a case or on the list.
    fn recall(&self) -> f64 {
        (self.cases_same + self.possible_same) as f64 / self.same.max(1) as f64
    }
}

/// Precision and recall of the rule "score >= threshold, or a first candidate with score >= floor".
fn rule(scored: &[(f64, usize, bool)], threshold: f64, floor: f64) -> (f64, f64) {
    let flagged: Vec<(bool, bool)> = scored
        .iter()
        .map(|(s, place, same)| (*s >= threshold || (*place == 1 && *s >= floor), *same))
        .collect();
    consistency::precision_recall_of(&flagged)
}

#[test]
fn detector_precision_and_recall_on_the_labelled_pairs() {
    let sets = detector_inputs();
    for (name, scored) in &sets {
        let same = scored.iter().filter(|s| s.2).count();
        println!(
            "consistency detector on {} labelled pairs, {name} ({same} same, {} different)",
            scored.len(),
            scored.len() - same
        );
        println!(
            "{:>9} {:>6} {:>10} {:>7}",
            "threshold", "floor", "precision", "recall"
        );
        for (t, f) in [
            (0.36, 0.16),
            (0.32, 0.16),
            (0.40, 0.16),
            (0.36, 0.10),
            (0.36, 0.20),
            (0.36, 0.0),
            (0.36, 1.0),
            (0.28, 1.0),
        ] {
            let (p, r) = rule(scored, t, f);
            let mark = if (t - THRESHOLD).abs() < 1e-9
                && (f - consistency::FIRST_CANDIDATE_FLOOR).abs() < 1e-9
            {
                "  <- in use"
            } else if f >= 1.0 {
                "  (score alone)"
            } else {
                ""
            };
            println!("{t:>9.2} {f:>6.2} {p:>10.2} {r:>7.2}{mark}");
        }
    }
    // The rule in use, as the watch applies it; and the possible divergences listed beside.
    let at = |i: usize| {
        let flagged: Vec<(bool, bool)> = sets[i]
            .1
            .iter()
            .map(|(s, place, same)| (consistency::is_case(*s, *place == 1), *same))
            .collect();
        consistency::precision_recall_of(&flagged)
    };
    let listed = |i: usize| -> Listed {
        let mut l = Listed::default();
        for (s, place, same) in &sets[i].1 {
            let case = consistency::is_case(*s, *place == 1);
            let possible = !case && consistency::is_possible(*s, *place);
            l.same += usize::from(*same);
            l.cases_same += usize::from(case && *same);
            l.possible_same += usize::from(possible && *same);
            l.possible_different += usize::from(possible && !*same);
        }
        l
    };
    println!(
        "\npossible divergences (within the first {} candidates, at least {}, below the case rule)",
        consistency::POSSIBLE_PLACES,
        consistency::POSSIBLE_FLOOR
    );
    println!(
        "{:<16} {:>6} {:>12} {:>15} {:>20}",
        "set", "same", "cases: same", "listed: same", "listed: different"
    );
    for (i, (name, _)) in sets.iter().enumerate() {
        let l = listed(i);
        println!(
            "{name:<16} {:>6} {:>12} {:>15} {:>20}   recall with the list {:.2}",
            l.same,
            l.cases_same,
            l.possible_same,
            l.possible_different,
            l.recall()
        );
    }
    // The list reaches what the rule alone cannot; chosen on the tuning sets.
    for i in [0, 1] {
        assert!(listed(i).recall() >= 0.75, "{}: {:?}", sets[i].0, listed(i));
    }
    // Held-out, measured once when the list's length was chosen (0.79): a floor.
    assert!(listed(2).recall() >= 0.75, "heldout.toml: {:?}", listed(2));
    let (p, r) = at(0);
    assert!(
        p >= 0.85 && r >= 0.75,
        "pairs.toml: precision {p:.2}, recall {r:.2}"
    );
    // Held-out as measured when the rule was chosen (0.62/0.54 for the rule, 0.67/0.17 for the
    // cosine alone before): a floor against regressions. The goal (0.85/0.75) is not reached by
    // any rule measured; the README says so and why.
    let (p, r) = at(2);
    assert!(
        p >= 0.60 && r >= 0.50,
        "heldout.toml: precision {p:.2}, recall {r:.2}"
    );
}

#[test]
fn a_pair_already_decided_by_a_binding_answer_is_settled_by_it() {
    let app = TestApp::start();
    let asker_n = app.user("asker.nord@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let asker_s = app.user("asker.syd@test.se", "u-malmo-asyl", &[], Role::Caseworker);
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
    let member_s = app.user(
        "member.syd@test.se",
        "u-malmo-asyl",
        &["u-malmo-asyl"],
        Role::Caseworker,
    );
    let legal = app.user("jurist@test.se", "u-lulea-asyl", &[], Role::Legal);
    let a = ask(&app, &asker_n, A_TITLE, A_BODY);
    app.climb_to_process_forum(&ladder, a);
    let p = |action: &str| format!("/api/v1/questions/{a}/{action}");
    let binding = app
        .post(
            &p("answers"),
            &ladder,
            json!({"body": "Dopintyget räcker inte ensamt; en muntlig utredning om tron behövs.", "binding_status": "binding"}),
        )
        .status(201)["id"]
        .as_i64()
        .unwrap();
    let b = ask(&app, &asker_s, B_TITLE, B_BODY);
    let deviating = answer(
        &app,
        &member_s,
        b,
        "Ett dopintyg är tillräckligt som bevis för konverteringen.",
    );
    let list = cases(&app, &legal, 1);
    let case = list.as_array().unwrap()[0]["id"].as_i64().unwrap();
    let decide = |body: Value| {
        app.post(
            &format!("/api/v1/consistency-cases/{case}/decision"),
            &legal,
            body,
        )
    };
    let reference_a = app.get(&format!("/api/v1/questions/{a}"), &legal).ok()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    // settled names the question that decides, and only settled does.
    let r = decide(json!({"decision": "settled", "note": "Redan avgjort."}));
    assert_eq!(r.status(422)["errors"][0]["field"], "settled_by");
    let r = decide(json!({"decision": "consistent", "settled_by": reference_a, "note": "x"}));
    assert_eq!(r.status(422)["errors"][0]["field"], "settled_by");
    let r = decide(json!({"decision": "settled", "settled_by": "PS-1999-000001", "note": "x"}));
    assert_eq!(r.status(422)["errors"][0]["field"], "settled_by");
    let r = decide(json!({"decision": "settled", "settled_by": reference_a,
        "note": "Processforumets bindande svar gäller; Malmös svar ersätts."}));
    let decided = r.status(200).clone();
    assert_eq!(decided["status"], "settled");
    assert_eq!(decided["routed_question"], a);
    // The deviating answer is superseded by the binding one, with the reason as its event, and
    // its question points to the answer in force.
    let q = app
        .get(&format!("/api/v1/questions/{b}"), &legal)
        .ok()
        .clone();
    let ans = q["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == deviating)
        .unwrap()
        .clone();
    assert_eq!(ans["binding_status"], "superseded");
    assert_eq!(ans["superseded_by"], binding);
    assert_eq!(q["later_answer"]["answer_id"], binding);
    let event = q["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "binding_status_changed" && e["answer_id"] == deviating)
        .unwrap()
        .clone();
    assert_eq!(
        event["note"],
        "Processforumets bindande svar gäller; Malmös svar ersätts."
    );
    // The binding answer is untouched, and a case is decided once.
    let qa = app
        .get(&format!("/api/v1/questions/{a}"), &legal)
        .ok()
        .clone();
    assert_eq!(qa["answers"][0]["binding_status"], "binding");
    let r = decide(json!({"decision": "consistent", "note": "igen"}));
    r.status(409);
}
