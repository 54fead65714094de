//! The consistency watch's cost per new answer at scale: for 200 answers spread over the
//! benchmark corpus (`ESKALERA_BENCH_QUESTIONS`, default 100,000 questions), the check
//! `run_consistency_checks` makes of each (its 20 candidates, their profiles, and the places
//! that decide cases and possible divergences), timed beside the one search the "similar
//! questions" of the ask form makes for the same question, in the same run, as the baseline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use common::{summary, Corpus};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use eskalera::service::search::SimilarQuery;
use eskalera::service::Actor;

#[derive(QueryableByName)]
struct Sample {
    #[diesel(sql_type = BigInt)]
    answer: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    body: String,
}

const SAMPLES: i64 = 200;

fn main() {
    let n: usize = std::env::var("ESKALERA_BENCH_QUESTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let corpus = Corpus::sqlite(n);
    let svc = corpus.indexed_service();
    let pool = eskalera::store::connect(&corpus.db_url).unwrap();
    let mut conn = pool.get().unwrap();
    let samples: Vec<Sample> = eskalera::store::read_tx(&mut conn, |c| {
        Ok::<_, eskalera::store::StoreError>(diesel::sql_query(format!(
        "SELECT a.id AS answer, q.title AS title, q.body AS body FROM answers a \
         JOIN questions q ON q.id = a.question_id \
         WHERE a.id % (SELECT MAX(id) / {SAMPLES} + 1 FROM answers) = 0 ORDER BY a.id LIMIT {SAMPLES}"
        ))
        .load(c)?)
    })
    .unwrap();
    // Checks an earlier run left queued would be timed with the first sample.
    svc.run_consistency_checks().unwrap();
    let actor = Actor::operator();
    let (mut similar, mut check) = (Vec::new(), Vec::new());
    let mut recorded = 0;
    for s in &samples {
        let t = Instant::now();
        let q = SimilarQuery {
            title: Some(s.title.clone()),
            body: Some(s.body.clone()),
        };
        std::hint::black_box(svc.similar(&actor, &q).unwrap());
        similar.push(t.elapsed().as_secs_f64() * 1000.0);
        eskalera::store::write_tx(&mut conn, |c| {
            eskalera::store::consistency::enqueue_check(c, s.answer, chrono::Utc::now().naive_utc())
        })
        .unwrap();
        let t = Instant::now();
        recorded += svc.run_consistency_checks().unwrap();
        check.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (sp50, sp99, smean) = summary(similar);
    let (cp50, cp99, cmean) = summary(check);
    println!(
        "consistency check per answer, {} answers of a corpus of {n} questions ({recorded} new cases)",
        samples.len()
    );
    println!(
        "{:<44} {:>9} {:>9} {:>9}",
        "", "p50 ms", "p99 ms", "mean ms"
    );
    println!(
        "{:<44} {sp50:>9.1} {sp99:>9.1} {smean:>9.1}",
        "similar questions (one search, baseline)"
    );
    println!(
        "{:<44} {cp50:>9.1} {cp99:>9.1} {cmean:>9.1}",
        "consistency check (run_consistency_checks)"
    );
    println!(
        "{:<44} {:>9.1} {:>9.1} {:>9.1}",
        "check / search",
        cp50 / sp50.max(1e-9),
        cp99 / sp99.max(1e-9),
        cmean / smean.max(1e-9)
    );
}
