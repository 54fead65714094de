//! The index is derived from the database: after kill -9, a dropped index folder, or a rebuild,
//! it converges to exactly the database's content.

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

#[test]
fn killed_servers_and_a_dropped_index_converge_to_the_database() {
    let db = TestDb::new();
    let svc = Service::open(config(&db), Clock::system()).unwrap();
    svc.add_user(&NewUserInput {
        email: "a@test.se".into(),
        name: "A".into(),
        unit: "u-lulea-asyl".into(),
        members: vec!["u-lulea-asyl".into(), "rg-nord-lulea".into()],
        role: Role::Caseworker,
        password: None,
    })
    .unwrap();
    let token = svc.create_token("a@test.se", None).unwrap();
    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));

    for round in 0..4 {
        let server = ChildServer::start(&db);
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (base, token, stop, acknowledged) = (
                server.base.clone(),
                token.clone(),
                stop.clone(),
                acknowledged.clone(),
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
                        let _ = ureq::post(&format!("{base}/api/v1/questions/{id}/escalate"))
                            .set("Authorization", &format!("Bearer {token}"))
                            .send_json(json!({"note": "upp"}));
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
    assert!(
        acknowledged.len() > 20,
        "too few writes to prove anything: {}",
        acknowledged.len()
    );
    let server = ChildServer::start(&db);
    let svc = Service::open(config(&db), Clock::system()).unwrap();
    wait_converged(&svc);
    let check = svc.check_index().unwrap();
    for id in &acknowledged {
        svc.question(&svc.actor_by_email("a@test.se").unwrap(), *id)
            .unwrap();
    }
    assert!(check.in_database >= acknowledged.len());
    assert_eq!(check.indexed, check.in_database);
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
    let mut progress = Vec::new();
    assert_eq!(app.svc.rebuild_index(&mut progress).unwrap(), 30);
    let bar = String::from_utf8(progress).unwrap();
    assert!(bar.contains("30/30"), "{bar}");
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
    svc.add_user(&NewUserInput {
        email: "a@test.se".into(),
        name: "A".into(),
        unit: "u-lulea-asyl".into(),
        members: vec![],
        role: Role::Caseworker,
        password: None,
    })
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
    let indexer = svc.start_indexer().unwrap();
    wait_converged(&svc);
    assert_eq!(svc.check_index().unwrap().indexed, 5);
    assert!(
        !index_dir.join(current.trim()).exists(),
        "the damaged generation is removed"
    );
    indexer.stop();
}
