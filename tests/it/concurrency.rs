//! Concurrent changes to one question: one wins, the other gets 409, and no event is lost.

use std::sync::{Arc, Barrier};

use eskalera::service::Role;
use serde_json::json;

use crate::common::TestApp;

#[test]
fn two_concurrent_escalations_one_wins_one_conflicts() {
    let app = Arc::new(TestApp::start());
    let asker = app.user("a@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let m1 = app.user(
        "m1@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let m2 = app.user(
        "m2@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    for round in 0..8 {
        let id = app.ask(&asker, &format!("Fråga {round}"), "asyl_forstagang");
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = [m1.clone(), m2.clone()]
            .into_iter()
            .map(|token| {
                let (app, barrier) = (app.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    app.request(
                        "POST",
                        &format!("/api/v1/questions/{id}/escalate"),
                        Some(&token),
                        Some(&json!({"note": "Vi lyfter frågan."})),
                        &[("If-Match", "\"1\"")],
                    )
                })
            })
            .collect();
        let mut statuses: Vec<u16> = handles
            .into_iter()
            .map(|h| h.join().unwrap().status)
            .collect();
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}");
        let q = app.get(&format!("/api/v1/questions/{id}"), &asker);
        let q = q.ok();
        let kinds: Vec<&str> = q["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["submitted", "escalated"], "round {round}");
        assert_eq!(q["version"], 2);
        assert_eq!(q["stages"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn concurrent_claims_without_versions_still_admit_exactly_one() {
    let app = Arc::new(TestApp::start());
    let asker = app.user("a@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let members: Vec<String> = (0..4)
        .map(|i| {
            app.user(
                &format!("m{i}@test.se"),
                "u-lulea-asyl",
                &["u-lulea-asyl"],
                Role::Caseworker,
            )
        })
        .collect();
    for round in 0..5 {
        let id = app.ask(&asker, &format!("Fråga {round}"), "asyl_forstagang");
        let barrier = Arc::new(Barrier::new(members.len()));
        let handles: Vec<_> = members
            .iter()
            .cloned()
            .map(|token| {
                let (app, barrier) = (app.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    app.post(&format!("/api/v1/questions/{id}/claim"), &token, json!({}))
                        .status
                })
            })
            .collect();
        let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 409),
            "{statuses:?}"
        );
        let q = app.get(&format!("/api/v1/questions/{id}"), &asker);
        let claimed = q.ok()["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "claimed")
            .count();
        assert_eq!(claimed, 1);
    }
}
