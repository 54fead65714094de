//! Writes over HTTP on a fresh database, on SQLite and (when `ESKALERA_BENCH_PG_URL` names a
//! PostgreSQL server) on PostgreSQL, each served as `eskalera serve` serves it (indexer and
//! mailer threads running, mail to files):
//! - the baseline: the same clients on `GET /healthz` for 5 s (one database round trip, no
//!   write), what HTTP, the clients and the pool manage on this machine at all;
//! - submission throughput and latency: `ESKALERA_BENCH_CLIENTS` threads (default 16) post
//!   questions to `POST /api/v1/questions` for `ESKALERA_BENCH_SECONDS` (default 20);
//! - freshness: `ESKALERA_BENCH_ANSWERS` answers (default 200), one at a time, each with a
//!   word of its own; the time from the `POST /api/v1/questions/{id}/answers` response to the
//!   first `GET /api/v1/search` (polled every 2 ms) that finds the question by that word.
//!
//! Mail goes over SMTP to a sink on loopback (benches/common/smtp.rs), as it would to the
//! agency's relay.
//!
//! The PostgreSQL database is `eskalera_bench_write`, dropped and created at every run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{summary, Rng};
use eskalera::clock::Clock;
use eskalera::config::Config;
use eskalera::service::users::NewUserInput;
use eskalera::service::{Role, Service};
use serde_json::{json, Value};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Served {
    base: String,
    svc: Service,
    askers: Vec<(String, String)>,
    /// unit → a member's token
    members: std::collections::HashMap<String, String>,
    smtp: common::smtp::Sink,
    _indexer: eskalera::jobs::Worker,
    _mailer: eskalera::jobs::Worker,
    _scheduler: eskalera::jobs::Worker,
}

/// A fresh database with 16 askers at 16 units and two members of each of those units,
/// served on loopback with the indexer and the mailer running.
fn serve(db_url: &str, data: &Path) -> Served {
    let _ = std::fs::remove_dir_all(data);
    std::fs::create_dir_all(data).unwrap();
    let url = db_url.to_string();
    let dir = data.display().to_string();
    let smtp = common::smtp::start();
    let smtp_url = smtp.url.clone();
    let config =
        Config::load_with_env(
            Some(Path::new("config/default.toml")),
            move |name| match name {
                "ESKALERA_DATABASE_URL" => Some(url.clone()),
                "ESKALERA_DATA_DIR" => Some(dir.clone()),
                "ESKALERA_SMTP_URL" => Some(smtp_url.clone()),
                _ => None,
            },
        )
        .unwrap();
    let svc = Service::open(config, Clock::system()).unwrap();
    let units: Vec<String> = svc
        .config
        .structure
        .units
        .keys()
        .take(16)
        .cloned()
        .collect();
    let mut askers = Vec::new();
    let mut members = std::collections::HashMap::new();
    for (i, unit) in units.iter().enumerate() {
        let email = format!("asker{i}@bench.se");
        svc.add_user(
            &eskalera::service::Actor::operator(),
            &NewUserInput {
                email: email.clone(),
                name: format!("Asker {i}"),
                unit: unit.clone(),
                members: vec![],
                role: Role::Caseworker,
                password: None,
            },
        )
        .unwrap();
        askers.push((
            unit.clone(),
            svc.create_token(&eskalera::service::Actor::operator(), &email, None)
                .unwrap(),
        ));
        for m in 0..2 {
            let email = format!("member{i}-{m}@bench.se");
            svc.add_user(
                &eskalera::service::Actor::operator(),
                &NewUserInput {
                    email: email.clone(),
                    name: format!("Medlem {i} {m}"),
                    unit: unit.clone(),
                    members: vec![unit.clone()],
                    role: Role::Caseworker,
                    password: None,
                },
            )
            .unwrap();
            members.insert(
                unit.clone(),
                svc.create_token(&eskalera::service::Actor::operator(), &email, None)
                    .unwrap(),
            );
        }
    }
    let indexer = eskalera::jobs::start_indexer(&svc).unwrap();
    let mailer = eskalera::jobs::start_mailer(&svc).unwrap();
    let scheduler = eskalera::jobs::start_scheduler(&svc).unwrap();
    let base = common::serve(&svc);
    while ureq::get(&format!("{base}/healthz")).call().is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    Served {
        base,
        svc,
        askers,
        members,
        smtp,
        _indexer: indexer,
        _mailer: mailer,
        _scheduler: scheduler,
    }
}

