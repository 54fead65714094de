//! What the legal department downloads: a report per level and per forum with the overdue
//! questions beside it, read together so that the sheets of one workbook agree.

use chrono::{DateTime, Utc};

use super::{BacklogQuery, BacklogReport, SlaReport, SlaReportQuery};
use crate::service::work::WorkItem;
use crate::service::{Actor, Service, ServiceResult};

/// At most this many overdue questions in a download: more is not a list anyone reads, and
/// the count on the other sheets still says how many there are.
pub const OVERDUE_ROWS: i64 = 5_000;

/// The SLA report of a period per level and per forum, and the overdue questions now.
#[derive(Debug, Clone)]
pub struct SlaBook {
    pub by_level: SlaReport,
    pub by_forum: SlaReport,
    pub overdue: Vec<WorkItem>,
    pub made_at: DateTime<Utc>,
}

/// The backlog per level and per forum, and the overdue questions now.
#[derive(Debug, Clone)]
pub struct BacklogBook {
    pub by_level: BacklogReport,
    pub by_forum: BacklogReport,
    pub overdue: Vec<WorkItem>,
    pub made_at: DateTime<Utc>,
}

impl Service {
    pub fn sla_book(
        &self,
        actor: &Actor,
        from: Option<String>,
        to: Option<String>,
    ) -> ServiceResult<SlaBook> {
        let by = |group: &str| SlaReportQuery {
            from: from.clone(),
            to: to.clone(),
            group_by: Some(group.into()),
            format: None,
        };
        Ok(SlaBook {
            by_level: self.sla_report(actor, &by("level"))?,
            by_forum: self.sla_report(actor, &by("forum"))?,
            overdue: self.overdue_questions(actor, OVERDUE_ROWS)?,
            made_at: self.clock.now(),
        })
    }

    pub fn backlog_book(&self, actor: &Actor) -> ServiceResult<BacklogBook> {
        let by = |group: &str| BacklogQuery {
            group_by: Some(group.into()),
            format: None,
        };
        Ok(BacklogBook {
            by_level: self.backlog(actor, &by("level"))?,
            by_forum: self.backlog(actor, &by("forum"))?,
            overdue: self.overdue_questions(actor, OVERDUE_ROWS)?,
            made_at: self.clock.now(),
        })
    }
}
