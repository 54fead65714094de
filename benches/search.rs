//! Search latency at scale: the same 200 queries through eskalera's HTTP endpoint, through its
//! search function in-process (same analyzers, facets and snippets), and through SQLite FTS5
//! on the same corpus, in one run. `ESKALERA_BENCH_QUESTIONS` sets the corpus size
//! (default 1,000,000); the corpus and indexes are built once under target/ and reused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpListener;
use std::time::Instant;

use common::{summary, Corpus, Rng};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use eskalera::service::search::SearchQuery;

#[derive(QueryableByName)]
struct FtsHit {
    #[diesel(sql_type = BigInt)]
    #[allow(dead_code)]
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
    let svc = corpus.service();
    if svc
        .check_index()
        .map(|c| c.indexed != c.in_database)
        .unwrap_or(true)
    {
        let t = Instant::now();
        svc.rebuild_index(&mut std::io::stderr()).unwrap();
        eprintln!("tantivy index built in {:.1} s", t.elapsed().as_secs_f64());
    }
    // The rebuild published a new generation: reopen to search it.
    let svc = corpus.service();
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
    let token = svc.create_token("bench@test.se", None).unwrap();

    // In-process: the function the endpoint calls.
    let direct_with = |q: &str, facets: bool| {
        let t = Instant::now();
        let query = SearchQuery {
            q: Some(q.to_string()),
            facets: Some(facets),
            ..Default::default()
        };
        let r = svc.search(&actor, &query).unwrap();
        (t.elapsed().as_secs_f64() * 1000.0, r.total)
    };
    let direct = |q: &str| direct_with(q, true);
    // HTTP: a real server on loopback, one client, sequential requests.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server_svc = svc.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            eskalera::web::server(server_svc, listener, 2)
                .unwrap()
                .await
        })
    });
    let agent = ureq::AgentBuilder::new().build();
    while agent.get(&format!("{base}/healthz")).call().is_err() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let http = |q: &str| {
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
    let mut fts_run = |q: &str| {
        let fq = fts_query(q);
        let t = Instant::now();
        let hits: Vec<FtsHit> = diesel::sql_query(
            "SELECT rowid, snippet(bench_fts, 1, '<b>', '</b>', '…', 24) AS snip FROM bench_fts
             WHERE bench_fts MATCH $1 ORDER BY bm25(bench_fts, 3.0, 1.0, 1.5) LIMIT 20",
        )
        .bind::<Text, _>(&fq)
        .load(&mut fts)
        .unwrap_or_default();
        let total =
            diesel::sql_query("SELECT count(*) AS n FROM bench_fts WHERE bench_fts MATCH $1")
                .bind::<Text, _>(&fq)
                .get_result::<Count>(&mut fts)
                .map(|c| c.n)
                .unwrap_or(0);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        (ms, hits.len(), total)
    };

    // Warm the caches once for every engine, then measure, interleaved query by query so
    // that machine noise hits all three alike.
    for q in &qs {
        direct(q);
        http(q);
        fts_run(q);
    }
    // Each query runs `rounds` times (default 3), so that the p99 of 600 samples is not the
    // second-slowest of 200, which one hiccup of a shared machine decides.
    let rounds: usize = std::env::var("ESKALERA_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let (mut d, mut h, mut f, mut nf) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut totals = 0usize;
    let mut labels = Vec::new();
    for _ in 0..rounds {
        for q in &qs {
            let (ms, total) = direct(q);
            d.push(ms);
            labels.push(q);
            totals += total;
            h.push(http(q));
            f.push(fts_run(q).0);
            nf.push(direct_with(q, false).0);
        }
    }
    // The slowest queries, to see what the tail is made of.
    let mut slowest: Vec<(f64, &String)> = d.iter().copied().zip(labels.iter().copied()).collect();
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ms, q) in slowest.iter().take(5) {
        println!("slow query {ms:>8.1} ms  {q}");
    }
    let samples = d.len().max(1);
    let (d50, d99, dm) = summary(d);
    let (h50, h99, hm) = summary(h);
    let (f50, f99, fm) = summary(f);
    let (n50, n99, nm) = summary(nf);
    println!();
    println!(
        "search over {n} questions, {} queries × {rounds} rounds (avg {} matches, estimated above 20,000), 2 cores",
        qs.len(),
        totals / samples
    );
    println!(
        "{:<42} {:>9} {:>9} {:>9} {:>10}",
        "engine", "p50 ms", "p99 ms", "mean ms", "p99 ratio"
    );
    println!(
        "{:<42} {:>9.2} {:>9.2} {:>9.2} {:>10}",
        "eskalera in-process (tantivy+facets+snips)", d50, d99, dm, "1.00"
    );
    println!(
        "{:<42} {:>9.2} {:>9.2} {:>9.2} {:>10.2}",
        "eskalera HTTP GET /api/v1/search",
        h50,
        h99,
        hm,
        h99 / d99
    );
    println!(
        "{:<42} {:>9.2} {:>9.2} {:>9.2} {:>10.2}",
        "eskalera in-process, facets=false",
        n50,
        n99,
        nm,
        n99 / d99
    );
    println!(
        "{:<42} {:>9.2} {:>9.2} {:>9.2} {:>10.2}",
        "SQLite FTS5 (bm25 top 20 + count + snippet)",
        f50,
        f99,
        fm,
        f99 / d99
    );
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
