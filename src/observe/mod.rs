//! What operators see of a running instance: log lines with their request id, metrics, and
//! the state of its background threads that readiness reports.

pub mod logging;
pub mod process;
pub mod telemetry;

pub use telemetry::{LevelCounts, MailOutcome, RequestLabels, Snapshot, Telemetry, Thread};
