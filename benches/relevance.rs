//! Relevance (issue 18): the judged queries of tests/data/relevance ranked, in one run on one
//! corpus, by eskalera's search use case, by SQLite FTS5 (unicode61 remove_diacritics 2, bm25,
//! terms OR'ed) and by PostgreSQL full-text search ('swedish', websearch_to_tsquery with the
//! terms OR'ed, ts_rank_cd, weights A/B/C); then nDCG@10 and success@3 per system and kind, for
//! the development and the held-out part. `ESKALERA_BENCH_PG_URL` must name a PostgreSQL server
//! whose user may create databases: without it the command fails, since a table without the
//! PostgreSQL peer would compare against the weaker peer only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/relevance/mod.rs"]
mod relevance;

use std::collections::BTreeMap;
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use eskalera::clock::Clock;
use eskalera::config::Config;
use eskalera::service::Service;
use relevance::peers::{fts_query, pg_query};
use relevance::{corpus, judged, metrics};

/// A way of running eskalera's ranking, compared side by side in the same run: a name for the
/// table and a change to the settings (applied before the index is built, so a setting that
/// changes analysis is measured too). The current ranking is the first. To compare a ranking
/// change with the ranking before it, add the old one here as a variant that switches the
/// setting that keeps it, e.g. `Variant { name: "eskalera (old ranking)", adjust: |c| ... }`.
struct Variant {
    name: &'static str,
    adjust: fn(&mut Config),
}

const VARIANTS: &[Variant] = &[
    Variant {
        name: "eskalera",
        adjust: |_| {},
    },
    Variant {
        name: "eskalera (fields, before)",
        adjust: |c| c.search.ranking = eskalera::search::Ranking::Fields,
    },
];

/// Cut-offs of the two metrics.
const NDCG_AT: usize = relevance::PAGE;
const SUCCESS_AT: usize = 3;

#[derive(QueryableByName)]
struct Reference {
    #[diesel(sql_type = Text)]
    reference: String,
}

#[derive(QueryableByName)]
struct Doc {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    reference: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Text)]
    answers: String,
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The corpus database's questions with their answers' text, in import order.
fn documents(lite: &mut SqliteConnection) -> Vec<Doc> {
    diesel::sql_query(
        "SELECT q.id, q.reference, q.title, q.body,
                coalesce((SELECT group_concat(a.body, ' ') FROM answers a
                          WHERE a.question_id = q.id), '') AS answers
         FROM questions q ORDER BY q.id",
    )
    .load(lite)
    .unwrap()
}

/// An FTS5 table over the imported questions in the same SQLite file, and its ranking.
fn fts5(db: &str) -> impl FnMut(&str) -> Vec<String> {
    let mut lite = SqliteConnection::establish(db).unwrap();
    let has_fts5 = diesel::sql_query("SELECT sqlite_compileoption_used('ENABLE_FTS5') AS n")
        .get_result::<Flag>(&mut lite)
        .unwrap()
        .n;
    assert_eq!(has_fts5, 1, "the bundled SQLite was built without FTS5");
    lite.batch_execute(
        "CREATE VIRTUAL TABLE rel_fts USING fts5(reference UNINDEXED, title, body, answers,
           tokenize = 'unicode61 remove_diacritics 2');
         INSERT INTO rel_fts(rowid, reference, title, body, answers)
           SELECT q.id, q.reference, q.title, q.body,
                  coalesce((SELECT group_concat(a.body, ' ') FROM answers a
                            WHERE a.question_id = q.id), '')
           FROM questions q;",
    )
    .unwrap();
    move |q: &str| {
        let m = fts_query(q);
        if m.is_empty() {
            return Vec::new();
        }
        diesel::sql_query(
            "SELECT reference FROM rel_fts WHERE rel_fts MATCH $1
             ORDER BY bm25(rel_fts), rowid LIMIT $2",
        )
        .bind::<Text, _>(&m)
        .bind::<BigInt, _>(NDCG_AT as i64)
        .load::<Reference>(&mut lite)
        .unwrap_or_else(|e| panic!("FTS5 {m:?}: {e}"))
        .into_iter()
        .map(|r| r.reference)
        .collect()
    }
}

