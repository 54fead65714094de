//! The access-control matrix: every role against every endpoint that reads or changes
//! something, with the status each cell must give. A fresh question in the state the action
//! needs is made for every cell, so that a cell that wrongly succeeds cannot hide another.

use chrono::{Duration, Utc};
use eskalera::clock::Clock;
use eskalera::service::Role;
use serde_json::{json, Value};

use crate::common::TestApp;

const UNIT: &str = "u-lulea-asyl";
const OTHER: &str = "u-malmo-asyl";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Asker,
    Member,
    OtherMember,
    Legal,
    Admin,
    SignedOut,
    Expired,
    Revoked,
}

const ALL: [Who; 8] = [
    Who::Asker,
    Who::Member,
    Who::OtherMember,
    Who::Legal,
    Who::Admin,
    Who::SignedOut,
    Who::Expired,
    Who::Revoked,
];

/// The state a question must be in before the action.
#[derive(Clone, Copy, Debug)]
enum Before {
    Nothing,
    Open,
    InProgress,
    AwaitingInfo,
    Answered,
}

struct World {
    app: TestApp,
    asker: String,
    member: String,
    other: String,
    legal: String,
    admin: String,
    expired: String,
    revoked: String,
}

impl World {
    fn new() -> World {
        let app = TestApp::start();
        let asker = app.user("asker@test.se", UNIT, &[], Role::Caseworker);
        let member = app.user("member@test.se", UNIT, &[UNIT], Role::Caseworker);
        let other = app.user("other@test.se", OTHER, &[OTHER], Role::Caseworker);
        let legal = app.user("legal@test.se", UNIT, &[], Role::Legal);
        let admin = app.user("admin@test.se", UNIT, &[], Role::Admin);
        app.user("gone@test.se", UNIT, &[UNIT], Role::Legal);
        let past = Clock::starting_at(Utc::now() - Duration::days(10));
        let expired = app
            .svc
            .with_clock(past)
            .create_token(
                &eskalera::service::Actor::operator(),
                "gone@test.se",
                Some(1),
            )
            .unwrap();
        app.user("revoked@test.se", UNIT, &[UNIT], Role::Legal);
        let revoked = app.token("revoked@test.se");
        app.svc
            .revoke_tokens(&eskalera::service::Actor::operator(), "revoked@test.se")
            .unwrap();
        World {
            app,
            asker,
            member,
            other,
            legal,
            admin,
            expired,
            revoked,
        }
    }

    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Who::Asker => Some(&self.asker),
            Who::Member => Some(&self.member),
            Who::OtherMember => Some(&self.other),
            Who::Legal => Some(&self.legal),
            Who::Admin => Some(&self.admin),
            Who::SignedOut => None,
            Who::Expired => Some(&self.expired),
            Who::Revoked => Some(&self.revoked),
        }
    }

    /// A new question in state `before`; returns (question id, answer id if answered).
    fn question(&self, before: Before) -> (i64, i64) {
        let app = &self.app;
        if matches!(before, Before::Nothing) {
            return (0, 0);
        }
        let id = app.ask(
            &self.asker,
            "Fråga för behörighetsmatrisen",
            "asyl_forstagang",
        );
        let path = |a: &str| format!("/api/v1/questions/{id}/{a}");
        let mut answer = 0;
        match before {
            Before::InProgress => {
                app.post(&path("claim"), &self.member, json!({})).ok();
            }
            Before::AwaitingInfo => {
                app.post(&path("claim"), &self.member, json!({})).ok();
                app.post(
                    &path("request-info"),
                    &self.member,
                    json!({"note": "Vilket land?"}),
                )
                .ok();
            }
            Before::Answered => {
                let r = app.post(
                    &path("answers"),
                    &self.member,
                    json!({"body": "Svar.", "binding_status": "guidance"}),
                );
                answer = r.status(201)["id"].as_i64().unwrap();
            }
            _ => {}
        }
        (id, answer)
    }
}

struct Cell {
    what: &'static str,
    method: &'static str,
    path: &'static str,
    body: Value,
    before: Before,
    /// Status for Asker, Member, OtherMember, Legal, Admin; the three without a valid token
    /// always get 401.
    expect: [u16; 5],
}

