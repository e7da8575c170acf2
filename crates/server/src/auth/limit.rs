//! The login lock-out: exponential back-off per key (a login at an
//! address, an address alone, a login's second-factor codes).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// When a key locks, and for how long: after `after` failures it locks for
/// `first`, and each further failure once the lock has passed doubles the
/// lock, up to `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub after: u32,
    pub first: Duration,
    pub cap: Duration,
}

impl Backoff {
    /// The lock after `failures` failures, if any.
    fn lock_for(&self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.after)?;
        let doubled = self
            .first
            .checked_mul(1u32.checked_shl(over.min(31)).unwrap_or(u32::MAX))
            .unwrap_or(self.cap);
        Some(doubled.min(self.cap))
    }
}

#[derive(Debug, Clone, Copy)]
struct KeyState {
    failures: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// A key's failures are forgotten after this long without one.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Failed attempts per key, with their locks. In memory: it resets on
/// restart and is per process, which is enough for one server; several
/// servers behind a balancer would need it in the store.
pub struct RateLimiter {
    keys: Mutex<HashMap<String, KeyState>>,
}

/// An attempt let through: give it back to [`RateLimiter::succeeded`], or
/// read from it which locks its failure started.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The keys and the lock each one starts now that this attempt counts
    /// as a failure (empty when none does).
    pub locks: Vec<(String, Duration)>,
    /// The failures counted on each key, this one included.
    pub failures: Vec<(String, u32)>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new()
    }
}

impl RateLimiter {
    pub fn new() -> RateLimiter {
        RateLimiter {
            keys: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, KeyState>> {
        // A panic elsewhere must not lock everyone out: the map stays usable.
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts an attempt as a failure on every key, or says how long to
    /// wait when a key is locked. Checked and counted under one lock,
    /// before the password is verified: concurrent attempts cannot all pass
    /// the check before any of them is counted. A successful attempt is
    /// taken back with [`RateLimiter::succeeded`].
    pub fn attempt(&self, keys: &[(String, Backoff)]) -> Result<Attempt, Duration> {
        let now = Instant::now();
        let mut map = self.lock();
        let wait = keys
            .iter()
            .filter_map(|(k, _)| map.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        if let Some(w) = wait {
            return Err(w);
        }
        if map.len() > 100_000 {
            // Bounded memory under a spray of logins: forget the settled ones.
            map.retain(|_, s| {
                now.duration_since(s.last) < FORGET_AFTER && s.locked_until.is_some_and(|u| u > now)
            });
        }
        let mut attempt = Attempt {
            locks: Vec::new(),
            failures: Vec::new(),
        };
        for (k, backoff) in keys {
            let s = map.entry(k.clone()).or_insert(KeyState {
                failures: 0,
                last: now,
                locked_until: None,
            });
            if now.duration_since(s.last) >= FORGET_AFTER {
                s.failures = 0;
            }
            s.failures = s.failures.saturating_add(1);
            s.last = now;
            s.locked_until = backoff.lock_for(s.failures).map(|d| now + d);
            if let Some(d) = backoff.lock_for(s.failures) {
                attempt.locks.push((k.clone(), d));
            }
            attempt.failures.push((k.clone(), s.failures));
        }
        Ok(attempt)
    }

    /// Takes back an attempt that succeeded: the first key's failures (the
    /// login at its address) are forgotten; the other keys lose this one
    /// failure, and a lock it started is lifted.
    pub fn succeeded(&self, keys: &[(String, Backoff)], attempt: &Attempt) {
        let mut map = self.lock();
        let started: Vec<&String> = attempt.locks.iter().map(|(k, _)| k).collect();
        for (i, (k, backoff)) in keys.iter().enumerate() {
            if i == 0 {
                map.remove(k);
                continue;
            }
            if let Some(s) = map.get_mut(k) {
                s.failures = s.failures.saturating_sub(1);
                if started.contains(&k) {
                    s.locked_until = backoff.lock_for(s.failures).map(|d| s.last + d);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE: Backoff = Backoff {
        after: 5,
        first: Duration::from_secs(60),
        cap: Duration::from_secs(3600),
    };

    #[test]
    fn the_lock_doubles_up_to_its_cap() {
        assert_eq!(FIVE.lock_for(4), None);
        assert_eq!(FIVE.lock_for(5), Some(Duration::from_secs(60)));
        assert_eq!(FIVE.lock_for(6), Some(Duration::from_secs(120)));
        assert_eq!(FIVE.lock_for(10), Some(Duration::from_secs(1920)));
        assert_eq!(FIVE.lock_for(11), Some(Duration::from_secs(3600)));
        assert_eq!(FIVE.lock_for(u32::MAX), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn the_limiter_counts_before_verifying_and_forgives_a_success() {
        let two = Backoff { after: 2, ..FIVE };
        let k = vec![("pair:a@1".to_owned(), two), ("ip:1".to_owned(), two)];
        // Two attempts in flight at once are both counted: the third waits.
        let l = RateLimiter::new();
        assert!(l.attempt(&k).unwrap().locks.is_empty());
        let second = l.attempt(&k).unwrap();
        assert_eq!(second.locks.len(), 2, "the second failure locks both keys");
        let wait = l.attempt(&k).unwrap_err();
        assert!(wait <= Duration::from_secs(60) && wait > Duration::from_secs(55));
        assert!(l.attempt(&[("ip:1".to_owned(), two)]).is_err());
        // Another login at another address is not touched.
        assert!(l
            .attempt(&[("pair:a@2".to_owned(), two), ("ip:2".to_owned(), two)])
            .is_ok());
        // A success takes its own attempt back and lifts the lock it began.
        l.succeeded(&k, &second);
        assert!(l.attempt(&k).is_ok());
    }

    #[tokio::test]
    async fn concurrent_attempts_cannot_pass_the_check_together() {
        let l = std::sync::Arc::new(RateLimiter::new());
        let k = vec![("pair:a@1".to_owned(), FIVE), ("ip:1".to_owned(), FIVE)];
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (l, k) = (l.clone(), k.clone());
                tokio::spawn(async move { l.attempt(&k).is_ok() })
            })
            .collect();
        let mut passed = 0;
        for t in tasks {
            passed += usize::from(t.await.unwrap());
        }
        assert_eq!(passed, 5);
    }
}
