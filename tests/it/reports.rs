//! SLA and backlog reports over a known history, every number checked.

use chrono::{DateTime, Utc};
use eskalera::clock::Clock;
use eskalera::service::questions::{AnswerInput, EscalateInput, NewQuestionInput, NoteInput};
use eskalera::service::{Actor, Role, Service};
use serde_json::{json, Value};

use crate::common::TestApp;

/// An instant given in Stockholm local time (CET, UTC+1, in the months used here).
fn at(local: &str) -> Service {
    let t = DateTime::parse_from_rfc3339(&format!("{local}+01:00"))
        .unwrap()
        .with_timezone(&Utc);
    SVC.with(|s| {
        s.borrow()
            .as_ref()
            .unwrap()
            .with_clock(Clock::starting_at(t))
    })
}

thread_local! {
    static SVC: std::cell::RefCell<Option<Service>> = const { std::cell::RefCell::new(None) };
}

fn submit(svc: &Service, asker: &Actor, title: &str, process: &str, urgent: bool) -> i64 {
    let input = NewQuestionInput {
        title: Some(title.into()),
        body: Some("Hur ska vi göra?".into()),
        process: Some(process.into()),
        priority: urgent.then(|| "urgent".into()),
        urgent_reason: urgent.then(|| "Beslut inom två dagar".into()),
        ..Default::default()
    };
    svc.submit(asker, &input).unwrap().question.id
}

fn note(s: &str) -> NoteInput {
    NoteInput {
        note: Some(s.into()),
    }
}

fn answer(svc: &Service, who: &Actor, id: i64) {
    let input = AnswerInput {
        body: Some("Svar.".into()),
        binding_status: Some("guidance".into()),
        ..Default::default()
    };
    svc.answer(who, id, &input, None).unwrap();
}

fn escalate(svc: &Service, who: &Actor, id: i64) {
    svc.escalate(
        who,
        id,
        &EscalateInput {
            note: Some("Upp.".into()),
            to_forum: None,
        },
        None,
    )
    .unwrap();
}

fn row<'a>(report: &'a Value, group: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["group"] == group)
        .unwrap_or_else(|| panic!("no row {group}: {report}"))
}

