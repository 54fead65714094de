//! Lists that grow with the data, a page at a time: a forum's queue and the overdue list of the
//! API. By function:
//! the page size, the total of the whole list, and a stable order in which no row is on two
//! pages and none is missing; pages that do not exist are refused in words, never a 500.
//!
//! "Now" is a Saturday noon: no working time passes while a test runs, so every question's
//! SLA state is the same in every request and the pages can be compared with each other.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use eskalera::clock::Clock;
use eskalera::service::questions::{AnswerInput, NewQuestionInput, NoteInput};
use eskalera::service::{Actor, Role, Service};
use serde_json::Value;

use crate::common::TestApp;
use crate::web::{Client, PASSWORD};

const UNIT: &str = "u-lulea-asyl";
const QUEUE_PAGE: usize = 50;

fn saturday_noon() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-15T12:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc)
}

/// The service as it was `hours` ago, to write history.
fn at(app: &TestApp, hours: f64) -> Service {
    app.svc.with_clock(
        app.svc
            .clock()
            .shifted(-Duration::seconds((hours * 3600.0) as i64)),
    )
}

fn ask(svc: &Service, asker: &Actor, title: &str, urgent: bool) -> i64 {
    svc.submit(
        asker,
        &NewQuestionInput {
            title: Some(title.into()),
            body: Some("Hur ska vi bedöma detta i ärendena?".into()),
            process: Some("asyl_forstagang".into()),
            priority: Some(if urgent { "urgent" } else { "normal" }.into()),
            urgent_reason: urgent.then(|| "Tidsfrist i ärendet".to_string()),
            ..Default::default()
        },
    )
    .unwrap()
    .question
    .id
}

/// The questions of a unit's queue, waiting for between an hour and ten days: urgent and
/// normal, claimed (a first response), sent back to the asker (paused), answered (no longer
/// waiting), twelve with the same creation time and stage entry (ties, decided by id), and
/// overdue questions at another unit that no list of this unit may show.
struct Filled {
    app: TestApp,
    asker_token: String,
    member_token: String,
}

fn fill_queue(n: usize) -> Filled {
    let app = TestApp::start_with_clock(Clock::starting_at(saturday_noon()));
    let asker_token = app.user("asker@test.se", UNIT, &[], Role::Caseworker);
    app.user_with_password("member@test.se", UNIT, &[UNIT], Role::Caseworker, PASSWORD);
    let member_token = app.svc.create_token("member@test.se", None).unwrap();
    app.user("other@test.se", "u-umea-asyl", &[], Role::Caseworker);
    let asker = app.svc.actor_by_email("asker@test.se").unwrap();
    let member = app.svc.actor_by_email("member@test.se").unwrap();
    let elsewhere = app.svc.actor_by_email("other@test.se").unwrap();
    let mut ties = Vec::new();
    for i in 0..n {
        // Some claimed ones since Wednesday morning: 2.25 to 3 working days used, at risk.
        let age = if i % 5 == 1 && i % 3 == 0 {
            70.0 + (i % 10) as f64
        } else {
            1.0 + ((i * 37) % 230) as f64
        };
        let id = ask(
            &at(&app, age),
            &asker,
            &format!("Fråga nummer {i}"),
            i % 7 == 0,
        );
        if i % 5 == 1 || i % 11 == 2 {
            at(&app, age - 0.5).claim(&member, id, None).unwrap();
        }
        if i % 11 == 2 {
            at(&app, age - 0.75)
                .request_info(
                    &member,
                    id,
                    &NoteInput {
                        note: Some("Vilket land gäller det?".into()),
                    },
                    None,
                )
                .unwrap();
        }
        if i % 13 == 3 && i % 11 != 2 {
            at(&app, age - 0.9)
                .answer(
                    &member,
                    id,
                    &AnswerInput {
                        body: Some("Bedöm det utifrån praxis.".into()),
                        binding_status: Some("guidance".into()),
                        ..Default::default()
                    },
                    None,
                )
                .unwrap();
        }
        if i % 10 == 4 {
            ties.push(id);
        }
    }
    for i in 0..6 {
        ask(
            &at(&app, 100.0 + i as f64),
            &elsewhere,
            "Fråga vid en annan enhet",
            false,
        );
    }
    // The same creation time and stage entry (Thursday 20:00) for a dozen questions.
    let tie = (saturday_noon() - Duration::hours(40)).naive_utc();
    set_times(&app, &ties, tie);
    Filled {
        app,
        asker_token,
        member_token,
    }
}

fn set_times(app: &TestApp, ids: &[i64], t: NaiveDateTime) {
    use diesel::prelude::*;
    use eskalera::store::schema::{questions, stages};
    let pool = eskalera::store::connect(&app.db.url).unwrap();
    let mut c = pool.get().unwrap();
    diesel::update(questions::table.filter(questions::id.eq_any(ids)))
        .set(questions::created_at.eq(t))
        .execute(&mut **c)
        .unwrap();
    diesel::update(
        stages::table
            .filter(stages::question_id.eq_any(ids))
            .filter(stages::seq.eq(1)),
    )
    .set(stages::entered_at.eq(t))
    .execute(&mut **c)
    .unwrap();
}