/// The same documents in a fresh PostgreSQL database (`eskalera_bench_relevance`, dropped after
/// the run) with a weighted Swedish `tsvector`, and its ranking.
fn postgres(server: &str, docs: &[Doc]) -> impl FnMut(&str) -> Vec<String> {
    let url = common::pg::fresh_database(server, "eskalera_bench_relevance");
    let mut pg = PgConnection::establish(&url).unwrap();
    pg.batch_execute(&format!(
        "CREATE TABLE rel_docs (
           id bigint PRIMARY KEY,
           reference text NOT NULL,
           title text NOT NULL,
           body text NOT NULL,
           answers text NOT NULL,
           {}
         );",
        common::pg::WEIGHTED_TSV
    ))
    .unwrap();
    for d in docs {
        diesel::sql_query(
            "INSERT INTO rel_docs (id, reference, title, body, answers) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind::<BigInt, _>(d.id)
        .bind::<Text, _>(&d.reference)
        .bind::<Text, _>(&d.title)
        .bind::<Text, _>(&d.body)
        .bind::<Text, _>(&d.answers)
        .execute(&mut pg)
        .unwrap();
    }
    move |q: &str| {
        let w = pg_query(q);
        diesel::sql_query(
            "SELECT reference FROM rel_docs, websearch_to_tsquery('swedish', $1) query
             WHERE tsv @@ query ORDER BY ts_rank_cd(tsv, query) DESC, id LIMIT $2",
        )
        .bind::<Text, _>(&w)
        .bind::<BigInt, _>(NDCG_AT as i64)
        .load::<Reference>(&mut pg)
        .unwrap_or_else(|e| panic!("PostgreSQL {w:?}: {e}"))
        .into_iter()
        .map(|r| r.reference)
        .collect()
    }
}

/// A service over the corpus database with the variant's settings and an index of its own,
/// built from the database.
fn eskalera_variant(db: &str, dir: &Path, v: &Variant) -> Service {
    let data = dir.join(v.name.replace(|c: char| !c.is_alphanumeric(), "-"));
    let mut cfg = common::config_at(db, &data);
    (v.adjust)(&mut cfg);
    let svc = Service::open(cfg.clone(), Clock::system()).unwrap();
    svc.rebuild_index(&mut std::io::sink()).unwrap();
    // The rebuild published a new index generation: a service opened now searches it.
    Service::open(cfg, Clock::system()).unwrap()
}

/// One system's rankings, in query order.
struct Run {
    system: String,
    rankings: Vec<Vec<String>>,
}

fn rank_cell(ranked: &[String], judgments: &metrics::Judgments) -> String {
    metrics::first_answer(ranked, judgments).map_or("–".into(), |r| r.to_string())
}

