//! Use cases: each one authorises the actor, validates input and runs in one transaction.
//! The web and CLI layers call only this layer.

pub mod access;
pub mod consistency;
pub mod demo;
pub mod directory;
pub mod failed_mail;
mod gate;
pub mod import;
pub mod indexing;
pub mod notifications;
pub mod org;
pub mod pages;
pub mod pii_scan;
pub mod progress;
pub mod publication;
pub mod questions;
pub mod reports;
mod schedule;
pub mod search;
pub mod topics;
pub mod users;
mod validate;
pub mod views;
pub mod work;

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::catalogue::{FieldProblem, Missing, Refusal, Worded};
use crate::search::IndexRoot;
use crate::store::{self, DbPool, PooledConn, StoreError};

pub use access::{Actor, Role};

/// One invalid input field and what is wrong with it: a stable code, the English message the
/// API sends, and the Swedish one the pages show (both from the catalogue).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    /// Stable and machine-readable, e.g. `required`, `too-long`, `personal-data`.
    pub code: &'static str,
    pub message: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub message_sv: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: FieldProblem) -> Self {
        FieldError {
            field: field.into(),
            code: problem.code(),
            message: problem.en(),
            message_sv: problem.sv(),
        }
    }

    /// The same error under another field name (an import line's prefix).
    pub fn renamed(self, field: String) -> Self {
        FieldError { field, ..self }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No credentials, or credentials that are unknown, expired or revoked (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Understood and refused: the rules do not allow this actor (403) or not now (409).
    #[error("{0}")]
    Refused(Refusal),
    #[error("{0}")]
    NotFound(Missing),
    /// The input is invalid; each field is named (422).
    #[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The person's account is disabled (401, said as such).
    #[error("{0}")]
    Disabled(String),
    /// Too much of one costly kind of work is under way; try again shortly (503).
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something of ours failed (logged with its cause); the client learns only that (500).
    #[error("{0}")]
    Internal(String),
}

/// How a failure of the database shows to a client: decided here, so that the web layer needs
/// nothing of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFault {
    /// A unique key lost to a concurrent writer: the same as a version conflict.
    LostRace,
    /// The database cannot be reached now.
    Unavailable,
    Internal,
}

impl ServiceError {
    /// For a failure of the database, how it shows; None for every other error.
    pub fn store_fault(&self) -> Option<StoreFault> {
        let ServiceError::Store(s) = self else {
            return None;
        };
        Some(if s.is_unique_violation() {
            StoreFault::LostRace
        } else if matches!(s, StoreError::Pool(_) | StoreError::Connect(_)) {
            StoreFault::Unavailable
        } else {
            StoreFault::Internal
        })
    }
}

impl ServiceError {
    pub fn invalid(field: &str, problem: FieldProblem) -> Self {
        ServiceError::Invalid(vec![FieldError::new(field, problem)])
    }

    /// A conflict with the current state (409) or a refusal of the actor (403).
    pub fn is_conflict(&self) -> bool {
        matches!(self, ServiceError::Refused(r) if r.kind() == crate::domain::catalogue::RefusalKind::Conflict)
    }
}

impl From<Refusal> for ServiceError {
    fn from(r: Refusal) -> Self {
        ServiceError::Refused(r)
    }
}

