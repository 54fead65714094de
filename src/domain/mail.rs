//! Mail codes: what a person chose to receive, which mail a row of the outbox is, and where
//! the row stands.

use crate::text_enum;

/// How a person wants to hear of changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailPreference {
    Immediate,
    /// One mail a day, at `mail.digest_hour`.
    Digest,
    Off,
}
text_enum!(MailPreference {
    Immediate => "immediate",
    Digest => "digest",
    Off => "off",
});

/// Which mail an outbox row is: the folder of its templates under `templates/email/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailTemplate {
    Change,
    SlaWarning,
    ReviewDue,
    Digest,
}
text_enum!(MailTemplate {
    Change => "change",
    SlaWarning => "sla_warning",
    ReviewDue => "review_due",
    Digest => "digest",
});

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailStatus {
    /// To be sent (now or after a backoff).
    Pending,
    /// Held for the recipient's next digest.
    Digest,
    /// Listed in a digest that was queued.
    Digested,
    Sent,
    /// Gave up after its retries.
    Failed,
}
text_enum!(MailStatus {
    Pending => "pending",
    Digest => "digest",
    Digested => "digested",
    Sent => "sent",
    Failed => "failed",
});

impl MailPreference {
    /// Where a change mail to a person with this preference starts; None: not sent at all.
    pub fn first_status(self) -> Option<MailStatus> {
        match self {
            MailPreference::Immediate => Some(MailStatus::Pending),
            MailPreference::Digest => Some(MailStatus::Digest),
            MailPreference::Off => None,
        }
    }
}
