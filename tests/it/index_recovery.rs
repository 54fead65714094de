//! The index is derived from the database: after kill -9, a dropped index folder, or a rebuild,
//! it converges to exactly the database's content.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eskalera::clock::Clock;
use eskalera::service::users::NewUserInput;
use eskalera::service::{Role, Service};
use serde_json::json;

use crate::common::{config, ChildServer, TestApp, TestDb};

fn wait_converged(svc: &Service) {
    let started = Instant::now();
    loop {
        let check = svc.check_index().unwrap();
        if svc.index_lag().unwrap() == 0 && check.converged() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "index did not converge: {check:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[derive(diesel::QueryableByName)]
struct EventRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    question_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    created_at: chrono::NaiveDateTime,
}

#[derive(diesel::QueryableByName)]
struct MailRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    question_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    payload: String,
}

#[derive(diesel::QueryableByName)]
struct LevelRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    level: String,
}

/// What the rows say after the crashes: every question's events in order, and the mail for
/// the watcher (a member of both forums on the way) queued for every change it should get.
fn check_history_and_outbox(db: &TestDb, acknowledged: &[i64], escalated: &[i64]) {
    use diesel::RunQueryDsl;
    let pool = eskalera::store::connect(&db.url).unwrap();
    let mut c = pool.get().unwrap();
    let levels: BTreeMap<i64, String> =
        diesel::sql_query("SELECT id, level FROM questions ORDER BY id")
            .load::<LevelRow>(&mut **c)
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.level))
            .collect();
    for id in acknowledged {
        assert!(
            levels.contains_key(id),
            "acknowledged question {id} is lost"
        );
    }
    for id in escalated {
        assert_eq!(
            levels[id], "regional_group",
            "acknowledged escalation of {id} is lost"
        );
    }
    let mut events: BTreeMap<i64, Vec<EventRow>> = BTreeMap::new();
    for e in diesel::sql_query(
        "SELECT question_id, kind, created_at FROM events WHERE question_id IS NOT NULL ORDER BY id",
    )
    .load::<EventRow>(&mut **c)
    .unwrap()
    {
        events.entry(e.question_id).or_default().push(e);
    }
    for (id, level) in &levels {
        let kinds: Vec<&str> = events
            .get(id)
            .map(|es| es.iter().map(|e| e.kind.as_str()).collect())
            .unwrap_or_default();
        let want: &[&str] = if level == "regional_group" {
            &["submitted", "escalated"]
        } else {
            &["submitted"]
        };
        assert_eq!(kinds, want, "events of question {id}");
        let times: Vec<_> = events[id].iter().map(|e| e.created_at).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{id}: {times:?}");
    }
    let mut mails: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for m in diesel::sql_query(
        "SELECT o.question_id AS question_id, o.payload AS payload FROM outbox o \
         JOIN users u ON u.id = o.recipient_id \
         WHERE u.email = 'watcher@test.se' AND o.question_id IS NOT NULL ORDER BY o.id",
    )
    .load::<MailRow>(&mut **c)
    .unwrap()
    {
        let v: serde_json::Value = serde_json::from_str(&m.payload).unwrap();
        mails
            .entry(m.question_id)
            .or_default()
            .push(v["kind"].as_str().unwrap_or_default().to_string());
    }
    for (id, level) in &levels {
        let want: Vec<String> = if level == "regional_group" {
            vec!["submitted".into(), "escalated".into()]
        } else {
            vec!["submitted".into()]
        };
        assert_eq!(mails.get(id), Some(&want), "mail about question {id}");
    }
}

