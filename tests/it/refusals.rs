//! Every refused step answers with the right status and a reason a person can act on.

use eskalera::service::Role;
use serde_json::{json, Value};

use crate::common::TestApp;

struct World {
    app: TestApp,
    asker: String,
    member: String,
    stranger: String,
    legal: String,
    network: String,
}

fn world() -> World {
    let app = TestApp::start();
    World {
        asker: app.user("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker),
        member: app.user(
            "member@test.se",
            "u-lulea-asyl",
            &["u-lulea-asyl"],
            Role::Caseworker,
        ),
        stranger: app.user(
            "stranger@test.se",
            "u-umea-asyl",
            &["u-umea-asyl"],
            Role::Caseworker,
        ),
        legal: app.user("legal@test.se", "u-lulea-asyl", &[], Role::Legal),
        network: app.user(
            "nn@test.se",
            "u-lulea-asyl",
            &["nn-landinfo"],
            Role::Caseworker,
        ),
        app,
    }
}

impl World {
    #[track_caller]
    fn expect(
        &self,
        id: i64,
        action: &str,
        token: &str,
        body: Value,
        status: u16,
        reason: &str,
    ) -> Value {
        let r = self
            .app
            .post(&format!("/api/v1/questions/{id}/{action}"), token, body);
        let b = r.status(status).clone();
        let text = b.to_string();
        assert!(
            text.contains(reason),
            "{action}: expected a reason mentioning '{reason}', got {text}"
        );
        b
    }

    fn ask(&self) -> i64 {
        self.app
            .ask(&self.asker, "En fråga om trovärdighet", "asyl_forstagang")
    }
}

#[test]
fn claim_assign_and_request_info() {
    let w = world();
    let id = w.ask();
    w.expect(
        id,
        "claim",
        &w.stranger,
        json!({}),
        403,
        "members of the forum",
    );
    w.expect(
        id,
        "claim",
        &w.asker,
        json!({}),
        403,
        "members of the forum",
    );
    w.expect(
        id,
        "assign",
        &w.asker,
        json!({"assignee": "member@test.se"}),
        403,
        "assign",
    );
    w.expect(id, "assign", &w.member, json!({}), 422, "assignee");
    w.expect(
        id,
        "assign",
        &w.member,
        json!({"assignee": "nobody@test.se"}),
        422,
        "no user",
    );
    w.expect(
        id,
        "request-info",
        &w.member,
        json!({"note": "Mer?"}),
        409,
        "open",
    );
    // The legal department may claim anywhere.
    w.expect(id, "claim", &w.legal, json!({}), 200, "in_progress");
    w.expect(id, "claim", &w.member, json!({}), 409, "in_progress");
    w.expect(id, "request-info", &w.member, json!({}), 422, "note");
    w.expect(
        id,
        "request-info",
        &w.member,
        json!({"note": "  "}),
        422,
        "note",
    );
    w.expect(
        id,
        "request-info",
        &w.legal,
        json!({"note": "Mer?"}),
        403,
        "members of the forum",
    );
    w.expect(
        id,
        "request-info",
        &w.member,
        json!({"note": "Mer?"}),
        200,
        "awaiting_info",
    );
    w.expect(
        id,
        "provide-info",
        &w.member,
        json!({"note": "Här"}),
        403,
        "only the asker",
    );
    w.expect(
        id,
        "escalate",
        &w.member,
        json!({"note": "Upp"}),
        409,
        "awaiting_info",
    );
    w.expect(id, "answers", &w.member, json!({}), 422, "body");
    w.expect(
        id,
        "provide-info",
        &w.asker,
        json!({"note": "Här"}),
        200,
        "in_progress",
    );
    w.expect(
        id,
        "provide-info",
        &w.asker,
        json!({"note": "Igen"}),
        409,
        "in_progress",
    );
}

#[test]
fn answers_and_their_binding_status() {
    let w = world();
    let id = w.ask();
    let answers = format!("/api/v1/questions/{id}/answers");
    let r = w.app.post(
        &answers,
        &w.legal,
        json!({"body": "Svar", "binding_status": "guidance"}),
    );
    assert!(r.status(403)["detail"].as_str().unwrap().contains("answer"));
    let r = w.app.post(
        &answers,
        &w.member,
        json!({"body": "Svar", "binding_status": "temporary", "review_date": "2099-01-01"}),
    );
    assert!(r.status(422)["detail"]
        .as_str()
        .unwrap()
        .contains("may not issue temporary"));
    let r = w.app.post(
        &answers,
        &w.member,
        json!({"body": "Svar", "binding_status": "superseded"}),
    );
    assert_eq!(r.status(422)["errors"][0]["field"], "binding_status");
    let r = w.app.post(
        &answers,
        &w.member,
        json!({"body": "Svar", "binding_status": "guidance", "review_date": "2099-01-01"}),
    );
    assert_eq!(r.status(422)["errors"][0]["field"], "review_date");
    let r = w.app.post(
        &answers,
        &w.member,
        json!({"body": "", "binding_status": "bindande", "references": [""]}),
    );
    let fields: Vec<&str> = r.status(422)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["body", "references[0]", "binding_status"]);
    let r = w.app.post(
        &answers,
        &w.member,
        json!({"body": "Vägledning.", "binding_status": "guidance"}),
    );
    let answer = r.status(201)["id"].as_i64().unwrap();
    let r = w.app.post(
        &answers,
        &w.member,
        json!({"body": "Igen", "binding_status": "guidance"}),
    );
    r.status(409);

    let bs = format!("/api/v1/answers/{answer}/binding-status");
    let r = w.app.post(
        &bs,
        &w.stranger,
        json!({"binding_status": "withdrawn", "note": "x"}),
    );
    assert!(r.status(403)["detail"]
        .as_str()
        .unwrap()
        .contains("binding status"));
    let r = w.app.post(
        &bs,
        &w.member,
        json!({"binding_status": "binding", "note": "x"}),
    );
    assert!(r.status(409)["detail"]
        .as_str()
        .unwrap()
        .contains("guidance"));
    let r = w.app.post(
        &bs,
        &w.member,
        json!({"binding_status": "superseded", "note": "x"}),
    );
    assert_eq!(r.status(422)["errors"][0]["field"], "superseded_by");
    let r = w.app.post(
        &bs,
        &w.member,
        json!({"binding_status": "superseded", "superseded_by": answer, "note": "x"}),
    );
    assert!(r.status(422)["detail"]
        .as_str()
        .unwrap()
        .contains("not later"));
    let r = w
        .app
        .post(&bs, &w.member, json!({"binding_status": "withdrawn"}));
    assert_eq!(r.status(422)["errors"][0]["field"], "note");
    w.app
        .post(
            "/api/v1/answers/99999/binding-status",
            &w.member,
            json!({"binding_status": "withdrawn", "note": "x"}),
        )
        .status(404);
    let r = w.app.post(
        &bs,
        &w.legal,
        json!({"binding_status": "withdrawn", "note": "Fel svar."}),
    );
    assert_eq!(r.status(200)["binding_status"], "withdrawn");
    let r = w.app.post(
        &bs,
        &w.member,
        json!({"binding_status": "withdrawn", "note": "Igen."}),
    );
    assert!(r.status(409)["detail"]
        .as_str()
        .unwrap()
        .contains("already withdrawn"));
}

