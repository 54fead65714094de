//! Background work, apart from the use cases: the indexer and mailer threads, and the scheduled
//! jobs with their names, schedules and leases. Where is X sent or checked? The table `JOBS`.
//!
//! A scheduled job is a use case of the service run by the system; the scheduler thread calls
//! `run_pending` every `TICK`, and tests call it directly instead of waiting for a thread. Its
//! schedule and lease are rows of the `jobs` table, so that of several instances one runs each
//! job per period, and an instance that dies mid-run holds it no longer than the lease.

mod indexer;
mod mailer;
mod worker;

use std::sync::atomic::Ordering;
use std::time::Duration;

pub use indexer::start_indexer;
pub use mailer::start_mailer;
pub use worker::Worker;

use crate::service::{Service, ServiceError, ServiceResult};

/// One scheduled job: what it is called (in logs and the `jobs` table), how often it runs, how
/// long one run may hold it, and the use case it runs (returning how much it did).
pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    pub lease: Duration,
    pub run: fn(&Service) -> ServiceResult<usize>,
}

/// Every scheduled job.
pub const JOBS: [Job; 5] = [
    // Each user who chose the digest gets one mail a day at `mail.digest_hour` (Stockholm);
    // the job looks often so that the hour is kept, and sends each digest once.
    Job {
        name: "digests",
        every: Duration::from_secs(60),
        lease: Duration::from_secs(600),
        run: Service::run_digests,
    },
    // The forum and the legal department hear once when a stage is at risk and once when it is
    // overdue.
    Job {
        name: "sla_warnings",
        every: Duration::from_secs(20),
        lease: Duration::from_secs(600),
        run: Service::run_sla_warnings,
    },
    // Authors of temporary support hear when its review date has come.
    Job {
        name: "review_reminders",
        every: Duration::from_secs(60),
        lease: Duration::from_secs(600),
        run: Service::run_review_reminders,
    },
    // Everyone who relied on temporary support hears once when its review date has passed
    // without a new answer ("omprövning försenad").
    Job {
        name: "review_lapses",
        every: Duration::from_secs(300),
        lease: Duration::from_secs(600),
        run: Service::run_review_lapses,
    },
    // New answers are compared with earlier answers to similar questions (an answer the index
    // does not hold yet waits for the next run).
    Job {
        name: "consistency_checks",
        every: Duration::from_secs(1),
        lease: Duration::from_secs(300),
        run: Service::run_consistency_checks,
    },
];

/// How often the scheduler looks for due jobs.
const TICK: Duration = Duration::from_millis(250);

/// What one job did in a `run_pending`.
#[derive(Debug)]
pub struct Ran {
    pub job: &'static str,
    pub result: ServiceResult<usize>,
}

/// Runs every job that is due now and that no other instance holds; `holder` names this
/// instance in the leases. Each job runs at most once per call.
pub fn run_pending(svc: &Service, holder: &str) -> ServiceResult<Vec<Ran>> {
    let mut ran = Vec::new();
    for job in &JOBS {
        if !svc.claim_job(job.name, job.every, job.lease, holder)? {
            continue;
        }
        let result = (job.run)(svc);
        let error = result.as_ref().err().map(ToString::to_string);
        if let Some(e) = &error {
            log::error!("job {}: {e}", job.name);
        }
        svc.finish_job(job.name, holder, error.as_deref())?;
        ran.push(Ran {
            job: job.name,
            result,
        });
    }
    Ok(ran)
}

/// Starts the thread that runs the scheduled jobs as they come due.
pub fn start_scheduler(svc: &Service) -> ServiceResult<Worker> {
    let svc = svc.clone();
    let holder = instance_name();
    Worker::spawn_background("scheduler", move |stop| {
        while !stop.load(Ordering::SeqCst) {
            if let Err(e) = run_pending(&svc, &holder) {
                log::error!("scheduler: {e}");
            }
            std::thread::sleep(TICK);
        }
    })
    .map_err(|e| ServiceError::Internal(format!("cannot start the scheduler: {e}")))
}

/// This process among several instances: its id and a random part (ids repeat across hosts).
fn instance_name() -> String {
    let mut b = [0u8; 6];
    let _ = getrandom::fill(&mut b);
    format!("{}-{}", std::process::id(), hex::encode(b))
}
