//! Slows down guessing at sign-in, per account, per device and per client, in bounded memory.
//!
//! An attempt is *reserved* (counted) before its password is checked, in one step under the
//! lock, so parallel attempts cannot all slip through before the first failure is recorded; a
//! success or an attempt that never reached the check gives its place back.
//!
//! Attempts from a browser that holds the person's device cookie (set at their last successful
//! sign-in there) count against that device only, not against the account: somebody guessing
//! from elsewhere slows down the account's anonymous attempts, never the person's usual browser,
//! which waits at most for its own backoff.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before waiting starts: few per account or device, more per client,
/// because many people may sign in from behind one address.
const FREE_PER_ACCOUNT: u32 = 3;
const FREE_PER_DEVICE: u32 = 3;
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
    /// Attempts at one e-mail address from browsers that are not the person's own.
    Account,
    /// Attempts from one device cookie (the person's usual browser).
    Device,
    /// Attempts from one client address.
    Client,
}

pub type Key = (Kind, String);

#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<Key, Entry>>,
}

/// An attempt counted before its password is checked; hand it back with `succeeded` or
/// `not_checked`, or keep it as a failure with `failed`.
#[derive(Debug)]
#[must_use]
pub struct Reservation {
    keys: Vec<Key>,
}

fn wait_for(kind: Kind, failures: u32) -> Duration {
    let free = match kind {
        Kind::Account => FREE_PER_ACCOUNT,
        Kind::Device => FREE_PER_DEVICE,
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
    /// Counts an attempt with these keys, or says how long the caller must still wait.
    pub fn reserve(&self, keys: Vec<Key>) -> Result<Reservation, Duration> {
        let now = Instant::now();
        let Ok(mut map) = self.entries.lock() else {
            // A poisoned lock fails closed: nobody's password is checked.
            return Err(Duration::from_secs(1));
        };
        let wait = keys
            .iter()
            .filter_map(|k| map.get(k).map(|e| (k.0, e)))
            .filter(|(_, e)| now.duration_since(e.last) < FORGET_AFTER)
            .map(|(kind, e)| wait_for(kind, e.failures).saturating_sub(now - e.last))
            .max()
            .unwrap_or(Duration::ZERO);
        if !wait.is_zero() {
            return Err(wait);
        }
        make_room(&mut map, keys.len(), now);
        for k in &keys {
            let e = map.entry(k.clone()).or_insert(Entry {
                failures: 0,
                last: now,
            });
            if now.duration_since(e.last) >= FORGET_AFTER {
                e.failures = 0;
            }
            e.failures += 1;
            e.last = now;
        }
        Ok(Reservation { keys })
    }

    /// The password was wrong: the attempt stays counted.
    pub fn failed(&self, r: Reservation) {
        drop(r);
    }

    /// The password was right: the account's or device's counter starts over, and the
    /// client's attempt is given back.
    pub fn succeeded(&self, r: Reservation) {
        let Ok(mut map) = self.entries.lock() else {
            return;
        };
        for k in r.keys {
            if k.0 == Kind::Client {
                if let Some(e) = map.get_mut(&k) {
                    e.failures = e.failures.saturating_sub(1);
                }
            } else {
                map.remove(&k);
            }
        }
    }

    /// The password was never checked (the server was busy, the input was refused): the
    /// attempt is given back.
    pub fn not_checked(&self, r: Reservation) {
        let Ok(mut map) = self.entries.lock() else {
            return;
        };
        for k in r.keys {
            if let Some(e) = map.get_mut(&k) {
                e.failures = e.failures.saturating_sub(1);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
    }
}

fn make_room(map: &mut HashMap<Key, Entry>, needed: usize, now: Instant) {
    if map.len() + needed <= MAX_KEYS {
        return;
    }
    map.retain(|_, e| now.duration_since(e.last) < FORGET_AFTER);
    if map.len() + needed <= MAX_KEYS {
        return;
    }
    // Drop the stalest tenth at once, so a flood of new keys costs one sort per many inserts.
    let mut by_age: Vec<(Instant, Key)> = map.iter().map(|(k, e)| (e.last, k.clone())).collect();
    by_age.sort_by_key(|(last, _)| *last);
    let drop_n = (map.len() + needed - MAX_KEYS).max(MAX_KEYS / 10);
    for (_, k) in by_age.into_iter().take(drop_n) {
        map.remove(&k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(e: &str) -> Key {
        (Kind::Account, e.to_string())
    }

    #[test]
    fn waiting_starts_after_the_free_attempts_and_grows() {
        let t = Throttle::default();
        for _ in 0..FREE_PER_ACCOUNT {
            let r = t.reserve(vec![account("a@x.se")]);
            assert!(r.is_ok());
            if let Ok(r) = r {
                t.failed(r);
            }
        }
        assert!(t.reserve(vec![account("a@x.se")]).is_err());
        assert!(wait_for(Kind::Account, 10) > wait_for(Kind::Account, 4));
        assert_eq!(wait_for(Kind::Account, 1000), MAX_WAIT);
        // Another account is not held up.
        assert!(t.reserve(vec![account("b@x.se")]).is_ok());
    }

    #[test]
    fn attempts_are_counted_before_they_are_checked() {
        // Reservations that are still being checked hold their places: the fourth is refused
        // although no failure has been reported yet.
        let t = Throttle::default();
        let held: Vec<_> = (0..FREE_PER_ACCOUNT)
            .map(|_| t.reserve(vec![account("a@x.se")]))
            .collect();
        assert!(held.iter().all(Result::is_ok));
        assert!(t.reserve(vec![account("a@x.se")]).is_err());
        for r in held.into_iter().flatten() {
            t.not_checked(r);
        }
        assert!(t.reserve(vec![account("a@x.se")]).is_ok());
    }

    #[test]
    fn a_success_starts_the_account_over() {
        let t = Throttle::default();
        for _ in 0..FREE_PER_ACCOUNT - 1 {
            if let Ok(r) = t.reserve(vec![account("a@x.se")]) {
                t.failed(r);
            }
        }
        if let Ok(r) = t.reserve(vec![account("a@x.se")]) {
            t.succeeded(r);
        }
        for _ in 0..FREE_PER_ACCOUNT {
            assert!(t.reserve(vec![account("a@x.se")]).is_ok_and(|r| {
                t.failed(r);
                true
            }));
        }
    }

    #[test]
    fn guessing_at_the_account_does_not_hold_up_the_persons_device() {
        let t = Throttle::default();
        for _ in 0..10 {
            if let Ok(r) = t.reserve(vec![account("a@x.se")]) {
                t.failed(r);
            }
        }
        assert!(t.reserve(vec![account("a@x.se")]).is_err());
        assert!(t.reserve(vec![(Kind::Device, "dev-1".into())]).is_ok());
    }

    #[test]
    fn memory_is_bounded() {
        let t = Throttle::default();
        for i in 0..MAX_KEYS + 50 {
            if let Ok(r) = t.reserve(vec![account(&format!("u{i}@x.se"))]) {
                t.failed(r);
            }
        }
        assert!(t.len() <= MAX_KEYS);
    }
}