#[test]
fn a_network_cannot_make_its_temporary_answer_binding() {
    let w = world();
    let svc = &w.app.svc;
    let id = w.ask();
    let member = svc.actor_by_email("member@test.se").unwrap();
    svc.escalate(
        &member,
        id,
        &eskalera::service::questions::EscalateInput {
            note: Some("upp".into()),
            to_forum: None,
        },
        None,
    )
    .unwrap();
    let rg = w.app.user(
        "rg@test.se",
        "u-lulea-asyl",
        &["rg-nord-lulea"],
        Role::Caseworker,
    );
    w.expect(
        id,
        "escalate",
        &rg,
        json!({"note": "upp"}),
        200,
        "national_group",
    );
    let ng = w.app.user(
        "ng@test.se",
        "u-lulea-asyl",
        &["ng-asyl-forstagang"],
        Role::Caseworker,
    );
    w.expect(
        id,
        "escalate",
        &ng,
        json!({"note": "upp", "to_forum": "pf-asyl"}),
        422,
        "is not one of",
    );
    w.expect(
        id,
        "escalate",
        &ng,
        json!({"note": "upp", "to_forum": "nn-landinfo"}),
        200,
        "national_network",
    );
    let r = w.app.post(
        &format!("/api/v1/questions/{id}/answers"),
        &w.network,
        json!({"body": "Tillfälligt", "binding_status": "temporary"}),
    );
    assert_eq!(r.status(422)["errors"][0]["field"], "review_date");
    let r = w.app.post(
        &format!("/api/v1/questions/{id}/answers"),
        &w.network,
        json!({"body": "Tillfälligt", "binding_status": "temporary", "review_date": "2001-01-01"}),
    );
    assert!(r.status(422)["detail"].as_str().unwrap().contains("future"));
    let r = w.app.post(
        &format!("/api/v1/questions/{id}/answers"),
        &w.network,
        json!({"body": "Tillfälligt", "binding_status": "temporary", "review_date": "2099-01-01"}),
    );
    let answer = r.status(201)["id"].as_i64().unwrap();
    let r = w.app.post(
        &format!("/api/v1/answers/{answer}/binding-status"),
        &w.network,
        json!({"binding_status": "binding", "note": "x"}),
    );
    assert!(r.status(403)["detail"]
        .as_str()
        .unwrap()
        .contains("may issue binding"));
}

