//! A forum's queue and the other lists that grow with the data, at `ESKALERA_BENCH_WAITING`
//! (default 20,000) questions waiting at one unit, plus a quarter as many waiting elsewhere
//! and a year of answered history (`ESKALERA_BENCH_HISTORY`, default 20,000), on a fresh
//! database: SQLite, and PostgreSQL when `ESKALERA_BENCH_PG_URL` names a server (database
//! `eskalera_bench_queue`, dropped and created at every run).
//!
//! Timed in the same run, each against the way it was done before this change, kept here as
//! the baseline:
//! - the queue page's work: before, every waiting question of the forum read whole through
//!   the question list (100 at a time, each page a count and an OFFSET query) and sorted in
//!   memory (`old_queue`); now one page (first, middle, last) ranked from light rows;
//! - the API's overdue list (`GET /api/v1/questions?overdue=true`, first page of 100, every
//!   forum): before, every waiting question read whole and every SLA evaluated with its due
//!   times (`old_overdue`); now the light rows of the stages old enough to be overdue;
//! - the reports page (`/rapporter`): the SLA report and the twelve-month trend, before as
//!   twelve more SLA reports (`old_trend`), now one rollup query and the current month;
//! - and, for scale, the new first page and the overdue list over HTTP with their sizes.
//!
//! "Now" is the coming Saturday noon (Stockholm), so no working time passes during the run and
//! the old and new ways must give the same rows: the benchmark checks that they do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;
use common::{time, Rng};
use eskalera::clock::Clock;
use eskalera::domain::calendar;
use eskalera::domain::question::{Priority, StageOutcome, Status};
use eskalera::domain::sla::{self, StageTimes};
use eskalera::domain::structure::Level;
use eskalera::domain::Code;
use eskalera::service::pages::MonthTrend;
use eskalera::service::questions::ListQuery;
use eskalera::service::reports::SlaReportQuery;
use eskalera::service::users::NewUserInput;
use eskalera::service::views::QuestionView;
use eskalera::service::{Actor, Role, Service};
use eskalera::store::models::{NewQuestion, NewStage, QuestionRow};
use eskalera::store::{self, questions as qs};

