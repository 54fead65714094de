//! Storage: the SQLite/PostgreSQL connection, pool, embedded migrations and transactions.
//! Table groups live in their own files; every query there runs on both backends.

pub mod changes;
mod codes;
pub mod consistency;
pub mod demo;
pub mod followers;
pub mod jobs;
pub mod models;
pub mod org;
pub mod outbox;
pub mod prepared;
pub mod publication;
pub mod questions;
pub mod reports;
pub mod schema;
pub mod texts;
pub mod users;

use std::path::Path;
use std::sync::{Arc, Mutex};
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
#[derive(Clone)]
pub struct Manager {
    url: String,
    backend: Backend,
    /// Shared by every SQLite connection of this pool; see [`Writer`].
    writer: Writer,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
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

/// SQLite's one writer per pool: the lock writers queue on and the connection they all write
/// with (opened at the first write).
///
/// SQLite has one writer per file; a second `BEGIN IMMEDIATE` waits in its busy handler, which
/// polls with sleeps of up to 100 ms and leaves the lock idle in between. Writers of one pool
/// therefore queue on this in-process lock and are woken the moment the previous one commits;
/// the busy timeout still covers other processes (the CLI beside a server).
///
/// They write on one connection because SQLite drops a connection's whole page cache when
/// another connection has written since its last transaction: writes taking turns over the
/// pool's connections re-read every page they touch, and do so while holding the lock.
/// PostgreSQL connections have neither.
type Writer = Arc<Mutex<Option<DbConnection>>>;

/// A pooled connection; on SQLite it knows its pool's [`Writer`].
pub struct Conn {
    db: DbConnection,
    writer: Option<(Writer, String)>,
    /// Possibly inside a transaction (see [`Conn::tx`]): the pool closes it rather than hand
    /// it out again.
    broken: bool,
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
                    broken: false,
                    validated_at: None,
                })
                .map_err(|e| StoreError::Connect(e.to_string())),
            Backend::Sqlite => {
                let path = sqlite_path(&self.url);
                if let Some(dir) = Path::new(path)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty() && !d.exists())
                {
                    crate::files::private_dir(dir).map_err(|e| {
                        StoreError::Connect(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                Ok(Conn {
                    db: open_sqlite(path)?,
                    writer: Some((self.writer.clone(), path.to_string())),
                    broken: false,
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

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken
    }
}

fn open_sqlite(path: &str) -> StoreResult<DbConnection> {
    let mut c = SqliteConnection::establish(path)
        .map_err(|e| StoreError::Connect(format!("{path}: {e}")))?;
    // Before WAL mode: SQLite gives the WAL and its index the database file's mode.
    if Path::new(path).is_file() {
        crate::files::private_file(Path::new(path))
            .map_err(|e| StoreError::Connect(format!("{path}: {e}")))?;
    }
    // WAL lets readers run beside the one writer; the busy timeout makes a second writer wait
    // for the first instead of failing. Sorts and temporary b-trees stay in memory rather than
    // in a new file under /var/tmp each time.
    c.batch_execute(
        "PRAGMA busy_timeout = 15000; PRAGMA journal_mode = WAL; \
         PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(|e| StoreError::Connect(format!("{path}: {e}")))?;
    Ok(DbConnection::Sqlite(c))
}

/// A pool for `url`, with the schema migrated.
pub fn connect(url: &str) -> StoreResult<DbPool> {
    connect_observed(url, None)
}

/// As [`connect`], telling `events` of every checkout and timeout (the metrics' pool waits).
pub fn connect_observed(
    url: &str,
    events: Option<Box<dyn diesel::r2d2::HandleEvent>>,
) -> StoreResult<DbPool> {
    let backend = Backend::of(url);
    let size = match backend {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    };
    if backend == Backend::Sqlite {
        // One connection first puts a new file in WAL mode, which takes an exclusive lock the
        // pool's first connections would otherwise fight over ("database is locked" at the
        // first start); the mode stays with the file.
        Manager::new(url).connect()?;
    }
    let mut builder = Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(20));
    if let Some(events) = events {
        builder = builder.event_handler(events);
    }
    let pool = builder
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

/// Copies a SQLite database to the new file `to`, consistent while others write (`VACUUM
/// INTO` reads in one transaction); the copy is compact and in rollback-journal mode.
pub fn backup_sqlite(conn: &mut SqliteConnection, to: &Path) -> StoreResult<()> {
    use diesel::RunQueryDsl;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(to.to_string_lossy().to_string())
        .execute(conn)?;
    Ok(())
}

/// Whether this release has migrations the database has not had yet (a database migrated by a
/// newer release has none: its extra migrations only add, see the README's upgrade notes).
pub fn migrations_pending(conn: &mut DbConnection) -> StoreResult<bool> {
    let pending = match conn {
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
        DbConnection::Pg(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
    };
    pending.map_err(|e| StoreError::Migration(e.to_string()))
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
/// so that a read-then-write never fails half-way with "database is locked", on the pool's
/// one writing connection rather than `conn` (see [`Writer`]); PostgreSQL relies on the
/// version checks in the updates.
pub fn write_tx<T, E>(
    conn: &mut Conn,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let Some((writer, path)) = &conn.writer else {
        return conn.tx("BEGIN", f);
    };
    let mut held = match writer.lock() {
        Ok(held) => held,
        // A writer panicked, perhaps inside a transaction: its connection is closed (which
        // rolls that back) and the next write opens a new one.
        Err(poisoned) => {
            writer.clear_poison();
            let mut held = poisoned.into_inner();
            *held = None;
            held
        }
    };
    let db = match held.take() {
        Some(db) => db,
        None => open_sqlite(path)?,
    };
    let (result, ended) = run_tx(held.insert(db), "BEGIN IMMEDIATE", f);
    if !ended {
        *held = None;
    }
    result
}

/// Runs `f` on one consistent snapshot.
pub fn read_tx<T, E>(
    conn: &mut Conn,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let begin = match conn.db {
        DbConnection::Sqlite(_) => "BEGIN",
        DbConnection::Pg(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    conn.tx(begin, f)
}

impl Conn {
    /// A transaction on this connection. One that does not end (`f` panicked, or the rollback
    /// failed) leaves the connection marked broken, so that the pool closes it (which rolls
    /// the transaction back) instead of handing the next user a connection inside it, where
    /// that user's `COMMIT` would commit the half-written rows.
    fn tx<T, E>(
        &mut self,
        begin: &str,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.broken = true;
        let (result, ended) = run_tx(&mut self.db, begin, f);
        self.broken = !ended;
        result
    }
}

/// Runs `f` between `begin` and `COMMIT`, rolling back on an error. The flag says whether the
/// connection is out of the transaction again: false when the rollback failed as well, and a
/// connection left inside a transaction would refuse the next `BEGIN`.
fn run_tx<T, E>(
    conn: &mut DbConnection,
    begin: &str,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> (Result<T, E>, bool)
where
    E: From<StoreError>,
{
    if let Err(e) = conn.batch_execute(begin) {
        return (Err(StoreError::from(e).into()), true);
    }
    let result = f(conn).and_then(|v| match conn.batch_execute("COMMIT") {
        Ok(()) => Ok(v),
        Err(e) => Err(StoreError::from(e).into()),
    });
    if result.is_ok() {
        return (result, true);
    }
    match conn.batch_execute("ROLLBACK") {
        Ok(()) => (result, true),
        Err(rb) => {
            log::warn!("rollback failed: {rb}");
            (result, false)
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
