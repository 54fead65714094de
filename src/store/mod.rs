//! Storage: the SQLite/PostgreSQL connection, pool, embedded migrations and transactions.
//! Table groups live in their own files; every query there runs on both backends.

pub mod consistency;
pub mod models;
pub mod org;
pub mod outbox;
pub mod prepared;
pub mod questions;
pub mod reports;
pub mod schema;
pub mod users;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("no database connection available: {0}")]
    Pool(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A unique or primary key was violated: the caller tried to write something that exists.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Db(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
pub type DbPool = Pool<Manager>;
pub type PooledConn = PooledConnection<Manager>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Chosen by the URL's scheme: SQLite accepts any string as a path, so it cannot be probed.
    pub fn of(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// Opens connections by the URL's scheme and keeps the real error (diesel's derived
/// `establish` would try PostgreSQL first and hide it).
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    backend: Backend,
    /// Shared by every SQLite connection of this pool; see [`Conn`].
    writer: Arc<Mutex<()>>,
}

impl Manager {
    pub fn new(url: &str) -> Self {
        Manager {
            url: url.to_string(),
            backend: Backend::of(url),
            writer: Arc::default(),
        }
    }
}

/// A pooled connection. SQLite has one writer per file; a second `BEGIN IMMEDIATE` waits in
/// SQLite's busy handler, which polls with sleeps of up to 100 ms and leaves the lock idle
/// in between. Writers of one pool therefore queue on this in-process lock first and are woken
/// the moment the previous one commits; the busy timeout still covers other processes (the
/// CLI beside a server). PostgreSQL connections have no such lock.
pub struct Conn {
    db: DbConnection,
    writer: Option<Arc<Mutex<()>>>,
    /// When the pool last found this connection alive; see [`VALIDATE_EVERY`].
    validated_at: Option<Instant>,
}

/// The pool checks a connection before handing it out, but not more often than this: a check
/// is a round trip (two per API request, one for the token and one for the use case), while a
/// connection in use is seen to work anyway. After a database restart a dead connection can
/// fail requests for at most this long, until its next check finds it dead and the pool
/// replaces it.
const VALIDATE_EVERY: Duration = Duration::from_secs(1);

impl std::ops::Deref for Conn {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.db
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.db
    }
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = StoreError;

    fn connect(&self) -> Result<Conn, StoreError> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url)
                .map(|c| Conn {
                    db: DbConnection::Pg(c),
                    writer: None,
                    validated_at: None,
                })
                .map_err(|e| StoreError::Connect(e.to_string())),
            Backend::Sqlite => {
                let path = sqlite_path(&self.url);
                if let Some(dir) = Path::new(path)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Connect(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                let mut c = SqliteConnection::establish(path)
                    .map_err(|e| StoreError::Connect(format!("{path}: {e}")))?;
                // WAL lets readers run beside the one writer; the busy timeout makes a second
                // writer wait for the first instead of failing. Sorts and temporary b-trees
                // stay in memory rather than in a new file under /var/tmp each time.
                c.batch_execute(
                    "PRAGMA busy_timeout = 15000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA temp_store = MEMORY;",
                )
                .map_err(|e| StoreError::Connect(format!("{path}: {e}")))?;
                Ok(Conn {
                    db: DbConnection::Sqlite(c),
                    writer: Some(self.writer.clone()),
                    validated_at: None,
                })
            }
        }
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), StoreError> {
        if conn
            .validated_at
            .is_some_and(|at| at.elapsed() < VALIDATE_EVERY)
        {
            return Ok(());
        }
        conn.batch_execute("SELECT 1")?;
        conn.validated_at = Some(Instant::now());
        Ok(())
    }

    fn has_broken(&self, _conn: &mut Conn) -> bool {
        false
    }
}

/// A pool for `url`, with the schema migrated.
pub fn connect(url: &str) -> StoreResult<DbPool> {
    let backend = Backend::of(url);
    let size = match backend {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    };
    let pool = Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(20))
        .build(Manager::new(url))
        .map_err(|e| StoreError::Pool(e.to_string()))?;
    let mut conn = pool.get().map_err(|e| StoreError::Pool(e.to_string()))?;
    migrate(&mut conn)?;
    Ok(pool)
}

/// Runs pending migrations. On PostgreSQL an advisory lock keeps instances that start
/// together from migrating at once.
pub fn migrate(conn: &mut DbConnection) -> StoreResult<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>())
            .map_err(|e| StoreError::Migration(e.to_string()))?,
        DbConnection::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(727274)")?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>())
                .map_err(|e| StoreError::Migration(e.to_string()));
            let settled = result.and_then(|applied| {
                foreign_changes_settled(c)?;
                Ok(applied)
            });
            c.batch_execute("SELECT pg_advisory_unlock(727274)")?;
            settled?
        }
    };
    Ok(applied)
}

/// A change-log row whose transaction id is ahead of this server's came from another cluster
/// (a dump restored elsewhere, a logical copy): its transaction ended long ago, but the log
/// reader would wait for this server's ids to pass it. Such rows are settled history, as the
/// rows from before the log had transaction ids, and get 0. A row of a running transaction
/// cannot be among them: its id is below this statement's and it is not visible to it.
fn foreign_changes_settled(c: &mut PgConnection) -> StoreResult<()> {
    use diesel::RunQueryDsl;
    let n = diesel::sql_query(
        "UPDATE changes SET txid = 0 WHERE txid > pg_current_xact_id()::text::bigint",
    )
    .execute(c)?;
    if n > 0 {
        log::warn!("change log: {n} rows from another cluster marked as settled");
    }
    Ok(())
}

pub fn backend(conn: &DbConnection) -> Backend {
    match conn {
        DbConnection::Pg(_) => Backend::Postgres,
        DbConnection::Sqlite(_) => Backend::Sqlite,
    }
}

/// Runs `f` in one write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`)
/// so that a read-then-write never fails half-way with "database is locked"; PostgreSQL relies
/// on the version checks in the updates.
pub fn write_tx<T, E>(
    conn: &mut Conn,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let writer = conn.writer.clone();
    // The lock guards no data of its own (the database has its transactions), so one poisoned
    // by a panicking writer is still fit to queue on.
    let _queued = writer
        .as_ref()
        .map(|w| w.lock().unwrap_or_else(PoisonError::into_inner));
    let begin = match conn.db {
        DbConnection::Sqlite(_) => "BEGIN IMMEDIATE",
        DbConnection::Pg(_) => "BEGIN",
    };
    run_tx(&mut conn.db, begin, f)
}

/// Runs `f` on one consistent snapshot.
pub fn read_tx<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let begin = match conn {
        DbConnection::Sqlite(_) => "BEGIN",
        DbConnection::Pg(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    run_tx(conn, begin, f)
}

fn run_tx<T, E>(
    conn: &mut DbConnection,
    begin: &str,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    conn.batch_execute(begin).map_err(StoreError::from)?;
    match f(conn) {
        Ok(v) => match conn.batch_execute("COMMIT") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = conn.batch_execute("ROLLBACK");
                Err(StoreError::from(e).into())
            }
        },
        Err(e) => {
            if let Err(rb) = conn.batch_execute("ROLLBACK") {
                log::warn!("rollback failed: {rb}");
            }
            Err(e)
        }
    }
}

/// Encodes a list of strings for a text column.
pub fn to_json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

pub fn from_json_list(s: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("list column: {e}")))
}