#[test]
fn killed_servers_lose_no_acknowledged_write_and_the_index_converges() {
    let db = TestDb::new();
    let svc = Service::open(config(&db), Clock::system()).unwrap();
    for email in ["a@test.se", "watcher@test.se"] {
        svc.add_user(
            &eskalera::service::Actor::operator(),
            &NewUserInput {
                email: email.into(),
                name: "A".into(),
                unit: "u-lulea-asyl".into(),
                members: vec!["u-lulea-asyl".into(), "rg-nord-lulea".into()],
                role: Role::Caseworker,
                password: None,
            },
        )
        .unwrap();
    }
    let token = svc
        .create_token(&eskalera::service::Actor::operator(), "a@test.se", None)
        .unwrap();
    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let escalated = Arc::new(Mutex::new(Vec::<i64>::new()));

    // Four rounds of a steady write load, each ended by SIGKILL; before the fourth start the
    // index folder is gone as well.
    for round in 0..4 {
        let server = ChildServer::start(&db);
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (base, token, stop, acknowledged, escalated) = (
                server.base.clone(),
                token.clone(),
                stop.clone(),
                acknowledged.clone(),
                escalated.clone(),
            );
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) && n < 400 {
                    n += 1;
                    let res = ureq::post(&format!("{base}/api/v1/questions"))
                        .set("Authorization", &format!("Bearer {token}"))
                        .send_json(json!({"title": format!("Fråga {round}-{n} om dopintyg"), "body": "Hur bedöms intyg?", "process": "asyl_forstagang"}));
                    let Ok(r) = res else { continue };
                    let v: serde_json::Value = r.into_json().unwrap();
                    let id = v["id"].as_i64().unwrap();
                    acknowledged.lock().unwrap().push(id);
                    if n % 3 == 0 {
                        let r = ureq::post(&format!("{base}/api/v1/questions/{id}/escalate"))
                            .set("Authorization", &format!("Bearer {token}"))
                            .send_json(json!({"note": "upp"}));
                        if r.is_ok() {
                            escalated.lock().unwrap().push(id);
                        }
                    }
                }
            })
        };
        std::thread::sleep(Duration::from_millis(400 + 150 * round));
        server.kill();
        stop.store(true, Ordering::SeqCst);
        writer.join().unwrap();
        if round == 2 {
            // Lose the whole index: it is rebuilt from the change log at the next start.
            std::fs::remove_dir_all(db.dir().join("data").join("index")).unwrap();
        }
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let escalated = escalated.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 20 && !escalated.is_empty(),
        "too few writes to prove anything: {} questions, {} escalations",
        acknowledged.len(),
        escalated.len()
    );
    eprintln!(
        "{} questions and {} escalations acknowledged across four kills",
        acknowledged.len(),
        escalated.len()
    );
    let server = ChildServer::start(&db);
    let svc = Service::open(config(&db), Clock::system()).unwrap();
    wait_converged(&svc);
    let check = svc.check_index().unwrap();
    let reader = svc.actor_by_email("a@test.se").unwrap();
    for id in &acknowledged {
        svc.question(&reader, *id).unwrap();
    }
    assert!(check.in_database >= acknowledged.len());
    assert_eq!(check.indexed, check.in_database);
    check_history_and_outbox(&db, &acknowledged, &escalated);
    server.kill();
}

