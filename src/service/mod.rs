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
}

impl Service {
    /// Connects, migrates and synchronises the organisation structure from config.
    pub fn open(config: Config, clock: Clock) -> ServiceResult<Service> {
        crate::files::private_dir(&config.data_dir).map_err(|e| {
            StoreError::Connect(format!("data dir {}: {e}", config.data_dir.display()))
        })?;
        let pool = store::connect(&config.database_url)?;
        let search = IndexRoot::open_ranked(&config.data_dir.join("index"), config.search.ranking)?;
        let svc = Service {
            config: Arc::new(config),
            pool,
            clock,
            search: Arc::new(search),
            hash_gate: Arc::new(gate::Gate::for_password_hashes()),
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
}
