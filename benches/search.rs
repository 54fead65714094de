//! Search latency at scale: the same 200 queries through eskalera's HTTP endpoint, through its
//! search function in-process (same analyzers, facets and snippets), through SQLite FTS5 and,
//! when `ESKALERA_BENCH_PG_URL` names a PostgreSQL server, through PostgreSQL full-text search
//! on the same corpus, in one run; then precision at 10 of every engine on a judged set
//! (`common/judged.rs`). `ESKALERA_BENCH_QUESTIONS` sets the corpus size (default 1,000,000);
//! the corpus and indexes are built once (under target/, and in database
//! `eskalera_bench_fts_N` on PostgreSQL) and reused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::time::Instant;

use common::{judged, summary, Corpus, Rng};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use eskalera::service::search::SearchQuery;

#[derive(QueryableByName)]
struct FtsHit {
    #[diesel(sql_type = BigInt)]
    rowid: i64,
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    snip: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn queries(n: usize) -> Vec<String> {
    let sentences = common::sentences();
    let words = common::words(&sentences);
    let mut rng = Rng::new(7);
    (0..n)
        .map(|i| match i % 4 {
            // A phrase from a real sentence.
            0 => {
                let s: Vec<&str> = rng
                    .pick(&sentences)
                    .split_whitespace()
                    .filter(|w| w.chars().all(char::is_alphabetic))
                    .collect();
                let start = rng.below(s.len().saturating_sub(2).max(1));
                format!("\"{}\"", s[start..(start + 2).min(s.len())].join(" "))
            }
            // One to three words, as people type them.
            k => (0..k)
                .map(|_| rng.pick(&words).clone())
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect()
}

/// FTS5's query syntax: every word quoted, OR'ed like eskalera's; phrases kept.
fn fts_query(q: &str) -> String {
    if q.starts_with('"') {
        return q.to_string();
    }
    q.split_whitespace()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn main() {
    let n: usize = std::env::var("ESKALERA_BENCH_QUESTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let corpus = Corpus::sqlite(n);
    // The ranking before 0.2.7 (`search.ranking = "fields"`) runs beside it on the same
    // index, interleaved.
    let svc = corpus.indexed_service();
    let old_svc = {
        let mut config = corpus.config();
        config.search.ranking = eskalera::search::Ranking::Fields;
        eskalera::service::Service::open(config, eskalera::clock::Clock::system()).unwrap()
    };
    let mut fts = diesel::SqliteConnection::establish(&corpus.db_url).unwrap();
    let has_fts =
        diesel::sql_query("SELECT count(*) AS n FROM sqlite_master WHERE name = 'bench_fts'")
            .get_result::<Count>(&mut fts)
            .map(|c| c.n > 0)
            .unwrap_or(false);
    if !has_fts {
        let t = Instant::now();
        fts.batch_execute(
            "CREATE VIRTUAL TABLE bench_fts USING fts5(title, body, answers, tokenize = 'unicode61 remove_diacritics 2');
             INSERT INTO bench_fts(rowid, title, body, answers)
               SELECT q.id, q.title, q.body, coalesce((SELECT group_concat(a.body, ' ') FROM answers a WHERE a.question_id = q.id), '')
               FROM questions q;",
        )
        .unwrap();
        eprintln!("FTS5 index built in {:.1} s", t.elapsed().as_secs_f64());
    }

    let qs = queries(200);
    let actor = svc.actor_by_email("bench@test.se").unwrap();
    let token = svc
        .create_token(&eskalera::service::Actor::operator(), "bench@test.se", None)
        .unwrap();
    // PostgreSQL full-text search on the same questions and answers, loaded once.
    let mut pg = common::pg::server_url().map(|url| {
        let mut lite = diesel::SqliteConnection::establish(&corpus.db_url).unwrap();
        let mut pg = common::pg::fts_corpus(&url, &mut lite, n);
        // A session setting only: the server's configuration is left as it is.
        pg.batch_execute("SET work_mem = '64MB'").unwrap();
        pg
    });
    if pg.is_none() {
        eprintln!("ESKALERA_BENCH_PG_URL is not set: PostgreSQL full-text search is skipped");
    }

    // In-process: the function the endpoint calls.
    let direct_with = |q: &str, facets: bool| {
        let t = Instant::now();
        let query = SearchQuery {
            q: Some(q.to_string()),
            facets: Some(facets),
            ..Default::default()
        };
        let r = svc.search(&actor, &query).unwrap();
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        (ms, r.total, r.hits.iter().map(|h| h.id).collect::<Vec<_>>())
    };
    let direct = |q: &str| direct_with(q, true);
    // HTTP: a real server on loopback per ranking, one client, sequential requests.
    let base = common::serve(&svc);
    let old_base = common::serve(&old_svc);
    let agent = ureq::AgentBuilder::new().build();
    for b in [&base, &old_base] {
        while agent.get(&format!("{b}/healthz")).call().is_err() {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    let http_at = |base: &str, q: &str| {
        let url = format!("{base}/api/v1/search?q={}", urlencode(q));
        let t = Instant::now();
        let body = agent
            .get(&url)
            .set("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        assert!(body.contains("\"hits\""));
        ms
    };
    let http = |q: &str| http_at(&base, q);
    let http_old = |q: &str| http_at(&old_base, q);
    let pg_run = |pg: &mut diesel::PgConnection, q: &str| {
        let t = Instant::now();
        let (hits, total) = common::pg::search(pg, q);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        (ms, total, hits.iter().map(|h| h.id).collect::<Vec<_>>())
    };

    // Warm the caches once for every engine, then measure, interleaved query by query so
    // that machine noise hits all of them alike.
    for q in &qs {
        direct(q);
        http(q);
        http_old(q);
        fts_run(&mut fts, q);
        if let Some(pg) = pg.as_mut() {
            pg_run(pg, q);
        }
    }
    // Each query runs `rounds` times (default 3), so that the p99 of 600 samples is not the
    // second-slowest of 200, which one hiccup of a shared machine decides.
    let rounds: usize = std::env::var("ESKALERA_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let (mut d, mut h, mut f, mut nf, mut p) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut ho = Vec::new();
    let (mut totals, mut fts_totals, mut pg_totals) = (0usize, 0i64, 0i64);
    let mut labels = Vec::new();
    let mut pg_slowest: Vec<(f64, &String)> = Vec::new();
    for round in 0..rounds {
        for (i, q) in qs.iter().enumerate() {
            let (ms, total, _) = direct(q);
            d.push(ms);
            labels.push(q);
            totals += total;
            // The two rankings take turns going first: the second of two requests for the
            // same words finds more of them in the processor's caches.
            if (i + round) % 2 == 0 {
                h.push(http(q));
                ho.push(http_old(q));
            } else {
                ho.push(http_old(q));
                h.push(http(q));
            }
            let (ms, _, total) = fts_run(&mut fts, q);
            f.push(ms);
            fts_totals += total;
            nf.push(direct_with(q, false).0);
            if let Some(pg) = pg.as_mut() {
                let (ms, total, _) = pg_run(pg, q);
                p.push(ms);
                pg_slowest.push((ms, q));
                pg_totals += total;
            }
        }
    }
    // The slowest queries, to see what the tail is made of.
    let mut slowest: Vec<(f64, &String)> = d.iter().copied().zip(labels.iter().copied()).collect();
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ms, q) in slowest.iter().take(5) {
        println!("slow query {ms:>8.1} ms  {q}");
    }
    pg_slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ms, q) in pg_slowest.iter().take(5) {
        println!("slow PostgreSQL query {ms:>8.1} ms  {q}");
    }
    let samples = d.len().max(1);
    let has_pg = !p.is_empty();
    let (d50, d99, dm) = summary(d);
    let (h50, h99, hm) = summary(h);
    let (o50, o99, om) = summary(ho);
    let (f50, f99, fm) = summary(f);
    let (n50, n99, nm) = summary(nf);
    let (p50, p99, pm) = summary(p);
    println!();
    println!(
        "search over {n} questions, {} queries × {rounds} rounds, one run, engines interleaved, 2 cores",
        qs.len(),
    );
    println!(
        "{:<46} {:>8} {:>8} {:>8} {:>9} {:>10} {:>9}",
        "engine", "p50 ms", "p99 ms", "mean ms", "p99/proc", "p99/HTTP", "matches"
    );
    let row = |name: &str, p50: f64, p99: f64, mean: f64, matches: String| {
        println!(
            "{name:<46} {p50:>8.2} {p99:>8.2} {mean:>8.2} {:>9.2} {:>10.2} {matches:>9}",
            p99 / d99,
            p99 / h99
        );
    };
    let avg = |t: i64| format!("{}", t / samples as i64);
    row(
        "eskalera in-process (tantivy+facets+snips)",
        d50,
        d99,
        dm,
        format!("~{}", totals / samples),
    );
    row(
        "eskalera HTTP GET /api/v1/search",
        h50,
        h99,
        hm,
        format!("~{}", totals / samples),
    );
    row(
        "eskalera HTTP, ranking before 0.2.7 (fields)",
        o50,
        o99,
        om,
        String::from("same"),
    );
    println!(
        "goal: eskalera HTTP p99 {h99:.2} ms < 20 ms: {}; at most 1.25× the ranking before ({o99:.2} ms): {:.2}× {}",
        if h99 < 20.0 { "met" } else { "NOT met" },
        h99 / o99,
        if h99 <= 1.25 * o99 { "met" } else { "NOT met" }
    );
    row(
        "eskalera in-process, facets=false",
        n50,
        n99,
        nm,
        format!("~{}", totals / samples),
    );
    row(
        "SQLite FTS5 (bm25 top 20 + count + snippet)",
        f50,
        f99,
        fm,
        avg(fts_totals),
    );
    if has_pg {
        row(
            "PostgreSQL FTS (GIN, ts_rank 20, count, hl)",
            p50,
            p99,
            pm,
            avg(pg_totals),
        );
        println!(
            "goal: eskalera HTTP p99 {h99:.2} ms < 20 ms: {}; PostgreSQL p99 / eskalera HTTP p99 = {:.1} (goal ≥ 10): {}",
            if h99 < 20.0 { "met" } else { "NOT met" },
            p99 / h99,
            if p99 / h99 >= 10.0 { "met" } else { "NOT met" }
        );
    }
    println!("(~: eskalera's total is an estimate above 20,000 matches)");

    // Precision at 10 on the judged set.
    let sentences = common::sentences();
    let cache = corpus.dir.join("judged.json");
    let relevant: Vec<Vec<i64>> = match std::fs::read(&cache)
        .ok()
        .and_then(|b| serde_json::from_slice::<Vec<Vec<i64>>>(&b).ok())
        .filter(|v| v.len() == judged::JUDGED.len())
    {
        Some(v) => v,
        None => {
            let t = Instant::now();
            let mut lite = diesel::SqliteConnection::establish(&corpus.db_url).unwrap();
            let v: Vec<Vec<i64>> = judged::JUDGED
                .iter()
                .map(|(_, frag)| judged::relevant(&mut lite, &judged::sentence(&sentences, frag)))
                .collect();
            std::fs::write(&cache, serde_json::to_vec(&v).unwrap()).unwrap();
            eprintln!("judged set computed in {:.1} s", t.elapsed().as_secs_f64());
            v
        }
    };
    let precision = |ids: &[i64], rel: &HashSet<i64>| {
        ids.iter().take(10).filter(|id| rel.contains(id)).count() as f64 / 10.0
    };
    println!();
    println!(
        "precision at 10 on {} judged queries (relevant: generated from the query's seed sentence)",
        judged::JUDGED.len()
    );
    println!(
        "{:<52} {:>9} {:>9} {:>9} {:>9}",
        "query", "relevant", "eskalera", "FTS5", "PG FTS"
    );
    let (mut pe, mut pf, mut pp) = (Vec::new(), Vec::new(), Vec::new());
    for ((q, _), rel) in judged::JUDGED.iter().zip(&relevant) {
        let rel: HashSet<i64> = rel.iter().copied().collect();
        let e = precision(&direct(q).2, &rel);
        let fr = precision(&fts_run(&mut fts, q).1, &rel);
        let pr = pg.as_mut().map(|pg| precision(&pg_run(pg, q).2, &rel));
        pe.push(e);
        pf.push(fr);
        if let Some(x) = pr {
            pp.push(x);
        }
        println!(
            "{q:<52} {:>9} {e:>9.1} {fr:>9.1} {:>9}",
            rel.len(),
            pr.map_or("-".into(), |x| format!("{x:.1}"))
        );
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let zero = |v: &[f64]| v.iter().filter(|x| **x == 0.0).count();
    println!(
        "{:<52} {:>9} {:>9.2} {:>9.2} {:>9}",
        "mean precision at 10",
        "",
        mean(&pe),
        mean(&pf),
        if pp.is_empty() {
            "-".into()
        } else {
            format!("{:.2}", mean(&pp))
        }
    );
    println!(
        "{:<52} {:>9} {:>9} {:>9} {:>9}",
        "queries with no relevant question in the top 10",
        "",
        zero(&pe),
        zero(&pf),
        if pp.is_empty() {
            "-".into()
        } else {
            zero(&pp).to_string()
        }
    );
}

/// FTS5 as an application would run it: the 20 best by bm25 (title ×3, body ×1, answers
/// ×1.5) with a snippet, and the number of matches. Returns (ms, ids, total).
fn fts_run(fts: &mut diesel::SqliteConnection, q: &str) -> (f64, Vec<i64>, i64) {
    let fq = fts_query(q);
    let t = Instant::now();
    let hits: Vec<FtsHit> = diesel::sql_query(
        "SELECT rowid, snippet(bench_fts, 1, '<b>', '</b>', '…', 24) AS snip FROM bench_fts
         WHERE bench_fts MATCH $1 ORDER BY bm25(bench_fts, 3.0, 1.0, 1.5) LIMIT 20",
    )
    .bind::<Text, _>(&fq)
    .load(fts)
    .unwrap_or_default();
    let total = diesel::sql_query("SELECT count(*) AS n FROM bench_fts WHERE bench_fts MATCH $1")
        .bind::<Text, _>(&fq)
        .get_result::<Count>(fts)
        .map(|c| c.n)
        .unwrap_or(0);
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    (ms, hits.iter().map(|h| h.rowid).collect(), total)
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
