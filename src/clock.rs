//! The one source of "now": the system clock, optionally shifted by `ESKALERA_NOW`.

use chrono::{DateTime, Duration, DurationRound, NaiveDateTime, Utc};

/// An offset from the system clock, not a frozen instant, so that timers, leases and backoff
/// keep running when tests or demos move "now".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    offset: Duration,
}

impl Clock {
    pub fn system() -> Self {
        Clock::default()
    }

    /// A clock that reads `start` now and advances in real time from there.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Clock {
            offset: start - Utc::now(),
        }
    }

    /// The same clock moved by `by` (negative moves it into the past).
    pub fn shifted(self, by: Duration) -> Self {
        Clock {
            offset: self.offset + by,
        }
    }

    /// Truncated to microseconds: PostgreSQL keeps no more, so values round-trip on both backends.
    pub fn now(&self) -> DateTime<Utc> {
        let t = Utc::now() + self.offset;
        t.duration_trunc(Duration::microseconds(1)).unwrap_or(t)
    }

    pub fn now_naive(&self) -> NaiveDateTime {
        self.now().naive_utc()
    }

    pub fn is_shifted(&self) -> bool {
        self.offset != Duration::zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starting_at_moves_now_and_keeps_running() {
        let start = DateTime::parse_from_rfc3339("2025-03-03T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = Clock::starting_at(start);
        let a = c.now();
        assert!((a - start).num_seconds().abs() < 2);
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(c.now() > a);
        assert!(c.is_shifted());
        assert_eq!(c.now().timestamp_subsec_nanos() % 1000, 0);
    }

    #[test]
    fn shifted_moves_by_the_duration() {
        let c = Clock::system().shifted(Duration::days(-3));
        let diff = Utc::now() - c.now();
        assert!((diff - Duration::days(3)).num_seconds().abs() < 2);
    }
}
