//! Scheduled jobs: each runs once per period across instances, a run holds its job against
//! the others, and tests run the jobs when they choose.

use eskalera::clock::Clock;
use eskalera::jobs::{run_pending, JOBS};
use eskalera::service::Service;

use crate::common::{config, TestDb};

fn names(ran: &[eskalera::jobs::Ran]) -> Vec<&'static str> {
    ran.iter().map(|r| r.job).collect()
}

/// The jobs of `ran` whose period is long enough not to come round during the test.
fn slow(ran: &[eskalera::jobs::Ran]) -> Vec<&'static str> {
    let slow = |name: &str| {
        JOBS.iter()
            .any(|j| j.name == name && j.every >= std::time::Duration::from_secs(20))
    };
    ran.iter().map(|r| r.job).filter(|n| slow(n)).collect()
}

#[test]
fn each_job_runs_once_per_period_whichever_instance_asks() {
    let db = TestDb::new();
    // Two instances on one database, without their threads: the test is the scheduler.
    let a = Service::open(config(&db), Clock::system()).unwrap();
    let b = Service::open(config(&db), Clock::system()).unwrap();
    let all: Vec<&str> = JOBS.iter().map(|j| j.name).collect();

    // A new database: every job is due, and the first to ask runs each one.
    let first = run_pending(&a, "a").unwrap();
    assert_eq!(names(&first), all);
    assert!(first.iter().all(|r| r.result.is_ok()), "{first:?}");
    // Within the period nothing is due, for either instance.
    assert!(slow(&run_pending(&b, "b").unwrap()).is_empty());
    assert!(slow(&run_pending(&a, "a").unwrap()).is_empty());

    // Due again (as after the period): one instance runs each job, the other none of them.
    b.make_jobs_due().unwrap();
    assert_eq!(names(&run_pending(&b, "b").unwrap()), all);
    assert!(slow(&run_pending(&a, "a").unwrap()).is_empty());
}

#[test]
fn a_job_held_by_another_instance_waits_for_its_lease() {
    let db = TestDb::new();
    let a = Service::open(config(&db), Clock::system()).unwrap();
    let b = Service::open(config(&db), Clock::system()).unwrap();
    let job = &JOBS[0];
    // Instance a takes a run and dies before giving it back.
    assert!(a.claim_job(job.name, job.every, job.lease, "a").unwrap());
    b.make_jobs_due().unwrap();
    // Due, but leased: b keeps off until the lease runs out.
    assert!(!b.claim_job(job.name, job.every, job.lease, "b").unwrap());
    // Once a gives it back (or its lease runs out), b takes the next due run.
    a.finish_job(job.name, "a", None).unwrap();
    b.make_jobs_due().unwrap();
    assert!(b.claim_job(job.name, job.every, job.lease, "b").unwrap());
    b.finish_job(job.name, "b", None).unwrap();
    // An instance that dies holding a run holds it only until its lease ends.
    b.make_jobs_due().unwrap();
    assert!(b
        .claim_job(job.name, job.every, std::time::Duration::ZERO, "b")
        .unwrap());
    std::thread::sleep(std::time::Duration::from_millis(20));
    b.make_jobs_due().unwrap();
    assert!(a.claim_job(job.name, job.every, job.lease, "a").unwrap());
}
