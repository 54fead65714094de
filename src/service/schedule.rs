//! The scheduled jobs' bookkeeping: taking a due run under a lease and giving it back. What the
//! jobs are and when they run is `crate::jobs`.

use std::time::Duration;

use chrono::{Duration as Span, NaiveDateTime};

use super::{Service, ServiceError, ServiceResult};
use crate::store;

/// Schedules run on the wall clock: "every 20 seconds" is real time, also where the service's
/// clock is moved (tests), and a test that moves it does not make every job due at once.
fn wall_now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

fn after(t: NaiveDateTime, d: Duration) -> NaiveDateTime {
    t + Span::milliseconds(i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2))
}

impl Service {
    /// Takes the run of job `name` that is due now for `holder`: true when this instance is to
    /// run it. Its next run is `every` from now; `lease` keeps other instances off meanwhile.
    pub fn claim_job(
        &self,
        name: &str,
        every: Duration,
        lease: Duration,
        holder: &str,
    ) -> ServiceResult<bool> {
        let now = wall_now();
        let mut conn = self.conn()?;
        match store::write_tx(&mut conn, |c| {
            store::jobs::claim(c, name, holder, now, after(now, every), after(now, lease))
        }) {
            Ok(taken) => Ok(taken),
            // Another instance made the job's row at the same moment: it runs this one.
            Err(e) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(ServiceError::Store(e)),
        }
    }

    /// Gives back `holder`'s lease of job `name`, recording how the run ended.
    pub fn finish_job(&self, name: &str, holder: &str, error: Option<&str>) -> ServiceResult<()> {
        let now = wall_now();
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            store::jobs::finish(c, name, holder, now, error)
        })?;
        Ok(())
    }

    /// Makes every scheduled job due at once, whatever its schedule.
    pub fn make_jobs_due(&self) -> ServiceResult<()> {
        let now = wall_now();
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| store::jobs::make_due(c, now))?;
        Ok(())
    }
}
