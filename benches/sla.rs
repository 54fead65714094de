//! The SLA report at scale: eskalera's report (stored working days aggregated in SQL, only
//! open stages computed in Rust) next to a baseline that loads every stage of the period and
//! computes its working days in Rust, on the same corpus in one run (SQLite, warm cache).
//! `ESKALERA_BENCH_QUESTIONS` sets the corpus size (default 1,000,000).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use chrono::{Duration, Utc};
use chrono_tz::Europe::Stockholm;
use common::Corpus;
use diesel::prelude::*;
use eskalera::domain::calendar::{self, WorkingTime};
use eskalera::service::reports::{BacklogQuery, SlaReportQuery};
use eskalera::store::schema::stages;

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut last = f(); // warm the cache
    let mut ms = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        last = f();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    (ms[ms.len() / 2], last)
}

fn main() {
    let n: usize = std::env::var("ESKALERA_BENCH_QUESTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let corpus = Corpus::sqlite(n);
    let svc = corpus.service();
    let actor = svc.actor_by_email("bench@test.se").unwrap();
    let pool = eskalera::store::connect(&corpus.db_url).unwrap();
    let mut conn = pool.get().unwrap();
    let total_stages: i64 = stages::table.count().get_result(&mut *conn).unwrap();
    let today = Utc::now().with_timezone(&Stockholm).date_naive();
    // The ten-year report takes seconds: ESKALERA_BENCH_SLA_ALL=1 includes it.
    let mut periods = vec![
        ("last 30 days", today - Duration::days(29)),
        ("last 12 months", today - Duration::days(364)),
    ];
    if std::env::var("ESKALERA_BENCH_SLA_ALL").is_ok() {
        periods.push(("all 10 years", today - Duration::days(3660)));
    }

    println!();
    println!("SLA report over {n} questions, {total_stages} stages, SQLite, warm cache, median of 5 runs, 2 cores");
    println!("{:<48} {:>12} {:>10}", "what", "ms", "rows");
    for (label, from) in periods {
        for group in ["level", "forum", "process"] {
            let q = SlaReportQuery {
                from: Some(from.to_string()),
                to: Some(today.to_string()),
                group_by: Some(group.into()),
                format: None,
            };
            let (ms, r) = time(5, || svc.sla_report(&actor, &q).unwrap());
            println!(
                "{:<48} {:>12.1} {:>10}",
                format!("eskalera sla_report, {label}, by {group}"),
                ms,
                r.rows.len()
            );
        }
        // Baseline: every stage of the period loaded and its working days computed in Rust.
        let start = from.and_hms_opt(0, 0, 0).unwrap();
        let (ms, count) = time(5, || {
            let rows: Vec<(chrono::NaiveDateTime, Option<chrono::NaiveDateTime>, String)> =
                stages::table
                    .filter(stages::entered_at.ge(start).or(stages::left_at.ge(start)))
                    .select((stages::entered_at, stages::left_at, stages::level))
                    .load(&mut *conn)
                    .unwrap();
            let now = Utc::now();
            let mut days: Vec<f64> = rows
                .iter()
                .map(|(e, l, _)| {
                    calendar::working_days_between(
                        e.and_utc(),
                        l.map_or(now, |l| l.and_utc()),
                        WorkingTime::FullDays,
                    )
                })
                .collect();
            days.sort_by(|a, b| a.total_cmp(b));
            days.len()
        });
        println!(
            "{:<48} {:>12.1} {:>10}",
            format!("baseline: load {count} stages, compute in Rust, {label}"),
            ms,
            5
        );
    }
    let (ms, r) = time(5, || svc.backlog(&actor, &BacklogQuery::default()).unwrap());
    let open: i64 = r.rows.iter().map(|x| x.open).sum();
    println!(
        "{:<48} {:>12.1} {:>10}",
        format!("eskalera backlog ({open} open questions)"),
        ms,
        r.rows.len()
    );
}
