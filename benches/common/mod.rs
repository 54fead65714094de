//! The benchmark corpus: Swedish questions with answers and stage histories, generated
//! deterministically from the seed documents' vocabulary and bulk-loaded into a database.
//! Shared by the search, SLA and scale benchmarks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod judged;
pub mod pg;
pub mod smtp;

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Duration, Utc};
use eskalera::clock::Clock;
use eskalera::config::Config;
use eskalera::domain::answer::BindingStatus;
use eskalera::domain::calendar;
use eskalera::domain::question::{Priority, StageOutcome, Status};
use eskalera::domain::structure::{EscalationTarget, Level};
use eskalera::service::users::NewUserInput;
use eskalera::service::{Role, Service};
use eskalera::store::models::{NewAnswer, NewQuestion, NewStage};
use eskalera::store::{self, questions as qs};

const SEEDS: [&str; 3] = [
    include_str!("../../tests/data/seeds/statskontoret-2024-14-manga-oar-sma.txt"),
    include_str!("../../tests/data/seeds/migrationsverket-2025-atgarder-enhetlighet.txt"),
    include_str!("../../tests/data/seeds/riksdagen-svar-2024-25-1298-belarus.txt"),
];

/// xorshift64*: deterministic, so every run builds the same corpus.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Sentences of the seed documents, de-hyphenated.
pub fn sentences() -> Vec<String> {
    let mut out = Vec::new();
    for text in SEEDS {
        let joined = text.replace("-\n\n", "").replace("-\n", "");
        let flat = joined.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut current = String::new();
        let chars: Vec<char> = flat.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            current.push(*c);
            if matches!(c, '.' | '?' | '!')
                && chars.get(i + 1) == Some(&' ')
                && chars.get(i + 2).is_some_and(|n| n.is_uppercase())
            {
                let s = current.trim();
                if s.chars().count() > 30 && eskalera::domain::pii::find_pii(s).is_empty() {
                    out.push(s.to_string());
                }
                current.clear();
            }
        }
    }
    out
}

