//! The demo data replays through the real use cases on both backends.

use eskalera::service::Role;

use crate::common::TestApp;

#[test]
fn the_demo_loads_every_level_and_status() {
    let app = TestApp::start();
    let summary = app.svc.load_demo().unwrap();
    assert_eq!(summary.questions, 40);
    assert!(summary.users >= 30);
    assert_eq!(summary.tokens.len(), 4);
    assert!(
        app.svc.load_demo().is_err(),
        "the demo loads only into an empty database"
    );

    let token = &summary.tokens[0].2;
    let count = |q: &str| {
        app.get(&format!("/api/v1/questions?per_page=1{q}"), token)
            .ok()["total"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(count(""), 40);
    for status in [
        "open",
        "in_progress",
        "awaiting_info",
        "answered",
        "closed",
        "withdrawn",
        "duplicate",
    ] {
        assert!(
            count(&format!("&status={status}")) > 0,
            "no demo question is {status}"
        );
    }
    for level in [
        "unit",
        "regional_group",
        "national_group",
        "national_network",
        "process_forum",
    ] {
        assert!(
            count(&format!("&level={level}")) > 0,
            "no demo question at {level}"
        );
    }
    // Somewhere a binding answer superseded temporary support.
    let page = app.get("/api/v1/questions?level=process_forum&per_page=100", token);
    let superseded = page.ok()["items"].as_array().unwrap().iter().any(|q| {
        let d = app.get(&format!("/api/v1/questions/{}", q["id"]), token);
        d.ok()["answers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["binding_status"] == "superseded")
    });
    assert!(superseded);
    let legal = app.user("extra@test.se", "u-lulea-asyl", &[], Role::Legal);
    app.get("/api/v1/questions/1", &legal).ok();
}