fn question(rng: &mut Rng, sentences: &[String]) -> Value {
    let title: String = rng.pick(sentences).chars().take(120).collect();
    let body = (0..2 + rng.below(2))
        .map(|_| rng.pick(sentences).as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let process = *rng.pick(&["asyl_forstagang", "asyl_forlangning", "medborgarskap"]);
    json!({"title": title, "body": body, "process": process, "tags": ["belarus"]})
}

struct Throughput {
    ok: usize,
    failed: usize,
    seconds: f64,
    ms: Vec<f64>,
    ids: Vec<(String, i64)>,
}

/// `clients` threads submit questions for `seconds`; every thread as its own asker.
fn submissions(s: &Served, clients: usize, seconds: u64) -> Throughput {
    let sentences = Arc::new(common::sentences());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (unit, token) = s.askers[i % s.askers.len()].clone();
            let url = format!("{}/api/v1/questions", s.base);
            let sentences = sentences.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let mut rng = Rng::new(1000 + i as u64);
                let (mut ms, mut ids, mut failed) = (Vec::new(), Vec::new(), 0usize);
                while !stop.load(Ordering::Relaxed) {
                    let body = question(&mut rng, &sentences);
                    let t = Instant::now();
                    match agent
                        .post(&url)
                        .set("Authorization", &format!("Bearer {token}"))
                        .send_json(body)
                    {
                        Ok(r) => {
                            let v: Value = r.into_json().unwrap();
                            ms.push(t.elapsed().as_secs_f64() * 1000.0);
                            ids.push((unit.clone(), v["id"].as_i64().unwrap()));
                        }
                        Err(e) => {
                            failed += 1;
                            if failed < 3 {
                                eprintln!("submission failed: {e}");
                            }
                        }
                    }
                }
                (ms, ids, failed)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut out = Throughput {
        ok: 0,
        failed: 0,
        seconds: 0.0,
        ms: Vec::new(),
        ids: Vec::new(),
    };
    for t in threads {
        let (ms, ids, failed) = t.join().unwrap();
        out.ok += ms.len();
        out.ms.extend(ms);
        out.ids.extend(ids);
        out.failed += failed;
    }
    out.seconds = started.elapsed().as_secs_f64();
    out
}

/// The baseline: the same clients for `seconds` on `GET /healthz`, a request that takes a
/// blocking thread and one database round trip and writes nothing. Requests per second.
fn floor(s: &Served, clients: usize, seconds: u64) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let url = format!("{}/healthz", s.base);
            let stop = stop.clone();
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    if agent.get(&url).call().is_ok() {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let n: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    n as f64 / started.elapsed().as_secs_f64()
}

/// Letters only, so that the analyzer keeps it one word: "frskv" + the number in base 20.
fn marker(i: usize) -> String {
    const L: &[u8] = b"bcdfghjklmnpqrstvwxz";
    let mut s = String::from("frskv");
    let mut n = i + 20 * 20 * 20;
    while n > 0 {
        s.push(L[n % 20] as char);
        n /= 20;
    }
    s
}

/// Answers `n` of the submitted questions one at a time; for each, the time from the answer's
/// response to the first search that finds the question by the answer's own word.
fn freshness(s: &Served, ids: &[(String, i64)], n: usize) -> (Vec<f64>, usize) {
    let agent = ureq::AgentBuilder::new().build();
    let sentences = common::sentences();
    let mut rng = Rng::new(99);
    let mut ms = Vec::new();
    let mut timeouts = 0;
    let step = (ids.len() / n.max(1)).max(1);
    for (k, (unit, id)) in ids.iter().step_by(step).take(n).enumerate() {
        let token = &s.members[unit];
        let word = marker(k);
        let body = format!("{} Nyckelord: {word}.", rng.pick(&sentences));
        agent
            .post(&format!("{}/api/v1/questions/{id}/answers", s.base))
            .set("Authorization", &format!("Bearer {token}"))
            .send_json(json!({"body": body, "binding_status": "guidance"}))
            .unwrap();
        let committed = Instant::now();
        let url = format!("{}/api/v1/search?q={word}&facets=false", s.base);
        loop {
            let v: Value = agent
                .get(&url)
                .set("Authorization", &format!("Bearer {token}"))
                .call()
                .unwrap()
                .into_json()
                .unwrap();
            let found = v["hits"]
                .as_array()
                .is_some_and(|h| h.iter().any(|x| x["id"].as_i64() == Some(*id)));
            if found {
                ms.push(committed.elapsed().as_secs_f64() * 1000.0);
                break;
            }
            if committed.elapsed() > Duration::from_secs(10) {
                timeouts += 1;
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    (ms, timeouts)
}

fn wait_for_index(svc: &Service) -> f64 {
    let t = Instant::now();
    while svc.index_lag().unwrap() > 0 && t.elapsed() < Duration::from_secs(300) {
        std::thread::sleep(Duration::from_millis(10));
    }
    t.elapsed().as_secs_f64()
}

/// Seconds until the outbox is empty.
fn wait_for_mail(svc: &Service) -> f64 {
    let t = Instant::now();
    while svc.mail_pending().unwrap() > 0 && t.elapsed() < Duration::from_secs(300) {
        std::thread::sleep(Duration::from_millis(10));
    }
    t.elapsed().as_secs_f64()
}

struct Report {
    backend: &'static str,
    floor: f64,
    tp: Throughput,
    catch_up: f64,
    mail_drain: f64,
    mails: usize,
    fresh: Vec<f64>,
    timeouts: usize,
}

fn run(backend: &'static str, db_url: &str, data: &Path) -> Report {
    let clients = env_or("ESKALERA_BENCH_CLIENTS", 16);
    let seconds = env_or("ESKALERA_BENCH_SECONDS", 20) as u64;
    let answers = env_or("ESKALERA_BENCH_ANSWERS", 200);
    let s = serve(db_url, data);
    eprintln!("{backend}: {clients} clients on GET /healthz for 5 s (the baseline)");
    let floor = floor(&s, clients, 5);
    eprintln!("{backend}: {clients} clients submitting for {seconds} s");
    let tp = submissions(&s, clients, seconds);
    let catch_up = wait_for_index(&s.svc);
    let mail_drain = wait_for_mail(&s.svc);
    let mails = s.smtp.accepted();
    eprintln!("{backend}: {answers} answers, each searched for until found");
    let (fresh, timeouts) = freshness(&s, &tp.ids, answers);
    Report {
        backend,
        floor,
        tp,
        catch_up,
        mail_drain,
        mails,
        fresh,
        timeouts,
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
        .join("bench-write");
    // ESKALERA_BENCH_BACKENDS=sqlite or =postgres runs one of them only.
    let only = std::env::var("ESKALERA_BENCH_BACKENDS").unwrap_or_default();
    let mut reports = Vec::new();
    if !only.contains("postgres") || only.contains("sqlite") {
        reports.push(run(
            "SQLite",
            &root.join("sqlite/eskalera.db").display().to_string(),
            &root.join("sqlite"),
        ));
    }
    if only.is_empty() || only.contains("postgres") {
        match common::pg::server_url() {
            Some(server) => {
                let url = common::pg::fresh_database(&server, "eskalera_bench_write");
                reports.push(run("PostgreSQL", &url, &root.join("postgres")));
            }
            None => eprintln!("ESKALERA_BENCH_PG_URL is not set: PostgreSQL is skipped"),
        }
    }
    let clients = env_or("ESKALERA_BENCH_CLIENTS", 16);
    println!();
    println!(
        "question submission over HTTP, fresh database, {clients} clients, indexer and mailer running, 2 cores"
    );
    println!(
        "{:<12} {:>10} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8} {:>12} {:>7} {:>11}",
        "backend",
        "submitted",
        "per s",
        "healthz/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
        "index lag s",
        "mails",
        "mail lag s"
    );
    for r in &reports {
        let max = r.tp.ms.iter().copied().fold(0.0, f64::max);
        let (p50, p99, _) = summary(r.tp.ms.clone());
        println!(
            "{:<12} {:>10} {:>9.0} {:>10.0} {:>8.2} {:>8.2} {:>8.1} {:>8} {:>12.2} {:>7} {:>11.2}",
            r.backend,
            r.tp.ok,
            r.tp.ok as f64 / r.tp.seconds,
            r.floor,
            p50,
            p99,
            max,
            r.tp.failed,
            r.catch_up,
            r.mails,
            r.mail_drain
        );
    }
    println!();
    println!(
        "freshness: answer committed (response returned) → findable through GET /api/v1/search"
    );
    println!(
        "{:<12} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "backend", "answers", "p50 ms", "p99 ms", "max ms", "timeouts"
    );
    for r in &reports {
        let max = r.fresh.iter().copied().fold(0.0, f64::max);
        let (p50, p99, _) = summary(r.fresh.clone());
        println!(
            "{:<12} {:>8} {:>8.1} {:>8.1} {:>8.1} {:>9}",
            r.backend,
            r.fresh.len(),
            p50,
            p99,
            max,
            r.timeouts
        );
    }
}