/// Words of the vocabulary that queries are drawn from (4+ letters).
pub fn words(sentences: &[String]) -> Vec<String> {
    let mut w: Vec<String> = sentences
        .iter()
        .flat_map(|s| {
            s.split(|c: char| !c.is_alphanumeric())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
        .collect();
    w.sort();
    w.dedup();
    w
}

const TAGS: [&str; 12] = [
    "belarus",
    "konvertiter",
    "hbtqi",
    "trovärdighet",
    "barn",
    "förvar",
    "identitet",
    "säkerhet",
    "sudan",
    "förlängning",
    "muntlig utredning",
    "landinformation",
];
const COUNTRIES: [&str; 10] = ["BY", "SD", "AF", "SY", "ER", "IR", "IQ", "SO", "RU", "UA"];

pub struct Corpus {
    pub dir: PathBuf,
    pub db_url: String,
    pub questions: usize,
}

impl Corpus {
    pub fn config(&self) -> Config {
        config_at(&self.db_url, &self.dir.join("data"))
    }

    pub fn service(&self) -> Service {
        Service::open(self.config(), Clock::system()).unwrap()
    }

    /// The service with an index that holds every question of the corpus: built when it does
    /// not (the first run), then reopened, since the rebuild published a new generation.
    pub fn indexed_service(&self) -> Service {
        let svc = self.service();
        if svc
            .check_index()
            .map(|c| c.indexed != c.in_database)
            .unwrap_or(true)
        {
            let t = Instant::now();
            svc.rebuild_index(&mut std::io::sink()).unwrap();
            eprintln!("tantivy index built in {:.1} s", t.elapsed().as_secs_f64());
        }
        self.service()
    }

    /// The corpus of `n` questions under target/bench-corpus-N (SQLite), built once and reused.
    pub fn sqlite(n: usize) -> Corpus {
        let dir = PathBuf::from(format!("target/bench-corpus-{n}"));
        let db = dir.join("eskalera.db");
        let done = dir.join("COMPLETE");
        let corpus = Corpus {
            dir: dir.clone(),
            db_url: db.display().to_string(),
            questions: n,
        };
        if !done.exists() {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            corpus.generate();
            std::fs::write(&done, "").unwrap();
        }
        corpus
    }

    /// Bulk-loads the generated questions, answers and stages (not through the use cases, which
    /// would take hours for a million; the rows are the same shape).
    pub fn generate(&self) {
        let started = Instant::now();
        let svc = self.service();
        let _ = svc.add_user(
            &eskalera::service::Actor::operator(),
            &NewUserInput {
                email: "bench@test.se".into(),
                name: "Bench".into(),
                unit: "u-lulea-asyl".into(),
                members: vec![],
                role: Role::Legal,
                password: None,
            },
        );
        let config = self.config();
        let s = &config.structure;
        let units: Vec<&String> = s.units.keys().collect();
        let processes: Vec<&str> = s.processes.iter().map(|p| p.code.as_str()).collect();
        let categories: Vec<&str> = s.categories.iter().map(|p| p.code.as_str()).collect();
        let sentences = sentences();
        let pool = store::connect(&self.db_url).unwrap();
        let mut conn = pool.get().unwrap();
        let mut rng = Rng::new(42);
        let now = Utc::now();
        let batch = 5000;
        let mut done = 0;
        while done < self.questions {
            let this = batch.min(self.questions - done);
            store::write_tx(&mut conn, |c| -> Result<(), store::StoreError> {
                for _ in 0..this {
                    let title_src = rng.pick(&sentences);
                    let words: Vec<&str> = title_src.split_whitespace().collect();
                    let start = rng.below(words.len().saturating_sub(8).max(1));
                    let title: String = words[start..(start + 6 + rng.below(6)).min(words.len())]
                        .join(" ")
                        .chars()
                        .take(190)
                        .collect();
                    let body = (0..2 + rng.below(3))
                        .map(|_| rng.pick(&sentences).as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    let process = *rng.pick(&processes);
                    let category = *rng.pick(&categories);
                    let tags: Vec<String> = (0..1 + rng.below(3))
                        .map(|_| rng.pick(&TAGS).to_string())
                        .collect();
                    let countries: Vec<String> = if rng.unit() < 0.3 {
                        vec![rng.pick(&COUNTRIES).to_string()]
                    } else {
                        vec![]
                    };
                    let unit = rng.pick(&units).as_str();
                    let created =
                        now - Duration::seconds((rng.unit() * 10.0 * 365.0 * 86400.0) as i64);
                    // Walk up the structure for 1 to 5 stages.
                    let depth = 1 + [0, 1, 2, 2, 3, 3, 4, 4][rng.below(8)];
                    let mut path: Vec<(String, Level)> = vec![(unit.to_string(), Level::Unit)];
                    while path.len() < depth {
                        let here = &path[path.len() - 1].0;
                        let next = match s.escalation_target(here, process) {
                            EscalationTarget::One(f) => f,
                            EscalationTarget::Choice(v) => *rng.pick(&v),
                            EscalationTarget::Top => break,
                        };
                        path.push((next.code.clone(), next.level));
                    }
                    let pending =
                        rng.unit() < 0.1 || created > now - Duration::days(60) && rng.unit() < 0.5;
                    let status = if pending {
                        *rng.pick(&[Status::Open, Status::InProgress, Status::AwaitingInfo])
                    } else {
                        *rng.pick(&[Status::Answered, Status::Closed, Status::Closed])
                    };
                    let (forum, level) = path.last().unwrap().clone();
                    let priority = if rng.unit() < 0.05 {
                        Priority::Urgent
                    } else {
                        Priority::Normal
                    };
                    let id = qs::insert(
                        c,
                        &NewQuestion {
                            reference: &format!("tmp-{done}-{}", rng.next()),
                            title: &title,
                            body: &body,
                            process,
                            category: Some(category),
                            tags: &store::to_json_list(&tags),
                            countries: &store::to_json_list(&countries),
                            priority,
                            urgent_reason: None,
                            status,
                            forum: &forum,
                            level,
                            unit,
                            asker_id: None,
                            assignee_id: None,
                            claimed_by: None,
                            duplicate_of: None,
                            version: 1,
                            created_at: created.naive_utc(),
                            updated_at: created.naive_utc(),
                        },
                    )?;
                    qs::set_reference(c, id, &qs::reference(chrono::Datelike::year(&created), id))?;
                    let mut t = created;
                    for (i, (f, l)) in path.iter().enumerate() {
                        let last = i + 1 == path.len();
                        let stay =
                            Duration::seconds((rng.unit().powi(2) * 25.0 * 86400.0) as i64 + 600);
                        let left = if last && pending {
                            None
                        } else {
                            Some((t + stay).min(now))
                        };
                        let outcome = match (last, left) {
                            (_, None) => None,
                            (false, _) => Some(StageOutcome::Escalated),
                            (true, _) => Some(StageOutcome::Answered),
                        };
                        let wd = left.map(|l| {
                            calendar::working_days_between(t, l, calendar::WorkingTime::FullDays)
                        });
                        let stage = qs::insert_stage(
                            c,
                            &NewStage {
                                question_id: id,
                                seq: i as i32 + 1,
                                forum: f,
                                level: *l,
                                entered_at: t.naive_utc(),
                                first_response_at: Some(
                                    (t + Duration::hours(3)).min(now).naive_utc(),
                                ),
                                left_at: left.map(|x| x.naive_utc()),
                                outcome,
                                working_days: wd,
                                process,
                                priority,
                                // Filled with the rollups by the rebuild below.
                                sla_clock: None,
                            },
                        )?
                        .id;
                        if outcome == Some(StageOutcome::Answered) {
                            let binding = *rng.pick(&[
                                BindingStatus::Guidance,
                                BindingStatus::Guidance,
                                BindingStatus::Guidance,
                                BindingStatus::Guidance,
                                BindingStatus::Temporary,
                                BindingStatus::Binding,
                                BindingStatus::Superseded,
                            ]);
                            let body = (0..1 + rng.below(3))
                                .map(|_| rng.pick(&sentences).as_str())
                                .collect::<Vec<_>>()
                                .join(" ");
                            qs::insert_answer(
                                c,
                                &NewAnswer {
                                    question_id: id,
                                    stage_id: Some(stage),
                                    forum: f,
                                    level: *l,
                                    author_id: None,
                                    body: &body,
                                    binding_status: binding,
                                    superseded_by: None,
                                    refs: "[]",
                                    review_date: None,
                                    version: 1,
                                    created_at: left.unwrap_or(now).naive_utc(),
                                    updated_at: left.unwrap_or(now).naive_utc(),
                                },
                            )?;
                        }
                        if let Some(l) = left {
                            t = l;
                        }
                    }
                }
                Ok(())
            })
            .unwrap();
            done += this;
            eprint!(
                "\rgenerating corpus: {done}/{} questions ({:.0}/s)",
                self.questions,
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
        eprintln!();
        // The stages were written directly, not through the use cases: count them now.
        let t = Instant::now();
        let open = svc.rebuild_sla_rollups().unwrap();
        eprintln!(
            "rebuilt the SLA rollups and {open} open stages' clocks in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
}

/// Nearest-rank percentile of sorted durations, in milliseconds.
pub fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted_ms.len() as f64).ceil() as usize;
    sorted_ms[rank.clamp(1, sorted_ms.len()) - 1]
}

pub fn summary(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(|a, b| a.total_cmp(b));
    let mean = ms.iter().sum::<f64>() / ms.len().max(1) as f64;
    (percentile(&ms, 50.0), percentile(&ms, 99.0), mean)
}

/// The repository's settings with this database and data dir.
pub fn config_at(db_url: &str, data: &Path) -> Config {
    let url = db_url.to_string();
    let dir = data.display().to_string();
    Config::load_with_env(
        Some(Path::new("config/default.toml")),
        move |name| match name {
            "ESKALERA_DATABASE_URL" => Some(url.clone()),
            "ESKALERA_DATA_DIR" => Some(dir.clone()),
            _ => None,
        },
    )
    .unwrap()
}

/// Median of `runs` timed calls (ms) after one untimed call that warms the cache.
pub fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut last = f();
    let mut ms = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        last = f();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    (ms[ms.len() / 2], last)
}

/// Serves `svc` over HTTP on a free loopback port in a thread of its own, as `eskalera serve`
/// does on this machine (one worker per core, at least 2); returns the base URL.
pub fn serve(svc: &Service) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server_svc = svc.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            eskalera::web::server(server_svc, listener, 2)
                .unwrap()
                .await
        })
    });
    base
}
