//! Store properties seen only from inside the database.

use diesel::prelude::*;
use eskalera::store::prepared::Reused;
use eskalera::store::questions as qs;
use eskalera::store::schema::changes;

use crate::common::{postgres_admin_url, TestDb};

#[derive(QueryableByName)]
struct Prepared {
    #[diesel(sql_type = diesel::sql_types::Text)]
    statement: String,
}

/// Diesel prepares every UPDATE afresh; one wrapped in `Reused` is prepared once per connection
/// and then executed by name (PostgreSQL lists it in `pg_prepared_statements`; SQLite keeps
/// its statements out of sight, so there only the result is checked).
#[test]
fn an_update_in_reused_is_prepared_once_per_connection() {
    let db = TestDb::new();
    let pool = eskalera::store::connect(&db.url).unwrap();
    let mut c = pool.get().unwrap();
    let now = chrono::Utc::now().naive_utc();
    qs::record_change(&mut c, 1, now).unwrap();
    for n in [2, 3] {
        let moved: Vec<i64> = Reused(
            diesel::update(changes::table)
                .set(changes::question_id.eq(n))
                .returning(changes::question_id),
        )
        .get_results(&mut **c)
        .unwrap();
        assert_eq!(moved, [n]);
        diesel::update(changes::table)
            .set(changes::created_at.eq(now))
            .execute(&mut **c)
            .unwrap();
    }
    if postgres_admin_url().is_some() {
        let prepared: Vec<String> =
            diesel::sql_query("SELECT statement FROM pg_prepared_statements")
                .load::<Prepared>(&mut **c)
                .unwrap()
                .into_iter()
                .map(|p| p.statement)
                .filter(|s| s.starts_with("UPDATE \"changes\""))
                .collect();
        assert_eq!(prepared.len(), 1, "{prepared:?}");
        assert!(prepared[0].contains("\"question_id\" = $1"), "{prepared:?}");
    }
}

/// A change log restored from another PostgreSQL cluster can carry transaction ids ahead of
/// this one's; the reader would wait for ever for them to settle. Starting (migrating) marks
/// them as settled history, and the reader takes them. SQLite's rows never carry an id.
#[test]
fn change_rows_from_another_cluster_are_settled_at_start() {
    use eskalera::store::questions::ChangeCursor;
    let db = TestDb::new();
    let pool = eskalera::store::connect(&db.url).unwrap();
    let mut c = pool.get().unwrap();
    let now = chrono::Utc::now().naive_utc();
    qs::record_change(&mut c, 7, now).unwrap();
    let from_elsewhere = 9_000_000_000_000_000i64;
    if postgres_admin_url().is_some() {
        diesel::update(changes::table)
            .set(changes::txid.eq(from_elsewhere))
            .execute(&mut **c)
            .unwrap();
        let waiting = qs::changes_after(&mut c, ChangeCursor::default(), 10).unwrap();
        assert!(waiting.is_empty(), "{waiting:?}");
        eskalera::store::migrate(&mut c).unwrap();
    }
    // Other tests' transactions hold the server-wide horizon back for a moment: poll.
    let started = std::time::Instant::now();
    let mut read = Vec::new();
    while read.is_empty() && started.elapsed() < std::time::Duration::from_secs(10) {
        read = qs::changes_after(&mut c, ChangeCursor::default(), 10).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let questions: Vec<i64> = read.into_iter().map(|(_, q)| q).collect();
    assert_eq!(questions, [7]);
}
