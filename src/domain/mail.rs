//! Mail codes: what a person chose to receive, which mail a row of the outbox is, where the
//! row stands, and when a mail that could not be sent is tried again.

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

    /// Where a mail of a kind the person set for itself starts (a saved search's `notify`;
    /// later kinds alike): the person's own setting wins when it is off, and a digest on
    /// either side holds the mail for the digest.
    pub fn refined_by(self, kind: MailPreference) -> Option<MailStatus> {
        match (self, kind) {
            (MailPreference::Off, _) | (_, MailPreference::Off) => None,
            (MailPreference::Digest, _) | (_, MailPreference::Digest) => Some(MailStatus::Digest),
            (MailPreference::Immediate, MailPreference::Immediate) => Some(MailStatus::Pending),
        }
    }
}

/// Why a mail gave up, read from its last error, for the administrator: what to do differs
/// (fix an address, call the mail team, report a fault in eskalera).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailureCause {
    /// The receiving server refused the address for good (550 no such user, and the like).
    Rejected,
    /// The address itself is not an address.
    BadAddress,
    /// The mail server could not be reached, or the connection broke.
    Unreachable,
    /// The mail server refused eskalera's sign-in.
    SignIn,
    /// The mail could not be made (a fault in eskalera).
    NotBuilt,
    Other,
}
text_enum!(FailureCause {
    Rejected => "rejected",
    BadAddress => "bad_address",
    Unreachable => "unreachable",
    SignIn => "sign_in",
    NotBuilt => "not_built",
    Other => "other",
});

impl FailureCause {
    /// The cause of a failed mail from its last error, as the mailer words it.
    pub fn of(last_error: Option<&str>) -> FailureCause {
        let e = last_error.unwrap_or("").to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| e.contains(w));
        if e.starts_with("mail address") {
            FailureCause::BadAddress
        } else if e.starts_with("mail template") || e.starts_with("building the mail") {
            FailureCause::NotBuilt
        } else if has(&["535", "authentication", "auth "]) {
            FailureCause::SignIn
        } else if has(&[
            "permanent",
            "550",
            "551",
            "552",
            "553",
            "554",
            "no such user",
            "user unknown",
            "mailbox",
        ]) {
            FailureCause::Rejected
        } else if has(&[
            "connection",
            "timed out",
            "timeout",
            "network",
            "dns",
            "resolve",
            "refused",
            "tls",
            "transient",
            "unreachable",
        ]) {
            FailureCause::Unreachable
        } else {
            FailureCause::Other
        }
    }

    /// The cause in plain Swedish, and what to do about it.
    pub fn label_sv(self) -> &'static str {
        match self {
            FailureCause::Rejected => "Mottagarens e-postserver tog inte emot meddelandet: adressen finns inte eller är spärrad",
            FailureCause::BadAddress => "Adressen är inte en giltig e-postadress",
            FailureCause::Unreachable => "E-postservern gick inte att nå",
            FailureCause::SignIn => "E-postservern godtog inte eskaleras inloggning",
            FailureCause::NotBuilt => "Meddelandet kunde inte skapas (ett fel i eskalera)",
            FailureCause::Other => "Annat fel",
        }
    }

    pub fn advice_sv(self) -> &'static str {
        match self {
            FailureCause::Rejected | FailureCause::BadAddress => {
                "Rätta personens adress innan du skickar igen."
            }
            FailureCause::Unreachable => {
                "Skicka igen när e-postservern fungerar; kontakta driften om felet består."
            }
            FailureCause::SignIn => {
                "Kontrollera inloggningen i ESKALERA_SMTP_URL tillsammans med driften."
            }
            FailureCause::NotBuilt => {
                "Rapportera felet till förvaltningen med meddelandets nummer."
            }
            FailureCause::Other => "Läs felet nedan; skicka igen om orsaken är åtgärdad.",
        }
    }
}

/// When a mail that failed for a passing reason (a relay away, a 4xx reply) is tried again:
/// waits doubling from 1 s up to `cap` seconds, until the waits so far add up to `window`
/// seconds; then it gives up. Counted from the attempts alone, so that `mail retry` (which
/// sets them to 0) starts a whole new window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrySchedule {
    pub cap_seconds: f64,
    pub window_seconds: f64,
}

impl RetrySchedule {
    /// The wait before the next attempt after `failed` failed attempts, in seconds (before
    /// jitter), or None when the window is used up.
    pub fn next_wait(&self, failed: i32) -> Option<f64> {
        let cap = self.cap_seconds.max(1.0);
        let wait = |n: i32| 2f64.powi(n.clamp(0, 30)).min(cap);
        // The waits already behind this mail: 1 + 2 + 4 + … up to the cap, per attempt.
        let behind: f64 = (0..failed.saturating_sub(1).max(0)).map(wait).sum();
        (behind < self.window_seconds).then(|| wait(failed.max(1) - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_read_for_its_cause() {
        let of = |e: &str| FailureCause::of(Some(e));
        assert_eq!(
            of("sending: permanent error (550): 5.1.1 no such user"),
            FailureCause::Rejected
        );
        assert_eq!(of("mail address x: invalid"), FailureCause::BadAddress);
        assert_eq!(
            of("sending: Connection refused (os error 111)"),
            FailureCause::Unreachable
        );
        assert_eq!(
            of("sending: permanent error (535): authentication failed"),
            FailureCause::SignIn
        );
        assert_eq!(
            of("mail template change/subject.txt: x"),
            FailureCause::NotBuilt
        );
        assert_eq!(of("sending: something odd"), FailureCause::Other);
        assert_eq!(FailureCause::of(None), FailureCause::Other);
    }

    #[test]
    fn a_passing_failure_is_retried_for_the_whole_window_then_given_up() {
        let two_days = RetrySchedule {
            cap_seconds: 600.0,
            window_seconds: 48.0 * 3600.0,
        };
        assert_eq!(two_days.next_wait(1), Some(1.0));
        assert_eq!(two_days.next_wait(2), Some(2.0));
        assert_eq!(two_days.next_wait(12), Some(600.0));
        let mut failed = 1;
        let mut spanned = 0.0;
        while let Some(w) = two_days.next_wait(failed) {
            spanned += w;
            failed += 1;
        }
        // At least the window, and not much past it.
        assert!(spanned >= 48.0 * 3600.0, "{spanned}");
        assert!(spanned < 48.0 * 3600.0 + 600.0, "{spanned}");
        assert!((280..300).contains(&failed), "{failed} attempts");
        // A window of nothing gives up after the first failure.
        let none = RetrySchedule {
            cap_seconds: 600.0,
            window_seconds: 0.0,
        };
        assert_eq!(none.next_wait(1), None);
    }

    #[test]
    fn a_kinds_setting_refines_the_persons_and_off_wins() {
        use MailPreference::*;
        assert_eq!(Off.refined_by(Immediate), None);
        assert_eq!(Immediate.refined_by(Off), None);
        assert_eq!(Digest.refined_by(Immediate), Some(MailStatus::Digest));
        assert_eq!(Immediate.refined_by(Digest), Some(MailStatus::Digest));
        assert_eq!(Immediate.refined_by(Immediate), Some(MailStatus::Pending));
    }
}