#[test]
fn reports_count_every_stage_exactly() {
    // "Now" is Wednesday 2025-03-19 12:00 in Stockholm.
    let now = DateTime::parse_from_rfc3339("2025-03-19T12:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc);
    let app = TestApp::start_with_clock(Clock::starting_at(now));
    SVC.with(|s| *s.borrow_mut() = Some(app.svc.clone()));
    app.user(
        "asker@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    app.user(
        "rg@test.se",
        "u-lulea-asyl",
        &["rg-nord-lulea"],
        Role::Caseworker,
    );
    let legal = app.user("legal@test.se", "u-lulea-asyl", &[], Role::Legal);
    let caseworker = app.user("cw@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let a = app.svc.actor_by_email("asker@test.se").unwrap();
    let rg = app.svc.actor_by_email("rg@test.se").unwrap();

    // Q1: answered at the unit after exactly two working days (Mon 09:00 → Wed 09:00).
    let q1 = submit(
        &at("2025-03-03T09:00:00"),
        &a,
        "Q1",
        "asyl_forstagang",
        false,
    );
    at("2025-03-03T10:00:00").claim(&a, q1, None).unwrap();
    answer(&at("2025-03-05T09:00:00"), &a, q1);
    // Q2: paused from Tuesday to the next Monday; 1 + 2 = 3.0 working days at the unit (on target),
    // then 2.5 at the regional group (Wed 09:00 → Fri 21:00).
    let q2 = submit(
        &at("2025-03-03T09:00:00"),
        &a,
        "Q2",
        "asyl_forstagang",
        false,
    );
    at("2025-03-03T09:30:00").claim(&a, q2, None).unwrap();
    at("2025-03-04T09:00:00")
        .request_info(&a, q2, &note("Vilket land?"), None)
        .unwrap();
    at("2025-03-10T09:00:00")
        .provide_info(&a, q2, &note("Belarus."), None)
        .unwrap();
    escalate(&at("2025-03-12T09:00:00"), &a, q2);
    answer(&at("2025-03-14T21:00:00"), &rg, q2);
    // Q3, urgent: 2.0 working days at the unit over a weekend (target 1.0: missed), then open at the
    // regional group since Monday 09:00: 2.125 working days now, past the urgent target of 2.0.
    let q3 = submit(&at("2025-03-13T09:00:00"), &a, "Q3", "medborgarskap", true);
    at("2025-03-13T10:00:00").claim(&a, q3, None).unwrap();
    escalate(&at("2025-03-17T09:00:00"), &a, q3);
    // Q4: open at the unit for 0.875 working days: on track.
    submit(
        &at("2025-03-18T15:00:00"),
        &a,
        "Q4",
        "asyl_forstagang",
        false,
    );
    // Q5, in January: Friday noon to Tuesday noon over trettondedag jul is 1.0 working day.
    let q5 = submit(
        &at("2025-01-03T12:00:00"),
        &a,
        "Q5",
        "asyl_forstagang",
        false,
    );
    answer(&at("2025-01-07T12:00:00"), &a, q5);
    // Q6: withdrawn the same day; an ended stage, but neither answered nor escalated.
    let q6 = submit(
        &at("2025-03-17T09:00:00"),
        &a,
        "Q6",
        "asyl_forstagang",
        false,
    );
    at("2025-03-17T15:00:00")
        .withdraw(&a, q6, &NoteInput::default(), None)
        .unwrap();

    let stages = app.get(&format!("/api/v1/questions/{q2}"), &legal);
    let wd: Vec<f64> = stages.ok()["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["working_days"].as_f64().unwrap())
        .collect();
    assert!(
        (wd[0] - 3.0).abs() < 1e-6 && (wd[1] - 2.5).abs() < 1e-6,
        "{wd:?}"
    );

    let march = app.get("/api/v1/reports/sla?from=2025-03-01&to=2025-03-31", &legal);
    let march = march.ok();
    assert_eq!(march["group_by"], "level");
    assert_eq!(
        row(march, "unit"),
        &json!({"group": "unit", "received": 5, "answered": 1, "escalated": 2, "median_working_days": 2.0,
                "p90_working_days": 2.0, "within_target_pct": 66.67, "open": 1, "overdue": 0})
    );
    assert_eq!(
        row(march, "regional_group"),
        &json!({"group": "regional_group", "received": 2, "answered": 1, "escalated": 0, "median_working_days": 2.5,
                "p90_working_days": 2.5, "within_target_pct": 100.0, "open": 1, "overdue": 1})
    );
    assert_eq!(march["rows"].as_array().unwrap().len(), 2);

    let january = app.get("/api/v1/reports/sla?from=2025-01-01&to=2025-01-31", &legal);
    assert_eq!(
        row(january.ok(), "unit"),
        &json!({"group": "unit", "received": 1, "answered": 1, "escalated": 0, "median_working_days": 1.0,
                "p90_working_days": 1.0, "within_target_pct": 100.0, "open": 1, "overdue": 0})
    );

    let by_process = app.get(
        "/api/v1/reports/sla?from=2025-03-01&to=2025-03-31&group_by=process",
        &legal,
    );
    let by_process = by_process.ok();
    assert_eq!(
        row(by_process, "asyl_forstagang"),
        &json!({"group": "asyl_forstagang", "received": 5, "answered": 2, "escalated": 1, "median_working_days": 2.0,
                "p90_working_days": 2.5, "within_target_pct": 100.0, "open": 1, "overdue": 0})
    );
    assert_eq!(
        row(by_process, "medborgarskap"),
        &json!({"group": "medborgarskap", "received": 2, "answered": 0, "escalated": 1, "median_working_days": null,
                "p90_working_days": null, "within_target_pct": 0.0, "open": 1, "overdue": 1})
    );
    let by_forum = app.get(
        "/api/v1/reports/sla?from=2025-03-01&to=2025-03-31&group_by=forum",
        &legal,
    );
    assert_eq!(row(by_forum.ok(), "rg-nord-lulea")["received"], 2);

    let backlog = app.get("/api/v1/reports/backlog", &legal);
    let backlog = backlog.ok();
    let unit = row(backlog, "unit");
    assert_eq!(
        (
            unit["open"].as_i64(),
            unit["overdue"].as_i64(),
            unit["at_risk"].as_i64()
        ),
        (Some(1), Some(0), Some(0))
    );
    assert_eq!(unit["oldest_working_days"], 0.88);
    assert_eq!(
        unit["buckets"],
        json!({"0-2": 1, "3-5": 0, "6-10": 0, "11-20": 0, ">20": 0})
    );
    let rgrow = row(backlog, "regional_group");
    assert_eq!(
        (rgrow["open"].as_i64(), rgrow["overdue"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(rgrow["oldest_working_days"], 2.13);

    // Downloads.
    let csv = ureq::get(&format!(
        "{}/api/v1/reports/sla?from=2025-03-01&to=2025-03-31&format=csv",
        app.base
    ))
    .set("Authorization", &format!("Bearer {legal}"))
    .call()
    .unwrap();
    assert!(csv.content_type().starts_with("text/csv"));
    let text = csv.into_string().unwrap();
    assert!(text.starts_with("group,received,answered,escalated,median_working_days,p90_working_days,within_target_pct,open,overdue\r\n"), "{text}");
    assert!(text.contains("\r\nunit,5,1,2,2,2,66.67,1,0\r\n"), "{text}");
    assert!(
        text.contains("\r\nregional_group,2,1,0,2.5,2.5,100,1,1\r\n"),
        "{text}"
    );
    let xlsx = ureq::get(&format!("{}/api/v1/reports/backlog?format=xlsx", app.base))
        .set("Authorization", &format!("Bearer {legal}"))
        .call()
        .unwrap();
    assert!(xlsx
        .header("content-disposition")
        .unwrap()
        .contains(".xlsx"));
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut xlsx.into_reader(), &mut bytes).unwrap();
    assert_eq!(&bytes[..2], b"PK");

    // Monitoring.
    let metrics = ureq::get(&format!("{}/metrics", app.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        metrics.contains("eskalera_questions_open{level=\"unit\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("eskalera_questions_overdue{level=\"regional_group\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("eskalera_questions_open{level=\"process_forum\"} 0"),
        "{metrics}"
    );

    // Who may see them, and bad parameters.
    app.get("/api/v1/reports/sla", &caseworker).status(403);
    app.get("/api/v1/reports/backlog", &caseworker).status(403);
    for bad in [
        "from=2025-13-01",
        "to=igår",
        "group_by=region",
        "format=pdf",
        "from=2025-04-01&to=2025-03-01",
    ] {
        app.get(&format!("/api/v1/reports/sla?{bad}"), &legal)
            .status(422);
    }
    app.get("/api/v1/reports/backlog?group_by=unit", &legal)
        .status(422);

    // The question's own SLA view agrees: Q3 is overdue at the regional group.
    let q3v = app.get(&format!("/api/v1/questions/{q3}"), &legal);
    assert_eq!(q3v.ok()["sla"]["state"], "overdue");
    let overdue = app.get("/api/v1/questions?overdue=true", &legal);
    assert_eq!(overdue.ok()["total"], 1);
}

/// A random history over fourteen months — pauses, urgent questions, escalations, answers,
/// withdrawals, reopenings, questions left open, paused or ended on month edges — and every
/// report over many periods equals the same report computed stage by stage; rebuilding the
/// rollups and clocks from the stages changes nothing.
#[test]
fn reports_from_rollups_and_clocks_equal_the_stage_by_stage_reports() {
    use eskalera::service::reports::{BacklogQuery, SlaReportQuery};
    // "Now" is Saturday 2025-06-21 12:00 in Stockholm (CEST): no working time passes while the
    // reports are computed twice, so both see the same states.
    let now = DateTime::parse_from_rfc3339("2025-06-21T12:00:00+02:00")
        .unwrap()
        .with_timezone(&Utc);
    let app = TestApp::start_with_clock(Clock::starting_at(now));
    let forums = [
        "u-lulea-asyl",
        "rg-nord-lulea",
        "ng-asyl-forstagang",
        "nn-landinfo",
        "nn-medborgarskap",
        "pf-asyl",
        "pf-tillstand",
    ];
    app.user("all@test.se", "u-lulea-asyl", &forums, Role::Caseworker);
    app.user("legal@test.se", "u-lulea-asyl", &[], Role::Legal);
    let who = app.svc.actor_by_email("all@test.se").unwrap();
    let legal = app.svc.actor_by_email("legal@test.se").unwrap();
    let svc_at = |t: DateTime<Utc>| app.svc.with_clock(Clock::starting_at(t));

    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut rnd = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let start = DateTime::parse_from_rfc3339("2024-04-01T00:00:00+02:00")
        .unwrap()
        .with_timezone(&Utc);
    let span_minutes = (now - start).num_minutes() as u64;
    for i in 0..100 {
        // Some questions start exactly at a Stockholm midnight that opens a month; the last
        // thirty arrive in the last month and take few steps, so many are still open.
        let mut t = if i >= 70 {
            now - chrono::Duration::minutes(rnd(60 * 24 * 30) as i64)
        } else if i % 10 == 0 {
            DateTime::parse_from_rfc3339(&format!("2025-{:02}-01T00:00:00+01:00", 1 + i / 10))
                .unwrap()
                .with_timezone(&Utc)
        } else {
            start + chrono::Duration::minutes(rnd(span_minutes) as i64)
        };
        let process = if rnd(3) == 0 {
            "medborgarskap"
        } else {
            "asyl_forstagang"
        };
        let id = submit(&svc_at(t), &who, &format!("F{i}"), process, rnd(6) == 0);
        for _ in 0..(if i >= 70 { 3 } else { 8 }) {
            t += chrono::Duration::minutes(30 + rnd(60 * 24 * if i >= 70 { 4 } else { 9 }) as i64);
            if t >= now {
                break;
            }
            let s = svc_at(t);
            let done = match rnd(9) {
                0 => s.claim(&who, id, None).map(|_| false),
                1 => s.request_info(&who, id, &note("Mer?"), None).map(|_| false),
                2 => s.provide_info(&who, id, &note("Här."), None).map(|_| false),
                3 | 4 => s
                    .escalate(
                        &who,
                        id,
                        &EscalateInput {
                            note: Some("Upp.".into()),
                            to_forum: Some("nn-landinfo".into()),
                        },
                        None,
                    )
                    .or_else(|_| {
                        s.escalate(
                            &who,
                            id,
                            &EscalateInput {
                                note: Some("Upp.".into()),
                                to_forum: None,
                            },
                            None,
                        )
                    })
                    .map(|_| false),
                5 | 6 => {
                    let input = AnswerInput {
                        body: Some("Svar.".into()),
                        binding_status: Some("guidance".into()),
                        ..Default::default()
                    };
                    s.answer(&who, id, &input, None).map(|_| rnd(3) != 0)
                }
                7 => s.reopen(&who, id, &note("Igen."), None).map(|_| false),
                _ => s
                    .withdraw(&who, id, &NoteInput::default(), None)
                    .map(|_| true),
            };
            if done.unwrap_or(false) {
                break;
            }
        }
    }

    // One at risk for sure: claimed on Tuesday noon, 2.5 of its 3 working days used by Saturday
    // (midsommarafton on Friday does not count).
    let tuesday = DateTime::parse_from_rfc3339("2025-06-17T12:00:00+02:00")
        .unwrap()
        .with_timezone(&Utc);
    let risky = submit(&svc_at(tuesday), &who, "Risk", "asyl_forstagang", false);
    svc_at(tuesday).claim(&who, risky, None).unwrap();
    // And one a hair's breadth (microseconds) under its target and under three working days:
    // too close to its limits for the clock, so it is evaluated on its own.
    let midnight = DateTime::parse_from_rfc3339("2025-06-17T00:00:00+02:00")
        .unwrap()
        .with_timezone(&Utc);
    let edge = submit(&svc_at(midnight), &who, "Kant", "asyl_forstagang", false);
    svc_at(midnight).claim(&who, edge, None).unwrap();

    let periods = [
        ("2024-04-01", "2025-06-18"), // everything, whole months inside
        ("2020-01-01", "2030-12-31"), // more than everything
        ("2024-05-01", "2024-05-31"), // one whole month
        ("2024-05-02", "2024-05-30"), // inside one month
        ("2024-05-20", "2025-05-19"), // twelve months, partial edges
        ("2025-05-20", "2025-06-18"), // thirty days
        ("2024-12-15", "2025-01-15"), // across new year
        ("2024-10-27", "2024-10-27"), // the day summer time ends
        ("2024-06-01", "2025-05-31"), // whole months, most of the span (complement)
        ("2025-01-01", "2025-06-18"),
    ];
    let check = |label: &str| {
        for (from, to) in periods {
            for group in ["level", "forum", "process"] {
                let q = SlaReportQuery {
                    from: Some(from.into()),
                    to: Some(to.into()),
                    group_by: Some(group.into()),
                    format: None,
                };
                let fast = app.svc.sla_report(&legal, &q).unwrap();
                let reference = app.svc.sla_report_by_stages(&legal, &q).unwrap();
                assert_eq!(
                    fast.rows, reference.rows,
                    "{label}: {from}..{to} by {group}"
                );
            }
        }
        for group in ["level", "forum", "process"] {
            let q = BacklogQuery {
                group_by: Some(group.into()),
                format: None,
            };
            let fast = app.svc.backlog(&legal, &q).unwrap();
            let reference = app.svc.backlog_by_stages(&legal, &q).unwrap();
            assert_eq!(fast.rows, reference.rows, "{label}: backlog by {group}");
        }
    };
    check("maintained");
    // The reports page's trend counts each month as that month's SLA report does.
    let today = chrono::NaiveDate::from_ymd_opt(2025, 6, 21).unwrap();
    let trend = app.svc.sla_trend(&legal, 14).unwrap();
    assert_eq!(trend.len(), 14);
    assert_eq!(
        (trend[0].month.as_str(), trend[13].month.as_str()),
        ("2024-05", "2025-06")
    );
    for m in &trend {
        let first =
            chrono::NaiveDate::parse_from_str(&format!("{}-01", m.month), "%Y-%m-%d").unwrap();
        let last = (first + chrono::Months::new(1) - chrono::Duration::days(1)).min(today);
        let r = app
            .svc
            .sla_report(
                &legal,
                &SlaReportQuery {
                    from: Some(first.to_string()),
                    to: Some(last.to_string()),
                    ..Default::default()
                },
            )
            .unwrap();
        let sum = |f: fn(&eskalera::service::reports::SlaRow) -> i64| r.rows.iter().map(f).sum();
        assert_eq!(
            (m.received, m.answered, m.escalated),
            (
                sum(|x| x.received),
                sum(|x| x.answered),
                sum(|x| x.escalated)
            ),
            "{}",
            m.month
        );
    }
    assert!(trend.iter().map(|m| m.answered).sum::<i64>() >= 10);
    // The history has something to compare: stages of every kind.
    let all = app
        .svc
        .sla_report_by_stages(
            &legal,
            &SlaReportQuery {
                from: Some("2024-01-01".into()),
                to: Some("2025-12-31".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let sum =
        |f: fn(&eskalera::service::reports::SlaRow) -> i64| all.rows.iter().map(f).sum::<i64>();
    assert!(sum(|r| r.answered) >= 10, "{:?}", all.rows);
    assert!(sum(|r| r.escalated) >= 10, "{:?}", all.rows);
    assert!(sum(|r| r.open) >= 15, "{:?}", all.rows);
    let backlog = app.svc.backlog(&legal, &BacklogQuery::default()).unwrap();
    let at_risk: i64 = backlog.rows.iter().map(|r| r.at_risk).sum();
    let young: i64 = backlog.rows.iter().map(|r| r.buckets.d0_2).sum();
    assert!(at_risk >= 1 && young >= 3, "{:?}", backlog.rows);
    // The metrics count what the backlog counts, level by level (0 where it has no row).
    let metrics = app.svc.metrics().unwrap();
    for l in &metrics.per_level {
        let row = backlog.rows.iter().find(|r| r.group == l.level);
        assert_eq!(
            (l.open, l.overdue, l.at_risk),
            row.map_or((0, 0, 0), |r| (r.open, r.overdue, r.at_risk)),
            "{}",
            l.level
        );
    }

    app.svc.rebuild_sla_rollups().unwrap();
    check("rebuilt");
}

/// Whether openpyxl can be run; in CI (`ESKALERA_REQUIRE_OPENPYXL=1`) its absence fails.
fn openpyxl_available() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import openpyxl"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("ESKALERA_REQUIRE_OPENPYXL").as_deref() != Ok("1"),
            "ESKALERA_REQUIRE_OPENPYXL=1 but python3 cannot import openpyxl (pip install openpyxl)"
        );
        eprintln!("xlsx checks skipped: python3 cannot import openpyxl");
    }
    ok
}

/// A download's bytes, with the signed-in client's cookies.
fn download(app: &TestApp, c: &crate::web::Client, path: &str) -> (String, Vec<u8>) {
    use std::io::Read;
    let res = ureq::get(&format!("{}{path}", app.base))
        .set("Cookie", &c.cookie_header())
        .call()
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let kind = res.header("content-type").unwrap_or("").to_string();
    let mut body = Vec::new();
    res.into_reader().read_to_end(&mut body).unwrap();
    (kind, body)
}

#[test]
fn the_downloads_are_swedish_workbooks_and_csv_that_swedish_excel_reads() {
    let o = crate::work::office();
    let app = &o.app;
    let member = app.svc.actor_by_email("medlem@test.se").unwrap();
    app.svc.claim(&member, o.fresh, None).unwrap();
    answer(&app.svc, &member, o.fresh);
    let mut c = crate::web::Client::new(app);
    c.sign_in("jurist@test.se", crate::web::PASSWORD);

    // CSV: a byte-order mark, semicolons, Swedish headings and names, decimal commas.
    let (kind, csv) = download(
        app,
        &c,
        "/rapporter/sla?format=csv&from=2025-03-01&to=2025-03-12",
    );
    assert!(kind.starts_with("text/csv"), "{kind}");
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM for Excel");
    let lines: Vec<Vec<&str>> = csv
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(';').collect())
        .collect();
    assert_eq!(lines[0][0], "Nivå");
    assert!(lines[0].contains(&"Inkomna etapper") && lines[0].contains(&"Inom tidsmålet"));
    let unit = lines
        .iter()
        .find(|l| l[0] == "Enhet")
        .expect("the unit level by name");
    let median = unit[lines[0]
        .iter()
        .position(|h| h.starts_with("Svarstid, median"))
        .unwrap()];
    assert!(
        median.contains(',') && !median.contains('.'),
        "decimal comma: {median}"
    );
    let (_, by_forum) = download(app, &c, "/rapporter/backlog?format=csv&group_by=forum");
    let by_forum = String::from_utf8(by_forum).unwrap();
    assert!(
        by_forum.contains("Asylprövningsenheten i Luleå;Enhet;"),
        "{by_forum}"
    );
    let bad = c.get("/rapporter/sla?format=csv&group_by=process");
    assert_eq!(bad.status, 422);

    if !openpyxl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let read = |path: &str| -> Value {
        let (kind, bytes) = download(app, &c, path);
        assert!(kind.contains("spreadsheetml"), "{kind}");
        let file = dir.path().join("book.xlsx");
        std::fs::write(&file, bytes).unwrap();
        let out = std::process::Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/xlsx_check.py"))
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let book = read("/rapporter/sla?format=xlsx&from=2025-03-01&to=2025-03-12");
    let names: Vec<&str> = book
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Per nivå", "Per forum", "Försenade frågor"]);
    let level = &book[0];
    assert_eq!(level["title"], "Svarstider i prövningsstödet per nivå");
    assert_eq!(level["title_bold"], true);
    assert!(level["rows"][1][0]
        .as_str()
        .unwrap()
        .contains("Period: 2025-03-01 – 2025-03-12"));
    let head = level["head"].as_u64().expect("a heading row") as usize;
    let headings = &level["rows"][head];
    assert_eq!(headings[0], "Nivå");
    assert_eq!(headings[4], "Svarstid, median (arbetsdagar)");
    assert_eq!(level["rows"][head + 1][0], "Enhet");
    assert_eq!(
        level["formats"],
        json!(["General", "0", "0", "0", "0.0", "0.0", "0.0%", "0", "0"])
    );
    assert!(
        level["frozen"].as_str().is_some(),
        "the headings stay in view"
    );
    let overdue = &book[2];
    let head = overdue["head"].as_u64().unwrap() as usize;
    assert_eq!(overdue["rows"][head][0], "PS-nummer");
    let refs: Vec<&str> = overdue["rows"].as_array().unwrap()[head + 1..]
        .iter()
        .filter_map(|r| r[0].as_str())
        .collect();
    assert_eq!(refs.len(), 2, "the two overdue questions: {refs:?}");
    assert!(overdue["rows"][head + 1][6]
        .as_str()
        .unwrap()
        .starts_with("Tidsmål för"));
    let backlog = read("/rapporter/backlog?format=xlsx");
    assert_eq!(backlog[1]["name"], "Per forum");
    let head = backlog[1]["head"].as_u64().unwrap() as usize;
    assert_eq!(backlog[1]["rows"][head][1], "Nivå");
    assert_eq!(backlog[1]["rows"][head][2], "Väntar");
}
