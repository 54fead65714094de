//! Temporary support past its review date: shown as "omprövning försenad" (derived), and the
//! people who relied on it told once by a scheduled job.

pub use crate::domain::register::Lapse;

use super::*;
use crate::store::questions as qs;

impl Service {
    /// Tells those who relied on each temporary answer whose review date has passed, once per
    /// answer (across instances: the answer's flag is claimed in the mail's transaction).
    pub fn run_review_lapses(&self) -> ServiceResult<usize> {
        let today = self.today().format("%Y-%m-%d").to_string();
        let system = Actor::system();
        let mut c = self.conn()?;
        let mut n = 0;
        for answer_id in pb::lapsed(&mut c, &today)? {
            n += store::write_tx(&mut c, |c| {
                if !pb::claim_lapse(c, answer_id)? {
                    return Ok::<usize, ServiceError>(0);
                }
                let Some(a) = qs::answer(c, answer_id)? else {
                    return Ok(0);
                };
                let Some(q) = qs::get(c, a.question_id)? else {
                    return Ok(0);
                };
                let note = format!(
                    "Omprövningsdatumet {} har passerat utan att ett nytt svar har getts.",
                    a.review_date.as_deref().unwrap_or("")
                );
                self.notify_lineage(c, &[(&q, &a)], Lapse::ReviewOverdue, &system, Some(&note))?;
                Ok(1)
            })?;
        }
        Ok(n)
    }
}
