//! A counting gate for costly work (password hashes): a few run at once, a few more wait briefly,
//! the rest are refused at once, so a burst cannot take the server's memory or every thread.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Gate {
    state: Mutex<State>,
    freed: Condvar,
    running_max: usize,
    waiting_max: usize,
    patience: Duration,
}

#[derive(Debug, Default)]
struct State {
    running: usize,
    waiting: usize,
}

/// A place inside the gate; leaving it lets the next one in.
#[derive(Debug)]
pub struct Permit<'a>(&'a Gate);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.0.state.lock() {
            s.running = s.running.saturating_sub(1);
        }
        self.0.freed.notify_one();
    }
}

impl Gate {
    pub fn new(running_max: usize, waiting_max: usize, patience: Duration) -> Gate {
        Gate {
            state: Mutex::new(State::default()),
            freed: Condvar::new(),
            running_max: running_max.max(1),
            waiting_max,
            patience,
        }
    }

    /// One hash per core (at least two), as many again waiting up to two seconds: a morning
    /// rush of real sign-ins queues briefly, a flood is refused.
    pub fn for_password_hashes() -> Gate {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let running = cores.clamp(2, 8);
        Gate::new(running, running * 4, Duration::from_secs(2))
    }

    /// A permit, or None when the gate is full and its queue too, or the wait ran out.
    pub fn enter(&self) -> Option<Permit<'_>> {
        let mut s = self.state.lock().ok()?;
        if s.running < self.running_max {
            s.running += 1;
            return Some(Permit(self));
        }
        if s.waiting >= self.waiting_max {
            return None;
        }
        s.waiting += 1;
        let deadline = Instant::now() + self.patience;
        let admitted = loop {
            if s.running < self.running_max {
                s.running += 1;
                break true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break false;
            }
            s = match self.freed.wait_timeout(s, left) {
                Ok((guard, _)) => guard,
                Err(_) => return None,
            };
        };
        s.waiting -= 1;
        // Not `then_some`: that would make (and drop) a permit on refusal too.
        if admitted {
            Some(Permit(self))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn at_most_the_limit_runs_and_the_queue_is_bounded() {
        let gate = Gate::new(2, 1, Duration::from_millis(50));
        let a = gate.enter();
        let b = gate.enter();
        assert!(a.is_some() && b.is_some());
        // The third waits its patience out and is refused.
        let started = Instant::now();
        assert!(gate.enter().is_none());
        assert!(started.elapsed() >= Duration::from_millis(50));
        drop(a);
        assert!(gate.enter().is_some());
    }

    #[test]
    fn a_waiter_gets_the_place_that_is_freed() {
        let gate = Arc::new(Gate::new(1, 4, Duration::from_secs(5)));
        let held = gate.enter();
        let g = Arc::clone(&gate);
        let waiter = std::thread::spawn(move || g.enter().is_some());
        std::thread::sleep(Duration::from_millis(30));
        drop(held);
        assert!(waiter.join().unwrap_or(false));
    }

    #[test]
    fn beyond_the_queue_refusal_is_immediate() {
        let gate = Arc::new(Gate::new(1, 1, Duration::from_secs(5)));
        let _held = gate.enter();
        let g = Arc::clone(&gate);
        let _waiter = std::thread::spawn(move || g.enter().is_some());
        std::thread::sleep(Duration::from_millis(30));
        let started = Instant::now();
        assert!(gate.enter().is_none());
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