const FORUM: &str = "u-lulea-asyl";
const PASSWORD: &str = "bänkens-lösenord";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn saturday_noon() -> DateTime<Utc> {
    let today = Utc::now().with_timezone(&Stockholm).date_naive();
    let saturday =
        today + Duration::days(i64::from((12 - today.weekday().num_days_from_monday()) % 7));
    Stockholm
        .from_local_datetime(&saturday.and_hms_opt(12, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// The questions, written directly (the rows the use cases write, without their events and
/// mail): `waiting` at FORUM, a quarter as many waiting at other units, `history` answered
/// over the last year. Waiting questions are 0 to 60 days old (a third younger than a week),
/// a tenth urgent, a third claimed and a sixth sent back to the asker (an open pause).
fn generate(svc: &Service, db_url: &str, now: DateTime<Utc>, waiting: usize, history: usize) {
    let cfg = &svc.config;
    let units: Vec<String> = cfg
        .structure
        .units
        .keys()
        .filter(|u| *u != FORUM)
        .cloned()
        .collect();
    let sentences = common::sentences();
    let pool = store::connect(db_url).unwrap();
    let mut conn = pool.get().unwrap();
    let mut rng = Rng::new(7);
    let elsewhere = waiting / 4;
    let total = waiting + elsewhere + history;
    let mut done = 0;
    while done < total {
        let this = 5000.min(total - done);
        store::write_tx(&mut conn, |c| -> store::StoreResult<()> {
            for i in done..done + this {
                let pending = i < waiting + elsewhere;
                let unit = if i < waiting {
                    FORUM.to_string()
                } else {
                    rng.pick(&units).clone()
                };
                let age_days = if !pending {
                    5.0 + rng.unit() * 360.0
                } else if rng.unit() < 0.33 {
                    rng.unit() * 7.0
                } else {
                    7.0 + rng.unit() * 53.0
                };
                // Distinct creation times: the old sort had no tie-break to agree on.
                let created = now - Duration::seconds((age_days * 86_400.0) as i64 + i as i64);
                let roll = rng.unit();
                let status = if !pending {
                    Status::Closed
                } else if roll < 0.5 {
                    Status::Open
                } else if roll < 0.83 {
                    Status::InProgress
                } else {
                    Status::AwaitingInfo
                };
                let priority = if rng.unit() < 0.1 {
                    Priority::Urgent
                } else {
                    Priority::Normal
                };
                let title: String = rng.pick(&sentences).chars().take(150).collect();
                let body = (0..2 + rng.below(3))
                    .map(|_| rng.pick(&sentences).as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let id = qs::insert(
                    c,
                    &NewQuestion {
                        reference: &format!("PS-BENCH-{i:07}"),
                        title: &title,
                        body: &body,
                        process: "asyl_forstagang",
                        category: None,
                        tags: "[]",
                        countries: "[]",
                        priority,
                        urgent_reason: (priority == Priority::Urgent).then_some("Tidsfrist"),
                        status,
                        forum: &unit,
                        level: Level::Unit,
                        unit: &unit,
                        asker_id: None,
                        assignee_id: None,
                        claimed_by: None,
                        duplicate_of: None,
                        version: 1,
                        created_at: created.naive_utc(),
                        updated_at: created.naive_utc(),
                    },
                )?;
                let first_response = (status != Status::Open)
                    .then(|| (created + Duration::hours(2)).min(now).naive_utc());
                let left = (!pending).then(|| {
                    created + Duration::seconds((rng.unit() * 8.0 * 86_400.0) as i64 + 600)
                });
                let stage = qs::insert_stage(
                    c,
                    &NewStage {
                        question_id: id,
                        seq: 1,
                        forum: &unit,
                        level: Level::Unit,
                        entered_at: created.naive_utc(),
                        first_response_at: first_response,
                        left_at: left.map(|l| l.naive_utc()),
                        outcome: left.map(|_| StageOutcome::Answered),
                        working_days: left.map(|l| {
                            calendar::working_days_between(created, l, cfg.sla.working_time)
                        }),
                        process: "asyl_forstagang",
                        priority,
                        // Filled with the rollups below.
                        sla_clock: None,
                    },
                )?;
                if status == Status::AwaitingInfo {
                    qs::start_pause(c, stage.id, (created + Duration::hours(3)).naive_utc())?;
                }
            }
            Ok(())
        })
        .unwrap();
        done += this;
        eprint!("\rgenerating: {done}/{total} questions");
    }
    eprintln!();
    let t = Instant::now();
    let open = svc.rebuild_sla_rollups().unwrap();
    eprintln!(
        "rebuilt the SLA rollups and {open} open stages' clocks in {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

// ---- the baselines: the code as it was before paging ------------------------------------------

fn sla_rank(q: &QuestionView) -> u8 {
    match q.sla.as_ref().map(|s| s.state.as_str()) {
        Some("overdue") => 0,
        Some("at_risk") => 1,
        _ => 2,
    }
}

/// `Service::queue` before paging: every waiting question of the forum through the list,
/// 100 at a time, then sorted in memory.
fn old_queue(svc: &Service, actor: &Actor, forum: &str) -> Vec<QuestionView> {
    let mut items = Vec::new();
    let mut page = 1;
    loop {
        let p = svc
            .list_questions(
                actor,
                &ListQuery {
                    forum: Some(forum.to_string()),
                    status: Some("open,in_progress,awaiting_info".into()),
                    page: Some(page),
                    per_page: Some(100),
                    ..Default::default()
                },
            )
            .unwrap();
        let n = p.items.len();
        items.extend(p.items);
        if n < 100 || items.len() as i64 >= p.total {
            break;
        }
        page += 1;
    }
    items.sort_by(|a, b| {
        (sla_rank(a), a.priority != Priority::Urgent, a.created_at).cmp(&(
            sla_rank(b),
            b.priority != Priority::Urgent,
            b.created_at,
        ))
    });
    items
}

/// The overdue list before: every waiting question read whole (`qs::list_all`), every
/// current stage and its pauses read and evaluated with its due times, the overdue ones
/// counted and one page taken; then the page's rows evaluated again as its views were.
fn old_overdue(svc: &Service, db: &store::DbPool, per_page: usize) -> (Vec<i64>, usize) {
    let mut conn = db.get().unwrap();
    let now = svc.clock().now();
    store::read_tx(&mut conn, |c| -> store::StoreResult<(Vec<i64>, usize)> {
        let filter = qs::ListFilter {
            statuses: Some(vec![Status::Open, Status::InProgress, Status::AwaitingInfo]),
            ..Default::default()
        };
        let all = qs::list_all(c, &filter)?;
        let states = evaluate(svc, c, &all, now)?;
        let overdue: Vec<&QuestionRow> = all
            .iter()
            .filter(|q| states.get(&q.id).is_some_and(|s| s == "overdue"))
            .collect();
        let page: Vec<i64> = overdue.iter().take(per_page).map(|q| q.id).collect();
        let rows = qs::by_ids(c, &page)?;
        evaluate(svc, c, &rows, now)?;
        Ok((page, overdue.len()))
    })
    .unwrap()
}

/// The old `current_slas`: stages and pauses in chunks of 500, `sla::evaluate` for each.
fn evaluate(
    svc: &Service,
    c: &mut store::DbConnection,
    rows: &[QuestionRow],
    now: DateTime<Utc>,
) -> store::StoreResult<HashMap<i64, String>> {
    let by_id: HashMap<i64, &QuestionRow> = rows.iter().map(|q| (q.id, q)).collect();
    let ids: Vec<i64> = rows.iter().map(|q| q.id).collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let stages = qs::last_stages(c, chunk)?;
        let stage_ids: Vec<i64> = stages.iter().map(|s| s.id).collect();
        let pauses = qs::pauses_of(c, &stage_ids)?;
        for s in stages {
            let (Some(q), Some(level)) = (by_id.get(&s.question_id), Some(s.level)) else {
                continue;
            };
            let times = StageTimes {
                entered_at: s.entered_at.and_utc(),
                first_response_at: s.first_response_at.map(|t| t.and_utc()),
                left_at: s.left_at.map(|t| t.and_utc()),
                pauses: pauses
                    .iter()
                    .filter(|p| p.stage_id == s.id)
                    .map(|p| (p.started_at.and_utc(), p.ended_at.map(|t| t.and_utc())))
                    .collect(),
            };
            let e = sla::evaluate(
                &times,
                svc.config.stage_targets(level, q.priority),
                svc.config.sla.at_risk_share,
                now,
                svc.config.sla.working_time,
            );
            out.insert(q.id, e.state.as_str().to_string());
        }
    }
    Ok(out)
}

/// `Service::sla_trend` before: one whole SLA report per month.
fn old_trend(svc: &Service, actor: &Actor, months: u32) -> Vec<MonthTrend> {
    let today = svc.clock().now().with_timezone(&Stockholm).date_naive();
    let mut out = Vec::new();
    for back in (0..months).rev() {
        let total = today.year() * 12 + today.month0() as i32 - back as i32;
        let (year, month0) = (total.div_euclid(12), total.rem_euclid(12) as u32);
        let first = NaiveDate::from_ymd_opt(year, month0 + 1, 1).unwrap();
        let next = if month0 == 11 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month0 + 2, 1)
        };
        let last = next.map_or(today, |n| (n - Duration::days(1)).min(today));
        let r = svc
            .sla_report(
                actor,
                &SlaReportQuery {
                    from: Some(first.format("%Y-%m-%d").to_string()),
                    to: Some(last.format("%Y-%m-%d").to_string()),
                    group_by: Some("level".into()),
                    format: None,
                },
            )
            .unwrap();
        out.push(MonthTrend {
            month: first.format("%Y-%m").to_string(),
            received: r.rows.iter().map(|x| x.received).sum(),
            answered: r.rows.iter().map(|x| x.answered).sum(),
            escalated: r.rows.iter().map(|x| x.escalated).sum(),
        });
    }
    out
}

// ---- over HTTP ------------------------------------------------------------------------------

/// The server on loopback, and a signed-in session cookie and a token for FORUM's member.
struct Http {
    base: String,
    cookie: String,
    token: String,
}

fn serve(svc: &Service, email: &str) -> Http {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    let server_svc = svc.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = eskalera::web::server(server_svc, listener, 2).unwrap();
            tx.send(()).unwrap();
            server.await
        })
    });
    rx.recv().unwrap();
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let form = agent.get(&format!("{base}/logga-in")).call().unwrap();
    let anon = form
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = form.into_string().unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[at..at + html[at..].find('"').unwrap()].to_string();
    let signed = match agent
        .post(&format!("{base}/logga-in"))
        .set("Cookie", &anon)
        .send_form(&[
            ("csrf", &csrf),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/"),
        ]) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let cookie = signed
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    Http {
        base,
        cookie,
        token: svc
            .create_token(&eskalera::service::Actor::operator(), email, None)
            .unwrap(),
    }
}

