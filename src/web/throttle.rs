//! Slows down repeated failed sign-ins, per e-mail address and per client, in bounded memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before waiting starts: few per e-mail, more per client, because many
/// people may sign in from behind one address.
const FREE_PER_EMAIL: u32 = 3;
const FREE_PER_CLIENT: u32 = 20;
const MAX_WAIT: Duration = Duration::from_secs(300);
/// A key unused this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(30 * 60);
/// At most this many keys are tracked; past it the stalest are dropped first.
const MAX_KEYS: usize = 20_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
}

/// Which counter a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Email,
    Client,
}

#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<(Kind, String), Entry>>,
}

fn wait_for(kind: Kind, failures: u32) -> Duration {
    let free = match kind {
        Kind::Email => FREE_PER_EMAIL,
        Kind::Client => FREE_PER_CLIENT,
    };
    if failures < free {
        return Duration::ZERO;
    }
    // 1 s, 2 s, 4 s, … after the free attempts, up to five minutes.
    let exp = (failures - free).min(16);
    Duration::from_secs(1u64 << exp).min(MAX_WAIT)
}

impl Throttle {
    /// How long the caller must still wait before another attempt with these keys is checked.
    pub fn wait(&self, keys: &[(Kind, String)]) -> Duration {
        let now = Instant::now();
        let Ok(map) = self.entries.lock() else {
            return Duration::ZERO;
        };
        keys.iter()
            .filter_map(|k| map.get(k).map(|e| (k.0, e)))
            .map(|(kind, e)| wait_for(kind, e.failures).saturating_sub(now - e.last))
            .max()
            .unwrap_or(Duration::ZERO)
    }

    pub fn failed(&self, keys: &[(Kind, String)]) {
        let now = Instant::now();
        let Ok(mut map) = self.entries.lock() else {
            return;
        };
        if map.len() + keys.len() > MAX_KEYS {
            map.retain(|_, e| now - e.last < FORGET_AFTER);
            while map.len() + keys.len() > MAX_KEYS {
                let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, e)| e.last)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                map.remove(&oldest);
            }
        }
        for k in keys {
            let e = map.entry(k.clone()).or_insert(Entry {
                failures: 0,
                last: now,
            });
            if now - e.last >= FORGET_AFTER {
                e.failures = 0;
            }
            e.failures += 1;
            e.last = now;
        }
    }

    /// A successful sign-in clears the e-mail's counter (not the client's).
    pub fn succeeded(&self, email: &str) {
        if let Ok(mut map) = self.entries.lock() {
            map.remove(&(Kind::Email, email.to_string()));
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_starts_after_the_free_attempts_and_grows() {
        let t = Throttle::default();
        let keys = vec![(Kind::Email, "a@x.se".to_string())];
        for _ in 0..FREE_PER_EMAIL - 1 {
            t.failed(&keys);
            assert_eq!(t.wait(&keys), Duration::ZERO);
        }
        t.failed(&keys);
        assert!(t.wait(&keys) > Duration::ZERO);
        assert!(wait_for(Kind::Email, 10) > wait_for(Kind::Email, 4));
        assert_eq!(wait_for(Kind::Email, 1000), MAX_WAIT);
        t.succeeded("a@x.se");
        assert_eq!(t.wait(&keys), Duration::ZERO);
    }

    #[test]
    fn memory_is_bounded() {
        let t = Throttle::default();
        for i in 0..MAX_KEYS + 50 {
            t.failed(&[(Kind::Email, format!("u{i}@x.se"))]);
        }
        assert!(t.len() <= MAX_KEYS);
    }
}
