//! The SLA report and the backlog at scale: eskalera's (monthly rollups, raw stages only at a
//! period's partial edge months, open stages counted in SQL on their SLA clocks) next to the
//! baseline that computes the same report stage by stage (every stage of the period aggregated
//! in SQL, every open stage evaluated in Rust), on the same corpus in one run (SQLite, warm
//! cache). Every fast report is checked equal to the baseline's.
//! `ESKALERA_BENCH_QUESTIONS` sets the corpus size (default 1,000,000).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use chrono::{Datelike, Duration, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;
use common::{time, Corpus};
use diesel::prelude::*;
use eskalera::clock::Clock;
use eskalera::service::reports::{BacklogQuery, SlaReportQuery};
use eskalera::store::schema::stages;

fn main() {
    let n: usize = std::env::var("ESKALERA_BENCH_QUESTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let corpus = Corpus::sqlite(n);
    // Opening the service rebuilds the rollups and clocks once if the corpus predates them.
    let t = Instant::now();
    let svc = corpus.service();
    let open_s = t.elapsed().as_secs_f64();
    // The reports run at the coming Saturday noon: no working time passes between the fast
    // report and the baseline's, so both must give the same numbers (on a working day a few
    // open stages cross a limit during the seconds the baseline takes).
    let today = Utc::now().with_timezone(&Stockholm).date_naive();
    let saturday =
        today + Duration::days(i64::from((12 - today.weekday().num_days_from_monday()) % 7));
    let noon = Stockholm
        .from_local_datetime(&saturday.and_hms_opt(12, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc);
    let svc = svc.with_clock(Clock::starting_at(noon));
    let today = saturday;
    let actor = svc.actor_by_email("bench@test.se").unwrap();
    let pool = eskalera::store::connect(&corpus.db_url).unwrap();
    let mut conn = pool.get().unwrap();
    let total_stages: i64 = stages::table.count().get_result(&mut **conn).unwrap();
    let rollup_rows: i64 = diesel::sql_query("SELECT COUNT(*) AS n FROM sla_rollups")
        .get_result::<Count>(&mut **conn)
        .unwrap()
        .n;
    let periods = [
        ("last 30 days", today - Duration::days(29)),
        ("last 12 months", today - Duration::days(364)),
        // Half the corpus: the most rollup months either way (direct or complement).
        ("last 5 years", today - Duration::days(1825)),
        ("all 10 years", today - Duration::days(3660)),
    ];

    println!();
    println!(
        "SLA report over {n} questions, {total_stages} stages ({rollup_rows} rollup rows), \
         SQLite, warm cache, 2 cores, at {noon}; service opened in {open_s:.1} s"
    );
    println!(
        "{:<40} {:>10} {:>14} {:>8} {:>6}",
        "what", "ms", "baseline ms", "ratio", "rows"
    );
    for (label, from) in periods {
        for group in ["level", "forum", "process"] {
            let q = SlaReportQuery {
                from: Some(from.to_string()),
                to: Some(today.to_string()),
                group_by: Some(group.into()),
                format: None,
            };
            let (ms, fast) = time(5, || svc.sla_report(&actor, &q).unwrap());
            // The long baselines take seconds a call: one timed run.
            let runs = if label.contains("years") { 1 } else { 3 };
            let (base_ms, reference) = time(runs, || svc.sla_report_by_stages(&actor, &q).unwrap());
            assert_eq!(fast.rows, reference.rows, "{label} by {group}");
            println!(
                "{:<40} {:>10.1} {:>14.1} {:>7.1}x {:>6}",
                format!("sla_report, {label}, by {group}"),
                ms,
                base_ms,
                base_ms / ms,
                fast.rows.len()
            );
        }
    }
    for group in ["level", "forum", "process"] {
        let q = BacklogQuery {
            group_by: Some(group.into()),
            format: None,
        };
        let (ms, fast) = time(5, || svc.backlog(&actor, &q).unwrap());
        let (base_ms, reference) = time(3, || svc.backlog_by_stages(&actor, &q).unwrap());
        assert_eq!(fast.rows, reference.rows, "backlog by {group}");
        let open: i64 = fast.rows.iter().map(|x| x.open).sum();
        println!(
            "{:<40} {:>10.1} {:>14.1} {:>7.1}x {:>6}",
            format!("backlog ({open} open), by {group}"),
            ms,
            base_ms,
            base_ms / ms,
            fast.rows.len()
        );
    }
    let (ms, m) = time(5, || svc.metrics().unwrap());
    println!(
        "{:<40} {:>10.1} {:>14} {:>8} {:>6}",
        "metrics (per level)",
        ms,
        "",
        "",
        m.per_level.len()
    );
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