fn main() {
    let Some(server) = common::pg::server_url() else {
        eprintln!(
            "ESKALERA_BENCH_PG_URL is not set: the relevance table needs the PostgreSQL peer \
             (e.g. postgres://postgres:postgres@127.0.0.1:5432/postgres)"
        );
        std::process::exit(2);
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("eskalera.db").display().to_string();

    // The corpus through `eskalera import`.
    let importer = Service::open(
        common::config_at(&db, &dir.path().join("import")),
        Clock::system(),
    )
    .unwrap();
    let summary = relevance::import_corpus(&importer);
    drop(importer);
    let sections = corpus::all_sections();
    assert_eq!(summary.imported, sections.len());
    let references = sections.iter().map(|s| s.reference.clone()).collect();
    let queries = judged::load(&references);
    eprintln!(
        "corpus: {} questions ({} with an answer); {} judged queries",
        summary.imported,
        summary.answers,
        queries.len()
    );

    let mut runs: Vec<Run> = Vec::new();
    let actor = relevance::caseworker();
    for v in VARIANTS {
        let svc = eskalera_variant(&db, dir.path(), v);
        runs.push(Run {
            system: v.name.to_string(),
            rankings: queries
                .iter()
                .map(|q| relevance::eskalera_ranking(&svc, &actor, &q.query))
                .collect(),
        });
    }
    let mut fts = fts5(&db);
    runs.push(Run {
        system: "SQLite FTS5".into(),
        rankings: queries.iter().map(|q| fts(&q.query)).collect(),
    });
    let docs = documents(&mut SqliteConnection::establish(&db).unwrap());
    let mut pg = postgres(&server, &docs);
    runs.push(Run {
        system: "PostgreSQL FTS".into(),
        rankings: queries.iter().map(|q| pg(&q.query)).collect(),
    });

    // One row per query: the rank of the first section that answers it, per system.
    println!("\nRank of the first section that answers the query (– = not in the first 10)\n");
    let header: Vec<&str> = runs.iter().map(|r| r.system.as_str()).collect();
    println!("| id | kind | part | {} | query |", header.join(" | "));
    println!("|---|---|---|{}---|", "---|".repeat(runs.len()));
    for (i, q) in queries.iter().enumerate() {
        let cells: Vec<String> = runs
            .iter()
            .map(|r| rank_cell(&r.rankings[i], &q.judgments))
            .collect();
        println!(
            "| {} | {} | {} | {} | {} |",
            q.id,
            q.kind,
            if q.held_out() { "held-out" } else { "dev" },
            cells.join(" | "),
            q.query
        );
    }

    // Means per system, part and kind.
    let counts = judged::counts(&queries);
    for held_out in [false, true] {
        let part = if held_out { "held-out" } else { "development" };
        let n: BTreeMap<&str, usize> = judged::KINDS
            .iter()
            .map(|k| {
                (
                    *k,
                    counts.get(&(k.to_string(), held_out)).copied().unwrap_or(0),
                )
            })
            .collect();
        println!(
            "\n{part} part: {} queries ({})\n",
            n.values().sum::<usize>(),
            judged::KINDS
                .iter()
                .map(|k| format!("{} {k}", n[k]))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let kinds: Vec<Option<&str>> = judged::KINDS
            .iter()
            .map(|k| Some(*k))
            .chain([None])
            .collect();
        let names: Vec<String> = kinds
            .iter()
            .map(|k| k.unwrap_or("all").to_string())
            .collect();
        println!(
            "| system | {} | {} |",
            names
                .iter()
                .map(|k| format!("nDCG@{NDCG_AT} {k}"))
                .collect::<Vec<_>>()
                .join(" | "),
            names
                .iter()
                .map(|k| format!("success@{SUCCESS_AT} {k}"))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        println!("|---|{}", "---|".repeat(2 * kinds.len()));
        for run in &runs {
            let mut ndcg = Vec::new();
            let mut success = Vec::new();
            for kind in &kinds {
                let chosen: Vec<usize> = (0..queries.len())
                    .filter(|&i| {
                        queries[i].held_out() == held_out
                            && kind.is_none_or(|k| queries[i].kind == k)
                    })
                    .collect();
                ndcg.push(metrics::mean(chosen.iter().map(|&i| {
                    metrics::ndcg_at(NDCG_AT, &run.rankings[i], &queries[i].judgments)
                })));
                success.push(metrics::mean(chosen.iter().map(|&i| {
                    f64::from(u8::from(metrics::success_at(
                        SUCCESS_AT,
                        &run.rankings[i],
                        &queries[i].judgments,
                    )))
                })));
            }
            let fmt = |v: &[f64]| {
                v.iter()
                    .map(|x| format!("{x:.3}"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            };
            println!("| {} | {} | {} |", run.system, fmt(&ndcg), fmt(&success));
        }
    }
    drop(pg);
    if let Ok(mut admin) = PgConnection::establish(&server) {
        let _ =
            admin.batch_execute("DROP DATABASE IF EXISTS eskalera_bench_relevance WITH (FORCE)");
    }
}
