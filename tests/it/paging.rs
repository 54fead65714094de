//! Lists that grow with the data, a page at a time: a forum's queue, the overdue list of the
//! API, "Mina frågor", the review list, consistency cases, users and failed mail. By function:
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
    let member_token = app.token("member@test.se");
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

/// The queue's order as the member sees it, from each question's own SLA state as the API
/// reports it: the questions they hold come before others of the same urgency.
fn queue_key(q: &Value) -> (u8, bool, bool, DateTime<Utc>, i64) {
    let rank = match state(q) {
        "overdue" => 0,
        "at_risk" => 1,
        _ => 2,
    };
    (
        rank,
        q["priority"] != "urgent",
        q["assignee"]["email"] != "member@test.se",
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
        (a.0, a.1, a.2, a.3) == (b.0, b.1, b.2, b.3)
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
    // Every filter at once (each is a bound parameter of the one query, in order).
    let all_filters: BTreeSet<i64> = all_items(
        app,
        &f.asker_token,
        &format!(
            "overdue=true&forum={UNIT}&status=open,in_progress,awaiting_info&level=unit&mine=true"
        ),
    )
    .iter()
    .map(|q| q["id"].as_i64().unwrap())
    .collect();
    assert_eq!(all_filters, at_unit);
    assert_eq!(
        all_items(app, token, "overdue=true&level=unit").len(),
        expected.len()
    );
    let higher = app.get("/api/v1/questions?overdue=true&level=process_forum", token);
    assert_eq!(higher.ok()["total"], 0);
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

/// A GET with headers: (status, headers, JSON body).
fn get_with_headers(app: &TestApp, path: &str, token: &str) -> (u16, Vec<(String, String)>, Value) {
    let res = match ureq::get(&format!("{}{path}", app.base))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
    {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let headers = res
        .headers_names()
        .into_iter()
        .map(|n| (n.to_lowercase(), res.header(&n).unwrap_or("").to_string()))
        .collect();
    let status = res.status();
    let body = serde_json::from_str(&res.into_string().unwrap()).unwrap_or(Value::Null);
    (status, headers, body)
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn the_other_growing_lists_page_too() {
    use diesel::prelude::*;
    use eskalera::store::models::{NewAnswer, NewConsistencyCase};
    use eskalera::store::{self, consistency as cs, questions as qs};
    let app = TestApp::start_with_clock(Clock::starting_at(saturday_noon()));
    app.user_with_password("asker.web@test.se", UNIT, &[], Role::Caseworker, PASSWORD);
    app.user_with_password("lagman@test.se", UNIT, &[], Role::Legal, PASSWORD);
    app.user_with_password("admin@test.se", UNIT, &[], Role::Admin, PASSWORD);
    let legal_token = app.token("lagman@test.se");
    app.user("member@test.se", UNIT, &[UNIT], Role::Caseworker);
    let member = app.svc.actor_by_email("member@test.se").unwrap();
    let asker = app.svc.actor_by_email("asker.web@test.se").unwrap();

    // "Mina frågor": 60 questions, 50 a page, in the list's order.
    let mut mine = Vec::new();
    for i in 0..60 {
        mine.push(ask(
            &at(&app, 60.0 - i as f64),
            &asker,
            &format!("Min fråga {i}"),
            i % 9 == 0,
        ));
    }
    // Sixteen of them answered (their answers make the consistency cases below).
    let mut answered = Vec::new();
    for &id in &mine[..16] {
        let d = app
            .svc
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
        answered.push((id, d.0.id));
    }
    let mut c = Client::new(&app);
    c.sign_in("asker.web@test.se", PASSWORD);
    let p1 = c.get("/mina");
    let p2 = c.get("/mina?sida=2");
    assert_eq!((p1.status, p2.status), (200, 200));
    let (ids1, ids2) = (ids_on(&p1.body), ids_on(&p2.body));
    assert_eq!((ids1.len(), ids2.len()), (50, 10));
    let all: BTreeSet<i64> = ids1.iter().chain(&ids2).copied().collect();
    assert_eq!(all, mine.iter().copied().collect::<BTreeSet<_>>());
    assert!(p1.body.contains("60 frågor, sida 1 av 2"));
    assert!(p2.body.contains("Sida 2 av 2") && p2.body.contains("rel=\"prev\""));
    assert_eq!(c.get("/mina?sida=3").status, 404);
    assert_eq!(c.get("/mina?sida=x").status, 422);

    // Consistency cases: 120 pairs of the sixteen answered questions, oldest first.
    let pool = store::connect(&app.db.url).unwrap();
    let mut conn = pool.get().unwrap();
    let before: i64 = eskalera::store::schema::consistency_cases::table
        .count()
        .get_result(&mut **conn)
        .unwrap();
    assert_eq!(before, 0);
    let base = (saturday_noon() - Duration::days(30)).naive_utc();
    store::write_tx(&mut conn, |c| -> store::StoreResult<()> {
        let mut n = 0;
        for (i, a) in answered.iter().enumerate() {
            for b in &answered[i + 1..] {
                let at = base + Duration::minutes(n / 10);
                use eskalera::domain::consistency::CaseStatus;
                let status = if n % 3 == 0 {
                    CaseStatus::Consistent
                } else {
                    CaseStatus::Open
                };
                // A topic of its own for each case (as if each had been found and decided
                // alone), so that the topics page too.
                use eskalera::store::schema::consistency_topics as t;
                let topic_id: i64 = diesel::insert_into(t::table)
                    .values((
                        t::status.eq(status),
                        t::created_at.eq(at),
                        t::version.eq(1i64),
                    ))
                    .returning(t::id)
                    .get_result(c)?;
                cs::insert_case(
                    c,
                    &NewConsistencyCase {
                        question_a: a.0,
                        question_b: b.0,
                        answer_a: a.1,
                        answer_b: b.1,
                        score: 0.5,
                        reasons: "[]",
                        status,
                        // Ten cases share each creation time: the id decides among them.
                        created_at: at,
                        topic_id,
                    },
                )?;
                n += 1;
            }
        }
        Ok(())
    })
    .unwrap();
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (status, h, body) = get_with_headers(
            &app,
            &format!("/api/v1/consistency-cases?per_page=50&page={page}"),
            &legal_token,
        );
        assert_eq!(status, 200);
        assert_eq!(header(&h, "x-total-count"), Some("120"));
        let items = body.as_array().unwrap();
        assert_eq!(items.len(), if page < 3 { 50 } else { 20 });
        seen.extend(items.iter().map(|x| {
            (
                x["created_at"].as_str().unwrap().to_string(),
                x["id"].as_i64().unwrap(),
            )
        }));
        let link = header(&h, "link").unwrap_or("");
        assert_eq!(link.contains("rel=\"next\""), page < 3, "{link}");
        assert_eq!(link.contains("rel=\"prev\""), page > 1, "{link}");
    }
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| {
        (time_of(&Value::from(a.0.clone())), a.1).cmp(&(time_of(&Value::from(b.0.clone())), b.1))
    });
    assert_eq!(seen, sorted, "oldest first, then by id");
    assert_eq!(
        seen.iter().map(|x| x.1).collect::<BTreeSet<_>>().len(),
        120,
        "no case on two pages"
    );
    // Without paging parameters: the first 100, the rest a link away.
    let (_, h, body) = get_with_headers(&app, "/api/v1/consistency-cases", &legal_token);
    assert_eq!(body.as_array().unwrap().len(), 100);
    assert!(header(&h, "link")
        .unwrap_or("")
        .contains("page=2&per_page=100>; rel=\"next\""));
    let (_, h, body) =
        get_with_headers(&app, "/api/v1/consistency-cases?status=open", &legal_token);
    assert_eq!(header(&h, "x-total-count"), Some("80"));
    assert!(body
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["status"] == "open"));
    for bad in [
        "page=0",
        "per_page=0",
        "per_page=101",
        "page=x",
        "status=maybe",
    ] {
        app.get(&format!("/api/v1/consistency-cases?{bad}"), &legal_token)
            .status(422);
    }
    let (status, h, body) =
        get_with_headers(&app, "/api/v1/consistency-cases?page=9", &legal_token);
    assert_eq!(
        (status, body, header(&h, "x-total-count")),
        (200, serde_json::json!([]), Some("120"))
    );
    // The OpenAPI document describes the parameters and the headers.
    let doc = app.request("GET", "/api/v1/openapi.json", None, None, &[]);
    let op = &doc.ok()["paths"]["/api/v1/consistency-cases"]["get"];
    let params: Vec<&str> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        params.contains(&"page") && params.contains(&"per_page"),
        "{params:?}"
    );
    let headers = &op["responses"]["200"]["headers"];
    assert!(headers["X-Total-Count"].is_object() && headers["Link"].is_object());
    let mut legal = Client::new(&app);
    legal.sign_in("lagman@test.se", PASSWORD);
    let (_, h, _) = get_with_headers(
        &app,
        "/api/v1/consistency-topics?per_page=50&page=3",
        &legal_token,
    );
    assert_eq!(header(&h, "x-total-count"), Some("120"));
    assert!(header(&h, "link").unwrap_or("").contains("rel=\"prev\""));
    let cases = legal.get("/enhetlighet?status=alla&sida=3");
    assert_eq!(cases.status, 200);
    assert!(
        cases.body.contains("120 ämnen, äldsta först; sida 3 av 3"),
        "{}",
        cases.body
    );
    assert_eq!(
        cases.body.matches("<a href=\"/enhetlighet/amnen/").count(),
        20
    );
    assert!(decoded(&cases.body).contains("href=\"/enhetlighet?status=alla&sida=2\" rel=\"prev\""));
    assert_eq!(
        legal.get("/enhetlighet?sida=3").status,
        404,
        "80 open: two pages"
    );

    // Temporary support due for review: 60 answers, soonest first, 50 a page.
    let today = saturday_noon().date_naive();
    store::write_tx(&mut conn, |c| -> store::StoreResult<()> {
        for i in 0..60 {
            let date = (today + Duration::days(i % 20))
                .format("%Y-%m-%d")
                .to_string();
            qs::insert_answer(
                c,
                &NewAnswer {
                    question_id: mine[20],
                    stage_id: None,
                    forum: UNIT,
                    level: eskalera::domain::structure::Level::Unit,
                    author_id: None,
                    body: "Tillfälligt stöd.",
                    binding_status: eskalera::domain::answer::BindingStatus::Temporary,
                    superseded_by: None,
                    refs: "[]",
                    review_date: Some(&date),
                    version: 1,
                    created_at: base,
                    updated_at: base,
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
    let o1 = legal.get("/oversikt");
    let o2 = legal.get("/oversikt?sida=2");
    assert_eq!((o1.status, o2.status), (200, 200));
    let rows = |b: &str| {
        b.matches(&format!("href=\"/fragor/{}#svar-", mine[20]))
            .count()
    };
    assert_eq!((rows(&o1.body), rows(&o2.body)), (50, 10));
    assert!(o1.body.contains("60 svar, sida 1 av 2"));
    assert!(decoded(&o1.body).contains("href=\"/oversikt?sida=2#reviews-heading\" rel=\"next\""));
    let dates = |b: &str| -> Vec<String> {
        b.split("</a><br><span class=\"muted\">")
            .skip(1)
            .filter_map(|s| s.split("<td>").nth(2)?.split('<').next().map(String::from))
            .collect()
    };
    let mut both = dates(&o1.body);
    both.extend(dates(&o2.body));
    let mut in_order = both.clone();
    in_order.sort();
    assert_eq!(both.len(), 60);
    assert_eq!(both, in_order, "soonest first");
    assert_eq!(legal.get("/oversikt?sida=3").status, 404);

    // Users: 110 more, 100 a page by name; memberships shown on every page.
    for i in 0..110 {
        let email = format!("person{i:03}@test.se");
        app.user(
            &email,
            UNIT,
            if i == 105 { &[UNIT] } else { &[] },
            Role::Caseworker,
        );
    }
    let mut admin = Client::new(&app);
    admin.sign_in("admin@test.se", PASSWORD);
    let u1 = admin.get("/admin/anvandare");
    let u2 = admin.get("/admin/anvandare?sida=2");
    assert_eq!((u1.status, u2.status), (200, 200));
    let emails = |b: &str| -> Vec<String> {
        b.split("<td data-label=\"E-post\">")
            .skip(1)
            .filter_map(|s| s.split("</td>").next())
            .filter(|s| s.ends_with("@test.se"))
            .map(String::from)
            .collect()
    };
    let (e1, e2) = (emails(&u1.body), emails(&u2.body));
    assert_eq!(e1.len() + e2.len(), 114);
    assert_eq!(e1.len(), 100);
    assert!(u1.body.contains("114 användare, sida 1 av 2"));
    let unit_name = &app.svc.config.structure.forum(UNIT).unwrap().name;
    let row = u2.body.split("person105@test.se").nth(1).unwrap();
    assert!(
        row.split("</tr>")
            .next()
            .unwrap()
            .contains(unit_name.as_str()),
        "memberships on the second page"
    );
    let all: BTreeSet<&String> = e1.iter().chain(&e2).collect();
    assert_eq!(all.len(), 114, "no user on two pages");
    // The membership form takes an address; an unknown one is an error on its field.
    let wrong = admin.post(
        "/admin/anvandare",
        &[
            ("csrf", &u1.csrf()),
            ("email", "ingen@test.se"),
            ("forum", UNIT),
            ("op", "add"),
        ],
    );
    assert_eq!(wrong.status, 422);
    assert!(wrong
        .body
        .contains("Ingen användare har den e-postadressen."));
    assert_eq!(admin.get("/admin/anvandare?sida=3").status, 404);

    // Failed mail: the unit member's mails about the new questions, given up (once the
    // mailer has sent them all, so that it no longer holds any).
    crate::common::wait_until_all_mail_sent(&app);
    diesel::update(eskalera::store::schema::outbox::table)
        .set(eskalera::store::schema::outbox::status.eq("failed"))
        .execute(&mut **conn)
        .unwrap();
    let failed: i64 = eskalera::store::schema::outbox::table
        .count()
        .get_result(&mut **conn)
        .unwrap();
    assert!(failed > 50, "{failed}");
    let m1 = admin.get("/admin/mail");
    assert_eq!(m1.status, 200);
    assert_eq!(m1.body.matches("/retry\"").count(), 50);
    let last = (failed as usize).div_ceil(50);
    let ml = admin.get(&format!("/admin/mail?sida={last}"));
    assert_eq!(
        ml.body.matches("/retry\"").count(),
        failed as usize - 50 * (last - 1)
    );
    assert!(m1
        .body
        .contains(&format!("{failed} meddelanden, sida 1 av {last}")));
    assert_eq!(
        admin.get(&format!("/admin/mail?sida={}", last + 1)).status,
        404
    );
    assert_eq!(admin.get("/admin/mail?sida=0").status, 422);
}