/// Every item of an API list, page by page.
fn all_items(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let r = app.get(
            &format!("/api/v1/questions?{query}&per_page=100&page={page}"),
            token,
        );
        let items = r.ok()["items"].as_array().unwrap().clone();
        let total = r.body["total"].as_u64().unwrap() as usize;
        out.extend(items);
        if out.len() >= total {
            break;
        }
    }
    out
}

fn time_of(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn state(q: &Value) -> &str {
    q["sla"]["state"].as_str().unwrap_or("")
}

/// The queue's order, from each question's own SLA state as the API reports it.
fn queue_key(q: &Value) -> (u8, bool, DateTime<Utc>, i64) {
    let rank = match state(q) {
        "overdue" => 0,
        "at_risk" => 1,
        _ => 2,
    };
    (
        rank,
        q["priority"] != "urgent",
        time_of(&q["created_at"]),
        q["id"].as_i64().unwrap(),
    )
}

/// A page's HTML with the entities tera writes into attribute values undone, so that links
/// can be compared as written.
fn decoded(body: &str) -> String {
    body.replace("&#x2F;", "/").replace("&amp;", "&")
}

/// Question ids in the order their rows appear on an HTML page.
fn ids_on(body: &str) -> Vec<i64> {
    body.split("<a href=\"/fragor/")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

#[test]
fn the_queue_pages_in_working_order_with_counts_for_the_whole_forum() {
    let f = fill_queue(120);
    let app = &f.app;
    let mut expected = all_items(
        app,
        &f.member_token,
        &format!("forum={UNIT}&status=open,in_progress,awaiting_info"),
    );
    expected.sort_by_key(queue_key);
    let expected_ids: Vec<i64> = expected.iter().map(|q| q["id"].as_i64().unwrap()).collect();
    let overdue = expected.iter().filter(|q| state(q) == "overdue").count();
    let at_risk = expected.iter().filter(|q| state(q) == "at_risk").count();
    // The data has every case the order distinguishes, and ties only the id can break.
    assert!(expected.len() > 100, "{}", expected.len());
    assert!(
        overdue > 0 && at_risk > 0,
        "{overdue} overdue, {at_risk} at risk"
    );
    assert!(expected.iter().any(|q| state(q) == "on_track"));
    assert!(expected.iter().any(|q| q["priority"] == "urgent"));
    assert!(expected.iter().any(|q| q["status"] == "awaiting_info"));
    assert!(expected.windows(2).any(|w| {
        let (a, b) = (queue_key(&w[0]), queue_key(&w[1]));
        (a.0, a.1, a.2) == (b.0, b.1, b.2)
    }));

    let mut c = Client::new(app);
    c.sign_in("member@test.se", PASSWORD);
    let pages = expected.len().div_ceil(QUEUE_PAGE);
    let mut seen = Vec::new();
    for n in 1..=pages {
        let p = c.get(&format!("/ko?forum={UNIT}&sida={n}"));
        assert_eq!(p.status, 200, "{}", p.body);
        let ids = ids_on(&p.body);
        let want = if n < pages {
            QUEUE_PAGE
        } else {
            expected.len() - QUEUE_PAGE * (pages - 1)
        };
        assert_eq!(ids.len(), want, "page {n}");
        // The heading counts the whole forum, on every page.
        assert!(
            p.body.contains(&format!(
                "{} väntar, {overdue} försenade, {at_risk} riskerar att bli försenade",
                expected.len()
            )),
            "page {n}"
        );
        assert!(p.body.contains(&format!("Sida {n} av {pages}")));
        assert!(p
            .body
            .contains("<nav class=\"pagination\" aria-label=\"Sidor i kön hos "));
        assert_eq!(p.body.contains("rel=\"prev\""), n > 1);
        assert_eq!(p.body.contains("rel=\"next\""), n < pages);
        seen.extend(ids);
    }
    assert_eq!(seen, expected_ids, "every waiting question once, in order");
    // The same page again: the same rows (page= is accepted for sida=).
    let again = c.get(&format!("/ko?forum={UNIT}&page=2"));
    assert_eq!(
        ids_on(&again.body),
        expected_ids[QUEUE_PAGE..2 * QUEUE_PAGE]
    );
    let first = c.get(&format!("/ko?forum={UNIT}"));
    assert_eq!(ids_on(&first.body), expected_ids[..QUEUE_PAGE]);

    // The member's own queues: the first page of each, with the way into the whole queue.
    let mine = c.get("/ko");
    assert_eq!(ids_on(&mine.body), expected_ids[..QUEUE_PAGE]);
    assert!(decoded(&mine.body).contains(&format!("href=\"/ko?forum={UNIT}\"")));
    assert!(decoded(&mine.body).contains(&format!("href=\"/ko?forum={UNIT}&sida=2\" rel=\"next\"")));

    // Pages that are not there.
    for bad in ["0", "-1", "två", "1.5", "99999999999"] {
        let p = c.get(&format!("/ko?forum={UNIT}&sida={bad}"));
        assert_eq!(p.status, 422, "sida={bad}");
        assert!(
            p.body.contains("Sidnumret måste vara ett heltal"),
            "{}",
            p.body
        );
    }
    let past = c.get(&format!("/ko?forum={UNIT}&sida={}", pages + 1));
    assert_eq!(past.status, 404);
    assert!(past.body.contains(&format!(
        "Sidan {} finns inte: listan har {pages} sidor.",
        pages + 1
    )));
    assert_eq!(
        c.get("/ko?sida=2").status,
        422,
        "several queues have no page 2"
    );
    assert_eq!(c.get("/ko?forum=finns-inte").status, 422);
    // An empty queue has its one, empty, page.
    let empty = c.get("/ko?forum=pf-asyl");
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("Inga frågor väntar här."));
    assert_eq!(c.get("/ko?forum=pf-asyl&sida=2").status, 404);
}

#[test]
fn the_overdue_list_pages_like_the_other_lists_and_keeps_its_total() {
    let f = fill_queue(90);
    let app = &f.app;
    let token = &f.member_token;
    let waiting = all_items(app, token, "status=open,in_progress,awaiting_info");
    let mut expected: Vec<&Value> = waiting.iter().filter(|q| state(q) == "overdue").collect();
    // The list's own order: urgent first, then the most recently changed, then the highest id.
    expected.sort_by_key(|q| {
        (
            std::cmp::Reverse(q["priority"].as_str().unwrap().to_string()),
            std::cmp::Reverse(time_of(&q["updated_at"])),
            std::cmp::Reverse(q["id"].as_i64().unwrap()),
        )
    });
    let expected_ids: Vec<i64> = expected.iter().map(|q| q["id"].as_i64().unwrap()).collect();
    assert!(expected.len() > 20, "{}", expected.len());
    assert!(expected.iter().any(|q| q["forum"]["code"] != UNIT));
    assert!(waiting.iter().any(|q| state(q) != "overdue"));

    let per_page = 7;
    let mut seen = Vec::new();
    for page in 1..=expected.len().div_ceil(per_page) {
        let r = app.get(
            &format!("/api/v1/questions?overdue=true&per_page={per_page}&page={page}"),
            token,
        );
        let body = r.ok();
        assert_eq!(body["total"].as_u64(), Some(expected.len() as u64));
        assert_eq!(
            (body["page"].as_i64(), body["per_page"].as_i64()),
            (Some(page as i64), Some(per_page as i64))
        );
        let items = body["items"].as_array().unwrap();
        assert_eq!(
            items.len(),
            per_page.min(expected.len() - (page - 1) * per_page)
        );
        for q in items {
            assert_eq!(state(q), "overdue");
            assert!(
                q["body"].as_str().is_some_and(|b| !b.is_empty()),
                "whole views"
            );
        }
        seen.extend(items.iter().map(|q| q["id"].as_i64().unwrap()));
    }
    assert_eq!(seen, expected_ids, "every overdue question once, in order");

    // With the other filters: one forum, the asker's own, statuses.
    let at_unit: BTreeSet<i64> = expected
        .iter()
        .filter(|q| q["forum"]["code"] == UNIT)
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    let got: BTreeSet<i64> = all_items(app, token, &format!("overdue=true&forum={UNIT}"))
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, at_unit);
    let mine = all_items(app, &f.asker_token, "overdue=true&mine=true");
    assert_eq!(
        mine.len(),
        at_unit.len(),
        "the asker asked every question at the unit"
    );
    let paused = all_items(app, token, "overdue=true&status=awaiting_info");
    assert!(paused.iter().all(|q| q["status"] == "awaiting_info"));
    assert_eq!(
        paused.len(),
        expected
            .iter()
            .filter(|q| q["status"] == "awaiting_info")
            .count()
    );
    let none = app.get("/api/v1/questions?overdue=true&status=answered", token);
    assert_eq!(none.ok()["total"], 0);

    // Out of range: 422 naming the field; a page past the end is empty, as before.
    for (bad, field) in [
        ("page=0", "page"),
        ("page=-3", "page"),
        ("page=1000001", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
    ] {
        let r = app.get(&format!("/api/v1/questions?overdue=true&{bad}"), token);
        assert_eq!(r.status(422)["errors"][0]["field"], field, "{bad}");
    }
    app.get("/api/v1/questions?overdue=true&page=zwei", token)
        .status(422);
    let past = app.get("/api/v1/questions?overdue=true&page=500", token);
    assert!(past.ok()["items"].as_array().unwrap().is_empty());
    assert_eq!(past.body["total"].as_u64(), Some(expected.len() as u64));
}
