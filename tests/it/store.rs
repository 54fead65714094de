//! Store properties seen only from inside the database.

use diesel::prelude::*;
use eskalera::store::changes as cl;
use eskalera::store::prepared::Reused;
use eskalera::store::schema::changes;

use crate::common::{postgres_admin_url, TestDb};

#[derive(QueryableByName)]
struct Prepared {
    #[diesel(sql_type = diesel::sql_types::Text)]
    statement: String,
}

/// Diesel prepares every UPDATE and multi-row insert afresh; one wrapped in `Reused` and
/// loaded is prepared once per connection and then executed by name (PostgreSQL lists it in `pg_prepared_statements`; SQLite keeps
/// its statements out of sight, so there only the result is checked).
#[test]
fn updates_and_batches_in_reused_are_prepared_once_per_connection() {
    let db = TestDb::new();
    let pool = eskalera::store::connect(&db.url).unwrap();
    let mut c = pool.get().unwrap();
    let now = chrono::Utc::now().naive_utc();
    cl::record_change(&mut c, 1, now).unwrap();
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
    // A multi-row insert on the backend's own connection (as the outbox and the rollups are
    // written), loaded so that the cache receives it by value.
    if let eskalera::store::DbConnection::Pg(pg) = &mut **c {
        for _ in 0..2 {
            let rows = [
                (changes::question_id.eq(8), changes::created_at.eq(now)),
                (changes::question_id.eq(9), changes::created_at.eq(now)),
            ];
            let ids: Vec<i64> = Reused(
                diesel::insert_into(changes::table)
                    .values(&rows[..])
                    .returning(changes::id),
            )
            .get_results(pg)
            .unwrap();
            assert_eq!(ids.len(), 2);
        }
    }
    if postgres_admin_url().is_some() {
        let batches: Vec<String> =
            diesel::sql_query("SELECT statement FROM pg_prepared_statements")
                .load::<Prepared>(&mut **c)
                .unwrap()
                .into_iter()
                .map(|p| p.statement)
                .filter(|s| s.starts_with("INSERT INTO \"changes\"") && s.contains("), ("))
                .collect();
        assert_eq!(batches.len(), 1, "{batches:?}");
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
    use eskalera::store::changes::ChangeCursor;
    let db = TestDb::new();
    let pool = eskalera::store::connect(&db.url).unwrap();
    let mut c = pool.get().unwrap();
    let now = chrono::Utc::now().naive_utc();
    cl::record_change(&mut c, 7, now).unwrap();
    let from_elsewhere = 9_000_000_000_000_000i64;
    if postgres_admin_url().is_some() {
        diesel::update(changes::table)
            .set(changes::txid.eq(from_elsewhere))
            .execute(&mut **c)
            .unwrap();
        let waiting = cl::changes_after(&mut c, ChangeCursor::default(), 10).unwrap();
        assert!(waiting.is_empty(), "{waiting:?}");
        eskalera::store::migrate(&mut c).unwrap();
    }
    // Other tests' transactions hold the server-wide horizon back for a moment: poll.
    let started = std::time::Instant::now();
    let mut read = Vec::new();
    while read.is_empty() && started.elapsed() < std::time::Duration::from_secs(10) {
        read = cl::changes_after(&mut c, ChangeCursor::default(), 10).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let questions: Vec<i64> = read.into_iter().map(|(_, q)| q).collect();
    assert_eq!(questions, [7]);
}

/// On SQLite every write of a pool goes through one connection, whose page cache then stays
/// valid from one write to the next: a temporary table (private to its connection) made in one
/// write is there in the next, whichever pooled connection asked. On PostgreSQL each write
/// stays on its own connection.
#[test]
fn sqlite_writes_share_one_connection_and_survive_a_panicking_writer() {
    use eskalera::store::{write_tx, StoreError};
    let db = TestDb::new();
    let pool = eskalera::store::connect(&db.url).unwrap();
    let mut a = pool.get().unwrap();
    let mut b = pool.get().unwrap();
    let sqlite = postgres_admin_url().is_none();
    write_tx(&mut a, |c| {
        diesel::sql_query("CREATE TEMP TABLE written_here (x INTEGER)").execute(c)?;
        Ok::<_, StoreError>(())
    })
    .unwrap();
    let seen = write_tx(&mut b, |c| {
        diesel::sql_query("SELECT 1 FROM written_here").execute(c)?;
        Ok::<_, StoreError>(())
    });
    assert_eq!(seen.is_ok(), sqlite, "{seen:?}");

    // A writer that panics half-way: its rows are not kept, and the next write works.
    let now = chrono::Utc::now().naive_utc();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        write_tx(&mut a, |c| {
            cl::record_change(c, 41, now)?;
            panic!("a bug in a use case");
            #[allow(unreachable_code)]
            Ok::<_, StoreError>(())
        })
    }));
    assert!(panicked.is_err());
    drop(a);
    write_tx(&mut b, |c| {
        cl::record_change(c, 42, now)?;
        Ok::<_, StoreError>(())
    })
    .unwrap();
    let logged: Vec<i64> = changes::table
        .select(changes::question_id)
        .load(&mut **pool.get().unwrap())
        .unwrap();
    assert_eq!(logged, [42]);
}
