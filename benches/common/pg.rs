//! PostgreSQL for the benchmarks: the server comes from `ESKALERA_BENCH_PG_URL` (a URL whose
//! user may create databases); the benchmarks create their own databases on it and drop
//! nothing else.

use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};

/// The server URL, or None when the PostgreSQL parts are to be skipped.
/// The searched column of a peer's table: title A, body B, answers C, Swedish, as a Discourse-
/// or Zammad-style deployment weighs them.
pub const WEIGHTED_TSV: &str = "tsv tsvector GENERATED ALWAYS AS (
             setweight(to_tsvector('swedish', title), 'A') ||
             setweight(to_tsvector('swedish', body), 'B') ||
             setweight(to_tsvector('swedish', answers), 'C')) STORED";

pub fn server_url() -> Option<String> {
    std::env::var("ESKALERA_BENCH_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// `url` with its database name replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Creates database `db` on the server unless it exists; returns its URL and whether it is new.
pub fn ensure_database(server: &str, db: &str) -> (String, bool) {
    let mut admin = PgConnection::establish(server).unwrap();
    let n = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(db)
        .get_result::<Exists>(&mut admin)
        .unwrap()
        .n;
    if n == 0 {
        admin
            .batch_execute(&format!("CREATE DATABASE \"{db}\""))
            .unwrap();
    }
    (with_database(server, db), n == 0)
}

/// Drops and creates database `db` (one of the benchmark's own), for a fresh start.
pub fn fresh_database(server: &str, db: &str) -> String {
    assert!(db.starts_with("eskalera_bench"), "only the bench's own");
    let mut admin = PgConnection::establish(server).unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE \"{db}\""))
        .unwrap();
    with_database(server, db)
}

#[derive(QueryableByName)]
struct Doc {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Text)]
    answers: String,
}

/// The corpus as a Discourse- or Zammad-style deployment would search it: one row per
/// question with its answers' text, a stored weighted `tsvector` (title A, body B, answers C)
/// under the Swedish configuration and a GIN index over it. Loaded once from the SQLite corpus
/// into database `eskalera_bench_fts_N` and kept (a `bench_complete` table marks it done).
pub fn fts_corpus(server: &str, sqlite: &mut SqliteConnection, n: usize) -> PgConnection {
    let (url, _) = ensure_database(server, &format!("eskalera_bench_fts_{n}"));
    let mut pg = PgConnection::establish(&url).unwrap();
    let done = diesel::sql_query(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'bench_complete'",
    )
    .get_result::<Exists>(&mut pg)
    .unwrap()
    .n > 0;
    if done {
        return pg;
    }
    let t = Instant::now();
    pg.batch_execute(&format!(
        "DROP TABLE IF EXISTS bench_docs;
         CREATE TABLE bench_docs (
           id bigint PRIMARY KEY,
           title text NOT NULL,
           body text NOT NULL,
           answers text NOT NULL,
           {WEIGHTED_TSV}
         );"
    ))
    .unwrap();
    let mut after = 0i64;
    let mut loaded = 0usize;
    loop {
        let docs: Vec<Doc> = diesel::sql_query(
            "SELECT q.id, q.title, q.body,
                    coalesce((SELECT group_concat(a.body, ' ') FROM answers a
                              WHERE a.question_id = q.id), '') AS answers
             FROM questions q WHERE q.id > $1 ORDER BY q.id LIMIT 5000",
        )
        .bind::<BigInt, _>(after)
        .load(sqlite)
        .unwrap();
        let Some(last) = docs.last() else { break };
        after = last.id;
        loaded += docs.len();
        let (mut ids, mut titles, mut bodies, mut answers) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for d in docs {
            ids.push(d.id);
            titles.push(d.title);
            bodies.push(d.body);
            answers.push(d.answers);
        }
        diesel::sql_query(
            "INSERT INTO bench_docs (id, title, body, answers)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])",
        )
        .bind::<Array<BigInt>, _>(&ids)
        .bind::<Array<Text>, _>(&titles)
        .bind::<Array<Text>, _>(&bodies)
        .bind::<Array<Text>, _>(&answers)
        .execute(&mut pg)
        .unwrap();
        eprint!(
            "\rloading PostgreSQL: {loaded}/{n} questions ({:.0}/s)",
            loaded as f64 / t.elapsed().as_secs_f64()
        );
    }
    eprintln!();
    let g = Instant::now();
    // One statement per call: VACUUM refuses to run in the implicit transaction of a batch.
    for sql in [
        "SET maintenance_work_mem = '1GB'",
        "CREATE INDEX bench_docs_tsv ON bench_docs USING gin (tsv)",
        "VACUUM ANALYZE bench_docs",
        "CREATE TABLE bench_complete (questions bigint)",
    ] {
        pg.batch_execute(sql).unwrap();
    }
    eprintln!(
        "PostgreSQL corpus loaded in {:.1} s (GIN index {:.1} s)",
        t.elapsed().as_secs_f64(),
        g.elapsed().as_secs_f64()
    );
    pg
}

#[derive(QueryableByName)]
pub struct PgHit {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    pub title_html: String,
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    pub snippet: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// eskalera's query semantics in `websearch_to_tsquery` syntax: bare words OR'ed, quoted
/// phrases kept as phrases.
pub fn websearch_query(q: &str) -> String {
    if q.starts_with('"') {
        return q.to_string();
    }
    q.split_whitespace().collect::<Vec<_>>().join(" or ")
}

/// One search as the application would run it: the 20 best by `ts_rank` with a highlighted
/// title and body passage (`ts_headline`) for the shown hits, and the number of matches.
pub fn search(pg: &mut PgConnection, q: &str) -> (Vec<PgHit>, i64) {
    let wq = websearch_query(q);
    let hits: Vec<PgHit> = diesel::sql_query(
        "SELECT top.id,
                ts_headline('swedish', top.title, websearch_to_tsquery('swedish', $1),
                            'StartSel=<b>, StopSel=</b>, HighlightAll=true') AS title_html,
                ts_headline('swedish', top.body, websearch_to_tsquery('swedish', $1),
                            'StartSel=<b>, StopSel=</b>, MaxWords=35, MinWords=15') AS snippet
         FROM (SELECT id, title, body, ts_rank(tsv, websearch_to_tsquery('swedish', $1)) AS rank
               FROM bench_docs WHERE tsv @@ websearch_to_tsquery('swedish', $1)
               ORDER BY rank DESC, id LIMIT 20) top
         ORDER BY top.rank DESC, top.id",
    )
    .bind::<Text, _>(&wq)
    .load(pg)
    .unwrap();
    let total = diesel::sql_query(
        "SELECT count(*) AS n FROM bench_docs WHERE tsv @@ websearch_to_tsquery('swedish', $1)",
    )
    .bind::<Text, _>(&wq)
    .get_result::<Count>(pg)
    .unwrap()
    .n;
    (hits, total)
}
