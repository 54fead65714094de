//! Mail that gave up after its retries, for the administrator: grouped by cause, each with its
//! subject and question, sent again one by one or all of a cause at once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::views::Paged;
use super::{Actor, Service, ServiceResult};
use crate::domain::catalogue::{Missing, Refusal};
use crate::domain::mail::{FailureCause, MailStatus};
use crate::domain::Code;
use crate::notify::mailer::Templates;
use crate::store::models::OutboxRow;
use crate::store::{self, outbox as ob};

/// A mail that gave up after its retries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FailedMail {
    pub id: i64,
    pub to: String,
    pub template: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Why it failed: rejected, bad_address, unreachable, sign_in, not_built or other.
    pub cause: String,
    /// The subject as it would be sent (None when the mail cannot be made).
    pub subject: Option<String>,
    /// The question it is about, if any.
    pub reference: Option<String>,
}

/// How many failed mails have each cause.
#[derive(Debug, Clone, Serialize)]
pub struct CauseCount {
    pub cause: FailureCause,
    pub count: i64,
}

fn failed_view(r: OutboxRow, templates: Option<&Templates>) -> FailedMail {
    let payload: serde_json::Value = serde_json::from_str(&r.payload).unwrap_or_default();
    let subject = templates
        .and_then(|t| t.render(r.template.as_str(), &payload).ok())
        .map(|m| m.subject);
    let reference = payload["question"]["reference"]
        .as_str()
        .map(str::to_string);
    FailedMail {
        id: r.id,
        to: r.to_address,
        template: r.template.as_str().to_string(),
        attempts: r.attempts,
        cause: FailureCause::of(r.last_error.as_deref())
            .as_str()
            .to_string(),
        last_error: r.last_error,
        created_at: r.created_at.and_utc(),
        subject,
        reference,
    }
}

impl Service {
    /// Every mail that gave up (the command line's complete list).
    pub fn failed_mail(&self, actor: &Actor) -> ServiceResult<Vec<FailedMail>> {
        super::access::may_administer(actor)?;
        let mut c = self.conn()?;
        Ok(ob::failed(&mut c)?
            .into_iter()
            .map(|r| failed_view(r, None))
            .collect())
    }

    /// The causes of the failed mails with their counts, and one page of the mails of `cause`
    /// (or of all), oldest first.
    pub fn failed_mail_for(
        &self,
        actor: &Actor,
        page: i64,
        cause: Option<FailureCause>,
    ) -> ServiceResult<(Vec<CauseCount>, Paged<FailedMail>)> {
        super::access::may_administer(actor)?;
        let paging = super::pages::page_of(page, super::pages::LIST_PER_PAGE)?;
        let mut c = self.conn()?;
        let (counts, rows, total) = store::read_tx(&mut c, |c| {
            let all = ob::failed_errors(c)?;
            let mut counts: BTreeMap<FailureCause, i64> = BTreeMap::new();
            let mut chosen = Vec::new();
            for (id, error) in &all {
                let of = FailureCause::of(error.as_deref());
                *counts.entry(of).or_default() += 1;
                if cause.is_none_or(|c| c == of) {
                    chosen.push(*id);
                }
            }
            let ids = &chosen[paging.slice_of(chosen.len())];
            let rows = ob::by_ids(c, ids)?;
            Ok::<_, crate::store::StoreError>((counts, rows, chosen.len() as i64))
        })?;
        // The subjects are made as the mailer makes them; a page holds at most 50.
        let templates = Templates::load().ok();
        let items = rows
            .into_iter()
            .map(|r| failed_view(r, templates.as_ref()))
            .collect();
        let counts = counts
            .into_iter()
            .map(|(cause, count)| CauseCount { cause, count })
            .collect();
        Ok((counts, Paged::new(items, total, paging)))
    }

    pub fn retry_mail(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        super::access::may_administer(actor)?;
        let mut c = self.conn()?;
        let now = self.clock.now_naive();
        store::write_tx(&mut c, |c| {
            let row = ob::get(c, id)?.ok_or(Missing::Mail(id))?;
            if row.status != MailStatus::Failed {
                return Err(Refusal::MailNotFailed {
                    id,
                    status: row.status,
                }
                .into());
            }
            ob::requeue(c, id, now)?;
            Ok(())
        })
    }

    /// Sends again every failed mail of `cause` (or every one), in one transaction; returns
    /// how many were queued.
    pub fn retry_failed(&self, actor: &Actor, cause: Option<FailureCause>) -> ServiceResult<i64> {
        super::access::may_administer(actor)?;
        let mut c = self.conn()?;
        let now = self.clock.now_naive();
        store::write_tx(&mut c, |c| {
            let mut n = 0;
            for (id, error) in ob::failed_errors(c)? {
                if cause.is_none_or(|x| x == FailureCause::of(error.as_deref()))
                    && ob::requeue(c, id, now)?
                {
                    n += 1;
                }
            }
            Ok(n)
        })
    }
}