fn cells() -> Vec<Cell> {
    let c = |what, method, path, body: Value, before, expect| Cell {
        what,
        method,
        path,
        body,
        before,
        expect,
    };
    vec![
        // Reads: everyone signed in reads everything; reports and cases are for legal and admin.
        c(
            "list questions",
            "GET",
            "/api/v1/questions",
            Value::Null,
            Before::Open,
            [200; 5],
        ),
        c(
            "read a question",
            "GET",
            "/api/v1/questions/{id}",
            Value::Null,
            Before::Open,
            [200; 5],
        ),
        c(
            "search",
            "GET",
            "/api/v1/search?q=fråga",
            Value::Null,
            Before::Nothing,
            [200; 5],
        ),
        c(
            "similar",
            "GET",
            "/api/v1/questions/similar?title=fråga",
            Value::Null,
            Before::Nothing,
            [200; 5],
        ),
        c(
            "forums",
            "GET",
            "/api/v1/forums",
            Value::Null,
            Before::Nothing,
            [200; 5],
        ),
        c(
            "units",
            "GET",
            "/api/v1/units",
            Value::Null,
            Before::Nothing,
            [200; 5],
        ),
        c(
            "processes",
            "GET",
            "/api/v1/processes",
            Value::Null,
            Before::Nothing,
            [200; 5],
        ),
        c(
            "categories",
            "GET",
            "/api/v1/categories",
            Value::Null,
            Before::Nothing,
            [200; 5],
        ),
        c(
            "own preferences",
            "GET",
            "/api/v1/me/preferences",
            Value::Null,
            Before::Nothing,
            [200; 5],
        ),
        c(
            "SLA report",
            "GET",
            "/api/v1/reports/sla",
            Value::Null,
            Before::Nothing,
            [403, 403, 403, 200, 200],
        ),
        c(
            "backlog",
            "GET",
            "/api/v1/reports/backlog",
            Value::Null,
            Before::Nothing,
            [403, 403, 403, 200, 200],
        ),
        c(
            "consistency cases",
            "GET",
            "/api/v1/consistency-cases",
            Value::Null,
            Before::Nothing,
            [403, 403, 403, 200, 200],
        ),
        // Changes.
        c(
            "submit",
            "POST",
            "/api/v1/questions",
            json!({"title": "Ny fråga", "body": "Text", "process": "asyl_forstagang"}),
            Before::Nothing,
            [201; 5],
        ),
        c(
            "set preferences",
            "PUT",
            "/api/v1/me/preferences",
            json!({"mail": "digest"}),
            Before::Nothing,
            [200; 5],
        ),
        c(
            "follow",
            "POST",
            "/api/v1/questions/{id}/follow",
            json!({}),
            Before::Open,
            [204; 5],
        ),
        c(
            "unfollow",
            "DELETE",
            "/api/v1/questions/{id}/follow",
            Value::Null,
            Before::Open,
            [204; 5],
        ),
        c(
            "claim",
            "POST",
            "/api/v1/questions/{id}/claim",
            json!({}),
            Before::Open,
            [403, 200, 403, 200, 403],
        ),
        c(
            "assign",
            "POST",
            "/api/v1/questions/{id}/assign",
            json!({"assignee": "member@test.se"}),
            Before::Open,
            [403, 200, 403, 200, 403],
        ),
        c(
            "request info",
            "POST",
            "/api/v1/questions/{id}/request-info",
            json!({"note": "Mer?"}),
            Before::InProgress,
            [403, 200, 403, 403, 403],
        ),
        c(
            "provide info",
            "POST",
            "/api/v1/questions/{id}/provide-info",
            json!({"note": "Här."}),
            Before::AwaitingInfo,
            [200, 403, 403, 403, 403],
        ),
        c(
            "answer",
            "POST",
            "/api/v1/questions/{id}/answers",
            json!({"body": "Svar", "binding_status": "guidance"}),
            Before::Open,
            [403, 201, 403, 403, 403],
        ),
        c(
            "escalate",
            "POST",
            "/api/v1/questions/{id}/escalate",
            json!({"note": "Upp"}),
            Before::Open,
            [403, 200, 403, 403, 403],
        ),
        c(
            "duplicate",
            "POST",
            "/api/v1/questions/{id}/duplicate",
            json!({"of": 1}),
            Before::Open,
            [403, 200, 403, 403, 403],
        ),
        c(
            "withdraw",
            "POST",
            "/api/v1/questions/{id}/withdraw",
            json!({}),
            Before::Open,
            [200, 403, 403, 403, 403],
        ),
        c(
            "close",
            "POST",
            "/api/v1/questions/{id}/close",
            json!({}),
            Before::Answered,
            [200, 200, 403, 200, 403],
        ),
        c(
            "reopen",
            "POST",
            "/api/v1/questions/{id}/reopen",
            json!({"note": "Igen"}),
            Before::Answered,
            [200, 200, 403, 403, 403],
        ),
        c(
            "binding status",
            "POST",
            "/api/v1/answers/{answer}/binding-status",
            json!({"binding_status": "withdrawn", "note": "Fel"}),
            Before::Answered,
            [403, 200, 403, 200, 403],
        ),
        // No case exists: legal gets as far as 404, everyone else is stopped at the door.
        c(
            "decide a case",
            "POST",
            "/api/v1/consistency-cases/999999/decision",
            json!({"decision": "consistent", "note": "Lika"}),
            Before::Nothing,
            [403, 403, 403, 404, 403],
        ),
    ]
}

#[test]
fn every_role_against_every_endpoint() {
    let w = World::new();
    // The question that `duplicate` points at.
    let first = w.question(Before::Open).0;
    let mut wrong = Vec::new();
    let mut count = 0;
    for cell in cells() {
        for (i, who) in ALL.iter().enumerate() {
            let (id, answer) = w.question(cell.before);
            let path = cell
                .path
                .replace("{id}", &id.to_string())
                .replace("{answer}", &answer.to_string());
            let mut body = cell.body.clone();
            if cell.what == "duplicate" {
                body = json!({"of": first});
            }
            let body = (!body.is_null()).then_some(body);
            let r = w
                .app
                .request(cell.method, &path, w.token(*who), body.as_ref(), &[]);
            let expected = cell.expect.get(i).copied().unwrap_or(401);
            count += 1;
            if r.status != expected {
                wrong.push(format!(
                    "{} as {who:?}: {} (expected {expected}): {}",
                    cell.what, r.status, r.body
                ));
            }
            if r.status >= 400 {
                assert_eq!(
                    r.content_type, "application/problem+json",
                    "{} as {who:?}",
                    cell.what
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {count} cells are wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