#[test]
fn a_rebuild_switches_the_running_server_to_a_new_index() {
    let app = TestApp::start();
    let t = app.user(
        "a@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        eskalera::service::Role::Caseworker,
    );
    for i in 0..30 {
        app.ask(&t, &format!("Fråga {i} om förvar av barn"), "forvar");
    }
    wait_converged(&app.svc);
    let index_dir = app.db.dir().join("data").join("index");
    let before = std::fs::read_to_string(index_dir.join("CURRENT")).unwrap();
    #[derive(Default)]
    struct Seen(Vec<(u64, u64)>, bool);
    impl eskalera::service::progress::Progress for Seen {
        fn update(&mut self, done: u64, total: u64) {
            self.0.push((done, total));
        }
        fn finish(&mut self) {
            self.1 = true;
        }
    }
    let mut progress = Seen::default();
    assert_eq!(app.svc.rebuild_index(&mut progress).unwrap(), 30);
    assert_eq!(progress.0.last(), Some(&(30, 30)), "{:?}", progress.0);
    assert!(progress.1, "the progress was not finished");
    let after = std::fs::read_to_string(index_dir.join("CURRENT")).unwrap();
    assert_ne!(before, after);
    // The running server follows the pointer, keeps serving, and removes the old folder.
    app.ask(&t, "Fråga efter bytet om förvar", "forvar");
    let started = Instant::now();
    loop {
        let r = app.get("/api/v1/search?q=f%C3%B6rvar&per_page=1", &t);
        if r.ok()["total"] == 31 && !index_dir.join(before.trim()).exists() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no switch: {:?}",
            r.body["total"]
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_converged(&app.svc);
}

#[test]
fn an_index_that_cannot_be_opened_is_rebuilt_from_the_database() {
    let db = TestDb::new();
    let svc = Service::open(config(&db), Clock::system()).unwrap();
    svc.add_user(
        &eskalera::service::Actor::operator(),
        &NewUserInput {
            email: "a@test.se".into(),
            name: "A".into(),
            unit: "u-lulea-asyl".into(),
            members: vec![],
            role: Role::Caseworker,
            password: None,
        },
    )
    .unwrap();
    let a = svc.actor_by_email("a@test.se").unwrap();
    for i in 0..5 {
        let q = eskalera::service::questions::NewQuestionInput {
            title: Some(format!("Fråga {i} om Eritrea")),
            body: Some("Text".into()),
            process: Some("asyl_forstagang".into()),
            ..Default::default()
        };
        svc.submit(&a, &q).unwrap();
    }
    drop(svc);
    // Damage the current generation's metadata, as an older or newer schema would look.
    let index_dir = db.dir().join("data").join("index");
    let current = std::fs::read_to_string(index_dir.join("CURRENT")).unwrap();
    std::fs::write(
        index_dir.join(current.trim()).join("meta.json"),
        "{not json",
    )
    .unwrap();
    let svc = Service::open(config(&db), Clock::system()).unwrap();
    let indexer = eskalera::jobs::start_indexer(&svc).unwrap();
    wait_converged(&svc);
    assert_eq!(svc.check_index().unwrap().indexed, 5);
    assert!(
        !index_dir.join(current.trim()).exists(),
        "the damaged generation is removed"
    );
    indexer.stop();
}

/// Two writers commit out of the order their change ids were drawn in (on PostgreSQL, ids are
/// taken at insert and seen at commit). The log reader must not step past the open one: every
/// change is read once, in the order of the transactions that wrote them.
#[test]
fn a_change_committed_after_a_later_one_is_not_skipped() {
    use eskalera::store::changes::{self as cl, ChangeCursor};
    use eskalera::store::{write_tx, StoreError};
    use std::sync::mpsc;

    let db = TestDb::new();
    let pool = eskalera::store::connect(&db.url).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let (written_tx, written) = mpsc::channel();
    let (go_tx, go) = mpsc::channel::<()>();
    let first = {
        let pool = pool.clone();
        std::thread::spawn(move || {
            let mut c = pool.get().unwrap();
            write_tx(&mut c, |c| {
                cl::record_change(c, 101, now)?;
                written_tx.send(()).unwrap();
                go.recv().unwrap();
                Ok::<_, StoreError>(())
            })
            .unwrap();
        })
    };
    written.recv().unwrap();
    let second = {
        let pool = pool.clone();
        std::thread::spawn(move || {
            let mut c = pool.get().unwrap();
            write_tx(&mut c, |c| cl::record_change(c, 102, now)).unwrap();
        })
    };
    let mut reader = pool.get().unwrap();
    let mut seen = Vec::new();
    let mut cursor = ChangeCursor::default();
    if crate::common::postgres_admin_url().is_some() {
        // PostgreSQL commits the second writer while the first is open (SQLite queues it).
        second.join().unwrap();
        let early = cl::changes_after(&mut reader, cursor, 100).unwrap();
        assert!(
            early.is_empty(),
            "the reader took {early:?} while an earlier change was uncommitted"
        );
        first_done(go_tx, first);
    } else {
        first_done(go_tx, first);
        second.join().unwrap();
    }
    // Other tests' transactions on the same server hold the horizon back for a moment (it is
    // the oldest running transaction of the whole server), so the reader polls, as the
    // indexer does.
    let started = Instant::now();
    while seen.len() < 2 && started.elapsed() < Duration::from_secs(10) {
        for (position, question) in cl::changes_after(&mut reader, cursor, 100).unwrap() {
            assert!(position > cursor);
            cursor = position;
            seen.push(question);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(seen, [101, 102]);
    assert!(cl::changes_after(&mut reader, cursor, 100)
        .unwrap()
        .is_empty());
    assert_eq!(cl::changes_pending(&mut reader, cursor).unwrap(), 0);
}

fn first_done(go: std::sync::mpsc::Sender<()>, first: std::thread::JoinHandle<()>) {
    go.send(()).unwrap();
    first.join().unwrap();
}