/// A GET's bytes (the status must be 200).
fn fetch(url: &str, header: (&str, &str)) -> usize {
    let r = ureq::get(url).set(header.0, header.1).call().unwrap();
    assert_eq!(r.status(), 200);
    r.into_string().unwrap().len()
}

struct Row {
    what: String,
    ms: f64,
    base_ms: Option<f64>,
    note: String,
}

fn run(backend: &str, db_url: &str, data: &Path, waiting: usize, history: usize) -> Vec<Row> {
    let _ = std::fs::remove_dir_all(data);
    std::fs::create_dir_all(data).unwrap();
    let now = saturday_noon();
    let svc = Service::open(common::config_at(db_url, data), Clock::starting_at(now)).unwrap();
    svc.add_user(
        &eskalera::service::Actor::operator(),
        &NewUserInput {
            email: "lagman@bench.se".into(),
            name: "Lagman".into(),
            unit: FORUM.into(),
            members: vec![FORUM.into()],
            role: Role::Legal,
            password: Some(PASSWORD.into()),
        },
    )
    .unwrap();
    let t = Instant::now();
    generate(&svc, db_url, now, waiting, history);
    eprintln!(
        "{backend}: corpus written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let actor = svc.actor_by_email("lagman@bench.se").unwrap();
    let pool = store::connect(db_url).unwrap();
    let mut rows = Vec::new();

    // The queue.
    let (old_ms, old) = time(3, || old_queue(&svc, &actor, FORUM));
    let (first_ms, first) = time(7, || svc.queue(&actor, FORUM, 1).unwrap());
    assert_eq!(first.total as usize, old.len());
    let old_ids: Vec<i64> = old.iter().map(|q| q.id).collect();
    let ids = |p: &eskalera::service::pages::QueuePage| -> Vec<i64> {
        p.items.iter().map(|q| q.id).collect()
    };
    assert_eq!(
        ids(&first),
        old_ids[..first.items.len()],
        "the same first page"
    );
    let middle_page = (first.pages + 1) / 2;
    let (middle_ms, middle) = time(7, || svc.queue(&actor, FORUM, middle_page).unwrap());
    let offset = ((middle_page - 1) * first.per_page) as usize;
    assert_eq!(ids(&middle), old_ids[offset..offset + middle.items.len()]);
    let (last_ms, last) = time(7, || svc.queue(&actor, FORUM, first.pages).unwrap());
    assert_eq!(
        ids(&last),
        old_ids[old_ids.len() - last.items.len()..],
        "the same last page"
    );
    let note = format!(
        "{} waiting, {} overdue, {} at risk; {} pages of {}",
        first.total, first.overdue, first.at_risk, first.pages, first.per_page
    );
    rows.push(Row {
        what: format!(
            "queue, page 1 of {} (baseline: the whole queue)",
            first.pages
        ),
        ms: first_ms,
        base_ms: Some(old_ms),
        note,
    });
    // Where the page's time goes: the one query of light rows, before any SLA is evaluated.
    let filter = qs::ListFilter {
        forums: Some(vec![FORUM.to_string()]),
        statuses: Some(vec![Status::Open, Status::InProgress, Status::AwaitingInfo]),
        ..Default::default()
    };
    let (light_ms, light) = time(7, || {
        let mut c = pool.get().unwrap();
        store::read_tx(&mut c, |c| qs::waiting(c, &filter, None)).unwrap()
    });
    assert_eq!(light.len(), old.len());
    rows.push(Row {
        what: "queue: its light rows alone (one query)".into(),
        ms: light_ms,
        base_ms: None,
        note: format!("{} rows", light.len()),
    });
    rows.push(Row {
        what: format!("queue, page {middle_page}"),
        ms: middle_ms,
        base_ms: Some(old_ms),
        note: String::new(),
    });
    rows.push(Row {
        what: format!("queue, page {} (the last)", first.pages),
        ms: last_ms,
        base_ms: Some(old_ms),
        note: String::new(),
    });

    // The overdue list of the API, every forum, first page of 100.
    let query = ListQuery {
        overdue: Some(true),
        per_page: Some(100),
        ..Default::default()
    };
    let (old_ms, (old_page, old_total)) = time(3, || old_overdue(&svc, &pool, 100));
    let (new_ms, page) = time(7, || svc.list_questions(&actor, &query).unwrap());
    assert_eq!(page.total as usize, old_total, "the same overdue total");
    assert_eq!(
        page.items.iter().map(|q| q.id).collect::<Vec<_>>(),
        old_page,
        "the same first page"
    );
    rows.push(Row {
        what: "overdue list, page 1 of 100 (every forum)".into(),
        ms: new_ms,
        base_ms: Some(old_ms),
        note: format!(
            "{} overdue of {} waiting",
            page.total,
            waiting + waiting / 4
        ),
    });

    // The reports page: the report of the last 30 days and the trend of twelve months.
    let report = SlaReportQuery {
        group_by: Some("level".into()),
        ..Default::default()
    };
    let (old_trend_ms, before) = time(3, || old_trend(&svc, &actor, 12));
    let (trend_ms, after) = time(7, || svc.sla_trend(&actor, 12).unwrap());
    assert_eq!(
        serde_json::to_value(&before).unwrap(),
        serde_json::to_value(&after).unwrap(),
        "the same trend"
    );
    let (report_ms, _) = time(7, || svc.sla_report(&actor, &report).unwrap());
    rows.push(Row {
        what: "reports page: 12-month trend".into(),
        ms: trend_ms,
        base_ms: Some(old_trend_ms),
        note: format!(
            "{} stages received in the 12 months",
            after.iter().map(|m| m.received).sum::<i64>()
        ),
    });
    rows.push(Row {
        what: "reports page: report + trend".into(),
        ms: report_ms + trend_ms,
        base_ms: Some(report_ms + old_trend_ms),
        note: format!("the report alone {report_ms:.1} ms"),
    });

    // Over HTTP, the pages and the list as a client gets them.
    let http = serve(&svc, "lagman@bench.se");
    let page_url = format!("{}/ko?forum={FORUM}&sida=1", http.base);
    let (ms, bytes) = time(7, || fetch(&page_url, ("Cookie", &http.cookie)));
    rows.push(Row {
        what: "GET /ko?forum=…&sida=1 over HTTP".into(),
        ms,
        base_ms: None,
        note: format!("{:.0} kB", bytes as f64 / 1000.0),
    });
    let list_url = format!("{}/api/v1/questions?overdue=true&per_page=100", http.base);
    let auth = format!("Bearer {}", http.token);
    let (ms, bytes) = time(7, || fetch(&list_url, ("Authorization", &auth)));
    rows.push(Row {
        what: "GET /api/v1/questions?overdue=true over HTTP".into(),
        ms,
        base_ms: None,
        note: format!("{:.0} kB", bytes as f64 / 1000.0),
    });
    let reports_url = format!("{}/rapporter", http.base);
    let (ms, bytes) = time(7, || fetch(&reports_url, ("Cookie", &http.cookie)));
    rows.push(Row {
        what: "GET /rapporter over HTTP".into(),
        ms,
        base_ms: None,
        note: format!("{:.0} kB", bytes as f64 / 1000.0),
    });
    rows
}

fn main() {
    let waiting = env_or("ESKALERA_BENCH_WAITING", 20_000);
    let history = env_or("ESKALERA_BENCH_HISTORY", 20_000);
    let root = std::path::PathBuf::from(
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()),
    )
    .join("bench-queue");
    let mut results = vec![(
        "SQLite",
        run(
            "SQLite",
            &root.join("sqlite/eskalera.db").display().to_string(),
            &root.join("sqlite"),
            waiting,
            history,
        ),
    )];
    match common::pg::server_url() {
        Some(server) => {
            let url = common::pg::fresh_database(&server, "eskalera_bench_queue");
            results.push((
                "PostgreSQL",
                run("PostgreSQL", &url, &root.join("postgres"), waiting, history),
            ));
        }
        None => eprintln!("ESKALERA_BENCH_PG_URL is not set: PostgreSQL is skipped"),
    }
    println!();
    println!(
        "{waiting} questions waiting at {FORUM}, {} elsewhere, {history} answered over a year; \
         medians (baselines of 3 runs, the rest of 7), warm cache, 2 cores, at {}",
        waiting / 4,
        saturday_noon()
    );
    println!("| backend | what | ms | baseline ms | ratio | notes |\n|---|---|---|---|---|---|");
    for (backend, rows) in results {
        for r in rows {
            let (base, ratio) = match r.base_ms {
                Some(b) => (format!("{b:.1}"), format!("{:.0}×", b / r.ms)),
                None => (String::new(), String::new()),
            };
            println!(
                "| {backend} | {} | {:.1} | {base} | {ratio} | {} |",
                r.what, r.ms, r.note
            );
        }
    }
}