impl From<Missing> for ServiceError {
    fn from(m: Missing) -> Self {
        ServiceError::NotFound(m)
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// The application: configuration, the database and the clock. Cheap to clone.
#[derive(Clone)]
pub struct Service {
    pub config: Arc<Config>,
    pool: DbPool,
    clock: Clock,
    /// The search index under the data dir, derived from the database.
    search: Arc<IndexRoot>,
    /// Bounds the password hashes running at once (argon2 takes 19 MiB each).
    hash_gate: Arc<gate::Gate>,
    /// This instance's measurements and the state of its background threads.
    telemetry: Arc<crate::observe::Telemetry>,
}

impl Service {
    /// Connects, migrates and synchronises the organisation structure from config.
    pub fn open(config: Config, clock: Clock) -> ServiceResult<Service> {
        crate::files::private_dir(&config.data_dir).map_err(|e| {
            StoreError::Connect(format!("data dir {}: {e}", config.data_dir.display()))
        })?;
        let telemetry = Arc::new(crate::observe::Telemetry::default());
        let pool = store::connect_observed(
            &config.database_url,
            Some(Box::new(telemetry.pool_events())),
        )?;
        let search = IndexRoot::open_ranked(&config.data_dir.join("index"), config.search.ranking)?;
        let svc = Service {
            config: Arc::new(config),
            pool,
            clock,
            search: Arc::new(search),
            hash_gate: Arc::new(gate::Gate::for_password_hashes()),
            telemetry,
        };
        let mut conn = svc.conn()?;
        store::write_tx(&mut conn, |c| store::org::sync(c, &svc.config.structure))?;
        drop(conn);
        svc.ensure_sla_rollups()?;
        Ok(svc)
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The same service with its clock moved, for replaying history (demo data, imports).
    pub fn with_clock(&self, clock: Clock) -> Service {
        Service {
            clock,
            ..self.clone()
        }
    }

    fn conn(&self) -> ServiceResult<PooledConn> {
        self.pool
            .get()
            .map_err(|e| ServiceError::Store(StoreError::Pool(e.to_string())))
    }

    pub fn backend(&self) -> store::Backend {
        store::Backend::of(&self.config.database_url)
    }

    /// Checks that the database answers, for /healthz.
    pub fn health(&self) -> ServiceResult<()> {
        use diesel::connection::SimpleConnection;
        let mut c = self.conn()?;
        c.batch_execute("SELECT 1").map_err(StoreError::from)?;
        Ok(())
    }

    /// Copies the SQLite database to the new file `to` (an operator's backup); PostgreSQL is
    /// backed up with its own tools. The index is not copied: it is rebuilt from the database.
    pub fn backup(&self, actor: &Actor, to: &std::path::Path) -> ServiceResult<()> {
        access::may_administer(actor)?;
        if to.exists() {
            return Err(Refusal::BackupTargetExists {
                path: to.display().to_string(),
            }
            .into());
        }
        let mut c = self.conn()?;
        match &mut **c {
            store::DbConnection::Sqlite(c) => Ok(store::backup_sqlite(c, to)?),
            store::DbConnection::Pg(_) => Err(Refusal::BackupNeedsPgDump.into()),
        }
    }

    /// The connection pool's connections, for the metrics.
    pub fn pool_state(&self) -> diesel::r2d2::State {
        self.pool.state()
    }

    /// This instance's measurements and the state of its background threads.
    pub fn telemetry(&self) -> &Arc<crate::observe::Telemetry> {
        &self.telemetry
    }

    /// Whether this instance should get traffic, and if not why: the database answers within
    /// `READY_DB_WAIT`, its schema is this release's, the index has caught up since the start
    /// and the indexer and mailer threads run. A `reindex` beside the live index does not make it unready.
    pub fn readiness(&self) -> Readiness {
        use diesel::connection::SimpleConnection;
        let mut reasons = Vec::new();
        let db_ok = match self.pool.get_timeout(READY_DB_WAIT) {
            Err(e) => {
                reasons.push(format!("database: no connection ({e})"));
                false
            }
            Ok(mut c) => match c.batch_execute("SELECT 1") {
                Err(e) => {
                    reasons.push(format!("database: {e}"));
                    false
                }
                Ok(()) => {
                    match store::migrations_pending(&mut c) {
                        Ok(false) => {}
                        Ok(true) => reasons.push("database: migrations are pending".into()),
                        Err(e) => reasons.push(format!("database: {e}")),
                    }
                    true
                }
            },
        };
        if !self.telemetry.index_caught_up() {
            let lag = if db_ok {
                self.index_lag()
                    .map_or_else(|_| "unknown".into(), |n| n.to_string())
            } else {
                "unknown".into()
            };
            reasons.push(format!(
                "search index: catching up with the database after the start ({lag} changes to apply)"
            ));
        }
        use crate::observe::Thread;
        if !self.telemetry.running(Thread::Indexer) {
            reasons.push("search index: the indexer thread does not run".into());
        }
        if !self.telemetry.running(Thread::Mailer) {
            reasons.push("mailer: the mail thread does not run".into());
        }
        Readiness { reasons }
    }
}

/// How long `/readyz` waits for a database connection before it says the database is away.
const READY_DB_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What [`Service::readiness`] found; ready when nothing is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub reasons: Vec<String>,
}

impl Readiness {
    pub fn ready(&self) -> bool {
        self.reasons.is_empty()
    }
}
