//! The indexer thread: applies the change log to the search index, batch by batch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::Worker;
use crate::observe::Thread;
use crate::service::indexing::IndexFollower;
use crate::service::{Service, ServiceError, ServiceResult};
use crate::store::StoreError;

/// How often an idle indexer looks for changes; a change is searchable well within a second.
const IDLE_POLL: Duration = Duration::from_millis(50);
/// After a commit of n changes the indexer rests n × this, at most `MAX_REST`. A lone change
/// is searchable almost at once; a stream of writes grows the batches until the rest reaches
/// its cap, and the changes of that interval then share one segment instead of a segment per
/// few documents (a new segment's fixed cost and its merges are most of the cost of indexing).
const REST_PER_CHANGE: Duration = Duration::from_millis(10);
const MAX_REST: Duration = Duration::from_millis(150);

/// Starts the thread that keeps the index following the database.
pub fn start_indexer(svc: &Service) -> ServiceResult<Worker> {
    let svc = svc.clone();
    Worker::spawn_background("indexer", move |stop| follow(&svc, stop)).map_err(|e| {
        ServiceError::Store(StoreError::Corrupt(format!(
            "cannot start the indexer: {e}"
        )))
    })
}

fn follow(svc: &Service, stop: &AtomicBool) {
    // Cleared however the loop ends, a panic included: /readyz reports it.
    let _running = svc.telemetry().thread_started(Thread::Indexer);
    let mut follower = IndexFollower::default();
    let mut failures = 0u32;
    while !stop.load(Ordering::SeqCst) {
        match svc.follow_changes(&mut follower) {
            Ok(0) => {
                failures = 0;
                // Nothing waits: the index holds what the database held at the start.
                svc.telemetry().set_index_caught_up();
                std::thread::sleep(IDLE_POLL);
            }
            Ok(n) => {
                failures = 0;
                let rest = REST_PER_CHANGE.saturating_mul(u32::try_from(n).unwrap_or(u32::MAX));
                std::thread::sleep(rest.min(MAX_REST));
            }
            Err(e) => {
                failures += 1;
                follower.reset();
                log::error!("indexer: {e}; retrying");
                std::thread::sleep(Duration::from_millis(200 * u64::from(failures.min(25))));
            }
        }
    }
}