#[test]
fn close_withdraw_reopen_and_duplicate() {
    let w = world();
    let id = w.ask();
    w.expect(id, "close", &w.asker, json!({}), 409, "open");
    w.expect(id, "withdraw", &w.member, json!({}), 403, "only the asker");
    w.expect(id, "reopen", &w.asker, json!({"note": "igen"}), 409, "open");
    w.expect(id, "reopen", &w.asker, json!({}), 422, "note");
    w.expect(id, "duplicate", &w.member, json!({}), 422, "of");
    w.expect(id, "duplicate", &w.member, json!({"of": id}), 422, "itself");
    w.expect(
        id,
        "duplicate",
        &w.member,
        json!({"of": 424242}),
        422,
        "no question",
    );
    w.expect(
        id,
        "duplicate",
        &w.asker,
        json!({"of": 424242}),
        403,
        "members of the forum",
    );
    w.expect(id, "escalate", &w.member, json!({}), 422, "note");
    w.expect(
        id,
        "escalate",
        &w.asker,
        json!({"note": "upp"}),
        403,
        "members of the forum",
    );
    w.expect(
        id,
        "escalate",
        &w.member,
        json!({"note": "upp", "to_forum": "nn-landinfo"}),
        422,
        "not a parent",
    );
    let r = w.app.post(
        &format!("/api/v1/questions/{id}/answers"),
        &w.member,
        json!({"body": "Svar", "binding_status": "guidance"}),
    );
    r.status(201);
    w.expect(
        id,
        "escalate",
        &w.member,
        json!({"note": "upp"}),
        409,
        "temporary",
    );
    w.expect(id, "withdraw", &w.asker, json!({}), 409, "answered");
    w.expect(id, "close", &w.stranger, json!({}), 403, "close");
    w.expect(
        id,
        "reopen",
        &w.stranger,
        json!({"note": "x"}),
        403,
        "reopen",
    );
    w.expect(
        id,
        "close",
        &w.member,
        json!({"note": "Klart."}),
        200,
        "closed",
    );
    w.expect(id, "close", &w.asker, json!({}), 409, "closed");
    w.expect(
        id,
        "reopen",
        &w.member,
        json!({"note": "Ny omständighet."}),
        200,
        "in_progress",
    );
    w.expect(424242, "claim", &w.member, json!({}), 404, "no question");
}

#[test]
fn stale_versions_and_unknown_callers() {
    let w = world();
    let id = w.ask();
    let r = w.app.get(&format!("/api/v1/questions/{id}"), &w.member);
    assert_eq!(r.etag.as_deref(), Some("\"1\""));
    let path = format!("/api/v1/questions/{id}/claim");
    let r = w.app.request(
        "POST",
        &path,
        Some(&w.member),
        None,
        &[("If-Match", "\"7\"")],
    );
    assert!(r.status(409)["detail"]
        .as_str()
        .unwrap()
        .contains("changed by someone else"));
    let r = w.app.request(
        "POST",
        &path,
        Some(&w.member),
        None,
        &[("If-Match", "tomorrow")],
    );
    r.status(400);
    let r = w.app.request(
        "POST",
        &path,
        Some(&w.member),
        None,
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(r.status(200)["version"], 2);

    w.app
        .request("GET", "/api/v1/questions", None, None, &[])
        .status(401);
    w.app
        .request("GET", "/api/v1/questions", Some("not-a-token"), None, &[])
        .status(401);
    w.app
        .request(
            "GET",
            "/api/v1/questions",
            None,
            None,
            &[("Authorization", "Basic eDp5")],
        )
        .status(401);
    w.app
        .svc
        .revoke_tokens(&eskalera::service::Actor::operator(), "stranger@test.se")
        .unwrap();
    w.app.get("/api/v1/questions", &w.stranger).status(401);
    let short = w
        .app
        .svc
        .create_token(
            &eskalera::service::Actor::operator(),
            "asker@test.se",
            Some(1),
        )
        .unwrap();
    w.app.get("/api/v1/questions", &short).ok();
    let later = w
        .app
        .svc
        .with_clock(w.app.svc.clock().shifted(chrono::Duration::days(2)));
    assert!(
        later.authenticate_token(&short).is_err(),
        "an expired token is refused"
    );
}
